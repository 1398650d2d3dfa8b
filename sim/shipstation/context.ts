// Everything the route modules share: the store, the knobs, the clock and the logs.
import type { Request, Response, NextFunction, RequestHandler } from 'express';
import type { FixedWindowLimiter } from './rate-limit';
import type { Random } from './random';
import type { SigningKey } from './signing';
import type { ShipStationStore } from './store';
import type { RequestLogEntry, ShipStationSimConfig } from './types';
import type { WebhookDispatcher } from './webhooks';

export interface SimContext {
  store: ShipStationStore;
  config: ShipStationSimConfig;
  now: () => number;
  random: Random;
  limiter: FixedWindowLimiter;
  webhooks: WebhookDispatcher;
  signingKeys: SigningKey[];
  v1Base: () => string;
  v2Base: () => string;
  requests: RequestLogEntry[];
  counters: { requests: number; rateLimited429: number; forced429: number; errors5xx: number; requestSeq: number };
}

/** Case-insensitive query lookup (V1 is ASP.NET: `storeID` and `storeId` are the same). */
export function queryValue(req: Request, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(req.query)) {
    if (key.toLowerCase() !== wanted) continue;
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}

/** Express 4 does not forward rejected promises; route them to the error handler. */
export function asyncRoute(handler: (req: Request, res: Response) => Promise<void> | void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch(next);
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
