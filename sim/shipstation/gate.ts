// Front door of each API: request log, authentication, rate limit, injected faults, latency.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { sleep, type SimContext } from './context';
import { formatUtcIso } from './time';
import type { RequestLogEntry } from './types';

export type ApiVersion = 'v1' | 'v2';

function authScheme(req: Request): RequestLogEntry['auth'] {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    if (/^basic\s/i.test(header)) return 'basic';
    if (/^bearer\s/i.test(header)) return 'bearer';
    return 'other';
  }
  return req.headers['api-key'] !== undefined ? 'api-key' : 'none';
}

/** V1 error bodies follow ASP.NET Web API (`{"Message": ...}`), see README. */
export function v1Error(res: Response, status: number, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ Message: message, ...extra });
}

export function v2Error(
  res: Response,
  status: number,
  errorType: string,
  errorCode: string,
  message: string,
  errorSource = 'ShipStation',
): void {
  res.status(status).json({
    request_id: randomUUID(),
    errors: [{ error_source: errorSource, error_type: errorType, error_code: errorCode, message }],
  });
}

function v1Credential(ctx: SimContext, req: Request): { id: string; name: string } | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^basic\s+(.+)$/i.exec(header.trim());
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const key = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  const index = ctx.config.v1Credentials.findIndex((c) => c.key === key && c.secret === secret);
  if (index < 0) return null;
  const cred = ctx.config.v1Credentials[index];
  return { id: `v1:${cred.key}:${cred.secret}`, name: cred.name ?? `v1#${index}` };
}

function v2Credential(ctx: SimContext, req: Request): { id: string; name: string } | null {
  const header = req.headers['api-key'];
  const apiKey = Array.isArray(header) ? header[0] : header;
  if (typeof apiKey !== 'string' || apiKey === '') return null;
  const index = ctx.config.v2Credentials.findIndex((c) => c.apiKey === apiKey);
  if (index < 0) return null;
  const cred = ctx.config.v2Credentials[index];
  return { id: `v2:${cred.apiKey}`, name: cred.name ?? `v2#${index}` };
}

export function apiGate(ctx: SimContext, version: ApiVersion): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const entry: RequestLogEntry = {
      seq: ++ctx.counters.requestSeq,
      at: formatUtcIso(ctx.now()),
      method: req.method,
      path: req.originalUrl,
      api: version,
      auth: authScheme(req),
      credential: null,
      status: 0,
      rateLimited: false,
    };
    ctx.counters.requests += 1;
    res.on('finish', () => {
      entry.status = res.statusCode;
      ctx.requests.push(entry);
      if (ctx.requests.length > ctx.config.logLimit) ctx.requests.shift();
    });

    const credential = version === 'v1' ? v1Credential(ctx, req) : v2Credential(ctx, req);
    if (!credential) {
      if (version === 'v1') {
        res.setHeader('WWW-Authenticate', 'Basic realm="ShipStation"');
        v1Error(res, 401, 'Authorization has been denied for this request.');
      } else {
        v2Error(
          res,
          401,
          'security',
          'unauthorized',
          'The API key is invalid. Please check your API key or contact support.',
        );
      }
      return;
    }
    entry.credential = credential.name;
    res.locals.credential = credential.name;

    const limit = version === 'v1' ? ctx.config.v1RateLimit : ctx.config.v2RateLimit;
    const windowMs = ctx.config.rateWindowMs;
    let decision;
    let forced = false;
    if (ctx.config.burst429 > 0) {
      ctx.config.burst429 -= 1;
      forced = true;
      decision = ctx.limiter.peek(credential.id, limit, windowMs);
    } else {
      decision = ctx.limiter.take(credential.id, limit, windowMs);
    }
    if (version === 'v1' || ctx.config.v2RateLimitHeaders) {
      res.setHeader('X-Rate-Limit-Limit', String(decision.limit));
      res.setHeader('X-Rate-Limit-Remaining', String(decision.remaining));
      res.setHeader('X-Rate-Limit-Reset', String(decision.resetSeconds));
    }
    if (forced || !decision.allowed) {
      entry.rateLimited = true;
      ctx.counters.rateLimited429 += 1;
      if (forced) ctx.counters.forced429 += 1;
      // A forced 429 with a fresh window would say "retry in 0 s"; keep it at least 1.
      const retryAfter = String(Math.max(1, decision.resetSeconds));
      if (version === 'v1') {
        if (ctx.config.v1RetryAfter) res.setHeader('Retry-After', retryAfter);
        res.status(429).json({ message: 'Too Many Requests' });
      } else {
        res.setHeader('Retry-After', retryAfter);
        v2Error(
          res,
          429,
          'system',
          'rate_limit_exceeded',
          `You have exceeded the rate limit of ${limit} requests per window.`,
        );
      }
      return;
    }

    if (ctx.config.error5xxRate > 0 && ctx.random.next() < ctx.config.error5xxRate) {
      ctx.counters.errors5xx += 1;
      if (version === 'v1') v1Error(res, 500, 'An error has occurred.');
      else res.status(500).end();
      return;
    }

    const latency = ctx.config.latencyMs;
    if (latency > 0) {
      sleep(latency).then(() => next(), next);
      return;
    }
    next();
  };
}
