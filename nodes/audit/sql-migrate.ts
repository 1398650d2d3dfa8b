/**
 * The migration runner of both backends (migrations.ts for SQLite, pg-migrations.ts for
 * PostgreSQL), written once over sql-dialect.ts: the migrations numbered 1..n, each applied once,
 * in order, in the caller's one transaction together with its schema_version row, so two
 * processes or instances opening a new store at once cannot both apply one, and a crash
 * mid-migration leaves the previous version intact. A store made by a newer plugin is refused.
 * Also the parts of the schema both backends declare alike.
 */
import { sql, type SqlOp, type SqlStatement } from './sql-dialect';

export interface MigrationOutcome {
  from: number;
  to: number;
}

interface Versioned {
  version: number;
  description: string;
}

/** The migrations in version order; throws unless they are numbered 1..n. */
function orderMigrations<M extends Versioned>(migrations: readonly M[]): M[] {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  ordered.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`audit store migrations must be numbered 1..n (got ${m.version})`);
  });
  return ordered;
}

/** Applies the pending ones of `migrations` (after taking `lock`, when the backend needs one). */
export function* migrateOp<M extends Versioned>(
  migrations: readonly M[],
  apply: (m: M) => SqlOp<void>,
  now: () => number,
  lock?: SqlStatement,
): SqlOp<MigrationOutcome> {
  const ordered = orderMigrations(migrations);
  const latest = ordered.length;
  if (lock) yield* sql(lock.sql, ...lock.params);
  yield* sql(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const r = yield* sql<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
  const from = r.rows[0]?.v ?? 0;
  if (from > latest) {
    throw new Error(
      `audit store schema version ${from} is newer than this plugin supports (${latest}); upgrade the plugin`,
    );
  }
  for (const m of ordered.slice(from)) {
    yield* apply(m);
    yield* sql(
      'INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)',
      m.version,
      m.description,
      new Date(now()).toISOString(),
    );
  }
  return { from, to: latest };
}

/** audit_entries' columns after its key, id and time (released migrations: never edit). */
export const ENTRY_DATA_COLUMNS = `
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
  msg TEXT`;

/** audit_entries' search indexes of the first migration (released: never edit). */
export const ENTRY_INDEXES = `
  CREATE INDEX audit_entries_time ON audit_entries(time);
  CREATE INDEX audit_entries_status_time ON audit_entries(status, time);
  CREATE INDEX audit_entries_system_time ON audit_entries(system, time);
  CREATE INDEX audit_entries_x3_key ON audit_entries(x3_key) WHERE x3_key IS NOT NULL;
  CREATE INDEX audit_entries_ss_order_number ON audit_entries(ss_order_number) WHERE ss_order_number IS NOT NULL;
  CREATE INDEX audit_entries_ss_order_id ON audit_entries(ss_order_id) WHERE ss_order_id IS NOT NULL;
  CREATE INDEX audit_entries_idempotency_key ON audit_entries(idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX audit_entries_replay_of ON audit_entries(replay_of) WHERE replay_of IS NOT NULL;`;

/**
 * The console's Activity by X3 entity and by flow (node ids), SQLite 5 / PostgreSQL 4: status,
 * node and entity are checked inside the index, so a filtered count or page reads only its own
 * rows on a million-row store (released: never edit).
 */
export const ENTRY_FILTER_INDEXES = `
  DROP INDEX audit_entries_node_time;
  CREATE INDEX audit_entries_node_time ON audit_entries(node_id, time, status, x3_entity)
    WHERE node_id IS NOT NULL;
  CREATE INDEX audit_entries_entity_time ON audit_entries(x3_entity, time, status, node_id)
    WHERE x3_entity IS NOT NULL;`;

/** The ledger's columns between its key and updated_at (released migrations: never edit). */
export const LEDGER_DATA_COLUMNS = `
  state TEXT NOT NULL,
  system TEXT NOT NULL,
  operation TEXT NOT NULL,
  correlation TEXT,
  result TEXT,
  error TEXT,
  attempts INTEGER NOT NULL,
  owner TEXT NOT NULL,
  claimed_at TEXT NOT NULL`;
