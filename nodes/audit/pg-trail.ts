/**
 * The audit trail of the PostgreSQL store: entries appended with their tracking-number links
 * (record() calls of one task share one transaction, entry-batch.ts), read back by id or by query
 * (the WHERE clause is the SQLite store's, sqlite-trail-query.ts), and their status changed.
 */
import { EntryBatch } from './entry-batch';
import { normaliseInput, requireStatus } from './entry-input';
import { numberedParams, type PgStoreContext } from './pg-context';
import type { PgQuery } from './pg-database';
import { closedError } from './sqlite-context';
import { entryFromRow, entryRowValues, type EntryRow } from './sqlite-rows';
import { buildWhere, clampLimit } from './sqlite-trail-query';
import type { AuditEntry, AuditEntryInput, AuditPage, AuditStore } from './types';

export type PgTrail = Pick<AuditStore, 'record' | 'getEntry' | 'query' | 'setStatus'> & {
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
  const batch = new EntryBatch<AuditEntry>((entries) => {
    if (ctx.closed) throw closedError();
    return ctx.database.tx((q) => insertEntries(q, entries));
  });
  const normalise = (input: AuditEntryInput): AuditEntry => normaliseInput(input, ctx.sanitise, ctx.now);

  return {
    record(input) {
      let entry: AuditEntry;
      try {
        if (ctx.closed) throw closedError();
        entry = normalise(input);
      } catch (err) {
        return Promise.reject(err);
      }
      return batch.add(entry);
    },

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
      const { where, params } = buildWhere(q);
      const limit = clampLimit(q.limit);
      const offset = Math.max(0, Math.floor(q.offset ?? 0));
      const dir = q.order === 'asc' ? 'ASC' : 'DESC';
      const sqlWhere = numberedParams(where);
      const total = await ctx.query<{ n: string }>(`SELECT COUNT(*) AS n FROM audit_entries e ${sqlWhere}`, params);
      const rows =
        limit === 0
          ? []
          : (
              await ctx.query<EntryRow>(
                `SELECT * FROM audit_entries e ${sqlWhere} ORDER BY e.time ${dir}, e.seq ${dir}
                 LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
                [...params, limit, offset],
              )
            ).rows;
      const page: AuditPage = { entries: rows.map(entryFromRow), total: Number(total.rows[0].n) };
      return page;
    },

    async setStatus(id, status) {
      requireStatus(status);
      const r = await ctx.query('UPDATE audit_entries SET status = $1 WHERE id = $2', [status, id]);
      if (r.rowCount === 0) throw new Error(`audit entry "${id}" not found`);
    },

    insertInput: (q, input) => insertEntries(q, [normalise(input)]),
    flush: async () => {
      await batch.flush();
    },
  };
}
