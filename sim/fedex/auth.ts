/**
 * OAuth (reference §2): `POST /oauth/token` form-encoded, client_credentials / csp_credentials /
 * client_pc_credentials (child_Key + child_secret), tokens valid tokenLifetimeSec, expired → 401
 * NOT.AUTHORIZED.ERROR "Access token expired…", and the per-IP token thresholds whose breach locks
 * the IP out: every request then gets a bare 403 for lockoutMs.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { FedexHttpError, MSG, envelope } from './errors';
import { type SimRuntime, type TokenInfo, pushCapped } from './runtime';
import type { RateRule, TokenOutcome } from './types';

export const GRANT_TYPES = ['client_credentials', 'csp_credentials', 'client_pc_credentials'] as const;

export function clientIp(req: Request): string {
  const raw = req.socket.remoteAddress ?? 'unknown';
  return raw.startsWith('::ffff:') ? raw.slice(7) : raw;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/* ---------------------------------------------------------------- thresholds ----------- */

/**
 * Records one token request from `ip` and applies the threshold rules. Returns true when the
 * request must be refused with 403 (already locked out, or this request breaches a rule).
 */
export function tokenRequestLockedOut(rt: SimRuntime, ip: string): boolean {
  const now = rt.now();
  const rules = rt.config.tokenRateRules;
  const longest = rules.reduce((m, r) => Math.max(m, r.windowMs), 0);
  const hits = (rt.tokenHits.get(ip) ?? []).filter((t) => t > now - longest);
  hits.push(now);
  rt.tokenHits.set(ip, hits);

  const until = rt.lockedUntil.get(ip);
  const locked = until !== undefined && now < until;
  const breached = rules.find((r: RateRule) => hits.filter((t) => t > now - r.windowMs).length > r.limit);
  if (!breached) return locked;

  if (!locked) {
    rt.lockedUntil.set(ip, now + rt.config.lockoutMs);
    pushCapped(rt.state.lockouts, {
      ip,
      startedAt: now,
      until: now + rt.config.lockoutMs,
      rule: { ...breached },
      extensions: 0,
    });
  } else if (rt.config.extendLockoutOnViolation) {
    rt.lockedUntil.set(ip, now + rt.config.lockoutMs);
    const rec = [...rt.state.lockouts].reverse().find((l) => l.ip === ip);
    if (rec) {
      rec.until = now + rt.config.lockoutMs;
      rec.extensions += 1;
    }
  }
  return true;
}

export function isLockedOut(rt: SimRuntime, ip: string): boolean {
  const until = rt.lockedUntil.get(ip);
  return until !== undefined && rt.now() < until;
}

/** "Breach → every request gets HTTP 403 Forbidden" — a bare 403, not FedEx's JSON envelope. */
export function sendLockout(res: Response): void {
  res.status(403).type('text/plain').send('Forbidden');
}

/* ---------------------------------------------------------------- token endpoint ------- */

function fakeJwt(payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}.${randomBytes(64).toString('base64url')}`;
}

/** A repeated form parameter parses as an array; FedEx answers "Missing or duplicate parameters". */
const DUPLICATE = Symbol('duplicate');

function formValue(body: Record<string, unknown>, key: string): string | undefined | typeof DUPLICATE {
  const v = body[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return DUPLICATE;
  return typeof v === 'string' ? v : undefined;
}

export interface TokenResult {
  outcome: TokenOutcome;
  status: number;
  body: unknown;
  grantType?: string;
  clientId?: string;
}

/** Runs after the lockout/fault checks: the token, or FedEx's error envelope, and what happened. */
export function issueToken(rt: SimRuntime, req: Request): TokenResult {
  const ctid = req.header('x-customer-transaction-id') ?? undefined;
  const fail = (
    outcome: TokenOutcome,
    status: number,
    code: string,
    message: string,
    extra: Partial<TokenResult> = {},
  ): TokenResult => ({
    outcome,
    status,
    body: envelope([{ code, message }], ctid),
    ...extra,
  });
  // FedEx takes the form encoding only (reference §2); a JSON body has no readable parameters.
  if (!req.is('application/x-www-form-urlencoded'))
    return fail('bad_request', 400, 'BAD.REQUEST.ERROR', MSG.badRequest);
  const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
  const grantType = formValue(body, 'grant_type');
  const clientId = formValue(body, 'client_id');
  const clientSecret = formValue(body, 'client_secret');
  if (!isParam(grantType) || !isParam(clientId) || !isParam(clientSecret)) {
    return fail('bad_request', 400, 'BAD.REQUEST.ERROR', MSG.badRequest, {
      grantType: isParam(grantType) ? grantType : undefined,
    });
  }
  if (!(GRANT_TYPES as readonly string[]).includes(grantType)) {
    return fail(
      'unsupported_grant_type',
      400,
      'BAD.REQUEST.ERROR',
      'Invalid grant_type. Valid values: client_credentials, csp_credentials, client_pc_credentials.',
      { grantType },
    );
  }
  const client = rt.findClient(clientId);
  if (!client || !safeEqual(client.clientSecret, clientSecret)) {
    return fail('invalid_client', 401, 'NOT.AUTHORIZED.ERROR', MSG.invalidCredentials, { grantType, clientId });
  }

  let childKey: string | undefined;
  const accountNumbers = [...client.accountNumbers];
  if (grantType !== 'client_credentials') {
    const key = formValue(body, 'child_Key');
    const secret = formValue(body, 'child_secret');
    if (!isParam(key) || !isParam(secret))
      return fail('bad_request', 400, 'BAD.REQUEST.ERROR', MSG.badRequest, { grantType, clientId });
    const child = client.children?.find((c) => c.childKey === key);
    if (!child || !safeEqual(child.childSecret, secret)) {
      return fail('invalid_client', 401, 'NOT.AUTHORIZED.ERROR', MSG.invalidCredentials, { grantType, clientId });
    }
    childKey = key;
    for (const a of child.accountNumbers ?? []) if (!accountNumbers.includes(a)) accountNumbers.push(a);
  }

  const now = rt.now();
  const lifetimeMs = rt.config.tokenLifetimeSec * 1000;
  const tokenId = rt.nextId('tok');
  const scope = client.scope ?? (grantType === 'client_credentials' ? 'CXS' : 'CXS-TP');
  const token = fakeJwt({
    scope: [scope],
    client_id: client.clientId,
    jti: tokenId,
    iat: Math.floor(now / 1000),
    exp: Math.floor((now + lifetimeMs) / 1000),
  });
  const info: TokenInfo = {
    tokenId,
    clientId: client.clientId,
    childKey,
    issuedAt: now,
    expiresAt: now + lifetimeMs,
    accountNumbers,
  };
  rt.tokens.set(token, info);
  pushCapped(rt.state.tokensIssued, {
    tokenId,
    clientId: client.clientId,
    childKey,
    grantType,
    issuedAt: now,
    expiresAt: info.expiresAt,
  });
  return {
    outcome: 'issued',
    status: 200,
    grantType,
    clientId: client.clientId,
    // Real responses report one second less than the lifetime (3599 for the 1-hour token).
    body: { access_token: token, token_type: 'bearer', expires_in: Math.max(0, rt.config.tokenLifetimeSec - 1), scope },
  };
}

function isParam(v: string | undefined | typeof DUPLICATE): v is string {
  return typeof v === 'string' && v !== '';
}

/* ---------------------------------------------------------------- bearer check --------- */

export function getAuth(res: Response): TokenInfo {
  const a = res.locals.auth as TokenInfo | undefined;
  if (!a) throw new Error('route used without the bearer middleware');
  return a;
}

export function accountsOf(rt: SimRuntime, info: TokenInfo): string[] {
  const client = rt.findClient(info.clientId);
  if (!client) return [];
  const child = info.childKey ? client.children?.find((c) => c.childKey === info.childKey) : undefined;
  return [...new Set([...client.accountNumbers, ...(child?.accountNumbers ?? [])])];
}

/** Business calls need `authorization: Bearer <token>` with a known, unexpired token. */
export function requireBearer(rt: SimRuntime) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const info = m ? rt.tokens.get(m[1]) : undefined;
    // A token of a project removed from the config is no longer valid.
    if (!info || !rt.findClient(info.clientId)) {
      next(new FedexHttpError(401, [{ code: 'NOT.AUTHORIZED.ERROR', message: MSG.invalidToken }]));
      return;
    }
    if (rt.now() >= info.expiresAt) {
      next(new FedexHttpError(401, [{ code: 'NOT.AUTHORIZED.ERROR', message: MSG.tokenExpired }]));
      return;
    }
    // Accounts are looked up per request, so adding one to the project applies to live tokens.
    res.locals.auth = { ...info, accountNumbers: accountsOf(rt, info) };
    next();
  };
}
