/**
 * The embedded audit store: SQLite through better-sqlite3, one file in the Node-RED user dir.
 *
 * Durability: the database runs in WAL mode. Audit entries, tracked shipments and seen ids are
 * committed with synchronous=NORMAL (a commit survives a crash or kill of the process; only an OS
 * crash or power loss can drop the last commits). Ledger writes, which guard money (labels) and
 * real documents (X3 orders), are durable by default before their promise resolves, so a claim
 * that returned also survives power loss: the WAL is fsynced on the thread pool after the commit
 * (wal-sync.ts: one fsync for every ledger commit made meanwhile, the event loop never waits on
 * the disk). Without WAL (a file system that refuses it) they are committed with synchronous=FULL.
 *
 * better-sqlite3 is synchronous, so in one process no two transactions interleave. Ledger writes
 * and tracked-shipment writes asked for in the same turn of the event loop share one transaction
 * (group-commit.ts; each write in its own savepoint, each promise resolved after the commit, a
 * ledger write after its fsync); reads commit the queued writes first, so they see them. Across
 * processes (or two connections to one file) those IMMEDIATE transactions take the write lock
 * first and wait up to busyTimeoutMs for it, so a claim is decided by exactly one writer.
 *
 * This module composes a store view from its parts, each in its own file: the open database
 * (sqlite-database.ts), the audit trail (sqlite-trail.ts), and the parts written once for both
 * backends over sql-dialect.ts (sql-store-parts.ts: sql-ledger.ts, sql-tracked.ts, sql-inbox.ts,
 * sql-cluster.ts, sql-purge.ts), run here by sqlite-context.ts; input checks are in
 * entry-input.ts, row mapping in sqlite-rows.ts.
 */
import { LedgerStateError } from './ledger-hold';
import { sqlStoreParts } from './sql-store-parts';
import { sqliteBackend, storeContext } from './sqlite-context';
import { openSqliteDatabase, type SqliteAuditDatabase } from './sqlite-database';
import { sqliteTrail } from './sqlite-trail';
import type { FsyncFn } from './wal-sync';
import { AUDIT_STATUSES, AUDIT_SYSTEMS, LEDGER_STATES, SHIPMENT_STATUSES } from './vocabulary';
import type { AuditEntry, AuditEntryInput, AuditStore } from './types';

export { AUDIT_STATUSES, AUDIT_SYSTEMS, LEDGER_STATES, SHIPMENT_STATUSES };
export { LedgerStateError };
export { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT } from './trail-query';
export { SQLITE_CACHE_KIB, openSqliteDatabase, type SqliteAuditDatabase } from './sqlite-database';
export { normaliseCorrelation, timeOrderedId } from './entry-input';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' (tests). The directory is created when missing. */
  path: string;
  maskPersonalData?: boolean;
  now?: () => number;
  /** 'full' (default): ledger commits are fsynced; 'normal': they survive a process crash only. */
  ledgerSync?: 'full' | 'normal';
  /** How long a writer waits for another connection's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /** For tests: the fsync used to make ledger commits durable. */
  fsync?: FsyncFn;
}

/** The SQLite store also offers a bulk path (imports, benchmarks). */
export interface SqliteAuditStore extends AuditStore {
  readonly path: string;
  /** Records many entries in one transaction. */
  recordBatch(entries: AuditEntryInput[]): Promise<AuditEntry[]>;
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteAuditStore {
  const database = openSqliteDatabase(options.path, options);
  return createSqliteStore(database, {
    maskPersonalData: options.maskPersonalData,
    now: options.now,
    onClose: () => database.close(),
  });
}

/** A store view over an open database. `onClose` releases the database (or a shared handle). */
export function createSqliteStore(
  database: SqliteAuditDatabase,
  options: { maskPersonalData?: boolean; now?: () => number; onClose: () => void },
): SqliteAuditStore {
  const ctx = storeContext(database, options);
  const trail = sqliteTrail(ctx);

  return {
    path: database.path,
    shared: false,
    // the trail, and the parts written once for both backends (an inbox settle's entry is
    // recorded in its commit): sql-store-parts.ts
    ...sqlStoreParts(sqliteBackend(ctx, trail.insertInput), trail),

    async close() {
      if (ctx.closed) return;
      trail.flush();
      database.drainWrites();
      ctx.markClosed();
      options.onClose();
    },
  };
}
