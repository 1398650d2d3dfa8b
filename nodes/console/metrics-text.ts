/**
 * The Prometheus scrape (a Node-RED adapter): the process counters (core/metrics.ts) plus gauges
 * read at scrape time from the audit-configs (open failures, unknown outcomes, stale claims),
 * the config nodes (budget left, token expiry, queue depth) and the pollers (lag behind now,
 * failures in a row).
 */
import type { NodeAPI } from 'node-red';
import {
  counterFamilies,
  METRIC_PREFIX,
  renderPrometheus,
  type MetricFamily,
  type MetricSample,
} from '../core/metrics';
import { needsAttention } from './attention';
import { auditConfigs, collectHealth } from './health';

function gauge(name: string, help: string, samples: MetricSample[]): MetricFamily {
  return { name: METRIC_PREFIX + name, help, type: 'gauge', samples };
}

export async function metricFamilies(RED: NodeAPI, now: number = Date.now()): Promise<MetricFamily[]> {
  const health = await collectHealth(RED, now);
  const open: { failed: MetricSample[]; unknown: MetricSample[]; stale: MetricSample[]; refused: MetricSample[] } = {
    failed: [],
    unknown: [],
    stale: [],
    refused: [],
  };
  for (const cfg of auditConfigs(RED)) {
    try {
      const { counts } = await needsAttention(cfg.getStore(), { ...cfg.ledgerResolveOptions, countsOnly: true });
      const labels = { audit_config: cfg.id };
      open.failed.push({ labels, value: counts.failed });
      open.unknown.push({ labels, value: counts.unknown });
      open.stale.push({ labels, value: counts.staleClaims });
      open.refused.push({ labels, value: counts.refused });
    } catch {
      // a store that cannot be read has no gauges this scrape (the console shows the error)
    }
  }
  const budgets: MetricSample[] = [];
  const tokenExpiry: MetricSample[] = [];
  const queue: MetricSample[] = [];
  for (const c of health.configs) {
    for (const b of c.budgets) {
      const labels = { config: c.id, system: b.system, ...(b.version ? { version: b.version } : {}) };
      if (b.remaining !== undefined) budgets.push({ labels, value: b.remaining });
      queue.push({ labels, value: b.queued });
    }
    if (c.tokenExpiresInSeconds !== undefined)
      tokenExpiry.push({ labels: { config: c.id, type: c.type }, value: c.tokenExpiresInSeconds });
  }
  const lag: MetricSample[] = [];
  const pollFailures: MetricSample[] = [];
  for (const p of health.pollers) {
    const labels = { node: p.id, type: p.type };
    if (p.lagSeconds !== undefined) lag.push({ labels, value: Math.round(p.lagSeconds) });
    if (p.consecutiveFailures !== undefined) pollFailures.push({ labels, value: p.consecutiveFailures });
  }
  return [
    ...counterFamilies(),
    gauge('failed_entries_open', 'Failed audit entries not replayed yet (refused webhooks not included)', open.failed),
    gauge('unknown_outcomes_open', 'Ledger entries whose outcome is unknown, waiting for an operator', open.unknown),
    gauge('stale_claims_open', 'Ledger claims that are stale (their attempt cannot still be running)', open.stale),
    gauge('refused_webhooks_stored', 'Refused webhook deliveries kept in the audit trail', open.refused),
    gauge(
      'budget_remaining',
      'Requests left in the current rate-limit window, by config, system and API version',
      budgets,
    ),
    gauge('queue_depth', 'Requests waiting for the rate limiter, by config, system and API version', queue),
    gauge('token_expiry_seconds', 'Seconds until the cached token expires, by config', tokenExpiry),
    gauge('poller_lag_seconds', 'Seconds between now and the poller watermark, by node', lag),
    gauge('poller_failures_in_a_row', 'Failed polls in a row (0 after a success), by node', pollFailures),
  ];
}

export async function metricsText(RED: NodeAPI): Promise<string> {
  return renderPrometheus(await metricFamilies(RED));
}
