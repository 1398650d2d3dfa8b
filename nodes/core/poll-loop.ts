/**
 * The scheduler of a polling node (x3-poll, shipstation-fetch), Node-RED-free. Two polls of one
 * watermark at once would read the same window twice and race on its commits, so there is one
 * poll at a time; a poll asked for while one runs waits for the poll after it, and every request
 * that arrived meanwhile shares that one follow-up (a burst of msgs costs one more poll, not one
 * each). A timer polls every interval; after failures it waits longer, the exponential bound of
 * core/retry.ts without jitter (one poller per node: nobody to spread from). close() aborts the
 * running poll through its signal and resolves once it has stopped: a closed loop starts nothing,
 * and a poll that fails because it was stopped is not a failure.
 */
import { backoffCeiling } from './retry';

export interface PollLoopOptions<C> {
  /** One poll with what its caller handed to poll(). Stops soon after `signal` aborts. */
  run: (context: C, signal: AbortSignal) => Promise<void>;
  /** Between timed polls; 0 = no timer, polls only on demand. */
  intervalMs: number;
  /**
   * After n failed polls in a row the next timed poll waits interval * 2^(n-1), at most this
   * long. Absent: always the interval.
   */
  maxBackoffMs?: number;
  /** The context a timed poll runs with. */
  timedContext: () => C;
  /** A poll failed (not because of close); `retryInMs` is the wait before the next timed poll. */
  onFailure?: (err: unknown, retryInMs: number) => void;
  /** A timed poll failed: nobody else hears of it (a poll() caller gets the rejection instead). */
  onTimedError: (err: unknown) => void;
  /** Clock of the state() times (default Date.now). */
  now?: () => number;
}

/** What an operator sees of a poller (state()): times are epoch ms. */
export interface PollLoopState {
  running: boolean;
  lastRunAt?: number;
  lastSuccessAt?: number;
  /** failed polls in a row (0 after a success) */
  consecutiveFailures: number;
  lastError?: string;
  /** when the timer polls next (undefined: no timer armed) */
  nextRunAt?: number;
}

interface Waiter<C> {
  context: C;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class PollLoop<C> {
  private readonly aborter = new AbortController();
  private running: Promise<void> | undefined;
  private waiting: Array<Waiter<C>> = [];
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastRunAt: number | undefined;
  private lastSuccessAt: number | undefined;
  private lastError: string | undefined;
  private nextRunAt: number | undefined;

  constructor(private readonly options: PollLoopOptions<C>) {}

  get closed(): boolean {
    return this.aborter.signal.aborted;
  }

  /** Read-only view for the operator console and alerts; changes nothing. */
  state(): PollLoopState {
    return {
      running: !!this.running,
      lastRunAt: this.lastRunAt,
      lastSuccessAt: this.lastSuccessAt,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
      nextRunAt: this.timer ? this.nextRunAt : undefined,
    };
  }

  /** Wait before the next timed poll: the interval, or the backoff after failures. */
  nextDelay(): number {
    const { intervalMs, maxBackoffMs } = this.options;
    if (!this.failures || maxBackoffMs === undefined) return intervalMs;
    return backoffCeiling(this.failures - 1, { baseDelayMs: intervalMs, maxDelayMs: maxBackoffMs });
  }

  /** Arms the timer: the first timed poll after `delayMs` (no timer when the interval is 0). */
  start(delayMs: number): void {
    this.schedule(delayMs);
  }

  /**
   * Runs one poll, or joins the one that follows the running poll. The follow-up runs with the
   * context of the first request that joined it. Resolves when the poll that served this request
   * ended (at once on a closed loop), rejects with its error.
   */
  poll(context: C): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) return new Promise<void>((resolve, reject) => this.waiting.push({ context, resolve, reject }));
    this.running = this.runOnce(context).finally(() => {
      this.running = undefined;
      const next = this.waiting;
      this.waiting = [];
      if (!next.length) return;
      if (this.closed) {
        for (const w of next) w.resolve();
        return;
      }
      this.poll(next[0].context).then(
        () => next.forEach((w) => w.resolve()),
        (err: unknown) => next.forEach((w) => w.reject(err)),
      );
    });
    return this.running;
  }

  /** Stops the timer and the running poll (its signal aborts); resolves once it has ended. */
  async close(): Promise<void> {
    this.aborter.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await (this.running ?? Promise.resolve()).catch(() => undefined);
  }

  private async runOnce(context: C): Promise<void> {
    const now = this.options.now ?? Date.now;
    this.lastRunAt = now();
    try {
      await this.options.run(context, this.aborter.signal);
      this.failures = 0;
      this.lastSuccessAt = now();
      this.lastError = undefined;
    } catch (err) {
      if (this.closed) return;
      this.failures += 1;
      this.lastError = err instanceof Error ? err.message : String(err);
      this.options.onFailure?.(err, this.nextDelay());
      throw err;
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.options.intervalMs <= 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextRunAt = (this.options.now ?? Date.now)() + delayMs;
    this.timer = setTimeout(() => void this.timedPoll(), delayMs);
  }

  private async timedPoll(): Promise<void> {
    this.timer = undefined;
    try {
      await this.poll(this.options.timedContext());
    } catch (err) {
      this.options.onTimedError(err);
    } finally {
      this.schedule(this.nextDelay());
    }
  }
}
