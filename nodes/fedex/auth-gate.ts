/**
 * FedEx's OAuth thresholds and their 403 penalty apply per public IP (reference §2), not per
 * credential: every fedex-config of this process that talks to the same FedEx host shares one
 * token-request limiter (at most 3 per second) and one lockout gate. While the gate is shut no
 * request of any kind is sent to that host (FedEx answers every request with 403 during the
 * penalty, and a token request then extends it).
 *
 * The end of a lockout outlives the gate: FedEx keeps the penalty when we redeploy or restart, so
 * it is kept per host in a process-wide registry (and, when a store is set, in a file of the user
 * dir) and a new gate of that host starts shut until then.
 */
import { createRateLimiter, type RequestLimiter } from '../core/limiter';
import { sleep } from '../core/retry';
import type { StateFile } from '../core/state-file';

export interface TokenRateOptions {
  max: number;
  windowMs: number;
  minTimeMs: number;
}

/** "3 tokens per second": 3 per 1 s window and at least 334 ms between two requests. */
export const DEFAULT_TOKEN_RATE: TokenRateOptions = { max: 3, windowMs: 1000, minTimeMs: 334 };

type LockListener = (lockedUntil: number | undefined) => void;

/** Where lockout ends outlive the process (a state file today; the shared store later). */
export interface LockoutStore {
  /** End time (epoch ms) per FedEx origin. */
  load(): Record<string, number>;
  save(ends: Record<string, number>): void;
}

/** Lockout ends in a state file of the user dir (removed when no lockout is running). */
export function fileLockoutStore(file: StateFile<Record<string, number>>): LockoutStore {
  return {
    load: () => file.read() ?? {},
    save: (ends) => (Object.keys(ends).length ? file.write(ends) : file.remove()),
  };
}

/**
 * Lockout ends per FedEx origin. Ended lockouts are dropped on every write, so it holds at most
 * one entry per FedEx host that is locked out right now.
 */
export class LockoutRegistry {
  private readonly ends = new Map<string, number>();
  private store?: LockoutStore;
  private loaded = true;

  /** Persist lockouts there (and read the ones a previous process left). */
  useStore(store: LockoutStore | undefined): void {
    this.store = store;
    this.loaded = !store;
  }

  endOf(origin: string, now: number): number | undefined {
    this.load();
    const end = this.ends.get(origin);
    return end !== undefined && end > now ? end : undefined;
  }

  record(origin: string, untilMs: number, now: number): void {
    this.load();
    if ((this.ends.get(origin) ?? 0) >= untilMs) return;
    this.ends.set(origin, untilMs);
    for (const [o, end] of this.ends) if (end <= now) this.ends.delete(o);
    try {
      this.store?.save(Object.fromEntries(this.ends));
    } catch {
      // the lockout still holds in this process; a restart within it would ask FedEx once too early
    }
  }

  /** Forgets every lockout (tests that lock a simulator's port out for a long time). */
  clear(): void {
    this.ends.clear();
    try {
      this.store?.save({});
    } catch {
      // nothing more to do
    }
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    let stored: Record<string, number> = {};
    try {
      stored = this.store?.load() ?? {};
    } catch {
      // an unreadable file counts as no lockout: FedEx's 403 will tell us again
    }
    for (const [origin, end] of Object.entries(stored)) {
      if (typeof end === 'number' && end > (this.ends.get(origin) ?? 0)) this.ends.set(origin, end);
    }
  }
}

/** The registry every gate of this process reports to. */
export const authLockouts = new LockoutRegistry();

export class AuthGate {
  private lockedUntilMs = 0;
  private timer?: NodeJS.Timeout;
  private readonly listeners = new Set<LockListener>();
  refs = 0;

  constructor(
    readonly origin: string,
    readonly tokenLimiter: RequestLimiter,
    private readonly now: () => number,
    private readonly registry: LockoutRegistry = authLockouts,
  ) {
    const end = registry.endOf(origin, now());
    if (end !== undefined) this.lockUntil(end);
  }

  get lockedUntil(): number | undefined {
    return this.lockedUntilMs > this.now() ? this.lockedUntilMs : undefined;
  }

  /** Shuts the gate until `untilMs` (a later end wins) and tells every client of this host. */
  lockUntil(untilMs: number): void {
    if (untilMs <= this.lockedUntilMs) return;
    this.lockedUntilMs = untilMs;
    this.registry.record(this.origin, untilMs, this.now());
    for (const fn of this.listeners) fn(untilMs);
    this.arm();
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

  /** The timer that reports the end of the lockout to the listeners. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.opened(), Math.max(0, this.lockedUntilMs - this.now()));
    this.timer.unref?.();
  }

  private opened(): void {
    this.timer = undefined;
    // a timer may run out before `now` reaches the end (another clock): wait for the rest
    if (this.lockedUntilMs > this.now()) {
      this.arm();
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

/**
 * The gate of a FedEx host, created on first use (shut when the registry knows a running lockout);
 * release it when the client closes.
 */
export function acquireAuthGate(
  baseURL: string,
  options: { tokenRate?: Partial<TokenRateOptions>; now?: () => number; registry?: LockoutRegistry } = {},
): AuthGate {
  const origin = originOf(baseURL);
  let gate = gates.get(origin);
  if (!gate) {
    const rate = { ...DEFAULT_TOKEN_RATE, ...options.tokenRate };
    gate = new AuthGate(
      origin,
      createRateLimiter({ max: rate.max, windowMs: rate.windowMs, minTimeMs: rate.minTimeMs }),
      options.now ?? Date.now,
      options.registry,
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
