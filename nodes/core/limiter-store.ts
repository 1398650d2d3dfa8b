/**
 * A fixed budget shared by every Node-RED instance through the shared audit store (PostgreSQL),
 * the one shared component of a cluster: jobs queue here in arrival order and start only with a
 * start recorded in the store's sliding window (AuditStore.takeBudget, counted and recorded in one
 * locked step), so the sum over all instances stays within the budget in every window, not only
 * per instance. Starts are taken in batches (up to 50 queued jobs per round trip) so FedEx's
 * 1,400 per 10 s costs a few dozen queries a second, not one per request.
 *
 * Why not Bottleneck's Redis clustering (removed): it would add Redis as a second shared
 * component, and its Lua scripts' error matching predates Redis 7's `ERR` prefix (Bottleneck
 * issues 205, 212, 219), so on Redis 7 a shared budget fails instead of holding.
 */
import type { AuditStore } from '../audit/types';
import type { RateLimiterOptions, RequestLimiter } from './limiter';
import { enqueueJob, runJob, type QueuedJob } from './limiter-job';
import { PauseGate, stoppedError, Waits } from './limiter-waits';

/** The store's side of a shared budget (AuditStore.takeBudget, both backends). */
export type BudgetBackend = Pick<AuditStore, 'takeBudget'>;

export interface SharedBudgetOptions {
  /** The budget's name in the store: every instance using it shares it (e.g. `fedex.tx:<account>`). */
  budget: string;
  backend: BudgetBackend;
  /** The store could not be asked (jobs wait and it is asked again a second later). */
  onError?: (err: unknown) => void;
}

const BATCH = 50;
const STORE_RETRY_MS = 1000;

export function createStoreRateLimiter(options: RateLimiterOptions, shared: SharedBudgetOptions): RequestLimiter {
  const now = options.now ?? (() => Date.now());
  const minTime = Math.max(0, options.minTimeMs ?? 0);
  const maxConcurrent = options.maxConcurrent ?? Infinity;
  const limits = { max: options.max, windowMs: options.windowMs };
  const gate = new PauseGate(now);
  const waits = new Waits();
  const queue: QueuedJob[] = [];
  let running = 0;
  let lastStart = -Infinity;
  let pumping = false;
  let stopped = false;

  const start = (item: QueuedJob): void => {
    running += 1;
    runJob(item, () => {
      running -= 1;
      void pump();
    });
  };

  async function pump(): Promise<void> {
    if (pumping || stopped) return;
    pumping = true;
    try {
      while (!stopped && queue.length > 0 && running < maxConcurrent) {
        const paused = gate.remaining();
        if (paused > 0) {
          await waits.wait(paused);
          continue;
        }
        const spacing = lastStart + minTime - now();
        if (spacing > 0) {
          await waits.wait(spacing);
          continue;
        }
        const want = Math.min(queue.length, maxConcurrent - running, minTime > 0 ? 1 : BATCH, limits.max);
        let taken: { granted: number; waitMs: number };
        try {
          taken = await shared.backend.takeBudget(shared.budget, limits, want, now());
        } catch (err) {
          if (stopped) return;
          shared.onError?.(err);
          await waits.wait(STORE_RETRY_MS);
          continue;
        }
        if (taken.granted === 0) {
          await waits.wait(Math.max(1, taken.waitMs));
          continue;
        }
        lastStart = now();
        for (let i = 0; i < taken.granted && queue.length > 0; i++) start(queue.shift() as QueuedJob);
      }
    } catch {
      // a wait rejected: the limiter was stopped
    } finally {
      pumping = false;
    }
  }

  return {
    schedule: <T>(job: () => Promise<T>) => {
      if (stopped) return Promise.reject(stoppedError());
      return enqueueJob(queue, job, () => void pump());
    },
    observe: () => undefined,
    pauseUntil: (untilMs) => {
      gate.set(untilMs);
      waits.nudge();
    },
    snapshot: () => ({ queued: queue.length, running, limit: options.max }),
    stop: async () => {
      stopped = true;
      waits.stop();
      for (const item of queue.splice(0)) item.reject(stoppedError());
    },
  };
}
