/**
 * Retention (both backends, sql-dialect.ts): audit entries with their tracking links, seen ids,
 * closed shipments, x3-update's shared last-written values and settled inbox events, and
 * finished ledger entries, deleted in small transactions that yield to the event loop between
 * them; then SQLite gives the freed pages back to the file system. A voided ledger generation
 * stays while a later one of the same document does (ledger-generations.ts).
 *
 * Per backend only what the schemas make different: PostgreSQL's tracking links go with their
 * entry (ON DELETE CASCADE), SQLite's are found from the purged entries' correlation; PostgreSQL
 * deletes a batch of ledger keys in one statement, SQLite one prepared DELETE per key.
 */
import { toIso } from './entry-input';
import { nextGenerationKey } from './ledger-generations';
import { sql, type SqlBackend, type SqlOp } from './sql-dialect';
import { parseJson } from './sqlite-rows';
import type { AuditCorrelation, AuditStore } from './types';

const PURGE_BATCH = 5_000;

export type SqlPurge = Pick<AuditStore, 'purgeBefore' | 'purgeLedger'>;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The oldest PURGE_BATCH entries before `cutoff`, with their tracking links; how many. */
function* entriesBatch(db: SqlBackend, cutoff: string): SqlOp<number> {
  if (db.dialect.name === 'postgres') {
    const r = yield* sql(
      `DELETE FROM audit_entries WHERE seq IN
         (SELECT seq FROM audit_entries WHERE time < ? ORDER BY time, seq LIMIT ?)`,
      cutoff,
      PURGE_BATCH,
    );
    return r.changes;
  }
  const rows = (yield* sql<{ seq: number; correlation: string | null }>(
    'SELECT seq, correlation FROM audit_entries WHERE time < ? ORDER BY time, seq LIMIT ?',
    cutoff,
    PURGE_BATCH,
  )).rows;
  for (const row of rows) {
    for (const tn of parseJson<AuditCorrelation>(row.correlation)?.trackingNumbers ?? []) {
      yield* sql('DELETE FROM audit_tracking WHERE tracking_number = ? AND entry_seq = ?', tn, row.seq);
    }
    yield* sql('DELETE FROM audit_entries WHERE seq = ?', row.seq);
  }
  return rows.length;
}

/**
 * Deletes the `keys` still in `state` and last updated before `cutoff` whose next generation does
 * not exist; the state is checked again per row, so an entry re-claimed meanwhile is kept.
 */
function* ledgerBatch(db: SqlBackend, keys: string[], state: string, cutoff: string): SqlOp<number> {
  if (db.dialect.name === 'postgres') {
    const r = yield* sql(
      `DELETE FROM ledger l USING unnest(?::text[], ?::text[]) AS c(key, next)
       WHERE l.key = c.key AND l.state = ? AND l.updated_at < ?
         AND NOT EXISTS (SELECT 1 FROM ledger n WHERE n.key = c.next)`,
      keys,
      keys.map(nextGenerationKey),
      state,
      cutoff,
    );
    return r.changes;
  }
  let n = 0;
  for (const key of keys) {
    const r = yield* sql(
      `DELETE FROM ledger WHERE key = ? AND state = ? AND updated_at < ?
         AND NOT EXISTS (SELECT 1 FROM ledger n WHERE n.key = ?)`,
      key,
      state,
      cutoff,
      nextGenerationKey(key),
    );
    n += r.changes;
  }
  return n;
}

export function sqlPurge(db: SqlBackend, purgeSettledInbox: (cutoffIso: string) => Promise<void>): SqlPurge {
  return {
    async purgeBefore(cutoffIso) {
      const cutoff = toIso(cutoffIso, 'cutoff');
      let total = 0;
      for (;;) {
        const n = await db.write(() => entriesBatch(db, cutoff), { now: true, atomic: true });
        total += n;
        if (n < PURGE_BATCH) break;
        await yieldToEventLoop();
      }
      await db.write(
        function* () {
          yield* sql('DELETE FROM seen_ids WHERE seen_at < ?', cutoff);
          yield* sql('DELETE FROM tracked_shipments WHERE closed = 1 AND updated_at < ?', cutoff);
          // x3-update's shared last-written values (write-back.ts) go with the trail
          yield* sql("DELETE FROM cluster_state WHERE name LIKE 'x3-update:%:lw:%' AND updated_at < ?", cutoff);
        },
        { now: true },
      );
      await purgeSettledInbox(cutoff);
      db.compact();
      return total;
    },

    async purgeLedger(cutoffs) {
      const failedBefore = cutoffs.failedBefore ? toIso(cutoffs.failedBefore, 'failedBefore') : undefined;
      const finishedBefore = cutoffs.finishedBefore ? toIso(cutoffs.finishedBefore, 'finishedBefore') : undefined;
      let total = 0;
      const plan: Array<[string, string | undefined]> = [
        ['failed', failedBefore],
        ['succeeded', finishedBefore],
        ['voided', finishedBefore],
      ];
      for (const [state, cutoff] of plan) {
        if (!cutoff) continue;
        let after = '';
        for (;;) {
          const keys = await db.read(function* () {
            const r = yield* sql<{ key: string }>(
              'SELECT key FROM ledger WHERE state = ? AND updated_at < ? AND key > ? ORDER BY key LIMIT ?',
              state,
              cutoff,
              after,
              PURGE_BATCH,
            );
            return r.rows.map((row) => row.key);
          });
          if (keys.length === 0) break;
          after = keys[keys.length - 1];
          total += await db.write(() => ledgerBatch(db, keys, state, cutoff), { now: true, atomic: true });
          if (keys.length < PURGE_BATCH) break;
          await yieldToEventLoop();
        }
      }
      db.compact();
      return total;
    },
  };
}
