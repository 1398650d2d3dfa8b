import assert from 'node:assert/strict';
import path from 'node:path';
import sinon from 'sinon';
import type { AuditConfigNode } from '../../../nodes/audit/config-api';
import type { AuditStore } from '../../../nodes/audit/types';
import { signFedexBody } from '../../../nodes/fedex/webhook-signature';
import { signWebhookBody, type FedexSim } from '../../../sim/fedex/server';
import { salesDelivery, x3Of } from '../../unit/fedex/fixtures';
import { startSim, WEBHOOK_TOKEN } from '../../unit/fedex/sim';
import {
  AUDIT,
  OUR_ADDRESS_FIELDS,
  TAB,
  collect,
  configNode,
  credentials,
  during,
  eventually,
  helper,
  modules,
  positioned,
  serveHttpNode,
  startStopServer,
  statusTexts,
} from './harness';
import { useUserDir } from '../../support/node-helper';

const DOC = 'SD00000001';
const PATH = '/fedex/events';

function flow(sim: FedexSim, extra: Array<Record<string, unknown>> = []) {
  return positioned([
    TAB,
    configNode(sim),
    { ...AUDIT },
    {
      id: 'ship',
      type: 'fedex-ship',
      z: 'tab',
      fedex: 'fx',
      audit: 'audit',
      reconcileDelaySeconds: '0',
      ...OUR_ADDRESS_FIELDS,
      wires: [['shipped']],
    },
    { id: 'shipped', type: 'helper', z: 'tab' },
    { id: 'hook', type: 'fedex-webhook', z: 'tab', fedex: 'fx', audit: 'audit', path: PATH, wires: [['events']] },
    { id: 'events', type: 'helper', z: 'tab' },
    ...extra,
  ]);
}

async function simPost(sim: FedexSim, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Sim workaround: flushWebhooks() stamps new events with a clock read after its own, so an event
 * found in the same flush can wait for the next one when the millisecond turns (reported).
 */
async function flushAll(sim: FedexSim) {
  const out = await sim.flushWebhooks();
  for (let i = 0; i < 3; i++) {
    const more = await sim.flushWebhooks();
    if (more.length === 0) break;
    out.push(...more);
  }
  return out;
}

describe('fedex-webhook node', function () {
  this.timeout(30_000);
  let sim: FedexSim;
  let server: { url: string; close(): Promise<void> } | undefined;
  startStopServer();

  beforeEach(async () => {
    sim = await startSim();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await sim.close();
  });

  /** A shipment made by fedex-ship (so its X3 correlation is known) and the webhook target registered. */
  async function setup(): Promise<string> {
    await helper.load(modules, flow(sim), credentials());
    server = await serveHttpNode();
    await simPost(sim, '/__sim/webhooks', { url: `${server.url}${PATH}`, securityToken: WEBHOOK_TOKEN });
    const shipped = collect(helper.getNode('shipped'), 1);
    helper.getNode('ship').receive({ payload: salesDelivery(DOC, { PACNBR: 1 }), x3: x3Of('salesDelivery', DOC) });
    const [msg] = await shipped;
    return (msg.payload as { trackingNumber: string }).trackingNumber;
  }

  it('a signed push is answered 200 and becomes one tracking update with the X3 correlation', async () => {
    const tn = await setup();
    const got = collect(helper.getNode('events'), 2);
    await simPost(sim, '/__sim/advance', { trackingNumber: tn, steps: 1 });
    const deliveries = await flushAll(sim);
    assert.deepEqual(
      deliveries.map((d) => [d.status, d.eventType]),
      [
        [200, 'OC'],
        [200, 'PU'],
      ],
    );
    const [created, msg] = await got;
    assert.equal((created.payload as Record<string, unknown>).status, 'label_created');
    const update = msg.payload as Record<string, unknown>;
    assert.equal(update.trackingNumber, tn);
    assert.equal(update.status, 'picked_up');
    assert.equal(update.statusCode, 'PU');
    assert.equal(update.delivered, false);
    assert.match(String(update.occurredAt), /Z$/);
    assert.ok(Array.isArray(update.events));
    assert.equal((msg.x3 as Record<string, unknown>).key, DOC);
    assert.equal((msg.fedex as Record<string, unknown>).eventId, `${tn}|PU|${String(update.occurredAt)}`);
    await eventually(() => statusTexts(helper.getNode('hook')).some((t) => t.startsWith(`${PATH} · 2 events`)));
  });

  it('a redelivered event is answered 200 but not emitted twice', async () => {
    const tn = await setup();
    const got = collect(helper.getNode('events'), 2);
    await simPost(sim, '/__sim/advance', { trackingNumber: tn, steps: 1 });
    const [, first] = await flushAll(sim);
    assert.equal(first.eventType, 'PU');
    await got;
    const quiet = during(helper.getNode('events'), 200);
    const again = (await simPost(sim, '/__sim/webhooks/redeliver', { deliveryIds: [first.id] })).deliveries as Array<
      Record<string, unknown>
    >;
    assert.equal(again[0].status, 200);
    assert.equal(again[0].kind, 'redelivery');
    assert.notEqual(again[0].signature, first.signature, 'the body (attempt number) differs');
    assert.deepEqual(await quiet, []);
  });

  it('events out of order: a delivered shipment is never downgraded by a late in-transit event', async () => {
    await sim.close();
    // seed 2 shuffles the pushes to OD,DP,AR,OC,IT,DP,AR,DL,AR,PU
    sim = await startSim({ seed: 2, webhooks: { pollMs: 0, outOfOrder: true } });
    const tn = await setup();
    await simPost(sim, '/__sim/advance', { trackingNumber: tn, to: 'DL' });
    const quietEnd = during(helper.getNode('events'), 400);
    const deliveries = await flushAll(sim);
    // the precondition that makes this test mean something: the delivery is not the last push
    assert.notEqual(deliveries[deliveries.length - 1].eventType, 'DL', deliveries.map((d) => d.eventType).join(','));
    assert.ok(deliveries.length >= 5);
    assert.ok(deliveries.every((d) => d.status === 200));
    const emitted = (await quietEnd).map((m) => m.payload as { status: string; occurredAt: string });
    const dl = emitted.findIndex((u) => u.status === 'delivered');
    assert.ok(dl >= 0, 'the delivery is emitted');
    assert.equal(dl, emitted.length - 1, `nothing after delivered: ${emitted.map((u) => u.status).join(',')}`);
    const times = emitted.map((u) => Date.parse(u.occurredAt));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'only newer events are emitted',
    );
  });

  describe('refused requests emit nothing', () => {
    let body: Buffer;
    beforeEach(async () => {
      await setup();
      body = Buffer.from(
        JSON.stringify({
          transactionId: 't-1',
          output: {
            completeTrackResults: [
              {
                trackingNumber: '794900000000',
                trackResults: [
                  {
                    trackingNumberInfo: { trackingNumber: '794900000000' },
                    latestStatusDetail: { code: 'PU', derivedCode: 'PU' },
                  },
                ],
              },
            ],
          },
        }),
      );
    });

    const post = (raw: Buffer | string, headers: Record<string, string>) =>
      fetch(`${server?.url}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof raw === 'string' ? raw : new Uint8Array(raw),
      });

    it('tampered body, wrong key, missing header -> 401; malformed JSON or shape -> 400; valid -> 200', async () => {
      const quiet = during(helper.getNode('events'), 300);
      const sig = signFedexBody(body, WEBHOOK_TOKEN);
      const tampered = Buffer.from(body.toString().replace('"PU"', '"DL"'));
      assert.equal((await post(tampered, { 'fdx-signature': sig })).status, 401);
      assert.equal(
        (await post(body, { 'fdx-signature': signFedexBody(body, 'WrongToken0123456789abcdefXYZ') })).status,
        401,
      );
      assert.equal((await post(body, {})).status, 401);
      const malformed = '{"output": {"completeTrackResults": [';
      assert.equal((await post(malformed, { 'fdx-signature': signFedexBody(malformed, WEBHOOK_TOKEN) })).status, 400);
      const wrongShape = JSON.stringify({ hello: 'world' });
      assert.equal((await post(wrongShape, { 'fdx-signature': signFedexBody(wrongShape, WEBHOOK_TOKEN) })).status, 400);
      assert.deepEqual(await quiet, []);
      // the sim's own signing helper and ours agree
      assert.equal(signWebhookBody(body, WEBHOOK_TOKEN), sig);
      const ok = collect(helper.getNode('events'), 1);
      assert.equal((await post(body, { 'fdx-signature': sig })).status, 200);
      const [msg] = await ok;
      assert.equal((msg.payload as Record<string, unknown>).status, 'picked_up');
    });

    it('a push signed with another security token (FedEx project mismatch) is refused', async () => {
      await simPost(sim, '/__sim/webhooks', {
        url: `${server?.url}${PATH}`,
        securityToken: 'AnotherToken0123456789abcdefXYZ',
      });
      const quiet = during(helper.getNode('events'), 300);
      const shipments = sim.state.shipments;
      await simPost(sim, '/__sim/advance', { trackingNumber: shipments[0].masterTrackingNumber, steps: 1 });
      const deliveries = await flushAll(sim);
      assert.deepEqual(deliveries.map((d) => d.status).sort(), [200, 401]);
      const emitted = await quiet;
      assert.equal(emitted.length, 1, 'only the correctly signed push');
    });
  });

  it('removes its route on close and refuses a path another node uses', async () => {
    await helper.load(
      modules,
      flow(sim, [{ id: 'hook2', type: 'fedex-webhook', z: 'tab', fedex: 'fx', path: PATH, wires: [] }]),
      credentials(),
    );
    server = await serveHttpNode();
    const taken = helper.getNode('hook2');
    assert.ok(taken.error.getCalls().some((c) => /already used by node/.test(String(c.args[0]))));
    assert.ok(statusTexts(taken).includes('path in use'));
    const before = await fetch(`${server.url}${PATH}`, { method: 'POST', body: '{}' });
    assert.equal(before.status, 401);
    await helper.unload();
    const after = await fetch(`${server.url}${PATH}`, { method: 'POST', body: '{}' });
    assert.equal(after.status, 404);
  });
});

describe('fedex-webhook node: events are stored before the 200', function () {
  this.timeout(30_000);
  let sim: FedexSim;
  let server: { url: string; close(): Promise<void> } | undefined;
  startStopServer();
  const userDir = useUserDir({ prefix: 'sx3s-fxhook-' });

  beforeEach(async () => {
    sim = await startSim();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await sim.close();
  });

  /** One AIV push: a delivery scan of `tn`, as FedEx sends it (attemptNumber changes on redelivery). */
  function push(tn: string, attempt = 1): Buffer {
    return Buffer.from(
      JSON.stringify({
        transactionId: `t-${tn}-${attempt}`,
        outputMetaData: [{ pushTimestamp: '2025-03-16T15:00:00Z', attemptNumber: attempt }],
        output: {
          completeTrackResults: [
            {
              trackingNumber: tn,
              trackResults: [
                {
                  trackingNumberInfo: { trackingNumber: tn },
                  latestStatusDetail: { code: 'DL', derivedCode: 'DL', description: 'Delivered' },
                  scanEvents: [{ date: '2025-03-16T08:15:00-07:00', eventType: 'DL', eventDescription: 'Delivered' }],
                },
              ],
            },
          ],
        },
      }),
    );
  }

  const post = (body: Buffer): Promise<Response> =>
    fetch(`${server?.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'fdx-signature': signFedexBody(body, WEBHOOK_TOKEN) },
      body: new Uint8Array(body),
    });

  const hookFlow = (audit: Record<string, unknown> | undefined) =>
    positioned([
      TAB,
      configNode(sim),
      ...(audit ? [audit] : []),
      {
        id: 'hook',
        type: 'fedex-webhook',
        z: 'tab',
        fedex: 'fx',
        ...(audit ? { audit: 'audit' } : {}),
        path: PATH,
        wires: [['events']],
      },
      { id: 'events', type: 'helper', z: 'tab' },
    ]);

  async function load(audit: Record<string, unknown> | undefined): Promise<void> {
    await helper.load(modules, hookFlow(audit), credentials());
    await server?.close();
    server = await serveHttpNode();
  }

  const auditStore = (): AuditStore => (helper.getNode('audit') as unknown as AuditConfigNode).getStore();

  it('events answered 200 but not applied when Node-RED stops (store failing) are applied after the restart, once', async () => {
    const audit = { ...AUDIT, path: path.join(userDir.dir(), 'audit.db') };
    await load(audit);
    // the store refuses the apply step (a disk error, a locked file): the events must not be lost
    const failing = sinon.stub(auditStore(), 'applyShipment').rejects(new Error('SQLITE_IOERR: disk I/O error'));
    const tns = ['794900000101', '794900000102', '794900000103'];
    for (const tn of tns) assert.equal((await post(push(tn))).status, 200);
    await eventually(() => failing.callCount >= tns.length);
    await helper.unload();
    await server?.close();
    server = undefined;

    await load(audit);
    const got = await collect(helper.getNode('events'), tns.length);
    assert.deepEqual(got.map((m) => (m.payload as { trackingNumber: string }).trackingNumber).sort(), tns);
    assert.ok(got.every((m) => (m.payload as { status: string }).status === 'delivered'));
    // FedEx redelivers one of them (another attempt number): answered 200, applied no second time
    const quiet = during(helper.getNode('events'), 300);
    assert.equal((await post(push(tns[0], 2))).status, 200);
    assert.deepEqual(await quiet, []);
    const trail = await auditStore().query({ system: 'fedex', operation: 'webhook' });
    assert.equal(trail.total, tns.length, 'one trail entry per event');
  });

  it('an event whose apply fails is kept and applied when the store works again', async () => {
    await load({ ...AUDIT });
    const failing = sinon.stub(auditStore(), 'applyShipment').onFirstCall().rejects(new Error('SQLITE_BUSY'));
    failing.callThrough();
    const got = collect(helper.getNode('events'), 1);
    assert.equal((await post(push('794900000201'))).status, 200);
    const [msg] = await got;
    assert.equal((msg.payload as { status: string }).status, 'delivered');
    assert.ok(failing.callCount >= 2);
  });

  it('answers 503 (FedEx redelivers) when the event cannot be stored, and emits nothing', async () => {
    await load({ ...AUDIT });
    const quiet = during(helper.getNode('events'), 300);
    await auditStore().close();
    assert.equal((await post(push('794900000301'))).status, 503);
    assert.deepEqual(await quiet, []);
  });

  it('without an audit-config, answers 503 instead of acknowledging events it could lose', async () => {
    await load(undefined);
    const hook = helper.getNode('hook');
    assert.ok(statusTexts(hook).includes('no audit-config'));
    assert.ok(hook.error.getCalls().some((c) => /select an audit-config/.test(String(c.args[0]))));
    const quiet = during(helper.getNode('events'), 300);
    assert.equal((await post(push('794900000401'))).status, 503);
    assert.deepEqual(await quiet, []);
  });
});
