/**
 * Connected-application JWT for X3's GraphQL API (reference 2.1): the client signs its own
 * short-lived HS256 token with the app secret; there is no token endpoint.
 */
import { createHmac } from 'node:crypto';

export interface ConnectedAppJwtOptions {
  /** Connected-app client id (`iss`). */
  clientId: string;
  /** Connected-app secret (HMAC key). */
  secret: string;
  /** The X3 user allowed for the app (`sub`); omitted when empty, as some clients do. */
  user?: string;
  /** `aud`: Sage's samples send "" (the default); some installs expect the registered URL. */
  audience?: string;
  /** `exp - iat` in seconds (default 300; keep it within the app's "Tokens validity"). */
  lifetimeSeconds?: number;
  /** `iat` is set this far in the past to tolerate clock skew (default 30; Sage's example). */
  backdateSeconds?: number;
  /** Epoch ms. */
  now: number;
}

export interface MintedJwt {
  token: string;
  /** Epoch seconds. */
  iat: number;
  exp: number;
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

export function mintConnectedAppJwt(options: ConnectedAppJwtOptions): MintedJwt {
  if (!options.clientId) throw new Error('connected app: the client id is missing');
  if (!options.secret) throw new Error('connected app: the client secret is missing');
  const lifetime = options.lifetimeSeconds ?? 300;
  const backdate = options.backdateSeconds ?? 30;
  if (!(lifetime > 0)) throw new Error('connected app: the token lifetime must be positive');
  const iat = Math.floor(options.now / 1000) - backdate;
  const exp = iat + lifetime;
  const claims: Record<string, unknown> = { iss: options.clientId };
  if (options.user) claims.sub = options.user;
  claims.aud = options.audience ?? '';
  claims.iat = iat;
  claims.exp = exp;
  const signingInput = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  const signature = createHmac('sha256', options.secret).update(signingInput).digest('base64url');
  return { token: `${signingInput}.${signature}`, iat, exp };
}
