/**
 * Health of the shared config nodes, read through the accessors their clients already have
 * (token status, limiter snapshots): X3 and FedEx token age, next refresh, lockout; FedEx
 * transactions left in the window; ShipStation budget left per API version. Duck-typed on
 * those accessors so this module needs neither Node-RED nor the clients' construction.
 */
import type { LimiterSnapshot } from '../core/limiter';
import type { TokenStatus } from '../core/token-cache';
import { isoOrNull, type HealthReport, type HealthValue } from './health-registry';

interface ConfigNodeLike {
  id: string;
  type: string;
  name?: string;
}

interface X3ConfigLike extends ConfigNodeLike {
  getConnection(): { tokenStatus(): TokenStatus };
}
interface FedexConfigLike extends ConfigNodeLike {
  client: { tokenStatus(): TokenStatus; limiterSnapshot(): LimiterSnapshot };
}
interface ShipStationConfigLike extends ConfigNodeLike {
  client: { has(version: 'v1' | 'v2'): boolean; budget(version: 'v1' | 'v2'): LimiterSnapshot };
}

export interface BudgetGauge {
  system: string;
  version?: string;
  remaining?: number;
  limit?: number;
  queued: number;
}

export interface ConfigHealth extends HealthReport {
  budgets: BudgetGauge[];
  /** seconds until the token expires (negative: expired), when there is one */
  tokenExpiresInSeconds?: number;
}

function tokenFacts(status: TokenStatus, now: number): Record<string, HealthValue> {
  return {
    tokenState: status.state,
    tokenAgeSeconds: status.obtainedAt !== undefined ? Math.round((now - status.obtainedAt) / 1000) : null,
    tokenExpires: isoOrNull(status.expiresAt),
    nextRefresh: isoOrNull(status.refreshAt),
    lockedUntil: isoOrNull(status.lockedUntil),
    retryAt: isoOrNull(status.retryAt),
    tokenError: status.error ?? null,
  };
}

function expiresIn(status: TokenStatus, now: number): number | undefined {
  return status.expiresAt !== undefined ? Math.round((status.expiresAt - now) / 1000) : undefined;
}

/** The report of a config node of this package, or undefined for other nodes. */
export function configHealth(node: unknown, now: number = Date.now()): ConfigHealth | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const base = node as ConfigNodeLike;
  const head = { id: base.id, type: base.type, name: base.name || undefined };
  try {
    if (base.type === 'x3-config' && typeof (node as X3ConfigLike).getConnection === 'function') {
      const status = (node as X3ConfigLike).getConnection().tokenStatus();
      return { ...head, facts: tokenFacts(status, now), budgets: [], tokenExpiresInSeconds: expiresIn(status, now) };
    }
    if (base.type === 'fedex-config' && (node as FedexConfigLike).client) {
      const client = (node as FedexConfigLike).client;
      const status = client.tokenStatus();
      const budget = client.limiterSnapshot();
      return {
        ...head,
        facts: {
          ...tokenFacts(status, now),
          transactionsLeft: budget.remaining ?? null,
          transactionLimit: budget.limit ?? null,
          queued: budget.queued,
        },
        budgets: [{ system: 'fedex', remaining: budget.remaining, limit: budget.limit, queued: budget.queued }],
        tokenExpiresInSeconds: expiresIn(status, now),
        queueDepth: budget.queued,
      };
    }
    if (base.type === 'shipstation-config' && (node as ShipStationConfigLike).client) {
      const client = (node as ShipStationConfigLike).client;
      const facts: Record<string, HealthValue> = {};
      const budgets: BudgetGauge[] = [];
      for (const version of ['v1', 'v2'] as const) {
        if (!client.has(version)) continue;
        const b = client.budget(version);
        facts[`${version}BudgetLeft`] = b.remaining ?? null;
        facts[`${version}BudgetLimit`] = b.limit ?? null;
        facts[`${version}BudgetResets`] = isoOrNull(b.resetAt);
        facts[`${version}Queued`] = b.queued;
        budgets.push({ system: 'shipstation', version, remaining: b.remaining, limit: b.limit, queued: b.queued });
      }
      return { ...head, facts, budgets, queueDepth: budgets.reduce((n, b) => n + b.queued, 0) };
    }
  } catch (err) {
    return { ...head, facts: { error: err instanceof Error ? err.message : String(err) }, budgets: [] };
  }
  return undefined;
}
