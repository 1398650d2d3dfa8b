/**
 * The in-process fixed-budget limiter: a plain FIFO queue drained by one timer (Bottleneck costs
 * ~0.4 ms of CPU per job, too much at FedEx's 1,400 transactions per 10 s).
 */
import type { RateLimiterOptions, RequestLimiter } from './limiter';
import { enqueueJob, runJob, type QueuedJob } from './limiter-job';
import { PauseGate, stoppedError } from './limiter-waits';
import { SlidingWindow } from './limiter-window';

/**
 * The in-process limiter: a FIFO queue drained by one timer. A job starts only when the pause is
 * over, fewer than `max` jobs ran in the last `windowMs` (a job holds its slot until `windowMs`
 * after it ended: limiter-window.ts), `minTimeMs` passed since the last
 * start and fewer than `maxConcurrent` run; otherwise one timer is armed for the earliest moment
 * that can change. Jobs that may start now start in the same turn as schedule() (no per-job
 * timer or promise chain: at FedEx's 1,400 per 10 s the limiter must cost next to nothing).
 */
export function createLocalRateLimiter(options: RateLimiterOptions): RequestLimiter {
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
    window.end(now());
    if (queued() > 0) drain();
  };

  const start = (item: QueuedJob): void => {
    running += 1;
    runJob(item, settled);
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
        if (wait === Infinity) return; // every slot held by a running job: its end drains again
        if (wait > 0) return arm(wait);
        window.begin();
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
      return enqueueJob(queue, job, drain);
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
