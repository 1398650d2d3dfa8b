// Fixed-window request budget per credential, driven by the sim's clock.
// ShipStation reports `X-Rate-Limit-Reset` as seconds until the current window ends, which
// implies fixed windows rather than a sliding log; a window opens with the first request
// after the previous one expired.

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the window resets (a countdown, not an epoch). */
  resetSeconds: number;
}

interface Window {
  start: number;
  count: number;
}

export class FixedWindowLimiter {
  private windows = new Map<string, Window>();

  constructor(private readonly now: () => number) {}

  private windowFor(key: string, windowMs: number): Window {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t >= w.start + windowMs) {
      w = { start: t, count: 0 };
      this.windows.set(key, w);
    }
    return w;
  }

  private decision(w: Window, limit: number, windowMs: number, allowed: boolean): RateDecision {
    const msLeft = Math.max(0, w.start + windowMs - this.now());
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - w.count),
      resetSeconds: Math.ceil(msLeft / 1000),
    };
  }

  /** Counts one request if the budget allows it. */
  take(key: string, limit: number, windowMs: number): RateDecision {
    const w = this.windowFor(key, windowMs);
    if (w.count >= limit) return this.decision(w, limit, windowMs, false);
    w.count += 1;
    return this.decision(w, limit, windowMs, true);
  }

  /** Current figures without counting (for forced 429s). */
  peek(key: string, limit: number, windowMs: number): RateDecision {
    const w = this.windowFor(key, windowMs);
    return { ...this.decision(w, limit, windowMs, false), remaining: 0 };
  }

  reset(): void {
    this.windows.clear();
  }
}
