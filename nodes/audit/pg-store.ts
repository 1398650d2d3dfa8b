/**
 * The shared audit store: PostgreSQL, for several Node-RED instances on one database. It keeps
 * the AuditStore contract of the SQLite store (types.ts; the same contract tests run on both) and
 * is composed the same way: the open database (pg-database.ts, migrations in pg-migrations.ts),
 * the trail (pg-trail.ts), and the parts written once for both backends over sql-dialect.ts
 * (sql-store-parts.ts: ledger, tracked shipments, webhook inbox, leases and shared state,
 * retention), run here by pg-context.ts.
 *
 * Durability: every write resolves after its transaction committed; PostgreSQL's default
 * synchronous_commit makes the commit durable (WAL flushed) first. Concurrency across instances
 * is PostgreSQL's: a claim is one INSERT … ON CONFLICT, transitions are conditional UPDATEs.
 */
import { openPgDatabase, type PgAuditDatabase, type PgConnectionOptions } from './pg-database';
import { pgBackend, pgStoreContext } from './pg-context';
import { pgTrail } from './pg-trail';
import { sqlStoreParts } from './sql-store-parts';
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

  return {
    backend: 'postgres',
    shared: true,
    database,
    ready: () => database.ready(),
    // the trail, and the parts written once for both backends (an inbox settle's entry is
    // recorded in its transaction): sql-store-parts.ts
    ...sqlStoreParts(pgBackend(ctx, trail.insertInput), trail),

    async close() {
      if (ctx.closed) return;
      await trail.flush().catch(() => undefined);
      ctx.markClosed();
      await options.onClose();
    },
  };
}
