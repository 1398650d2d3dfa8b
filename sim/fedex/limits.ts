/**
 * Quotas and injected faults on business calls (reference §8):
 * - 1,400 transactions per 10 s per project: a fixed window that opens with the first request and
 *   refuses with 429 until it ends ("if we receive 1400 requests in the first four seconds …
 *   transactions will be restricted for the next six seconds");
 * - daily Track quota per project and daily organisation quota, both reset at 00:00 GMT;
 * - knobs: burst429 (next N → 429), error5xxRate (500/503), latencyMs.
 * FedEx documents no Retry-After; `retryAfterSec` adds one when set.
 */
import { FedexHttpError, MSG, RATE_LIMIT_CODE, type FedexError } from './errors';
import { type SimRuntime, pushCapped, utcDay } from './runtime';
import type { LimitRecord } from './types';

function tooMany(message: string, retryAfterSec: number | null): FedexHttpError {
  const headers: Record<string, string> = {};
  if (retryAfterSec !== null) headers['retry-after'] = String(Math.max(0, Math.ceil(retryAfterSec)));
  const errors: FedexError[] = [{ code: RATE_LIMIT_CODE, message }];
  return new FedexHttpError(429, errors, headers);
}

function record(rt: SimRuntime, path: string, status: number, reason: LimitRecord['reason'], clientId?: string): void {
  pushCapped(rt.state.limits, { at: rt.now(), path, status, reason, clientId });
}

export function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

/** Faults that hit before authentication: a gateway that is overloaded or failing. */
export function injectedFault(rt: SimRuntime, path: string, business: boolean): FedexHttpError | undefined {
  const cfg = rt.config;
  if (business && cfg.burst429 > 0) {
    cfg.burst429 -= 1;
    record(rt, path, 429, 'burst429');
    return tooMany(MSG.rateLimited, cfg.retryAfterSec);
  }
  if (cfg.error5xxRate > 0 && rt.rng() < cfg.error5xxRate) {
    const status = rt.rng() < 0.5 ? 500 : 503;
    record(rt, path, status, 'error5xxRate');
    return status === 500
      ? new FedexHttpError(500, [{ code: 'INTERNAL.SERVER.ERROR', message: MSG.internal }])
      : new FedexHttpError(503, [{ code: 'SERVICE.UNAVAILABLE.ERROR', message: MSG.unavailable }]);
  }
  return undefined;
}

function msUntilUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now;
}

/** Counts one business transaction of `clientId`; returns the 429 to send when over a quota. */
export function chargeQuota(
  rt: SimRuntime,
  clientId: string,
  path: string,
  isTrack: boolean,
): FedexHttpError | undefined {
  const cfg = rt.config;
  const now = rt.now();
  const day = utcDay(now);

  const org = rt.orgDaily.get(day) ?? 0;
  if (org >= cfg.orgDailyQuota) {
    record(rt, path, 429, 'orgDailyQuota', clientId);
    return tooMany(
      MSG.orgDailyQuota,
      cfg.retryAfterSec === null ? null : Math.max(cfg.retryAfterSec, msUntilUtcMidnight(now) / 1000),
    );
  }
  const trackKey = `${clientId}|${day}`;
  const track = rt.trackDaily.get(trackKey) ?? 0;
  if (isTrack && track >= cfg.trackDailyQuota) {
    record(rt, path, 429, 'trackDailyQuota', clientId);
    return tooMany(
      MSG.trackDailyQuota,
      cfg.retryAfterSec === null ? null : Math.max(cfg.retryAfterSec, msUntilUtcMidnight(now) / 1000),
    );
  }
  let w = rt.quotaWindows.get(clientId);
  if (!w || now >= w.startedAt + cfg.quotaWindowMs) {
    w = { startedAt: now, count: 0 };
    rt.quotaWindows.set(clientId, w);
  }
  if (w.count >= cfg.quotaLimit) {
    record(rt, path, 429, 'quota', clientId);
    const remainingSec = (w.startedAt + cfg.quotaWindowMs - now) / 1000;
    return tooMany(MSG.rateLimited, cfg.retryAfterSec === null ? null : Math.max(cfg.retryAfterSec, remainingSec));
  }
  w.count += 1;
  rt.orgDaily.set(day, org + 1);
  if (isTrack) rt.trackDaily.set(trackKey, track + 1);
  return undefined;
}
