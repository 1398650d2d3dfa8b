/**
 * Examples 05-07 in a real Node-RED against the simulators: ShipStation orders become X3 sales
 * orders (customer and products first, never twice), shipment notifications update X3 (status
 * and a delivery that issues the stock), V1 times arrive as UTC, and master data flows both ways.
 */
import assert from 'node:assert/strict';
import {
  createShipStationOrders,
  shipShipStationOrder,
  shipStationOrderBody,
  stockShipStationSkus,
  x3Records,
} from '../../sim/activity';
import { runtimeProblems, startE2E, waitFor, type E2E } from '../support/e2e';

type Rec = Record<string, unknown>;

async function salesOrdersByRef(env: E2E): Promise<Map<string, Rec[]>> {
  const map = new Map<string, Rec[]>();
  for (const so of await x3Records(env.sims.x3.url, 'salesOrder')) {
    const ref = String(so.CUSORDREF ?? '');
    if (ref) map.set(ref, [...(map.get(ref) ?? []), so]);
  }
  return map;
}

function stockOf(env: E2E, site: string, sku: string): number {
  return Number(env.sims.x3.store.get('stock', `${site}~${sku}`)?.values.QTYSTU ?? NaN);
}

describe('e2e: ShipStation ↔ X3 examples (05-07) in a real Node-RED', function () {
  this.timeout(10 * 60_000);
  let env: E2E;
  let orders: Array<{ orderId: number; orderNumber: string }> = [];

  before(async function () {
    env = await startE2E({
      sims: {
        // ShipStation's 40 requests per minute, on a 5-second window
        shipstation: { rateWindowMs: 5000 },
        x3: { records: { customer: 5, product: 5, salesOrder: 5, salesDelivery: 0, purchaseOrder: 0 } },
      },
      wiring: {
        only: ['05', '06', '07', '08'],
        x3PollSeconds: 1,
        shipstationPollSeconds: 2,
        masterDataSeconds: 3,
        shipstationConfig: { windowSeconds: 5 },
      },
    });
    await stockShipStationSkus(env.sims.x3.url, ['NA011'], 1000);
  });

  after(async function () {
    await env?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(runtimeProblems(env.runtime));
  });

  it('turns ShipStation orders into X3 sales orders, customer and products first, each once', async function () {
    orders = await createShipStationOrders(env.sims.shipstation.v1Url, {
      prefix: 'E2E-',
      start: 1,
      count: 8,
      customers: 3,
    });
    const byRef = await waitFor('every order in X3', async () => {
      const map = await salesOrdersByRef(env);
      return orders.every((o) => map.has(o.orderNumber)) ? map : undefined;
    });
    // webhook and poll both saw every order; a redelivered webhook changes nothing
    await fetch(`${env.sims.shipstation.v1Url}/__sim/webhooks/redeliver`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 8, version: 'v1' }),
    });
    const writes = env.sims.x3.logs.writes;
    for (const { orderId, orderNumber } of orders) {
      const found = byRef.get(orderNumber) ?? [];
      assert.equal(found.length, 1, `${orderNumber}: ${found.length} X3 sales orders`);
      const so = found[0];
      const ss = env.sims.shipstation.state.store.orders.get(orderId)!;
      assert.equal(so.BPCORD, `SS${ss.customerId}`, `${orderNumber}: customer code`);
      const lines = so.lines as Rec[];
      assert.deepEqual(
        lines.map((l) => [l.ITMREF, l.QTY]),
        ss.items.map((i) => [i.sku, i.quantity]),
        `${orderNumber}: lines`,
      );
      // created after its customer and products existed in X3
      const soAt = writes.findIndex(
        (w) => w.entity === 'salesOrder' && w.operation === 'create' && w.key === so.SOHNUM,
      );
      const customerAt = writes.findIndex(
        (w) => w.entity === 'customer' && w.operation === 'create' && w.key === so.BPCORD,
      );
      assert.ok(soAt >= 0 && customerAt >= 0 && customerAt < soAt, `${orderNumber}: customer created before the order`);
      for (const line of lines) {
        const productAt = writes.findIndex(
          (w) => w.entity === 'product' && w.operation === 'create' && w.key === line.ITMREF,
        );
        assert.ok(
          productAt >= 0 && productAt < soAt,
          `${orderNumber}: product ${String(line.ITMREF)} created before the order`,
        );
      }
    }
    const customers = new Set(
      orders.map((o) => `SS${env.sims.shipstation.state.store.orders.get(o.orderId)!.customerId}`),
    );
    for (const code of customers) {
      assert.equal(
        writes.filter((w) => w.entity === 'customer' && w.operation === 'create' && w.key === code).length,
        1,
        `${code} created once`,
      );
    }
    // the redelivered webhooks were answered and recorded, and still one order each
    await waitFor('redeliveries answered', async () => {
      const deliveries = env.sims.shipstation.state.deliveries.filter((d) => d.redelivery);
      return deliveries.length >= 1 && deliveries.every((d) => d.status === 200) ? true : undefined;
    });
    const after = await salesOrdersByRef(env);
    for (const o of orders) assert.equal(after.get(o.orderNumber)?.length, 1, `${o.orderNumber} after redelivery`);
  });

  it('delivers V1 times as UTC', async function () {
    const byRef = await salesOrdersByRef(env);
    for (const { orderId, orderNumber } of orders) {
      const ss = env.sims.shipstation.state.store.orders.get(orderId)!;
      const so = byRef.get(orderNumber)![0];
      const { entries } = await env.audit({ x3Key: String(so.SOHNUM), operation: 'x3.create', limit: 10 });
      const entry = entries.find((e) => e.status === 'succeeded');
      assert.ok(entry, `${orderNumber}: no x3.create entry`);
      const order = (entry.msg?.x3Draft as { salesOrder: Rec }).salesOrder;
      // ORDDAT is the order date's Pacific calendar date
      assert.equal(order.ORDDAT, new Date(ss.orderDate!).toISOString().slice(0, 10), `${orderNumber}: ORDDAT`);
      assert.equal(so.ORDDAT, order.ORDDAT);
    }
    // what the flows received: every V1 timestamp as UTC ISO with the Pacific original kept
    const { entries } = await env.audit({ system: 'shipstation', limit: 200 });
    const withOrders = entries.filter((e) => {
      const p = e.msg?.payload as Rec | undefined;
      return (
        p &&
        typeof p.orderNumber === 'string' &&
        orders.some((o) => o.orderNumber === p.orderNumber) &&
        typeof p.createDate === 'string'
      );
    });
    assert.ok(withOrders.length > 0, 'no ShipStation order recorded in the audit trail');
    for (const e of withOrders) {
      const p = e.msg!.payload as Rec & { _pacific?: Rec };
      const ss = [...env.sims.shipstation.state.store.orders.values()].find((o) => o.orderNumber === p.orderNumber)!;
      assert.match(String(p.createDate), /Z$/, 'UTC ISO');
      assert.equal(
        Date.parse(String(p.createDate)),
        ss.createDate,
        `${String(p.orderNumber)}: createDate is the instant ShipStation recorded`,
      );
      assert.equal(Date.parse(String(p.modifyDate)) <= ss.modifyDate, true);
      assert.match(String(p._pacific?.createDate), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$/, 'Pacific original kept');
    }
  });

  it('updates X3 from shipment notifications: fulfilment status, then a delivery that issues the stock', async function () {
    const shipped = orders.slice(0, 4);
    const before = new Map<string, number>();
    for (const o of shipped) {
      for (const i of env.sims.shipstation.state.store.orders.get(o.orderId)!.items)
        before.set(String(i.sku), stockOf(env, 'NA011', String(i.sku)));
    }
    const shipments: Rec[] = [];
    for (const o of shipped) shipments.push(await shipShipStationOrder(env.sims.shipstation.v1Url, o.orderId));
    const byRef = await waitFor('shipped status on the X3 orders', async () => {
      const map = await salesOrdersByRef(env);
      return shipped.every((o) => map.get(o.orderNumber)?.[0]?.YTRKSTA === 'shipped') ? map : undefined;
    });
    const deliveries = await waitFor('one X3 delivery per shipment', async () => {
      const all = await x3Records(env.sims.x3.url, 'salesDelivery');
      const mine = all.filter((d) => shipped.some((o) => byRef.get(o.orderNumber)?.[0]?.SOHNUM === d.SOHNUM));
      return mine.length >= shipped.length ? mine : undefined;
    });
    const used = new Map<string, number>();
    shipped.forEach((o, i) => {
      const so = byRef.get(o.orderNumber)![0];
      assert.equal(so.YTRACKNUM, shipments[i].trackingNumber, `${o.orderNumber}: tracking number`);
      const mine = deliveries.filter((d) => d.SOHNUM === so.SOHNUM);
      assert.equal(mine.length, 1, `${o.orderNumber}: ${mine.length} deliveries`);
      assert.equal(mine[0].YTRACKNUM, shipments[i].trackingNumber);
      for (const item of env.sims.shipstation.state.store.orders.get(o.orderId)!.items)
        used.set(String(item.sku), (used.get(String(item.sku)) ?? 0) + item.quantity);
    });
    for (const [sku, qty] of used)
      assert.equal(stockOf(env, 'NA011', sku), before.get(sku)! - qty, `stock of ${sku} issued`);
    // every line delivered: the X3 orders are delivered
    const after = await salesOrdersByRef(env);
    for (const o of shipped)
      assert.equal(after.get(o.orderNumber)?.[0]?.DLVSTA, 3, `${o.orderNumber}: delivered in X3`);
  });

  it('handles a fulfilment provider shipping an order (FULFILLMENT_SHIPPED)', async function () {
    // a provider-fulfilled order: imported (seeded) as pending_fulfillment, announced by ORDER_NOTIFY
    const body: Record<string, unknown> = { ...shipStationOrderBody('E2F-', 1, 3), orderStatus: 'pending_fulfillment' };
    const res = await fetch(`${env.sims.shipstation.v1Url}/__sim/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orders: [body], announce: true }),
    });
    assert.equal(res.status, 200);
    const order = {
      orderId: ((await res.json()) as { orders: number[] }).orders[0],
      orderNumber: String(body.orderNumber),
    };
    await waitFor('the order in X3', async () => (await salesOrdersByRef(env)).get(order.orderNumber)?.[0]);
    const fulfil = await fetch(`${env.sims.shipstation.v1Url}/__sim/orders/${order.orderId}/fulfill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ carrierCode: 'fedex', trackingNumber: '794699999999' }),
    });
    assert.equal(fulfil.status, 200, await fulfil.text());
    const so = await waitFor('shipped status', async () => {
      const s = (await salesOrdersByRef(env)).get(order.orderNumber)?.[0];
      return s?.YTRKSTA === 'shipped' ? s : undefined;
    });
    assert.equal(so.YTRACKNUM, '794699999999');
    const delivery = await waitFor('its delivery', async () =>
      (await x3Records(env.sims.x3.url, 'salesDelivery')).find((d) => d.SOHNUM === so.SOHNUM),
    );
    assert.equal(delivery.YTRACKNUM, '794699999999');
  });

  it('syncs master data: X3 product prices to ShipStation, ShipStation customers to X3', async function () {
    // a ShipStation customer that no imported order brought into X3 yet
    const seeded = await fetch(`${env.sims.shipstation.v1Url}/__sim/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        customers: [
          {
            name: 'Margaret Hamilton',
            email: 'margaret@example.com',
            city: 'Boston',
            state: 'MA',
            countryCode: 'US',
            postalCode: '02108',
          },
        ],
      }),
    });
    assert.equal(seeded.status, 200, await seeded.text());
    const customer = [...env.sims.shipstation.state.store.customers.values()].find(
      (c) => c.email === 'margaret@example.com',
    )!;
    const x3Customer = await waitFor('the ShipStation customer in X3', async () =>
      env.sims.x3.store.get('customer', `SS${customer.customerId}`),
    );
    assert.equal(x3Customer.values.BPCNAM, 'Margaret Hamilton');

    // an X3 price change reaches the ShipStation product with that SKU
    const sku = String(env.sims.shipstation.state.store.orders.get(orders[0].orderId)!.items[0].sku);
    env.sims.x3.store.touch('product', [sku], { BASPRI: 77.25 });
    await waitFor('the new price in ShipStation', async () => {
      const p = [...env.sims.shipstation.state.store.products.values()].find((x) => x.sku === sku);
      return p && p.price === 77.25 ? p : undefined;
    });
  });
});
