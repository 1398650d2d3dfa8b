/**
 * The one token cache (X3 JWT/OAuth2, FedEx OAuth): single-flight requests, refresh before expiry,
 * invalidation on a 401, its own limiter for token requests, a lockout after repeated failures,
 * and 'status' events that the nodes of a config show (shared/use-token-config.ts).
 */
import { EventEmitter } from 'node:events';
import { ApiError, type SystemName } from './errors';
import type { RequestLimiter } from './limiter';
import { incCounter } from './metrics';
import { backoffDelay, type BackoffPolicy } from './retry';

export interface TokenGrant {
  token: string;
  /** Lifetime the issuer announced (expires_in), in ms. */
  expiresInMs: number;
}

/** What the HTTP client needs from any credential source. */
export interface TokenProvider {
  get(): Promise<string>;
  /** Called after a 401 with the token that was refused; other tokens are left alone. */
  invalidate(token: string): void;
}

export type TokenState = 'idle' | 'refreshing' | 'ok' | 'failed' | 'locked';

export interface TokenStatus {
  state: TokenState;
  /** epoch ms */
  expiresAt?: number;
  /** epoch ms the current token was asked for (its age, for the operator console) */
  obtainedAt?: number;
  /** epoch ms from which the next get() replaces it (refresh age or margin, whichever first) */
  refreshAt?: number;
  lockedUntil?: number;
  retryAt?: number;
  error?: string;
}

export interface TokenCacheOptions {
  system: SystemName;
  fetchToken: () => Promise<TokenGrant>;
  /** Refresh once the token is this old (X3: 240 s for a 300 s token). */
  refreshAfterMs?: number;
  /** Refresh once this little lifetime is left (FedEx: a few minutes of the hour). */
  refreshMarginMs?: number;
  /** Limits token requests (FedEx: at most 3 per second per IP). */
  limiter?: RequestLimiter;
  /** Returns the lockout length in ms when an error means the issuer locked us out. */
  lockoutOf?: (err: unknown) => number | undefined;
  /** Wait between failed token requests, growing with consecutive failures. */
  failureBackoff?: BackoffPolicy;
  now?: () => number;
  random?: () => number;
}

interface Current {
  token: string;
  obtainedAt: number;
  expiresAt: number;
}

/**
 * One token per credential set, shared by every node using the config: concurrent callers share
 * one in-flight request, the token is replaced before it gets old, a 401 invalidates only the
 * token it was sent with, and failures (and lockouts) hold further requests back instead of
 * hammering the issuer.
 */
export class TokenCache extends EventEmitter implements TokenProvider {
  private current?: Current;
  private inFlight?: Promise<string>;
  private failures = 0;
  private blockedUntil = 0;
  private lastError?: ApiError;
  private lockedUntil = 0;
  private closed = false;
  private readonly now: () => number;
  private status: TokenStatus = { state: 'idle' };

  constructor(private readonly options: TokenCacheOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  get(): Promise<string> {
    if (this.closed) return Promise.reject(this.closedError());
    const cur = this.current;
    if (cur && !this.isStale(cur)) return Promise.resolve(cur.token);
    return this.refresh();
  }

  invalidate(token: string): void {
    if (this.current && this.current.token === token) this.current = undefined;
  }

  /** Forget the token (e.g. credentials changed). */
  clear(): void {
    this.current = undefined;
  }

  getStatus(): TokenStatus {
    return { ...this.status };
  }

  close(): void {
    this.closed = true;
    this.current = undefined;
    this.removeAllListeners();
  }

  private isStale(cur: Current): boolean {
    const t = this.now();
    const { refreshAfterMs, refreshMarginMs = 0 } = this.options;
    if (refreshAfterMs !== undefined && t - cur.obtainedAt >= refreshAfterMs) return true;
    return t >= cur.expiresAt - refreshMarginMs;
  }

  private refresh(): Promise<string> {
    if (this.inFlight) return this.inFlight;
    const t = this.now();
    if (this.lockedUntil > t || (this.blockedUntil > t && this.lastError)) {
      // The issuer is not asked again yet; a token that has not expired still works meanwhile.
      const usable = this.usableToken();
      if (usable !== undefined) return Promise.resolve(usable);
      return Promise.reject(this.lockedUntil > t ? this.lockedError() : this.lastError);
    }
    this.setStatus({ state: 'refreshing' });
    // `.finally` runs asynchronously, so inFlight is cleared only after it was set even when
    // fetchToken throws synchronously (an `async` IIFE's own finally would run first).
    const request = this.fetchAndStore().finally(() => {
      if (this.inFlight === request) this.inFlight = undefined;
    });
    this.inFlight = request;
    return request;
  }

  private async fetchAndStore(): Promise<string> {
    let grant: TokenGrant;
    // The issuer starts the lifetime when it answers, somewhere after we sent the request:
    // counting from the send time (after any limiter wait) errs on the early side.
    let sentAt = this.now();
    incCounter('token_requests_total', { system: this.options.system });
    try {
      const fetch = () => {
        sentAt = this.now();
        return this.options.fetchToken();
      };
      grant = this.options.limiter ? await this.options.limiter.schedule(fetch) : await fetch();
    } catch (err) {
      const failure = this.onFailure(err);
      // A proactive refresh failed but the old token has not expired: keep using it until the
      // backoff allows another attempt (the status already shows the failure).
      const usable = this.usableToken();
      if (usable !== undefined) return usable;
      throw failure;
    }
    if (this.closed) throw this.closedError();
    const obtainedAt = sentAt;
    this.current = { token: grant.token, obtainedAt, expiresAt: obtainedAt + grant.expiresInMs };
    this.failures = 0;
    this.lastError = undefined;
    const { refreshAfterMs, refreshMarginMs = 0 } = this.options;
    const refreshAt = Math.min(
      this.current.expiresAt - refreshMarginMs,
      refreshAfterMs !== undefined ? obtainedAt + refreshAfterMs : Number.POSITIVE_INFINITY,
    );
    this.setStatus({ state: 'ok', expiresAt: this.current.expiresAt, obtainedAt, refreshAt });
    return grant.token;
  }

  /** The current token when it has not expired yet (stale for refresh purposes is fine). */
  private usableToken(): string | undefined {
    const cur = this.current;
    return cur && this.now() < cur.expiresAt ? cur.token : undefined;
  }

  private onFailure(err: unknown): ApiError {
    const lockMs = this.options.lockoutOf?.(err);
    if (lockMs !== undefined) {
      this.lockedUntil = this.now() + lockMs;
      const locked = this.lockedError();
      this.setStatus({ state: 'locked', lockedUntil: this.lockedUntil, error: locked.message });
      return locked;
    }
    const policy = this.options.failureBackoff ?? { baseDelayMs: 1000, maxDelayMs: 60_000 };
    // At least the base delay, so a broken credential is not retried in a tight loop.
    const wait = policy.baseDelayMs + backoffDelay(this.failures, policy, this.options.random);
    this.failures += 1;
    this.blockedUntil = this.now() + wait;
    const apiErr =
      err instanceof ApiError
        ? err
        : new ApiError({
            system: this.options.system,
            code: 'TOKEN_REQUEST_FAILED',
            message: `token request failed: ${err instanceof Error ? err.message : String(err)}`,
            retryable: true,
          });
    this.lastError = apiErr;
    this.setStatus({ state: 'failed', retryAt: this.blockedUntil, error: apiErr.message });
    return apiErr;
  }

  private lockedError(): ApiError {
    return new ApiError({
      system: this.options.system,
      code: 'AUTH_LOCKED_OUT',
      status: 403,
      message: `token endpoint locked us out until ${new Date(this.lockedUntil).toISOString()}; no token request is made before then`,
      retryable: true,
      retryAfterMs: Math.max(0, this.lockedUntil - this.now()),
    });
  }

  private closedError(): ApiError {
    return new ApiError({
      system: this.options.system,
      code: 'CLOSED',
      message: 'the configuration node was closed',
      retryable: false,
    });
  }

  private setStatus(status: TokenStatus): void {
    this.status = status;
    this.emit('status', status);
  }
}
