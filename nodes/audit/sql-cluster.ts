/**
 * Leases, fenced named state and shared request budgets (both backends, sql-dialect.ts; rules in
 * cluster-state.ts): the leader election of the pollers of several instances. Taking a lease is
 * one conditional upsert. A fenced write reads the lease row FOR SHARE in its transaction on
 * PostgreSQL, so a takeover that commits first makes the write fail, and one that comes later
 * waits until the write committed; SQLite's one writer at a time gives the same order. Expiry is
 * judged by the store's clock (instances' clocks are expected NTP-synchronised; the fence, not
 * the clock, is what keeps a late leader's write out). On SQLite one process owns the file, so
 * a lease there is granted to the first live owner.
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
import { sql, type SqlBackend, type SqlOp } from './sql-dialect';
import type { AuditStore, LeaseGrant } from './types';

export type SqlCluster = Pick<AuditStore, 'acquireLease' | 'releaseLease' | 'readState' | 'writeState' | 'takeBudget'>;

export function sqlCluster(db: SqlBackend): SqlCluster {
  return {
    async acquireLease(name, owner, ttlMs) {
      requireLeaseArgs(name, owner, ttlMs);
      return db.write(
        function* (): SqlOp<LeaseGrant | undefined> {
          const r = yield* sql<LeaseRow>(
            `INSERT INTO cluster_leases (name, owner, epoch, expires_at) VALUES (?, ?, 1, ?)
             ON CONFLICT (name) DO UPDATE SET
               epoch = CASE WHEN cluster_leases.owner = excluded.owner THEN cluster_leases.epoch ELSE cluster_leases.epoch + 1 END,
               owner = excluded.owner, expires_at = excluded.expires_at
             WHERE cluster_leases.owner = excluded.owner OR cluster_leases.expires_at <= ?
             RETURNING *`,
            name,
            owner,
            new Date(db.now() + ttlMs).toISOString(),
            db.isoNow(),
          );
          return r.rows[0] ? grantFromRow(r.rows[0]) : undefined;
        },
        { durableKey: `lease:${name}` },
      );
    },

    async releaseLease(name, owner, epoch) {
      requireLeaseArgs(name, owner);
      await db.write(
        function* () {
          yield* sql(
            'UPDATE cluster_leases SET expires_at = ? WHERE name = ? AND owner = ? AND epoch = ?',
            new Date(0).toISOString(),
            name,
            owner,
            epoch,
          );
        },
        { durableKey: `lease:${name}` },
      );
    },

    async takeBudget(budget, limits, want, nowMs) {
      requireBudgetArgs(budget, limits, want);
      // one budget's takers queue on the write lock: the count and the inserts are one step
      return db.write(
        function* () {
          const lock = db.dialect.lock("'sage-x3-shipping.budget:' || ?", budget);
          if (lock) yield* sql(lock.sql, ...lock.params);
          yield* sql('DELETE FROM rate_starts WHERE budget = ? AND at <= ?', budget, nowMs - limits.windowMs);
          const used = (yield* sql<{ n: number | string; oldest: number | string | null }>(
            'SELECT COUNT(*) AS n, MIN(at) AS oldest FROM rate_starts WHERE budget = ?',
            budget,
          )).rows[0];
          const granted = Math.max(0, Math.min(want, limits.max - Number(used.n)));
          if (granted > 0) {
            yield* sql(
              `WITH RECURSIVE starts(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM starts WHERE i < ?)
               INSERT INTO rate_starts (budget, at) SELECT ?, ? FROM starts`,
              granted,
              budget,
              nowMs,
            );
          }
          const oldest = used.oldest === null ? undefined : Number(used.oldest);
          const waitMs = granted > 0 || oldest === undefined ? 0 : Math.max(1, oldest + limits.windowMs - nowMs);
          return { granted, waitMs };
        },
        { atomic: true },
      );
    },

    async readState(name) {
      requireStateName(name);
      return db.read(function* () {
        const r = yield* sql<{ value: string }>('SELECT value FROM cluster_state WHERE name = ?', name);
        return r.rows[0] ? (JSON.parse(r.rows[0].value) as unknown) : undefined;
      });
    },

    async writeState(name, value, fence) {
      requireStateName(name);
      const json = stateJson(value);
      await db.write(
        function* () {
          const t = db.isoNow();
          if (fence) {
            const held = yield* sql(
              `SELECT 1 FROM cluster_leases WHERE name = ? AND owner = ? AND epoch = ? AND expires_at > ?${db.dialect.forShare}`,
              fence.lease,
              fence.owner,
              fence.epoch,
              t,
            );
            if (held.rows.length !== 1) throw new LeaseLostError(fence);
          }
          yield* sql(
            `INSERT INTO cluster_state (name, value, version, updated_at) VALUES (?, ?, 1, ?)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, version = cluster_state.version + 1,
               updated_at = excluded.updated_at`,
            name,
            json,
            t,
          );
        },
        { durableKey: `state:${name}`, atomic: true },
      );
    },
  };
}
