/**
 * Defaults of the live knobs and the checked patching used by options and `POST /__sim/config`.
 * Defaults follow /work/shared/reference/fedex-api.md (§2 token thresholds, §8 quotas, §3 label URL life).
 */
import type { FedexSimConfig, FedexSimOptions, RateRule, SimAlert, SimClient, WebhookSettings } from './types';

/** Sim-only credentials, documented in README so demos and tests can use them. */
export const DEFAULT_CLIENT: SimClient = {
  clientId: 'sim-fedex-client-id',
  clientSecret: 'sim-fedex-client-secret',
  accountNumbers: ['740561073'],
};

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  pollMs: 1000,
  retryDelaysMs: [60_000, 120_000, 240_000],
  timeoutMs: 5000,
  history: 'full',
  outOfOrder: false,
  enforceUrlRules: false,
  missedRetentionMs: 7 * 24 * 3600_000,
};

export function defaultConfig(): FedexSimConfig {
  return {
    clients: [cloneClient(DEFAULT_CLIENT)],
    tokenLifetimeSec: 3600,
    tokenRateRules: [
      { limit: 15, windowMs: 5000 },
      { limit: 120, windowMs: 120_000 },
    ],
    lockoutMs: 10 * 60_000,
    extendLockoutOnViolation: true,
    quotaLimit: 1400,
    quotaWindowMs: 10_000,
    trackDailyQuota: 100_000,
    orgDailyQuota: 500_000,
    retryAfterSec: null,
    latencyMs: 0,
    routeLatencyMs: {},
    error5xxRate: 0,
    burst429: 0,
    commitThenDropRate: 0,
    commitThenDropNext: 0,
    seed: 1,
    trackingSpeed: 1,
    journeySeconds: null,
    exceptionRate: 0.05,
    trackVisibilityDelayMs: 0,
    labelUrlTtlMs: 24 * 3600_000,
    requireTotalWeight: false,
    createAlerts: [],
    webhooks: { ...DEFAULT_WEBHOOK_SETTINGS, retryDelaysMs: [...DEFAULT_WEBHOOK_SETTINGS.retryDelaysMs] },
    clockOffsetMs: 0,
  };
}

export class ConfigError extends Error {}

function cloneClient(c: SimClient): SimClient {
  return {
    ...c,
    accountNumbers: [...c.accountNumbers],
    children: c.children?.map((ch) => ({
      ...ch,
      accountNumbers: ch.accountNumbers ? [...ch.accountNumbers] : undefined,
    })),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(key: string, v: unknown, min: number, max = Number.POSITIVE_INFINITY): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`${key} must be a number between ${min} and ${max}`);
  }
  return v;
}

function bool(key: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(`${key} must be a boolean`);
  return v;
}

function str(key: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${key} must be a non-empty string`);
  return v;
}

function strList(key: string, v: unknown): string[] {
  if (!Array.isArray(v)) throw new ConfigError(`${key} must be an array of strings`);
  return v.map((x, i) => str(`${key}[${i}]`, x));
}

function parseClients(v: unknown): SimClient[] {
  if (!Array.isArray(v) || v.length === 0) throw new ConfigError('clients must be a non-empty array');
  return v.map((c, i) => {
    if (!isRecord(c)) throw new ConfigError(`clients[${i}] must be an object`);
    const client: SimClient = {
      clientId: str(`clients[${i}].clientId`, c.clientId),
      clientSecret: str(`clients[${i}].clientSecret`, c.clientSecret),
      accountNumbers: strList(`clients[${i}].accountNumbers`, c.accountNumbers ?? []),
    };
    if (c.scope !== undefined) client.scope = str(`clients[${i}].scope`, c.scope);
    if (c.children !== undefined) {
      if (!Array.isArray(c.children)) throw new ConfigError(`clients[${i}].children must be an array`);
      client.children = c.children.map((ch, j) => {
        if (!isRecord(ch)) throw new ConfigError(`clients[${i}].children[${j}] must be an object`);
        return {
          childKey: str(`clients[${i}].children[${j}].childKey`, ch.childKey),
          childSecret: str(`clients[${i}].children[${j}].childSecret`, ch.childSecret),
          accountNumbers:
            ch.accountNumbers === undefined
              ? undefined
              : strList(`clients[${i}].children[${j}].accountNumbers`, ch.accountNumbers),
        };
      });
    }
    return client;
  });
}

function parseRules(v: unknown): RateRule[] {
  if (!Array.isArray(v)) throw new ConfigError('tokenRateRules must be an array');
  return v.map((r, i) => {
    if (!isRecord(r)) throw new ConfigError(`tokenRateRules[${i}] must be an object`);
    return {
      limit: num(`tokenRateRules[${i}].limit`, r.limit, 0),
      windowMs: num(`tokenRateRules[${i}].windowMs`, r.windowMs, 1),
    };
  });
}

function parseAlerts(v: unknown): SimAlert[] {
  if (!Array.isArray(v)) throw new ConfigError('createAlerts must be an array');
  return v.map((a, i) => {
    if (!isRecord(a)) throw new ConfigError(`createAlerts[${i}] must be an object`);
    const alertType = a.alertType === 'WARNING' ? 'WARNING' : 'NOTE';
    return {
      code: str(`createAlerts[${i}].code`, a.code),
      alertType,
      message: str(`createAlerts[${i}].message`, a.message),
    };
  });
}

function applyWebhookPatch(target: WebhookSettings, patch: unknown): void {
  if (!isRecord(patch)) throw new ConfigError('webhooks must be an object');
  for (const [k, v] of Object.entries(patch)) {
    switch (k) {
      case 'pollMs':
        target.pollMs = num('webhooks.pollMs', v, 0);
        break;
      case 'retryDelaysMs':
        if (!Array.isArray(v)) throw new ConfigError('webhooks.retryDelaysMs must be an array');
        target.retryDelaysMs = v.map((d, i) => num(`webhooks.retryDelaysMs[${i}]`, d, 0));
        break;
      case 'timeoutMs':
        target.timeoutMs = num('webhooks.timeoutMs', v, 1);
        break;
      case 'history':
        if (v !== 'full' && v !== 'latest') throw new ConfigError('webhooks.history must be full or latest');
        target.history = v;
        break;
      case 'outOfOrder':
        target.outOfOrder = bool('webhooks.outOfOrder', v);
        break;
      case 'enforceUrlRules':
        target.enforceUrlRules = bool('webhooks.enforceUrlRules', v);
        break;
      case 'missedRetentionMs':
        target.missedRetentionMs = num('webhooks.missedRetentionMs', v, 0);
        break;
      default:
        throw new ConfigError(`unknown knob webhooks.${k}`);
    }
  }
}

/**
 * Applies a partial config (from options or JSON) onto `target`, checking every value.
 * Throws ConfigError naming the bad knob; nothing is applied then.
 */
export function applyConfigPatch(target: FedexSimConfig, patch: unknown): void {
  if (!isRecord(patch)) throw new ConfigError('config patch must be an object');
  // Work on a copy so a bad knob late in the patch leaves the live config untouched.
  const next: FedexSimConfig = {
    ...target,
    clients: target.clients.map(cloneClient),
    tokenRateRules: target.tokenRateRules.map((r) => ({ ...r })),
    createAlerts: target.createAlerts.map((a) => ({ ...a })),
    routeLatencyMs: { ...target.routeLatencyMs },
    webhooks: { ...target.webhooks, retryDelaysMs: [...target.webhooks.retryDelaysMs] },
  };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    switch (k) {
      case 'clients':
        next.clients = parseClients(v);
        break;
      case 'tokenLifetimeSec':
        next.tokenLifetimeSec = num(k, v, 1);
        break;
      case 'tokenRateRules':
        next.tokenRateRules = parseRules(v);
        break;
      case 'lockoutMs':
      case 'quotaWindowMs':
      case 'labelUrlTtlMs':
        next[k] = num(k, v, 1);
        break;
      case 'quotaLimit':
      case 'trackDailyQuota':
      case 'orgDailyQuota':
      case 'burst429':
      case 'commitThenDropNext':
        next[k] = Math.floor(num(k, v, 0));
        break;
      case 'latencyMs':
      case 'trackVisibilityDelayMs':
        next[k] = num(k, v, 0);
        break;
      case 'clockOffsetMs':
        next.clockOffsetMs = num(k, v, Number.NEGATIVE_INFINITY);
        break;
      case 'error5xxRate':
      case 'commitThenDropRate':
      case 'exceptionRate':
        next[k] = num(k, v, 0, 1);
        break;
      case 'extendLockoutOnViolation':
      case 'requireTotalWeight':
        next[k] = bool(k, v);
        break;
      case 'retryAfterSec':
        next.retryAfterSec = v === null ? null : num(k, v, 0);
        break;
      case 'journeySeconds':
        next.journeySeconds = v === null ? null : num(k, v, 0.001);
        break;
      case 'seed':
        next.seed = Math.floor(num(k, v, 0));
        break;
      case 'trackingSpeed':
        next.trackingSpeed = num(k, v, 0.000001);
        break;
      case 'routeLatencyMs':
        next.routeLatencyMs = parseRouteLatency(v);
        break;
      case 'createAlerts':
        next.createAlerts = parseAlerts(v);
        break;
      case 'webhooks':
        applyWebhookPatch(next.webhooks, v);
        break;
      default:
        throw new ConfigError(`unknown knob ${k}`);
    }
  }
  Object.assign(target, next);
}

function parseRouteLatency(v: unknown): Record<string, number> {
  if (!isRecord(v)) throw new ConfigError('routeLatencyMs must be an object of path -> ms');
  const out: Record<string, number> = {};
  for (const [path, ms] of Object.entries(v)) {
    if (!path.startsWith('/')) throw new ConfigError(`routeLatencyMs: ${path} is not a path`);
    out[path] = num(`routeLatencyMs.${path}`, ms, 0);
  }
  return out;
}

/** Options minus the non-config fields, as a patch. */
export function configPatchFromOptions(options: FedexSimOptions): Record<string, unknown> {
  const { port: _port, host: _host, now: _now, webhookTargets: _targets, ...rest } = options;
  return rest;
}

/** The config as inspection output: secrets replaced. */
export function redactedConfig(config: FedexSimConfig): Record<string, unknown> {
  return {
    ...config,
    clients: config.clients.map((c) => ({
      clientId: c.clientId,
      clientSecret: '[redacted]',
      accountNumbers: c.accountNumbers,
      scope: c.scope,
      children: c.children?.map((ch) => ({
        childKey: ch.childKey,
        childSecret: '[redacted]',
        accountNumbers: ch.accountNumbers,
      })),
    })),
  };
}
