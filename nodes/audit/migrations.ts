/**
 * Versioned schema of the SQLite audit store. The runner (sql-migrate.ts) applies each migration
 * once, in order, inside one IMMEDIATE transaction together with its schema_version row, so two
 * processes opening the same new file cannot both apply it, and a crash mid-migration leaves the
 * previous version intact. Never edit a released migration: append a new one.
 */
import type { Database } from 'better-sqlite3';
import { runSync } from './sql-dialect';
import { ENTRY_DATA_COLUMNS, ENTRY_FILTER_INDEXES, ENTRY_INDEXES, LEDGER_DATA_COLUMNS, migrateOp } from './sql-migrate';
import type { MigrationOutcome } from './sql-migrate';
import { noEntries, statementRunner } from './sqlite-context';

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'audit entries, tracking-number index, ledger, tracked shipments, seen ids',
    up(db) {
      db.exec(`
        CREATE TABLE audit_entries (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL,
          time TEXT NOT NULL,
          ${ENTRY_DATA_COLUMNS}
        );
        CREATE UNIQUE INDEX audit_entries_id ON audit_entries(id);
        ${ENTRY_INDEXES}

        -- one row per (tracking number, entry): an entry may carry several (multi-piece shipments).
        -- No index on entry_seq (one B-tree less per write): the purge finds the rows from the
        -- tracking numbers in the purged entries' correlation.
        CREATE TABLE audit_tracking (
          tracking_number TEXT NOT NULL,
          entry_seq INTEGER NOT NULL,
          PRIMARY KEY (tracking_number, entry_seq)
        ) WITHOUT ROWID;

        CREATE TABLE ledger (
          key TEXT PRIMARY KEY,
          ${LEDGER_DATA_COLUMNS},
          updated_at TEXT NOT NULL
        );

        CREATE TABLE tracked_shipments (
          tracking_number TEXT PRIMARY KEY,
          correlation TEXT,
          status TEXT NOT NULL,
          status_code TEXT,
          last_event_at TEXT,
          closed INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX tracked_shipments_open ON tracked_shipments(updated_at) WHERE closed = 0;

        CREATE TABLE seen_ids (
          scope TEXT NOT NULL,
          id TEXT NOT NULL,
          seen_at TEXT NOT NULL,
          PRIMARY KEY (scope, id)
        ) WITHOUT ROWID;
        CREATE INDEX seen_ids_seen_at ON seen_ids(seen_at);
      `);
    },
  },
  {
    version: 2,
    description: 'webhook inbox: events stored before the sender is answered, until applied',
    up(db) {
      db.exec(`
        CREATE TABLE webhook_inbox (
          seq INTEGER PRIMARY KEY,
          scope TEXT NOT NULL,
          event_id TEXT NOT NULL,
          state TEXT NOT NULL,
          payload TEXT NOT NULL,
          received_at TEXT NOT NULL,
          settled_at TEXT,
          UNIQUE (scope, event_id)
        );
        CREATE INDEX webhook_inbox_pending ON webhook_inbox(scope, seq) WHERE state = 'pending';
        CREATE INDEX webhook_inbox_settled ON webhook_inbox(settled_at) WHERE state != 'pending';
      `);
    },
  },
  {
    version: 3,
    description: 'operator console: trail by node and by operation, ledger entries waiting for an operator',
    up(db) {
      // Activity filtered by node (and "last webhook per route"), refused webhooks (operation
      // 'security') and the open unknown/claimed ledger entries: each an index seek on a
      // million-row store instead of a scan.
      db.exec(`
        CREATE INDEX audit_entries_node_time ON audit_entries(node_id, time) WHERE node_id IS NOT NULL;
        CREATE INDEX audit_entries_operation_time ON audit_entries(operation, time);
        CREATE INDEX ledger_attention ON ledger(state, updated_at);
      `);
    },
  },
  {
    version: 4,
    description: 'leader leases, named state (poll watermarks), webhook inbox claims, shared request budgets',
    up(db) {
      db.exec(`
        ALTER TABLE webhook_inbox ADD COLUMN claim_owner TEXT;
        ALTER TABLE webhook_inbox ADD COLUMN claim_until TEXT;
        CREATE TABLE cluster_leases (
          name TEXT PRIMARY KEY,
          owner TEXT NOT NULL,
          epoch INTEGER NOT NULL,
          expires_at TEXT NOT NULL
        );
        CREATE TABLE rate_starts (budget TEXT NOT NULL, at INTEGER NOT NULL);
        CREATE INDEX rate_starts_budget_at ON rate_starts(budget, at);
        CREATE TABLE cluster_state (
          name TEXT PRIMARY KEY,
          value TEXT NOT NULL,
          version INTEGER NOT NULL,
          updated_at TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 5,
    description: 'operator console: trail by X3 entity, and by flow (node ids) with status and entity',
    up(db) {
      db.exec(ENTRY_FILTER_INDEXES);
    },
  },
];

export type { MigrationOutcome };

/** Current schema version of an open database (0 when none was applied). */
export function schemaVersion(db: Database): number {
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!table) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null } | undefined;
  return row?.v ?? 0;
}

/** Applies pending migrations in order (sql-migrate.ts); idempotent. Refuses a file from a newer plugin version. */
export function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => number = Date.now,
): MigrationOutcome {
  const op = migrateOp(
    migrations,
    // eslint-disable-next-line require-yield -- a SQLite migration is a function of the database
    function* (m) {
      m.up(db);
    },
    now,
  );
  const exec = statementRunner((text) => db.prepare(text));
  return db.transaction(() => runSync(op, exec, noEntries)).immediate();
}

/**
 * Deletes must shrink the file (SQLite only reuses freed pages otherwise, and a file that grew
 * with label bytes or years of trail would never give the disk back): the store runs with
 * auto_vacuum INCREMENTAL and calls `PRAGMA incremental_vacuum` after each purge. A file made by
 * an earlier version is rewritten once by VACUUM (outside any transaction, as SQLite requires;
 * instant on a new file). Returns true when it vacuumed.
 */
export function ensureIncrementalVacuum(db: Database): boolean {
  if (db.pragma('auto_vacuum', { simple: true }) === 2) return false;
  db.pragma('auto_vacuum = INCREMENTAL');
  // a file already in WAL mode (even an empty one) takes the new mode only through a VACUUM
  db.exec('VACUUM');
  return true;
}
