// Default knobs and the validated patching used by options and `POST /__sim/config`.
import { isObject } from './input';
import type { ShipStationSimConfig, V1Credential, V2Credential, V2SignatureFault } from './types';

export const DEFAULT_V1_CREDENTIAL: V1Credential = { key: 'sim-v1-key', secret: 'sim-v1-secret', name: 'default-v1' };
export const DEFAULT_V2_CREDENTIAL: V2Credential = { apiKey: 'sim-v2-key', name: 'default-v2' };

export function defaultConfig(): ShipStationSimConfig {
  return {
    v1Credentials: [{ ...DEFAULT_V1_CREDENTIAL }],
    v2Credentials: [{ ...DEFAULT_V2_CREDENTIAL }],
    v1RateLimit: 40,
    v2RateLimit: 200,
    rateWindowMs: 60_000,
    v1RetryAfter: false,
    v2RateLimitHeaders: false,
    latencyMs: 0,
    error5xxRate: 0,
    burst429: 0,
    lockedOrderStatus: 400,
    v1DateFilterMode: 'wallclock',
    webhookDelayMs: 0,
    webhookTimeoutMs: 10_000,
    v2WebhookOneUrlPerEvent: true,
    v2SignatureFault: 'none',
    logLimit: 5000,
  };
}

const NUMBER_KEYS = [
  'v1RateLimit',
  'v2RateLimit',
  'rateWindowMs',
  'latencyMs',
  'error5xxRate',
  'burst429',
  'lockedOrderStatus',
  'webhookDelayMs',
  'webhookTimeoutMs',
  'logLimit',
] as const;
const BOOLEAN_KEYS = ['v1RetryAfter', 'v2RateLimitHeaders', 'v2WebhookOneUrlPerEvent'] as const;
const FAULTS: V2SignatureFault[] = ['none', 'bad-signature', 'missing-headers', 'stale-timestamp', 'unknown-kid'];

/** Applies a patch in place; returns the problems (nothing is applied when there are any). */
export function applyConfigPatch(config: ShipStationSimConfig, patch: unknown): string[] {
  if (!isObject(patch)) return ['config patch must be a JSON object'];
  const errors: string[] = [];
  const next: Partial<ShipStationSimConfig> = {};
  for (const [key, value] of Object.entries(patch)) {
    if ((NUMBER_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        errors.push(`${key} must be a non-negative number`);
      else if (key === 'error5xxRate' && value > 1) errors.push('error5xxRate must be between 0 and 1');
      else (next as Record<string, unknown>)[key] = value;
    } else if ((BOOLEAN_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') errors.push(`${key} must be a boolean`);
      else (next as Record<string, unknown>)[key] = value;
    } else if (key === 'v1DateFilterMode') {
      if (value !== 'wallclock' && value !== 'instant') errors.push('v1DateFilterMode must be wallclock or instant');
      else next.v1DateFilterMode = value;
    } else if (key === 'v2SignatureFault') {
      if (!FAULTS.includes(value as V2SignatureFault))
        errors.push(`v2SignatureFault must be one of ${FAULTS.join(', ')}`);
      else next.v2SignatureFault = value as V2SignatureFault;
    } else if (key === 'v1Credentials') {
      const ok =
        Array.isArray(value) &&
        value.every((c) => isObject(c) && typeof c.key === 'string' && typeof c.secret === 'string');
      if (!ok) errors.push('v1Credentials must be an array of {key, secret, name?}');
      else
        next.v1Credentials = (value as Record<string, unknown>[]).map((c) => ({
          key: c.key as string,
          secret: c.secret as string,
          ...(typeof c.name === 'string' ? { name: c.name } : {}),
        }));
    } else if (key === 'v2Credentials') {
      const ok = Array.isArray(value) && value.every((c) => isObject(c) && typeof c.apiKey === 'string');
      if (!ok) errors.push('v2Credentials must be an array of {apiKey, name?}');
      else
        next.v2Credentials = (value as Record<string, unknown>[]).map((c) => ({
          apiKey: c.apiKey as string,
          ...(typeof c.name === 'string' ? { name: c.name } : {}),
        }));
    } else {
      errors.push(`unknown config key ${key}`);
    }
  }
  if (errors.length === 0) Object.assign(config, next);
  return errors;
}

/** Config as shown by `GET /__sim/state`: credential names only, never keys or secrets. */
export function publicConfig(config: ShipStationSimConfig): Record<string, unknown> {
  return {
    ...config,
    v1Credentials: config.v1Credentials.map((c, i) => ({ name: c.name ?? `v1#${i}` })),
    v2Credentials: config.v2Credentials.map((c, i) => ({ name: c.name ?? `v2#${i}` })),
  };
}
