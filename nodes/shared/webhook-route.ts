/**
 * POST routes on RED.httpNode that keep the exact bytes of the body (signatures are computed
 * over them), answer what the node decides, and disappear when the node closes.
 *
 * When httpAdminRoot and httpNodeRoot are both "/" (the default), the editor API's JSON parser
 * sits on the shared root app and consumes the stream before a httpNode route sees it. Like
 * Node-RED 4.1's http-in node, we put a capture middleware at the top of the root app that
 * reads the raw bytes first, for our registered routes only.
 *
 * A path may end in one parameter segment (`/hook/:token`): the route then answers every
 * one-segment sub-path, and the handler sees the segment exactly as it was sent (`rawPath`), not
 * as the router matched it — express compares paths case-insensitively, ignores a trailing slash
 * and decodes percent-escapes, none of which a secret in the path may tolerate.
 *
 * `method: 'GET'` serves a read on the same terms (claimed path, removed on close, the node's
 * reply), for an endpoint a scraper polls: the metrics of audit-config. It has no body to capture.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { NodeAPI } from 'node-red';
import { commonText } from './i18n';

export interface WebhookRequest {
  raw: Buffer;
  headers: IncomingHttpHeaders;
  query: Record<string, unknown>;
  /** The path as registered (without httpNodeRoot). */
  path: string;
  /** The request's path as received: full (httpNodeRoot included), not decoded, no query. */
  rawPath: string;
  ip?: string;
}

export interface WebhookReply {
  status: number;
  /** Sent as JSON, or as it is when `contentType` is set. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export type RouteMethod = 'POST' | 'GET';

export type WebhookHandler = (req: WebhookRequest) => Promise<WebhookReply> | WebhookReply;

export interface WebhookRoute {
  /** Path as mounted, including httpNodeRoot. */
  fullPath: string;
  remove(): void;
}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: unknown }> };
  handle?: unknown;
}
interface ExpressRouter {
  stack: ExpressLayer[];
}
interface ExpressApp {
  (...args: unknown[]): unknown;
  use(fn: unknown): void;
  post(path: string, ...handlers: unknown[]): void;
  get(path: string, ...handlers: unknown[]): void;
  path(): string;
  parent?: ExpressApp;
  _router?: ExpressRouter;
  router?: ExpressRouter;
}
interface RawRequest extends NodeJS.ReadableStream {
  method: string;
  url: string;
  originalUrl?: string;
  headers: IncomingHttpHeaders;
  query?: Record<string, unknown>;
  ip?: string;
  body?: unknown;
  _body?: boolean;
  readableEnded?: boolean;
  rawBody?: Buffer;
  _parsedUrl?: { pathname?: string };
  sageX3RawBody?: Buffer;
}
interface RawResponse {
  status(code: number): RawResponse;
  json(body: unknown): void;
  set(name: string, value: string): RawResponse;
  type(contentType: string): RawResponse;
  send(body: string): void;
  end(): void;
  headersSent?: boolean;
}
/** The capture runs before express has decorated the response: only node's own API. */
interface PlainResponse {
  statusCode: number;
  headersSent: boolean;
  setHeader(name: string, value: string): void;
  end(body?: string): void;
}

const DEFAULT_LIMIT = 1024 * 1024;
/** route key "POST:/full/path" (or "GET:...") -> owning node id; shared by every node of this package */
const claimed = new Map<string, string>();
const captureInstalled = new WeakSet<object>();
const limits = new Map<string, number>();

/** Express matches routes case-insensitively and ignores a trailing slash: so do we. */
function routeKey(path: string, method: RouteMethod = 'POST'): string {
  return `${method}:${path
    .replace(/\/{2,}/g, '/')
    .replace(/\/$/, '')
    .toLowerCase()}`;
}

/** The key of a route ending in a parameter segment, or of a request path such a route takes. */
function paramKey(path: string, method: RouteMethod = 'POST'): string {
  return routeKey(path, method).replace(/\/[^/]*$/, '/:');
}

function hasParamSegment(path: string): boolean {
  return /\/:[^/]+\/?$/.test(path);
}

/** The claimed route a POST to `pathname` goes to, if any. */
function claimedKey(pathname: string): string | undefined {
  const exact = routeKey(pathname);
  if (claimed.has(exact)) return exact;
  const param = paramKey(pathname);
  return claimed.has(param) ? param : undefined;
}

function rootApp(app: ExpressApp): ExpressApp {
  return app.parent ? rootApp(app.parent) : app;
}

function routerOf(app: ExpressApp): ExpressRouter | undefined {
  return app._router ?? app.router;
}

function readBody(req: RawRequest, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(Object.assign(new Error('payload too large'), { status: 413 }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function installCapture(app: ExpressApp): void {
  const root = rootApp(app);
  if (captureInstalled.has(root)) return;
  captureInstalled.add(root);
  const capture = (req: RawRequest, res: PlainResponse, next: (err?: unknown) => void): void => {
    const pathname = req._parsedUrl?.pathname ?? req.url.split('?')[0];
    const key = req.method === 'POST' ? claimedKey(pathname) : undefined;
    if (!key || req.readableEnded) {
      next();
      return;
    }
    readBody(req, limits.get(key) ?? DEFAULT_LIMIT).then(
      (buf) => {
        req.sageX3RawBody = buf;
        // Tell later body parsers (the editor's and express's) that the body was read.
        req._body = true;
        req.body = buf;
        next();
      },
      (err: unknown) => {
        // Answered here rather than through next(err): express's final handler would log a
        // stack trace for every oversized request.
        if ((err as { status?: number }).status === 413 && !res.headersSent) {
          res.statusCode = 413;
          res.setHeader('content-type', 'application/json; charset=utf-8');
          res.setHeader('connection', 'close');
          res.end(JSON.stringify({ error: 'payload too large' }));
          return;
        }
        next(err);
      },
    );
  };
  root.use(capture);
  const stack = routerOf(root)?.stack;
  if (stack) {
    const i = stack.findIndex((layer) => layer.handle === capture);
    if (i > 0) stack.unshift(stack.splice(i, 1)[0]);
  }
}

export function registerWebhookRoute(
  RED: NodeAPI,
  nodeId: string,
  path: string,
  handler: WebhookHandler,
  options: { limitBytes?: number; method?: RouteMethod } = {},
): WebhookRoute {
  if ((RED.settings as unknown as { httpNodeRoot?: string | false }).httpNodeRoot === false) {
    throw new Error(commonText(RED, 'errors.httpNodeDisabled'));
  }
  const normalised = path.startsWith('/') ? path : `/${path}`;
  const app = RED.httpNode as unknown as ExpressApp;
  const mount = typeof app.path === 'function' ? app.path().replace(/\/$/, '') : '';
  const fullPath = `${mount}${normalised}`;
  const method: RouteMethod = options.method ?? 'POST';
  const param = hasParamSegment(fullPath);
  const key = param ? paramKey(fullPath, method) : routeKey(fullPath, method);
  // a parameter route takes every one-segment sub-path: it and a literal one cannot share
  const overlapping = param
    ? [...claimed.keys()].find(
        (k) => k !== key && k.startsWith(`${method}:`) && paramKey(k.slice(method.length + 1), method) === key,
      )
    : claimed.has(paramKey(fullPath, method))
      ? paramKey(fullPath, method)
      : undefined;
  const owner = claimed.get(key) ?? (overlapping ? claimed.get(overlapping) : undefined);
  if (owner && owner !== nodeId) {
    throw new Error(commonText(RED, 'errors.pathInUse', { path: fullPath, node: owner }));
  }
  claimed.set(key, nodeId);
  if (method === 'POST') {
    limits.set(key, options.limitBytes ?? DEFAULT_LIMIT);
    installCapture(app);
  }

  const route = async (req: RawRequest, res: RawResponse): Promise<void> => {
    try {
      let raw = method === 'GET' ? Buffer.alloc(0) : req.sageX3RawBody;
      if (!raw) {
        if (req.readableEnded || req._body) {
          // Something parsed the body before us and the bytes are gone: refuse rather than guess.
          res.status(500).json({ error: 'raw body unavailable' });
          return;
        }
        raw = await readBody(req, options.limitBytes ?? DEFAULT_LIMIT);
      }
      const reply = await handler({
        raw,
        headers: req.headers,
        query: req.query ?? {},
        path: normalised,
        rawPath: (req.originalUrl ?? req.url).split('?')[0],
        ip: req.ip,
      });
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.set(name, value);
      if (reply.body === undefined) res.status(reply.status).end();
      else if (reply.contentType) res.status(reply.status).type(reply.contentType).send(String(reply.body));
      else res.status(reply.status).json(reply.body);
    } catch (err) {
      const status = (err as { status?: number }).status === 413 ? 413 : 500;
      if (!res.headersSent) res.status(status).json({ error: status === 413 ? 'payload too large' : 'internal error' });
    }
  };
  if (method === 'GET') app.get(normalised, route);
  else app.post(normalised, route);

  return {
    fullPath,
    remove(): void {
      if (claimed.get(key) === nodeId) {
        claimed.delete(key);
        limits.delete(key);
      }
      const stack = routerOf(app)?.stack;
      if (!stack) return;
      for (let i = stack.length - 1; i >= 0; i--) {
        const r = stack[i].route;
        if (r && r.path === normalised && r.methods[method.toLowerCase()] && r.stack.some((l) => l.handle === route))
          stack.splice(i, 1);
      }
    },
  };
}
