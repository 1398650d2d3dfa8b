/**
 * The wire under core/http.ts: one request on an undici dispatcher, its body encoded and its
 * answer decoded as axios did (the clients were written against axios 1.x), the whole exchange
 * bounded by one timeout, and — when it fails — whether the request had been sent at all, which
 * decides for core/http.ts whether a create may be repeated.
 */
import diagnostics from 'node:diagnostics_channel';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Agent, EnvHttpProxyAgent, util as undiciUtil, type Dispatcher, type ProxyAgent } from 'undici';
import { paramPairs, requestTarget } from './http-url';

export interface WireRequest {
  method: string;
  /** Absolute, or relative to the transport's base URL. */
  url: string;
  params?: Readonly<Record<string, unknown>>;
  data?: unknown;
  /** Any case; later sources already merged over earlier ones by the caller. */
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  responseType: 'json' | 'text';
  signal: AbortSignal;
}

export interface WireResponse {
  status: number;
  /** Names lower-cased, repeated values joined as Node's http joins them. */
  headers: Record<string, string>;
  /** Every Set-Cookie line (the joined header would merge cookies). */
  setCookies: string[] | undefined;
  /** JSON when asked for and parseable, else the text. */
  data: unknown;
}

/** A request that did not get an answer; `sent` is false when it never reached the socket. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly sent: boolean,
    readonly timedOut: boolean,
    readonly causeCode?: string,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

export interface TransportOptions {
  baseURL: string;
  /** Default headers of every request (below the request's own). */
  headers?: Readonly<Record<string, string>>;
  /** Bounds the TCP/TLS connect too (undici's own default would be 10 s). */
  connectTimeoutMs: number;
  rejectUnauthorized?: boolean;
  /** Used instead of an agent of its own (tests: a scripted dispatcher, undici's MockAgent); never destroyed here. */
  dispatcher?: Dispatcher;
}

/** What axios sent when a request did not say. */
const DEFAULT_ACCEPT = 'application/json, text/plain, */*';
const ACCEPT_ENCODING = 'gzip, compress, deflate, br';
const USER_AGENT = 'node-red-contrib-sage-x3-shipping';
/** Idle connections are dropped before the usual 5 s keep-alive timeout of servers. */
const KEEP_ALIVE_MS = 4000;

/** Headers whose repeats Node's http discards (the first one counts), as the axios answers had them. */
const SINGLE_VALUED = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

const unzip = promisify(zlib.unzip);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);
const ZLIB_FLUSH = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };

/**
 * One dispatcher per HttpClient: keep-alive connections per origin, no redirects followed,
 * undici's own header/body timers off (the exchange's one timeout bounds the whole request).
 * With a proxy in the environment (http_proxy, https_proxy, all_proxy, no_proxy; either case) the
 * requests go through it.
 */
/**
 * One message when an exchange starts and one when its promise settles (the same object): what
 * "a request in flight" means to an observer, from before the connection is asked for until the
 * answer is handed over. undici's own request channels leave gaps (connecting, the hand-over),
 * which a virtual-time test driver would read as idle. Free when nobody subscribes.
 */
export const EXCHANGE_START_CHANNEL = 'sage-x3-shipping:http.exchange.start';
export const EXCHANGE_END_CHANNEL = 'sage-x3-shipping:http.exchange.end';
const exchangeStart = diagnostics.channel(EXCHANGE_START_CHANNEL);
const exchangeEnd = diagnostics.channel(EXCHANGE_END_CHANNEL);

export class HttpTransport {
  private readonly dispatcher: Dispatcher;
  private readonly own: boolean;
  private readonly defaults: Record<string, string>;

  constructor(private readonly options: TransportOptions) {
    this.defaults = mergeHeaders({ accept: DEFAULT_ACCEPT }, options.headers);
    this.own = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? createAgent(options);
  }

  /** Drops every connection; requests still on the wire fail (their callers were told first). */
  close(): void {
    if (this.own) void this.dispatcher.destroy().catch(() => undefined);
  }

  send(req: WireRequest): Promise<WireResponse> {
    if (!exchangeStart.hasSubscribers) return this.exchange(req);
    const observed = { method: req.method, url: req.url };
    exchangeStart.publish(observed);
    const answer = this.exchange(req);
    const end = (): void => exchangeEnd.publish(observed);
    answer.then(end, end);
    return answer;
  }

  private exchange(req: WireRequest): Promise<WireResponse> {
    return new Promise<WireResponse>((resolve, reject) => {
      let exchange: Exchange | undefined;
      try {
        const url = requestTarget(this.options.baseURL, req.url, req.params);
        const headers = mergeHeaders({ ...this.defaults }, req.headers);
        const body = encodeBody(req.data, headers);
        if (!('user-agent' in headers)) headers['user-agent'] = USER_AGENT;
        if (!('accept-encoding' in headers)) headers['accept-encoding'] = ACCEPT_ENCODING;
        if (url.username || url.password) {
          // credentials in the URL win over an Authorization header, as with axios
          const user = decodeURIComponent(url.username);
          const password = decodeURIComponent(url.password);
          headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
        }
        exchange = new Exchange(req, this.own, resolve, reject);
        if (req.signal.aborted) return exchange.cancel(abortError(req.signal));
        exchange.start(req.signal, req.timeoutMs);
        this.dispatcher.dispatch(
          {
            origin: url.origin,
            path: url.path,
            method: req.method as Dispatcher.HttpMethod,
            headers,
            body,
          },
          exchange,
        );
      } catch (err) {
        if (exchange) exchange.onError(err as Error);
        else reject(wireError(err, false, false));
      }
    });
  }
}

function createAgent(options: TransportOptions): Dispatcher {
  const common = {
    keepAliveTimeout: KEEP_ALIVE_MS,
    keepAliveMaxTimeout: KEEP_ALIVE_MS,
    headersTimeout: 0,
    bodyTimeout: 0,
    maxRedirections: 0,
  };
  const tls = options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {};
  const connect = { timeout: options.connectTimeoutMs, ...tls };
  const proxy = proxyFromEnvironment();
  if (!proxy) return new Agent({ ...common, connect });
  // EnvHttpProxyAgent reads no_proxy itself; all_proxy is what axios also fell back to. An http://
  // target is forwarded by the proxy (absolute URI, as axios sent it), an https:// one tunnelled
  // with CONNECT, its TLS (requestTls) checked end to end.
  const proxied: EnvHttpProxyAgent.Options & Pick<ProxyAgent.Options, 'requestTls' | 'proxyTunnel'> = {
    ...common,
    connect,
    requestTls: tls,
    proxyTunnel: false,
    ...proxy,
  };
  return new EnvHttpProxyAgent(proxied);
}

/** The proxies of the environment, or undefined when there are none (the usual case: a plain agent). */
function proxyFromEnvironment(): { httpProxy: string; httpsProxy: string } | undefined {
  const env = (name: string): string => process.env[name] || process.env[name.toUpperCase()] || '';
  const all = env('all_proxy');
  const httpProxy = env('http_proxy') || all;
  const httpsProxy = env('https_proxy') || all;
  return httpProxy || httpsProxy ? { httpProxy, httpsProxy } : undefined;
}

/** Lower-cased names, later sources over earlier ones (header names are case-insensitive). */
function mergeHeaders(
  into: Record<string, string>,
  from: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  if (!from) return into;
  for (const key of Object.keys(from)) {
    const value = from[key];
    if (value !== undefined && value !== null) into[key.toLowerCase()] = String(value);
  }
  return into;
}

/**
 * The body as axios's default request transform made it: an object as JSON (content-type
 * application/json unless the caller set one; form-encoded when the caller asked for a form),
 * URLSearchParams as a form, a string as given (JSON-checked when its content-type says JSON),
 * bytes as they are.
 */
function encodeBody(data: unknown, headers: Record<string, string>): string | Buffer | undefined {
  const contentType = headers['content-type'] ?? '';
  const json = contentType.includes('application/json');
  if (data === undefined) return undefined;
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof URLSearchParams) {
    if (!contentType) headers['content-type'] = 'application/x-www-form-urlencoded;charset=utf-8';
    return data.toString();
  }
  if (data !== null && typeof data === 'object' && contentType.includes('application/x-www-form-urlencoded')) {
    return new URLSearchParams(paramPairs(data as Record<string, unknown>, true)).toString();
  }
  if ((data !== null && typeof data === 'object') || json) {
    if (!contentType) headers['content-type'] = 'application/json';
    if (typeof data === 'string') {
      try {
        JSON.parse(data);
        return data.trim();
      } catch {
        return JSON.stringify(data);
      }
    }
    return JSON.stringify(data);
  }
  if (data === null) return undefined;
  if (typeof data === 'string') return data;
  throw new WireError(
    'the request body must be a string, an object, URLSearchParams or bytes',
    'ERR_BAD_REQUEST',
    false,
    false,
  );
}

/**
 * One request's undici handler: collects the answer, settles once — on the answer, an error, the
 * timeout or the caller's signal — and remembers whether the request reached a socket (undici
 * calls onConnect just before writing it; a connect failure or a wait for a connection never does).
 */
class Exchange implements Dispatcher.DispatchHandlers {
  private sent = false;
  private settled = false;
  private abortWire?: (err?: Error) => void;
  private status = 0;
  private rawHeaders: Buffer[] = [];
  private chunks: Buffer[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  private signal?: AbortSignal;
  private readonly onAbort = (): void => this.cancel(abortError(this.signal));

  constructor(
    private readonly req: WireRequest,
    /** On the transport's own agent (its connection pools), not a dispatcher given by a test. */
    private readonly pooled: boolean,
    private readonly resolve: (res: WireResponse) => void,
    private readonly reject: (err: WireError) => void,
  ) {}

  start(signal: AbortSignal, timeoutMs: number): void {
    this.signal = signal;
    signal.addEventListener('abort', this.onAbort, { once: true });
    if (timeoutMs > 0) {
      this.timer = setTimeout(
        () => this.cancel(new WireError(`timeout of ${timeoutMs}ms exceeded`, 'ETIMEDOUT', this.sent, true)),
        timeoutMs,
      );
    }
  }

  /** Ends the exchange without an answer; the request is stopped on the wire if it got there. */
  cancel(err: WireError): void {
    if (this.settled) return;
    this.finish();
    this.abortWire?.(err);
    this.reject(err);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.settled) return abort(new Error('request canceled before it was sent'));
    this.abortWire = abort;
    this.sent = true;
  }

  onHeaders(status: number, rawHeaders: Buffer[]): boolean {
    if (status < 200) return true;
    this.status = status;
    this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.finish();
    const { headers, setCookies } = readHeaders(this.rawHeaders);
    const raw = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    const answer = (bytes: Buffer): void =>
      this.resolve({ status: this.status, headers, setCookies, data: decodeText(bytes, this.req.responseType) });
    const encoding = headers['content-encoding'];
    // undici frees the connection for the next request in a setImmediate after this call; a
    // caller sending its next request before that would open a second connection
    if (!encoding) return this.pooled ? process.nextTick(afterFree, answer, raw) : answer(raw);
    decompress(raw, encoding, headers, this.req.method, this.status).then(answer, (err: unknown) =>
      this.reject(wireError(err, true, false)),
    );
  }

  onError(err: Error): void {
    if (this.settled) return;
    this.finish();
    this.reject(wireError(err, this.sent, false));
  }

  private finish(): void {
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

function abortError(signal: AbortSignal | undefined): WireError {
  const reason: unknown = signal?.reason;
  const message = reason instanceof Error ? reason.message : 'the request was aborted';
  return new WireError(message, 'ERR_CANCELED', false, false);
}

/** An undici or socket error as a WireError with the code axios (Node's http) reported for it. */
function wireError(err: unknown, sent: boolean, timedOut: boolean): WireError {
  if (err instanceof WireError) return err;
  const e = err as (NodeJS.ErrnoException & { cause?: unknown; errors?: unknown[] }) | undefined;
  const cause = e?.cause as NodeJS.ErrnoException | undefined;
  const first = Array.isArray(e?.errors) ? (e.errors[0] as NodeJS.ErrnoException | undefined) : undefined;
  let code = e?.code ?? cause?.code ?? first?.code ?? 'NETWORK_ERROR';
  let timeout = timedOut;
  // a connection the server closed under a request was "socket hang up" (ECONNRESET) with Node's http
  if (code === 'UND_ERR_SOCKET') code = cause?.code ?? 'ECONNRESET';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') code = 'ETIMEDOUT';
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') timeout = true;
  const message = e?.message || first?.message || code;
  return new WireError(message, code, sent, timeout, cause?.code ?? first?.code);
}

/** Lower-cased names; repeats joined as Node's http joins them; Set-Cookie lines kept apart. */
function readHeaders(raw: Buffer[]): { headers: Record<string, string>; setCookies: string[] | undefined } {
  const headers: Record<string, string> = {};
  let setCookies: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = undiciUtil.headerNameToString(raw[i]);
    const value = raw[i + 1].toString('latin1');
    if (name === 'set-cookie') (setCookies ??= []).push(value);
    const prior = headers[name];
    if (prior === undefined) headers[name] = value;
    else if (!SINGLE_VALUED.has(name)) headers[name] = `${prior}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return { headers, setCookies };
}

function afterFree(answer: (raw: Buffer) => void, raw: Buffer): void {
  setImmediate(answer, raw);
}

/** The body as axios's decompression left it (it asked for gzip/deflate/br and undid them). */
async function decompress(
  raw: Buffer,
  encoding: string,
  headers: Record<string, string>,
  method: string,
  status: number,
): Promise<Buffer> {
  if (method === 'HEAD' || status === 204) {
    delete headers['content-encoding'];
    return raw;
  }
  if (!raw.length) return raw;
  switch (encoding.toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
    case 'compress':
    case 'x-compress':
      delete headers['content-encoding'];
      return unzip(raw, ZLIB_FLUSH);
    case 'deflate':
      delete headers['content-encoding'];
      // some servers send raw deflate without the zlib header
      return unzip(raw, ZLIB_FLUSH).catch(() => inflateRaw(raw, ZLIB_FLUSH));
    case 'br':
      delete headers['content-encoding'];
      return brotli(raw);
    default:
      return raw;
  }
}

/** BOM-less text, or JSON when JSON was asked for and the text parses (axios was as lenient). */
function decodeText(bytes: Buffer, responseType: 'json' | 'text'): unknown {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (responseType !== 'json' || !text) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
