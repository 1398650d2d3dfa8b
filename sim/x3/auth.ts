/**
 * The three X3 authentication schemes (reference section 2): connected-app HS256 JWTs,
 * X3-Cloud style OAuth2 with rotating refresh tokens, and Basic. Every API request is logged
 * with the credential's identity (hash prefix) and remaining lifetime.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import type { AuthMethod, AuthSettings, X3SimKnobs } from './config';
import { tokenId, type Face, type SimLogs } from './logs';
import { toX3Stamp } from './values';

export type AuthResult =
  { ok: true; user: string; method: AuthMethod } | { ok: false; status: 401; message: string; wwwAuthenticate: string };

interface AccessToken {
  id: string;
  user: string;
  expiresAt: number;
  issuedAt: number;
}

interface RefreshToken {
  id: string;
  user: string;
  expiresAt: number;
  revoked: boolean;
}

export interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
}

function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

function decodeJsonPart(part: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

const CODE_LIFETIME_MS = 10 * 60 * 1000;

export class AuthService {
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly codes = new Map<string, number>();

  constructor(
    readonly settings: AuthSettings,
    private readonly serverNow: () => number,
    private readonly knobs: X3SimKnobs,
    private readonly logs: SimLogs,
  ) {
    this.reset();
  }

  reset(): void {
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.codes.clear();
    const initial = this.settings.oauth2.initialRefreshToken;
    if (initial) {
      this.refreshTokens.set(initial, {
        id: tokenId(initial),
        user: this.settings.oauth2.user,
        expiresAt: this.serverNow() + this.settings.oauth2.refreshTokenLifetimeSeconds * 1000,
        revoked: false,
      });
    }
  }

  /** Stands in for the browser pairing of reference 2.2: returns a one-time authorization code. */
  issueAuthorizationCode(): string {
    const code = newSecretToken();
    this.codes.set(code, this.serverNow() + CODE_LIFETIME_MS);
    return code;
  }

  authenticate(face: Face, header: string | undefined): AuthResult {
    const now = this.serverNow();
    const at = toX3Stamp(now);
    const fail = (
      method: 'jwt' | 'oauth2' | 'basic' | 'none',
      message: string,
      reason: string,
      extra: Partial<{ user: string; tokenId: string }> = {},
    ): AuthResult => {
      this.logs.addAuth({ at, face, method, ok: false, status: 401, nearExpiry: false, reason, ...extra });
      return {
        ok: false,
        status: 401,
        message,
        wwwAuthenticate:
          method === 'basic' || method === 'none' ? 'Basic realm="Sage X3"' : 'Bearer error="invalid_token"',
      };
    };
    const forced = (): boolean => {
      if (this.knobs.forced401Count <= 0) return false;
      this.knobs.forced401Count--;
      return true;
    };

    if (!header) {
      if (forced()) return fail('none', 'Authentication required', 'forced401');
      return fail('none', 'Authentication required', 'missing credentials');
    }
    const [scheme, ...rest] = header.trim().split(/\s+/);
    const credential = rest.join(' ');
    if (/^basic$/i.test(scheme)) {
      // Buffer.from ignores characters outside the base64 alphabet, so decoding cannot throw
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = colon >= 0 ? decoded.slice(0, colon) : decoded;
      const password = colon >= 0 ? decoded.slice(colon + 1) : '';
      if (!this.settings.methods.includes('basic'))
        return fail('basic', 'Basic authentication not allowed', 'method disabled', { user });
      const expected = this.settings.basicUsers[user];
      if (expected === undefined || !safeEqual(expected, password))
        return fail('basic', 'Invalid user or password', 'bad credentials', { user });
      if (forced()) return fail('basic', 'Invalid user or password', 'forced401', { user });
      this.logs.addAuth({ at, face, method: 'basic', ok: true, status: 200, user, nearExpiry: false });
      return { ok: true, user, method: 'basic' };
    }
    if (!/^bearer$/i.test(scheme) || credential === '')
      return fail('none', 'Authentication required', `unsupported scheme ${scheme}`);
    if (credential.split('.').length === 3) return this.checkJwt(face, credential, now, at, fail, forced);
    return this.checkAccessToken(face, credential, now, at, fail, forced);
  }

  private checkJwt(
    face: Face,
    jwt: string,
    now: number,
    at: string,
    fail: (m: 'jwt', message: string, reason: string, extra?: Partial<{ user: string; tokenId: string }>) => AuthResult,
    forced: () => boolean,
  ): AuthResult {
    const app = this.settings.connectedApp;
    const id = tokenId(jwt);
    const err = (code: number, reason: string, user?: string): AuthResult =>
      fail('jwt', `Error ${code}: Invalid token`, reason, { tokenId: id, user });
    if (!this.settings.methods.includes('jwt')) return err(50, 'method disabled');
    const [h, p, s] = jwt.split('.');
    const header = decodeJsonPart(h);
    const payload = decodeJsonPart(p);
    if (!header || !payload) return err(50, 'malformed token');
    if (header.alg !== 'HS256') return err(50, `unsupported alg ${String(header.alg)}`);
    if (payload.iss !== app.clientId) return err(41, 'wrong iss');
    const expectedSig = createHmac('sha256', app.secret).update(`${h}.${p}`).digest('base64url');
    if (!safeEqual(expectedSig, s)) return err(50, 'bad signature');
    const sub = typeof payload.sub === 'string' ? payload.sub : '';
    if (!app.allowedUsers.includes(sub)) return err(42, 'wrong sub', sub || undefined);
    const aud = payload.aud === undefined ? '' : payload.aud;
    if (aud !== app.audience) return err(45, 'wrong aud', sub);
    const nowSec = Math.floor(now / 1000);
    const { exp, iat } = payload;
    if (typeof exp !== 'number' || typeof iat !== 'number') return err(50, 'exp/iat missing', sub);
    if (iat > nowSec + app.iatLeewaySeconds) return err(21, 'iat in the future', sub);
    if (exp <= nowSec) return err(50, 'expired', sub);
    if (exp - nowSec > app.maxTokenLifetimeSeconds)
      return err(50, 'lifetime beyond the connected app token validity', sub);
    this.logs.noteJwt({ firstSeenAt: at, tokenId: id, iat, exp, sub });
    if (forced()) return err(50, 'forced401', sub);
    const remaining = exp - now / 1000;
    this.logs.addAuth({
      at,
      face,
      method: 'jwt',
      ok: true,
      status: 200,
      user: sub,
      tokenId: id,
      issuedAt: toX3Stamp(iat * 1000),
      expiresAt: toX3Stamp(exp * 1000),
      remainingSeconds: Math.round(remaining * 1000) / 1000,
      nearExpiry: remaining < this.knobs.nearExpirySeconds,
    });
    return { ok: true, user: sub, method: 'jwt' };
  }

  private checkAccessToken(
    face: Face,
    token: string,
    now: number,
    at: string,
    fail: (
      m: 'oauth2',
      message: string,
      reason: string,
      extra?: Partial<{ user: string; tokenId: string }>,
    ) => AuthResult,
    forced: () => boolean,
  ): AuthResult {
    const id = tokenId(token);
    if (!this.settings.methods.includes('oauth2'))
      return fail('oauth2', 'Invalid or expired access token', 'method disabled', { tokenId: id });
    const entry = this.accessTokens.get(token);
    if (!entry) return fail('oauth2', 'Invalid or expired access token', 'unknown access token', { tokenId: id });
    if (entry.expiresAt <= now)
      return fail('oauth2', 'Invalid or expired access token', 'expired', { tokenId: id, user: entry.user });
    if (forced())
      return fail('oauth2', 'Invalid or expired access token', 'forced401', { tokenId: id, user: entry.user });
    const remaining = (entry.expiresAt - now) / 1000;
    this.logs.addAuth({
      at,
      face,
      method: 'oauth2',
      ok: true,
      status: 200,
      user: entry.user,
      tokenId: id,
      issuedAt: toX3Stamp(entry.issuedAt),
      expiresAt: toX3Stamp(entry.expiresAt),
      remainingSeconds: Math.round(remaining * 1000) / 1000,
      nearExpiry: remaining < this.knobs.nearExpirySeconds,
    });
    return { ok: true, user: entry.user, method: 'oauth2' };
  }

  /** OAuth2 token endpoint: refresh_token (rotating) and authorization_code grants. */
  token(params: Record<string, unknown>, basicHeader: string | undefined): TokenResponse {
    const cfg = this.settings.oauth2;
    const str = (k: string): string => (typeof params[k] === 'string' ? (params[k] as string) : '');
    let clientId = str('client_id');
    let clientSecret = str('client_secret');
    if (!clientId && basicHeader && /^basic\s/i.test(basicHeader)) {
      const decoded = Buffer.from(basicHeader.trim().split(/\s+/)[1] ?? '', 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    }
    if (!this.settings.methods.includes('oauth2'))
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'OAuth2 is not enabled' } };
    if (clientId !== cfg.clientId || !safeEqual(clientSecret, cfg.clientSecret)) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } };
    }
    const now = this.serverNow();
    const grant = str('grant_type');
    if (grant === 'refresh_token') {
      const presented = str('refresh_token');
      const entry = this.refreshTokens.get(presented);
      if (!entry || entry.revoked || entry.expiresAt <= now) {
        return {
          status: 400,
          body: { error: 'invalid_grant', error_description: 'Invalid, expired or already used refresh token' },
        };
      }
      let refresh = presented;
      let refreshEntry = entry;
      if (cfg.rotateRefreshTokens) {
        entry.revoked = true;
        refresh = newSecretToken();
        refreshEntry = {
          id: tokenId(refresh),
          user: entry.user,
          expiresAt: now + cfg.refreshTokenLifetimeSeconds * 1000,
          revoked: false,
        };
        this.refreshTokens.set(refresh, refreshEntry);
      }
      return this.issue('refresh_token', entry.user, refresh, refreshEntry, now, entry.id);
    }
    if (grant === 'authorization_code') {
      const code = str('code');
      const exp = this.codes.get(code);
      if (exp === undefined || exp <= now)
        return {
          status: 400,
          body: { error: 'invalid_grant', error_description: 'Invalid or expired authorization code' },
        };
      this.codes.delete(code);
      const refresh = newSecretToken();
      const refreshEntry = {
        id: tokenId(refresh),
        user: cfg.user,
        expiresAt: now + cfg.refreshTokenLifetimeSeconds * 1000,
        revoked: false,
      };
      this.refreshTokens.set(refresh, refreshEntry);
      return this.issue('authorization_code', cfg.user, refresh, refreshEntry, now);
    }
    return {
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: `Unsupported grant_type '${grant}'` },
    };
  }

  private issue(
    grantType: 'refresh_token' | 'authorization_code',
    user: string,
    refresh: string,
    refreshEntry: RefreshToken,
    now: number,
    previousRefreshTokenId?: string,
  ): TokenResponse {
    const cfg = this.settings.oauth2;
    const access = newSecretToken();
    const expiresAt = now + cfg.accessTokenLifetimeSeconds * 1000;
    this.accessTokens.set(access, { id: tokenId(access), user, expiresAt, issuedAt: now });
    this.logs.addToken({
      at: toX3Stamp(now),
      grantType,
      clientId: cfg.clientId,
      accessTokenId: tokenId(access),
      refreshTokenId: refreshEntry.id,
      previousRefreshTokenId,
      expiresAt: toX3Stamp(expiresAt),
      refreshExpiresAt: toX3Stamp(refreshEntry.expiresAt),
    });
    return {
      status: 200,
      body: {
        access_token: access,
        token_type: 'Bearer',
        expires_in: cfg.accessTokenLifetimeSeconds,
        refresh_token: refresh,
        refresh_token_expires_in: Math.round((refreshEntry.expiresAt - now) / 1000),
      },
    };
  }
}
