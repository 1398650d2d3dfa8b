import { strict as assert } from 'node:assert';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FedexSim, startFedexSim } from '../../../sim/fedex/server';
import { sampleShipRequest } from '../../../sim/fedex/samples';
import { FedexSimClient } from '../../../sim/fedex/sim-client';

const T0 = Date.parse('2025-03-14T15:00:00Z');
const HOUR = 3600_000;
const TOKEN = 'Sim-Webhook-Security-Token-2025';

/** The reference's verification: Base64 HMAC-SHA256 of the raw body, constant-time compare. */
function validFedexSignature(rawBody: Buffer, header: string | undefined, token: string): boolean {
  const want = Buffer.from(createHmac('sha256', token).update(rawBody).digest('base64'));
  const got = Buffer.from(String(header ?? '').trim());
  return got.length === want.length && timingSafeEqual(got, want);
}

interface Received {
  raw: Buffer;
  headers: IncomingHttpHeaders;
}

interface Receiver {
  url: string;
  received: Received[];
  status: number;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const state = { status: 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ raw: Buffer.concat(chunks), headers: req.headers });
      res.statusCode = state.status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fedex/webhook`,
    received,
    get status() {
      return state.status;
    },
    set status(v: number) {
      state.status = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Push = {
  transactionId: string;
  outputMetaData: Array<{ attemptNumber: number }>;
  output: {
    completeTrackResults: Array<{
      trackingNumber: string;
      trackResults: Array<{ latestStatusDetail: { code: string }; scanEvents: Array<{ eventType: string }> }>;
    }>;
  };
};

describe('FedEx sim: AIV webhooks', () => {
  let clock: number;
  /** When set, every read of the sim clock is 1 ms later than the one before (a real clock). */
  let ticking: boolean;
  let sim: FedexSim;
  let client: FedexSimClient;
  let receiver: Receiver;
  let token: string;

  beforeEach(async () => {
    clock = T0;
    ticking = false;
    receiver = await startReceiver();
    sim = await startFedexSim({
      now: () => (ticking ? ++clock : clock),
      exceptionRate: 0,
      tokenLifetimeSec: 30 * 24 * 3600,
      webhooks: { pollMs: 0 },
    });
    client = new FedexSimClient(sim.url);
    token = await client.token();
  });
  afterEach(async () => {
    await sim.close();
    await receiver.close();
  });

  const create = async (account = '740561073') => {
    const r = await client.call<{ output: { transactionShipments: Array<{ masterTrackingNumber: string }> } }>(
      'POST',
      '/ship/v1/shipments',
      token,
      sampleShipRequest({ accountNumber: account }),
    );
    assert.equal(r.status, 200, r.text);
    return r.body.output.transactionShipments[0].masterTrackingNumber;
  };
  const pushes = () => receiver.received.map((r) => JSON.parse(r.raw.toString('utf8')) as Push);

  it("refuses security tokens that break FedEx's rules", async () => {
    for (const bad of [
      'short1A',
      'alllowercaseletters-and-digits-1234',
      'ALLUPPERCASE-AND-DIGITS-12345',
      'NoDigitsInThisTokenAtAllOkay',
    ]) {
      const r = await client.admin<{ error: string }>('POST', '/webhooks', { url: receiver.url, securityToken: bad });
      assert.equal(r.status, 400, bad);
    }
    assert.equal(sim.state.webhookTargets.length, 0);
  });

  it('pushes each new scan signed with fdx-signature = Base64(HMAC-SHA256(token, raw body))', async () => {
    const reg = await client.admin<{ id: string }>('POST', '/webhooks', { url: receiver.url, securityToken: TOKEN });
    assert.equal(reg.status, 201);
    assert.ok(!JSON.stringify(sim.state).includes(TOKEN), 'the security token is never exposed');
    const tn = await create();

    const flushed = await client.admin<{ deliveries: Array<{ ok: boolean; eventType: string }> }>(
      'POST',
      '/webhooks/flush',
    );
    assert.deepEqual(
      flushed.body.deliveries.map((d) => [d.eventType, d.ok]),
      [['OC', true]],
    );
    assert.equal(receiver.received.length, 1);
    const first = receiver.received[0];
    assert.equal(first.headers['content-type'], 'application/json');
    assert.ok(validFedexSignature(first.raw, first.headers['fdx-signature'] as string, TOKEN));
    assert.ok(!validFedexSignature(first.raw, first.headers['fdx-signature'] as string, `${TOKEN}x`));
    const [push] = pushes();
    assert.ok(push.transactionId);
    assert.equal(push.outputMetaData[0].attemptNumber, 1);
    assert.equal(push.output.completeTrackResults[0].trackingNumber, tn);
    assert.equal(push.output.completeTrackResults[0].trackResults[0].latestStatusDetail.code, 'OC');

    clock += 10 * HOUR;
    await sim.flushWebhooks();
    const codes = pushes().map((p) => p.output.completeTrackResults[0].trackResults[0].latestStatusDetail.code);
    assert.deepEqual(codes, ['OC', 'PU', 'AR', 'DP']);
    // Full history by default: the DP push carries the scans so far, newest first.
    assert.deepEqual(
      pushes()[3].output.completeTrackResults[0].trackResults[0].scanEvents.map((e) => e.eventType),
      ['DP', 'AR', 'PU', 'OC'],
    );
    for (const r of receiver.received)
      assert.ok(validFedexSignature(r.raw, r.headers['fdx-signature'] as string, TOKEN));
    assert.equal(sim.state.webhookDeliveries.length, 4);

    // Nothing new: nothing sent.
    await sim.flushWebhooks();
    assert.equal(receiver.received.length, 4);
  });

  it('a flush delivers every event due at its time, though the clock moves while it runs', async () => {
    await client.admin('POST', '/webhooks', { url: receiver.url, securityToken: TOKEN });
    await create();
    ticking = true;
    const delivered = await sim.flushWebhooks();
    ticking = false;
    assert.deepEqual(
      delivered.map((d) => [d.eventType, d.ok]),
      [['OC', true]],
    );
    assert.equal(receiver.received.length, 1);
  });

  it('retries failed deliveries 3 times on the sim clock, then keeps them for redelivery', async () => {
    await client.admin('POST', '/webhooks', { url: receiver.url, securityToken: TOKEN });
    receiver.status = 500;
    await create();
    await sim.flushWebhooks();
    assert.equal(receiver.received.length, 1);
    await sim.flushWebhooks();
    assert.equal(receiver.received.length, 1, 'no retry before the delay');
    clock += 60_000;
    await sim.flushWebhooks();
    clock += 120_000;
    await sim.flushWebhooks();
    clock += 240_000;
    await sim.flushWebhooks();
    assert.deepEqual(
      sim.state.webhookDeliveries.map((d) => [d.attempt, d.status, d.ok, d.kind]),
      [
        [1, 500, false, 'event'],
        [2, 500, false, 'retry'],
        [3, 500, false, 'retry'],
        [4, 500, false, 'retry'],
      ],
    );
    assert.deepEqual(
      pushes().map((p) => p.outputMetaData[0].attemptNumber),
      [1, 2, 3, 4],
    );
    for (const r of receiver.received)
      assert.ok(validFedexSignature(r.raw, r.headers['fdx-signature'] as string, TOKEN));
    const firstId = sim.state.webhookDeliveries[0].id;
    assert.deepEqual(sim.state.webhookMissed, [firstId]);

    clock += 3600_000;
    await sim.flushWebhooks();
    assert.equal(receiver.received.length, 1 + 3, 'no fourth retry');

    receiver.status = 202;
    const re = await client.admin<{ deliveries: Array<{ ok: boolean; kind: string; attempt: number }> }>(
      'POST',
      '/webhooks/redeliver',
      {},
    );
    assert.deepEqual(
      re.body.deliveries.map((d) => [d.ok, d.kind, d.attempt]),
      [[true, 'redelivery', 5]],
    );
    assert.deepEqual(sim.state.webhookMissed, []);
    const last = receiver.received.at(-1) as Received;
    assert.ok(validFedexSignature(last.raw, last.headers['fdx-signature'] as string, TOKEN));
  });

  it('redelivers a chosen delivery and records unreachable targets', async () => {
    await client.admin('POST', '/webhooks', { url: receiver.url, securityToken: TOKEN });
    await create();
    const [delivered] = await sim.flushWebhooks();
    assert.equal(delivered.ok, true);
    const again = await client.admin<{ deliveries: Array<{ ok: boolean; trackingNumber: string }> }>(
      'POST',
      '/webhooks/redeliver',
      { deliveryIds: [delivered.id] },
    );
    assert.equal(again.body.deliveries.length, 1);
    assert.equal(receiver.received.length, 2);
    assert.equal(
      JSON.parse(receiver.received[1].raw.toString()).output.completeTrackResults[0].trackingNumber,
      JSON.parse(receiver.received[0].raw.toString()).output.completeTrackResults[0].trackingNumber,
    );

    await receiver.close();
    clock += 4 * HOUR;
    const failed = await sim.flushWebhooks();
    assert.ok(failed.length > 0);
    assert.ok(failed.every((d) => !d.ok && d.error !== undefined));
  });

  it('filters by subscribed account numbers and starts with events after registration', async () => {
    const other = '510087020';
    sim.config.clients[0].accountNumbers.push(other);
    await create(); // before registration: never pushed
    await client.admin('POST', '/webhooks', { url: receiver.url, securityToken: TOKEN, accountNumbers: [other] });
    await create('740561073');
    const mine = await create(other);
    await sim.flushWebhooks();
    assert.deepEqual(
      pushes().map((p) => p.output.completeTrackResults[0].trackingNumber),
      [mine],
    );
  });
});
