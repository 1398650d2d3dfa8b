/**
 * FedEx's OAuth thresholds and their 403 penalty apply per public IP (reference §2), not per
 * credential: every fedex-config of this process that talks to the same FedEx host shares one
 * token-request limiter (at most 3 per second) and one lockout gate. While the gate is shut no
 * request of any kind is sent to that host (FedEx answers every request with 403 during the
 * penalty, and a token request then extends it).
 */
import { createRateLimiter, type RequestLimiter } from '../core/limiter';
import { sleep } from '../core/retry';

export interface TokenRateOptions {
  max: number;
  windowMs: number;
  minTimeMs: number;
}

/** "3 tokens per second": 3 per 1 s window and at least 334 ms between two requests. */
export const DEFAULT_TOKEN_RATE: TokenRateOptions = { max: 3, windowMs: 1000, minTimeMs: 334 };

type LockListener = (lockedUntil: number | undefined) => void;

export class AuthGate {
  private lockedUntilMs = 0;
  private timer?: NodeJS.Timeout;
  private readonly listeners = new Set<LockListener>();
  refs = 0;

  constructor(
    readonly origin: string,
    readonly tokenLimiter: RequestLimiter,
    private readonly now: () => number,
  ) {}

  get lockedUntil(): number | undefined {
    return this.lockedUntilMs > this.now() ? this.lockedUntilMs : undefined;
  }

  /** Shuts the gate until `untilMs` (a later end wins) and tells every client of this host. */
  lockUntil(untilMs: number): void {
    if (untilMs <= this.lockedUntilMs) return;
    this.lockedUntilMs = untilMs;
    for (const fn of this.listeners) fn(untilMs);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.opened(), Math.max(0, untilMs - this.now()));
    this.timer.unref?.();
  }

  /** Resolves once the gate is open; rejects when the signal aborts. */
  async wait(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const ms = this.lockedUntilMs - this.now();
      if (ms <= 0) return;
      await sleep(ms, signal);
    }
  }

  onChange(fn: LockListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private opened(): void {
    this.timer = undefined;
    if (this.lockedUntilMs > this.now()) {
      this.lockUntil(this.lockedUntilMs);
      return;
    }
    for (const fn of this.listeners) fn(undefined);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
    void this.tokenLimiter.stop();
  }
}

const gates = new Map<string, AuthGate>();

/** The gate of a FedEx host, created on first use; release it when the client closes. */
export function acquireAuthGate(
  baseURL: string,
  options: { tokenRate?: Partial<TokenRateOptions>; now?: () => number } = {},
): AuthGate {
  const origin = originOf(baseURL);
  let gate = gates.get(origin);
  if (!gate) {
    const rate = { ...DEFAULT_TOKEN_RATE, ...options.tokenRate };
    gate = new AuthGate(
      origin,
      createRateLimiter({ max: rate.max, windowMs: rate.windowMs, minTimeMs: rate.minTimeMs }),
      options.now ?? Date.now,
    );
    gates.set(origin, gate);
  }
  gate.refs += 1;
  return gate;
}

export function releaseAuthGate(gate: AuthGate): void {
  gate.refs -= 1;
  if (gate.refs > 0) return;
  if (gates.get(gate.origin) === gate) gates.delete(gate.origin);
  gate.dispose();
}

function originOf(baseURL: string): string {
  try {
    return new URL(baseURL).origin;
  } catch {
    return baseURL;
  }
}
