/**
 * What the alerts look at, gathered from the running flows for one audit-config (a Node-RED
 * adapter): its webhook routes' last deliveries, whether its tracked shipments are open, its
 * unknown ledger entries and every poller's health.
 */
import type { NodeAPI } from 'node-red';
import type { AuditConfigNode } from '../audit/config-api';
import type { AlertInput } from './alerts';
import { collectHealth } from './health';

/** Unknown entries read per check: more than this open at once is one alert flood already. */
const MAX_UNKNOWN = 200;

export async function alertInput(
  RED: NodeAPI,
  cfg: AuditConfigNode,
  watchingSince: number,
  now: number = Date.now(),
): Promise<AlertInput> {
  const store = cfg.getStore();
  const health = await collectHealth(RED, now);
  const unknown = store.listLedger
    ? (await store.listLedger({ states: ['unknown'], limit: MAX_UNKNOWN, order: 'updated' })).entries
    : [];
  return {
    now,
    webhooks: health.webhooks.filter((w) => w.audit === cfg.id),
    openShipments: (await store.listOpenShipments(1)).length > 0,
    watchingSince,
    unknown,
    pollers: health.pollers,
  };
}
