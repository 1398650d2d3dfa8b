import Bottleneck from 'bottleneck';

/**
 * One limiter type for every system: a queue that runs jobs when the budget allows. Built on
 * Bottleneck so that several Node-RED instances can share one budget through Redis.
 */
export interface RequestLimiter {
  schedule<T>(job: () => Promise<T>): Promise<T>;
  /** Feed response headers back (header-driven budgets use them; others ignore them). */
  observe(headers: Readonly<Record<string, unknown>>): void;
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

export interface ClusterOptions {
  /** Shared limiter id: every instance using the same id shares the budget. */
  id: string;
  /** ioredis connection options or URL. ioredis is an optional peer dependency. */
  redis: string | Record<string, unknown>;
}

export interface RateLimiterOptions {
  /** Jobs allowed per window. */
  max: number;
  windowMs: number;
  /** Minimum spacing between job starts: enforces a per-second ceiling within the window. */
  minTimeMs?: number;
  maxConcurrent?: number;
  cluster?: ClusterOptions;
  now?: () => number;
}

function clusterSettings(cluster: ClusterOptions | undefined): Bottleneck.ConstructorOptions {
  if (!cluster) return {};
  try {
    require.resolve('ioredis');
  } catch {
    throw new Error(
      'Shared rate limits need the optional package "ioredis": run "npm install ioredis" in your Node-RED user directory',
    );
  }
  return {
    id: cluster.id,
    datastore: 'ioredis',
    clearDatastore: false,
    // ioredis accepts either a URL or an options object as its first argument.
    clientOptions: cluster.redis,
  } as Bottleneck.ConstructorOptions;
}

/** Pause gate shared by both limiter kinds: jobs wait while a server-imposed pause lasts. */
class PauseGate {
  private until = 0;
  constructor(private readonly now: () => number) {}
  set(untilMs: number): void {
    this.until = Math.max(this.until, untilMs);
  }
  async wait(): Promise<void> {
    for (;;) {
      const delay = this.until - this.now();
      if (delay <= 0) return;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * Fixed budget per window (Bottleneck reservoir), e.g. FedEx 1,400 transactions per 10 s or
 * 3 token requests per second.
 */
export function createRateLimiter(options: RateLimiterOptions): RequestLimiter {
  const now = options.now ?? Date.now;
  const bottleneck = new Bottleneck({
    reservoir: options.max,
    reservoirRefreshAmount: options.max,
    reservoirRefreshInterval: options.windowMs,
    minTime: options.minTimeMs ?? 0,
    maxConcurrent: options.maxConcurrent ?? null,
    ...clusterSettings(options.cluster),
  });
  const gate = new PauseGate(now);
  return {
    schedule: <T>(job: () => Promise<T>) =>
      bottleneck.schedule(async () => {
        await gate.wait();
        return job();
      }),
    observe: () => undefined,
    pauseUntil: (untilMs) => gate.set(untilMs),
    snapshot: () => {
      const counts = bottleneck.counts();
      return {
        queued: counts.QUEUED + counts.RECEIVED,
        running: counts.RUNNING + counts.EXECUTING,
        limit: options.max,
      };
    },
    stop: async () => {
      await bottleneck.stop({ dropWaitingJobs: true }).catch(() => undefined);
      await bottleneck.disconnect().catch(() => undefined);
    },
  };
}

export interface HeaderBudgetOptions {
  /** Budget assumed before the first response tells us the real one (40/min V1, 200/min V2). */
  defaultLimit: number;
  windowMs: number;
  /** Requests kept in hand: when the server says this many remain, wait for the reset. */
  reserve: number;
  maxConcurrent?: number;
  /** Header names (case-insensitive). */
  headers?: { limit: string; remaining: string; reset: string };
  cluster?: ClusterOptions;
  now?: () => number;
}

const SHIPSTATION_HEADERS = {
  limit: 'x-rate-limit-limit',
  remaining: 'x-rate-limit-remaining',
  reset: 'x-rate-limit-reset',
};

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
 * A budget the server announces in every response (ShipStation X-Rate-Limit-*): Bottleneck's
 * reservoir holds what we may still spend; each response resets it to what the server says is
 * left (minus the reserve and the requests still in flight), and the reset time refills it.
 */
export function createHeaderBudgetLimiter(options: HeaderBudgetOptions): RequestLimiter {
  const now = options.now ?? Date.now;
  const names = options.headers ?? SHIPSTATION_HEADERS;
  const usable = (n: number): number => Math.max(0, n - options.reserve);
  const bottleneck = new Bottleneck({
    reservoir: usable(options.defaultLimit),
    maxConcurrent: options.maxConcurrent ?? null,
    ...clusterSettings(options.cluster),
  });
  const gate = new PauseGate(now);
  let limit = options.defaultLimit;
  let remaining: number | undefined;
  let resetAt: number | undefined;
  let inFlight = 0;
  let refill: NodeJS.Timeout | undefined;
  let stopped = false;

  const scheduleRefill = (at: number): void => {
    if (stopped) return;
    if (refill) clearTimeout(refill);
    refill = setTimeout(
      () => {
        remaining = undefined;
        resetAt = undefined;
        void bottleneck.updateSettings({ reservoir: usable(limit) });
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
        await gate.wait();
        inFlight += 1;
        try {
          return await job();
        } finally {
          inFlight -= 1;
        }
      }),
    observe: (headers) => {
      const l = headerNumber(headers, names.limit);
      const r = headerNumber(headers, names.remaining);
      const resetSec = headerNumber(headers, names.reset);
      if (l !== undefined && l > 0) limit = l;
      if (r === undefined) return;
      remaining = r;
      // This response's own request has finished; the others still running will spend more.
      const othersRunning = Math.max(0, inFlight - 1);
      void bottleneck.updateSettings({ reservoir: Math.max(0, usable(r) - othersRunning) });
      if (resetSec !== undefined) {
        const at = now() + Math.max(0, resetSec) * 1000;
        resetAt = at;
        scheduleRefill(at);
      }
    },
    pauseUntil: (untilMs) => gate.set(untilMs),
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
      await bottleneck.stop({ dropWaitingJobs: true }).catch(() => undefined);
      await bottleneck.disconnect().catch(() => undefined);
    },
  };
}
