import assert from 'node:assert/strict';
import { ApiError, ValidationError } from '../../../nodes/core/errors';
import { ShipStationClient } from '../../../nodes/shipstation/client';
import { convertV1Timestamps } from '../../../nodes/shipstation/timestamps';
import { markShipped, updateProduct, upsertOrder } from '../../../nodes/shipstation/update-ops';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';

type Json = Record<string, unknown>;

function newOrder(n: string): Json {
  return {
    orderNumber: n,
    orderKey: `x3-${n}`,
    orderDate: '2026-11-01T09:10:00.000Z',
    orderStatus: 'awaiting_shipment',
    billTo: { name: 'Ada Lovelace' },
    shipTo: { name: 'Ada Lovelace', street1: '1 Analytical Way', city: 'London', postalCode: 'NW1 6XE', country: 'GB' },
    items: [{ sku: 'SKU-1001', name: 'Coffee Mug', quantity: 2, unitPrice: 12.5 }],
  };
}

describe('shipstation-update operations (against the simulator)', function () {
  this.timeout(30_000);
  let sim: ShipStationSim;
  let client: ShipStationClient;

  before(async () => {
    sim = await startShipStationSim({ orders: 10 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
    client = new ShipStationClient({
      credentials: { apiKey: 'sim-v1-key', apiSecret: 'sim-v1-secret' },
      v1Url: sim.v1Url,
      retry: { maxRetries: 0 },
    });
  });
  afterEach(async () => {
    await client.close();
  });

  const writes = (): string[] =>
    sim.state.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

  it('creates, then updates by orderKey; UTC dates are sent as Pacific wall clock', async () => {
    const created = await upsertOrder(client, newOrder('X3-1'));
    assert.equal(created.created, true);
    assert.equal(created.order.orderKey, 'x3-X3-1');
    assert.equal((created.order._pacific as Json).orderDate, '2026-11-01T01:10:00.0000000', '09:10Z is 01:10 PST');
    assert.equal(
      created.order.orderDate,
      '2026-11-01T08:10:00.000Z',
      'read back: the repeated hour reads as PDT unless decided',
    );
    const updated = await upsertOrder(client, { ...created.order, customerNotes: 'leave at door' });
    assert.equal(updated.created, false);
    assert.equal(updated.order.orderId, created.order.orderId, 'same order: upsert by orderKey');
    assert.equal(updated.order.customerNotes, 'leave at door');
  });

  it('refuses to change a shipped or cancelled order before calling ShipStation', async () => {
    const { order } = await upsertOrder(client, newOrder('X3-2'));
    sim.shipOrder(Number(order.orderId), { carrierCode: 'ups', serviceCode: 'ups_ground' });
    const before = writes();
    await assert.rejects(upsertOrder(client, { ...order, customerNotes: 'too late' }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 'ORDER_LOCKED');
      assert.match(
        err.message,
        /order X3-2 \(orderId \d+\) is shipped: ShipStation does not allow changes of a shipped order, so nothing was sent/,
      );
      return true;
    });
    assert.deepEqual(writes(), before, 'no createorder was sent');
    assert.equal(sim.state.store.orders.get(Number(order.orderId))?.customerNotes, null);

    const cancelled = (await upsertOrder(client, { ...newOrder('X3-3'), orderStatus: 'cancelled' })).order;
    await assert.rejects(upsertOrder(client, { ...cancelled, orderStatus: 'awaiting_shipment' }), /is cancelled/);
    await assert.rejects(
      markShipped(client, { orderId: order.orderId, carrierCode: 'ups' }),
      (err: unknown) => err instanceof ApiError && err.code === 'ORDER_LOCKED',
    );
    assert.equal(writes().length, before.length + 1, 'only the cancelled create went out');
  });

  it('requires an orderKey so a retry cannot duplicate an order', async () => {
    const { orderKey: _omit, ...withoutKey } = newOrder('X3-4');
    const before = sim.state.requests.length;
    await assert.rejects(
      upsertOrder(client, withoutKey),
      (err: unknown) => err instanceof ValidationError && err.field === 'orderKey',
    );
    assert.equal(sim.state.requests.length, before);
  });

  it('marks an open order shipped (by order number), with a Pacific ship date', async () => {
    await upsertOrder(client, newOrder('X3-5'));
    const result = await markShipped(client, {
      orderNumber: 'X3-5',
      carrierCode: 'usps',
      trackingNumber: '9400X',
      shipDate: '2026-11-02T06:30:00Z',
    });
    assert.equal(result.request.shipDate, '2026-11-01', '06:30Z on Nov 2 is still Nov 1 in Pacific time');
    assert.equal(result.response.orderNumber, 'X3-5');
    const stored = [...sim.state.store.orders.values()].find((o) => o.orderNumber === 'X3-5');
    assert.equal(stored?.orderStatus, 'shipped');
  });

  it('updates a product without clearing the fields it was not given', async () => {
    const [product] = await client.listAll('v1', '/products', { sku: 'SKU-1003' });
    const written = await updateProduct(client, { sku: 'SKU-1003', price: 41.5 });
    assert.equal(written.price, 41.5);
    const after = convertV1Timestamps(await client.getProduct(Number(product.productId)));
    assert.equal(after.price, 41.5);
    assert.equal(after.name, product.name);
    assert.equal(after.weightOz, product.weightOz);
    assert.equal(after.active, true, 'V1 PUT clears `active` when omitted: the merge keeps it');
    assert.ok(writes().some((w) => w.startsWith(`PUT /products/${String(product.productId)}`)));
  });
});
