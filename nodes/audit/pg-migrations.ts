/**
 * Versioned schema of the PostgreSQL audit store, the counterpart of migrations.ts (SQLite).
 * Every instance of a cluster runs `migratePg` when it opens the store: the migrations run
 * (sql-migrate.ts) in one transaction under a transaction-scoped advisory lock, so of several
 * instances starting at once exactly one applies them and the others then find them applied.
 * Never edit a released migration: append a new one.
 *
 * Times are stored as UTC ISO text and JSON as text, exactly as in SQLite, so both backends sort,
 * compare and search them the same way and share the row mapping (sqlite-rows.ts); the columns
 * compared or sorted are COLLATE "C" (bytewise, as SQLite), whatever the database's locale.
 */
import type { ClientBase } from 'pg';
import { noEntries, pgTransaction, statementRunner } from './pg-context';
import { POSTGRES_DIALECT, runAsync, sql } from './sql-dialect';
import { ENTRY_DATA_COLUMNS, ENTRY_FILTER_INDEXES, ENTRY_INDEXES, LEDGER_DATA_COLUMNS, migrateOp } from './sql-migrate';
import type { MigrationOutcome } from './sql-migrate';

export interface PgMigration {
  version: number;
  description: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'audit entries, tracking-number links, ledger, tracked shipments, seen ids, webhook inbox',
    sql: `
      CREATE TABLE audit_entries (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        time TEXT COLLATE "C" NOT NULL,
        ${ENTRY_DATA_COLUMNS}
      );
      ${ENTRY_INDEXES}

      CREATE TABLE audit_tracking (
        tracking_number TEXT NOT NULL,
        entry_seq BIGINT NOT NULL REFERENCES audit_entries(seq) ON DELETE CASCADE,
        PRIMARY KEY (tracking_number, entry_seq)
      );
      CREATE INDEX audit_tracking_entry ON audit_tracking(entry_seq);

      CREATE TABLE ledger (
        key TEXT COLLATE "C" PRIMARY KEY,
        ${LEDGER_DATA_COLUMNS},
        updated_at TEXT COLLATE "C" NOT NULL
      );
      CREATE INDEX ledger_state_updated ON ledger(state, updated_at);

      CREATE TABLE tracked_shipments (
        tracking_number TEXT COLLATE "C" PRIMARY KEY,
        correlation TEXT,
        status TEXT NOT NULL,
        status_code TEXT,
        last_event_at TEXT,
        closed SMALLINT NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT COLLATE "C" NOT NULL
      );
      CREATE INDEX tracked_shipments_open ON tracked_shipments(updated_at, tracking_number) WHERE closed = 0;

      CREATE TABLE seen_ids (
        scope TEXT NOT NULL,
        id TEXT NOT NULL,
        seen_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (scope, id)
      );
      CREATE INDEX seen_ids_seen_at ON seen_ids(seen_at);

      CREATE TABLE webhook_inbox (
        seq BIGSERIAL PRIMARY KEY,
        scope TEXT NOT NULL,
        event_id TEXT NOT NULL,
        state TEXT NOT NULL,
        payload TEXT NOT NULL,
        received_at TEXT NOT NULL,
        settled_at TEXT COLLATE "C",
        claim_owner TEXT,
        claim_until TEXT COLLATE "C",
        UNIQUE (scope, event_id)
      );
      CREATE INDEX webhook_inbox_pending ON webhook_inbox(scope, seq) WHERE state = 'pending';
      CREATE INDEX webhook_inbox_settled ON webhook_inbox(settled_at) WHERE state != 'pending';
    `,
  },
  {
    version: 2,
    description: 'leader leases, named state (poll watermarks) and request budgets shared by the instances',
    sql: `
      CREATE TABLE cluster_leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        epoch BIGINT NOT NULL,
        expires_at TEXT COLLATE "C" NOT NULL
      );
      CREATE TABLE rate_starts (budget TEXT NOT NULL, at BIGINT NOT NULL);
      CREATE INDEX rate_starts_budget_at ON rate_starts(budget, at);
      CREATE TABLE cluster_state (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        version BIGINT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: 'operator console: trail by node and by operation (as SQLite migration 3)',
    sql: `
      CREATE INDEX audit_entries_node_time ON audit_entries(node_id, time) WHERE node_id IS NOT NULL;
      CREATE INDEX audit_entries_operation_time ON audit_entries(operation, time);
    `,
  },
  {
    version: 4,
    description: 'operator console: trail by X3 entity, and by flow with status and entity (as SQLite migration 5)',
    sql: ENTRY_FILTER_INDEXES,
  },
];

export type PgMigrationOutcome = MigrationOutcome;

/** Applies pending migrations in the connection's schema (sql-migrate.ts); idempotent, safe to race. */
export async function migratePg(
  client: ClientBase,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
  now: () => number = Date.now,
): Promise<PgMigrationOutcome> {
  // of several instances starting at once, one applies them; the others wait and find them applied
  const lock = POSTGRES_DIALECT.lock("'sage-x3-shipping.migrate:' || current_schema()");
  const op = migrateOp(
    migrations,
    function* (m) {
      yield* sql(m.sql);
    },
    now,
    lock,
  );
  return pgTransaction(client, (q) => runAsync(op, statementRunner(q), noEntries));
}
