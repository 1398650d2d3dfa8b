/**
 * One limiter type for every system: a queue that runs jobs when the budget allows. The
 * in-process fixed-budget limiter is a plain queue (Bottleneck costs ~0.4 ms of CPU per job).
 *
 * This module is the entry: the contract and the fixed-budget factory. The kinds live beside it:
 * limiter-local.ts (in-process sliding window), limiter-store.ts (the same budget shared by every
 * instance through the PostgreSQL audit store; why not Redis: see there), limiter-header-budget.ts
 * (a budget the server announces in named response headers).
 */
import { createLocalRateLimiter } from './limiter-local';
import { createStoreRateLimiter, type SharedBudgetOptions } from './limiter-store';

export type { BudgetBackend, SharedBudgetOptions } from './limiter-store';
export { createHeaderBudgetLimiter, type BudgetHeaderNames, type HeaderBudgetOptions } from './limiter-header-budget';

export interface RequestLimiter {
  schedule<T>(job: () => Promise<T>): Promise<T>;
  /**
   * Feed response headers back (header-driven budgets use them; others ignore them). `job` is
   * the function that was scheduled and produced this response: with it the limiter knows
   * which requests were sent after it and so are not reflected in the announced count yet.
   */
  observe(headers: Readonly<Record<string, unknown>>, job?: () => Promise<unknown>): void;
  /** Hold every job until `untilMs` (epoch ms), e.g. after a 429 told us to wait. */
  pauseUntil(untilMs: number): void;
  snapshot(): LimiterSnapshot;
  stop(): Promise<void>;
}

export interface LimiterSnapshot {
  queued: number;
  running: number;
  limit?: number;
  remaining?: number;
  /** epoch ms when the budget resets, when known */
  resetAt?: number;
}

export interface RateLimiterOptions {
  /** Jobs allowed per window. */
  max: number;
  windowMs: number;
  /** Minimum spacing between job starts: enforces a per-second ceiling within the window. */
  minTimeMs?: number;
  maxConcurrent?: number;
  /** The budget shared by every instance through the shared audit store (limiter-store.ts). */
  shared?: SharedBudgetOptions;
  now?: () => number;
}

/**
 * Fixed budget per window, e.g. FedEx 1,400 transactions per 10 s or 3 token requests per
 * second. Locally the budget holds in every sliding window; `shared` spends one budget for
 * every instance on the same PostgreSQL audit store.
 */
export function createRateLimiter(options: RateLimiterOptions): RequestLimiter {
  if (options.shared) return createStoreRateLimiter(options, options.shared);
  return createLocalRateLimiter(options);
}

/**
 * Two budgets a job must both pass, `outer` first (e.g. ShipStation's announced budget of this
 * instance, then the budget all instances share): headers and pauses reach both.
 */
export function chainLimiters(outer: RequestLimiter, inner: RequestLimiter): RequestLimiter {
  return {
    schedule: (job) => outer.schedule(() => inner.schedule(job)),
    observe: (headers, job) => outer.observe(headers, job),
    pauseUntil: (untilMs) => {
      outer.pauseUntil(untilMs);
      inner.pauseUntil(untilMs);
    },
    snapshot: () => outer.snapshot(),
    stop: async () => {
      await Promise.all([outer.stop(), inner.stop()]);
    },
  };
}
