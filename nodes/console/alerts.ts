/**
 * Alerts an operator should get even when nobody looks at the console (Node-RED-free):
 *   - webhook-silent: a webhook route has received nothing for N hours while shipments it would
 *     report on are open (a FedEx subscription that lapsed, a firewall change);
 *   - unknown-outcome: a ledger entry has been `unknown` for more than N minutes;
 *   - poller-failing: a poller has failed N runs in a row.
 * evaluateAlerts() lists what holds now; AlertTracker turns successive lists into `raised` and
 * `cleared` events, so a flow gets one msg when a condition starts and one when it ends, not one
 * per check.
 */
import type { LedgerEntry } from '../audit/types';
import type { HealthReport } from './health-registry';

export type AlertKind = 'webhook-silent' | 'unknown-outcome' | 'poller-failing';

export interface Alert {
  /** stable identity of the condition (kind + node or ledger key) */
  key: string;
  kind: AlertKind;
  message: string;
  nodeId?: string;
  ledgerKey?: string;
  /** UTC ISO: since when the condition holds (as far as known) */
  since?: string;
}

export interface AlertThresholds {
  webhookSilentHours: number;
  unknownOutcomeMinutes: number;
  pollerFailures: number;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  webhookSilentHours: 6,
  unknownOutcomeMinutes: 30,
  pollerFailures: 3,
};

export interface AlertInput {
  now: number;
  /** each webhook route: its last delivery (null: none since `watchingSince`) */
  webhooks: Array<{ id: string; name?: string; type: string; lastReceived: string | null }>;
  /** whether shipments a webhook reports on are open (FedEx: tracked shipments not closed) */
  openShipments: boolean;
  /** when the watch started (a route never heard from counts as silent since then) */
  watchingSince: number;
  unknown: LedgerEntry[];
  pollers: HealthReport[];
}

export function evaluateAlerts(input: AlertInput, t: AlertThresholds = DEFAULT_ALERT_THRESHOLDS): Alert[] {
  const alerts: Alert[] = [];
  if (input.openShipments) {
    for (const w of input.webhooks) {
      const last = w.lastReceived ? Date.parse(w.lastReceived) : input.watchingSince;
      const silentMs = input.now - Math.max(last, input.watchingSince);
      if (silentMs >= t.webhookSilentHours * 3_600_000) {
        alerts.push({
          key: `webhook-silent:${w.id}`,
          kind: 'webhook-silent',
          nodeId: w.id,
          since: new Date(last).toISOString(),
          message: `${w.type} "${w.name || w.id}" has received nothing for ${Math.floor(silentMs / 3_600_000)} h while shipments are open`,
        });
      }
    }
  }
  for (const l of input.unknown) {
    const ageMs = input.now - Date.parse(l.updatedAt);
    if (ageMs >= t.unknownOutcomeMinutes * 60_000) {
      alerts.push({
        key: `unknown-outcome:${l.key}`,
        kind: 'unknown-outcome',
        ledgerKey: l.key,
        since: l.updatedAt,
        message: `${l.system} ${l.operation} ${l.key}: outcome unknown for ${Math.floor(ageMs / 60_000)} min, waiting for an operator`,
      });
    }
  }
  for (const p of input.pollers) {
    const failures = p.consecutiveFailures ?? 0;
    if (failures >= t.pollerFailures) {
      alerts.push({
        key: `poller-failing:${p.id}`,
        kind: 'poller-failing',
        nodeId: p.id,
        message: `${p.type} "${p.name || p.id}" failed ${failures} polls in a row${p.facts.lastError ? `: ${String(p.facts.lastError)}` : ''}`,
      });
    }
  }
  return alerts;
}

/** Remembers what was raised: each condition is announced once when it starts and once when it ends. */
export class AlertTracker {
  private active = new Map<string, Alert>();

  update(current: Alert[]): { raised: Alert[]; cleared: Alert[] } {
    const now = new Map(current.map((a) => [a.key, a]));
    const raised = current.filter((a) => !this.active.has(a.key));
    const cleared = [...this.active.values()].filter((a) => !now.has(a.key));
    this.active = now;
    return { raised, cleared };
  }
}
