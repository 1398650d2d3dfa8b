/**
 * Sage X3 Cloud OAuth2 (reference 2.2): a 5-minute access token renewed with a 30-day refresh
 * token that rotates on every use. Node-RED saves credentials only on deploy, so the rotated
 * refresh token is kept in a state file of the user dir keyed by the config node id; losing it
 * would mean pairing the app again.
 */
import { createHash } from 'node:crypto';
import { ApiError, ValidationError } from '../core/errors';
import type { HttpClient } from '../core/http';
import type { StateFile } from '../core/state-file';
import type { TokenGrant } from '../core/token-cache';

export interface RefreshTokenStore {
  /** The refresh token to use now. */
  read(): string | undefined | Promise<string | undefined>;
  /** Keep the token the server just issued (rotation). */
  write(token: string): void | Promise<void>;
  remove(): void;
  /**
   * Runs one refresh (read, exchange, write) alone across every process sharing the token: the
   * token rotates on each use, so two instances refreshing with the same one would lose it.
   */
  exclusive?<T>(refresh: () => Promise<T>): Promise<T>;
}

export interface PersistedRefreshToken {
  refreshToken: string;
  /**
   * Hash of the refresh token configured in the credentials when this one was stored: when the
   * user pastes a new token (pairs again), the configured one wins over the stored chain.
   */
  configured: string;
}

const fingerprint = (token: string | undefined): string =>
  token ? createHash('sha256').update(token).digest('hex') : '';

/**
 * The file is read on every refresh (not cached): a "Test connection" call and the deployed
 * config node may both rotate the token, and both must see the latest one.
 */
export function fileRefreshTokenStore(
  file: StateFile<PersistedRefreshToken>,
  configured: string | undefined,
): RefreshTokenStore {
  const fp = fingerprint(configured);
  return {
    read: () => {
      const stored = file.read();
      return stored && stored.configured === fp && stored.refreshToken ? stored.refreshToken : configured || undefined;
    },
    write: (token) => file.write({ refreshToken: token, configured: fp }),
    remove: () => file.remove(),
  };
}

/** An in-memory store (tests, and the admin test of a config node that is not deployed yet). */
export function memoryRefreshTokenStore(initial: string | undefined): RefreshTokenStore {
  let current = initial;
  return {
    read: () => current,
    write: (t) => {
      current = t;
    },
    remove: () => {
      current = undefined;
    },
  };
}

export interface OAuth2RefreshOptions {
  /** Token HTTP client (auth off) whose base URL is the token endpoint. */
  http: HttpClient;
  clientId: string;
  clientSecret: string;
  store: RefreshTokenStore;
}

type Obj = Record<string, unknown>;

/** The token endpoint's error text (`error`, `error_description`). */
export function oauthErrorText(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body.trim() ? body.trim() : undefined;
  const b = body as Obj;
  const parts = [b.error, b.error_description, b.message].filter(
    (p): p is string => typeof p === 'string' && p.length > 0,
  );
  return parts.length ? parts.join(': ') : undefined;
}

/** Exchanges the current refresh token for an access token and stores the rotated refresh token. */
export async function refreshAccessToken(options: OAuth2RefreshOptions): Promise<TokenGrant> {
  const { store } = options;
  return store.exclusive ? store.exclusive(() => refreshOnce(options)) : refreshOnce(options);
}

async function refreshOnce(options: OAuth2RefreshOptions): Promise<TokenGrant> {
  const refreshToken = await options.store.read();
  if (!refreshToken) {
    throw new ValidationError(
      'x3',
      'refreshToken',
      'X3 OAuth2: no refresh token; pair the application with X3 and paste its refresh token in x3-config',
    );
  }
  if (!options.clientId || !options.clientSecret) {
    throw new ValidationError('x3', 'clientId', 'X3 OAuth2: the client id and client secret are required');
  }
  let data: unknown;
  try {
    const res = await options.http.request<unknown>({
      method: 'POST',
      url: '',
      auth: false,
      idempotent: false,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      data: {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: options.clientId,
        client_secret: options.clientSecret,
      },
    });
    data = res.data;
  } catch (err) {
    if (err instanceof ApiError && err.status === 400 && /invalid_grant/.test(err.message)) {
      throw new ApiError({
        system: 'x3',
        code: 'X3_REFRESH_TOKEN_REJECTED',
        status: 400,
        message: `X3 OAuth2: the refresh token was rejected (expired, revoked or already used): pair the application again and paste the new refresh token (${err.message})`,
        retryable: false,
        cause: err,
      });
    }
    throw err;
  }
  const body = (data && typeof data === 'object' ? data : {}) as Obj;
  if (typeof body.access_token !== 'string' || !body.access_token) {
    throw new ApiError({
      system: 'x3',
      code: 'X3_BAD_RESPONSE',
      message: 'X3 OAuth2: the token endpoint returned no access_token',
    });
  }
  if (typeof body.refresh_token === 'string' && body.refresh_token && body.refresh_token !== refreshToken) {
    await options.store.write(body.refresh_token);
  }
  const expiresIn = Number(body.expires_in);
  return {
    token: body.access_token,
    expiresInMs: (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 300) * 1000,
  };
}
