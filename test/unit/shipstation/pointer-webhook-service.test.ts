/**
 * PointerWebhookService without Node-RED: requests are answered from the checks and the store,
 * each accepted pointer's resource is fetched from the ShipStation simulator and every record of
 * it comes out once, also when ShipStation delivers the same webhook again.
 */
import assert from 'node:assert/strict';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditEntryInput, AuditStore } from '../../../nodes/audit/types';
import { ShipStationClient } from '../../../nodes/shipstation/client';
import { PointerWebhookService } from '../../../nodes/shipstation/pointer-webhook-service';
import { acceptedEvents } from '../../../nodes/shipstation/webhook-checks';
import type { WebhookRequest } from '../../../nodes/shared/webhook-route';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';

type Json = Record<string, unknown>;
const TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00';

function request(body: unknown, query: Json = { token: TOKEN }): WebhookRequest {
  return {
    raw: Buffer.from(JSON.stringify(body)),
    headers: { 'content-type': 'application/json' },
    query,
    path: '/shipstation/webhook',
    rawPath: '/shipstation/webhook',
    ip: '203.0.113.9',
  };
}

describe('shipstation-in service (PointerWebhookService)', function () {
  this.timeout(30_000);
  let sim: ShipStationSim;
  let client: ShipStationClient;
  let store: AuditStore;
  let service: PointerWebhookService | undefined;
  const now = Date.parse('2026-11-02T00:00:00Z');

  before(async () => {
    sim = await startShipStationSim({ orders: 3, now: () => now });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
    store = openSqliteStore({ path: ':memory:' });
    client = new ShipStationClient({
      credentials: { apiKey: 'sim-v1-key', apiSecret: 'sim-v1-secret' },
      v1Url: sim.v1Url,
      now: () => now,
    });
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await client.close();
    await store.close();
  });

  function start(): { sent: Json[]; failed: Array<[unknown, Json]>; warnings: string[]; audit: AuditEntryInput[] } {
    const got = {
      sent: [] as Json[],
      failed: [] as Array<[unknown, Json]>,
      warnings: [] as string[],
      audit: [] as AuditEntryInput[],
    };
    service = new PointerWebhookService({
      client,
      jwks: { key: () => Promise.resolve(undefined) },
      store,
      record: async (entry) => {
        got.audit.push(entry);
        return (await store.record(entry)).id;
      },
      nodeId: 'in1',
      scope: 'shipstation-in:in1',
      version: 'v1',
      token: TOKEN,
      events: acceptedEvents('v1', undefined),
      maxAgeMs: 300_000,
      mapToX3: true,
      mapping: { salesSite: 'FR011' },
      includeItems: true,
      maxAttempts: 3,
      backoff: { baseDelayMs: 1, maxDelayMs: 2 },
      onRecord: (msg) => got.sent.push(msg),
      onFailed: (err, msg) => got.failed.push([err, msg]),
      warn: (text) => got.warnings.push(text),
      error: (text) => assert.fail(`unexpected error: ${text}`),
    });
    return got;
  }

  it('answers 200 once the pointer is stored, emits each order of the resource once, and nothing again on a redelivery', async () => {
    const got = start();
    const body = { resource_url: `${sim.v1Url}/orders?orderStatus=`, resource_type: 'ORDER_NOTIFY' };
    const reply = await service!.handle(request(body), false);
    assert.deepEqual(reply, { status: 200, body: { received: true } });
    const receipts = await store.query({ operation: 'webhook' });
    assert.equal(receipts.total, 1, 'the pointer is in the audit trail before the answer');
    await service!.idle();
    assert.equal(got.sent.length, 3);
    assert.ok(got.sent.every((m) => m.topic === 'order' && (m.shipstation as Json).event === 'ORDER_NOTIFY'));
    assert.ok(got.sent.every((m) => ((m.x3Draft as Json).salesOrder as Json).SALFCY === 'FR011'));
    assert.equal(got.audit.filter((e) => e.operation === 'order.receive' && e.status === 'succeeded').length, 3);
    assert.deepEqual(service!.state(), {
      queued: 0,
      processing: false,
      waitingRetry: 0,
      emitted: 3,
      lastError: undefined,
    });

    assert.equal((await service!.handle(request(body), false)).status, 200);
    await service!.idle();
    assert.equal(got.sent.length, 3, 'the same records are not emitted twice');
    assert.deepEqual(got.failed, []);
  });

  it('refuses a wrong token (401) and a foreign resource_url (400) as security events: nothing stored, nothing fetched', async () => {
    const got = start();
    const requestsBefore = sim.state.counters.requests;
    const body = { resource_url: `${sim.v1Url}/orders?orderStatus=`, resource_type: 'ORDER_NOTIFY' };
    const wrong = await service!.handle(request(body, { token: 'wrong' }), false);
    assert.equal(wrong.status, 401);
    const foreign = await service!.handle(
      request({ resource_url: 'https://evil.example.com/orders?x=1', resource_type: 'ORDER_NOTIFY' }),
      false,
    );
    assert.equal(foreign.status, 400);
    const notAccepted = await service!.handle(request({ ...body, resource_type: 'NO_SUCH_EVENT' }), false);
    assert.equal(notAccepted.status, 400);
    assert.deepEqual(
      got.audit.map((e) => [e.operation, e.status, e.error?.code]),
      [
        ['security', 'failed', 'BAD_TOKEN'],
        ['security', 'failed', 'FOREIGN_RESOURCE_URL'],
      ],
      'an unaccepted event is no security event',
    );
    assert.match(String(got.audit[0].error?.message), /\(from 203\.0\.113\.9\)$/);
    assert.ok(!JSON.stringify(got.audit).includes(TOKEN), 'the token is never recorded');
    assert.equal(got.warnings.length, 2);
    assert.equal((await store.query({ operation: 'webhook' })).total, 0);
    await service!.idle();
    assert.equal(sim.state.counters.requests, requestsBefore, 'no outbound request');
    assert.deepEqual(got.sent, []);
  });
});
