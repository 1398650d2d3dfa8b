/**
 * The ShipStation client one shipstation-config owns and every node using that config shares:
 * V1 (HTTP Basic key:secret) and V2 (`api-key` header, no Bearer) with one header-driven budget
 * limiter per API version — V1 and V2 count separately at ShipStation (40/min and 200/min by
 * default) — the core retry policy (429 waits Retry-After, or the announced reset, plus jitter),
 * the two error envelopes read into ApiError, and paging over both envelope styles.
 */
import { EventEmitter } from 'node:events';
import { ApiError } from '../core/errors';
import {
  HttpClient,
  type ErrorDescription,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  type RetryPolicy,
} from '../core/http';
import {
  chainLimiters,
  createRateLimiter,
  type BudgetBackend,
  type LimiterSnapshot,
  type RequestLimiter,
} from '../core/limiter';
import { createHash } from 'crypto';
import { createShipStationLimiter } from './rate-headers';
import { resolveResourceUrl, v2ApiBase, type ApiBases, type ApiVersion, type ResolvedResource } from './resource-url';

export type { ApiVersion } from './resource-url';

export const V1_DEFAULT_URL = 'https://ssapi.shipstation.com';
export const V2_DEFAULT_URL = 'https://api.shipstation.com';
export const V1_DEFAULT_LIMIT = 40;
export const V2_DEFAULT_LIMIT = 200;
export const DEFAULT_RESERVE = 2;
export const DEFAULT_WINDOW_MS = 60_000;
/** V1 maximum (reference §1.4); list calls always ask for it to spend as few requests as possible. */
export const V1_MAX_PAGE_SIZE = 500;

export interface ShipStationCredentials {
  apiKey?: string;
  apiSecret?: string;
  v2ApiKey?: string;
}

export interface ShipStationClientOptions {
  credentials: ShipStationCredentials;
  v1Url?: string;
  v2Url?: string;
  v1Limit?: number;
  v2Limit?: number;
  /** Requests kept in hand before waiting for the reset (default 2). */
  reserve?: number;
  /** Window assumed until the server announces its reset (default 60 s). */
  windowMs?: number;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Several instances on one shared audit store: the per-key budgets are held across all of them. */
  shared?: { store: BudgetBackend };
  now?: () => number;
  random?: () => number;
  dispatcher?: HttpClientOptions['dispatcher'];
}

export interface ResourcePage {
  version: ApiVersion;
  /** Array key of the envelope (`orders`, `shipments`...), undefined for a single object. */
  collection?: string;
  records: Array<Record<string, unknown>>;
  page: number;
  pages: number;
  total?: number;
}

export interface BudgetEvent {
  version: ApiVersion;
  snapshot: LimiterSnapshot;
}

const KNOWN_COLLECTIONS = [
  'orders',
  'shipments',
  'fulfillments',
  'customers',
  'products',
  'labels',
  'webhooks',
  'inventory',
  'warehouses',
  'stores',
  'batches',
  'results',
];

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** V1 errors are ASP.NET Web API bodies: {Message, ExceptionMessage?, ModelState?} or {message}. */
export function describeV1Error(status: number, body: unknown): ErrorDescription | undefined {
  if (!isObject(body)) return undefined;
  const parts: string[] = [];
  const main = text(body.Message) ?? text(body.message);
  if (main) parts.push(main);
  const exception = text(body.ExceptionMessage);
  if (exception && exception !== main) parts.push(exception);
  if (isObject(body.ModelState)) {
    for (const [field, errs] of Object.entries(body.ModelState)) {
      const list = Array.isArray(errs) ? errs.filter((e) => typeof e === 'string') : [];
      parts.push(`${field.replace(/^apiOrder\./, '')}: ${list.join(', ') || 'invalid'}`);
    }
  }
  if (parts.length === 0) return undefined;
  return { message: parts.join(' — '), code: v1Code(status) };
}

function v1Code(status: number): string | undefined {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 429:
      return 'RATE_LIMITED';
    default:
      return undefined;
  }
}

/** V2 errors: {request_id, errors: [{error_source, error_type, error_code, message}]}. */
export function describeV2Error(_status: number, body: unknown): ErrorDescription | undefined {
  if (!isObject(body)) return undefined;
  const errors = Array.isArray(body.errors) ? body.errors.filter(isObject) : [];
  const requestId = text(body.request_id);
  if (errors.length === 0) return requestId ? { requestId } : undefined;
  const first = errors[0];
  const message = errors
    .map((e) => {
      const m = text(e.message) ?? text(e.error_code) ?? 'error';
      const source = text(e.error_source);
      return source && source !== 'ShipStation' ? `${m} (${source})` : m;
    })
    .join('; ');
  return { code: text(first.error_code), message, requestId };
}

function basicAuth(key: string, secret: string): string {
  return `Basic ${Buffer.from(`${key}:${secret}`, 'utf8').toString('base64')}`;
}

function missingCredentials(version: ApiVersion): ApiError {
  return new ApiError({
    system: 'shipstation',
    code: 'NO_CREDENTIALS',
    message:
      version === 'v1'
        ? 'no ShipStation V1 API key and secret are set in the shipstation-config node'
        : 'no ShipStation V2 API key is set in the shipstation-config node',
  });
}

/** The V1 and V2 hosts a client with these URL overrides talks to (the defaults when empty). */
export function apiBasesOf(options: { v1Url?: string; v2Url?: string }): ApiBases {
  return {
    v1: (options.v1Url?.trim() || V1_DEFAULT_URL).replace(/\/+$/, ''),
    v2: (options.v2Url?.trim() || V2_DEFAULT_URL).replace(/\/+$/, '').replace(/\/v2$/i, ''),
  };
}

/** Added to the shared window (see limiter-store.ts): 0.8 % of a minute for the send latency. */
const SHARED_WINDOW_GUARD_MS = 500;

export class ShipStationClient extends EventEmitter {
  readonly bases: ApiBases;
  private readonly creds: ShipStationCredentials;
  private readonly limiters: Record<ApiVersion, RequestLimiter>;
  private readonly http: Record<ApiVersion, HttpClient>;
  private closed = false;

  constructor(options: ShipStationClientOptions) {
    super();
    this.creds = { ...options.credentials };
    const now = options.now ?? (() => Date.now());
    this.bases = apiBasesOf(options);
    const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    const reserve = options.reserve ?? DEFAULT_RESERVE;
    const limiterOf = (version: ApiVersion, limit: number, key: string | undefined): RequestLimiter => {
      const own = createShipStationLimiter({ defaultLimit: limit, windowMs, reserve, now });
      if (!options.shared) return own;
      // ShipStation counts per API key: every instance with this key spends one sliding budget
      const id = createHash('sha256')
        .update(`${version}\n${key ?? ''}`)
        .digest('hex')
        .slice(0, 24);
      const shared = createRateLimiter({
        max: Math.max(1, limit - reserve),
        // a start is recorded before the request is on the wire: the guard covers that latency
        windowMs: windowMs + SHARED_WINDOW_GUARD_MS,
        now,
        shared: { budget: `shipstation.${version}:${id}`, backend: options.shared.store },
      });
      return chainLimiters(own, shared);
    };
    this.limiters = {
      v1: limiterOf('v1', options.v1Limit ?? V1_DEFAULT_LIMIT, options.credentials.apiKey),
      v2: limiterOf('v2', options.v2Limit ?? V2_DEFAULT_LIMIT, options.credentials.v2ApiKey),
    };
    const secrets = (): Array<string | undefined> => [this.creds.apiKey, this.creds.apiSecret, this.creds.v2ApiKey];
    const common = {
      system: 'shipstation' as const,
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      secrets,
      now,
      random: options.random,
      dispatcher: options.dispatcher,
      headers: { Accept: 'application/json' },
    };
    this.http = {
      v1: new HttpClient({
        ...common,
        baseURL: this.bases.v1,
        limiter: this.limiters.v1,
        describeError: describeV1Error,
        credentialHeaders: () => ({ Authorization: basicAuth(this.creds.apiKey ?? '', this.creds.apiSecret ?? '') }),
      }),
      v2: new HttpClient({
        ...common,
        baseURL: v2ApiBase(this.bases.v2),
        limiter: this.limiters.v2,
        describeError: describeV2Error,
        credentialHeaders: () => ({ 'api-key': this.creds.v2ApiKey ?? '' }),
      }),
    };
  }

  /** Whether the credentials for an API version are set. */
  has(version: ApiVersion): boolean {
    return version === 'v1' ? !!(this.creds.apiKey && this.creds.apiSecret) : !!this.creds.v2ApiKey;
  }

  budget(version: ApiVersion): LimiterSnapshot {
    return this.limiters[version].snapshot();
  }

  /** One authenticated call through the version's shared limiter. */
  async request<T = unknown>(version: ApiVersion, req: HttpRequest): Promise<HttpResponse<T>> {
    if (this.closed)
      throw new ApiError({ system: 'shipstation', code: 'CLOSED', message: 'the ShipStation client was closed' });
    if (!this.has(version)) throw missingCredentials(version);
    try {
      return await this.http[version].request<T>(req);
    } finally {
      this.emit('budget', { version, snapshot: this.budget(version) } satisfies BudgetEvent);
    }
  }

  /** Every page of a list endpoint (V1 `page`/`pageSize`; V2 `links.next`). */
  async *pages(version: ApiVersion, path: string, params: Json = {}): AsyncGenerator<ResourcePage> {
    const query: Json = { ...params };
    if (version === 'v1' && query.pageSize === undefined) query.pageSize = V1_MAX_PAGE_SIZE;
    let page = Number(query.page ?? 1) || 1;
    for (;;) {
      const res = await this.request(version, { method: 'GET', url: path, params: { ...query, page } });
      const parsed = parsePage(version, res.data, page);
      yield parsed;
      if (version === 'v2') {
        const next = nextLink(res.data);
        if (next) {
          yield* this.followV2(next);
          return;
        }
      }
      if (parsed.page >= parsed.pages || parsed.records.length === 0) return;
      page = parsed.page + 1;
    }
  }

  /** V2 `links.next.href` is absolute: it gets the same host check as a webhook pointer. */
  private async *followV2(href: string): AsyncGenerator<ResourcePage> {
    let current: string | undefined = href;
    const seen = new Set<string>();
    while (current && !seen.has(current)) {
      seen.add(current);
      const target = resolveResourceUrl(current, this.bases, 'v2');
      const res = await this.request('v2', { method: 'GET', url: target.relative });
      const parsed = parsePage('v2', res.data, Number(target.url.searchParams.get('page') ?? 0) || 1);
      yield parsed;
      if (parsed.records.length === 0) return;
      current = nextLink(res.data);
    }
  }

  /**
   * Fetches a webhook's resource_url (checked first: a foreign host throws FOREIGN_RESOURCE_URL
   * before any request is made) and every further page it has.
   */
  async *resourcePages(
    resourceUrl: string,
    only?: ApiVersion,
    adjust?: (target: ResolvedResource) => void,
  ): AsyncGenerator<ResourcePage> {
    const target = resolveResourceUrl(resourceUrl, this.bases, only);
    adjust?.(target);
    const { version, url } = target;
    const params: Json = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    const path = target.relative.split('?')[0];
    if (version === 'v1') {
      // The batch URL carries its own filters; ask for big pages so a large import costs few calls.
      const keys = Object.keys(params).map((k) => k.toLowerCase());
      if (!keys.includes('pagesize')) params.pageSize = V1_MAX_PAGE_SIZE;
      const pageKey = Object.keys(params).find((k) => k.toLowerCase() === 'page');
      if (pageKey && pageKey !== 'page') {
        params.page = params[pageKey];
        delete params[pageKey];
      }
    }
    yield* this.pages(version, path, params);
  }

  // ---- V1 endpoints used by the nodes -------------------------------------------------------

  async getOrder(orderId: number | string): Promise<Json> {
    const res = await this.request<Json>('v1', {
      method: 'GET',
      url: `/orders/${encodeURIComponent(String(orderId))}`,
    });
    return res.data;
  }

  /** createorder upserts by orderKey; repeating the same body is safe, hence idempotent. */
  async createOrder(body: Json): Promise<Json> {
    const res = await this.request<Json>('v1', {
      method: 'POST',
      url: '/orders/createorder',
      data: body,
      idempotent: typeof body.orderKey === 'string' && body.orderKey !== '',
    });
    return res.data;
  }

  async markAsShipped(body: Json): Promise<Json> {
    const res = await this.request<Json>('v1', {
      method: 'POST',
      url: '/orders/markasshipped',
      data: body,
      idempotent: false,
    });
    return res.data;
  }

  async getProduct(productId: number | string): Promise<Json> {
    const res = await this.request<Json>('v1', {
      method: 'GET',
      url: `/products/${encodeURIComponent(String(productId))}`,
    });
    return res.data;
  }

  /** V1 PUT replaces the whole product (omitted fields are cleared): send a complete object. */
  async updateProduct(productId: number | string, body: Json): Promise<Json> {
    const res = await this.request<Json>('v1', {
      method: 'PUT',
      url: `/products/${encodeURIComponent(String(productId))}`,
      data: body,
    });
    return res.data;
  }

  /** Every record of a V1 list (all pages). */
  async listAll(version: ApiVersion, path: string, params: Json = {}): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    for await (const page of this.pages(version, path, params)) out.push(...page.records);
    return out;
  }

  /** A cheap authenticated call per configured version ("Test connection"). */
  async testConnection(): Promise<string[]> {
    const lines: string[] = [];
    for (const version of ['v1', 'v2'] as const) {
      if (!this.has(version)) continue;
      const res = await this.request<unknown>(version, {
        method: 'GET',
        url: version === 'v1' ? '/stores' : '/warehouses',
      });
      const data = res.data;
      const count = Array.isArray(data)
        ? data.length
        : isObject(data) && Array.isArray(data.warehouses)
          ? data.warehouses.length
          : undefined;
      const budget = this.budget(version);
      const what = version === 'v1' ? 'stores' : 'warehouses';
      lines.push(
        `${version.toUpperCase()} ${version === 'v1' ? this.bases.v1 : v2ApiBase(this.bases.v2)}: connected${count === undefined ? '' : `, ${count} ${what}`}${
          budget.remaining !== undefined ? `, budget ${budget.remaining}/${budget.limit}` : ''
        }`,
      );
    }
    if (lines.length === 0) throw missingCredentials('v1');
    return lines;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.http.v1.close();
    this.http.v2.close();
    await Promise.all([this.limiters.v1.stop(), this.limiters.v2.stop()]);
    this.removeAllListeners();
  }
}

function nextLink(data: unknown): string | undefined {
  if (!isObject(data) || !isObject(data.links)) return undefined;
  const next = data.links.next;
  return isObject(next) ? text(next.href) : undefined;
}

/** Reads a list envelope (or a bare array, or a single object) into one page. */
export function parsePage(version: ApiVersion, data: unknown, requestedPage: number): ResourcePage {
  if (Array.isArray(data)) {
    return { version, records: data.filter(isObject), page: 1, pages: 1, total: data.length };
  }
  if (!isObject(data)) {
    return { version, records: [], page: requestedPage, pages: requestedPage };
  }
  let collection = KNOWN_COLLECTIONS.find((k) => Array.isArray(data[k]));
  const paged = typeof data.pages === 'number' || typeof data.total === 'number';
  if (!collection && paged) collection = Object.keys(data).find((k) => Array.isArray(data[k]));
  if (!collection) {
    return { version, records: [data], page: 1, pages: 1, total: 1 };
  }
  const list = data[collection] as unknown[];
  const page = typeof data.page === 'number' && data.page > 0 ? data.page : requestedPage;
  const pages = typeof data.pages === 'number' ? data.pages : page;
  return {
    version,
    collection,
    records: list.filter(isObject),
    page,
    pages,
    total: typeof data.total === 'number' ? data.total : undefined,
  };
}
