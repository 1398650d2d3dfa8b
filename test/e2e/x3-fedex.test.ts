/**
 * Examples 01-04 and 08 in a real Node-RED against the simulators: X3 deliveries and purchase
 * orders get exactly one FedEx shipment each with the tracking number written back, tracking
 * events (polled and pushed) reach X3 in order, and a failure injected into X3 is replayed once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createX3Deliveries, createX3PurchaseOrders, x3Records } from '../../sim/activity';
import { CONFIG_IDS } from '../../sim/example-wiring';
import type { SimShipment } from '../../sim/fedex/types';
import { nodeId, runtimeProblems, startE2E, waitFor, type AuditEntry, type E2E } from '../support/e2e';

const RANK: Record<string, number> = {
  label_created: 1,
  picked_up: 2,
  in_transit: 3,
  out_for_delivery: 4,
  delivered: 5,
};

function shipmentsFor(env: E2E, reference: string): SimShipment[] {
  return env.sims.fedex.state.shipments.filter(
    (s) => s.status === 'active' && s.references.some((r) => r.value === reference),
  );
}

async function documents(env: E2E, entity: string, keys: string[]): Promise<Array<Record<string, unknown>>> {
  const all = await x3Records(env.sims.x3.url, entity);
  return all.filter((r) => keys.includes(String(r.SDHNUM ?? r.POHNUM)));
}

async function waitForDelivered(env: E2E, keys: string[]): Promise<void> {
  await waitFor(
    'every delivery delivered in X3',
    async () => {
      const docs = await documents(env, 'salesDelivery', keys);
      return docs.every((d) => d.YTRKSTA === 'delivered') || undefined;
    },
    180_000,
    500,
  );
}

/** Every status write of each delivery, in the order the audit trail recorded them, only moves forward. */
async function assertNeverBackwards(env: E2E, keys: string[]): Promise<void> {
  const { entries } = await env.audit({ operation: 'tracking status written', order: 'asc', limit: 1000 });
  const byKey = new Map<string, string[]>();
  for (const e of entries) {
    const payload = (e.msg?.payload ?? {}) as Record<string, unknown>;
    const key = e.correlation?.x3Key;
    if (!key || !keys.includes(key) || typeof payload.YTRKSTA !== 'string') continue;
    // a status behind the tracked shipment's (a msg overtaken by a newer one on the other path)
    // is not written: its entry carries X3's record as it was, maybe still without a status
    const x3 = (e.msg?.x3 ?? {}) as Record<string, unknown>;
    if (typeof x3.newerStatus === 'string') {
      assert.ok(RANK[x3.newerStatus] !== undefined, `${key}: newerStatus ${x3.newerStatus}`);
      continue;
    }
    byKey.set(key, [...(byKey.get(key) ?? []), payload.YTRKSTA]);
  }
  for (const key of keys) {
    const seq = byKey.get(key) ?? [];
    assert.ok(seq.length >= 2, `${key}: status writes ${seq.join(' > ')}`);
    for (let i = 1; i < seq.length; i++)
      assert.ok(RANK[seq[i]] >= RANK[seq[i - 1]], `${key} went backwards: ${seq.join(' > ')}`);
    assert.equal(seq[seq.length - 1], 'delivered');
  }
}

describe('e2e: X3 → FedEx examples (01-04, 08) in a real Node-RED', function () {
  this.timeout(10 * 60_000);
  let env: E2E;
  let deliveries: string[] = [];

  before(async function () {
    env = await startE2E({
      sims: {
        // journeys of a few seconds, pushed in batches in random order; no delivery exceptions, so
        // "never backwards" is a plain rank order
        fedex: { journeySeconds: 12, exceptionRate: 0, webhooks: { pollMs: 1000, outOfOrder: true } },
        x3: { records: { customer: 10, product: 10, salesOrder: 20, salesDelivery: 0, purchaseOrder: 0 } },
      },
      // tracking by webhook first; example 03 (polling) replaces it later: the examples say to
      // run one of the two (or to send both into one x3-update)
      wiring: { only: ['01', '02', '04', '08'], x3PollSeconds: 1, trackSeconds: 2 },
    });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(runtimeProblems(env.runtime));
    await env?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(runtimeProblems(env.runtime));
  });

  it('gives every X3 delivery exactly one FedEx shipment and writes its tracking number back', async function () {
    deliveries = await createX3Deliveries(env.sims.x3.url, { prefix: 'SDA', start: 1, count: 24, packages: 1 });
    const multi = await createX3Deliveries(env.sims.x3.url, {
      prefix: 'SDM',
      start: 1,
      count: 2,
      packages: 3,
      weight: 30,
    });
    deliveries.push(...multi);
    const written = await waitFor('tracking numbers in X3', async () => {
      const docs = await documents(env, 'salesDelivery', deliveries);
      return docs.length === deliveries.length && docs.every((d) => d.YTRACKNUM) ? docs : undefined;
    });
    for (const doc of written) {
      const key = String(doc.SDHNUM);
      const shipments = shipmentsFor(env, `SEED SDH ${key}`);
      assert.equal(shipments.length, 1, `${key}: ${shipments.length} FedEx shipments`);
      assert.equal(doc.YTRACKNUM, shipments[0].masterTrackingNumber, `${key}: tracking number written back`);
      assert.equal(shipments[0].recipient.city, doc.BPDCTY, `${key}: shipped to the X3 ship-to address`);
      assert.equal(shipments[0].pieces.length, Number(doc.PACNBR), `${key}: one package per PACNBR`);
    }
    // issue 15: every label in the store once, X3 holds its reference, one complete ZPL job per package
    const labelDir = path.join(env.userDir, 'sage-x3-shipping-labels');
    const withLabels = await waitFor('label references in X3', async () => {
      const docs = await documents(env, 'salesDelivery', deliveries);
      return docs.every((d) => d.YLABEL) ? docs : undefined;
    });
    const jobs = env.sims.printer.jobs();
    assert.ok(
      jobs.every((j) => j.complete && j.labels === 1),
      'every print job is one complete ZPL label',
    );
    for (const doc of withLabels) {
      const key = String(doc.SDHNUM);
      const [shipment] = shipmentsFor(env, `SEED SDH ${key}`);
      const numbers = shipment.pieces.map((p) => p.trackingNumber);
      assert.equal(
        doc.YLABEL,
        `SEED/salesDelivery/${key}/${shipment.masterTrackingNumber}.zpl`,
        `${key}: label reference`,
      );
      assert.deepEqual(
        fs.readdirSync(path.join(labelDir, 'SEED', 'salesDelivery', key)).sort(),
        numbers.map((n) => `${n}.zpl`).sort(),
        `${key}: one stored file per package`,
      );
      const printed = jobs.filter((j) => numbers.some((n) => j.text.includes(n)));
      assert.equal(
        printed.length,
        numbers.length,
        `${key}: ${printed.length} print jobs for ${numbers.length} packages`,
      );
      numbers.forEach((n, i) => assert.ok(printed[i].text.includes(n), `${key}: package ${i + 1} printed in order`));
    }
    // the audit trail holds every step of every delivery
    for (const key of deliveries) {
      const { entries } = await env.audit({ x3Key: key, limit: 100 });
      const steps = new Set(entries.map((e) => `${e.operation}/${e.status}`));
      for (const step of [
        'x3.poll/received',
        'ship.create/succeeded',
        'x3.update/succeeded',
        'delivery labelled/received',
      ]) {
        assert.ok(steps.has(step), `${key}: no ${step} in ${[...steps].join(', ')}`);
      }
    }
  });

  it('ships X3 purchase orders inbound from the supplier with the P_O_NUMBER reference', async function () {
    const orders = await createX3PurchaseOrders(env.sims.x3.url, { prefix: 'POA', start: 1, count: 4 });
    const written = await waitFor('tracking numbers on the purchase orders', async () => {
      const docs = await documents(env, 'purchaseOrder', orders);
      return docs.length === orders.length && docs.every((d) => d.YTRACKNUM) ? docs : undefined;
    });
    for (const doc of written) {
      const key = String(doc.POHNUM);
      const shipments = env.sims.fedex.state.shipments.filter((s) =>
        s.references.some((r) => r.type === 'P_O_NUMBER' && r.value === key),
      );
      assert.equal(shipments.length, 1, `${key}: ${shipments.length} shipments`);
      assert.equal(shipments[0].shipper.city, doc.BPOCTY, `${key}: ships from the supplier`);
      assert.equal(shipments[0].recipient.city, 'Memphis', `${key}: to our receiving address`);
      assert.equal(doc.YTRACKNUM, shipments[0].masterTrackingNumber);
    }
  });

  it('brings pushed tracking events into X3 in order, never backwards', async function () {
    await waitForDelivered(env, deliveries);
    await assertNeverBackwards(env, deliveries);
    const pushed = await env.audit({ system: 'fedex', operation: 'webhook', limit: 1 });
    assert.ok(pushed.total > 0, 'no webhook events recorded');
  });

  it('brings polled tracking events into X3 in order, never backwards', async function () {
    const targets = env.sims.fedex.state.webhookTargets.map((t) => t.id);
    for (const id of targets) await fetch(`${env.sims.fedex.url}/__sim/webhooks/${id}`, { method: 'DELETE' });
    await env.redeploy({ only: ['01', '02', '03', '08'], x3PollSeconds: 1, trackSeconds: 2 });
    const keys = await createX3Deliveries(env.sims.x3.url, { prefix: 'SDP', start: 1, count: 6 });
    await waitForDelivered(env, keys);
    await assertNeverBackwards(env, keys);
    for (const key of keys) {
      const { entries } = await env.audit({ system: 'fedex', operation: 'track', x3Key: key, limit: 100 });
      assert.ok(
        entries.some((e) => (e.msg?.payload as { status?: string })?.status === 'delivered'),
        `${key}: delivered event not from Track`,
      );
      const webhook = await env.audit({ system: 'fedex', operation: 'webhook', x3Key: key, limit: 1 });
      assert.equal(webhook.total, 0, `${key}: got a webhook event`);
    }
    // Track was asked in batches of at most 30 numbers
    assert.ok(env.sims.fedex.state.trackCalls.every((c) => c.count <= 30));
  });

  it('replays a write that X3 refused, once, after the cause is gone', async function () {
    // every SOAP call refused: the tracking write-back of the next delivery fails
    env.sims.x3.config.soapPoolBusyCount = 1_000_000;
    const [key] = await createX3Deliveries(env.sims.x3.url, { prefix: 'SDR', start: 1, count: 1 });
    const failed = await waitFor('the failure in the audit trail', async () => {
      const { entries } = await env.audit({ status: 'failed', operation: 'x3 delivery labels', x3Key: key });
      return entries[0];
    });
    assert.match(failed.error?.message ?? '', /No Web services accepted|busy/i);
    env.sims.x3.config.soapPoolBusyCount = 0;
    const [doc] = await documents(env, 'salesDelivery', [key]);
    assert.equal(doc.YTRACKNUM, '', 'nothing written while X3 refused');
    assert.equal(shipmentsFor(env, `SEED SDH ${key}`).length, 1, 'the label was bought once');

    const replay = nodeId(env.flows, '08', 'replay 01 delivery labels');
    await env.inject(replay);
    const written = await waitFor('the replayed write-back', async () => {
      const [d] = await documents(env, 'salesDelivery', [key]);
      return d.YTRACKNUM ? d : undefined;
    });
    assert.equal(written.YTRACKNUM, shipmentsFor(env, `SEED SDH ${key}`)[0].masterTrackingNumber);
    const entry = (await env.audit({ x3Key: key, operation: 'x3 delivery labels' })).entries.find(
      (e) => e.id === failed.id,
    );
    assert.equal(entry?.status, 'replayed');

    // a second replay (here from the editor's admin endpoint) finds nothing left to replay
    const again = await env.runtime.request<{ replayed: unknown[]; skipped: Array<{ id: string; reason: string }> }>(
      'POST',
      `/sage-x3-shipping/audit/${CONFIG_IDS.audit}/replay`,
      { id: failed.id },
    );
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body.replayed, []);
    assert.equal(again.body.skipped[0]?.reason, 'already-replayed');
    const { entries: replays } = await env.audit({ status: 'replayed', x3Key: key, limit: 100 });
    assert.equal(replays.filter((e: AuditEntry) => e.replayOf === failed.id).length, 1, 'replayed once');
    assert.equal(shipmentsFor(env, `SEED SDH ${key}`).length, 1, 'still one label');
  });
});
