import assert from 'node:assert/strict';
import { ApiError } from '../../../nodes/core/errors';
import { ShipStationClient, describeV1Error, describeV2Error, parsePage } from '../../../nodes/shipstation/client';
import { generateDataset, startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';

const CREDS = { apiKey: 'sim-v1-key', apiSecret: 'sim-v1-secret', v2ApiKey: 'sim-v2-key' };

describe('shipstation client (against the simulator)', function () {
  this.timeout(60_000);
  let sim: ShipStationSim;
  let client: ShipStationClient;

  before(async () => {
    sim = await startShipStationSim({ orders: 30 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
    client = new ShipStationClient({
      credentials: CREDS,
      v1Url: sim.v1Url,
      v2Url: sim.v2Url,
      retry: { maxRetries: 0 },
    });
  });
  afterEach(async () => {
    await client.close();
  });

  it('authenticates V1 with Basic key:secret and V2 with an api-key header (no Bearer)', async () => {
    const order = await client.getOrder(100000001);
    assert.equal(order.orderNumber, 'SS-10001');
    const v2 = await client.request<{ shipment_number: string }>('v2', {
      method: 'GET',
      url: '/shipments/se-100000001',
    });
    assert.equal(v2.data.shipment_number, 'SS-10001');
    const log = sim.state.requests.slice(-2);
    assert.deepEqual(
      log.map((r) => [r.api, r.auth, r.status]),
      [
        ['v1', 'basic', 200],
        ['v2', 'api-key', 200],
      ],
    );
  });

  it('reads every page of a V1 list with pageSize 500, and V2 by links.next', async () => {
    const seeded = sim.seed(generateDataset({ orders: 1200, seed: 3 }));
    assert.deepEqual(seeded.errors, []);
    const before = sim.state.requests.length;
    const orders = await client.listAll('v1', '/orders', {});
    assert.equal(orders.length, 1200 + 30);
    const v1Requests = sim.state.requests.slice(before);
    assert.equal(v1Requests.length, 3);
    assert.ok(v1Requests.every((r) => /pageSize=500/.test(r.path)));
    const v2 = await client.listAll('v2', '/shipments', { page_size: 400 });
    assert.equal(v2.length, 1230);
  });

  it('turns the V1 and V2 error envelopes into ApiError', async () => {
    await assert.rejects(client.getOrder(42), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 404);
      assert.equal(err.code, 'NOT_FOUND');
      assert.match(err.message, /Order 42 not found/);
      return true;
    });
    await assert.rejects(client.request('v2', { method: 'GET', url: '/shipments/se-42' }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 'invalid_identifier');
      assert.ok(err.requestId);
      return true;
    });
    const bad = new ShipStationClient({
      credentials: { apiKey: 'sim-v1-key', apiSecret: 'wrong-secret-value' },
      v1Url: sim.v1Url,
    });
    try {
      await assert.rejects(bad.getOrder(100000001), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.status, 401);
        assert.ok(!err.message.includes('wrong-secret-value'));
        return true;
      });
    } finally {
      await bad.close();
    }
  });

  it('refuses a call for an API version whose credentials are missing, before sending', async () => {
    const v1only = new ShipStationClient({
      credentials: { apiKey: 'k', apiSecret: 's' },
      v1Url: sim.v1Url,
      v2Url: sim.v2Url,
    });
    const before = sim.state.requests.length;
    try {
      await assert.rejects(v1only.request('v2', { method: 'GET', url: '/shipments' }), /no ShipStation V2 API key/);
      assert.equal(sim.state.requests.length, before);
    } finally {
      await v1only.close();
    }
  });

  it('feeds the X-Rate-Limit headers into the shared V1 budget', async () => {
    await client.getOrder(100000001);
    await client.getOrder(100000002);
    const b = client.budget('v1');
    assert.equal(b.limit, 40);
    assert.equal(b.remaining, 38);
    assert.equal(client.budget('v2').remaining, undefined, 'V2 has its own budget');
  });

  it('fetches a resource_url only on the configured host', async () => {
    const pages = [];
    for await (const p of client.resourcePages(`${sim.v1Url}/orders?orderNumber=SS-1000`)) pages.push(p);
    assert.equal(pages[0].collection, 'orders');
    const before = sim.state.requests.length;
    const foreign = client.resourcePages(`http://localhost:${sim.v1Port}/orders`);
    await assert.rejects(
      foreign.next(),
      (err: unknown) => err instanceof ApiError && err.code === 'FOREIGN_RESOURCE_URL',
    );
    assert.equal(sim.state.requests.length, before, 'nothing was sent');
  });
});

describe('shipstation error envelopes and pages', () => {
  it('describes V1 ModelState and V2 errors[]', () => {
    const v1 = describeV1Error(400, {
      Message: 'The request is invalid.',
      ModelState: { 'apiOrder.orderNumber': ['required'] },
    });
    assert.equal(v1?.message, 'The request is invalid. — orderNumber: required');
    assert.equal(v1?.code, 'BAD_REQUEST');
    const v2 = describeV2Error(429, {
      request_id: 'r1',
      errors: [
        { error_source: 'carrier', error_type: 'system', error_code: 'rate_limit_exceeded', message: 'slow down' },
      ],
    });
    assert.deepEqual(v2, { code: 'rate_limit_exceeded', message: 'slow down (carrier)', requestId: 'r1' });
  });

  it('reads envelopes, bare arrays and single objects', () => {
    assert.deepEqual(parsePage('v1', { orders: [{ a: 1 }], total: 3, page: 1, pages: 3 }, 1), {
      version: 'v1',
      collection: 'orders',
      records: [{ a: 1 }],
      page: 1,
      pages: 3,
      total: 3,
    });
    assert.equal(parsePage('v1', [{ storeId: 1 }], 1).records.length, 1);
    assert.deepEqual(parsePage('v1', { orderId: 5, items: [] }, 1).records, [{ orderId: 5, items: [] }]);
  });
});
