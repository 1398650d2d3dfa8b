/**
 * The exactly-once ledger, written once for both backends (sql-dialect.ts): a key claimed by
 * exactly one caller (INSERT … ON CONFLICT DO NOTHING; a failed entry re-claimed by a conditional
 * UPDATE), taken over from a stale or unknown state with a compare-and-set, settled only while
 * the caller's hold is current (ledger-hold.ts), read back only once durable, and finished
 * results rewritten in place (label bytes moved to files). Every write is durable before it
 * resolves: SQLite group-commits and fsyncs ledger writes, PostgreSQL commits each statement
 * (synchronous_commit, its default, makes the commit durable).
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
import { containsPattern, placeholders, sql, type SqlBackend, type SqlOp } from './sql-dialect';
import { ledgerFromRow, type LedgerRow } from './sqlite-rows';
import { LEDGER_STATES } from './vocabulary';
import type { AuditErrorInfo, ClaimResult, LedgerEntry, LedgerHold, LedgerState } from './types';

function* getLedger(key: string): SqlOp<LedgerEntry | undefined> {
  const r = yield* sql<LedgerRow>('SELECT * FROM ledger WHERE key = ?', key);
  return r.rows[0] ? ledgerFromRow(r.rows[0]) : undefined;
}

/** The closed vocabulary's states among `states`, each once (safe to splice in as literals). */
function knownStates(states: readonly LedgerState[]): LedgerState[] {
  return [...new Set(states)].filter((s) => LEDGER_STATES.includes(s));
}

export function sqlLedger(db: SqlBackend): LedgerMethods {
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
    const resultJson = result === undefined ? undefined : JSON.stringify(sanitiseValue(result, db.sanitise) ?? null);
    const errorJson = error ? JSON.stringify(normaliseError(error)) : null;
    await db.write(
      function* () {
        const r = yield* sql(
          `UPDATE ledger SET state = ?, updated_at = ?,
             result = CASE WHEN ? THEN ? ELSE result END,
             error = ?
           WHERE key = ? AND state IN (${placeholders(from.length)})
             AND (? OR (owner = ? AND attempts = ?))`,
          to,
          db.isoNow(),
          db.dialect.bool(resultJson !== undefined),
          resultJson ?? null,
          errorJson,
          key,
          ...from,
          db.dialect.bool(!hold),
          hold?.owner ?? null,
          hold?.attempt ?? null,
        );
        if (r.changes === 1) return;
        const now = yield* getLedger(key);
        const taken = now && hold && (now.owner !== hold.owner || now.attempts !== hold.attempt);
        throw new LedgerStateError(
          key,
          now?.state,
          to,
          taken ? { owner: now.owner, attempt: now.attempts } : undefined,
        );
      },
      { durableKey: key },
    );
  };

  return {
    async claim(key, meta) {
      requireKey(key);
      requireClaimMeta(meta);
      const correlation = normaliseCorrelation(meta.correlation);
      return db.write(
        function* (): SqlOp<ClaimResult> {
          const t = db.isoNow();
          const inserted = yield* sql<LedgerRow>(
            `INSERT INTO ledger (key, state, system, operation, correlation, attempts, owner, claimed_at, updated_at)
             VALUES (?, 'claimed', ?, ?, ?, 1, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING *`,
            key,
            meta.system,
            meta.operation,
            correlation ? JSON.stringify(correlation) : null,
            meta.owner,
            t,
            t,
          );
          if (inserted.rows[0]) return { claimed: true, entry: ledgerFromRow(inserted.rows[0]) };
          const reclaimed = yield* sql<LedgerRow>(
            `UPDATE ledger SET state = 'claimed', attempts = attempts + 1, owner = ?, claimed_at = ?,
               updated_at = ?, error = NULL
             WHERE key = ? AND state = 'failed' RETURNING *`,
            meta.owner,
            t,
            t,
            key,
          );
          if (reclaimed.rows[0]) return { claimed: true, entry: ledgerFromRow(reclaimed.rows[0]) };
          const entry = yield* getLedger(key);
          if (!entry) throw new Error(`ledger key "${key}" vanished while it was claimed (purged meanwhile?)`);
          return { claimed: false, entry };
        },
        { durableKey: key },
      );
    },

    async takeOver(key, owner, fromStates, expectedOwner) {
      requireKey(key);
      if (!owner) throw new Error('takeOver needs an owner');
      const states = fromStates.filter((s) => LEDGER_STATES.includes(s));
      if (states.length === 0) return undefined;
      return db.write(
        function* (): SqlOp<LedgerHold | undefined> {
          const t = db.isoNow();
          const ownerClause = expectedOwner === undefined ? '' : ' AND owner = ?';
          const r = yield* sql<{ attempts: number }>(
            `UPDATE ledger SET state = 'claimed', owner = ?, attempts = attempts + 1, claimed_at = ?,
               updated_at = ?, error = NULL
             WHERE key = ? AND state IN (${placeholders(states.length)})${ownerClause}
             RETURNING attempts`,
            owner,
            t,
            t,
            key,
            ...states,
            ...(expectedOwner === undefined ? [] : [expectedOwner]),
          );
          return r.rows[0] ? { owner, attempt: Number(r.rows[0].attempts) } : undefined;
        },
        { durableKey: key },
      );
    },

    ...settleMethods(transition),

    async get(key) {
      const entry = await db.read(() => getLedger(key));
      // never report a ledger state that a power loss could still take back
      await db.ledgerDurable(key);
      return entry;
    },

    async listLedger(filter) {
      // the states are checked against the closed vocabulary and spliced in as literals, so the
      // planner uses the (state, updated_at) index for them
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
        const states = knownStates(filter.states);
        if (states.length === 0) return { entries: [], total: 0 };
        where.push(`state IN (${states.map((s) => `'${s}'`).join(', ')})`);
      }
      if (filter.contains !== undefined) {
        where.push("result LIKE ? ESCAPE '\\'");
        args.push(containsPattern(filter.contains));
      }
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const limit = Math.min(1000, Math.max(1, Math.floor(filter.limit ?? 100)));
      const offset = Math.max(0, Math.floor(filter.offset ?? 0));
      const order = filter.order === 'updated' ? 'updated_at, key' : 'key';
      return db.read(function* () {
        const total = yield* sql<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ledger ${clause}`, ...args);
        const rows = yield* sql<LedgerRow>(
          `SELECT * FROM ledger ${clause} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
          ...args,
        );
        return { entries: rows.rows.map(ledgerFromRow), total: Number(total.rows[0].n) };
      });
    },

    async rewriteLedgerResults(rewrite, opts = {}) {
      let after = '';
      let total = 0;
      const like = opts.contains === undefined ? '%' : containsPattern(opts.contains);
      for (;;) {
        const rows = await db.read(() => finishedPage(after, like));
        if (rows.length === 0) break;
        for (const row of rows) {
          after = row.key;
          const next = await rewrite(ledgerFromRow(row));
          if (next === undefined) continue;
          const json = JSON.stringify(sanitiseValue(next, db.sanitise) ?? null);
          // only if nobody changed the entry while the rewrite ran
          total += await db.write(
            function* () {
              const r = yield* sql(
                'UPDATE ledger SET result = ? WHERE key = ? AND state = ? AND updated_at = ? AND attempts = ?',
                json,
                row.key,
                row.state,
                row.updated_at,
                row.attempts,
              );
              return r.changes;
            },
            { durableKey: row.key },
          );
        }
      }
      if (total > 0) db.compact();
      return total;
    },
  };
}

/** The next 200 finished entries after `after` (key order) whose result matches `like`. */
function* finishedPage(after: string, like: string): SqlOp<LedgerRow[]> {
  const r = yield* sql<LedgerRow>(
    `SELECT * FROM ledger WHERE key > ? AND state IN ('succeeded', 'voided') AND result LIKE ? ESCAPE '\\'
     ORDER BY key LIMIT 200`,
    after,
    like,
  );
  return r.rows;
}
