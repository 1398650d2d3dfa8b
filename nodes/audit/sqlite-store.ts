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
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { randomBytes } from 'crypto';
import { mkdirSync } from 'fs';
import { dirname } from 'path';
import { nextGenerationKey } from './ledger-generations';
import { LedgerStateError } from './ledger-hold';
import { ensureIncrementalVacuum, migrate } from './migrations';
import { sqliteInbox } from './sqlite-inbox';
import { GroupCommit, type LedgerDurability } from './group-commit';
import { WalSync, type FsyncFn } from './wal-sync';
import { redactText, reviveBuffers, sanitiseMsg, sanitiseValue } from './masking';
import { AUDIT_STATUSES, AUDIT_SYSTEMS, LEDGER_STATES, SHIPMENT_STATUSES } from './vocabulary';
import type {
  AuditCorrelation,
  AuditEntry,
  AuditEntryInput,
  AuditErrorInfo,
  AuditPage,
  AuditQuery,
  AuditStatus,
  AuditStore,
  AuditSystem,
  ClaimMeta,
  ClaimResult,
  LedgerEntry,
  LedgerHold,
  LedgerState,
  ShipmentStatus,
  TrackedShipment,
} from './types';

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

export { AUDIT_STATUSES, AUDIT_SYSTEMS, LEDGER_STATES, SHIPMENT_STATUSES };
export { LedgerStateError };

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 10_000;
const PURGE_BATCH = 5_000;

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

/** States each ledger transition may start from. */
const LEDGER_TRANSITIONS: Record<'succeeded' | 'failed' | 'unknown' | 'voided', readonly LedgerState[]> = {
  // a late success (after a failure or an unknown outcome) is a fact and must win
  succeeded: ['claimed', 'unknown', 'failed'],
  // an unknown outcome proven not to exist becomes a plain failure (and may be claimed again)
  failed: ['claimed', 'unknown'],
  unknown: ['claimed', 'unknown'],
  voided: ['succeeded', 'unknown', 'voided'],
};

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
    db.function('ledger_next_generation', { deterministic: true }, (key: unknown) => nextGenerationKey(String(key)));
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

export function openSqliteStore(options: SqliteStoreOptions): SqliteAuditStore {
  const database = openSqliteDatabase(options.path, options);
  return createSqliteStore(database, {
    maskPersonalData: options.maskPersonalData,
    now: options.now,
    onClose: () => database.close(),
  });
}

interface EntryRow {
  seq: number;
  id: string;
  time: string;
  system: string;
  operation: string;
  status: string;
  attempt: number;
  x3_folder: string | null;
  x3_entity: string | null;
  x3_key: string | null;
  ss_order_id: string | null;
  ss_order_number: string | null;
  ss_shipment_id: string | null;
  idempotency_key: string | null;
  node_id: string | null;
  replay_of: string | null;
  error_code: string | null;
  error_message: string | null;
  error_status: number | null;
  correlation: string | null;
  msg: string | null;
}

interface LedgerRow {
  key: string;
  state: string;
  system: string;
  operation: string;
  correlation: string | null;
  result: string | null;
  error: string | null;
  attempts: number;
  owner: string;
  claimed_at: string;
  updated_at: string;
}

interface ShipmentRow {
  tracking_number: string;
  correlation: string | null;
  status: string;
  status_code: string | null;
  last_event_at: string | null;
  closed: number;
  updated_at: string;
}

/** A store view over an open database. `onClose` releases the database (or a shared handle). */
export function createSqliteStore(
  database: SqliteAuditDatabase,
  options: { maskPersonalData?: boolean; now?: () => number; onClose: () => void },
): SqliteAuditStore {
  const now = options.now ?? Date.now;
  const sanitise = { maskPersonalData: options.maskPersonalData === true };
  const db = database.db;
  let closed = false;
  const st = (sql: string): Statement => {
    if (closed) throw new Error('audit store is closed');
    return database.statement(sql);
  };
  const isoNow = (): string => new Date(now()).toISOString();

  const insertEntry = (entry: AuditEntry): AuditEntry => {
    const c = entry.correlation ?? {};
    const info = st(
      `INSERT INTO audit_entries (id, time, system, operation, status, attempt, x3_folder, x3_entity,
        x3_key, ss_order_id, ss_order_number, ss_shipment_id, idempotency_key, node_id, replay_of,
        error_code, error_message, error_status, correlation, msg)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      entry.id,
      entry.time,
      entry.system,
      entry.operation,
      entry.status,
      entry.attempt,
      c.x3Folder ?? null,
      c.x3Entity ?? null,
      c.x3Key ?? null,
      c.shipstationOrderId ?? null,
      c.shipstationOrderNumber ?? null,
      c.shipstationShipmentId ?? null,
      entry.idempotencyKey ?? null,
      entry.nodeId ?? null,
      entry.replayOf ?? null,
      entry.error?.code ?? null,
      entry.error?.message ?? null,
      entry.error?.status ?? null,
      entry.correlation ? JSON.stringify(entry.correlation) : null,
      entry.msg ? JSON.stringify(entry.msg) : null,
    );
    if (c.trackingNumbers?.length) {
      const link = st('INSERT OR IGNORE INTO audit_tracking (tracking_number, entry_seq) VALUES (?, ?)');
      for (const tn of c.trackingNumbers) link.run(tn, info.lastInsertRowid);
    }
    return entry;
  };
  const insertMany = db.transaction((entries: AuditEntry[]) => entries.map(insertEntry));

  // Group commit: record() calls made in the same turn of the event loop (a node recording a
  // batch of tracking events, many flows at once) share one transaction. Each promise still
  // resolves only after its entry is committed.
  let pending: Array<{ entry: AuditEntry; resolve: (e: AuditEntry) => void; reject: (err: unknown) => void }> = [];
  const flushPending = (): void => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    try {
      if (closed) throw new Error('audit store is closed');
      insertMany.immediate(batch.map((p) => p.entry));
      for (const p of batch) p.resolve(p.entry);
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  };

  /** A ledger write on `key`, group-committed; resolves once it is durable. */
  const ledgerWrite = <T>(key: string, fn: () => T): Promise<T> => {
    if (closed) return Promise.reject(new Error('audit store is closed'));
    return database.write(fn, key);
  };
  /** A small write (tracked shipments), group-committed with the ledger writes. */
  const groupWrite = <T>(fn: () => T): Promise<T> => {
    if (closed) return Promise.reject(new Error('audit store is closed'));
    return database.write(fn);
  };
  /** Before a read: the writes asked for earlier are committed first. */
  const beforeRead = (): void => {
    if (!closed) database.drainWrites();
  };

  // Webhook inbox (sqlite-inbox.ts): adds durable like ledger writes, settles group-committed.
  const inbox = sqliteInbox({
    st,
    isoNow,
    durableWrite: (key, fn) => ledgerWrite(key, fn),
    groupWrite,
    beforeRead,
    insertEntry: (input) => void insertEntry(normaliseInput(input, sanitise, now)),
  });

  /** Gives the pages freed by deletes back to the file system (auto_vacuum INCREMENTAL). */
  const shrink = (): void => {
    if (closed || database.path === ':memory:') return;
    database.drainWrites();
    db.pragma('incremental_vacuum');
    // in WAL mode the file is cut when the WAL is checkpointed
    db.pragma('wal_checkpoint(TRUNCATE)');
  };

  const getLedger = (key: string): LedgerEntry | undefined => {
    const row = st('SELECT * FROM ledger WHERE key = ?').get(key) as LedgerRow | undefined;
    return row ? ledgerFromRow(row) : undefined;
  };

  const transition = async (
    key: string,
    to: 'succeeded' | 'failed' | 'unknown' | 'voided',
    result: unknown,
    error: AuditErrorInfo | undefined,
    hold: LedgerHold | undefined,
  ): Promise<void> => {
    requireKey(key);
    if (to !== 'voided') requireHold(hold, to);
    // a holder may void the claim it holds (an operator settling a stale claim)
    const from = to === 'voided' && hold ? [...LEDGER_TRANSITIONS.voided, 'claimed'] : LEDGER_TRANSITIONS[to];
    const resultJson = result === undefined ? undefined : JSON.stringify(sanitiseValue(result, sanitise) ?? null);
    const errorJson = error ? JSON.stringify(normaliseError(error)) : null;
    await ledgerWrite(key, () => {
      const info = st(
        `UPDATE ledger SET state = ?, updated_at = ?,
           result = CASE WHEN ? THEN ? ELSE result END,
           error = ?
         WHERE key = ? AND state IN (${from.map(() => '?').join(', ')})
           AND (? OR (owner = ? AND attempts = ?))`,
      ).run(
        to,
        isoNow(),
        resultJson === undefined ? 0 : 1,
        resultJson ?? null,
        errorJson,
        key,
        ...from,
        hold ? 0 : 1,
        hold?.owner ?? null,
        hold?.attempt ?? null,
      );
      if (info.changes === 1) return;
      const now = getLedger(key);
      const taken = now && hold && (now.owner !== hold.owner || now.attempts !== hold.attempt);
      throw new LedgerStateError(key, now?.state, to, taken ? { owner: now.owner, attempt: now.attempts } : undefined);
    });
  };

  const store: SqliteAuditStore = {
    path: database.path,

    record(input) {
      let entry: AuditEntry;
      try {
        if (closed) throw new Error('audit store is closed');
        entry = normaliseInput(input, sanitise, now);
      } catch (err) {
        return Promise.reject(err);
      }
      return new Promise<AuditEntry>((resolve, reject) => {
        pending.push({ entry, resolve, reject });
        if (pending.length === 1) queueMicrotask(flushPending);
      });
    },

    async recordBatch(inputs) {
      if (closed) throw new Error('audit store is closed');
      return insertMany.immediate(inputs.map((i) => normaliseInput(i, sanitise, now)));
    },

    async getEntry(id) {
      const row = st('SELECT * FROM audit_entries WHERE id = ?').get(id) as EntryRow | undefined;
      return row ? entryFromRow(row) : undefined;
    },

    async query(q) {
      const { where, params } = buildWhere(q);
      const limit = clampLimit(q.limit);
      const offset = Math.max(0, Math.floor(q.offset ?? 0));
      const dir = q.order === 'asc' ? 'ASC' : 'DESC';
      const total = (st(`SELECT COUNT(*) AS n FROM audit_entries e ${where}`).get(...params) as { n: number }).n;
      const rows =
        limit === 0
          ? []
          : (st(`SELECT * FROM audit_entries e ${where} ORDER BY e.time ${dir}, e.seq ${dir} LIMIT ? OFFSET ?`).all(
              ...params,
              limit,
              offset,
            ) as EntryRow[]);
      const page: AuditPage = { entries: rows.map(entryFromRow), total };
      return page;
    },

    async setStatus(id, status) {
      requireStatus(status);
      const info = st('UPDATE audit_entries SET status = ? WHERE id = ?').run(status, id);
      if (info.changes === 0) throw new Error(`audit entry "${id}" not found`);
    },

    async claim(key, meta) {
      requireKey(key);
      requireClaimMeta(meta);
      const correlation = normaliseCorrelation(meta.correlation);
      return ledgerWrite(key, (): ClaimResult => {
        const t = isoNow();
        const inserted = st(
          `INSERT INTO ledger (key, state, system, operation, correlation, attempts, owner, claimed_at, updated_at)
           VALUES (?, 'claimed', ?, ?, ?, 1, ?, ?, ?) ON CONFLICT(key) DO NOTHING`,
        ).run(key, meta.system, meta.operation, correlation ? JSON.stringify(correlation) : null, meta.owner, t, t);
        if (inserted.changes === 1) return { claimed: true, entry: getLedger(key) as LedgerEntry };
        const reclaimed = st(
          `UPDATE ledger SET state = 'claimed', attempts = attempts + 1, owner = ?, claimed_at = ?,
             updated_at = ?, error = NULL
           WHERE key = ? AND state = 'failed'`,
        ).run(meta.owner, t, t, key);
        return { claimed: reclaimed.changes === 1, entry: getLedger(key) as LedgerEntry };
      });
    },

    async takeOver(key, owner, fromStates, expectedOwner) {
      requireKey(key);
      if (!owner) throw new Error('takeOver needs an owner');
      const states = fromStates.filter((s) => LEDGER_STATES.includes(s));
      if (states.length === 0) return undefined;
      return ledgerWrite(key, (): LedgerHold | undefined => {
        const t = isoNow();
        const ownerClause = expectedOwner === undefined ? '' : ' AND owner = ?';
        const info = st(
          `UPDATE ledger SET state = 'claimed', owner = ?, attempts = attempts + 1, claimed_at = ?,
             updated_at = ?, error = NULL
           WHERE key = ? AND state IN (${states.map(() => '?').join(', ')})${ownerClause}`,
        ).run(owner, t, t, key, ...states, ...(expectedOwner === undefined ? [] : [expectedOwner]));
        if (info.changes !== 1) return undefined;
        const row = st('SELECT attempts FROM ledger WHERE key = ?').get(key) as { attempts: number };
        return { owner, attempt: row.attempts };
      });
    },

    async complete(key, result, hold) {
      await transition(key, 'succeeded', result ?? null, undefined, hold);
    },

    async fail(key, error, hold) {
      await transition(key, 'failed', undefined, error, hold);
    },

    async markUnknown(key, error, hold) {
      await transition(key, 'unknown', undefined, error, hold);
    },

    async markVoided(key, result, hold) {
      await transition(key, 'voided', result, undefined, hold);
    },

    async get(key) {
      beforeRead();
      const entry = getLedger(key);
      // never report a ledger state that a power loss could still take back
      await database.ledgerDurable(key);
      return entry;
    },

    async trackShipment(trackingNumber, correlation) {
      const tn = requireTrackingNumber(trackingNumber);
      const corr = normaliseCorrelation(correlation);
      await groupWrite(() => {
        const existing = st('SELECT correlation FROM tracked_shipments WHERE tracking_number = ?').get(tn) as
          { correlation: string | null } | undefined;
        if (!existing) {
          const t = isoNow();
          st(
            `INSERT INTO tracked_shipments (tracking_number, correlation, status, closed, created_at, updated_at)
             VALUES (?, ?, 'label_created', 0, ?, ?)`,
          ).run(tn, corr ? JSON.stringify(corr) : null, t, t);
        } else if (corr) {
          // keeps status and poll order; only learns correlation keys it did not know
          const merged = { ...parseJson<AuditCorrelation>(existing.correlation), ...corr };
          st('UPDATE tracked_shipments SET correlation = ? WHERE tracking_number = ?').run(JSON.stringify(merged), tn);
        }
      });
    },

    async getShipment(trackingNumber) {
      beforeRead();
      const row = st('SELECT * FROM tracked_shipments WHERE tracking_number = ?').get(trackingNumber) as
        ShipmentRow | undefined;
      return row ? shipmentFromRow(row) : undefined;
    },

    async listOpenShipments(limit) {
      const n = Math.max(0, Math.min(MAX_QUERY_LIMIT, Math.floor(limit)));
      beforeRead();
      const rows = st(
        'SELECT * FROM tracked_shipments WHERE closed = 0 ORDER BY updated_at ASC, tracking_number ASC LIMIT ?',
      ).all(n) as ShipmentRow[];
      return rows.map(shipmentFromRow);
    },

    async updateShipment(trackingNumber, update) {
      const tn = requireTrackingNumber(trackingNumber);
      if (!SHIPMENT_STATUSES.includes(update.status)) {
        throw new Error(`unknown shipment status "${String(update.status)}"`);
      }
      const t = isoNow();
      // an event for a shipment nobody asked to follow (e.g. a webhook) starts following it
      await groupWrite(() =>
        st(
          `INSERT INTO tracked_shipments (tracking_number, status, status_code, last_event_at, closed, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(tracking_number) DO UPDATE SET status = excluded.status,
           status_code = excluded.status_code, last_event_at = excluded.last_event_at,
           closed = excluded.closed, updated_at = excluded.updated_at`,
        ).run(tn, update.status, update.statusCode ?? null, update.lastEventAt ?? null, update.closed ? 1 : 0, t, t),
      );
    },

    async markSeen(scope, id) {
      if (!scope || !id) throw new Error('markSeen needs a scope and an id');
      const info = st('INSERT INTO seen_ids (scope, id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(
        scope,
        id,
        isoNow(),
      );
      return info.changes === 1;
    },

    inboxAdd: inbox.inboxAdd,
    inboxPending: inbox.inboxPending,
    inboxSettle: inbox.inboxSettle,

    async purgeBefore(cutoffIso) {
      const cutoff = toIso(cutoffIso, 'cutoff');
      beforeRead();
      let total = 0;
      const batch = db.transaction((): number => {
        const rows = st('SELECT seq, correlation FROM audit_entries WHERE time < ? ORDER BY time, seq LIMIT ?').all(
          cutoff,
          PURGE_BATCH,
        ) as Array<{ seq: number; correlation: string | null }>;
        const unlink = st('DELETE FROM audit_tracking WHERE tracking_number = ? AND entry_seq = ?');
        const remove = st('DELETE FROM audit_entries WHERE seq = ?');
        for (const row of rows) {
          for (const tn of parseJson<AuditCorrelation>(row.correlation)?.trackingNumbers ?? []) unlink.run(tn, row.seq);
          remove.run(row.seq);
        }
        return rows.length;
      });
      // small transactions with a yield between them keep the event loop responsive on big purges
      for (;;) {
        const n = batch.immediate();
        total += n;
        if (n < PURGE_BATCH) break;
        await new Promise((r) => setImmediate(r));
      }
      st('DELETE FROM seen_ids WHERE seen_at < ?').run(cutoff);
      st('DELETE FROM tracked_shipments WHERE closed = 1 AND updated_at < ?').run(cutoff);
      inbox.purgeSettled(cutoff);
      shrink();
      return total;
    },

    async purgeLedger(cutoffs) {
      const failedBefore = cutoffs.failedBefore ? toIso(cutoffs.failedBefore, 'failedBefore') : undefined;
      const finishedBefore = cutoffs.finishedBefore ? toIso(cutoffs.finishedBefore, 'finishedBefore') : undefined;
      beforeRead();
      let total = 0;
      // a voided generation stays while a later one of the same document does: the lookup walks
      // the generations from the first and stops at the first key missing (ledger-generations.ts)
      const superseded = 'EXISTS (SELECT 1 FROM ledger n WHERE n.key = ledger_next_generation(ledger.key))';
      const batch = db.transaction((state: string, cutoff: string): number => {
        const keys = st(`SELECT key FROM ledger WHERE state = ? AND updated_at < ? AND NOT ${superseded} LIMIT ?`).all(
          state,
          cutoff,
          PURGE_BATCH,
        ) as Array<{ key: string }>;
        // the state is checked again per row: an entry re-claimed meanwhile is kept
        const remove = st(`DELETE FROM ledger WHERE key = ? AND state = ? AND updated_at < ? AND NOT ${superseded}`);
        let n = 0;
        for (const { key } of keys) n += remove.run(key, state, cutoff).changes;
        return keys.length === PURGE_BATCH ? -n - 1 : n;
      });
      const plan: Array<[string, string | undefined]> = [
        ['failed', failedBefore],
        ['succeeded', finishedBefore],
        ['voided', finishedBefore],
      ];
      for (const [state, cutoff] of plan) {
        if (!cutoff) continue;
        for (;;) {
          const n = batch.immediate(state, cutoff);
          total += n < 0 ? -n - 1 : n;
          if (n >= 0) break;
          await new Promise((r) => setImmediate(r));
        }
      }
      shrink();
      return total;
    },

    async rewriteLedgerResults(rewrite, opts = {}) {
      beforeRead();
      let after = '';
      let total = 0;
      const like = opts.contains === undefined ? '%' : `%${opts.contains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      for (;;) {
        const rows = st(
          `SELECT * FROM ledger WHERE key > ? AND state IN ('succeeded', 'voided') AND result LIKE ? ESCAPE '\\'
           ORDER BY key LIMIT 200`,
        ).all(after, like) as LedgerRow[];
        if (rows.length === 0) break;
        for (const row of rows) {
          after = row.key;
          const entry = ledgerFromRow(row);
          const next = await rewrite(entry);
          if (next === undefined) continue;
          const json = JSON.stringify(sanitiseValue(next, sanitise) ?? null);
          // only if nobody changed the entry while the rewrite ran
          const changed = await ledgerWrite(row.key, () =>
            st('UPDATE ledger SET result = ? WHERE key = ? AND state = ? AND updated_at = ? AND attempts = ?').run(
              json,
              row.key,
              row.state,
              row.updated_at,
              row.attempts,
            ),
          );
          total += changed.changes;
        }
      }
      if (total > 0) shrink();
      return total;
    },

    async close() {
      if (closed) return;
      flushPending();
      database.drainWrites();
      closed = true;
      options.onClose();
    },
  };
  return store;
}

/* ---------- input normalisation ---------- */

function requireKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new Error('ledger key must be a non-empty string');
}

function requireHold(hold: LedgerHold | undefined, to: LedgerState): asserts hold is LedgerHold {
  if (!hold || typeof hold.owner !== 'string' || !hold.owner || !Number.isInteger(hold.attempt)) {
    throw new Error(`marking a ledger key ${to} needs the caller's hold {owner, attempt} (from its claim or takeover)`);
  }
}

function requireStatus(status: string): asserts status is AuditStatus {
  if (!AUDIT_STATUSES.includes(status as AuditStatus)) throw new Error(`unknown audit status "${status}"`);
}

function requireSystem(system: string): asserts system is AuditSystem {
  if (!AUDIT_SYSTEMS.includes(system as AuditSystem)) throw new Error(`unknown audit system "${system}"`);
}

function requireClaimMeta(meta: ClaimMeta): void {
  if (!meta || !meta.owner) throw new Error('claim needs meta.owner');
  requireSystem(meta.system);
  if (!meta.operation) throw new Error('claim needs meta.operation');
}

function requireTrackingNumber(tn: string): string {
  const v = typeof tn === 'string' ? tn.trim() : '';
  if (!v) throw new Error('tracking number must be a non-empty string');
  return v;
}

function toIso(value: string, name: string): string {
  const d = new Date(value);
  if (typeof value !== 'string' || Number.isNaN(d.getTime()))
    throw new Error(`invalid "${name}" time: ${String(value)}`);
  return d.toISOString();
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_QUERY_LIMIT;
  return Math.max(0, Math.min(MAX_QUERY_LIMIT, Math.floor(limit)));
}

function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t ? t : undefined;
}

/** Trims keys, drops empty ones, de-duplicates tracking numbers; undefined when nothing is left. */
export function normaliseCorrelation(c: AuditCorrelation | undefined): AuditCorrelation | undefined {
  if (!c) return undefined;
  const out: AuditCorrelation = {};
  const scalar = [
    'x3Folder',
    'x3Entity',
    'x3Key',
    'shipstationOrderId',
    'shipstationOrderNumber',
    'shipstationShipmentId',
  ] as const;
  for (const k of scalar) {
    const v = str(c[k]);
    if (v) out[k] = v;
  }
  if (Array.isArray(c.trackingNumbers)) {
    const tns = [...new Set(c.trackingNumbers.map(str).filter((v): v is string => !!v))];
    if (tns.length) out.trackingNumbers = tns;
  }
  return Object.keys(out).length ? out : undefined;
}

function normaliseError(e: AuditErrorInfo): AuditErrorInfo {
  const out: AuditErrorInfo = {
    code: str(e.code) ?? 'ERROR',
    message: redactText(typeof e.message === 'string' ? e.message : String(e.message)),
  };
  if (typeof e.status === 'number' && Number.isFinite(e.status)) out.status = e.status;
  return out;
}

function normaliseInput(
  input: AuditEntryInput,
  sanitise: { maskPersonalData: boolean },
  now: () => number,
): AuditEntry {
  if (!input || typeof input !== 'object') throw new Error('audit entry must be an object');
  requireSystem(input.system);
  requireStatus(input.status);
  if (typeof input.operation !== 'string' || !input.operation) throw new Error('audit entry needs an operation');
  const ms = now();
  const entry: AuditEntry = {
    id: timeOrderedId(ms),
    time: new Date(ms).toISOString(),
    system: input.system,
    operation: input.operation,
    status: input.status,
    attempt: Number.isInteger(input.attempt) && (input.attempt as number) > 0 ? (input.attempt as number) : 1,
  };
  const correlation = normaliseCorrelation(input.correlation);
  if (correlation) entry.correlation = correlation;
  if (input.error) entry.error = normaliseError(input.error);
  if (input.msg && typeof input.msg === 'object') entry.msg = sanitiseMsg(input.msg, sanitise).value;
  if (str(input.idempotencyKey)) entry.idempotencyKey = input.idempotencyKey;
  if (str(input.nodeId)) entry.nodeId = input.nodeId;
  if (str(input.replayOf)) entry.replayOf = input.replayOf;
  return entry;
}

/**
 * Random bytes for ids, drawn in blocks: one randomBytes call per entry cost more than the rest
 * of building it (the same batching crypto.randomUUID does). Each 16-byte slice is used once.
 */
const ID_POOL_BYTES = 16 * 256;
let idPool = Buffer.alloc(0);
let idPoolOffset = 0;

/** UUIDv7 layout: 48-bit millisecond time first, so ids sort by time and index inserts append. */
export function timeOrderedId(ms: number): string {
  if (idPoolOffset + 16 > idPool.length) {
    idPool = randomBytes(ID_POOL_BYTES);
    idPoolOffset = 0;
  }
  const b = idPool.subarray(idPoolOffset, idPoolOffset + 16);
  idPoolOffset += 16;
  b.writeUIntBE(Math.max(0, Math.floor(ms)) % 2 ** 48, 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/* ---------- query building ---------- */

function buildWhere(q: AuditQuery): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const eq = (column: string, value: string | undefined): void => {
    if (value === undefined || value === '') return;
    clauses.push(`e.${column} = ?`);
    params.push(value);
  };
  eq('id', q.id);
  if (q.status !== undefined) {
    const statuses = Array.isArray(q.status) ? q.status : [q.status];
    statuses.forEach(requireStatus);
    if (statuses.length === 0) clauses.push('0');
    else {
      clauses.push(`e.status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
  }
  if (q.system !== undefined) requireSystem(q.system);
  eq('system', q.system);
  eq('operation', q.operation);
  if (q.from) {
    clauses.push('e.time >= ?');
    params.push(toIso(q.from, 'from'));
  }
  if (q.to) {
    clauses.push('e.time <= ?');
    params.push(toIso(q.to, 'to'));
  }
  eq('x3_key', q.x3Key);
  eq('ss_order_number', q.shipstationOrderNumber);
  eq('ss_order_id', q.shipstationOrderId);
  eq('idempotency_key', q.idempotencyKey);
  if (q.trackingNumber) {
    clauses.push('e.seq IN (SELECT entry_seq FROM audit_tracking WHERE tracking_number = ?)');
    params.push(q.trackingNumber);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/* ---------- row mapping ---------- */

function parseJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

function entryFromRow(row: EntryRow): AuditEntry {
  const entry: AuditEntry = {
    id: row.id,
    time: row.time,
    system: row.system as AuditSystem,
    operation: row.operation,
    status: row.status as AuditStatus,
    attempt: row.attempt,
  };
  const correlation = parseJson<AuditCorrelation>(row.correlation);
  if (correlation) entry.correlation = correlation;
  if (row.error_code !== null || row.error_message !== null) {
    entry.error = { code: row.error_code ?? 'ERROR', message: row.error_message ?? '' };
    if (row.error_status !== null) entry.error.status = row.error_status;
  }
  const msg = parseJson<Record<string, unknown>>(row.msg);
  if (msg) entry.msg = msg;
  if (row.idempotency_key !== null) entry.idempotencyKey = row.idempotency_key;
  if (row.node_id !== null) entry.nodeId = row.node_id;
  if (row.replay_of !== null) entry.replayOf = row.replay_of;
  return entry;
}

function ledgerFromRow(row: LedgerRow): LedgerEntry {
  const entry: LedgerEntry = {
    key: row.key,
    state: row.state as LedgerState,
    system: row.system as AuditSystem,
    operation: row.operation,
    attempts: row.attempts,
    owner: row.owner,
    claimedAt: row.claimed_at,
    updatedAt: row.updated_at,
  };
  const correlation = parseJson<AuditCorrelation>(row.correlation);
  if (correlation) entry.correlation = correlation;
  if (row.result !== null) entry.result = reviveBuffers(JSON.parse(row.result));
  const error = parseJson<AuditErrorInfo>(row.error);
  if (error) entry.error = error;
  return entry;
}

function shipmentFromRow(row: ShipmentRow): TrackedShipment {
  const s: TrackedShipment = {
    trackingNumber: row.tracking_number,
    status: row.status as ShipmentStatus,
    closed: row.closed === 1,
    updatedAt: row.updated_at,
  };
  const correlation = parseJson<AuditCorrelation>(row.correlation);
  if (correlation) s.correlation = correlation;
  if (row.status_code !== null) s.statusCode = row.status_code;
  if (row.last_event_at !== null) s.lastEventAt = row.last_event_at;
  return s;
}
