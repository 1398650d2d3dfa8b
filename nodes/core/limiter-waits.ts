/**
 * How a job waits inside a limiter: a pause the server imposed (a 429), and sleeps that a budget
 * change wakes early. `stop()` releases every sleep at once, so a closing config node leaves no
 * timer or hanging job behind.
 */

/** Pause gate shared by the limiter kinds: jobs wait while a server-imposed pause lasts. */
export class PauseGate {
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
export class Waits {
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

/** What a job still queued or waiting in a stopped limiter is rejected with. */
export function stoppedError(): Error {
  return new Error('rate limiter stopped');
}
