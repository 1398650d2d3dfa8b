/**
 * Retention in the SQLite store: audit entries (with their tracking links, seen ids, closed
 * shipments and settled inbox events) and finished ledger entries deleted in small batches that
 * yield to the event loop, then the freed pages given back to the file system.
 */
import { toIso } from './entry-input';
import type { SqliteStoreContext } from './sqlite-context';
import { parseJson } from './sqlite-rows';
import type { AuditCorrelation, AuditStore } from './types';

const PURGE_BATCH = 5_000;

export type SqlitePurge = Pick<AuditStore, 'purgeBefore' | 'purgeLedger'>;

/** Gives the pages freed by deletes back to the file system (auto_vacuum INCREMENTAL). */
export function shrink(ctx: SqliteStoreContext): void {
  if (ctx.closed || ctx.database.path === ':memory:') return;
  ctx.database.drainWrites();
  ctx.db.pragma('incremental_vacuum');
  // in WAL mode the file is cut when the WAL is checkpointed
  ctx.db.pragma('wal_checkpoint(TRUNCATE)');
}

/** `purgeSettledInbox` deletes the webhook inbox's settled events older than a cutoff (sqlite-inbox.ts). */
export function sqlitePurge(ctx: SqliteStoreContext, purgeSettledInbox: (cutoffIso: string) => void): SqlitePurge {
  const st = ctx.st;
  return {
    async purgeBefore(cutoffIso) {
      const cutoff = toIso(cutoffIso, 'cutoff');
      ctx.beforeRead();
      let total = 0;
      const batch = ctx.db.transaction((): number => {
        const rows = st('SELECT seq, correlation FROM audit_entries WHERE time < ? ORDER BY time, seq LIMIT ?').all(
          cutoff,
          PURGE_BATCH,
        ) as Array<{ seq: number; correlation: string | null }>;
        const unlink = st('DELETE FROM audit_tracking WHERE tracking_number = ? AND entry_seq = ?');
        const remove = st('DELETE FROM audit_entries WHERE seq = ?');
        for (const row of rows) {
          for (const tn of parseJson<AuditCorrelation>(row.correlation)?.trackingNumbers ?? []) unlink.run(tn, row.seq);
          remove.run(row.seq);
        }
        return rows.length;
      });
      // small transactions with a yield between them keep the event loop responsive on big purges
      for (;;) {
        const n = batch.immediate();
        total += n;
        if (n < PURGE_BATCH) break;
        await new Promise((r) => setImmediate(r));
      }
      st('DELETE FROM seen_ids WHERE seen_at < ?').run(cutoff);
      st('DELETE FROM tracked_shipments WHERE closed = 1 AND updated_at < ?').run(cutoff);
      // x3-update's shared last-written values (write-back.ts) go with the trail
      st("DELETE FROM cluster_state WHERE name LIKE 'x3-update:%:lw:%' AND updated_at < ?").run(cutoff);
      purgeSettledInbox(cutoff);
      shrink(ctx);
      return total;
    },

    async purgeLedger(cutoffs) {
      const failedBefore = cutoffs.failedBefore ? toIso(cutoffs.failedBefore, 'failedBefore') : undefined;
      const finishedBefore = cutoffs.finishedBefore ? toIso(cutoffs.finishedBefore, 'finishedBefore') : undefined;
      ctx.beforeRead();
      let total = 0;
      // a voided generation stays while a later one of the same document does: the lookup walks
      // the generations from the first and stops at the first key missing (ledger-generations.ts)
      const superseded = 'EXISTS (SELECT 1 FROM ledger n WHERE n.key = ledger_next_generation(ledger.key))';
      const batch = ctx.db.transaction((state: string, cutoff: string): number => {
        const keys = st(`SELECT key FROM ledger WHERE state = ? AND updated_at < ? AND NOT ${superseded} LIMIT ?`).all(
          state,
          cutoff,
          PURGE_BATCH,
        ) as Array<{ key: string }>;
        // the state is checked again per row: an entry re-claimed meanwhile is kept
        const remove = st(`DELETE FROM ledger WHERE key = ? AND state = ? AND updated_at < ? AND NOT ${superseded}`);
        let n = 0;
        for (const { key } of keys) n += remove.run(key, state, cutoff).changes;
        return keys.length === PURGE_BATCH ? -n - 1 : n;
      });
      const plan: Array<[string, string | undefined]> = [
        ['failed', failedBefore],
        ['succeeded', finishedBefore],
        ['voided', finishedBefore],
      ];
      for (const [state, cutoff] of plan) {
        if (!cutoff) continue;
        for (;;) {
          const n = batch.immediate(state, cutoff);
          total += n < 0 ? -n - 1 : n;
          if (n >= 0) break;
          await new Promise((r) => setImmediate(r));
        }
      }
      shrink(ctx);
      return total;
    },
  };
}
