/** Shared state handed to every face, and the gate every API request passes first. */
import type { Request, Response } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { AuthService } from './auth';
import type { RestRepresentationSettings, SoapPublications, X3SimKnobs } from './config';
import type { FaultInjector, LicenceMeter } from './faults';
import { type Face, type SimLogs } from './logs';
import type { QueryEngine } from './query';
import type { SessionRegistry } from './sessions';
import type { X3Store } from './store';
import { toX3Stamp } from './values';

export interface SimContext {
  store: X3Store;
  engine: QueryEngine;
  knobs: X3SimKnobs;
  auth: AuthService;
  sessions: SessionRegistry;
  logs: SimLogs;
  faults: FaultInjector;
  licence: LicenceMeter;
  folders: string[];
  publications: SoapPublications;
  restRepresentations: Record<string, Record<string, RestRepresentationSettings>>;
  schema: GraphQLSchema;
  serverNow(): number;
  sleep(ms: number): Promise<void>;
}

export function diagnoses(
  message: string,
  severity: 'error' | 'warning' | 'info' = 'error',
): { $diagnoses: Array<{ $severity: string; $message: string }> } {
  return { $diagnoses: [{ $severity: severity, $message: message }] };
}

/** Logs the request when its answer is sent. */
export function trackRequest(ctx: SimContext, face: Face, req: Request, res: Response, delay: { ms: number }): void {
  const at = toX3Stamp(ctx.serverNow());
  res.on('finish', () => {
    const body: unknown = req.body;
    const query = body && typeof body === 'object' ? (body as Record<string, unknown>).query : undefined;
    const operation = typeof query === 'string' ? /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] : undefined;
    ctx.logs.addRequest({
      at,
      face,
      method: req.method,
      path: req.originalUrl.split('?')[0],
      status: res.statusCode,
      delayMs: delay.ms,
      ...(face === 'graphql' && operation ? { operation } : {}),
    });
  });
}

function sendFailure(face: Face, res: Response, status: number, message: string, wwwAuthenticate?: string): void {
  if (wwwAuthenticate) res.set('WWW-Authenticate', wwwAuthenticate);
  if (face === 'rest') {
    res.status(status).json(diagnoses(message));
  } else if (face === 'graphql' && status !== 401) {
    res.status(status).json({ errors: [{ message }] });
  } else {
    // X3 answers authentication failures (and SOAP transport failures) as plain text
    res.status(status).type('text/plain').send(message);
  }
}

/**
 * Latency, injected 5xx and authentication, in that order. Answers the failure itself and
 * returns null, or returns the authenticated X3 user. A live Syracuse session cookie
 * authenticates by itself; Basic credentials without one open a session (sessions.ts).
 */
export async function gate(
  ctx: SimContext,
  face: Face,
  req: Request,
  res: Response,
  delay: { ms: number },
): Promise<string | null> {
  if (ctx.knobs.latencyMs > 0) {
    delay.ms += ctx.knobs.latencyMs;
    await ctx.sleep(ctx.knobs.latencyMs);
  }
  if (ctx.faults.shouldFail5xx()) {
    sendFailure(face, res, 503, 'Service Unavailable');
    return null;
  }
  const sessionUser = ctx.sessions.resume(req.get('cookie'));
  if (sessionUser !== undefined) return sessionUser;
  const result = ctx.auth.authenticate(face, req.get('authorization'));
  if (!result.ok) {
    sendFailure(face, res, result.status, result.message, result.wwwAuthenticate);
    return null;
  }
  if (result.method === 'basic') res.append('Set-Cookie', ctx.sessions.open(result.user));
  return result.user;
}
