/**
 * Leases and fenced named state in the PostgreSQL store (rules in cluster-state.ts): the leader
 * election of the pollers of several instances. Taking a lease is one conditional upsert; a
 * fenced write first locks the lease row FOR SHARE in its transaction, so a takeover that
 * commits first makes the write fail, and one that comes later waits until the write committed.
 * Expiry is judged by the store's clock (instances' clocks are expected NTP-synchronised; the
 * fence, not the clock, is what keeps a late leader's write out).
 */
import {
  grantFromRow,
  LeaseLostError,
  requireBudgetArgs,
  requireLeaseArgs,
  requireStateName,
  stateJson,
  type LeaseRow,
} from './cluster-state';
import type { PgStoreContext } from './pg-context';
import type { AuditStore } from './types';

export type PgCluster = Pick<AuditStore, 'acquireLease' | 'releaseLease' | 'readState' | 'writeState' | 'takeBudget'>;

export function pgCluster(ctx: PgStoreContext): PgCluster {
  return {
    async acquireLease(name, owner, ttlMs) {
      requireLeaseArgs(name, owner, ttlMs);
      const r = await ctx.query<LeaseRow>(
        `INSERT INTO cluster_leases AS l (name, owner, epoch, expires_at) VALUES ($1, $2, 1, $3)
         ON CONFLICT (name) DO UPDATE SET
           epoch = CASE WHEN l.owner = excluded.owner THEN l.epoch ELSE l.epoch + 1 END,
           owner = excluded.owner, expires_at = excluded.expires_at
         WHERE l.owner = excluded.owner OR l.expires_at <= $4
         RETURNING *`,
        [name, owner, new Date(ctx.now() + ttlMs).toISOString(), ctx.isoNow()],
      );
      return r.rows[0] ? grantFromRow(r.rows[0]) : undefined;
    },

    async releaseLease(name, owner, epoch) {
      requireLeaseArgs(name, owner);
      await ctx.query('UPDATE cluster_leases SET expires_at = $1 WHERE name = $2 AND owner = $3 AND epoch = $4', [
        new Date(0).toISOString(),
        name,
        owner,
        epoch,
      ]);
    },

    async takeBudget(budget, limits, want, nowMs) {
      requireBudgetArgs(budget, limits, want);
      // one budget's takers queue on a transaction lock: the count and the inserts are one step
      return ctx.tx(async (q) => {
        await q("SELECT pg_advisory_xact_lock(hashtext('sage-x3-shipping.budget:' || $1))", [budget]);
        await q('DELETE FROM rate_starts WHERE budget = $1 AND at <= $2', [budget, nowMs - limits.windowMs]);
        const used = (
          await q<{ n: string; oldest: string | null }>(
            'SELECT COUNT(*) AS n, MIN(at) AS oldest FROM rate_starts WHERE budget = $1',
            [budget],
          )
        ).rows[0];
        const granted = Math.max(0, Math.min(want, limits.max - Number(used.n)));
        if (granted > 0) {
          await q('INSERT INTO rate_starts (budget, at) SELECT $1, $2 FROM generate_series(1, $3)', [
            budget,
            nowMs,
            granted,
          ]);
        }
        const oldest = used.oldest === null ? undefined : Number(used.oldest);
        const waitMs = granted > 0 || oldest === undefined ? 0 : Math.max(1, oldest + limits.windowMs - nowMs);
        return { granted, waitMs };
      });
    },

    async readState(name) {
      requireStateName(name);
      const r = await ctx.query<{ value: string }>('SELECT value FROM cluster_state WHERE name = $1', [name]);
      return r.rows[0] ? (JSON.parse(r.rows[0].value) as unknown) : undefined;
    },

    async writeState(name, value, fence) {
      requireStateName(name);
      const json = stateJson(value);
      await ctx.tx(async (q) => {
        const t = ctx.isoNow();
        if (fence) {
          const held = await q(
            `SELECT 1 FROM cluster_leases WHERE name = $1 AND owner = $2 AND epoch = $3 AND expires_at > $4
             FOR SHARE`,
            [fence.lease, fence.owner, fence.epoch, t],
          );
          if (held.rowCount !== 1) throw new LeaseLostError(fence);
        }
        await q(
          `INSERT INTO cluster_state (name, value, version, updated_at) VALUES ($1, $2, 1, $3)
           ON CONFLICT (name) DO UPDATE SET value = excluded.value, version = cluster_state.version + 1,
             updated_at = excluded.updated_at`,
          [name, json, t],
        );
      });
    },
  };
}
