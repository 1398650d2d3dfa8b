/**
 * Versioned schema of the PostgreSQL audit store, the counterpart of migrations.ts (SQLite).
 * Every instance of a cluster runs `migratePg` when it opens the store: the migrations run in one
 * transaction under a transaction-scoped advisory lock, so of several instances starting at once
 * exactly one applies them and the others then find them applied. Never edit a released
 * migration: append a new one.
 *
 * Times are stored as UTC ISO text and JSON as text, exactly as in SQLite, so both backends sort,
 * compare and search them the same way and share the row mapping (sqlite-rows.ts); the columns
 * compared or sorted are COLLATE "C" (bytewise, as SQLite), whatever the database's locale.
 */
import type { ClientBase } from 'pg';

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
        system TEXT NOT NULL,
        operation TEXT NOT NULL,
        status TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 1,
        x3_folder TEXT,
        x3_entity TEXT,
        x3_key TEXT,
        ss_order_id TEXT,
        ss_order_number TEXT,
        ss_shipment_id TEXT,
        idempotency_key TEXT,
        node_id TEXT,
        replay_of TEXT,
        error_code TEXT,
        error_message TEXT,
        error_status INTEGER,
        correlation TEXT,
        msg TEXT
      );
      CREATE INDEX audit_entries_time ON audit_entries(time);
      CREATE INDEX audit_entries_status_time ON audit_entries(status, time);
      CREATE INDEX audit_entries_system_time ON audit_entries(system, time);
      CREATE INDEX audit_entries_x3_key ON audit_entries(x3_key) WHERE x3_key IS NOT NULL;
      CREATE INDEX audit_entries_ss_order_number ON audit_entries(ss_order_number) WHERE ss_order_number IS NOT NULL;
      CREATE INDEX audit_entries_ss_order_id ON audit_entries(ss_order_id) WHERE ss_order_id IS NOT NULL;
      CREATE INDEX audit_entries_idempotency_key ON audit_entries(idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX audit_entries_replay_of ON audit_entries(replay_of) WHERE replay_of IS NOT NULL;

      CREATE TABLE audit_tracking (
        tracking_number TEXT NOT NULL,
        entry_seq BIGINT NOT NULL REFERENCES audit_entries(seq) ON DELETE CASCADE,
        PRIMARY KEY (tracking_number, entry_seq)
      );
      CREATE INDEX audit_tracking_entry ON audit_tracking(entry_seq);

      CREATE TABLE ledger (
        key TEXT COLLATE "C" PRIMARY KEY,
        state TEXT NOT NULL,
        system TEXT NOT NULL,
        operation TEXT NOT NULL,
        correlation TEXT,
        result TEXT,
        error TEXT,
        attempts INTEGER NOT NULL,
        owner TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
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
    sql: `
      DROP INDEX audit_entries_node_time;
      CREATE INDEX audit_entries_node_time ON audit_entries(node_id, time, status, x3_entity)
        WHERE node_id IS NOT NULL;
      CREATE INDEX audit_entries_entity_time ON audit_entries(x3_entity, time, status, node_id)
        WHERE x3_entity IS NOT NULL;
    `,
  },
];

export interface PgMigrationOutcome {
  from: number;
  to: number;
}

/** Applies pending migrations in the connection's schema; idempotent, safe to race. */
export async function migratePg(
  client: ClientBase,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
  now: () => number = Date.now,
): Promise<PgMigrationOutcome> {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  ordered.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`audit store migrations must be numbered 1..n (got ${m.version})`);
  });
  const latest = ordered.length;
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('sage-x3-shipping.migrate:' || current_schema()))");
    await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
      version INTEGER PRIMARY KEY,
      description TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    const r = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
    const from = r.rows[0]?.v ?? 0;
    if (from > latest) {
      throw new Error(
        `audit store schema version ${from} is newer than this plugin supports (${latest}); upgrade the plugin`,
      );
    }
    for (const m of ordered.slice(from)) {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_version (version, description, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.description,
        new Date(now()).toISOString(),
      ]);
    }
    await client.query('COMMIT');
    return { from, to: latest };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
