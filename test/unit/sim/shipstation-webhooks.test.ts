import assert from 'node:assert/strict';
import { createPublicKey, createVerify, type JsonWebKey } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';

const V1_AUTH = `Basic ${Buffer.from('sim-v1-key:sim-v1-secret').toString('base64')}`;

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
}

/** A webhook receiver that keeps the raw body, as a signature check needs. */
async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions on JSON bodies
type AnyJson = any;

async function json(
  url: string,
  headers: Record<string, string> = {},
  init: RequestInit = {},
): Promise<{ status: number; body: AnyJson }> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function orderBody(key: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderNumber: key.toUpperCase(),
    orderKey: key,
    orderDate: '2026-11-01 01:00:00',
    orderStatus: 'awaiting_shipment',
    billTo: { name: 'Linus' },
    shipTo: { name: 'Linus', country: 'US' },
    items: [{ sku: 'W-1', name: 'Widget', quantity: 1, unitPrice: 9 }],
    ...extra,
  };
}

function verifyV2(received: Received, jwks: { keys: (JsonWebKey & { kid: string })[] }): boolean {
  const kid = received.headers['x-shipengine-rsa-sha256-key-id'];
  const signature = received.headers['x-shipengine-rsa-sha256-signature'];
  const timestamp = received.headers['x-shipengine-timestamp'];
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk || typeof signature !== 'string' || typeof timestamp !== 'string') return false;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${timestamp}.${received.raw}`);
  return verifier.verify(createPublicKey({ key: jwk, format: 'jwk' }), signature, 'base64');
}

describe('ShipStation sim - webhooks', () => {
  const start = Date.parse('2026-11-01T09:10:00.000Z');
  let clock = start;
  let sim: ShipStationSim;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  before(async () => {
    sim = await startShipStationSim({ now: () => clock });
    receiver = await startReceiver();
  });
  after(async () => {
    await sim.close();
    await receiver.close();
  });
  beforeEach(() => {
    clock = start;
    sim.reset();
    receiver.received.length = 0;
  });

  const subscribeV1 = async (event: string, extra: Record<string, unknown> = {}): Promise<number> => {
    const res = await json(
      `${sim.v1Url}/webhooks/subscribe`,
      { authorization: V1_AUTH },
      {
        method: 'POST',
        body: JSON.stringify({
          target_url: `${receiver.url}/ss/v1?token=hook-secret`,
          event,
          friendly_name: 'test',
          ...extra,
        }),
      },
    );
    assert.equal(res.status, 200);
    return res.body.id;
  };
  const createOrder = (body: Record<string, unknown>) =>
    json(`${sim.v1Url}/orders/createorder`, { authorization: V1_AUTH }, { method: 'POST', body: JSON.stringify(body) });

  describe('V1 pointer payloads', () => {
    it('ORDER_NOTIFY points at /orders?importBatch=..., which lists the order with Basic auth only', async () => {
      const hookId = await subscribeV1('ORDER_NOTIFY');
      const created = await createOrder(orderBody('o-1'));
      await sim.flushWebhooks();
      assert.equal(receiver.received.length, 1);
      const hit = receiver.received[0];
      assert.equal(hit.path, '/ss/v1?token=hook-secret');
      assert.equal(hit.headers['content-type'], 'application/json');
      assert.equal(hit.headers['x-shipengine-rsa-sha256-signature'], undefined, 'V1 is unsigned');
      const payload = JSON.parse(hit.raw);
      assert.deepEqual(Object.keys(payload).sort(), ['resource_type', 'resource_url']);
      assert.equal(payload.resource_type, 'ORDER_NOTIFY');
      assert.match(payload.resource_url, new RegExp(`^${sim.v1Url}/orders\\?storeID=12345&importBatch=[0-9a-f-]{36}$`));
      assert.ok(payload.resource_url.length <= 200);
      assert.equal((await json(payload.resource_url)).status, 401);
      const fetched = await json(payload.resource_url, { authorization: V1_AUTH });
      assert.deepEqual([fetched.body.total, fetched.body.page, fetched.body.pages], [1, 1, 1]);
      assert.equal(fetched.body.orders[0].orderId, created.body.orderId);
      const delivery = sim.state.deliveries[0];
      assert.deepEqual([delivery.webhookId, delivery.status, delivery.version], [hookId, 200, 'v1']);
      assert.equal(delivery.target, `${receiver.url}/ss/v1?token=***`);
      assert.ok(!JSON.stringify(sim.snapshot()).includes('hook-secret'));
    });

    it('fires only for new paid orders: not for awaiting_payment, edits or touches; yes when payment arrives', async () => {
      await subscribeV1('ORDER_NOTIFY');
      await createOrder(orderBody('unpaid', { orderStatus: 'awaiting_payment' }));
      await createOrder(orderBody('paid'));
      await createOrder(orderBody('paid', { internalNotes: 'edited' }));
      const paid = sim.state.store.orderByKey('paid');
      assert.ok(paid);
      sim.touchOrder(paid.orderId, { orderStatus: 'on_hold' });
      await sim.flushWebhooks();
      assert.equal(receiver.received.length, 1, 'only the paid order creation');
      await createOrder(orderBody('unpaid', { orderStatus: 'awaiting_shipment' }));
      await sim.flushWebhooks();
      assert.equal(receiver.received.length, 2);
      const url = JSON.parse(receiver.received[1].raw).resource_url;
      const fetched = await json(url, { authorization: V1_AUTH });
      assert.deepEqual(
        fetched.body.orders.map((o: { orderKey: string }) => o.orderKey),
        ['unpaid'],
      );
    });

    it('createorders shares one ORDER_NOTIFY per store; store_id subscriptions see only their store', async () => {
      await subscribeV1('ORDER_NOTIFY');
      await subscribeV1('ORDER_NOTIFY', { store_id: 67890 });
      const res = await json(
        `${sim.v1Url}/orders/createorders`,
        { authorization: V1_AUTH },
        {
          method: 'POST',
          body: JSON.stringify([
            orderBody('a'),
            orderBody('b'),
            orderBody('c', { advancedOptions: { storeId: 67890 } }),
          ]),
        },
      );
      assert.equal(res.body.hasErrors, false);
      await sim.flushWebhooks();
      const urls = receiver.received.map((r) => JSON.parse(r.raw).resource_url as string).sort();
      assert.equal(urls.length, 3, 'store 12345 once (all-store hook), store 67890 twice (both hooks)');
      const counts = await Promise.all(urls.map((u) => json(u, { authorization: V1_AUTH }).then((r) => r.body.total)));
      assert.deepEqual(counts.sort(), [1, 1, 2]);
    });

    it('SHIP_NOTIFY on a label points at /shipments?batchId=... without items; ITEM_SHIP_NOTIFY with items', async () => {
      await subscribeV1('SHIP_NOTIFY');
      await subscribeV1('ITEM_SHIP_NOTIFY');
      const created = await createOrder(orderBody('s-1'));
      const ship = await json(
        `${sim.url}/__sim/orders/${created.body.orderId}/ship`,
        {},
        {
          method: 'POST',
          body: JSON.stringify({ carrierCode: 'fedex', serviceCode: 'fedex_ground' }),
        },
      );
      assert.equal(ship.status, 200);
      await sim.flushWebhooks();
      const byType = Object.fromEntries(
        receiver.received.map((r) => {
          const p = JSON.parse(r.raw);
          return [p.resource_type, p.resource_url];
        }),
      );
      assert.match(byType.SHIP_NOTIFY, /\/shipments\?storeID=12345&batchId=[0-9a-f-]{36}&includeShipmentItems=False$/);
      const plain = await json(byType.SHIP_NOTIFY, { authorization: V1_AUTH });
      assert.equal(plain.body.shipments[0].shipmentId, ship.body.shipmentId);
      assert.equal(plain.body.shipments[0].shipmentItems, null);
      const withItems = await json(byType.ITEM_SHIP_NOTIFY, { authorization: V1_AUTH });
      assert.equal(withItems.body.shipments[0].shipmentItems[0].sku, 'W-1');
    });

    it('Mark as Shipped fires no SHIP_NOTIFY; a provider fulfillment fires FULFILLMENT_SHIPPED', async () => {
      await subscribeV1('SHIP_NOTIFY');
      await subscribeV1('FULFILLMENT_SHIPPED');
      await subscribeV1('FULFILLMENT_REJECTED');
      const created = await createOrder(orderBody('m-1'));
      await json(
        `${sim.v1Url}/orders/markasshipped`,
        { authorization: V1_AUTH },
        {
          method: 'POST',
          body: JSON.stringify({ orderId: created.body.orderId, carrierCode: 'usps' }),
        },
      );
      await sim.flushWebhooks();
      assert.equal(receiver.received.length, 0);
      sim.seed({
        orders: [
          orderBody('pf-1', { orderStatus: 'pending_fulfillment' }),
          orderBody('pf-2', { orderStatus: 'pending_fulfillment' }),
        ],
      });
      const pf1 = sim.state.store.orderByKey('pf-1');
      const pf2 = sim.state.store.orderByKey('pf-2');
      assert.ok(pf1 && pf2);
      sim.fulfillOrder(pf1.orderId, { trackingNumber: '3PL-1' });
      sim.rejectOrder(pf2.orderId);
      await sim.flushWebhooks();
      const payloads = receiver.received.map((r) => JSON.parse(r.raw));
      assert.deepEqual(payloads.map((p) => p.resource_type).sort(), ['FULFILLMENT_REJECTED', 'FULFILLMENT_SHIPPED']);
      const shipped = payloads.find((p) => p.resource_type === 'FULFILLMENT_SHIPPED');
      const fetched = await json(shipped.resource_url, { authorization: V1_AUTH });
      assert.deepEqual(
        fetched.body.fulfillments.map((f: { trackingNumber: string }) => f.trackingNumber),
        ['3PL-1'],
      );
      const rejected = payloads.find((p) => p.resource_type === 'FULFILLMENT_REJECTED');
      const rejectedOrders = await json(rejected.resource_url, { authorization: V1_AUTH });
      assert.equal(rejectedOrders.body.orders[0].orderStatus, 'rejected_fulfillment');
    });

    it('redelivers the last N as duplicates and records failed deliveries', async () => {
      await subscribeV1('ORDER_NOTIFY');
      await createOrder(orderBody('r-1'));
      await sim.flushWebhooks();
      const redo = await json(
        `${sim.url}/__sim/webhooks/redeliver`,
        {},
        { method: 'POST', body: JSON.stringify({ count: 1 }) },
      );
      assert.deepEqual(redo.body, { redelivered: 1 });
      const flushed = await json(`${sim.url}/__sim/webhooks/flush`, {}, { method: 'POST' });
      assert.equal(receiver.received.length, 2);
      assert.equal(receiver.received[1].raw, receiver.received[0].raw);
      assert.deepEqual(
        flushed.body.deliveries.map((d: { redelivery: boolean }) => d.redelivery),
        [false, true],
      );
      await json(
        `${sim.v1Url}/webhooks/subscribe`,
        { authorization: V1_AUTH },
        {
          method: 'POST',
          body: JSON.stringify({ target_url: 'http://127.0.0.1:1/nowhere', event: 'ORDER_NOTIFY' }),
        },
      );
      await createOrder(orderBody('r-2'));
      await sim.flushWebhooks();
      const failed = sim.state.deliveries.find((d) => d.target.startsWith('http://127.0.0.1:1/'));
      assert.ok(failed && failed.status === null && failed.error);
    });
  });

  describe('V2 signed payloads', () => {
    const subscribeV2 = async (event: string): Promise<string> => {
      const res = await json(
        `${sim.v2Url}/v2/environment/webhooks`,
        { 'api-key': 'sim-v2-key' },
        {
          method: 'POST',
          body: JSON.stringify({
            event,
            url: `${receiver.url}/ss/v2`,
            headers: [{ key: 'X-Token', value: 'v2-secret' }],
          }),
        },
      );
      assert.equal(res.status, 200);
      return res.body.webhook_id;
    };

    it('signs {timestamp}.{raw body} with RSA-SHA256; the JWKS key verifies it; resource_url lists the shipment', async () => {
      await subscribeV2('shipment_created_v2');
      const created = await createOrder(orderBody('v2-1'));
      await sim.flushWebhooks();
      assert.equal(receiver.received.length, 1);
      const hit = receiver.received[0];
      assert.equal(hit.headers['x-token'], 'v2-secret');
      assert.equal(hit.headers['x-shipengine-timestamp'], '2026-11-01T09:10:00.000Z');
      const jwks = (await json(sim.jwksUrl)).body;
      assert.equal(jwks.keys[0].kty, 'RSA');
      assert.equal(hit.headers['x-shipengine-rsa-sha256-key-id'], jwks.keys[0].kid);
      assert.ok(verifyV2(hit, jwks), 'signature verifies with the published key');
      assert.ok(
        !verifyV2({ ...hit, raw: hit.raw.replace('SHIPMENT', 'SHIPMENTS') }, jwks),
        'a changed body does not verify',
      );
      const payload = JSON.parse(hit.raw);
      assert.equal(payload.resource_type, 'SHIPMENT_CREATED_V2');
      assert.match(payload.resource_url, new RegExp(`^${sim.v2Url}/v2/shipments\\?import_batch_id=`));
      const fetched = await json(payload.resource_url, { 'api-key': 'sim-v2-key' });
      assert.deepEqual(
        fetched.body.shipments.map((s: { shipment_id: string }) => s.shipment_id),
        [`se-${created.body.orderId}`],
      );
      assert.equal((await json(payload.resource_url)).status, 401);
    });

    it('label_created_v2 and fulfillment_shipped_v2 point at fetchable V2 lists', async () => {
      await subscribeV2('label_created_v2');
      await subscribeV2('fulfillment_shipped_v2');
      const created = await createOrder(orderBody('v2-2'));
      const label = sim.shipOrder(created.body.orderId);
      sim.seed({ orders: [orderBody('v2-3', { orderStatus: 'pending_fulfillment' })] });
      const pending = sim.state.store.orderByKey('v2-3');
      assert.ok(pending);
      const fulfillment = sim.fulfillOrder(pending.orderId);
      await sim.flushWebhooks();
      const urls = Object.fromEntries(
        receiver.received.map((r) => [JSON.parse(r.raw).resource_type, JSON.parse(r.raw).resource_url]),
      );
      const labels = await json(urls.LABEL_CREATED_V2, { 'api-key': 'sim-v2-key' });
      assert.deepEqual(
        labels.body.labels.map((l: { label_id: string }) => l.label_id),
        [`se-${label.shipmentId}`],
      );
      const fulfillments = await json(urls.FULFILLMENT_SHIPPED_V2, { 'api-key': 'sim-v2-key' });
      assert.deepEqual(
        fulfillments.body.fulfillments.map((f: { fulfillment_id: string }) => f.fulfillment_id),
        [`se-${fulfillment.fulfillmentId}`],
      );
    });

    it('signature faults and key rotation', async () => {
      await subscribeV2('shipment_created_v2');
      sim.configure({ v2SignatureFault: 'bad-signature' });
      await createOrder(orderBody('f-1'));
      await sim.flushWebhooks();
      sim.configure({ v2SignatureFault: 'missing-headers' });
      await createOrder(orderBody('f-2'));
      await sim.flushWebhooks();
      sim.configure({ v2SignatureFault: 'none' });
      const jwks = (await json(sim.jwksUrl)).body;
      assert.equal(verifyV2(receiver.received[0], jwks), false);
      assert.equal(receiver.received[1].headers['x-shipengine-rsa-sha256-signature'], undefined);
      const kid = (await json(`${sim.v2Url}/__sim/webhooks/rotate-key`, {}, { method: 'POST' })).body.kid;
      await createOrder(orderBody('f-3'));
      await sim.flushWebhooks();
      const rotated = (await json(sim.jwksUrl)).body;
      assert.equal(rotated.keys.length, 2);
      assert.equal(receiver.received[2].headers['x-shipengine-rsa-sha256-key-id'], kid);
      assert.ok(verifyV2(receiver.received[2], rotated));
      assert.ok(!verifyV2(receiver.received[2], jwks), 'the old JWKS does not know the new kid');
    });
  });
});
