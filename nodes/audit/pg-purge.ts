/**
 * Retention in the PostgreSQL store (the rules of sqlite-purge.ts): audit entries (their tracking
 * links go with them, ON DELETE CASCADE), seen ids, closed shipments, settled inbox events and
 * finished ledger entries deleted in batches. Freed space is PostgreSQL's autovacuum's to reuse.
 */
import { toIso } from './entry-input';
import { nextGenerationKey } from './ledger-generations';
import type { PgStoreContext } from './pg-context';
import type { AuditStore } from './types';

const PURGE_BATCH = 5_000;

export type PgPurge = Pick<AuditStore, 'purgeBefore' | 'purgeLedger'>;

export function pgPurge(ctx: PgStoreContext, purgeSettledInbox: (cutoffIso: string) => Promise<void>): PgPurge {
  return {
    async purgeBefore(cutoffIso) {
      const cutoff = toIso(cutoffIso, 'cutoff');
      let total = 0;
      for (;;) {
        const r = await ctx.query(
          `DELETE FROM audit_entries WHERE seq IN
             (SELECT seq FROM audit_entries WHERE time < $1 ORDER BY time, seq LIMIT $2)`,
          [cutoff, PURGE_BATCH],
        );
        const n = r.rowCount ?? 0;
        total += n;
        if (n < PURGE_BATCH) break;
      }
      await ctx.query('DELETE FROM seen_ids WHERE seen_at < $1', [cutoff]);
      await ctx.query('DELETE FROM tracked_shipments WHERE closed = 1 AND updated_at < $1', [cutoff]);
      // x3-update's shared last-written values (write-back.ts) go with the trail
      await ctx.query("DELETE FROM cluster_state WHERE name LIKE 'x3-update:%:lw:%' AND updated_at < $1", [cutoff]);
      await purgeSettledInbox(cutoff);
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
          const keys = (
            await ctx.query<{ key: string }>(
              `SELECT key FROM ledger WHERE state = $1 AND updated_at < $2 AND key > $3 ORDER BY key LIMIT $4`,
              [state, cutoff, after, PURGE_BATCH],
            )
          ).rows.map((r) => r.key);
          if (keys.length === 0) break;
          after = keys[keys.length - 1];
          // a voided generation stays while a later one of the same document does: the lookup walks
          // the generations from the first and stops at the first key missing (ledger-generations.ts);
          // the state is checked again per row, so an entry re-claimed meanwhile is kept
          const r = await ctx.query(
            `DELETE FROM ledger l USING unnest($1::text[], $2::text[]) AS c(key, next)
             WHERE l.key = c.key AND l.state = $3 AND l.updated_at < $4
               AND NOT EXISTS (SELECT 1 FROM ledger n WHERE n.key = c.next)`,
            [keys, keys.map(nextGenerationKey), state, cutoff],
          );
          total += r.rowCount ?? 0;
          if (keys.length < PURGE_BATCH) break;
        }
      }
      return total;
    },
  };
}
