/**
 * Leases and fenced named state in the SQLite store (rules in cluster-state.ts). One process owns
 * an embedded file, so a lease there is always granted to the first live owner; the same calls
 * work on both backends, and a fenced write is refused the same way when the lease moved.
 * Writes are ledger writes (group-committed and durable before they resolve).
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
import type { SqliteStoreContext } from './sqlite-context';
import type { AuditStore, LeaseGrant } from './types';

export type SqliteCluster = Pick<
  AuditStore,
  'acquireLease' | 'releaseLease' | 'readState' | 'writeState' | 'takeBudget'
>;

export function sqliteCluster(ctx: SqliteStoreContext): SqliteCluster {
  const st = ctx.st;
  return {
    async acquireLease(name, owner, ttlMs) {
      requireLeaseArgs(name, owner, ttlMs);
      return ctx.ledgerWrite(`lease:${name}`, (): LeaseGrant | undefined => {
        const nowIso = ctx.isoNow();
        const expires = new Date(ctx.now() + ttlMs).toISOString();
        st(
          `INSERT INTO cluster_leases (name, owner, epoch, expires_at) VALUES (?, ?, 1, ?)
           ON CONFLICT(name) DO UPDATE SET
             epoch = CASE WHEN cluster_leases.owner = excluded.owner THEN cluster_leases.epoch ELSE cluster_leases.epoch + 1 END,
             owner = excluded.owner, expires_at = excluded.expires_at
           WHERE cluster_leases.owner = excluded.owner OR cluster_leases.expires_at <= ?`,
        ).run(name, owner, expires, nowIso);
        const row = st('SELECT * FROM cluster_leases WHERE name = ?').get(name) as LeaseRow | undefined;
        return row && row.owner === owner && row.expires_at === expires ? grantFromRow(row) : undefined;
      });
    },

    async releaseLease(name, owner, epoch) {
      requireLeaseArgs(name, owner);
      await ctx.ledgerWrite(`lease:${name}`, () =>
        st('UPDATE cluster_leases SET expires_at = ? WHERE name = ? AND owner = ? AND epoch = ?').run(
          new Date(0).toISOString(),
          name,
          owner,
          epoch,
        ),
      );
    },

    async takeBudget(budget, limits, want, nowMs) {
      requireBudgetArgs(budget, limits, want);
      return ctx.groupWrite(() => {
        const floor = nowMs - limits.windowMs;
        st('DELETE FROM rate_starts WHERE budget = ? AND at <= ?').run(budget, floor);
        const used = st('SELECT COUNT(*) AS n, MIN(at) AS oldest FROM rate_starts WHERE budget = ?').get(budget) as {
          n: number;
          oldest: number | null;
        };
        const granted = Math.max(0, Math.min(want, limits.max - used.n));
        const insert = st('INSERT INTO rate_starts (budget, at) VALUES (?, ?)');
        for (let i = 0; i < granted; i++) insert.run(budget, nowMs);
        const waitMs = granted > 0 || used.oldest === null ? 0 : Math.max(1, used.oldest + limits.windowMs - nowMs);
        return { granted, waitMs };
      });
    },

    async readState(name) {
      requireStateName(name);
      ctx.beforeRead();
      const row = st('SELECT value FROM cluster_state WHERE name = ?').get(name) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as unknown) : undefined;
    },

    async writeState(name, value, fence) {
      requireStateName(name);
      const json = stateJson(value);
      await ctx.ledgerWrite(`state:${name}`, () => {
        const t = ctx.isoNow();
        if (fence) {
          const held = st(
            'SELECT 1 FROM cluster_leases WHERE name = ? AND owner = ? AND epoch = ? AND expires_at > ?',
          ).get(fence.lease, fence.owner, fence.epoch, t);
          if (!held) throw new LeaseLostError(fence);
        }
        st(
          `INSERT INTO cluster_state (name, value, version, updated_at) VALUES (?, ?, 1, ?)
           ON CONFLICT(name) DO UPDATE SET value = excluded.value, version = cluster_state.version + 1,
             updated_at = excluded.updated_at`,
        ).run(name, json, t);
      });
    },
  };
}
