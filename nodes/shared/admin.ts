/**
 * Admin endpoints used by edit dialogs ("Test connection"). Registered once per runtime, always
 * behind RED.auth.needsPermission, never returning a secret. One path scheme for every admin
 * route of the package, so an operator can allow or proxy them with one rule:
 * `/sage-x3-shipping/<area>/...`, area one of ADMIN_AREAS (audit/admin-routes.ts builds on it too).
 */
import type { NodeAPI } from 'node-red';
import { toErrorInfo } from '../core/errors';

interface AdminRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}
interface AdminResponse {
  status(code: number): AdminResponse;
  json(body: unknown): void;
}
interface AdminApp {
  get(path: string, ...h: unknown[]): void;
  post(path: string, ...h: unknown[]): void;
}

const registered = new WeakMap<object, Set<string>>();

export const ADMIN_PREFIX = '/sage-x3-shipping';

/** The systems (and the audit trail, the labels, the operator console) that own admin routes: the first path segment after the prefix. */
export const ADMIN_AREAS = ['x3', 'fedex', 'shipstation', 'audit', 'labels', 'console'] as const;

export function registerAdminRoute(
  RED: NodeAPI,
  method: 'get' | 'post',
  path: string,
  permission: string,
  handler: (req: AdminRequest) => Promise<{ status?: number; body: unknown }>,
): void {
  const app = RED.httpAdmin as unknown as AdminApp;
  const seen = registered.get(app) ?? new Set<string>();
  registered.set(app, seen);
  const key = `${method} ${path}`;
  if (seen.has(key)) return;
  seen.add(key);
  const auth = RED.auth.needsPermission(permission);
  app[method](`${ADMIN_PREFIX}${path}`, auth, (req: AdminRequest, res: AdminResponse) => {
    // A handler that throws before returning its promise must not reach express's error page
    // (it prints the stack).
    Promise.resolve()
      .then(() => handler(req))
      .then(
        (out) => res.status(out.status ?? 200).json(out.body),
        (err: unknown) => res.status(200).json({ ok: false, error: toErrorInfo(err) }),
      );
  });
}

/**
 * Credentials posted by an edit dialog: password fields the user did not retype arrive as
 * "__PWRD__" (or not at all), so take those from the deployed node's stored credentials.
 */
export function resolveCredentials<T extends Record<string, string | undefined>>(
  RED: NodeAPI,
  nodeId: string | undefined,
  submitted: Partial<T> | undefined,
): Partial<T> {
  const stored = (nodeId ? (RED.nodes.getCredentials(nodeId) as Partial<T> | undefined) : undefined) ?? {};
  const out: Record<string, string | undefined> = { ...stored };
  for (const [k, v] of Object.entries(submitted ?? {})) {
    if (typeof v === 'string' && v !== '__PWRD__' && v !== '') out[k] = v;
  }
  return out as Partial<T>;
}

/** The shape every "Test connection" button shows. */
export interface TestConnectionResult {
  ok: boolean;
  message: string;
}

/**
 * Where each deployed config node sends its stored secrets (normalised URLs, see secretScope).
 * Kept beside the node object rather than on it, so the config nodes' public APIs stay as they are.
 */
const scopes = new WeakMap<object, string>();

/** A URL in one spelling: scheme and host lower case, default port dropped, no trailing slash. */
export function normaliseUrl(url: string | undefined, base?: string): string {
  const text = (url ?? '').trim();
  try {
    return new URL(text, base).href.replace(/\/+$/, '');
  } catch {
    return text.replace(/\/+$/, '');
  }
}

function scopeKey(scope: readonly string[]): string {
  return JSON.stringify(scope.map((u) => normaliseUrl(u)));
}

/** Called by a config node when it is created: its stored secrets may go to these URLs only. */
export function bindSecretScope(node: object, scope: readonly string[] | undefined): void {
  if (scope) scopes.set(node, scopeKey(scope));
  else scopes.delete(node);
}

export interface TestCredentialsRequest<T> {
  /** The config node type the id must belong to. */
  type: string;
  id: string | undefined;
  submitted: Partial<T> | undefined;
  /** Where this test sends the credentials (same shape as the deployed node's bindSecretScope). */
  scope: readonly string[];
  /** The credentials the test sends; the others are never taken from the stored ones. */
  keys: ReadonlyArray<keyof T & string>;
}

export type TestCredentials<T> =
  { ok: true; credentials: Partial<T>; fromDeployedNode: boolean } | { ok: false; status: 400; message: string };

/**
 * The one rule for every "Test connection" endpoint: stored secrets are reused (for "__PWRD__",
 * empty or missing fields, see resolveCredentials) only when the id is a deployed node of the right type whose URLs are
 * the ones tested. Otherwise a POST with another URL could make the runtime send the deployed
 * secrets to any host, so a secret that would come from storage is refused with a 400.
 */
export function resolveTestCredentials<T extends Record<string, string | undefined>>(
  RED: NodeAPI,
  request: TestCredentialsRequest<T>,
): TestCredentials<T> {
  const { id, type, submitted, keys } = request;
  const node = id ? (RED.nodes.getNode(id) as { type?: string } | null) : null;
  const deployed = node && node.type === type ? node : undefined;
  const same = !!deployed && scopes.get(deployed) === scopeKey(request.scope);
  if (same) return { ok: true, credentials: resolveCredentials<T>(RED, id, submitted), fromDeployedNode: true };

  const typed: Record<string, string> = {};
  for (const [k, v] of Object.entries(submitted ?? {})) {
    if (typeof v === 'string' && v !== '__PWRD__' && v !== '') typed[k] = v;
  }
  const stored = (id ? (RED.nodes.getCredentials(id) as Record<string, unknown> | undefined) : undefined) ?? {};
  // "__PWRD__" or no field at all means "the stored one"; an empty field was cleared by the user.
  const fromStore = (k: string): boolean => submitted?.[k] === undefined || submitted[k] === '__PWRD__';
  const missing = keys.filter((k) => fromStore(k) && typeof stored[k] === 'string' && stored[k] !== '');
  if (missing.length) {
    const why = deployed ? 'the URL differs from the deployed node’s' : 'this node is not deployed yet';
    return {
      ok: false,
      status: 400,
      message: `Stored secrets are sent only to the URL the deployed node uses and ${why}: type ${missing.join(', ')} again to test`,
    };
  }
  return { ok: true, credentials: typed as Partial<T>, fromDeployedNode: false };
}
