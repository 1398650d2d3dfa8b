import { strict as assert } from 'node:assert';
import { type FedexSim, startFedexSim } from '../../../sim/fedex/server';
import { sampleShipRequest, sampleTrackRequest } from '../../../sim/fedex/samples';
import { FedexSimClient } from '../../../sim/fedex/sim-client';

const T0 = Date.parse('2025-03-14T15:00:00Z');

type Envelope = { transactionId: string; errors: Array<{ code: string; message: string }> };
type TrackBody = {
  output: {
    completeTrackResults: Array<{
      trackingNumber: string;
      trackResults: Array<{
        trackingNumberInfo?: { trackingNumber: string };
        error?: { code: string };
        latestStatusDetail?: { code: string };
      }>;
    }>;
  };
};

describe('FedEx sim: quotas and injected faults', () => {
  let clock: number;
  let sim: FedexSim;
  let client: FedexSimClient;
  let token: string;

  beforeEach(async () => {
    clock = T0;
    sim = await startFedexSim({
      now: () => clock,
      webhooks: { pollMs: 0 },
      tokenLifetimeSec: 7 * 24 * 3600,
      clients: [
        { clientId: 'proj-a', clientSecret: 'secret-a', accountNumbers: ['740561073'] },
        { clientId: 'proj-b', clientSecret: 'secret-b', accountNumbers: ['510087020'] },
      ],
    });
    client = new FedexSimClient(sim.url, 'proj-a', 'secret-a');
    token = await client.token();
  });
  afterEach(() => sim.close());

  const track = (tok = token) =>
    client.call<Envelope & TrackBody>('POST', '/track/v1/trackingnumbers', tok, sampleTrackRequest(['794953535000']));

  it("answers 429 with FedEx's envelope once the per-project window quota is used, and resets with the window", async () => {
    sim.config.quotaLimit = 3;
    for (let i = 0; i < 3; i++) assert.equal((await track()).status, 200);
    clock += 4000;
    const limited = await track();
    assert.equal(limited.status, 429);
    assert.equal(limited.body.errors[0].code, 'TOO.MANY.REQUESTS.ERROR');
    assert.match(limited.body.errors[0].message, /too many requests in a short duration/);
    assert.equal(limited.headers.get('retry-after'), null, 'FedEx documents no Retry-After');

    // Another project has its own window.
    const other = new FedexSimClient(sim.url, 'proj-b', 'secret-b');
    assert.equal((await track(await other.token())).status, 200);

    clock = T0 + 9999;
    assert.equal((await track()).status, 429);
    clock = T0 + 10_000;
    assert.equal((await track()).status, 200);
    assert.deepEqual(
      sim.state.limits.map((l) => [l.reason, l.clientId]),
      [
        ['quota', 'proj-a'],
        ['quota', 'proj-a'],
      ],
    );
  });

  it('adds Retry-After (at least the rest of the window) only when the knob is set', async () => {
    sim.config.quotaLimit = 1;
    sim.config.retryAfterSec = 1;
    assert.equal((await track()).status, 200);
    clock += 2500;
    const r = await track();
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '8');
  });

  it('enforces the daily Track quota until 00:00 GMT', async () => {
    sim.config.trackDailyQuota = 2;
    assert.equal((await track()).status, 200);
    assert.equal((await track()).status, 200);
    const r = await track();
    assert.equal(r.status, 429);
    assert.match(r.body.errors[0].message, /daily quota exceeded/);
    clock = Date.parse('2025-03-15T00:00:00Z');
    assert.equal((await track()).status, 200);
  });

  it('burst429 answers the next N business calls with 429, error5xxRate gives 500/503', async () => {
    sim.config.burst429 = 2;
    assert.equal((await track()).status, 429);
    assert.equal((await track()).status, 429);
    assert.equal((await track()).status, 200);
    assert.equal(sim.config.burst429, 0);

    sim.config.error5xxRate = 1;
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const r = await track();
      statuses.add(r.status);
      assert.ok(['INTERNAL.SERVER.ERROR', 'SERVICE.UNAVAILABLE.ERROR'].includes(r.body.errors[0].code));
    }
    assert.deepEqual([...statuses].sort(), [500, 503]);
    const tok = await client.requestToken();
    assert.ok([500, 503].includes(tok.status), 'the token endpoint fails too');
    assert.equal(sim.state.shipments.length, 0);
  });

  it('commit-then-drop: the shipment is committed but the client gets no answer; track by reference finds it', async () => {
    sim.config.commitThenDropNext = 1;
    const body = sampleShipRequest({ accountNumber: '740561073', customerReference: 'SO-77001' });
    await assert.rejects(
      client.call('POST', '/ship/v1/shipments', token, body, { 'x-customer-transaction-id': 'SO-77001' }),
    );

    assert.equal(sim.state.shipments.length, 1);
    const [committed] = sim.state.shipments;
    assert.equal(committed.dropped, true);
    assert.deepEqual(
      sim.state.drops.map((d) => [d.masterTrackingNumber, d.trigger]),
      [[committed.masterTrackingNumber, 'next']],
    );
    assert.equal(sim.state.creates.at(-1)?.status, 0);
    const view = await client.admin<Array<{ masterTrackingNumber: string; dropped: boolean }>>('GET', '/shipments');
    assert.deepEqual(
      view.body.map((s) => [s.masterTrackingNumber, s.dropped]),
      [[committed.masterTrackingNumber, true]],
    );

    const found = await client.call<TrackBody>('POST', '/track/v1/referencenumbers', token, {
      includeDetailedScans: true,
      referencesInformation: { type: 'CUSTOMER_REFERENCE', value: 'SO-77001', accountNumber: '740561073' },
    });
    assert.equal(found.status, 200);
    assert.deepEqual(
      found.body.output.completeTrackResults.map((c) => c.trackingNumber),
      [committed.masterTrackingNumber],
    );

    // The knob is consumed: the next create answers normally.
    const next = await client.call(
      'POST',
      '/ship/v1/shipments',
      token,
      sampleShipRequest({ accountNumber: '740561073' }),
    );
    assert.equal(next.status, 200);
    assert.equal(sim.state.shipments.length, 2);
  });

  it('commitThenDropRate drops creates at that probability (1 = always)', async () => {
    sim.config.commitThenDropRate = 1;
    await assert.rejects(
      client.call('POST', '/ship/v1/shipments', token, sampleShipRequest({ accountNumber: '740561073' })),
    );
    await assert.rejects(
      client.call('POST', '/ship/v1/shipments', token, sampleShipRequest({ accountNumber: '740561073' })),
    );
    assert.equal(sim.state.shipments.filter((s) => s.dropped).length, 2);
    assert.deepEqual(
      sim.state.drops.map((d) => d.trigger),
      ['rate', 'rate'],
    );
  });

  it('routeLatencyMs delays one path; a create whose caller hangs up during the delay still commits', async () => {
    assert.equal((await client.admin('POST', '/config', { routeLatencyMs: { '/ship/v1/shipments': -1 } })).status, 400);
    assert.equal((await client.admin('POST', '/config', { routeLatencyMs: { ship: 10 } })).status, 400);
    const r = await client.admin<{ routeLatencyMs: Record<string, number> }>('POST', '/config', {
      routeLatencyMs: { '/ship/v1/shipments': 300 },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.routeLatencyMs, { '/ship/v1/shipments': 300 });

    const started = Date.now();
    const created = await client.call('POST', '/ship/v1/shipments', token, sampleShipRequest());
    assert.equal(created.status, 200);
    assert.ok(Date.now() - started >= 290, 'the create waited for its route latency');
    assert.equal(sim.state.shipments.length, 1);

    // the caller gives up during the delay: FedEx still creates the label
    const aborter = new AbortController();
    const hungUp = fetch(`${sim.url}/ship/v1/shipments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(sampleShipRequest()),
      signal: aborter.signal,
    }).catch((err: unknown) => err);
    // hang up while FedEx is working on it
    await new Promise((r) => setTimeout(r, 100));
    aborter.abort();
    await hungUp;
    for (let i = 0; i < 100 && sim.state.shipments.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(sim.state.shipments.length, 2);
  });

  it('changes knobs through POST /__sim/config and rejects unknown or bad ones', async () => {
    const r = await client.admin<{ quotaLimit: number; clients: Array<{ clientSecret: string }> }>('POST', '/config', {
      quotaLimit: 1,
      burst429: 0,
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.quotaLimit, 1);
    assert.ok(r.body.clients.every((c) => c.clientSecret === '[redacted]'));
    assert.equal(sim.config.quotaLimit, 1);
    assert.equal((await client.admin('POST', '/config', { quotaLimt: 5 })).status, 400);
    assert.equal((await client.admin('POST', '/config', { error5xxRate: 2 })).status, 400);
    assert.equal(sim.config.error5xxRate, 0);
    assert.equal((await track()).status, 200);
    assert.equal((await track()).status, 429);
  });
});
