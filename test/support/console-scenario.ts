/**
 * What the operator console browser tests need in the audit store before a person looks: a real
 * failure (X3 refuses the tracking write-back of example 01) and a real unknown outcome (FedEx
 * commits a label and drops the connection, and every lookup that could prove it fails), made
 * through the examples against the simulators, whatever Node-RED runs them.
 */
import { createX3Deliveries } from '../../sim/activity';
import { CONFIG_IDS } from '../../sim/example-wiring';
import { waitFor, type E2E, type E2EOptions } from './e2e';
import { ADMIN_AUTH_SETTINGS, USERS } from './browser';

export interface ConsoleScenario {
  failedId: string;
  failedKey: string;
  unknownKey: string;
  droppedTracking: string;
}

/** startE2E options: examples 01, 05 and 08 with adminAuth (an admin and a read-only user). */
export function consoleE2EOptions(runtime?: E2EOptions['runtime']): E2EOptions {
  return {
    sims: {
      fedex: { journeySeconds: 3600, exceptionRate: 0 },
      x3: { records: { customer: 5, product: 5, salesOrder: 10, salesDelivery: 0, purchaseOrder: 0 } },
    },
    wiring: { only: ['01', '05', '08'], x3PollSeconds: 1, reconcileDelaySeconds: 1 },
    webhooks: { fedex: false, shipstation: false },
    settings: ADMIN_AUTH_SETTINGS,
    login: { username: 'admin', password: USERS.admin.password },
    runtime,
  };
}

export async function produceFailureAndUnknown(env: E2E): Promise<ConsoleScenario> {
  // a real failure: X3 refuses every SOAP call, so the tracking write-back fails
  env.sims.x3.config.soapPoolBusyCount = 1_000_000;
  const [failedKey] = await createX3Deliveries(env.sims.x3.url, { prefix: 'SDC', start: 1, count: 1 });
  const failed = await waitFor('the failed write-back in the audit trail', async () => {
    const { entries } = await env.audit({ status: 'failed', operation: 'x3 delivery labels', x3Key: failedKey });
    return entries[0];
  });
  env.sims.x3.config.soapPoolBusyCount = 0;

  // a real unknown outcome: FedEx stores the label and drops the connection; every lookup that
  // could prove it answers 5xx, so the ledger keeps the outcome unknown for an operator
  const fedex = env.sims.fedex;
  fedex.config.commitThenDropNext = 1;
  const [unknownKey] = await createX3Deliveries(env.sims.x3.url, { prefix: 'SDU', start: 1, count: 1 });
  const dropped = await waitFor(
    'the dropped create',
    async () => fedex.state.shipments.find((s) => s.dropped),
    120_000,
    20,
  );
  fedex.config.error5xxRate = 1;
  // the create failed as OUTCOME_UNKNOWN once the lookups of its reconcile window all failed
  await waitFor('the outcome given up as unknown', async () => {
    const { entries } = await env.audit({ status: 'failed', x3Key: unknownKey });
    return entries.find((e) => e.error?.code === 'OUTCOME_UNKNOWN');
  });
  const attention = await env.runtime.request<{ counts: { unknown: number } }>(
    'GET',
    `/sage-x3-shipping/console/${CONFIG_IDS.audit}/attention`,
    undefined,
    env.adminHeaders,
  );
  if (attention.body.counts?.unknown !== 1) throw new Error(`attention: ${JSON.stringify(attention.body)}`);
  fedex.config.error5xxRate = 0;
  return { failedId: failed.id, failedKey, unknownKey, droppedTracking: dropped.masterTrackingNumber };
}
