/**
 * A budget the server announces in its responses, read from headers the caller names: what is
 * left now although responses arrive late and out of order, and when the window resets.
 */
import Bottleneck from 'bottleneck';
import type { RequestLimiter } from './limiter';
import { PauseGate, Waits } from './limiter-waits';

/** Names of the budget headers (matched case-insensitively). */
export interface BudgetHeaderNames {
  /** requests allowed per window */
  limit: string;
  /** requests left in the window */
  remaining: string;
  /** seconds until the window resets (a countdown, not an epoch) */
  reset: string;
}

export interface HeaderBudgetOptions {
  /** Budget assumed before the first response tells us the real one (40/min V1, 200/min V2). */
  defaultLimit: number;
  windowMs: number;
  /** Requests kept in hand: when the server says this many remain, wait for the reset. */
  reserve: number;
  maxConcurrent?: number;
  /** The headers the server announces its budget in (the system's client names them). */
  headers: BudgetHeaderNames;
  now?: () => number;
}

function headerNumber(headers: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted) {
      const n = Number(Array.isArray(v) ? v[0] : v);
      return Number.isFinite(n) ? n : undefined;
    }
  }
  return undefined;
}

/**
 * A budget the server announces in every response (ShipStation's X-Rate-Limit-*: shipstation/rate-headers.ts).
 *
 * Responses arrive out of order and late, so a response's Remaining is the server's count when
 * it processed that request, not now. Every job gets a sequence number when it starts; a
 * response of job `seq` saying `r` left means that now at most `r - (jobs started after seq)`
 * are left, i.e. `r + seq + 1 - started`. The tightest such bound seen in the current window
 * (`anchor`) gives what we may still spend, minus the reserve. The announced reset (or, without
 * headers, our own window) starts a new window; responses of jobs started before that are
 * ignored. A job takes its sequence number in the same synchronous step that checks the
 * budget, so concurrent starts never overspend. Until the first response of a window arrives,
 * only one request is in flight: the budget is shared with whatever else uses the key.
 */
export function createHeaderBudgetLimiter(options: HeaderBudgetOptions): RequestLimiter {
  const now = options.now ?? Date.now;
  const names = options.headers;
  const bottleneck = new Bottleneck({ maxConcurrent: options.maxConcurrent ?? null });
  const gate = new PauseGate(now);
  const waits = new Waits();
  const seqOf = new WeakMap<object, number>();
  let limit = options.defaultLimit;
  /** Jobs started so far (the next job's sequence number). */
  let started = 0;
  /** Sequence number of the first job of the current window. */
  let windowStart = 0;
  let refills = 0;
  /** Whether a response of the current window told us the server's count. */
  let countKnown = false;
  /** Server count now = anchor - started (an upper bound). */
  let anchor = limit;
  let remaining: number | undefined;
  let resetAt: number | undefined;
  let inFlight = 0;
  let refill: NodeJS.Timeout | undefined;
  let stopped = false;

  const available = (): number => Math.max(0, anchor - started - options.reserve);

  const changed = (): void => {
    waits.nudge();
  };

  const scheduleRefill = (at: number): void => {
    if (stopped) return;
    if (refill) clearTimeout(refill);
    refill = setTimeout(
      () => {
        remaining = undefined;
        resetAt = undefined;
        windowStart = started;
        refills += 1;
        countKnown = false;
        // Requests still in flight may be counted in the new window.
        anchor = limit + started - inFlight;
        changed();
        // Until a response announces the real reset, assume the next window on our own clock.
        scheduleRefill(now() + options.windowMs);
      },
      Math.max(0, at - now()),
    );
    refill.unref?.();
  };

  scheduleRefill(now() + options.windowMs);

  return {
    schedule: <T>(job: () => Promise<T>) =>
      bottleneck.schedule(async () => {
        for (;;) {
          const paused = gate.remaining();
          if (paused > 0) await waits.wait(paused);
          // Until a response of this window shows the real count (the key's budget is shared
          // with other integrations), one request at a time probes it.
          else if (available() > 0 && (countKnown || inFlight === 0)) break;
          else await waits.wait(undefined); // woken by a response or the refill
        }
        seqOf.set(job, started);
        started += 1;
        inFlight += 1;
        try {
          return await job();
        } finally {
          inFlight -= 1;
          if (!countKnown) waits.nudge();
        }
      }),
    observe: (headers, job) => {
      if (stopped) return;
      const l = headerNumber(headers, names.limit);
      const r = headerNumber(headers, names.remaining);
      const resetSec = headerNumber(headers, names.reset);
      const known = job ? seqOf.get(job) : undefined;
      if (known !== undefined && known < windowStart) return; // sent before our last reset: an old window's count
      if (l !== undefined && l > 0) limit = l;
      if (!countKnown) {
        // A response without the headers means the server does not announce them: stop probing.
        countKnown = true;
        changed();
      }
      if (r === undefined) return;
      // Without the job, assume the response reflects everything but the requests in flight.
      const seq = known ?? started - 1 - inFlight;
      remaining = r;
      anchor = Math.min(anchor, r + seq + 1);
      changed();
      // An unnamed response that may predate our last reset must not move the reset earlier.
      const current = known !== undefined || refills === 0 || seq >= windowStart;
      if (resetSec !== undefined && current) {
        // The countdown was read when the server processed the request, so this is never
        // earlier than the real reset.
        const at = now() + Math.max(0, resetSec) * 1000;
        resetAt = at;
        scheduleRefill(at);
      }
    },
    pauseUntil: (untilMs) => {
      gate.set(untilMs);
      waits.nudge();
    },
    snapshot: () => {
      const counts = bottleneck.counts();
      return {
        queued: counts.QUEUED + counts.RECEIVED,
        running: counts.RUNNING + counts.EXECUTING,
        limit,
        remaining,
        resetAt,
      };
    },
    stop: async () => {
      stopped = true;
      if (refill) clearTimeout(refill);
      waits.stop();
      await bottleneck.stop({ dropWaitingJobs: true }).catch(() => undefined);
      await bottleneck.disconnect().catch(() => undefined);
    },
  };
}
