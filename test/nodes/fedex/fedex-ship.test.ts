import assert from 'node:assert/strict';
import type { FedexSim } from '../../../sim/fedex/server';
import { salesDelivery, x3Of } from '../../unit/fedex/fixtures';
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, startSim } from '../../unit/fedex/sim';
import {
  TAB,
  catchNode,
  collect,
  credentials,
  during,
  eventually,
  helper,
  positioned,
  modules,
  startStopServer,
  statusTexts,
} from './harness';
import { deliveryMsg, shipFlow } from './ship-harness';

const DOC = 'SD00000001';
const KEY = `fedex.ship:custom:740561073:SEED:salesDelivery:${DOC}`;

describe('fedex-ship node', function () {
  this.timeout(30_000);
  let sim: FedexSim;
  startStopServer();
  beforeEach(async () => {
    sim = await startSim();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('ships an X3 delivery: label, tracking numbers, msg.x3 kept, msg.fedex per the contract', async () => {
    await helper.load([...modules, catchNode], shipFlow(sim), credentials());
    const got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(deliveryMsg(DOC));
    const [msg] = await got;
    const payload = msg.payload as Record<string, unknown>;
    assert.match(String(payload.trackingNumber), /^\d{12}$/);
    assert.equal(payload.masterTrackingNumber, payload.trackingNumber);
    assert.equal(payload.serviceType, 'FEDEX_GROUND');
    const labels = payload.labels as Array<Record<string, unknown>>;
    assert.equal(labels.length, 2);
    assert.deepEqual(Object.keys(labels[0]).sort(), ['contentType', 'data', 'format', 'trackingNumber']);
    const fedex = msg.fedex as Record<string, unknown>;
    assert.ok(fedex.transactionId);
    assert.deepEqual(fedex.alerts, []);
    assert.equal(fedex.outcome, 'created');
    assert.equal(fedex.idempotencyKey, KEY);
    assert.deepEqual(msg.x3, x3Of('salesDelivery', DOC));
    assert.equal(msg.topic, 'salesDelivery');
    await eventually(() =>
      statusTexts(helper.getNode('ship')).some(
        (t) => t.includes('1 shipped') && t.includes(String(payload.trackingNumber)),
      ),
    );
  });

  it('1,000 concurrent msgs through one config: 1,000 labels and exactly one token request', async () => {
    await helper.load([...modules, catchNode], shipFlow(sim), credentials());
    const n = 1000;
    const got = collect(helper.getNode('out'), n, 60_000);
    const ship = helper.getNode('ship');
    for (let i = 0; i < n; i++) ship.receive(deliveryMsg(`SD${String(i).padStart(8, '0')}`));
    const out = await got;
    assert.equal(new Set(out.map((m) => (m.payload as { trackingNumber: string }).trackingNumber)).size, n);
    assert.equal(sim.state.shipments.length, n);
    assert.equal(sim.state.tokenRequests.length, 1);
  });

  it('the same X3 document twice and a replay of it yield exactly one shipment', async () => {
    await helper.load([...modules, catchNode], shipFlow(sim), credentials());
    const got = collect(helper.getNode('out'), 3);
    const ship = helper.getNode('ship');
    ship.receive(deliveryMsg(DOC));
    ship.receive(deliveryMsg(DOC));
    // what audit-sink emits when the ship.create entry is replayed
    ship.receive({
      payload: {},
      audit: { id: 'e1', status: 'replayed', replayOf: 'e0', operation: 'ship.create', idempotencyKey: KEY },
    });
    const out = await got;
    assert.deepEqual(
      out.map((m) => (m.fedex as { outcome: string }).outcome),
      ['created', 'stored', 'stored'],
    );
    const tns = new Set(out.map((m) => (m.payload as { trackingNumber: string }).trackingNumber));
    assert.equal(tns.size, 1);
    assert.equal(sim.state.shipments.length, 1);
  });

  it('"commit then drop": the shipment is looked up and adopted, one shipment in FedEx', async () => {
    await helper.load([...modules, catchNode], shipFlow(sim), credentials());
    sim.config.commitThenDropNext = 1;
    const got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(deliveryMsg(DOC));
    const [msg] = await got;
    assert.equal((msg.fedex as { outcome: string }).outcome, 'adopted');
    assert.equal((msg.fedex as { adopted: boolean }).adopted, true);
    assert.equal(sim.state.shipments.length, 1);
    assert.equal(sim.state.drops.length, 1);
  });

  it('pre-flight validation: the error names the X3 field, reaches Catch, and nothing is sent', async () => {
    await helper.load([...modules, catchNode], shipFlow(sim), credentials());
    const caught = collect(helper.getNode('caught'), 1);
    const nothing = during(helper.getNode('out'), 200);
    helper
      .getNode('ship')
      .receive(deliveryMsg(DOC, { payload: salesDelivery(DOC, { BPDCTY: 'C'.repeat(40), BPDTEL: '' }) }));
    const [msg] = await caught;
    const err = (msg._error ?? msg.error) as Record<string, unknown>;
    const ours = (msg._error as Record<string, unknown> | undefined) ?? err;
    assert.equal(ours.system, 'fedex');
    assert.equal(ours.code, 'VALIDATION');
    assert.equal(ours.field, 'BPDCTY');
    assert.match(
      String(ours.message),
      /recipient city \(BPDCTY\) is longer than 35 characters; recipient phone \(BPDTEL\) is required/,
    );
    assert.deepEqual(await nothing, []);
    assert.equal(sim.state.requests.length, 0);
    assert.equal(sim.state.tokenRequests.length, 0);
  });

  it('rides out a 429 burst (honouring Retry-After) and the auth lockout with no lost msg, showing the lockout end', async () => {
    // lock this IP out at the auth endpoint, as a burst of token requests would
    const rules = sim.config.tokenRateRules;
    sim.config.tokenRateRules = [{ limit: 1, windowMs: 60_000 }];
    // long enough that a loaded machine still sends the node's first token request inside it
    sim.config.lockoutMs = 1500;
    for (let i = 0; i < 2; i++) {
      await fetch(`${sim.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: SIM_CLIENT_ID,
          client_secret: SIM_CLIENT_SECRET,
        }).toString(),
      });
    }
    sim.config.tokenRateRules = rules;
    sim.config.burst429 = 8;
    sim.config.retryAfterSec = 0;
    await helper.load(
      [...modules, catchNode],
      shipFlow(sim, {}, { config: { lockoutMinutes: String(1600 / 60_000) } }),
      credentials(),
    );
    const n = 10;
    const got = collect(helper.getNode('out'), n);
    for (let i = 0; i < n; i++) helper.getNode('ship').receive(deliveryMsg(`SD${i}`));
    const out = await got;
    assert.equal(out.length, n);
    assert.equal(sim.state.shipments.length, n);
    assert.equal(sim.state.limits.filter((l) => l.reason === 'burst429').length, 8);
    const ours = sim.state.tokenRequests.slice(2);
    assert.deepEqual(
      ours.map((t) => t.status),
      [403, 200],
    );
    assert.ok(statusTexts(helper.getNode('ship')).some((t) => /^auth locked until \d\d:\d\d:\d\dZ$/.test(t)));
  });

  it("cancel voids the document's shipment", async () => {
    await helper.load([...modules, catchNode], shipFlow(sim), credentials());
    const got = collect(helper.getNode('out'), 2);
    const ship = helper.getNode('ship');
    ship.receive(deliveryMsg(DOC));
    await new Promise((r) => setTimeout(r, 50));
    ship.receive(deliveryMsg(DOC, { fedex: { operation: 'cancel' } }));
    const [created, cancelled] = await got;
    const tn = (created.payload as { trackingNumber: string }).trackingNumber;
    assert.deepEqual(cancelled.payload, {
      trackingNumber: tn,
      cancelled: true,
      message: 'Shipment is successfully cancelled',
    });
    assert.equal(sim.findShipment(tn)?.status, 'cancelled');
  });

  it('shows a red status and an error when no FedEx config is selected', async () => {
    await helper.load(
      [...modules, catchNode],
      positioned([TAB, { id: 'ship', type: 'fedex-ship', z: 'tab', wires: [] }]),
    );
    const node = helper.getNode('ship');
    assert.ok(statusTexts(node).includes('no FedEx config'));
    assert.ok(node.error.getCalls().some((c) => /select a fedex-config/.test(String(c.args[0]))));
  });

  it('without a FedEx config, each msg goes to Catch with the reason instead of being dropped', async () => {
    await helper.load(
      [...modules, catchNode],
      positioned([
        TAB,
        { id: 'ship', type: 'fedex-ship', z: 'tab', wires: [] },
        { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'tab' },
      ]),
    );
    const caught = collect(helper.getNode('caught'), 1);
    helper.getNode('ship').receive(deliveryMsg(DOC));
    const [msg] = await caught;
    const ours = (msg._error ?? msg.error) as Record<string, unknown>;
    assert.match(String(ours.message), /select a fedex-config/);
  });

  it('works without an audit-config (in-memory ledger, with a warning)', async () => {
    const f = shipFlow(sim, { audit: '' }).filter((n) => n.id !== 'audit');
    await helper.load([...modules, catchNode], f, credentials());
    const node = helper.getNode('ship');
    assert.ok(node.warn.getCalls().some((c) => /no audit-config selected/.test(String(c.args[0]))));
    const got = collect(helper.getNode('out'), 2);
    node.receive(deliveryMsg(DOC));
    node.receive(deliveryMsg(DOC));
    const out = await got;
    assert.deepEqual(
      out.map((m) => (m.fedex as { outcome: string }).outcome),
      ['created', 'stored'],
    );
  });
});
