import assert from 'node:assert/strict';
import { ValidationError } from '../../../nodes/core/errors';
import { ShipStationClient } from '../../../nodes/shipstation/client';
import {
  customerCode,
  mapCustomerToX3,
  mapFulfillmentToX3,
  mapOrderToX3,
  mapProductToX3,
  mapShipmentToX3,
  type X3OrderDraft,
} from '../../../nodes/shipstation/mapping';
import { convertV1Timestamps } from '../../../nodes/shipstation/timestamps';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';
import { buildEntityDefs } from '../../../sim/x3/entities';
import { SimLogs } from '../../../sim/x3/logs';
import { X3Store } from '../../../sim/x3/store';

type Json = Record<string, unknown>;

/** The X3 simulator's record store: X3 dictionary names, mandatory fields, references. */
function x3Store(): X3Store {
  return new X3Store(buildEntityDefs(), () => Date.parse('2026-11-02T00:00:00Z'), new SimLogs());
}

function writeOrder(store: X3Store, draft: X3OrderDraft, withProducts = true): void {
  if (!store.get('customer', String(draft.customer.BPCNUM))) store.insert('customer', draft.customer, { via: 'sim' });
  if (withProducts)
    for (const p of draft.products)
      if (!store.get('product', String(p.ITMREF))) store.insert('product', p, { via: 'sim' });
  store.insert('salesOrder', draft.salesOrder, { via: 'sim' });
}

describe('shipstation -> X3 mapping', function () {
  this.timeout(30_000);
  let sim: ShipStationSim;
  let client: ShipStationClient;
  const mapping = { salesSite: 'FR011', shippingSite: 'FR011' };

  before(async () => {
    sim = await startShipStationSim({ orders: 40 });
    client = new ShipStationClient({
      credentials: { apiKey: 'sim-v1-key', apiSecret: 'sim-v1-secret', v2ApiKey: 'sim-v2-key' },
      v1Url: sim.v1Url,
      v2Url: sim.v2Url,
    });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  const v1Order = async (orderId: number): Promise<Json> => convertV1Timestamps(await client.getOrder(orderId));

  it('maps real ShipStation orders to a customer, products and a sales order the X3 store accepts', async () => {
    const store = x3Store();
    const orders = (await client.listAll('v1', '/orders', {})).map((o) => convertV1Timestamps(o));
    for (const order of orders) writeOrder(store, mapOrderToX3(order, 'v1', mapping));
    assert.equal(store.count('salesOrder'), orders.length);
    const first = orders[0];
    const so = store.list('salesOrder').find((r) => r.values.CUSORDREF === first.orderNumber);
    assert.ok(so, 'the ShipStation order number is the X3 customer order reference');
    assert.equal(so.values.BPCORD, `SS${String(first.customerId)}`);
    assert.equal(so.values.SALFCY, 'FR011');
    const items = first.items as Json[];
    assert.deepEqual(
      so.lines.map((l) => [l.ITMREF, l.QTY, l.GROPRI]),
      items.map((i) => [i.sku, i.quantity, i.unitPrice]),
    );
    assert.equal(
      so.values.ORDDAT,
      String((first._pacific as Json).orderDate).slice(0, 10),
      'order date = Pacific calendar date',
    );
    const shipTo = first.shipTo as Json;
    assert.equal(so.values.BPDCTY, shipTo.city);
    assert.equal((so.values.BPDADDLIG as string[])[0], shipTo.street1);
  });

  it('keeps each SKU as ITMREF so X3 names an unknown product (no product created first)', async () => {
    const store = x3Store();
    const draft = mapOrderToX3(await v1Order(100000003), 'v1', mapping);
    const skus = draft.products.map((p) => p.ITMREF);
    assert.deepEqual(
      (draft.salesOrder.lines as Json[]).map((l) => l.ITMREF),
      skus,
    );
    assert.throws(
      () => writeOrder(store, draft, false),
      (err: Error) => {
        assert.match(err.message, new RegExp(`ITMREF, line 1: ITMMASTER ${String(skus[0])}: record does not exist`));
        return true;
      },
    );
    // once the product exists the same draft goes in (the replay case)
    for (const p of draft.products) store.insert('product', p, { via: 'sim' });
    store.insert('salesOrder', draft.salesOrder, { via: 'sim' });
    assert.equal(store.count('salesOrder'), 1);
  });

  it('refuses a line without SKU with an error naming the line', async () => {
    const order = await v1Order(100000001);
    (order.items as Json[])[0].sku = null;
    assert.throws(
      () => mapOrderToX3(order, 'v1', mapping),
      (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.equal(err.field, 'items[0].sku');
        assert.match(err.message, /order SS-10001 line 1 .* has no SKU/);
        return true;
      },
    );
  });

  it('refuses an order number longer than CUSORDREF', async () => {
    const order = await v1Order(100000001);
    order.orderNumber = 'X'.repeat(31);
    assert.throws(
      () => mapOrderToX3(order),
      (err: unknown) => err instanceof ValidationError && err.field === 'orderNumber',
    );
  });

  it('maps a shipment (label) to a delivery and a sales order status keyed by CUSORDREF', async () => {
    const label = sim.shipOrder(100000002, { carrierCode: 'ups', serviceCode: 'ups_ground', trackingNumber: '1Z999' });
    const shipments = await client.listAll('v1', '/shipments', { orderId: 100000002, includeShipmentItems: true });
    const shipment = convertV1Timestamps(shipments.find((s) => s.shipmentId === label.shipmentId) as Json);
    const draft = mapShipmentToX3(shipment, 'v1', mapping);
    assert.deepEqual(draft.salesOrderStatus, {
      CUSORDREF: 'SS-10002',
      YTRACKNUM: '1Z999',
      YTRKSTA: 'shipped',
      SHIDAT: shipment.shipDate,
    });
    const store = x3Store();
    const order = mapOrderToX3(await v1Order(100000002), 'v1', mapping);
    writeOrder(store, order);
    const so = store.list('salesOrder')[0];
    const delivery = { ...draft.delivery, BPCORD: order.customer.BPCNUM, SOHNUM: so.key };
    store.insert('salesDelivery', delivery, { via: 'sim' });
    const d = store.list('salesDelivery')[0];
    assert.equal(d.values.YTRACKNUM, '1Z999');
    assert.deepEqual(
      d.lines.map((l) => [l.ITMREF, l.QTY]),
      (shipment.shipmentItems as Json[]).map((i) => [i.sku, i.quantity]),
    );
    // the status update is valid on the X3 sales order found by CUSORDREF
    const { CUSORDREF, ...update } = draft.salesOrderStatus;
    assert.equal(CUSORDREF, so.values.CUSORDREF);
    store.update('salesOrder', so.key, update, { via: 'sim' });
  });

  it('maps a fulfilment (marked shipped) and a voided label', async () => {
    const f = mapFulfillmentToX3(
      convertV1Timestamps({
        fulfillmentId: 7,
        orderNumber: 'SS-10009',
        trackingNumber: '9400',
        shipDate: '2026-11-01T00:00:00.0000000',
        voided: false,
      }),
      'v1',
    );
    assert.deepEqual(f.salesOrderStatus, {
      CUSORDREF: 'SS-10009',
      YTRACKNUM: '9400',
      YTRKSTA: 'shipped',
      SHIDAT: '2026-11-01',
    });
    const voided = mapShipmentToX3(
      { orderNumber: 'SS-1', trackingNumber: 'T', shipDate: '2026-11-02', voided: true },
      'v1',
      { statusField: 'ZSTATUS' },
    );
    assert.deepEqual(voided.salesOrderStatus, { CUSORDREF: 'SS-1', YTRACKNUM: 'T', ZSTATUS: 'voided' });
  });

  it('maps a V2 shipment (= V1 order) the same way, with a stable customer code from the e-mail', async () => {
    const res = await client.request<Json>('v2', { method: 'GET', url: '/shipments/se-100000004' });
    const draft = mapOrderToX3(res.data, 'v2', mapping);
    assert.equal(draft.salesOrder.CUSORDREF, 'SS-10004');
    assert.match(String(draft.customer.BPCNUM), /^SS[0-9A-F]{13}$/);
    assert.equal(mapOrderToX3(res.data, 'v2').customer.BPCNUM, draft.customer.BPCNUM, 'stable');
    writeOrder(x3Store(), draft);
  });

  it('maps ShipStation customers and products for the master-data sync', async () => {
    const customers = (await client.listAll('v1', '/customers', {})).map((c) => convertV1Timestamps(c));
    const products = (await client.listAll('v1', '/products', {})).map((p) => convertV1Timestamps(p));
    const store = x3Store();
    for (const c of customers) store.insert('customer', mapCustomerToX3(c).customer, { via: 'sim' });
    for (const p of products) store.insert('product', mapProductToX3(p).product, { via: 'sim' });
    assert.equal(store.count('customer'), customers.length);
    assert.equal(store.get('product', 'SKU-1001')?.values.BASPRI, 12.5);
    assert.equal(customerCode({ customerId: '123' }, 'SS'), 'SS123');
  });
});
