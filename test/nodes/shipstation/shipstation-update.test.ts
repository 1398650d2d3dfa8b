import assert from 'node:assert/strict';
import type { AuditConfigNode } from '../../../nodes/audit/config-api';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';
import {
  TAB,
  collect,
  configNode,
  credentials,
  helper,
  importedOrder,
  modules,
  positioned,
  startStopServer,
  useUserDir,
} from './harness';

type Json = Record<string, unknown>;

describe('shipstation-update node', function () {
  this.timeout(30_000);
  let sim: ShipStationSim;
  useUserDir();
  startStopServer();

  before(async () => {
    sim = await startShipStationSim({ orders: 5 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  const flow = (extra: Json = {}): Json[] =>
    positioned([
      TAB,
      configNode(sim),
      { id: 'audit', type: 'audit-config', path: ':memory:' },
      {
        id: 'up',
        type: 'shipstation-update',
        z: 'tab',
        server: 'ss',
        audit: 'audit',
        operation: 'order',
        ...extra,
        wires: [['out']],
      },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'catch', type: 'catch', z: 'tab', scope: ['up'], wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ]);

  const writes = (): string[] =>
    sim.state.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

  it('creates an order by orderKey and emits it as written (UTC times, originals kept)', async () => {
    await helper.load(modules, flow(), credentials());
    const out = collect(helper.getNode('out'), 1);
    helper.getNode('up').receive({ payload: importedOrder('X3-100'), x3: { entity: 'salesOrder', key: 'SO1' } });
    const [msg] = await out;
    const order = msg.payload as Json;
    assert.equal(order.orderKey, 'key-X3-100');
    assert.match(String(order.createDate), /Z$/);
    assert.deepEqual(msg.shipstation, {
      version: 'v1',
      resourceType: 'order',
      operation: 'create',
      id: `order:${String(order.orderId)}`,
    });
    assert.deepEqual(msg.x3, { entity: 'salesOrder', key: 'SO1' }, 'other msg properties kept');
  });

  it('refuses to update a shipped order with a clear, catchable error and sends nothing', async () => {
    const shipped = sim.createOrder(importedOrder('X3-101'));
    sim.shipOrder(shipped.orderId, { carrierCode: 'ups', serviceCode: 'ups_ground' });
    await helper.load(modules, flow(), credentials());
    const before = writes();
    const caught = collect(helper.getNode('caught'), 1);
    helper.getNode('up').receive({ payload: { ...importedOrder('X3-101'), customerNotes: 'please hurry' } });
    const [msg] = await caught;
    const info = msg._error as Json;
    assert.equal(info.code, 'ORDER_LOCKED');
    assert.equal(info.system, 'shipstation');
    assert.match(String(info.message), /order X3-101 .* is shipped: ShipStation does not allow changes/);
    assert.deepEqual(writes(), before, 'no createorder was sent');
    const store = (helper.getNode('audit') as unknown as AuditConfigNode).getStore();
    const failed = await store.query({ operation: 'order.upsert', status: 'failed' });
    assert.equal(failed.entries[0].error?.code, 'ORDER_LOCKED');
  });

  it('marks an order shipped once: a repeated msg returns the stored result without a second call', async () => {
    const open = sim.createOrder(importedOrder('X3-102'));
    await helper.load(modules, flow({ operation: 'markShipped' }), credentials());
    const body = { orderId: open.orderId, carrierCode: 'usps', trackingNumber: '9400TEST', shipDate: '2026-11-02' };
    let out = collect(helper.getNode('out'), 1);
    helper.getNode('up').receive({ payload: { ...body } });
    const [first] = await out;
    // a retry of the same msg (the order is shipped by now: without the ledger it would be refused)
    out = collect(helper.getNode('out'), 1);
    helper.getNode('up').receive({ payload: { ...body } });
    const [second] = await out;
    assert.equal((first.payload as Json).orderNumber, 'X3-102');
    assert.deepEqual(second.payload, first.payload);
    assert.equal(writes().filter((w) => w.includes('markasshipped')).length, 1);
    assert.equal(sim.state.store.orders.get(open.orderId)?.orderStatus, 'shipped');
  });

  it('refuses to mark an order shipped when its audit-config cannot open the ledger: nothing is sent', async () => {
    const open = sim.createOrder(importedOrder('X3-103'));
    const broken = flow({ operation: 'markShipped' }).map((n) =>
      // a PostgreSQL store without a connection string cannot be opened at all
      n.id === 'audit' ? { ...n, path: undefined, backend: 'postgres', connection: '' } : n,
    );
    await helper.load(modules, broken, credentials());
    const caught = collect(helper.getNode('caught'), 1);
    const body = { orderId: open.orderId, carrierCode: 'usps', trackingNumber: '9400TEST', shipDate: '2026-11-02' };
    helper.getNode('up').receive({ payload: body });
    const [msg] = await caught;
    assert.equal((msg.error as Json).code, 'LEDGER_UNAVAILABLE', JSON.stringify(msg.error));
    assert.equal(writes().filter((w) => w.includes('markasshipped')).length, 0, 'no fulfilment without the ledger');
    assert.equal(sim.state.store.orders.get(open.orderId)?.orderStatus, 'awaiting_shipment');
  });

  it('refuses to mark an order shipped while its PostgreSQL ledger is unreachable: the claim fails, nothing is sent', async () => {
    const open = sim.createOrder(importedOrder('X3-104'));
    const down = flow({ operation: 'markShipped' }).map((n) =>
      n.id === 'audit' ? { ...n, path: undefined, backend: 'postgres', connection: 'postgres://u@127.0.0.1:1/db' } : n,
    );
    await helper.load(modules, down, credentials());
    const caught = collect(helper.getNode('caught'), 1);
    const body = { orderId: open.orderId, carrierCode: 'usps', trackingNumber: '9400TEST', shipDate: '2026-11-02' };
    helper.getNode('up').receive({ payload: body });
    const [msg] = await caught;
    assert.equal((msg.error as Json).code, 'ECONNREFUSED', JSON.stringify(msg.error));
    assert.equal(writes().filter((w) => w.includes('markasshipped')).length, 0, 'no fulfilment without the ledger');
    assert.equal(sim.state.store.orders.get(open.orderId)?.orderStatus, 'awaiting_shipment');
  });

  it('updates a product by SKU, merged over the current one', async () => {
    await helper.load(modules, flow({ operation: 'product' }), credentials());
    const out = collect(helper.getNode('out'), 1);
    helper.getNode('up').receive({ payload: { sku: 'SKU-1007', price: 31 } });
    const [msg] = await out;
    assert.equal((msg.payload as Json).price, 31);
    assert.equal((msg.payload as Json).name, 'Milk Frother');
    assert.equal((msg.shipstation as Json).resourceType, 'product');
  });
});
