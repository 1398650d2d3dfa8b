/**
 * The shared audit store: PostgreSQL, for several Node-RED instances on one database. It keeps
 * the AuditStore contract of the SQLite store (types.ts; the same contract tests run on both) and
 * is composed the same way, one file per part: the open database (pg-database.ts, migrations in
 * pg-migrations.ts), the trail (pg-trail.ts), the ledger (pg-ledger.ts), tracked shipments
 * (pg-tracked.ts), the webhook inbox (pg-inbox.ts), leases and shared state (pg-cluster.ts) and
 * retention (pg-purge.ts).
 *
 * Durability: every write resolves after its transaction committed; PostgreSQL's default
 * synchronous_commit makes the commit durable (WAL flushed) first. Concurrency across instances
 * is PostgreSQL's: a claim is one INSERT … ON CONFLICT, transitions are conditional UPDATEs.
 */
import { openPgDatabase, type PgAuditDatabase, type PgConnectionOptions } from './pg-database';
import { pgCluster } from './pg-cluster';
import { pgStoreContext } from './pg-context';
import { pgInbox } from './pg-inbox';
import { pgLedger } from './pg-ledger';
import { pgPurge } from './pg-purge';
import { pgTracked } from './pg-tracked';
import { pgTrail } from './pg-trail';
import type { AuditEntry, AuditEntryInput, AuditStore } from './types';

export interface PgStoreOptions extends PgConnectionOptions {
  maskPersonalData?: boolean;
}

export interface PgAuditStore extends AuditStore {
  readonly backend: 'postgres';
  /** The open database (leases, cluster state, tests). */
  readonly database: PgAuditDatabase;
  /** Resolves once connected and migrated; rejects with the reason the store cannot be used. */
  ready(): Promise<void>;
  recordBatch(entries: AuditEntryInput[]): Promise<AuditEntry[]>;
}

export function openPgStore(options: PgStoreOptions): PgAuditStore {
  const database = openPgDatabase(options);
  return createPgStore(database, { ...options, onClose: () => database.close() });
}

/** A store view over an open database. `onClose` releases the database. */
export function createPgStore(
  database: PgAuditDatabase,
  options: { maskPersonalData?: boolean; now?: () => number; onClose: () => Promise<void> },
): PgAuditStore {
  const ctx = pgStoreContext(database, options);
  const trail = pgTrail(ctx);
  const inbox = pgInbox(ctx, trail.insertInput);

  return {
    backend: 'postgres',
    shared: true,
    database,
    ready: () => database.ready(),
    record: trail.record,
    recordBatch: trail.recordBatch,
    getEntry: trail.getEntry,
    query: trail.query,
    listX3Entities: trail.listX3Entities,
    setStatus: trail.setStatus,
    ...pgLedger(ctx),
    ...pgTracked(ctx),
    ...pgCluster(ctx),

    async markSeen(scope, id) {
      if (!scope || !id) throw new Error('markSeen needs a scope and an id');
      const r = await ctx.query(
        'INSERT INTO seen_ids (scope, id, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [scope, id, ctx.isoNow()],
      );
      return r.rowCount === 1;
    },

    inboxAdd: inbox.inboxAdd,
    inboxClaim: inbox.inboxClaim,
    inboxPending: inbox.inboxPending,
    inboxSettle: inbox.inboxSettle,

    ...pgPurge(ctx, inbox.purgeSettled),

    async close() {
      if (ctx.closed) return;
      await trail.flush().catch(() => undefined);
      ctx.markClosed();
      await options.onClose();
    },
  };
}
