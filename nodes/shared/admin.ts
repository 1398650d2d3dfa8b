import type { NodeAPI } from 'node-red';
import { toErrorInfo } from '../core/errors';

/**
 * Admin endpoints used by edit dialogs ("Test connection"). Registered once per runtime, always
 * behind RED.auth.needsPermission, never returning a secret.
 */

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
