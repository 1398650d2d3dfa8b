/**
 * The FedEx client a fedex-config node owns and every FedEx node of that config shares: one OAuth
 * token cache (client_credentials, form-encoded, refreshed ahead of expiry, single-flight), one
 * transaction limiter (1,400 per 10 s), FedEx's error envelope read into ApiError, and the auth
 * endpoint's 403 lockout respected (see auth-gate.ts).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter, setMaxListeners } from 'node:events';
import { ApiError } from '../core/errors';
import { HttpClient, type ErrorDescription, type HttpResponse, type RetryPolicy } from '../core/http';
import { createRateLimiter, type BudgetBackend, type LimiterSnapshot, type RequestLimiter } from '../core/limiter';
import { SharedToken, type SharedTokenStore } from './shared-token';
import { sleep } from '../core/retry';
import { TokenCache, type TokenProvider, type TokenStatus } from '../core/token-cache';
import { acquireAuthGate, releaseAuthGate, type AuthGate, type TokenRateOptions } from './auth-gate';
import { validateTrackRequest } from './schemas';

export const FEDEX_URLS = {
  sandbox: 'https://apis-sandbox.fedex.com',
  production: 'https://apis.fedex.com',
} as const;

export type FedexEnvironment = keyof typeof FEDEX_URLS | 'custom';

/**
 * Which FedEx a base URL reaches. Any other URL (a proxy, a simulator) is 'custom' whatever its
 * host and port, so moving it does not change what the ledger keys say.
 */
export function fedexEnvironmentOf(baseURL: string): FedexEnvironment {
  const url = baseURL.replace(/\/+$/, '');
  if (url === FEDEX_URLS.production) return 'production';
  if (url === FEDEX_URLS.sandbox) return 'sandbox';
  return 'custom';
}

export type GrantType = 'client_credentials' | 'csp_credentials' | 'client_pc_credentials';

export interface FedexCredentials {
  clientId: string;
  clientSecret: string;
  /** Parent-child grants only (csp_credentials / client_pc_credentials). */
  childKey?: string;
  childSecret?: string;
}

export interface FedexClientOptions {
  baseURL: string;
  accountNumber: string;
  credentials: FedexCredentials;
  grantType?: GrantType;
  /** Refresh this long before the token expires (default 5 min of the hour). */
  refreshMarginMs?: number;
  /** Token requests per IP (default 3 per second); shared by every client of the same host. */
  tokenRate?: Partial<TokenRateOptions>;
  /** Business transactions per window (FedEx: 1,400 per 10 s per project). */
  transactionLimit?: number;
  transactionWindowMs?: number;
  /**
   * Added to the transaction window: FedEx opens its window when the first request arrives, a
   * little after we start it, so our window must not end before FedEx's does.
   */
  windowGuardMs?: number;
  /** Penalty assumed after a 403 from the auth endpoint when no Retry-After says (FedEx: 10 min). */
  lockoutMs?: number;
  /** How many times a call waits out a token failure or lockout before giving up. */
  authRetries?: number;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  locale?: string;
  rejectUnauthorized?: boolean;
  /**
   * Several Node-RED instances on one shared (PostgreSQL) audit store: one token for all of them
   * (shared-token.ts), and the transaction and token-request budgets held across all of them.
   */
  shared?: { store: SharedTokenStore & BudgetBackend; owner: string };
  now?: () => number;
  random?: () => number;
}

/**
 * FedEx's 429 carries no Retry-After (reference §8) and its window lasts 10 s: back off with full
 * jitter up to the window length, often enough to reach the next window with room to spare.
 */
export const FEDEX_RETRY: Partial<RetryPolicy> = { maxRetries: 8, baseDelayMs: 1000, maxDelayMs: 10_000 };

export interface FedexCallOptions {
  /** Sent as x-customer-transaction-id (echoed as customerTransactionId). */
  transactionId?: string;
  signal?: AbortSignal;
}

export interface FedexClientStats {
  tokenRequests: number;
  transactions: number;
  lastShipmentAt?: number;
}

export interface TrackByReferenceQuery {
  /** Track API reference type (CUSTOMER_REFERENCE, PURCHASE_ORDER, …). */
  type: string;
  value: string;
  shipDateBegin?: string;
  shipDateEnd?: string;
  includeDetailedScans?: boolean;
}

interface FedexErrorItem {
  code?: unknown;
  message?: unknown;
  parameterList?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** FedEx's envelope {transactionId, errors:[{code, message, parameterList}]} -> code/message. */
export function describeFedexError(status: number, body: unknown): ErrorDescription | undefined {
  if (isObject(body) && Array.isArray(body.errors) && body.errors.length > 0) {
    const items = (body.errors as FedexErrorItem[]).filter(isObject);
    const parts = items.map((e) => {
      const params = Array.isArray(e.parameterList)
        ? (e.parameterList as unknown[])
            .filter(isObject)
            .map((p) => `${String(p.key)}: ${String(p.value)}`)
            .join(', ')
        : '';
      return `${String(e.code ?? 'ERROR')}: ${String(e.message ?? '')}${params ? ` (${params})` : ''}`;
    });
    return {
      code: typeof items[0]?.code === 'string' ? items[0].code : undefined,
      message: parts.join('; '),
      requestId: typeof body.transactionId === 'string' ? body.transactionId : undefined,
    };
  }
  if (status === 403 && isBareForbiddenBody(body)) {
    return {
      code: 'FORBIDDEN',
      message: 'Forbidden (FedEx answers every request with a bare 403 while the auth endpoint has locked this IP out)',
    };
  }
  return undefined;
}

function isBareForbiddenBody(body: unknown): boolean {
  return (
    body === undefined || body === null || typeof body === 'string' || (isObject(body) && !Array.isArray(body.errors))
  );
}

/** A 403 without FedEx's envelope: the OAuth IP penalty, during which FedEx processes nothing. */
export function isLockoutResponse(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status === 403 && isBareForbiddenBody(err.details);
}

export class FedexClient extends EventEmitter {
  readonly accountNumber: string;
  readonly baseURL: string;
  /** production, sandbox or custom: part of every ledger key, so no environment answers for another. */
  readonly environment: FedexEnvironment;
  readonly stats: FedexClientStats = { tokenRequests: 0, transactions: 0 };
  private readonly tokens: TokenCache;
  private readonly http: HttpClient;
  private readonly authHttp: HttpClient;
  private readonly gate: AuthGate;
  private readonly unsubscribeGate: () => void;
  private readonly transactionLimiter: RequestLimiter;
  private readonly sharedToken?: SharedToken;
  private readonly sharedTokenLimiter?: RequestLimiter;
  private readonly aborter = new AbortController();
  private readonly now: () => number;
  private readonly lockoutMs: number;
  private readonly authRetries: number;
  private closed = false;

  constructor(private readonly options: FedexClientOptions) {
    super();
    this.setMaxListeners(0);
    // every call waiting out a lockout listens to it
    setMaxListeners(0, this.aborter.signal);
    this.accountNumber = options.accountNumber;
    this.baseURL = options.baseURL.replace(/\/+$/, '');
    this.environment = fedexEnvironmentOf(this.baseURL);
    this.now = options.now ?? Date.now;
    this.lockoutMs = options.lockoutMs ?? 10 * 60_000;
    this.authRetries = options.authRetries ?? 5;
    this.gate = acquireAuthGate(this.baseURL, { tokenRate: options.tokenRate, now: this.now });
    const secrets = (): Array<string | undefined> => [
      options.credentials.clientSecret,
      options.credentials.childSecret,
      options.credentials.clientId,
      options.credentials.childKey,
    ];

    // Token requests are paced by the shared limiter; retrying inside one would bypass it.
    this.authHttp = new HttpClient({
      system: 'fedex',
      baseURL: this.baseURL,
      timeoutMs: options.timeoutMs,
      retry: { maxRetries: 0 },
      secrets,
      rejectUnauthorized: options.rejectUnauthorized,
      describeError: describeFedexError,
      now: this.now,
    });
    const refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
    let tokenLimiter = this.gate.tokenLimiter;
    if (options.shared) {
      const shared = options.shared;
      // every instance's token requests count against one 3-per-second budget
      const rate = { max: 3, windowMs: 1000, ...options.tokenRate };
      const sharedLimiter = createRateLimiter({
        max: rate.max,
        windowMs: rate.windowMs,
        now: this.now,
        shared: { budget: `fedex.token:${this.baseURL}`, backend: shared.store },
      });
      this.sharedTokenLimiter = sharedLimiter;
      const local = this.gate.tokenLimiter;
      tokenLimiter = { ...local, schedule: (job) => local.schedule(() => sharedLimiter.schedule(job)) };
      this.sharedToken = new SharedToken({
        store: shared.store,
        baseURL: this.baseURL,
        clientId: options.credentials.clientId,
        clientSecret: options.credentials.clientSecret,
        owner: shared.owner,
        fetch: () => tokenLimiter.schedule(() => this.fetchToken()),
        marginMs: refreshMarginMs,
        lockoutMs: this.lockoutMs,
        now: this.now,
        signal: this.aborter.signal,
      });
    }
    const sharedToken = this.sharedToken;
    this.tokens = new TokenCache({
      system: 'fedex',
      // shared: the store's token, or one request for the whole cluster (paced inside)
      fetchToken: () => (sharedToken ? sharedToken.get() : this.fetchToken()),
      refreshMarginMs,
      limiter: sharedToken ? undefined : tokenLimiter,
      lockoutOf: (err) =>
        err instanceof ApiError && err.status === 403 ? (err.retryAfterMs ?? this.lockoutMs) : undefined,
      now: this.now,
      random: options.random,
    });
    this.tokens.on('status', (s: TokenStatus) => this.emit('status', s));
    this.unsubscribeGate = this.gate.onChange((until) => {
      if (until !== undefined) this.emit('status', { state: 'locked', lockedUntil: until } satisfies TokenStatus);
      else {
        const s = this.tokens.getStatus();
        this.emit('status', s.state === 'locked' ? ({ state: 'idle' } satisfies TokenStatus) : s);
      }
    });

    this.transactionLimiter = createRateLimiter({
      max: options.transactionLimit ?? 1400,
      windowMs: (options.transactionWindowMs ?? 10_000) + (options.windowGuardMs ?? 100),
      now: this.now,
      // FedEx counts per project (API key): the instances of one config share its budget
      shared: options.shared
        ? { budget: `fedex.tx:${this.sharedToken?.id ?? this.baseURL}`, backend: options.shared.store }
        : undefined,
    });
    const provider: TokenProvider = {
      get: () => this.getToken(),
      invalidate: (token) => {
        this.sharedToken?.refuse(token);
        this.tokens.invalidate(token);
      },
    };
    this.http = new HttpClient({
      system: 'fedex',
      baseURL: this.baseURL,
      timeoutMs: options.timeoutMs,
      tokenProvider: provider,
      headers: { 'content-type': 'application/json', 'x-locale': options.locale ?? 'en_US' },
      limiter: this.transactionLimiter,
      retry: { ...FEDEX_RETRY, ...options.retry },
      secrets,
      rejectUnauthorized: options.rejectUnauthorized,
      describeError: describeFedexError,
      random: options.random,
      now: this.now,
    });
  }

  /** Current token state (for status and the test-connection endpoint). */
  tokenStatus(): TokenStatus {
    const until = this.gate.lockedUntil;
    if (until !== undefined) return { state: 'locked', lockedUntil: until };
    return this.tokens.getStatus();
  }

  limiterSnapshot(): LimiterSnapshot {
    return this.transactionLimiter.snapshot();
  }

  /** Obtains a token (from the cache when valid): proves the credentials work. */
  async testConnection(): Promise<{ ok: boolean; message: string }> {
    const lockedUntil = this.gate.lockedUntil;
    if (lockedUntil !== undefined) {
      // Asking now would extend FedEx's penalty; say when it ends instead of waiting for it.
      throw new ApiError({
        system: 'fedex',
        code: 'AUTH_LOCKED_OUT',
        status: 403,
        message: `FedEx's auth endpoint has locked this IP out until ${new Date(lockedUntil).toISOString()}; no token request is made before then`,
        retryable: true,
        retryAfterMs: Math.max(0, lockedUntil - this.now()),
      });
    }
    await this.getToken();
    const s = this.tokens.getStatus();
    const until = s.expiresAt ? new Date(s.expiresAt).toISOString() : 'unknown';
    return { ok: true, message: `FedEx accepted the credentials (token valid until ${until})` };
  }

  createShipment(body: unknown, call: FedexCallOptions = {}): Promise<HttpResponse<unknown>> {
    return this.send('POST', '/ship/v1/shipments', body, call, false);
  }

  createFreightShipment(body: unknown, call: FedexCallOptions = {}): Promise<HttpResponse<unknown>> {
    return this.send('POST', '/ship/v1/freight/shipments', body, call, false);
  }

  cancelShipment(body: unknown, call: FedexCallOptions = {}): Promise<HttpResponse<unknown>> {
    return this.send('PUT', '/ship/v1/shipments/cancel', body, call, true);
  }

  /** One Track call for at most 30 numbers (per-number errors stay inside the 200). */
  async trackByNumbers(
    numbers: string[],
    call: FedexCallOptions & { includeDetailedScans?: boolean } = {},
  ): Promise<HttpResponse<unknown>> {
    const body = {
      includeDetailedScans: call.includeDetailedScans ?? true,
      trackingInfo: numbers.map((trackingNumber) => ({ trackingNumberInfo: { trackingNumber } })),
    };
    validateTrackRequest(body);
    return this.send('POST', '/track/v1/trackingnumbers', body, call, true);
  }

  /** Track by reference on this config's account (finds a shipment by its customer reference). */
  trackByReference(query: TrackByReferenceQuery, call: FedexCallOptions = {}): Promise<HttpResponse<unknown>> {
    const info: Record<string, unknown> = {
      type: query.type,
      value: query.value,
      accountNumber: this.accountNumber,
    };
    if (query.shipDateBegin) info.shipDateBegin = query.shipDateBegin;
    if (query.shipDateEnd) info.shipDateEnd = query.shipDateEnd;
    const body = { includeDetailedScans: query.includeDetailedScans ?? false, referencesInformation: info };
    return this.send('POST', '/track/v1/referencenumbers', body, call, true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.aborter.abort(new Error('client closed'));
    this.http.close();
    this.authHttp.close();
    this.unsubscribeGate();
    this.tokens.close();
    releaseAuthGate(this.gate);
    this.removeAllListeners();
    await this.transactionLimiter.stop();
    await this.sharedTokenLimiter?.stop();
  }

  private closedError(): ApiError {
    return new ApiError({
      system: 'fedex',
      code: 'CLOSED',
      message: 'the FedEx configuration node was closed',
      retryable: false,
    });
  }

  private async send(
    method: 'POST' | 'PUT',
    url: string,
    data: unknown,
    call: FedexCallOptions,
    idempotent: boolean,
  ): Promise<HttpResponse<unknown>> {
    const headers = { 'x-customer-transaction-id': call.transactionId ?? randomUUID() };
    for (let lockouts = 0; ; lockouts++) {
      if (this.closed) throw this.closedError();
      try {
        const res = await this.http.request<unknown>({ method, url, data, headers, idempotent, signal: call.signal });
        this.stats.transactions += res.attempts;
        return res;
      } catch (err) {
        // FedEx rejected the request at the door (IP penalty): nothing was processed, so the call
        // is safe to send again once the penalty is over.
        if (isLockoutResponse(err) && lockouts < this.authRetries) {
          this.gate.lockUntil(this.now() + (err.retryAfterMs ?? this.lockoutMs));
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * The token for a business call: waits while the host's gate is shut (lockout), and waits out
   * transient token failures (the cache spaces them with its backoff) a bounded number of times.
   */
  private async getToken(): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.gate.wait(this.aborter.signal);
      } catch {
        throw this.closedError();
      }
      if (this.closed) throw this.closedError();
      try {
        return await this.tokens.get();
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        // Every client of this host must hold back, whether or not this call waits.
        if (err.code === 'AUTH_LOCKED_OUT') this.gate.lockUntil(this.now() + (err.retryAfterMs ?? this.lockoutMs));
        if (attempt >= this.authRetries) throw err;
        if (err.code === 'AUTH_LOCKED_OUT') continue;
        if (!err.retryable) throw err;
        const retryAt = this.tokens.getStatus().retryAt ?? this.now() + 1000;
        try {
          await sleepUntil(retryAt, this.now, this.aborter.signal);
        } catch {
          throw this.closedError();
        }
      }
    }
  }

  private async fetchToken(): Promise<{ token: string; expiresInMs: number }> {
    const c = this.options.credentials;
    const grantType = this.options.grantType ?? 'client_credentials';
    const form = new URLSearchParams({ grant_type: grantType, client_id: c.clientId, client_secret: c.clientSecret });
    if (grantType !== 'client_credentials') {
      // FedEx spells it child_Key (capital K).
      form.set('child_Key', c.childKey ?? '');
      form.set('child_secret', c.childSecret ?? '');
    }
    this.stats.tokenRequests += 1;
    const res = await this.authHttp.request<unknown>({
      method: 'POST',
      url: '/oauth/token',
      data: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      auth: false,
      idempotent: true,
    });
    const body = res.data;
    if (!isObject(body) || typeof body.access_token !== 'string' || !body.access_token) {
      throw new ApiError({
        system: 'fedex',
        code: 'BAD_TOKEN_RESPONSE',
        message: 'the FedEx token response has no access_token',
        retryable: true,
      });
    }
    const expiresIn = Number(body.expires_in);
    return {
      token: body.access_token,
      expiresInMs: (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600) * 1000,
    };
  }
}

function sleepUntil(at: number, now: () => number, signal: AbortSignal): Promise<void> {
  return sleep(Math.max(0, at - now()), signal);
}
