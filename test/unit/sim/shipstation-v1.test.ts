import assert from 'node:assert/strict';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';

const AUTH = `Basic ${Buffer.from('sim-v1-key:sim-v1-secret').toString('base64')}`;

interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions on JSON
}

async function call(base: string, path: string, init: RequestInit & { auth?: string | null } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const auth = init.auth === undefined ? AUTH : init.auth;
  if (auth) headers.authorization = auth;
  const res = await fetch(`${base}${path}`, {
    ...init,
    headers: { ...headers, ...(init.headers as Record<string, string>) },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

function orderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderNumber: 'T-1',
    orderKey: 'key-t-1',
    orderDate: '2026-11-01 01:30:00',
    orderStatus: 'awaiting_shipment',
    customerEmail: 'ada@example.com',
    billTo: { name: 'Ada Lovelace' },
    shipTo: {
      name: 'Ada Lovelace',
      street1: '1 Main St',
      city: 'Austin',
      state: 'TX',
      postalCode: '78701',
      country: 'US',
    },
    items: [{ lineItemKey: 'l1', sku: 'SKU-X', name: 'Thing', quantity: 2, unitPrice: 10 }],
    taxAmount: 1.5,
    shippingAmount: 4,
    internalNotes: 'fragile',
    ...overrides,
  };
}

describe('ShipStation sim - V1 API', () => {
  let clock = Date.parse('2026-11-01T07:00:00.000Z');
  let sim: ShipStationSim;

  before(async () => {
    sim = await startShipStationSim({ now: () => clock });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    clock = Date.parse('2026-11-01T07:00:00.000Z');
    sim.reset();
  });

  describe('auth', () => {
    it('accepts the key:secret pair and rejects missing, wrong, Bearer and V2 credentials with 401', async () => {
      assert.equal((await call(sim.v1Url, '/orders')).status, 200);
      const missing = await call(sim.v1Url, '/orders', { auth: null });
      assert.equal(missing.status, 401);
      assert.equal(missing.body.Message, 'Authorization has been denied for this request.');
      assert.equal(missing.headers.get('x-rate-limit-limit'), null);
      const wrong = `Basic ${Buffer.from('sim-v1-key:nope').toString('base64')}`;
      assert.equal((await call(sim.v1Url, '/orders', { auth: wrong })).status, 401);
      assert.equal((await call(sim.v1Url, '/orders', { auth: 'Bearer sim-v2-key' })).status, 401);
      assert.equal(
        (await call(sim.v1Url, '/orders', { auth: null, headers: { 'api-key': 'sim-v2-key' } })).status,
        401,
      );
    });

    it('serves V1 only on the V1 listener', async () => {
      assert.equal((await call(sim.v2Url, '/orders')).status, 404);
      assert.equal((await call(sim.v1Url, '/v2/shipments')).status, 404);
    });

    it('logs the scheme and credential name, never the secret', async () => {
      await call(sim.v1Url, '/orders?pageSize=1');
      const snapshot = JSON.stringify(sim.snapshot());
      assert.ok(!snapshot.includes('sim-v1-secret'));
      assert.ok(!snapshot.includes('sim-v1-key'));
      const entry = sim.state.requests.at(-1);
      assert.deepEqual(
        { api: entry?.api, auth: entry?.auth, credential: entry?.credential, status: entry?.status, path: entry?.path },
        { api: 'v1', auth: 'basic', credential: 'default-v1', status: 200, path: '/orders?pageSize=1' },
      );
    });
  });

  describe('paging', () => {
    it('returns {orders,total,page,pages}, 1-based pages, and caps pageSize at 500', async () => {
      sim.seed({
        orders: Array.from({ length: 7 }, (_, i) => orderBody({ orderNumber: `P-${i}`, orderKey: `p-${i}` })),
      });
      const first = await call(sim.v1Url, '/orders?pageSize=3&page=1');
      assert.deepEqual([first.body.total, first.body.page, first.body.pages, first.body.orders.length], [7, 1, 3, 3]);
      const last = await call(sim.v1Url, '/orders?pageSize=3&page=3');
      assert.deepEqual([last.body.page, last.body.orders.length], [3, 1]);
      assert.equal((await call(sim.v1Url, '/orders?pageSize=3&page=4')).body.orders.length, 0);
      const ids = [
        ...first.body.orders,
        ...(await call(sim.v1Url, '/orders?pageSize=3&page=2')).body.orders,
        ...last.body.orders,
      ].map((o: { orderId: number }) => o.orderId);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'default order is ascending orderId',
      );
      assert.equal(new Set(ids).size, 7);
      const capped = await call(sim.v1Url, '/orders?pageSize=1000');
      assert.deepEqual([capped.body.pages, capped.body.orders.length], [1, 7]);
    });

    it('matches query names case-insensitively (storeID) and answers 400 to a bad date', async () => {
      sim.seed({
        orders: [orderBody(), orderBody({ orderKey: 'k2', orderNumber: 'T-2', advancedOptions: { storeId: 67890 } })],
      });
      const res = await call(sim.v1Url, '/orders?storeID=67890');
      assert.deepEqual(
        res.body.orders.map((o: { orderNumber: string }) => o.orderNumber),
        ['T-2'],
      );
      const bad = await call(sim.v1Url, '/orders?modifyDateStart=yesterday');
      assert.equal(bad.status, 400);
      assert.match(bad.body.ExceptionMessage, /modifyDateStart/);
    });
  });

  describe('Pacific time across the 2026 DST changes', () => {
    beforeEach(() => {
      sim.seed({
        orders: [
          ['F1', '2026-11-01T08:20:00Z'], // 01:20 PDT
          ['F2', '2026-11-01T09:10:00Z'], // 01:10 PST (later instant, earlier wall clock)
          ['F3', '2026-11-01T08:50:00Z'], // 01:50 PDT
          ['F4', '2026-11-01T09:40:00Z'], // 01:40 PST
          ['S1', '2026-03-08T09:50:00Z'], // 01:50 PST
          ['S2', '2026-03-08T10:10:00Z'], // 03:10 PDT
        ].map(([n, at]) => orderBody({ orderNumber: n, orderKey: n, createDate: at, modifyDate: at })),
      });
    });

    const numbers = (res: Reply): string[] => res.body.orders.map((o: { orderNumber: string }) => o.orderNumber);

    it('prints modifyDate as Pacific wall clock with 7 fractional digits and no offset', async () => {
      const res = await call(sim.v1Url, '/orders?pageSize=10');
      const byNumber = Object.fromEntries(
        res.body.orders.map((o: { orderNumber: string; modifyDate: string }) => [o.orderNumber, o.modifyDate]),
      );
      assert.deepEqual(byNumber, {
        F1: '2026-11-01T01:20:00.0000000',
        F2: '2026-11-01T01:10:00.0000000',
        F3: '2026-11-01T01:50:00.0000000',
        F4: '2026-11-01T01:40:00.0000000',
        S1: '2026-03-08T01:50:00.0000000',
        S2: '2026-03-08T03:10:00.0000000',
      });
    });

    it('filters and sorts the repeated hour by wall clock (the polling hazard)', async () => {
      const window = await call(
        sim.v1Url,
        '/orders?modifyDateStart=2026-11-01%2001:30:00&modifyDateEnd=2026-11-01%2001:59:59',
      );
      assert.deepEqual(numbers(window).sort(), ['F3', 'F4']);
      // A watermark of 01:50 (F3, PDT) misses F2 and F4 although they happened later...
      const naive = await call(sim.v1Url, '/orders?modifyDateStart=2026-11-01%2001:50:00');
      assert.deepEqual(numbers(naive), ['F3']);
      // ...and a one-hour overlap catches them.
      const overlap = await call(
        sim.v1Url,
        '/orders?modifyDateStart=2026-11-01%2000:50:00&sortBy=ModifyDate&sortDir=ASC',
      );
      assert.deepEqual(numbers(overlap), ['F2', 'F1', 'F4', 'F3']);
    });

    it('compares instants when v1DateFilterMode is instant (ambiguous bound = PDT)', async () => {
      sim.configure({ v1DateFilterMode: 'instant' });
      try {
        const window = await call(
          sim.v1Url,
          '/orders?modifyDateStart=2026-11-01%2001:30:00&modifyDateEnd=2026-11-01%2001:59:59',
        );
        assert.deepEqual(numbers(window), ['F3']);
        const after = await call(sim.v1Url, '/orders?modifyDateStart=2026-11-01%2001:50:00&sortBy=ModifyDate');
        assert.deepEqual(numbers(after), ['F3', 'F2', 'F4']);
      } finally {
        sim.configure({ v1DateFilterMode: 'wallclock' });
      }
    });

    it('finds nothing in the skipped spring hour and keeps the orders on both sides', async () => {
      const gap = await call(
        sim.v1Url,
        '/orders?modifyDateStart=2026-03-08%2002:00:00&modifyDateEnd=2026-03-08%2002:59:59',
      );
      assert.deepEqual(numbers(gap), []);
      const around = await call(
        sim.v1Url,
        '/orders?modifyDateStart=2026-03-08%2001:00:00&modifyDateEnd=2026-03-08%2004:00:00',
      );
      assert.deepEqual(numbers(around), ['S1', 'S2']);
    });

    it('stamps createDate/modifyDate from the injected clock in Pacific time', async () => {
      clock = Date.parse('2026-11-01T09:30:00.123Z'); // 01:30:00.123 PST
      const res = await call(sim.v1Url, '/orders/createorder', {
        method: 'POST',
        body: JSON.stringify(orderBody({ orderKey: 'new' })),
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.createDate, '2026-11-01T01:30:00.1230000');
      assert.equal(res.body.modifyDate, res.body.createDate);
      assert.equal(res.body.orderDate, '2026-11-01T01:30:00.0000000');
      assert.equal(res.body.items[0].createDate, '2026-11-01T01:30:00.123');
    });
  });

  describe('rate limit', () => {
    it('counts X-Rate-Limit-Remaining down, Reset in seconds, 429 after 40 in a window, per key', async () => {
      sim.configure({
        v1Credentials: [
          { key: 'sim-v1-key', secret: 'sim-v1-secret' },
          { key: 'k2', secret: 's2' },
        ],
      });
      try {
        clock = Date.parse('2026-11-01T12:00:00.000Z');
        for (let i = 1; i <= 40; i += 1) {
          const res = await call(sim.v1Url, '/orders?pageSize=1');
          assert.equal(res.status, 200);
          assert.equal(res.headers.get('x-rate-limit-limit'), '40');
          assert.equal(res.headers.get('x-rate-limit-remaining'), String(40 - i));
          assert.equal(res.headers.get('x-rate-limit-reset'), String(60 - (i - 1)));
          clock += 1000;
        }
        const limited = await call(sim.v1Url, '/orders?pageSize=1');
        assert.equal(limited.status, 429);
        assert.deepEqual(limited.body, { message: 'Too Many Requests' });
        assert.equal(limited.headers.get('x-rate-limit-remaining'), '0');
        assert.equal(limited.headers.get('x-rate-limit-reset'), '20');
        assert.equal(limited.headers.get('retry-after'), null);
        const other = `Basic ${Buffer.from('k2:s2').toString('base64')}`;
        assert.equal((await call(sim.v1Url, '/orders', { auth: other })).status, 200, 'other key has its own window');
        clock += 20_000;
        const next = await call(sim.v1Url, '/orders?pageSize=1');
        assert.equal(next.status, 200);
        assert.equal(next.headers.get('x-rate-limit-remaining'), '39');
        assert.equal(sim.snapshot().rateLimited429, 1);
      } finally {
        sim.configure({ v1Credentials: [{ key: 'sim-v1-key', secret: 'sim-v1-secret', name: 'default-v1' }] });
      }
    });

    it('honours a shrunk window, burst429 and error5xxRate', async () => {
      sim.configure({ v1RateLimit: 2, rateWindowMs: 500, burst429: 1 });
      try {
        const forced = await call(sim.v1Url, '/orders');
        assert.equal(forced.status, 429);
        assert.equal((await call(sim.v1Url, '/orders')).status, 200);
        assert.equal((await call(sim.v1Url, '/orders')).status, 200);
        assert.equal((await call(sim.v1Url, '/orders')).status, 429);
        clock += 500;
        assert.equal((await call(sim.v1Url, '/orders')).status, 200);
        sim.configure({ error5xxRate: 1, v1RateLimit: 100 });
        const failed = await call(sim.v1Url, '/orders');
        assert.equal(failed.status, 500);
        assert.equal(failed.body.Message, 'An error has occurred.');
      } finally {
        sim.configure({ v1RateLimit: 40, rateWindowMs: 60_000, error5xxRate: 0 });
      }
    });
  });

  describe('sim helpers', () => {
    it('touch bumps modifyDate to the sim clock so a modifyDate poll sees the change', async () => {
      sim.seed({ orders: [orderBody({ createDate: '2026-10-30T12:00:00Z', modifyDate: '2026-10-30T12:00:00Z' })] });
      const [o] = [...sim.state.store.orders.values()];
      const poll = () => call(sim.v1Url, '/orders?modifyDateStart=2026-11-01%2000:00:00&sortBy=ModifyDate&sortDir=ASC');
      assert.equal((await poll()).body.total, 0);
      clock = Date.parse('2026-11-01T09:05:00Z');
      const touched = await call(sim.url, `/__sim/orders/${o.orderId}/touch`, {
        method: 'POST',
        body: JSON.stringify({ internalNotes: 'x' }),
      });
      assert.equal(touched.body.modifyDate, '2026-11-01T01:05:00.0000000');
      const seen = await poll();
      assert.deepEqual([seen.body.total, seen.body.orders[0].internalNotes], [1, 'x']);
    });

    it('delays answers by latencyMs', async () => {
      sim.configure({ latencyMs: 40 });
      try {
        const started = performance.now();
        assert.equal((await call(sim.v1Url, '/stores')).status, 200);
        assert.ok(performance.now() - started >= 35);
      } finally {
        sim.configure({ latencyMs: 0 });
      }
    });
  });

  describe('createorder', () => {
    it('upserts by orderKey, replaces the whole order and keeps read-only fields', async () => {
      const created = await call(sim.v1Url, '/orders/createorder', {
        method: 'POST',
        body: JSON.stringify(orderBody()),
      });
      assert.equal(created.status, 200);
      assert.equal(created.body.orderTotal, 25.5);
      assert.equal(created.body.internalNotes, 'fragile');
      clock += 3_600_000;
      const body = orderBody({ orderNumber: 'T-1b' });
      delete body.internalNotes;
      const updated = await call(sim.v1Url, '/orders/createorder', { method: 'POST', body: JSON.stringify(body) });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.orderId, created.body.orderId);
      assert.equal(updated.body.createDate, created.body.createDate);
      assert.equal(updated.body.customerId, created.body.customerId);
      assert.equal(updated.body.orderNumber, 'T-1b');
      assert.equal(updated.body.internalNotes, null, 'omitted fields are cleared');
      assert.notEqual(updated.body.modifyDate, created.body.modifyDate);
      const noKey = orderBody();
      delete noKey.orderKey;
      const fresh = await call(sim.v1Url, '/orders/createorder', { method: 'POST', body: JSON.stringify(noKey) });
      assert.notEqual(fresh.body.orderId, created.body.orderId, 'no orderKey -> a new order');
      assert.ok(fresh.body.orderKey);
    });

    it('rejects invalid bodies with ModelState', async () => {
      const res = await call(sim.v1Url, '/orders/createorder', {
        method: 'POST',
        body: JSON.stringify({ orderNumber: 'x'.repeat(51), orderStatus: 'awaiting_shipment' }),
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.Message, 'The request is invalid.');
      assert.deepEqual(Object.keys(res.body.ModelState).sort(), [
        'apiOrder.billTo',
        'apiOrder.orderDate',
        'apiOrder.orderNumber',
        'apiOrder.shipTo',
      ]);
      const json = await call(sim.v1Url, '/orders/createorder', { method: 'POST', body: '{not json' });
      assert.equal(json.status, 400);
    });

    for (const locked of ['shipped', 'cancelled']) {
      it(`locks a ${locked} order: 400 and the order is unchanged`, async () => {
        const created = await call(sim.v1Url, '/orders/createorder', {
          method: 'POST',
          body: JSON.stringify(orderBody()),
        });
        if (locked === 'shipped') sim.shipOrder(created.body.orderId);
        else {
          const cancel = await call(sim.v1Url, '/orders/createorder', {
            method: 'POST',
            body: JSON.stringify(orderBody({ orderStatus: 'cancelled' })),
          });
          assert.equal(cancel.status, 200);
        }
        const before = (await call(sim.v1Url, `/orders/${created.body.orderId}`)).body;
        clock += 60_000;
        const res = await call(sim.v1Url, '/orders/createorder', {
          method: 'POST',
          body: JSON.stringify(orderBody({ orderStatus: 'awaiting_shipment', internalNotes: 'changed' })),
        });
        assert.equal(res.status, 400);
        assert.match(res.body.Message, new RegExp(`is ${locked}`));
        const after = (await call(sim.v1Url, `/orders/${created.body.orderId}`)).body;
        assert.deepEqual(after, before);
      });
    }

    it('createorders returns per-order results', async () => {
      const res = await call(sim.v1Url, '/orders/createorders', {
        method: 'POST',
        body: JSON.stringify([orderBody({ orderKey: 'a' }), { orderKey: 'b' }]),
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.hasErrors, true);
      assert.deepEqual(
        res.body.results.map((r: { success: boolean }) => r.success),
        [true, false],
      );
    });
  });

  describe('shipments, fulfillments, customers, products', () => {
    it('lists labels in /shipments and marked-as-shipped orders only in /fulfillments', async () => {
      sim.seed({
        orders: [orderBody({ orderKey: 'a', orderNumber: 'A' }), orderBody({ orderKey: 'b', orderNumber: 'B' })],
      });
      const [a, b] = [...sim.state.store.orders.values()];
      clock = Date.parse('2026-11-01T09:15:00Z');
      const label = sim.shipOrder(a.orderId, { carrierCode: 'ups', serviceCode: 'ups_ground' });
      const marked = await call(sim.v1Url, '/orders/markasshipped', {
        method: 'POST',
        body: JSON.stringify({
          orderId: b.orderId,
          carrierCode: 'usps',
          trackingNumber: '9400X',
          shipDate: '2026-11-01',
        }),
      });
      assert.deepEqual(marked.body, { orderId: b.orderId, orderNumber: 'B' });
      const shipments = await call(sim.v1Url, '/shipments?createDateStart=2026-11-01%2001:00:00');
      assert.deepEqual(
        shipments.body.shipments.map((s: { shipmentId: number }) => s.shipmentId),
        [label.shipmentId],
      );
      assert.equal(shipments.body.shipments[0].shipmentItems, null);
      assert.equal(shipments.body.shipments[0].createDate, '2026-11-01T01:15:00.0000000');
      assert.equal(shipments.body.shipments[0].shipDate, '2026-11-01');
      const withItems = await call(sim.v1Url, '/shipments?includeShipmentItems=true');
      assert.equal(withItems.body.shipments[0].shipmentItems[0].sku, 'SKU-X');
      const fulfillments = await call(sim.v1Url, '/fulfillments');
      assert.deepEqual(
        fulfillments.body.fulfillments.map((f: { orderId: number; trackingNumber: string; shipDate: string }) => [
          f.orderId,
          f.trackingNumber,
          f.shipDate,
        ]),
        [[b.orderId, '9400X', '2026-11-01T00:00:00.0000000']],
      );
      assert.equal((await call(sim.v1Url, `/orders/${b.orderId}`)).body.orderStatus, 'shipped');
      const voided = await call(sim.v1Url, '/shipments/voidlabel', {
        method: 'POST',
        body: JSON.stringify({ shipmentId: label.shipmentId }),
      });
      assert.deepEqual(voided.body, { approved: true, message: 'Label voided successfully' });
      const after = await call(sim.v1Url, `/shipments?orderId=${a.orderId}`);
      assert.equal(after.body.shipments[0].voided, true, 'voided labels stay listed');
    });

    it('serves customers and products, PUT replaces a product', async () => {
      sim.seed({ orders: [orderBody()] });
      const customers = await call(sim.v1Url, '/customers?countryCode=US');
      assert.equal(customers.body.customers.length, 1);
      assert.equal(customers.body.customers[0].email, 'ada@example.com');
      const one = await call(sim.v1Url, `/customers/${customers.body.customers[0].customerId}`);
      assert.equal(one.body.name, 'Ada Lovelace');
      assert.equal((await call(sim.v1Url, '/customers/1')).status, 404);
      const products = await call(sim.v1Url, '/products?sku=sku-x');
      assert.equal(products.body.products.length, 1);
      const product = products.body.products[0];
      const put = await call(sim.v1Url, `/products/${product.productId}`, {
        method: 'PUT',
        body: JSON.stringify({ productId: product.productId, sku: 'SKU-X', name: 'Renamed', price: 12, active: true }),
      });
      assert.deepEqual(put.body, { success: true, message: 'The requested product has been updated' });
      const got = await call(sim.v1Url, `/products/${product.productId}`);
      assert.equal(got.body.name, 'Renamed');
      assert.equal(got.body.warehouseLocation, null);
      const bad = await call(sim.v1Url, `/products/${product.productId}`, {
        method: 'PUT',
        body: JSON.stringify({ name: 'x' }),
      });
      assert.equal(bad.status, 400);
      assert.equal((await call(sim.v1Url, '/products/1', { method: 'PUT', body: '{}' })).status, 404);
    });

    it('answers 405 to a wrong method and lists webhooks in PascalCase', async () => {
      assert.equal((await call(sim.v1Url, '/orders', { method: 'PUT', body: '{}' })).status, 405);
      const sub = await call(sim.v1Url, '/webhooks/subscribe', {
        method: 'POST',
        body: JSON.stringify({
          target_url: 'https://example.com/hook?token=x',
          event: 'ORDER_NOTIFY',
          store_id: null,
          friendly_name: 'Node-RED',
        }),
      });
      assert.equal(sub.status, 200);
      assert.equal(typeof sub.body.id, 'number');
      const list = await call(sim.v1Url, '/webhooks');
      assert.deepEqual(
        [
          list.body.webhooks[0].WebHookID,
          list.body.webhooks[0].HookType,
          list.body.webhooks[0].Url,
          list.body.webhooks[0].Name,
        ],
        [sub.body.id, 'ORDER_NOTIFY', 'https://example.com/hook?token=x', 'Node-RED'],
      );
      const badEvent = await call(sim.v1Url, '/webhooks/subscribe', {
        method: 'POST',
        body: JSON.stringify({ target_url: 'https://example.com/h', event: 'order_notify' }),
      });
      assert.equal(badEvent.status, 400);
      assert.equal((await call(sim.v1Url, `/webhooks/${sub.body.id}`, { method: 'DELETE' })).status, 200);
      assert.equal((await call(sim.v1Url, `/webhooks/${sub.body.id}`, { method: 'DELETE' })).status, 404);
    });
  });
});
