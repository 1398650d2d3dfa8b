import assert from 'node:assert/strict';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions on JSON
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

async function v2(sim: ShipStationSim, path: string, init: RequestInit & { key?: string | null } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = init.key === undefined ? 'sim-v2-key' : init.key;
  if (key) headers['api-key'] = key;
  const res = await fetch(`${sim.v2Url}/v2${path}`, {
    ...init,
    headers: { ...headers, ...(init.headers as Record<string, string>) },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: parseJson(text) };
}

function order(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderNumber: `V2-${n}`,
    orderKey: `v2-key-${n}`,
    orderDate: '2026-11-01 00:10:00',
    orderStatus: 'awaiting_shipment',
    billTo: { name: 'Grace Hopper' },
    shipTo: {
      name: 'Grace Hopper',
      street1: '1 Navy Way',
      city: 'Arlington',
      state: 'VA',
      postalCode: '22202',
      country: 'US',
      residential: true,
    },
    items: [{ sku: `SKU-${n % 3}`, name: `Item ${n % 3}`, quantity: 1, unitPrice: 5 }],
    createDate: new Date(Date.UTC(2026, 10, 1, 8, n)).toISOString(),
    ...extra,
  };
}

function assertErrorEnvelope(reply: Reply, status: number, errorType: string, errorCode: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.match(reply.body.request_id, /^[0-9a-f-]{36}$/);
  assert.equal(reply.body.errors.length, 1);
  assert.deepEqual(
    [reply.body.errors[0].error_source, reply.body.errors[0].error_type, reply.body.errors[0].error_code],
    ['ShipStation', errorType, errorCode],
  );
  assert.equal(typeof reply.body.errors[0].message, 'string');
}

describe('ShipStation sim - V2 API', () => {
  let clock = Date.parse('2026-11-01T12:00:00.000Z');
  let sim: ShipStationSim;

  before(async () => {
    sim = await startShipStationSim({ now: () => clock });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    clock = Date.parse('2026-11-01T12:00:00.000Z');
    sim.reset();
  });

  it('authenticates with the api-key header only (no Bearer, no Basic, no V1 pair)', async () => {
    assert.equal((await v2(sim, '/shipments')).status, 200);
    assert.equal((await v2(sim, '/shipments', { key: null, headers: { 'API-Key': 'sim-v2-key' } })).status, 200);
    assertErrorEnvelope(await v2(sim, '/shipments', { key: null }), 401, 'security', 'unauthorized');
    assertErrorEnvelope(await v2(sim, '/shipments', { key: 'wrong' }), 401, 'security', 'unauthorized');
    assertErrorEnvelope(
      await v2(sim, '/shipments', { key: null, headers: { authorization: 'Bearer sim-v2-key' } }),
      401,
      'security',
      'unauthorized',
    );
    const basic = `Basic ${Buffer.from('sim-v1-key:sim-v1-secret').toString('base64')}`;
    assertErrorEnvelope(
      await v2(sim, '/shipments', { key: null, headers: { authorization: basic } }),
      401,
      'security',
      'unauthorized',
    );
    assert.equal(sim.state.requests.at(-1)?.auth, 'basic');
    assert.equal(
      (await fetch(`${sim.v2Url}/v2/orders`, { headers: { 'api-key': 'sim-v2-key' } })).status,
      404,
      'V2 has no orders',
    );
  });

  it('shows V1 orders as snake_case V2 shipments with se- ids and UTC timestamps', async () => {
    sim.seed({ orders: [order(1)] });
    const [o] = [...sim.state.store.orders.values()];
    const one = await v2(sim, `/shipments/se-${o.orderId}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.shipment_id, `se-${o.orderId}`);
    assert.equal(one.body.shipment_number, 'V2-1');
    assert.equal(one.body.external_shipment_id, 'v2-key-1');
    assert.equal(one.body.shipment_status, 'pending');
    assert.equal(one.body.created_at, '2026-11-01T08:01:00.000Z');
    assert.equal(one.body.ship_to.address_residential_indicator, 'yes');
    assert.equal(one.body.ship_to.city_locality, 'Arlington');
    const byExternal = await v2(sim, '/shipments/external_shipment_id/v2-key-1');
    assert.equal(byExternal.body.shipment_id, `se-${o.orderId}`);
    assertErrorEnvelope(await v2(sim, '/shipments/se-1'), 404, 'validation', 'invalid_identifier');
    sim.shipOrder(o.orderId);
    assert.equal((await v2(sim, `/shipments/se-${o.orderId}`)).body.shipment_status, 'label_purchased');
  });

  it('pages with {shipments,total,page,pages,links}, default 25 newest first, empty past the end', async () => {
    sim.seed({ orders: Array.from({ length: 30 }, (_, i) => order(i)) });
    const first = await v2(sim, '/shipments');
    assert.deepEqual(
      [first.body.total, first.body.page, first.body.pages, first.body.shipments.length],
      [30, 1, 2, 25],
    );
    assert.equal(first.body.shipments[0].shipment_number, 'V2-29', 'sort_dir defaults to desc by created_at');
    assert.deepEqual(first.body.links.prev, {});
    const next = new URL(first.body.links.next.href);
    assert.equal(`${next.protocol}//${next.host}`, sim.v2Url);
    assert.equal(next.searchParams.get('page'), '2');
    const second = await fetch(first.body.links.next.href, { headers: { 'api-key': 'sim-v2-key' } }).then((r) =>
      r.json(),
    );
    assert.equal(second.shipments.length, 5);
    assert.deepEqual(second.links.next, {});
    const asc = await v2(sim, '/shipments?sort_dir=asc&page_size=10&page=3');
    assert.deepEqual(
      asc.body.shipments.map((s: { shipment_number: string }) => s.shipment_number),
      Array.from({ length: 10 }, (_, i) => `V2-${20 + i}`),
    );
    const past = await v2(sim, '/shipments?page=9');
    assert.deepEqual([past.status, past.body.shipments.length, past.body.pages], [200, 0, 2]);
    const window = await v2(
      sim,
      '/shipments?created_at_start=2026-11-01T08:10:00Z&created_at_end=2026-11-01T08:12:00.000Z',
    );
    assert.equal(window.body.total, 3);
    const none = await v2(sim, '/shipments?shipment_status=cancelled');
    assert.deepEqual([none.body.total, none.body.pages], [0, 0]);
    assertErrorEnvelope(
      await v2(sim, '/shipments?created_at_start=yesterday'),
      400,
      'validation',
      'invalid_field_value',
    );
  });

  it('answers 429 with Retry-After and rate_limit_exceeded after 200 in a window', async () => {
    sim.configure({ v2RateLimit: 200, rateWindowMs: 60_000 });
    for (let i = 0; i < 200; i += 1) {
      const ok = await v2(sim, '/users');
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('x-rate-limit-remaining'), null, 'V2 sends no X-Rate-Limit headers by default');
    }
    clock += 15_000;
    const limited = await v2(sim, '/users');
    assertErrorEnvelope(limited, 429, 'system', 'rate_limit_exceeded');
    assert.equal(limited.headers.get('retry-after'), '45');
    clock += 45_000;
    assert.equal((await v2(sim, '/users')).status, 200);
  });

  it('labels, tracking, void and the 404 with an empty body', async () => {
    sim.seed({ orders: [order(1)] });
    const [o] = [...sim.state.store.orders.values()];
    const label = sim.shipOrder(o.orderId, { carrierCode: 'ups', serviceCode: 'ups_ground' });
    const list = await v2(sim, `/labels?shipment_id=se-${o.orderId}`);
    assert.equal(list.body.labels.length, 1);
    assert.equal(list.body.labels[0].label_id, `se-${label.shipmentId}`);
    assert.equal(list.body.labels[0].tracking_number, label.trackingNumber);
    const track = await v2(sim, `/labels/se-${label.shipmentId}/track`);
    assert.equal(track.body.tracking_number, label.trackingNumber);
    const missing = await v2(sim, '/labels/se-42');
    assert.deepEqual([missing.status, missing.text], [404, '']);
    const voided = await v2(sim, `/labels/se-${label.shipmentId}/void`, { method: 'PUT' });
    assert.equal(voided.body.approved, true);
    assert.equal((await v2(sim, `/labels/se-${label.shipmentId}`)).body.status, 'voided');
  });

  it('POST /fulfillments marks shipped with per-item results (partial success)', async () => {
    sim.seed({ orders: [order(1), order(2, { orderStatus: 'cancelled' })] });
    const [a, b] = [...sim.state.store.orders.values()];
    const res = await v2(sim, '/fulfillments', {
      method: 'POST',
      body: JSON.stringify({
        fulfillments: [
          {
            shipment_id: `se-${a.orderId}`,
            tracking_number: '1Z1',
            carrier_code: 'ups',
            ship_date: '2026-11-01',
            notify_customer: false,
            notify_order_source: true,
          },
          { shipment_id: `se-${b.orderId}`, tracking_number: '1Z2', carrier_code: 'ups' },
          { shipment_id: 'se-9', carrier_code: 'ups' },
        ],
      }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.has_errors, true);
    assert.deepEqual(
      res.body.fulfillments.map((f: { success: boolean }) => f.success),
      [true, false, false],
    );
    const list = await v2(sim, `/fulfillments?shipment_id=se-${a.orderId}`);
    assert.equal(list.body.fulfillments[0].tracking_number, '1Z1');
    assert.equal(list.body.fulfillments[0].ship_date, '2026-11-01T00:00:00.000Z');
    assert.equal(a.orderStatus, 'shipped');
    assertErrorEnvelope(
      await v2(sim, '/fulfillments', { method: 'POST', body: '{}' }),
      400,
      'validation',
      'field_value_required',
    );
  });

  it('inventory: levels with allocation, 204 updates, validation errors', async () => {
    sim.seed({
      products: [{ sku: 'INV-1', name: 'Stocked', price: 3, onHand: 10 }],
      orders: [order(1, { items: [{ sku: 'INV-1', name: 'Stocked', quantity: 4, unitPrice: 3 }] })],
    });
    const level = await v2(sim, '/inventory?sku=INV-1');
    assert.deepEqual(
      [level.body.inventory[0].on_hand, level.body.inventory[0].allocated, level.body.inventory[0].available],
      [10, 4, 6],
    );
    const inc = await v2(sim, '/inventory', {
      method: 'POST',
      body: JSON.stringify({
        transaction_type: 'increment',
        sku: 'INV-1',
        quantity: 5,
        inventory_location_id: 'se-2001',
      }),
    });
    assert.deepEqual([inc.status, inc.text], [204, '']);
    const [o] = [...sim.state.store.orders.values()];
    sim.shipOrder(o.orderId);
    const after = await v2(sim, '/inventory?sku=INV-1');
    assert.deepEqual([after.body.inventory[0].on_hand, after.body.inventory[0].allocated], [11, 0]);
    const dec = await v2(sim, '/inventory', {
      method: 'POST',
      body: JSON.stringify({
        transaction_type: 'decrement',
        sku: 'INV-1',
        quantity: 50,
        inventory_location_id: 'se-2001',
      }),
    });
    assertErrorEnvelope(dec, 400, 'business_rules', 'invalid_field_value');
    assertErrorEnvelope(
      await v2(sim, '/inventory', { method: 'POST', body: JSON.stringify({ sku: 'INV-1' }) }),
      400,
      'validation',
      'field_value_required',
    );
  });

  it('products: page_size max 100', async () => {
    sim.seed({ products: [{ sku: 'P-1', name: 'One', price: 1 }] });
    const res = await v2(sim, '/products?sku=P-1');
    assert.equal(res.body.products[0].price.amount, 1);
    assertErrorEnvelope(await v2(sim, '/products?page_size=101'), 400, 'validation', 'invalid_field_value');
  });

  it('environment webhooks: create, 409 per event, list as a bare array, update 204, delete 204', async () => {
    const created = await v2(sim, '/environment/webhooks', {
      method: 'POST',
      body: JSON.stringify({
        name: 'Node-RED',
        event: 'fulfillment_shipped_v2',
        url: 'https://example.com/v2?t=1',
        headers: [{ key: 'x-token', value: 's3cret' }],
      }),
    });
    assert.equal(created.status, 200);
    assert.match(created.body.webhook_id, /^se-\d+$/);
    assert.equal(created.body.event, 'fulfillment_shipped_v2');
    const state = JSON.stringify(sim.snapshot());
    assert.ok(state.includes('x-token') && !state.includes('s3cret'), 'custom header values stay out of the state');
    assert.ok(state.includes('https://example.com/v2?t=***'));
    const again = await v2(sim, '/environment/webhooks', {
      method: 'POST',
      body: JSON.stringify({ event: 'fulfillment_shipped_v2', url: 'https://example.com/other' }),
    });
    assertErrorEnvelope(again, 409, 'business_rules', 'webhook_event_type_conflict');
    assertErrorEnvelope(
      await v2(sim, '/environment/webhooks', {
        method: 'POST',
        body: JSON.stringify({ event: 'ORDER_NOTIFY', url: 'https://e.com' }),
      }),
      400,
      'validation',
      'invalid_field_value',
    );
    const list = await v2(sim, '/environment/webhooks');
    assert.ok(Array.isArray(list.body));
    assert.equal(list.body.length, 1);
    const put = await v2(sim, `/environment/webhooks/${created.body.webhook_id}`, {
      method: 'PUT',
      body: JSON.stringify({ url: 'https://example.com/new' }),
    });
    assert.equal(put.status, 204);
    assert.equal(
      (await v2(sim, `/environment/webhooks/${created.body.webhook_id}`)).body.url,
      'https://example.com/new',
    );
    assert.equal((await v2(sim, `/environment/webhooks/${created.body.webhook_id}`, { method: 'DELETE' })).status, 204);
    assertErrorEnvelope(
      await v2(sim, `/environment/webhooks/${created.body.webhook_id}`),
      404,
      'validation',
      'invalid_identifier',
    );
  });
});
