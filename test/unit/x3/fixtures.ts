/**
 * Shared pieces of the X3 tests: the simulator's demo credentials and a connection to a sim.
 */
import { X3Connection, type X3ConnectionOptions } from '../../../nodes/x3/connection';
import { parseX3Settings, type X3Credentials } from '../../../nodes/x3/settings';
import type { X3Sim } from '../../../sim/x3/server';

export const JWT_CREDS: X3Credentials = {
  clientId: 'sim-connected-app',
  clientSecret: 'sim-connected-app-secret',
  user: 'admin',
  username: 'admin',
  password: 'admin-password',
};

export const OAUTH_CREDS: X3Credentials = {
  clientId: 'sim-oauth-client',
  clientSecret: 'sim-oauth-secret',
  refreshToken: 'sim-initial-refresh-token',
  username: 'admin',
  password: 'admin-password',
};

export const BASIC_CREDS: X3Credentials = { username: 'admin', password: 'admin-password' };

/** The sim's custom tracking (and label) fields, mapped for GraphQL reads (no standard X3 field exists). */
export const TRACKING_FIELDS = {
  salesDelivery: { fields: { yTrackingNumber: 'YTRACKNUM', yTrackingStatus: 'YTRKSTA', yLabel: 'YLABEL' } },
  salesOrder: { fields: { yTrackingNumber: 'YTRACKNUM', yTrackingStatus: 'YTRKSTA' } },
};

export function connect(
  sim: X3Sim,
  raw: Record<string, unknown> = {},
  credentials: X3Credentials = JWT_CREDS,
  options: Partial<X3ConnectionOptions> = {},
): X3Connection {
  const settings = parseX3Settings({
    url: sim.url,
    folder: 'SEED',
    api: 'graphql',
    auth: 'connected-app',
    tokenUrl: `${sim.url}/token`,
    entities: JSON.stringify(TRACKING_FIELDS),
    ...raw,
  });
  return new X3Connection({ settings, credentials, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options });
}

/** A record with its keys sorted, so a failed deepEqual shows a readable diff. */
export function comparable(rec: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(rec).sort(([a], [b]) => a.localeCompare(b)));
}

/** A dotted property path of a msg, as runUpdate's getProperty reads it (Node-RED's getMessageProperty without arrays). */
export function getPath(msg: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), msg);
}
