/**
 * x3-config settings: the raw editor values (strings) -> checked, typed settings with the
 * documented defaults. Shared by the config node and its "Test connection" endpoint.
 */
import { ValidationError } from '../core/errors';
import { parseRoutes, type RouteTable } from './client';
import { EntityCatalogue } from './entities';
import { SOAP_PATH } from './soap';

export type X3AuthMode = 'connected-app' | 'oauth2' | 'basic';
export type ReadApi = 'graphql' | 'rest';

export interface X3Settings {
  /** Scheme, host and port, no trailing slash. */
  url: string;
  /** X3 endpoint (folder): `x-xtrem-endpoint`, api1 path segment, default SOAP pool alias. */
  folder: string;
  /** API for reads (and default for writes of class-based entities). */
  api: ReadApi;
  auth: X3AuthMode;
  /** JWT `aud` (default ""). */
  audience: string;
  /** Re-mint / refresh period (default 240 s, ahead of the 5-minute expiry). */
  tokenRefreshSeconds: number;
  /** JWT `exp - iat` (default 300). */
  jwtLifetimeSeconds: number;
  /** JWT `iat` backdating (default 30). */
  jwtBackdateSeconds: number;
  /** OAuth2 token endpoint (X3 Cloud: `{endpoint}/v1/token`). */
  tokenUrl: string;
  rejectUnauthorized: boolean;
  timeoutMs: number;
  /**
   * Requests in flight at once through this config node, and documents an x3-update works on at
   * once. Keep it at or below the web-service child processes of the SOAP pool: a call beyond
   * them waits for a free process, or is refused ("No Web services accepted") when none is left.
   */
  maxConcurrent: number;
  /**
   * Basic authentication: the Syracuse session (cookie) is reused between calls; it is dropped
   * after `timeoutSeconds` unused (a little under Syracuse's session timeout) and ended with a
   * POST to `logoutPath` when the config node closes (empty: left to time out).
   */
  session: { timeoutSeconds: number; logoutPath: string };
  graphqlPrefix: string;
  graphqlPath: string;
  restPath: string;
  /** SData datetime literal, `{{value}}` = UTC ISO second precision. */
  restDatetimeLiteral: string;
  soap: {
    path: string;
    poolAlias: string;
    language: string;
    poolId: string;
    requestConfig: string;
    /** basic: username/password (usual); token: the GraphQL/REST bearer token. */
    auth: 'basic' | 'token';
  };
  routes: RouteTable;
  /** Parsed entity overrides (validated by building a catalogue). */
  entities: Record<string, unknown>;
}

export interface X3Credentials {
  clientId?: string;
  clientSecret?: string;
  /** Connected-app user (JWT `sub`). */
  user?: string;
  username?: string;
  password?: string;
  /** OAuth2 refresh token from the pairing. */
  refreshToken?: string;
}

type Raw = Record<string, unknown>;

function text(raw: Raw, key: string, fallback: string): string {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  const s = String(v).trim();
  return s === '' ? fallback : s;
}

function num(raw: Raw, key: string, fallback: number, min: number, max: number): number {
  const v = raw[key];
  if (v === undefined || v === null || String(v).trim() === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ValidationError('x3', key, `${key} must be a number between ${min} and ${max} (got "${String(v)}")`);
  }
  return n;
}

function json(raw: Raw, key: string): Record<string, unknown> {
  const v = raw[key];
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return {};
  let parsed: unknown = v;
  if (typeof v === 'string') {
    try {
      parsed = JSON.parse(v);
    } catch (err) {
      throw new ValidationError('x3', key, `${key} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ValidationError('x3', key, `${key} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

function oneOf<T extends string>(raw: Raw, key: string, allowed: readonly T[], fallback: T): T {
  const v = text(raw, key, fallback);
  if (!(allowed as readonly string[]).includes(v))
    throw new ValidationError('x3', key, `${key} must be one of ${allowed.join(', ')} (got "${v}")`);
  return v as T;
}

export function parseX3Settings(raw: Raw): X3Settings {
  const url = text(raw, 'url', '').replace(/\/+$/, '');
  if (!url)
    throw new ValidationError(
      'x3',
      'url',
      'x3-config: the X3 server URL is required (e.g. https://x3.example.com:8124)',
    );
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError('x3', 'url', `x3-config: "${url}" is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError('x3', 'url', `x3-config: the URL must start with http:// or https:// (got "${url}")`);
  }
  const folder = text(raw, 'folder', '');
  if (!folder) throw new ValidationError('x3', 'folder', 'x3-config: the X3 folder (endpoint name) is required');
  const auth = oneOf<X3AuthMode>(raw, 'auth', ['connected-app', 'oauth2', 'basic'], 'connected-app');
  const entities = json(raw, 'entities');
  new EntityCatalogue(entities);
  const settings: X3Settings = {
    url,
    folder,
    api: oneOf<ReadApi>(raw, 'api', ['graphql', 'rest'], 'graphql'),
    auth,
    audience: typeof raw.audience === 'string' ? raw.audience : '',
    tokenRefreshSeconds: num(raw, 'tokenRefreshSeconds', 240, 10, 3600),
    jwtLifetimeSeconds: num(raw, 'jwtLifetimeSeconds', 300, 30, 3600),
    jwtBackdateSeconds: num(raw, 'jwtBackdateSeconds', 30, 0, 300),
    tokenUrl: text(raw, 'tokenUrl', ''),
    rejectUnauthorized: raw.rejectUnauthorized !== false && raw.rejectUnauthorized !== 'false',
    timeoutMs: num(raw, 'timeoutSeconds', 30, 1, 600) * 1000,
    maxConcurrent: num(raw, 'maxConcurrent', 4, 1, 64),
    session: {
      timeoutSeconds: num(raw, 'sessionTimeoutSeconds', 1140, 10, 86_400),
      logoutPath: typeof raw.sessionLogoutPath === 'string' ? raw.sessionLogoutPath.trim() : '/logout',
    },
    graphqlPrefix: text(raw, 'graphqlPrefix', 'x3'),
    graphqlPath: text(raw, 'graphqlPath', '/xtrem/api'),
    restPath: text(raw, 'restPath', '/api1/x3/erp'),
    restDatetimeLiteral: text(raw, 'restDatetimeLiteral', '@{{value}}@'),
    soap: {
      path: text(raw, 'soapPath', SOAP_PATH),
      poolAlias: text(raw, 'soapPoolAlias', folder),
      language: text(raw, 'soapLanguage', 'ENG'),
      poolId: text(raw, 'soapPoolId', ''),
      requestConfig: typeof raw.soapRequestConfig === 'string' ? raw.soapRequestConfig.trim() : 'adxwss.optreturn=JSON',
      auth: oneOf(raw, 'soapAuth', ['basic', 'token'] as const, 'basic'),
    },
    routes: parseRoutes(raw.routes),
    entities,
  };
  if (
    settings.tokenRefreshSeconds >= settings.jwtLifetimeSeconds - settings.jwtBackdateSeconds &&
    auth === 'connected-app'
  ) {
    throw new ValidationError(
      'x3',
      'tokenRefreshSeconds',
      `tokenRefreshSeconds (${settings.tokenRefreshSeconds}) must be shorter than the token's remaining lifetime (${settings.jwtLifetimeSeconds - settings.jwtBackdateSeconds} s)`,
    );
  }
  if (auth === 'oauth2' && !settings.tokenUrl) {
    throw new ValidationError(
      'x3',
      'tokenUrl',
      'x3-config: OAuth2 needs the token endpoint URL (X3 Cloud: https://api.<region>-sagex3.com/v1/token)',
    );
  }
  return settings;
}

/** The credentials each authentication mode needs, as the user knows them. */
const NEEDED_CREDENTIALS: Record<X3AuthMode, ReadonlyArray<[keyof X3Credentials, string]>> = {
  'connected-app': [
    ['clientId', 'the connected-app client id'],
    ['clientSecret', 'the connected-app secret'],
  ],
  oauth2: [
    ['clientId', 'the OAuth2 client id'],
    ['clientSecret', 'the OAuth2 client secret'],
  ],
  basic: [
    ['username', 'the user name'],
    ['password', 'the password'],
  ],
};

/**
 * What an x3-config still lacks before it can connect (an imported example is deployed with an
 * empty URL and no credentials): the names of the empty required settings, none of their values.
 */
export function missingX3Settings(raw: Raw, creds: X3Credentials): string[] {
  const missing: string[] = [];
  if (!text(raw, 'url', '')) missing.push('the X3 server URL');
  if (!text(raw, 'folder', '')) missing.push('the X3 folder (endpoint name)');
  const auth = text(raw, 'auth', 'connected-app');
  // an unknown mode is a settings error parseX3Settings reports, not a missing setting
  const needed = Object.hasOwn(NEEDED_CREDENTIALS, auth) ? NEEDED_CREDENTIALS[auth as X3AuthMode] : [];
  for (const [key, label] of needed) if (!creds[key]) missing.push(label);
  return missing;
}

/**
 * Where the stored secrets of an x3-config may be sent: the server with its API paths, the OAuth2
 * token endpoint, and whether the server's certificate is checked.
 */
export function secretScopeOf(s: X3Settings): string[] {
  return [s.url, s.tokenUrl, s.graphqlPath, s.restPath, s.soap.path, `rejectUnauthorized=${s.rejectUnauthorized}`];
}

/** The credentials a connection with these settings sends (SOAP Basic needs the user name and password). */
export function credentialKeysOf(s: X3Settings): Array<keyof X3Credentials & string> {
  const app: Array<keyof X3Credentials & string> =
    s.auth === 'connected-app'
      ? ['clientId', 'clientSecret', 'user']
      : s.auth === 'oauth2'
        ? ['clientId', 'clientSecret', 'refreshToken']
        : [];
  return [...app, 'username', 'password'];
}

/** Which credentials each mode needs; the message names the missing one. */
export function checkCredentials(settings: X3Settings, creds: X3Credentials, needsSoap: boolean): void {
  for (const [key, label] of NEEDED_CREDENTIALS[settings.auth]) {
    if (!creds[key])
      throw new ValidationError('x3', key, `x3-config: ${label} is required for ${settings.auth} authentication`);
  }
  if (needsSoap && settings.soap.auth === 'basic' && (!creds.username || !creds.password)) {
    throw new ValidationError(
      'x3',
      'username',
      'x3-config: SOAP web services use Basic authentication: enter the web-service user name and password',
    );
  }
}
