/**
 * The audit trail of the PostgreSQL store: entries appended with their tracking-number links
 * (record() calls of one task share one transaction, entry-batch.ts), read back by id or by query
 * (the SQL is written once for both backends, trail-query.ts), and their status changed.
 */
import { requireStatus } from './entry-input';
import type { PgStoreContext } from './pg-context';
import type { PgQuery } from './pg-database';
import { entryFromRow, entryRowValues, type EntryRow } from './sqlite-rows';
import { POSTGRES_DIALECT } from './sql-dialect';
import { distinctEntities, nextEntitySql, trailQuerySql } from './trail-query';
import { trailRecorder } from './trail-recorder';
import type { AuditEntry, AuditEntryInput, AuditPage, AuditStore } from './types';

export type PgTrail = Pick<AuditStore, 'record' | 'getEntry' | 'query' | 'listX3Entities' | 'setStatus'> & {
  recordBatch(entries: AuditEntryInput[]): Promise<AuditEntry[]>;
  /** Normalises and inserts an entry inside the caller's transaction (an inbox settle's entry). */
  insertInput(q: PgQuery, input: AuditEntryInput): Promise<void>;
  /** Commits the entries record() has queued (before closing). */
  flush(): Promise<void>;
};

const ENTRY_COLUMNS = `id, time, system, operation, status, attempt, x3_folder, x3_entity, x3_key, ss_order_id,
  ss_order_number, ss_shipment_id, idempotency_key, node_id, replay_of, error_code, error_message, error_status,
  correlation, msg`;
const ENTRY_WIDTH = 20;

/** Inserts entries (one statement per 500) and their tracking links, inside the caller's transaction. */
async function insertEntries(q: PgQuery, entries: AuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 500) {
    const chunk = entries.slice(i, i + 500);
    const rows = chunk.map(
      (_, r) => `(${Array.from({ length: ENTRY_WIDTH }, (__, c) => `$${r * ENTRY_WIDTH + c + 1}`).join(', ')})`,
    );
    const inserted = await q<{ seq: string; id: string }>(
      `INSERT INTO audit_entries (${ENTRY_COLUMNS}) VALUES ${rows.join(', ')} RETURNING seq, id`,
      chunk.flatMap(entryRowValues),
    );
    const seqOf = new Map(inserted.rows.map((r) => [r.id, r.seq]));
    const links: string[] = [];
    const linkSeqs: string[] = [];
    for (const e of chunk) {
      for (const tn of e.correlation?.trackingNumbers ?? []) {
        links.push(tn);
        linkSeqs.push(seqOf.get(e.id) as string);
      }
    }
    if (links.length > 0) {
      await q(
        `INSERT INTO audit_tracking (tracking_number, entry_seq)
         SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING`,
        [links, linkSeqs],
      );
    }
  }
}

export function pgTrail(ctx: PgStoreContext): PgTrail {
  const { record, normalise, flush } = trailRecorder(ctx, (entries) =>
    ctx.database.tx((q) => insertEntries(q, entries)),
  );

  return {
    record,

    async recordBatch(inputs) {
      const entries = inputs.map(normalise);
      await ctx.tx((q) => insertEntries(q, entries));
      return entries;
    },

    async getEntry(id) {
      const r = await ctx.query<EntryRow>('SELECT * FROM audit_entries WHERE id = $1', [id]);
      return r.rows[0] ? entryFromRow(r.rows[0]) : undefined;
    },

    async query(q) {
      const { count, page } = trailQuerySql(q, POSTGRES_DIALECT);
      const total = await ctx.query<{ n: string }>(count.sql, count.params);
      const rows = page ? (await ctx.query<EntryRow>(page.sql, page.params)).rows : [];
      const result: AuditPage = { entries: rows.map(entryFromRow), total: Number(total.rows[0].n) };
      return result;
    },

    listX3Entities() {
      const sql = nextEntitySql(POSTGRES_DIALECT);
      return distinctEntities(async (after) => (await ctx.query<{ v: string | null }>(sql, [after])).rows[0]?.v);
    },

    async setStatus(id, status) {
      requireStatus(status);
      const r = await ctx.query('UPDATE audit_entries SET status = $1 WHERE id = $2', [status, id]);
      if (r.rowCount === 0) throw new Error(`audit entry "${id}" not found`);
    },

    insertInput: (q, input) => insertEntries(q, [normalise(input)]),
    flush: async () => {
      await flush();
    },
  };
}
