import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sinon from 'sinon';
import supertest from 'supertest';
import type { AuditStore } from '../../../nodes/audit/types';
import type { AuditConfigNode } from '../../../nodes/audit/config-api';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';
import {
  RED,
  TAB,
  TOKEN,
  collect,
  configNode,
  credentials,
  eventually,
  helper,
  importedOrder,
  modules,
  positioned,
  recorder,
  serveHttpNode,
  startStopServer,
  useUserDir,
  v1Call,
  v2Call,
} from './harness';

type Json = Record<string, unknown>;
const PATH = '/ss/hook';

describe('shipstation-in node', function () {
  this.timeout(30_000);
  let sim: ShipStationSim;
  let server: { url: string; close(): Promise<void> } | undefined;
  const userDir = useUserDir();
  startStopServer();

  before(async () => {
    sim = await startShipStationSim({ orders: 5 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function flow(extra: Json = {}, auditPath = ':memory:'): Json[] {
    return positioned([
      TAB,
      configNode(sim),
      { id: 'audit', type: 'audit-config', path: auditPath },
      {
        id: 'in',
        type: 'shipstation-in',
        z: 'tab',
        server: 'ss',
        audit: 'audit',
        path: PATH,
        version: 'v1',
        x3SalesSite: 'FR011',
        retrySeconds: 0.05,
        retryMaxSeconds: 0.05,
        ...extra,
        wires: [['out']],
      },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'catch', type: 'catch', z: 'tab', scope: ['in'], wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ]);
  }

  const creds = (token = TOKEN): Json => credentials({ in: { token } });
  const store = (): AuditStore => (helper.getNode('audit') as unknown as AuditConfigNode).getStore();
  const httpNode = () => supertest(RED!.httpNode as unknown as Parameters<typeof supertest>[0]);

  async function subscribeV1(event: string, target: string): Promise<void> {
    await v1Call(sim, 'POST', '/webhooks/subscribe', {
      target_url: target,
      event,
      store_id: null,
      friendly_name: 'Node-RED',
    });
  }

  it('takes an ORDER_NOTIFY from ShipStation: records it, answers 200, fetches and emits the order with its X3 drafts', async () => {
    await helper.load(modules, flow(), creds());
    server = await serveHttpNode();
    await subscribeV1('ORDER_NOTIFY', `${server.url}${PATH}?token=${TOKEN}`);
    const out = collect(helper.getNode('out'), 1);
    sim.createOrder(importedOrder('WEB-1'));
    await sim.flushWebhooks();
    const [msg] = await out;
    assert.equal(sim.state.deliveries[0].status, 200);
    const payload = msg.payload as Json;
    assert.equal(payload.orderNumber, 'WEB-1');
    assert.match(String(payload.modifyDate), /Z$/, 'UTC');
    assert.ok((payload._pacific as Json).modifyDate, 'Pacific original kept');
    assert.equal(msg.topic, 'order');
    const ss = msg.shipstation as Json;
    assert.equal(ss.version, 'v1');
    assert.equal(ss.resourceType, 'order');
    assert.equal(ss.event, 'ORDER_NOTIFY');
    assert.match(String(ss.resourceUrl), /\/orders\?storeID=12345&importBatch=/);
    const draft = msg.x3Draft as Json;
    assert.equal((draft.salesOrder as Json).CUSORDREF, 'WEB-1');
    assert.equal((draft.salesOrder as Json).SALFCY, 'FR011');
    assert.deepEqual(
      ((draft.salesOrder as Json).lines as Json[]).map((l) => l.ITMREF),
      ['SKU-1001', 'SKU-1003'],
    );
    assert.deepEqual(
      (draft.products as Json[]).map((p) => p.ITMREF),
      ['SKU-1001', 'SKU-1003'],
    );
    assert.equal((draft.customer as Json).BPCNUM, (draft.salesOrder as Json).BPCORD);
    await eventually(async () => (await store().query({ operation: 'webhook', status: 'succeeded' })).total === 1);
    const fetches = sim.state.requests.filter((r) => r.api === 'v1' && r.path.startsWith('/orders?'));
    assert.equal(fetches.length, 1);
    assert.equal(fetches[0].auth, 'basic');
  });

  it('accepts the token as the last path segment too, and refuses a missing or wrong token with 401', async () => {
    await helper.load(modules, flow(), creds());
    const got = recorder(helper.getNode('out'));
    const body = { resource_url: `${sim.v1Url}/orders?storeID=12345&importBatch=none`, resource_type: 'ORDER_NOTIFY' };
    await httpNode().post(PATH).send(body).expect(401);
    await httpNode().post(`${PATH}?token=wrong`).send(body).expect(401);
    await httpNode().post(`${PATH}/${TOKEN}`).send(body).expect(200);
    const security = await store().query({ operation: 'security' });
    assert.equal(security.total, 2);
    assert.ok(security.entries.every((e) => e.error?.code === 'BAD_TOKEN'));
    assert.ok(!JSON.stringify(security.entries).includes(TOKEN), 'the token is never recorded');
    await eventually(async () => (await store().query({ operation: 'webhook', status: 'succeeded' })).total === 1);
    assert.equal(got.length, 0, 'an empty batch emits nothing');
  });

  it('takes the V1 path token only exactly as set: other case, one character changed, a trailing slash or another encoding are refused like a wrong token, with no emission and no fetch', async () => {
    const mixed = 'Tk7mQ2xLp9Zr4VbN8sWc3HdY6fJg1KaE';
    await helper.load(modules, flow(), creds(mixed));
    const got = recorder(helper.getNode('out'));
    sim.createOrder(importedOrder('WEB-T'));
    const batch = [...sim.state.store.batches.keys()].pop();
    const body = {
      resource_url: `${sim.v1Url}/orders?storeID=12345&importBatch=${String(batch)}`,
      resource_type: 'ORDER_NOTIFY',
    };
    const wrong = await httpNode().post(`${PATH}?token=wrong`).send(body);
    assert.equal(wrong.status, 401);
    const requestsBefore = sim.state.requests.length;
    const variants = [
      mixed.toUpperCase(),
      mixed.toLowerCase(),
      `${mixed.slice(0, 10)}${mixed[10] === 'Z' ? 'Y' : 'Z'}${mixed.slice(11)}`,
      `${mixed}/`,
      `%54${mixed.slice(1)}`, // "T" percent-encoded
      `${mixed.slice(0, 4)}%51${mixed.slice(5)}`, // "Q" percent-encoded
      `${mixed}%2F`,
    ];
    for (const variant of variants) {
      const res = await httpNode().post(`${PATH}/${variant}`).send(body);
      assert.equal(res.status, wrong.status, variant);
      assert.deepEqual(res.body, wrong.body, variant);
    }
    assert.equal((await store().query({ operation: 'webhook' })).total, 0, 'no pointer recorded, so nothing to fetch');
    assert.equal(sim.state.requests.length, requestsBefore, 'no request made');
    assert.equal(got.length, 0, 'nothing emitted');
    const security = await store().query({ operation: 'security' });
    assert.equal(security.total, 1 + variants.length);
    assert.ok(security.entries.every((e) => e.error?.code === 'BAD_TOKEN'));
    const recorded = JSON.stringify(security.entries).toLowerCase();
    assert.ok(!recorded.includes(mixed.toLowerCase().slice(5)), 'no form of the token is recorded');

    await httpNode().post(`${PATH}/${mixed}`).send(body).expect(200);
    await eventually(() => got.length === 1);
    assert.equal((got[0].payload as Json).orderNumber, 'WEB-T');
  });

  it('refuses a forged V1 webhook whose resource_url is on another host: 400, security audit, no outbound request', async () => {
    await helper.load(modules, flow(), creds());
    const got = recorder(helper.getNode('out'));
    const requestsBefore = sim.state.requests.length;
    for (const url of [
      'https://evil.example.com/orders?importBatch=steal',
      `http://localhost:${sim.v1Port}/orders?importBatch=x`, // same server, but not the configured host
      `${sim.v2Url}/v2/shipments?import_batch_id=x`, // the V2 host for a V1 hook
    ]) {
      const res = await httpNode()
        .post(`${PATH}?token=${TOKEN}`)
        .send({ resource_url: url, resource_type: 'ORDER_NOTIFY' });
      assert.equal(res.status, 400, url);
      assert.match(String(res.body.error), /not the configured ShipStation API/);
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sim.state.requests.length, requestsBefore, 'no request was made to any host');
    assert.equal(got.length, 0);
    const security = await store().query({ system: 'shipstation', operation: 'security' });
    assert.equal(security.total, 3);
    assert.ok(security.entries.every((e) => e.error?.code === 'FOREIGN_RESOURCE_URL' && e.status === 'failed'));
    assert.equal((await store().query({ operation: 'webhook' })).total, 0, 'no pointer recorded');
  });

  it('answers 400 to malformed bodies and events it does not accept, emitting nothing', async () => {
    await helper.load(modules, flow({ events: 'SHIP_NOTIFY' }), creds());
    await httpNode()
      .post(`${PATH}?token=${TOKEN}`)
      .set('content-type', 'application/json')
      .send('{not json')
      .expect(400);
    await httpNode().post(`${PATH}?token=${TOKEN}`).send({ resource_type: 'SHIP_NOTIFY' }).expect(400);
    const res = await httpNode()
      .post(`${PATH}?token=${TOKEN}`)
      .send({ resource_url: `${sim.v1Url}/orders?importBatch=x`, resource_type: 'ORDER_NOTIFY' })
      .expect(400);
    assert.match(String(res.body.error), /ORDER_NOTIFY is not accepted/);
  });

  it('retries a fetch that fails after the 200 and emits the order exactly once, also when redelivered', async () => {
    await helper.load(modules, flow(), creds());
    server = await serveHttpNode();
    await subscribeV1('ORDER_NOTIFY', `${server.url}${PATH}?token=${TOKEN}`);
    const got = recorder(helper.getNode('out'));
    // ShipStation refuses our key for a while (a revoked-and-restored key, an outage answering 401)
    const good = sim.config.v1Credentials;
    sim.configure({ v1Credentials: [{ key: 'someone-else', secret: 'other-secret' }] });
    sim.createOrder(importedOrder('WEB-2'));
    await sim.flushWebhooks();
    assert.equal(sim.state.deliveries[0].status, 200, 'acknowledged at once');
    await eventually(() => sim.state.requests.filter((r) => r.status === 401).length >= 2);
    const pending = await store().query({ operation: 'webhook' });
    assert.equal(pending.entries[0].status, 'received', 'the pointer stays recorded while failing');
    assert.equal(got.length, 0);
    sim.configure({ v1Credentials: good });
    await eventually(() => got.length === 1);
    assert.equal((got[0].payload as Json).orderNumber, 'WEB-2');
    await eventually(async () => (await store().query({ operation: 'webhook', status: 'succeeded' })).total === 1);
    // ShipStation delivers the same webhook again: fetched again, but nothing new to emit
    await v1Call(sim, 'GET', '/orders?pageSize=1'); // (a request of ours, unrelated)
    const redelivered = await fetch(`${sim.url}/__sim/webhooks/redeliver`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1 }),
    });
    assert.equal(redelivered.status, 200);
    await sim.flushWebhooks();
    await eventually(async () => (await store().query({ operation: 'webhook', status: 'succeeded' })).total === 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(got.length, 1, 'emitted exactly once');
  });

  it('gives up after the last attempt: the pointer is `failed` in the audit trail and a Catch node gets the error', async () => {
    await helper.load(modules, flow({ maxAttempts: 2 }), creds());
    sim.configure({ v1Credentials: [{ key: 'someone-else', secret: 'other-secret' }] });
    const caught = collect(helper.getNode('caught'), 1);
    await httpNode()
      .post(`${PATH}?token=${TOKEN}`)
      .send({ resource_url: `${sim.v1Url}/orders?importBatch=abc`, resource_type: 'ORDER_NOTIFY' })
      .expect(200);
    const [msg] = await caught;
    // the Catch node puts its own {message, source} on msg.error and keeps ours on msg._error
    const info = msg._error as Json;
    assert.equal(info.system, 'shipstation');
    assert.equal(info.status, 401);
    assert.match(String((msg.error as Json).message), /Authorization has been denied/);
    assert.equal((msg.payload as Json).resource_url, `${sim.v1Url}/orders?importBatch=abc`);
    const entries = await store().query({ operation: 'webhook' });
    assert.equal(entries.entries[0].status, 'failed');
    assert.ok(!JSON.stringify(msg).includes('sim-v1-secret'));
  });

  it('picks up pointers still pending when Node-RED restarts', async () => {
    const dbFile = path.join(userDir.dir(), 'audit.db');
    // the retry would come only in a minute: what happens next is the restart's doing
    const slowRetry = { retrySeconds: 60, retryMaxSeconds: 60 };
    await helper.load(modules, flow(slowRetry, dbFile), creds());
    sim.configure({ v1Credentials: [{ key: 'someone-else', secret: 'other-secret' }] });
    sim.createOrder(importedOrder('WEB-3'));
    const batch = [...sim.state.store.batches.keys()].pop();
    await httpNode()
      .post(`${PATH}?token=${TOKEN}`)
      .send({
        resource_url: `${sim.v1Url}/orders?storeID=12345&importBatch=${String(batch)}`,
        resource_type: 'ORDER_NOTIFY',
      })
      .expect(200);
    await eventually(() => sim.state.requests.some((r) => r.status === 401));
    await helper.unload();
    sim.configure({ v1Credentials: [{ key: 'sim-v1-key', secret: 'sim-v1-secret' }] });
    await helper.load(modules, flow(slowRetry, dbFile), creds());
    const [msg] = await collect(helper.getNode('out'), 1);
    assert.equal((msg.payload as Json).orderNumber, 'WEB-3');
  });

  it('gives up a fetch in progress when closed, emitting nothing then; the next start fetches the pointer and emits it once', async () => {
    const dbFile = path.join(userDir.dir(), 'audit.db');
    await helper.load(modules, flow({}, dbFile), creds());
    const before = recorder(helper.getNode('out'));
    sim.createOrder(importedOrder('WEB-C'));
    const batch = [...sim.state.store.batches.keys()].pop();
    // ShipStation answers slowly: the fetch is still waiting when Node-RED stops
    sim.configure({ latencyMs: 60_000 });
    const requests = sim.state.requests.length;
    await httpNode()
      .post(`${PATH}?token=${TOKEN}`)
      .send({
        resource_url: `${sim.v1Url}/orders?storeID=12345&importBatch=${String(batch)}`,
        resource_type: 'ORDER_NOTIFY',
      })
      .expect(200);
    await helper.unload();
    assert.equal(before.length, 0, 'nothing emitted by the closed node');
    sim.configure({ latencyMs: 0 });
    await helper.load(modules, flow({}, dbFile), creds());
    const got = recorder(helper.getNode('out'));
    // Node-RED delivers a sent msg on a later turn than the audit write: wait for both
    await eventually(
      async () => got.length >= 1 && (await store().query({ operation: 'webhook', status: 'succeeded' })).total === 1,
    );
    assert.equal(got.length, 1);
    assert.equal((got[0].payload as Json).orderNumber, 'WEB-C');
    assert.ok(sim.state.requests.length > requests, 'fetched after the restart');
    assert.equal((await store().inboxPending(`shipstation-in:in`, 10)).length, 0, 'nothing left pending');
  });

  it('answers 200 only once the pointer is on disk (WAL fsynced), and 503 when the fsync fails', async () => {
    const dbFile = path.join(userDir.dir(), 'audit.db');
    // the audit store's fsyncs, held or failed on demand (the store takes fs.fsync when it opens)
    let mode: 'pass' | 'hold' | 'fail' = 'pass';
    const held: Array<() => void> = [];
    const realFsync = fs.fsync;
    const fsync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void => {
      if (mode === 'pass') return realFsync(fd, cb);
      const failing = mode === 'fail';
      held.push(() => (failing ? cb(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })) : realFsync(fd, cb)));
    };
    sinon.replace(fs, 'fsync', fsync as unknown as typeof fs.fsync);
    try {
      await helper.load(modules, flow({}, dbFile), creds());
      const got = recorder(helper.getNode('out'));
      const post = (order: string): { status: () => number | undefined; done: Promise<unknown> } => {
        sim.createOrder(importedOrder(order));
        const batch = [...sim.state.store.batches.keys()].pop();
        let status: number | undefined;
        const done = httpNode()
          .post(`${PATH}?token=${TOKEN}`)
          .send({
            resource_url: `${sim.v1Url}/orders?storeID=12345&importBatch=${String(batch)}`,
            resource_type: 'ORDER_NOTIFY',
          })
          .then((res) => (status = res.status));
        return { status: () => status, done };
      };
      /** Runs the held fsyncs (the directory's, then the WAL's) until the request is answered. */
      const releaseUntilAnswered = async (req: { status: () => number | undefined }): Promise<number> => {
        while (req.status() === undefined) {
          for (const run of held.splice(0)) run();
          await new Promise((r) => setTimeout(r, 5));
        }
        return req.status() as number;
      };

      mode = 'hold';
      const first = post('WEB-D1');
      await eventually(() => held.length > 0 || first.status() !== undefined);
      assert.equal(first.status(), undefined, 'not answered before the pointer is fsynced');
      assert.ok(held.length > 0, 'an fsync was asked for');
      assert.equal(await releaseUntilAnswered(first), 200);
      mode = 'pass';
      for (const run of held.splice(0)) run();
      await eventually(() => got.length === 1);
      assert.equal((got[0].payload as Json).orderNumber, 'WEB-D1');

      // not on disk = not accepted: ShipStation delivers it again
      mode = 'fail';
      const second = post('WEB-D2');
      await eventually(() => held.length > 0 || second.status() !== undefined);
      assert.equal(second.status(), undefined, 'not answered before the fsync');
      assert.equal(await releaseUntilAnswered(second), 503);
      mode = 'pass';
      await first.done;
    } finally {
      mode = 'pass';
      for (const run of held.splice(0)) run();
      sinon.restore();
    }
  });

  describe('V2 (RSA-signed)', () => {
    async function subscribeV2(target: string): Promise<void> {
      await v2Call(sim, 'POST', '/v2/environment/webhooks', {
        name: 'Node-RED',
        event: 'shipment_created_v2',
        url: target,
      });
    }

    it('verifies the signature with the JWKS key and emits the V2 shipment (= order)', async () => {
      await helper.load(modules, flow({ version: 'v2' }), creds());
      server = await serveHttpNode();
      await subscribeV2(`${server.url}${PATH}?token=${TOKEN}`);
      const out = collect(helper.getNode('out'), 1);
      sim.createOrder(importedOrder('V2-1'));
      await sim.flushWebhooks();
      const [msg] = await out;
      assert.equal(sim.state.deliveries[0].status, 200);
      assert.equal((msg.payload as Json).shipment_number, 'V2-1');
      assert.equal((msg.shipstation as Json).version, 'v2');
      assert.equal((msg.shipstation as Json).event, 'SHIPMENT_CREATED_V2');
      assert.equal(msg.topic, 'order');
      assert.equal(((msg.x3Draft as Json).salesOrder as Json).CUSORDREF, 'V2-1');
      assert.ok(sim.state.requests.some((r) => r.api === 'v2' && r.auth === 'api-key' && r.status === 200));
    });

    for (const [fault, status] of [
      ['bad-signature', 401],
      ['stale-timestamp', 401],
      ['unknown-kid', 401],
      ['missing-headers', 400],
    ] as const) {
      it(`answers ${status} to a delivery with ${fault} and emits nothing`, async () => {
        await helper.load(modules, flow({ version: 'v2' }), creds());
        server = await serveHttpNode();
        await subscribeV2(`${server.url}${PATH}?token=${TOKEN}`);
        const got = recorder(helper.getNode('out'));
        sim.configure({ v2SignatureFault: fault });
        const before = sim.state.requests.filter((r) => r.api === 'v2').length;
        sim.createOrder(importedOrder(`V2-${fault}`));
        await sim.flushWebhooks();
        assert.equal(sim.state.deliveries[0].status, status);
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(got.length, 0);
        assert.equal(sim.state.requests.filter((r) => r.api === 'v2').length, before, 'nothing fetched');
        assert.equal((await store().query({ operation: 'webhook' })).total, 0);
        assert.equal((await store().query({ operation: 'security' })).total, 1);
      });
    }
  });
});
