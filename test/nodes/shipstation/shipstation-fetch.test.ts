import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sinon from 'sinon';
import { STATE_DIR_NAME } from '../../../nodes/core/state-file';
import { settle } from '../../support/node-helper';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';
import { driveVirtualTime, httpInFlight, installClock, type FakeClock } from '../../unit/shipstation/virtual-time';
import {
  TAB,
  catchNode,
  collect,
  configNode,
  credentials,
  helper,
  modules,
  positioned,
  recorder,
  startStopServer,
  statusTexts,
  useUserDir,
} from './harness';

type Json = Record<string, unknown>;

function fetchNode(id: string, extra: Json = {}): Json {
  return {
    id,
    type: 'shipstation-fetch',
    z: 'tab',
    server: 'ss',
    operation: 'orders-modified',
    interval: 0,
    pollOnStart: false,
    initial: 'all',
    x3SalesSite: 'FR011',
    ...extra,
    wires: [[`${id}-out`]],
  };
}

describe('shipstation-fetch node', function () {
  this.timeout(300_000);
  const userDir = useUserDir();
  startStopServer();

  describe('polling 5,000 orders at 40 requests/min (virtual time)', () => {
    let clock: FakeClock | undefined;
    let sim: ShipStationSim;

    beforeEach(async () => {
      httpInFlight();
      // fake Date too: the nodes' clocks (watermark, modifyDateEnd, limiter) are Date.now
      clock = installClock('2026-11-02T00:00:00.000Z', { fakeDate: true });
      sim = await startShipStationSim({ orders: 5000, now: () => Date.now(), rateWindowMs: 60_000 });
    });
    afterEach(async () => {
      // real timers first: closing nodes waits on timers of its own
      clock?.restore();
      clock = undefined;
      await helper.unload();
      await sim.close();
    });

    it('two nodes on one config share the budget: every order, no 429 at all', async () => {
      const flow = positioned([
        TAB,
        configNode(sim),
        fetchNode('a'),
        { id: 'a-out', type: 'helper', z: 'tab' },
        fetchNode('b'),
        { id: 'b-out', type: 'helper', z: 'tab' },
      ]);
      await helper.load(modules, flow, credentials());
      const a = recorder(helper.getNode('a-out'));
      const b = recorder(helper.getNode('b-out'));
      const start = Date.now();
      // each node: a full poll (11 pages of 500, each after the first re-reading the last order
      // before it, where the page starts) and 30 single-order reads, all at once
      const work = (async () => {
        for (const id of ['a', 'b']) {
          helper.getNode(id).receive({ topic: 'poll' });
          for (let i = 0; i < 30; i += 1)
            helper.getNode(id).receive({ operation: 'order', payload: { orderId: 100000001 + i } });
        }
        while (a.length < 5030 || b.length < 5030) await new Promise((r) => setImmediate(r));
      })();
      await driveVirtualTime(clock!, work, () => httpInFlight() > 0);
      const orders = (got: Json[]): number =>
        new Set(got.filter((m) => m.topic === 'order').map((m) => (m.payload as Json).orderId)).size;
      assert.equal(orders(a), 5000);
      assert.equal(orders(b), 5000);
      const v1 = sim.state.requests.filter((r) => r.api === 'v1');
      assert.equal(v1.length, 2 * (11 + 30));
      assert.equal(sim.state.counters.rateLimited429, 0, 'no 429 with the budget shared by both nodes');
      // 82 requests at 38 per window: the limiter waited for two resets
      assert.ok(Date.now() - start >= 2 * 60_000);
      assert.ok(
        statusTexts(helper.getNode('a')).some((t) => /v1 \d+\/40/.test(t)),
        'status shows the budget left',
      );
    });
  });

  describe('with a small account', () => {
    let sim: ShipStationSim;
    let dateClock: sinon.SinonFakeTimers | undefined;
    before(async () => {
      sim = await startShipStationSim({ orders: 12, now: () => Date.now() });
    });
    after(async () => {
      await sim.close();
    });
    // the generated orders are dated 2026: run the calendar from just after them, whatever today is
    beforeEach(() => {
      dateClock = sinon.useFakeTimers({
        now: Date.parse('2026-11-02T00:00:00Z'),
        toFake: ['Date'],
        shouldAdvanceTime: true,
      });
      sim.reset();
    });
    afterEach(() => {
      dateClock?.restore();
      dateClock = undefined;
    });

    const flow = (extra: Json = {}): Json[] =>
      positioned([
        TAB,
        configNode(sim),
        fetchNode('f', extra),
        { id: 'f-out', type: 'helper', z: 'tab' },
        { id: 'catch', type: 'catch', z: 'tab', scope: ['f'], wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'tab' },
      ]);

    it('polls on input, persists its watermark and never emits the same (orderId, modifyDate) twice', async () => {
      await helper.load([...modules, catchNode], flow(), credentials());
      const out = helper.getNode('f-out');
      let got = collect(out, 12);
      helper.getNode('f').receive({ topic: 'go', correlation: 'c1' });
      const first = await got;
      assert.ok(
        first.every((m) => m.correlation === 'c1'),
        'input msg properties are kept',
      );
      assert.ok(first.every((m) => /Z$/.test(String((m.payload as Json).modifyDate))));
      const again = recorder(out);
      helper.getNode('f').receive({});
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(again.length, 0, 'nothing new');
      // an edit in ShipStation is a new version: emitted once more
      sim.touchOrder(100000004, { internalNotes: 'changed' });
      got = collect(out, 1);
      helper.getNode('f').receive({});
      const [edited] = await got;
      assert.equal((edited.payload as Json).orderId, 100000004);
      // a restart keeps the position (state file in the user dir)
      await helper.unload();
      await helper.load([...modules, catchNode], flow(), credentials());
      const afterRestart = recorder(helper.getNode('f-out'));
      helper.getNode('f').receive({});
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(afterRestart.length, 0);
    });

    it("closing stops the running poll: no request after the close, and a removed node's watermark file is not written again", async () => {
      await helper.load([...modules, catchNode], flow(), credentials());
      const first = collect(helper.getNode('f-out'), 12);
      helper.getNode('f').receive({});
      await first;
      const file = join(userDir.dir(), STATE_DIR_NAME, 'shipstation-fetch-f.json');
      assert.ok(existsSync(file), 'the first poll committed its watermark');
      // the second poll re-reads the overlap (nothing new): its request is in flight when the node is deleted
      sim.configure({ latencyMs: 100 });
      try {
        const received = sim.state.counters.requests;
        helper.getNode('f').receive({});
        while (sim.state.counters.requests === received) await new Promise((r) => setImmediate(r));
        const node = helper.getNode('f') as unknown as { close(removed: boolean): Promise<void> };
        await node.close(true);
        const requestsAtClose = sim.state.counters.requests;
        assert.equal(existsSync(file), false, 'the state file goes with the node');
        // let the simulator's answer arrive (it would be processed by a poll that ran on)
        await new Promise((r) => setTimeout(r, 300));
        await settle();
        assert.equal(existsSync(file), false, 'a closed instance writes no watermark file');
        assert.equal(sim.state.counters.requests, requestsAtClose, 'no request after the close');
      } finally {
        sim.configure({ latencyMs: 0 });
      }
    });

    it('fetches one order, shipments by date range (sent in Pacific time), customers and products on input', async () => {
      await helper.load([...modules, catchNode], flow({ operation: 'order' }), credentials());
      const out = helper.getNode('f-out');
      let got = collect(out, 1);
      helper.getNode('f').receive({ payload: { orderId: 100000002 }, keep: 'me' });
      const [order] = await got;
      assert.equal((order.payload as Json).orderNumber, 'SS-10002');
      assert.equal(order.keep, 'me');
      assert.equal(((order.x3Draft as Json).salesOrder as Json).CUSORDREF, 'SS-10002');

      sim.shipOrder(100000002, { carrierCode: 'ups', serviceCode: 'ups_ground', trackingNumber: '1ZDST' });
      got = collect(out, 1);
      helper.getNode('f').receive({
        operation: 'shipments',
        payload: { createDateStart: '2026-11-01T08:00:00Z', trackingNumber: '1ZDST' },
      });
      const [shipment] = await got;
      assert.equal(shipment.topic, 'shipment');
      assert.equal((shipment.payload as Json).trackingNumber, '1ZDST');
      assert.ok(((shipment.payload as Json).shipmentItems as Json[]).length > 0, 'items included');
      assert.equal(((shipment.x3Draft as Json).salesOrderStatus as Json).YTRACKNUM, '1ZDST');
      const req = sim.state.requests.filter((r) => r.path.startsWith('/shipments?')).pop();
      assert.match(String(req?.path), /createDateStart=2026-11-01(\+|%20)01(:|%3A)00(:|%3A)00/, '08:00Z is 01:00 PDT');

      const customers = await sim.state.store.customers.size;
      got = collect(out, customers);
      helper.getNode('f').receive({ operation: 'customers', payload: {} });
      const cs = await got;
      assert.ok(
        cs.every((m) => m.topic === 'customer' && typeof ((m.x3Draft as Json).customer as Json).BPCNUM === 'string'),
      );

      got = collect(out, 1);
      helper.getNode('f').receive({ operation: 'product', payload: { sku: 'SKU-1005' } });
      const [product] = await got;
      assert.equal(((product.x3Draft as Json).product as Json).ITMREF, 'SKU-1005');
    });

    it('fetches a resource_url only on the configured host; otherwise the msg fails and nothing is sent', async () => {
      await helper.load([...modules, catchNode], flow({ operation: 'resource' }), credentials());
      const caught = collect(helper.getNode('caught'), 1);
      const before = sim.state.requests.length;
      helper.getNode('f').receive({ payload: 'https://evil.example.com/orders?importBatch=x' });
      const [msg] = await caught;
      assert.equal((msg._error as Json).code, 'FOREIGN_RESOURCE_URL');
      assert.equal(sim.state.requests.length, before);
      const out = collect(helper.getNode('f-out'), 12);
      helper.getNode('f').receive({ payload: { resource_url: `${sim.v1Url}/orders?orderStatus=` } });
      assert.equal((await out).length, 12);
    });

    it('reports a record its X3 mapping refuses as a catchable error and emits the others', async () => {
      sim.seed({
        orders: [
          {
            orderNumber: 'NO-SKU',
            orderKey: 'no-sku',
            orderDate: '2026-11-01T08:00:00Z',
            orderStatus: 'awaiting_shipment',
            billTo: { name: 'Ada' },
            shipTo: { name: 'Ada' },
            items: [{ sku: null, name: 'Mystery box', quantity: 1, unitPrice: 5 }],
          },
        ],
      });
      await helper.load([...modules, catchNode], flow({ operation: 'orders' }), credentials());
      const caught = collect(helper.getNode('caught'), 1);
      const out = collect(helper.getNode('f-out'), 12);
      helper.getNode('f').receive({ payload: {} });
      const [err] = await caught;
      assert.equal((err._error as Json).field, 'items[0].sku');
      assert.equal((err.payload as Json).orderNumber, 'NO-SKU');
      assert.equal((await out).length, 12);
    });
  });
});
