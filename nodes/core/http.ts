/**
 * The one HTTP client of every system client (X3, FedEx, ShipStation): undici (http-transport.ts)
 * with a base URL, the credentials of a TokenProvider, the config's limiter, and the one retry
 * policy (HttpClient below says which failures are repeated); errors leave it as redacted ApiErrors.
 */
import { setMaxListeners } from 'node:events';
import type { Dispatcher } from 'undici';
import { ApiError, redact, redactValue, type SystemName } from './errors';
import type { RequestLimiter } from './limiter';
import { incCounter } from './metrics';
import { backoffDelay, parseRetryAfter, sleep, type BackoffPolicy } from './retry';
import type { SessionCookies, SessionTicket } from './session-cookies';
import { HttpTransport, WireError, type WireResponse } from './http-transport';
import type { TokenProvider } from './token-cache';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RetryPolicy extends BackoffPolicy {
  /** Retries after the first attempt (429, and 5xx/network when safe to repeat); the 401 refresh is extra. */
  maxRetries: number;
  /** Longest Retry-After we honour before giving up and reporting the error. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

export interface ErrorDescription {
  code?: string;
  message?: string;
  requestId?: string;
}

export interface HttpClientOptions {
  system: SystemName;
  baseURL: string;
  timeoutMs?: number;
  tokenProvider?: TokenProvider;
  /** How a token becomes headers; default `Authorization: Bearer <token>`. */
  authorize?: (token: string) => Record<string, string>;
  /** Static credentials header set (Basic auth, api-key) when there is no token. */
  credentialHeaders?: () => Record<string, string>;
  /** A server session kept by cookie, sent with the credentials (X3 Basic: Syracuse session). */
  session?: SessionCookies;
  headers?: Record<string, string>;
  limiter?: RequestLimiter;
  retry?: Partial<RetryPolicy>;
  /** Values that must never appear in an error message. */
  secrets?: () => Array<string | undefined>;
  rejectUnauthorized?: boolean;
  /** Reads a system's error envelope. */
  describeError?: (status: number, body: unknown) => ErrorDescription | undefined;
  /** Statuses that mean "wait and retry" besides 429 and 503 (e.g. X3 pool busy). */
  isRetryableResponse?: (status: number, body: unknown) => boolean;
  random?: () => number;
  now?: () => number;
  /** For tests: the undici Dispatcher requests go through instead of the client's own agent. */
  dispatcher?: Dispatcher;
}

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  params?: Record<string, unknown>;
  data?: unknown;
  headers?: Record<string, string>;
  /**
   * Safe to repeat after a failure that may have reached the server. Defaults to true for
   * GET/PUT/DELETE and false for POST/PATCH; reads sent as POST (GraphQL queries, FedEx track)
   * set it explicitly.
   */
  idempotent?: boolean;
  /** Send credentials (default true). */
  auth?: boolean;
  timeoutMs?: number;
  responseType?: 'json' | 'text';
  signal?: AbortSignal;
}

export interface HttpResponse<T> {
  status: number;
  data: T;
  headers: Record<string, string>;
  attempts: number;
}

const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_INVALID_URL',
]);

/**
 * Every outbound call goes through here: limiter, credentials, and the one retry policy —
 * 429 (and 503 on a request safe to repeat) wait Retry-After (else backoff with full jitter);
 * 401 refreshes the token once and retries once; other 4xx are final; network errors and 5xx
 * (503 included) are retried only when repeating is safe, otherwise the call is reported as
 * ambiguous (it may have been applied).
 */
export class HttpClient {
  private readonly transport: HttpTransport;
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly aborter = new AbortController();

  constructor(private readonly options: HttpClientOptions) {
    // Every request in flight (and every retry wait) listens on the client's signal: a busy
    // client legitimately has more than the default 10 listeners.
    setMaxListeners(0, this.aborter.signal);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    // Connections are kept and reused (a TCP and TLS handshake for every label otherwise), idle
    // ones dropped before servers drop them; see http-transport.ts.
    this.transport = new HttpTransport({
      baseURL: options.baseURL,
      headers: options.headers,
      connectTimeoutMs: this.timeoutMs,
      rejectUnauthorized: options.rejectUnauthorized,
      dispatcher: options.dispatcher,
    });
  }

  get baseURL(): string {
    return this.options.baseURL;
  }

  /** Abort everything in flight and refuse new calls (config node closing). */
  close(): void {
    this.aborter.abort(new Error('client closed'));
    this.transport.close();
  }

  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const idempotent = req.idempotent ?? !(req.method === 'POST' || req.method === 'PATCH');
    const useAuth = req.auth !== false;
    let refreshedAfter401 = false;
    let retries = 0;
    let attempts = 0;
    // Every credential form sent so far (token, Basic value, decoded password): an error body
    // that echoes one of them must not carry it into a message.
    const sentSecrets: string[] = [];
    const { signal, dispose } = anySignal(req.signal, this.aborter.signal);
    const wait = (ms: number): Promise<void> => sleep(ms, signal).catch(() => undefined);
    try {
      for (;;) {
        if (this.aborter.signal.aborted) throw this.closedError();
        if (req.signal?.aborted) throw this.canceledError(req);
        attempts += 1;
        let token: string | undefined;
        const headers: Record<string, string> = { ...req.headers };
        let authHeaders: Record<string, string> = {};
        if (useAuth && this.options.tokenProvider) {
          token = await this.options.tokenProvider.get();
          sentSecrets.push(token);
          authHeaders = this.options.authorize ? this.options.authorize(token) : { Authorization: `Bearer ${token}` };
        } else if (useAuth && this.options.credentialHeaders) {
          authHeaders = this.options.credentialHeaders();
        }
        Object.assign(headers, authHeaders);
        sentSecrets.push(...credentialForms(authHeaders));
        let ticket: SessionTicket | undefined;
        if (useAuth && this.options.session) {
          ticket = await this.options.session.begin();
          Object.assign(headers, ticket.headers);
          if (ticket.headers.Cookie) sentSecrets.push(ticket.headers.Cookie, ...this.options.session.secrets());
        }
        const wire = {
          method: req.method,
          url: req.url,
          params: req.params,
          data: req.data,
          headers,
          timeoutMs: req.timeoutMs ?? this.timeoutMs,
          responseType: req.responseType === 'text' ? ('text' as const) : ('json' as const),
          signal,
        };
        let response: WireResponse;
        const send = (): Promise<WireResponse> => this.transport.send(wire);
        try {
          response = this.options.limiter ? await this.options.limiter.schedule(send) : await send();
        } catch (err) {
          ticket?.done(0, undefined);
          const failure = this.networkFailure(err, req, idempotent, sentSecrets);
          if (failure.retryable && !failure.ambiguous && retries < this.retry.maxRetries && !signal.aborted) {
            await wait(backoffDelay(retries, this.retry, this.options.random));
            retries += 1;
            continue;
          }
          throw failure;
        }
        const status = response.status;
        ticket?.done(status, response.setCookies);
        const responseHeaders = response.headers;
        this.options.limiter?.observe(responseHeaders, send);
        if (status >= 200 && status < 300) {
          return { status, data: response.data as T, headers: responseHeaders, attempts };
        }

        if (status === 401 && token !== undefined && this.options.tokenProvider && !refreshedAfter401) {
          this.options.tokenProvider.invalidate(token);
          refreshedAfter401 = true;
          continue;
        }
        // a session refused with its cookie (dropped by done()): once more with the credentials alone
        if (status === 401 && ticket?.headers.Cookie !== undefined && !refreshedAfter401) {
          refreshedAfter401 = true;
          continue;
        }

        // A 503 may come from a gateway after the backend applied the request: only a request
        // that is safe to repeat waits and retries; a create gets "outcome unknown" below.
        if (status === 429) incCounter('rate_limited_total', { system: this.options.system });
        const waitRetry =
          status === 429 ||
          (status === 503 && idempotent) ||
          (this.options.isRetryableResponse?.(status, response.data) ?? false);
        const serverError = status >= 500 && !waitRetry;
        if (waitRetry || (serverError && idempotent)) {
          const retryAfter = parseRetryAfter(responseHeaders['retry-after'], this.now());
          if (
            retries < this.retry.maxRetries &&
            (retryAfter === undefined || retryAfter <= this.retry.maxRetryAfterMs)
          ) {
            const delay = retryAfter ?? backoffDelay(retries, this.retry, this.options.random);
            if (retryAfter !== undefined) this.options.limiter?.pauseUntil(this.now() + retryAfter);
            await wait(delay);
            retries += 1;
            continue;
          }
        }
        throw this.responseError(req, status, response.data, responseHeaders, serverError && !idempotent, sentSecrets);
      }
    } finally {
      dispose();
    }
  }

  private describe(status: number, body: unknown): ErrorDescription {
    try {
      return this.options.describeError?.(status, body) ?? {};
    } catch {
      return {};
    }
  }

  private clean(text: string, sent: readonly string[] = []): string {
    return redact(text, [...(this.options.secrets?.() ?? []), ...sent]);
  }

  private responseError(
    req: HttpRequest,
    status: number,
    body: unknown,
    headers: Record<string, string>,
    ambiguous: boolean,
    sent: readonly string[] = [],
  ): ApiError {
    const d = this.describe(status, body);
    const fallback = typeof body === 'string' && body.trim() ? body.trim().slice(0, 300) : `HTTP ${status}`;
    const message = this.clean(`${req.method} ${req.url}: ${d.message ?? fallback}`, sent);
    const retryAfterMs = parseRetryAfter(headers['retry-after'], this.now());
    return new ApiError({
      system: this.options.system,
      status,
      code: d.code ?? (status === 401 ? 'UNAUTHORIZED' : status === 429 ? 'RATE_LIMITED' : `HTTP_${status}`),
      message: ambiguous ? `${message} (outcome unknown: the server may have applied the request)` : message,
      retryable: status === 429 || status >= 500,
      ambiguous,
      requestId: d.requestId ?? headers['x-request-id'] ?? headers['x-transaction-id'],
      retryAfterMs,
      details: redactValue(body, [...(this.options.secrets?.() ?? []), ...sent]),
    });
  }

  private networkFailure(err: unknown, req: HttpRequest, idempotent: boolean, sent: readonly string[] = []): ApiError {
    if (this.aborter.signal.aborted) return this.closedError();
    if (req.signal?.aborted) return this.canceledError(req);
    const wire = err instanceof WireError ? err : undefined;
    const code = wire?.code ?? (err as NodeJS.ErrnoException | undefined)?.code ?? 'NETWORK_ERROR';
    // a request that never reached a socket (refused, unresolved, still connecting at the
    // timeout) was not applied, whatever its method
    const notSent =
      wire?.sent === false ||
      NOT_SENT_CODES.has(code) ||
      (wire?.causeCode !== undefined && NOT_SENT_CODES.has(wire.causeCode));
    const timeout = wire?.timedOut === true;
    const ambiguous = !notSent && !idempotent;
    const what = timeout ? 'timed out' : `failed (${code})`;
    const message = this.clean(
      `${req.method} ${req.url} ${what}: ${err instanceof Error ? err.message : String(err)}`,
      sent,
    );
    return new ApiError({
      system: this.options.system,
      code: timeout ? 'TIMEOUT' : code,
      message: ambiguous ? `${message} (outcome unknown: the server may have applied the request)` : message,
      retryable: true,
      ambiguous,
    });
  }

  /** The caller gave up (its signal aborted): final, whatever the request was. */
  private canceledError(req: HttpRequest): ApiError {
    return new ApiError({
      system: this.options.system,
      code: 'CANCELED',
      message: `${req.method} ${req.url} was canceled`,
      retryable: false,
    });
  }

  private closedError(): ApiError {
    return new ApiError({
      system: this.options.system,
      code: 'CLOSED',
      message: 'the client was closed',
      retryable: false,
    });
  }
}

/** The header values themselves plus the bare credential inside "Basic"/"Bearer" and a Basic password. */
function credentialForms(headers: Record<string, string>): string[] {
  const out: string[] = [];
  for (const value of Object.values(headers)) {
    if (typeof value !== 'string' || !value) continue;
    out.push(value);
    const m = /^(Basic|Bearer)\s+(\S+)$/i.exec(value.trim());
    if (!m) continue;
    out.push(m[2]);
    if (m[1].toLowerCase() === 'basic') {
      const decoded = Buffer.from(m[2], 'base64').toString('utf8');
      out.push(decoded);
      const colon = decoded.indexOf(':');
      if (colon >= 0) out.push(decoded.slice(colon + 1));
    }
  }
  return out;
}

/**
 * AbortSignal.any needs Node 20.3; the package supports Node 18. `dispose` removes the
 * listeners from the client's long-lived signal, which would otherwise grow by one per request.
 */
function anySignal(a: AbortSignal | undefined, b: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  if (!a) return { signal: b, dispose: () => undefined };
  const ctrl = new AbortController();
  const onA = (): void => ctrl.abort(a.reason);
  const onB = (): void => ctrl.abort(b.reason);
  const dispose = (): void => {
    a.removeEventListener('abort', onA);
    b.removeEventListener('abort', onB);
  };
  if (a.aborted) ctrl.abort(a.reason);
  else if (b.aborted) ctrl.abort(b.reason);
  else {
    a.addEventListener('abort', onA, { once: true });
    b.addEventListener('abort', onB, { once: true });
  }
  return { signal: ctrl.signal, dispose };
}
