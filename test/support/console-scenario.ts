/**
 * What the operator console browser tests need in the audit store before a person looks: a real
 * failure (X3 refuses the tracking write-back of example 01) and a real unknown outcome (FedEx
 * commits a label and drops the connection, and every lookup that could prove it fails), made
 * through the examples against the simulators, whatever Node-RED runs them; and what the admin
 * does about them in the console.
 */
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { createX3Deliveries, x3Records } from '../../sim/activity';
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

/**
 * The admin replays the failure from its row in the console: X3 receives the tracking write-back
 * exactly once, the entry is marked replayed and leaves the list.
 */
export async function replayFailure(
  env: E2E,
  page: Page,
  row: Locator,
  s: Pick<ConsoleScenario, 'failedId' | 'failedKey'>,
): Promise<void> {
  await row.locator('.sx3s-replay').click();
  const confirm = page.locator('.sx3s-confirm');
  if (await confirm.isVisible({ timeout: 2000 }).catch(() => false)) await confirm.click();
  const written = await waitFor('the replayed write-back in X3', async () => {
    const [doc] = (await x3Records(env.sims.x3.url, 'salesDelivery')).filter((d) => d.SDHNUM === s.failedKey);
    return doc?.YTRACKNUM ? doc : undefined;
  });
  assert.ok(written.YTRACKNUM);
  const writes = env.sims.x3.logs.writes.filter(
    (w) => w.key === s.failedKey && w.operation === 'update' && w.fields.includes('YTRACKNUM'),
  );
  assert.equal(writes.length, 1, `X3 writes of ${s.failedKey}: ${JSON.stringify(writes)}`);
  await waitFor('the entry marked replayed', async () => {
    const entry = (await env.audit({ id: s.failedId })).entries[0];
    return entry.status === 'replayed' || undefined;
  });
  await page.locator(`#sx3s-failed .sx3s-entry[data-entry-id="${s.failedId}"]`).waitFor({ state: 'detached' });
}

/**
 * The admin resolves the unknown outcome of `unknownRow` as succeeded with the dropped label's
 * tracking number (`beforeConfirm` runs on the filled-in dialog): the ledger entry is succeeded
 * and the row leaves the list.
 */
export async function resolveUnknown(
  env: E2E,
  page: Page,
  unknownRow: Locator,
  droppedTracking: string,
  beforeConfirm: () => Promise<unknown> = async () => undefined,
): Promise<void> {
  // read the key first: the row leaves the list once resolved
  const key = await unknownRow.getAttribute('data-key');
  await unknownRow.locator('.sx3s-resolve').click();
  await page.selectOption('.sx3s-resolve-state', 'succeeded');
  await page.fill('.sx3s-resolve-reason', 'found the label in FedEx Ship Manager');
  await page.fill('.sx3s-resolve-result', JSON.stringify({ trackingNumber: droppedTracking }));
  await beforeConfirm();
  await page.click('.sx3s-resolve-ok');
  await waitFor('the ledger entry resolved', async () => {
    const res = await env.runtime.request<{ state: string }>(
      'GET',
      `/sage-x3-shipping/audit/${CONFIG_IDS.audit}/ledger?key=${encodeURIComponent(key ?? '')}`,
      undefined,
      env.adminHeaders,
    );
    return res.body.state === 'succeeded' || undefined;
  });
  await page.locator(`#sx3s-unknown .sx3s-ledger[data-key="${key}"]`).waitFor({ state: 'detached' });
}
