/**
 * The exactly-once ledger of the SQLite store: a key claimed by exactly one caller, taken over
 * from a stale or unknown state with a compare-and-set, settled only while the caller's hold is
 * current (ledger-hold.ts), read back only once durable, and finished results rewritten in place
 * (label bytes moved to files). Every write is a group-committed ledger write, durable before it
 * resolves.
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
import type { SqliteStoreContext } from './sqlite-context';
import { shrink } from './sqlite-purge';
import { ledgerFromRow, type LedgerRow } from './sqlite-rows';
import { LEDGER_STATES } from './vocabulary';
import type { AuditErrorInfo, ClaimResult, LedgerEntry, LedgerHold } from './types';

export type SqliteLedger = LedgerMethods;

export function sqliteLedger(ctx: SqliteStoreContext): SqliteLedger {
  const st = ctx.st;
  const getLedger = (key: string): LedgerEntry | undefined => {
    const row = st('SELECT * FROM ledger WHERE key = ?').get(key) as LedgerRow | undefined;
    return row ? ledgerFromRow(row) : undefined;
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
    // a holder may void the claim it holds (an operator settling a stale claim)
    const from = to === 'voided' && hold ? [...LEDGER_TRANSITIONS.voided, 'claimed'] : LEDGER_TRANSITIONS[to];
    const resultJson = result === undefined ? undefined : JSON.stringify(sanitiseValue(result, ctx.sanitise) ?? null);
    const errorJson = error ? JSON.stringify(normaliseError(error)) : null;
    await ctx.ledgerWrite(key, () => {
      const info = st(
        `UPDATE ledger SET state = ?, updated_at = ?,
           result = CASE WHEN ? THEN ? ELSE result END,
           error = ?
         WHERE key = ? AND state IN (${from.map(() => '?').join(', ')})
           AND (? OR (owner = ? AND attempts = ?))`,
      ).run(
        to,
        ctx.isoNow(),
        resultJson === undefined ? 0 : 1,
        resultJson ?? null,
        errorJson,
        key,
        ...from,
        hold ? 0 : 1,
        hold?.owner ?? null,
        hold?.attempt ?? null,
      );
      if (info.changes === 1) return;
      const now = getLedger(key);
      const taken = now && hold && (now.owner !== hold.owner || now.attempts !== hold.attempt);
      throw new LedgerStateError(key, now?.state, to, taken ? { owner: now.owner, attempt: now.attempts } : undefined);
    });
  };

  return {
    async claim(key, meta) {
      requireKey(key);
      requireClaimMeta(meta);
      const correlation = normaliseCorrelation(meta.correlation);
      return ctx.ledgerWrite(key, (): ClaimResult => {
        const t = ctx.isoNow();
        const inserted = st(
          `INSERT INTO ledger (key, state, system, operation, correlation, attempts, owner, claimed_at, updated_at)
           VALUES (?, 'claimed', ?, ?, ?, 1, ?, ?, ?) ON CONFLICT(key) DO NOTHING`,
        ).run(key, meta.system, meta.operation, correlation ? JSON.stringify(correlation) : null, meta.owner, t, t);
        if (inserted.changes === 1) return { claimed: true, entry: getLedger(key) as LedgerEntry };
        const reclaimed = st(
          `UPDATE ledger SET state = 'claimed', attempts = attempts + 1, owner = ?, claimed_at = ?,
             updated_at = ?, error = NULL
           WHERE key = ? AND state = 'failed'`,
        ).run(meta.owner, t, t, key);
        return { claimed: reclaimed.changes === 1, entry: getLedger(key) as LedgerEntry };
      });
    },

    async takeOver(key, owner, fromStates, expectedOwner) {
      requireKey(key);
      if (!owner) throw new Error('takeOver needs an owner');
      const states = fromStates.filter((s) => LEDGER_STATES.includes(s));
      if (states.length === 0) return undefined;
      return ctx.ledgerWrite(key, (): LedgerHold | undefined => {
        const t = ctx.isoNow();
        const ownerClause = expectedOwner === undefined ? '' : ' AND owner = ?';
        const info = st(
          `UPDATE ledger SET state = 'claimed', owner = ?, attempts = attempts + 1, claimed_at = ?,
             updated_at = ?, error = NULL
           WHERE key = ? AND state IN (${states.map(() => '?').join(', ')})${ownerClause}`,
        ).run(owner, t, t, key, ...states, ...(expectedOwner === undefined ? [] : [expectedOwner]));
        if (info.changes !== 1) return undefined;
        const row = st('SELECT attempts FROM ledger WHERE key = ?').get(key) as { attempts: number };
        return { owner, attempt: row.attempts };
      });
    },

    ...settleMethods(transition),

    async get(key) {
      ctx.beforeRead();
      const entry = getLedger(key);
      // never report a ledger state that a power loss could still take back
      await ctx.database.ledgerDurable(key);
      return entry;
    },

    async listLedger(filter) {
      // the states are checked against the closed vocabulary and spliced in as literals, so
      // SQLite's planner uses ledger_attention (state, updated_at) for them
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.after !== undefined) {
        where.push('key > ?');
        args.push(filter.after);
      }
      if (filter.operation) {
        where.push('operation = ?');
        args.push(filter.operation);
      }
      if (filter.states) {
        const states = [...new Set(filter.states)].filter((s) => LEDGER_STATES.includes(s));
        if (states.length === 0) return { entries: [], total: 0 };
        where.push(`state IN (${states.map((s) => `'${s}'`).join(', ')})`);
      }
      if (filter.contains !== undefined) {
        where.push("result LIKE ? ESCAPE '\\'");
        args.push(`%${filter.contains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      }
      ctx.beforeRead();
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const limit = Math.min(1000, Math.max(1, Math.floor(filter.limit ?? 100)));
      const offset = Math.max(0, Math.floor(filter.offset ?? 0));
      const order = filter.order === 'updated' ? 'updated_at, key' : 'key';
      const total = (st(`SELECT COUNT(*) AS n FROM ledger ${clause}`).get(...args) as { n: number }).n;
      const rows = st(`SELECT * FROM ledger ${clause} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`).all(
        ...args,
      ) as LedgerRow[];
      return { entries: rows.map(ledgerFromRow), total };
    },

    async rewriteLedgerResults(rewrite, opts = {}) {
      ctx.beforeRead();
      let after = '';
      let total = 0;
      const like = opts.contains === undefined ? '%' : `%${opts.contains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      for (;;) {
        const rows = st(
          `SELECT * FROM ledger WHERE key > ? AND state IN ('succeeded', 'voided') AND result LIKE ? ESCAPE '\\'
           ORDER BY key LIMIT 200`,
        ).all(after, like) as LedgerRow[];
        if (rows.length === 0) break;
        for (const row of rows) {
          after = row.key;
          const entry = ledgerFromRow(row);
          const next = await rewrite(entry);
          if (next === undefined) continue;
          const json = JSON.stringify(sanitiseValue(next, ctx.sanitise) ?? null);
          // only if nobody changed the entry while the rewrite ran
          const changed = await ctx.ledgerWrite(row.key, () =>
            st('UPDATE ledger SET result = ? WHERE key = ? AND state = ? AND updated_at = ? AND attempts = ?').run(
              json,
              row.key,
              row.state,
              row.updated_at,
              row.attempts,
            ),
          );
          total += changed.changes;
        }
      }
      if (total > 0) shrink(ctx);
      return total;
    },
  };
}
