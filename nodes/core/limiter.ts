import Bottleneck from 'bottleneck';

/**
 * One limiter type for every system: a queue that runs jobs when the budget allows. Shared
 * budgets (several Node-RED instances, through Redis) are built on Bottleneck; the in-process
 * fixed-budget limiter is a plain queue (Bottleneck costs ~0.4 ms of CPU per job).
 */
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
  /** ms left of the pause, 0 when none. */
  remaining(): number {
    return Math.max(0, this.until - this.now());
  }
}

/**
 * Timers and wake-ups of jobs that wait inside a limiter, released all at once by `stop()` so a
 * closing config node leaves no timer or hanging job behind.
 */
class Waits {
  private readonly sleepers = new Set<{ timer?: NodeJS.Timeout; wake: () => void; fail: (err: Error) => void }>();
  private stopped = false;

  /** Resolves after `ms`, or earlier when `nudge()` is called; rejects when stopped. */
  wait(ms: number | undefined): Promise<void> {
    if (this.stopped) return Promise.reject(stoppedError());
    return new Promise<void>((resolve, reject) => {
      const sleeper = {
        timer: undefined as NodeJS.Timeout | undefined,
        wake: () => {
          if (sleeper.timer) clearTimeout(sleeper.timer);
          this.sleepers.delete(sleeper);
          resolve();
        },
        fail: (err: Error) => {
          if (sleeper.timer) clearTimeout(sleeper.timer);
          this.sleepers.delete(sleeper);
          reject(err);
        },
      };
      if (ms !== undefined) sleeper.timer = setTimeout(sleeper.wake, Math.max(1, ms));
      this.sleepers.add(sleeper);
    });
  }

  /** Wake every waiter so it re-checks its condition (budget changed). */
  nudge(): void {
    for (const s of [...this.sleepers]) s.wake();
  }

  stop(): void {
    this.stopped = true;
    for (const s of [...this.sleepers]) s.fail(stoppedError());
  }
}

function stoppedError(): Error {
  return new Error('rate limiter stopped');
}

/**
 * Start times of the jobs of the last `windowMs`, oldest first, in a ring that grows when needed:
 * O(1) per start however large `max` is (a budget of 10^9 keeps only the starts of one window).
 */
class StartLog {
  private buf: number[] = new Array<number>(16);
  private head = 0;
  size = 0;

  oldest(): number {
    return this.buf[this.head];
  }

  dropOldest(): void {
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.size -= 1;
  }

  push(t: number): void {
    if (this.size === this.buf.length) {
      const grown = new Array<number>(this.buf.length * 2);
      for (let i = 0; i < this.size; i++) grown[i] = this.buf[(this.head + i) & (this.buf.length - 1)];
      this.buf = grown;
      this.head = 0;
    }
    this.buf[(this.head + this.size) & (this.buf.length - 1)] = t;
    this.size += 1;
  }
}

/**
 * Start times of the last `max` jobs: a job may start only when fewer than `max` started within
 * the last `windowMs`, i.e. in every sliding window, not only in windows aligned to our timer.
 * A fixed window alone lets up to 2 x max through around a window boundary (max just before it,
 * max just after), which at the FedEx token endpoint means a 10-minute lockout.
 */
class SlidingWindow {
  private readonly starts = new StartLog();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** 0 when a job may start at `t` (and records it), else ms until the oldest start leaves the window. */
  tryStart(t: number): number {
    const wait = this.waitAt(t);
    if (wait === 0) this.starts.push(t);
    return wait;
  }

  /** 0 when a job may start at `t`, else ms until the oldest start leaves the window. */
  waitAt(t: number): number {
    const starts = this.starts;
    while (starts.size > 0 && starts.oldest() <= t - this.windowMs) starts.dropOldest();
    return starts.size < this.max ? 0 : starts.oldest() + this.windowMs - t;
  }

  record(t: number): void {
    this.starts.push(t);
  }
}

/**
 * Fixed budget per window, e.g. FedEx 1,400 transactions per 10 s or 3 token requests per
 * second. Locally the budget holds in every sliding window; with a cluster the Bottleneck
 * reservoir in Redis shares it between instances as well.
 */
export function createRateLimiter(options: RateLimiterOptions): RequestLimiter {
  return options.cluster ? createSharedRateLimiter(options, options.cluster) : createLocalRateLimiter(options);
}

interface QueuedJob {
  job: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * The in-process limiter: a FIFO queue drained by one timer. A job starts only when the pause is
 * over, fewer than `max` jobs started in the last `windowMs`, `minTimeMs` passed since the last
 * start and fewer than `maxConcurrent` run; otherwise one timer is armed for the earliest moment
 * that can change. Jobs that may start now start in the same turn as schedule() (no per-job
 * timer or promise chain: at FedEx's 1,400 per 10 s the limiter must cost next to nothing).
 */
function createLocalRateLimiter(options: RateLimiterOptions): RequestLimiter {
  const now = options.now ?? (() => Date.now());
  const minTime = Math.max(0, options.minTimeMs ?? 0);
  const maxConcurrent = options.maxConcurrent ?? Infinity;
  const gate = new PauseGate(now);
  const window = new SlidingWindow(options.max, options.windowMs);
  const queue: QueuedJob[] = [];
  let head = 0;
  let running = 0;
  let lastStart = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let draining = false;
  let stopped = false;

  const queued = (): number => queue.length - head;

  const arm = (ms: number): void => {
    const at = now() + ms;
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = Infinity;
        drain();
      },
      Math.max(1, ms),
    );
  };

  const settled = (): void => {
    running -= 1;
    if (queued() > 0) drain();
  };

  const start = (item: QueuedJob): void => {
    running += 1;
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(item.job());
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (value) => {
        settled();
        item.resolve(value);
      },
      (err: unknown) => {
        settled();
        item.reject(err);
      },
    );
  };

  function drain(): void {
    // A job that schedules another job from inside its synchronous part lands here again: the
    // loop already running picks it up.
    if (draining || stopped) return;
    draining = true;
    try {
      while (queued() > 0) {
        if (running >= maxConcurrent) return; // a finishing job drains again
        const t = now();
        const paused = gate.remaining();
        if (paused > 0) return arm(paused);
        const spacing = lastStart + minTime - t;
        if (spacing > 0) return arm(spacing);
        const wait = window.waitAt(t);
        if (wait > 0) return arm(wait);
        window.record(t);
        lastStart = t;
        const item = queue[head];
        queue[head] = undefined as unknown as QueuedJob;
        head += 1;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        } else if (head >= 1024 && head * 2 >= queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        start(item);
      }
    } finally {
      draining = false;
    }
  }

  return {
    schedule: <T>(job: () => Promise<T>) => {
      if (stopped) return Promise.reject(stoppedError());
      return new Promise<T>((resolve, reject) => {
        queue.push({ job, resolve: resolve as (value: unknown) => void, reject });
        drain();
      });
    },
    observe: () => undefined,
    pauseUntil: (untilMs) => {
      gate.set(untilMs);
      // a timer armed for an earlier start re-checks the pause when it fires
    },
    snapshot: () => ({ queued: queued(), running, limit: options.max }),
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const dropped = queue.slice(head);
      queue.length = 0;
      head = 0;
      for (const item of dropped) item.reject(stoppedError());
    },
  };
}

/** The same budget shared through Redis: Bottleneck's reservoir across instances, our sliding window locally. */
function createSharedRateLimiter(options: RateLimiterOptions, cluster: ClusterOptions): RequestLimiter {
  const now = options.now ?? Date.now;
  const bottleneck = new Bottleneck({
    reservoir: options.max,
    reservoirRefreshAmount: options.max,
    reservoirRefreshInterval: options.windowMs,
    minTime: options.minTimeMs ?? 0,
    maxConcurrent: options.maxConcurrent ?? null,
    ...clusterSettings(cluster),
  });
  const gate = new PauseGate(now);
  const window = new SlidingWindow(options.max, options.windowMs);
  const waits = new Waits();
  return {
    schedule: <T>(job: () => Promise<T>) =>
      bottleneck.schedule(async () => {
        for (;;) {
          const paused = gate.remaining();
          if (paused > 0) {
            await waits.wait(paused);
            continue;
          }
          const wait = window.tryStart(now());
          if (wait === 0) break;
          await waits.wait(wait);
        }
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
      waits.stop();
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
 * A budget the server announces in every response (ShipStation X-Rate-Limit-*).
 *
 * Responses arrive out of order and late, so a response's Remaining is the server's count when
 * it processed that request, not now. Every job gets a sequence number when it starts; a
 * response of job `seq` saying `r` left means that now at most `r - (jobs started after seq)`
 * are left, i.e. `r + seq + 1 - started`. The tightest such bound seen in the current window
 * (`anchor`) gives what we may still spend, minus the reserve. The announced reset (or, without
 * headers, our own window) starts a new window; responses of jobs started before that are
 * ignored. A job takes its sequence number in the same synchronous step that checks the
 * budget, so concurrent starts never overspend. Until the first response of a window arrives,
 * only one request is in flight: the budget is shared with whatever else uses the key. With a cluster the Bottleneck reservoir in Redis
 * is kept at the same value so other instances see the server's count too.
 */
export function createHeaderBudgetLimiter(options: HeaderBudgetOptions): RequestLimiter {
  const now = options.now ?? Date.now;
  const names = options.headers ?? SHIPSTATION_HEADERS;
  const shared = options.cluster !== undefined;
  const bottleneck = new Bottleneck({
    ...(shared ? { reservoir: Math.max(0, options.defaultLimit - options.reserve) } : {}),
    maxConcurrent: options.maxConcurrent ?? null,
    ...clusterSettings(options.cluster),
  });
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
    if (shared) void bottleneck.updateSettings({ reservoir: available() });
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
