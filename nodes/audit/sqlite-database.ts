/**
 * Opening the SQLite file the audit store lives in: the native module loaded on first use, the
 * pragmas (WAL, cache size, checkpoints), the migrations, a statement cache, and the group
 * commit (group-commit.ts) that makes ledger writes durable per `ledgerSync`. Several store views
 * (sqlite-store.ts, each with its own masking option) may share one open database.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { mkdirSync } from 'fs';
import { dirname } from 'path';
import { ensureIncrementalVacuum, migrate } from './migrations';
import { GroupCommit, type LedgerDurability } from './group-commit';
import { WalSync, type FsyncFn } from './wal-sync';

/**
 * The native module is loaded on first use, not when Node-RED loads the node files: a palette
 * install on a Node.js whose addon build failed still registers every node, and the audit
 * config then reports the real cause instead of the whole package failing to load.
 */
function loadBetterSqlite(): typeof import('better-sqlite3') {
  try {
    return require('better-sqlite3') as typeof import('better-sqlite3');
  } catch (err) {
    throw new Error(
      `the embedded audit store needs better-sqlite3, which failed to load (${(err as Error).message}); ` +
        'reinstall the package in your Node-RED user directory so npm rebuilds it for this Node.js',
      { cause: err },
    );
  }
}

/** Upper bound of SQLite's page cache per connection, KiB (PRAGMA cache_size = -N). */
export const SQLITE_CACHE_KIB = 8192;

/** A shared open database; several store views (with their own masking option) may use it. */
export interface SqliteAuditDatabase {
  readonly path: string;
  readonly db: Db;
  readonly ledgerSync: 'full' | 'normal';
  statement(sql: string): Statement;
  /**
   * Queues a small write for the next group commit (see group-commit.ts). With `ledgerKey` it is
   * a ledger write: the promise resolves once it is durable per `ledgerSync`.
   */
  write<T>(fn: () => T, ledgerKey?: string): Promise<T>;
  /** Runs the queued writes now: call before reading, so a read sees the writes asked before it. */
  drainWrites(): void;
  /** Resolves once the ledger writes made so far on `key` are durable (at once when none waits). */
  ledgerDurable(key: string): Promise<void>;
  close(): void;
}

export function openSqliteDatabase(
  path: string,
  options: { busyTimeoutMs?: number; ledgerSync?: 'full' | 'normal'; now?: () => number; fsync?: FsyncFn } = {},
): SqliteAuditDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new (loadBetterSqlite())(path, { timeout: options.busyTimeoutMs ?? 5000 });
  let wal = false;
  try {
    if (path !== ':memory:') wal = db.pragma('journal_mode = WAL', { simple: true }) === 'wal';
    db.pragma('synchronous = NORMAL');
    // SQLite's own page cache is allocated as pages are touched and kept until the connection
    // closes: at 64 MB it filled within minutes of a busy day (the trail's inserts go through it)
    // and stayed resident. The OS page cache already keeps the hot index pages.
    db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    // fewer, larger checkpoints: each one fsyncs, and at the default (1000 pages) they dominate
    // the cost of small audit commits; the WAL file is cut back to 64 MB after each
    db.pragma('wal_autocheckpoint = 8000');
    db.pragma('journal_size_limit = 67108864');
    if (path !== ':memory:') ensureIncrementalVacuum(db);
    migrate(db, undefined, options.now);
  } catch (err) {
    db.close();
    throw err;
  }
  const cache = new Map<string, Statement>();
  const ledgerSync = options.ledgerSync ?? 'full';
  // 'full' on a file: WAL fsynced off the event loop; without WAL, SQLite's own FULL commits; an
  // in-memory database has nothing to make durable.
  const durability: LedgerDurability =
    ledgerSync === 'normal' || path === ':memory:' ? 'none' : wal ? 'wal-fsync' : 'sqlite-full';
  const walSync = durability === 'wal-fsync' ? new WalSync(`${path}-wal`, path, options.fsync) : undefined;
  const commits = new GroupCommit(db, durability, walSync);
  return {
    path,
    db,
    ledgerSync,
    statement(sql) {
      let st = cache.get(sql);
      if (!st) {
        st = db.prepare(sql);
        cache.set(sql, st);
      }
      return st;
    },
    write: (fn, ledgerKey) => commits.write(fn, ledgerKey),
    drainWrites: () => commits.drain(),
    ledgerDurable: (key) => commits.durable(key),
    close() {
      if (db.open) commits.close();
      cache.clear();
      if (db.open) db.close();
    },
  };
}
