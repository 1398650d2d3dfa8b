/**
 * The audit trail of the SQLite store: entries appended with their tracking-number links (one
 * at a time, batched per task by entry-batch.ts, or many in one transaction), read back by id or
 * by query, and their status changed (a replay marks the entry it replays).
 */
import { requireStatus } from './entry-input';
import { closedError, type SqliteStoreContext } from './sqlite-context';
import { entryFromRow, type EntryRow, entryRowValues } from './sqlite-rows';
import { SQLITE_DIALECT } from './sql-dialect';
import { distinctEntities, nextEntitySql, trailQuerySql } from './trail-query';
import { trailRecorder } from './trail-recorder';
import type { AuditEntry, AuditEntryInput, AuditPage, AuditStore } from './types';

export type SqliteTrail = Pick<AuditStore, 'record' | 'getEntry' | 'query' | 'listX3Entities' | 'setStatus'> & {
  /** Records many entries in one transaction. */
  recordBatch(entries: AuditEntryInput[]): Promise<AuditEntry[]>;
  /** Normalises and inserts an entry inside the current transaction (an inbox settle's entry). */
  insertInput(input: AuditEntryInput): void;
  /** Commits the entries record() has queued (before closing). */
  flush(): void;
};

export function sqliteTrail(ctx: SqliteStoreContext): SqliteTrail {
  const st = ctx.st;
  const insertEntry = (entry: AuditEntry): AuditEntry => {
    const c = entry.correlation ?? {};
    const info = st(
      `INSERT INTO audit_entries (id, time, system, operation, status, attempt, x3_folder, x3_entity,
        x3_key, ss_order_id, ss_order_number, ss_shipment_id, idempotency_key, node_id, replay_of,
        error_code, error_message, error_status, correlation, msg)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...entryRowValues(entry));
    if (c.trackingNumbers?.length) {
      const link = st('INSERT OR IGNORE INTO audit_tracking (tracking_number, entry_seq) VALUES (?, ?)');
      for (const tn of c.trackingNumbers) link.run(tn, info.lastInsertRowid);
    }
    return entry;
  };
  const insertMany = ctx.db.transaction((entries: AuditEntry[]) => entries.map(insertEntry));
  const { record, normalise, flush } = trailRecorder(ctx, (entries) => {
    insertMany.immediate(entries);
  });

  return {
    record,

    async recordBatch(inputs) {
      if (ctx.closed) throw closedError();
      return insertMany.immediate(inputs.map(normalise));
    },

    async getEntry(id) {
      const row = st('SELECT * FROM audit_entries WHERE id = ?').get(id) as EntryRow | undefined;
      return row ? entryFromRow(row) : undefined;
    },

    async query(q) {
      const { count, page } = trailQuerySql(q, SQLITE_DIALECT);
      const total = (st(count.sql).get(...count.params) as { n: number }).n;
      const rows = page ? (st(page.sql).all(...page.params) as EntryRow[]) : [];
      const result: AuditPage = { entries: rows.map(entryFromRow), total };
      return result;
    },

    listX3Entities() {
      const next = st(nextEntitySql(SQLITE_DIALECT));
      return distinctEntities(async (after) => (next.get(after) as { v: string | null }).v);
    },

    async setStatus(id, status) {
      requireStatus(status);
      const info = st('UPDATE audit_entries SET status = ? WHERE id = ?').run(status, id);
      if (info.changes === 0) throw new Error(`audit entry "${id}" not found`);
    },

    insertInput: (input) => void insertEntry(normalise(input)),
    flush: () => void flush(),
  };
}
