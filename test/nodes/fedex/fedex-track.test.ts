import assert from 'node:assert/strict';
import path from 'node:path';
import sinon from 'sinon';
import type { AuditConfigNode } from '../../../nodes/audit/config-api';
import type { AuditStore } from '../../../nodes/audit/types';
import { useUserDir } from '../../support/node-helper';
import type { FedexSim } from '../../../sim/fedex/server';
import { salesDelivery, x3Of } from '../../unit/fedex/fixtures';
import { SIM_CLIENT_ID, startSim } from '../../unit/fedex/sim';
import {
  AUDIT,
  OUR_ADDRESS_FIELDS,
  TAB,
  catchNode,
  collect,
  configNode,
  credentials,
  during,
  eventually,
  helper,
  modules,
  positioned,
  startStopServer,
  statusTexts,
} from './harness';

/** The flow with `audit` (a file-backed store) as its audit-config. */
const auditAt =
  (audit: Record<string, unknown>) =>
  (n: Record<string, unknown>): Record<string, unknown> =>
    n.id === 'audit' ? { ...n, ...audit } : n;

function flow(sim: FedexSim, track: Record<string, unknown> = {}, withAudit = true) {
  const audit = withAudit ? 'audit' : '';
  return positioned([
    TAB,
    configNode(sim),
    ...(withAudit ? [{ ...AUDIT }] : []),
    {
      id: 'ship',
      type: 'fedex-ship',
      z: 'tab',
      fedex: 'fx',
      audit,
      reconcileDelaySeconds: '0',
      ...OUR_ADDRESS_FIELDS,
      wires: [['shipped']],
    },
    { id: 'shipped', type: 'helper', z: 'tab' },
    { id: 'track', type: 'fedex-track', z: 'tab', fedex: 'fx', audit, wires: [['updates'], ['errors']], ...track },
    { id: 'updates', type: 'helper', z: 'tab' },
    { id: 'errors', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['track'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ]);
}

async function shipDocs(n: number): Promise<string[]> {
  const got = collect(helper.getNode('shipped'), n);
  for (let i = 0; i < n; i++) {
    const key = `SD${String(i).padStart(8, '0')}`;
    helper.getNode('ship').receive({ payload: salesDelivery(key, { PACNBR: 1 }), x3: x3Of('salesDelivery', key) });
  }
  return (await got).map((m) => (m.payload as { trackingNumber: string }).trackingNumber);
}

describe('fedex-track node', function () {
  this.timeout(30_000);
  let sim: FedexSim;
  startStopServer();
  beforeEach(async () => {
    sim = await startSim();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('N numbers in msg.payload take ceil(N/30) Track calls; updates on output 1, unknown numbers on output 2', async () => {
    await helper.load([...modules, catchNode], flow(sim), credentials());
    const shipped = await shipDocs(61);
    const updates = collect(helper.getNode('updates'), 61);
    const errors = collect(helper.getNode('errors'), 1);
    helper.getNode('track').receive({ payload: [...shipped, '794900000000'], topic: 'poll' });
    const [u, e] = await Promise.all([updates, errors]);
    assert.equal(sim.state.trackCalls.length, 3);
    const first = u[0];
    assert.equal(first.topic, 'poll', "the incoming msg's properties are kept");
    const payload = first.payload as Record<string, unknown>;
    assert.deepEqual(
      Object.keys(payload)
        .filter((k) => ['trackingNumber', 'status', 'statusCode', 'occurredAt', 'delivered', 'events'].includes(k))
        .sort(),
      ['delivered', 'events', 'occurredAt', 'status', 'statusCode', 'trackingNumber'],
    );
    assert.equal(payload.status, 'label_created');
    assert.equal((first.x3 as Record<string, unknown>).entity, 'salesDelivery');
    assert.deepEqual(e[0].payload, {
      trackingNumber: '794900000000',
      error: {
        code: 'TRACKING.TRACKINGNUMBER.NOTFOUND',
        message:
          "The tracking number you entered can't be found right now. Please check the number with the shipper or try again later.",
      },
    });
    await eventually(() =>
      statusTexts(helper.getNode('track')).some((t) => t.startsWith('62 in 3 calls · 61 new · 1 err')),
    );
  });

  it('without numbers (an inject timestamp) it polls the open shipments and emits only changes', async () => {
    // no audit-config: fedex-ship and fedex-track share the config's in-memory store
    await helper.load([...modules, catchNode], flow(sim, {}, false), credentials());
    const [a, b] = await shipDocs(2);
    const first = collect(helper.getNode('updates'), 2);
    helper.getNode('track').receive({ payload: Date.now() });
    assert.deepEqual(
      (await first).map((m) => (m.payload as { trackingNumber: string }).trackingNumber).sort(),
      [a, b].sort(),
    );

    await fetch(`${sim.url}/__sim/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ trackingNumber: a, to: 'DL' }),
    });
    const second = collect(helper.getNode('updates'), 1);
    const quiet = during(helper.getNode('updates'), 300);
    helper.getNode('track').receive({ payload: Date.now() });
    const [delivered] = await second;
    assert.equal((delivered.payload as Record<string, unknown>).status, 'delivered');
    assert.equal((delivered.payload as Record<string, unknown>).delivered, true);
    assert.equal((await quiet).length, 1, 'the unchanged shipment is not emitted');

    const calls = sim.state.trackCalls.length;
    helper.getNode('track').receive({ payload: '' });
    await eventually(() => sim.state.trackCalls.length === calls + 1);
    assert.deepEqual(sim.state.trackCalls[calls].numbers, [b], 'the delivered shipment is closed');
  });

  it('a run whose every Track call fails reaches Catch (per-number errors still on output 2)', async () => {
    await helper.load([...modules, catchNode], flow(sim), credentials({ clientSecret: 'not-the-secret' }));
    const caught = collect(helper.getNode('caught'), 1);
    const errors = collect(helper.getNode('errors'), 1);
    helper.getNode('track').receive({ payload: '794900000000' });
    const [[msg], [err]] = await Promise.all([caught, errors]);
    assert.equal(((msg._error ?? msg.error) as { status?: number }).status, 401);
    assert.equal((err.payload as { error: { code: string } }).error.code, 'NOT.AUTHORIZED.ERROR');
    assert.ok(sim.state.tokenRequests.every((t) => t.clientId === SIM_CLIENT_ID));
  });
});

describe('fedex-track node: a redeploy during a run', function () {
  this.timeout(30_000);
  let sim: FedexSim;
  startStopServer();
  const userDir = useUserDir({ prefix: 'sx3s-fxtrack-' });
  beforeEach(async () => {
    sim = await startSim();
  });
  afterEach(async () => {
    await sim.close();
  });

  const auditStore = (): AuditStore => (helper.getNode('audit') as unknown as AuditConfigNode).getStore();

  it('a status recorded while the flow stops is emitted after the restart, once, with its X3 document', async () => {
    const audit = { ...AUDIT, path: path.join(userDir.dir(), 'audit.db') };
    const load = () => helper.load([...modules, catchNode], flow(sim, {}, true).map(auditAt(audit)), credentials());
    await load();
    const [tn] = await shipDocs(1);
    await fetch(`${sim.url}/__sim/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ trackingNumber: tn, to: 'DL' }),
    });
    // hold the run at its store write until the stop has begun: the store then holds "delivered"
    // while the flow it would be sent into is stopping
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const writing = new Promise<void>((r) => (reached = r));
    const store = auditStore();
    const applyShipment = store.applyShipment.bind(store);
    sinon.stub(store, 'applyShipment').callsFake(async (...args) => {
      reached();
      await gate;
      return applyShipment(...args);
    });
    let stopping = false;
    helper.getNode('track').on('close', () => {
      stopping = true;
    });
    helper.getNode('track').receive({ payload: Date.now() });
    await writing;
    const unloaded = helper.unload();
    await eventually(() => stopping);
    release();
    await unloaded;

    await load();
    const [msg] = await collect(helper.getNode('updates'), 1);
    const payload = msg.payload as Record<string, unknown>;
    assert.equal(payload.trackingNumber, tn);
    assert.equal(payload.status, 'delivered');
    assert.equal((msg.x3 as Record<string, unknown>).key, 'SD00000000');
    // emitted once: the next run finds nothing new and nothing is left pending
    const quiet = during(helper.getNode('updates'), 300);
    const calls = sim.state.trackCalls.length;
    helper.getNode('track').receive({ payload: tn });
    await eventually(() => sim.state.trackCalls.length === calls + 1);
    assert.deepEqual(await quiet, []);
  });
});
