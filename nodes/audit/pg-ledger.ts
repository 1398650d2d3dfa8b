/**
 * The exactly-once ledger of the PostgreSQL store, with the same rules as sqlite-ledger.ts: a key
 * claimed by exactly one caller of the whole cluster (INSERT … ON CONFLICT DO NOTHING, a failed
 * entry re-claimed by a conditional UPDATE), taken over with a compare-and-set, settled only while
 * the caller's hold (owner + attempt) is current. Each write is one statement committed before
 * its promise resolves; with synchronous_commit on (PostgreSQL's default) that commit is durable.
 */
import {
  LedgerStateError,
  LEDGER_TRANSITIONS,
  requireClaimMeta,
  requireHold,
  requireKey,
  settleMethods,
  type LedgerMethods,
} from './ledger-hold';
import { sanitiseValue } from './masking';
import { normaliseCorrelation, normaliseError } from './entry-input';
import type { PgStoreContext } from './pg-context';
import { ledgerFromRow, type LedgerRow } from './sqlite-rows';
import { LEDGER_STATES } from './vocabulary';
import type { AuditErrorInfo, LedgerEntry, LedgerHold } from './types';

export type PgLedger = LedgerMethods;

export function pgLedger(ctx: PgStoreContext): PgLedger {
  const getLedger = async (key: string): Promise<LedgerEntry | undefined> => {
    const r = await ctx.query<LedgerRow>('SELECT * FROM ledger WHERE key = $1', [key]);
    return r.rows[0] ? ledgerFromRow(r.rows[0]) : undefined;
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
    const from = to === 'voided' && hold ? [...LEDGER_TRANSITIONS.voided, 'claimed'] : LEDGER_TRANSITIONS[to];
    const resultJson = result === undefined ? undefined : JSON.stringify(sanitiseValue(result, ctx.sanitise) ?? null);
    const errorJson = error ? JSON.stringify(normaliseError(error)) : null;
    const r = await ctx.query(
      `UPDATE ledger SET state = $1, updated_at = $2,
         result = CASE WHEN $3 THEN $4 ELSE result END,
         error = $5
       WHERE key = $6 AND state = ANY($7::text[])
         AND ($8 OR (owner = $9 AND attempts = $10))`,
      [
        to,
        ctx.isoNow(),
        resultJson !== undefined,
        resultJson ?? null,
        errorJson,
        key,
        from,
        !hold,
        hold?.owner ?? null,
        hold?.attempt ?? null,
      ],
    );
    if (r.rowCount === 1) return;
    const now = await getLedger(key);
    const taken = now && hold && (now.owner !== hold.owner || now.attempts !== hold.attempt);
    throw new LedgerStateError(key, now?.state, to, taken ? { owner: now.owner, attempt: now.attempts } : undefined);
  };

  return {
    async claim(key, meta) {
      requireKey(key);
      requireClaimMeta(meta);
      const correlation = normaliseCorrelation(meta.correlation);
      const t = ctx.isoNow();
      const inserted = await ctx.query<LedgerRow>(
        `INSERT INTO ledger (key, state, system, operation, correlation, attempts, owner, claimed_at, updated_at)
         VALUES ($1, 'claimed', $2, $3, $4, 1, $5, $6, $6) ON CONFLICT (key) DO NOTHING RETURNING *`,
        [key, meta.system, meta.operation, correlation ? JSON.stringify(correlation) : null, meta.owner, t],
      );
      if (inserted.rows[0]) return { claimed: true, entry: ledgerFromRow(inserted.rows[0]) };
      const reclaimed = await ctx.query<LedgerRow>(
        `UPDATE ledger SET state = 'claimed', attempts = attempts + 1, owner = $1, claimed_at = $2,
           updated_at = $2, error = NULL
         WHERE key = $3 AND state = 'failed' RETURNING *`,
        [meta.owner, t, key],
      );
      if (reclaimed.rows[0]) return { claimed: true, entry: ledgerFromRow(reclaimed.rows[0]) };
      const entry = await getLedger(key);
      if (!entry) throw new Error(`ledger key "${key}" vanished while it was claimed (purged meanwhile?)`);
      return { claimed: false, entry };
    },

    async takeOver(key, owner, fromStates, expectedOwner) {
      requireKey(key);
      if (!owner) throw new Error('takeOver needs an owner');
      const states = fromStates.filter((s) => LEDGER_STATES.includes(s));
      if (states.length === 0) return undefined;
      const t = ctx.isoNow();
      const r = await ctx.query<{ attempts: number }>(
        `UPDATE ledger SET state = 'claimed', owner = $1, attempts = attempts + 1, claimed_at = $2,
           updated_at = $2, error = NULL
         WHERE key = $3 AND state = ANY($4::text[]) AND ($5::text IS NULL OR owner = $5)
         RETURNING attempts`,
        [owner, t, key, states, expectedOwner ?? null],
      );
      return r.rows[0] ? { owner, attempt: r.rows[0].attempts } : undefined;
    },

    ...settleMethods(transition),

    get: (key) => getLedger(key),

    async listLedger(filter) {
      // as sqlite-ledger.ts: key order in byte order (COLLATE "C") so `after` pages the same way
      const where: string[] = [];
      const args: unknown[] = [];
      const arg = (v: unknown): string => {
        args.push(v);
        return `$${args.length}`;
      };
      if (filter.after !== undefined) where.push(`key COLLATE "C" > ${arg(filter.after)}`);
      if (filter.operation) where.push(`operation = ${arg(filter.operation)}`);
      if (filter.states) {
        const states = [...new Set(filter.states)].filter((s) => LEDGER_STATES.includes(s));
        if (states.length === 0) return { entries: [], total: 0 };
        where.push(`state = ANY(${arg(states)})`);
      }
      if (filter.contains !== undefined) {
        where.push(`result LIKE ${arg(`%${filter.contains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)} ESCAPE '\\'`);
      }
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const limit = Math.min(1000, Math.max(1, Math.floor(filter.limit ?? 100)));
      const offset = Math.max(0, Math.floor(filter.offset ?? 0));
      const order = filter.order === 'updated' ? 'updated_at, key COLLATE "C"' : 'key COLLATE "C"';
      const total = await ctx.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ledger ${clause}`, args);
      const rows = await ctx.query<LedgerRow>(
        `SELECT * FROM ledger ${clause} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
        args,
      );
      return { entries: rows.rows.map(ledgerFromRow), total: Number(total.rows[0].n) };
    },

    async rewriteLedgerResults(rewrite, opts = {}) {
      let after = '';
      let total = 0;
      const like = opts.contains === undefined ? '%' : `%${opts.contains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      for (;;) {
        const rows = (
          await ctx.query<LedgerRow>(
            `SELECT * FROM ledger WHERE key COLLATE "C" > $1 AND state IN ('succeeded', 'voided') AND result LIKE $2 ESCAPE '\\'
             ORDER BY key COLLATE "C" LIMIT 200`,
            [after, like],
          )
        ).rows;
        if (rows.length === 0) break;
        for (const row of rows) {
          after = row.key;
          const next = await rewrite(ledgerFromRow(row));
          if (next === undefined) continue;
          const json = JSON.stringify(sanitiseValue(next, ctx.sanitise) ?? null);
          // only if nobody changed the entry while the rewrite ran
          const changed = await ctx.query(
            'UPDATE ledger SET result = $1 WHERE key = $2 AND state = $3 AND updated_at = $4 AND attempts = $5',
            [json, row.key, row.state, row.updated_at, row.attempts],
          );
          total += changed.rowCount ?? 0;
        }
      }
      return total;
    },
  };
}
