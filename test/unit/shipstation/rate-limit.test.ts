import assert from 'node:assert/strict';
import { Watermark, type WatermarkData } from '../../../nodes/core/watermark';
import { ShipStationClient } from '../../../nodes/shipstation/client';
import { pollModifiedOrders } from '../../../nodes/shipstation/order-poller';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';
import { driveVirtualTime, httpInFlight, installClock, type FakeClock } from './virtual-time';

const CREDS = { apiKey: 'sim-v1-key', apiSecret: 'sim-v1-secret' };
const WINDOW_MS = 60_000;

function memoryWatermark(): Watermark {
  let data: WatermarkData | undefined;
  return new Watermark({
    store: { read: () => data, write: (d) => (data = d) },
    overlapMs: 90 * 60_000,
    initial: 'all',
  });
}

/**
 * The V1 budget is 40 requests per minute per key pair, shared by everything using it. These
 * tests run the real 60 s window in virtual time (fake clock for the sim and the client).
 */
describe('shipstation V1 budget: 5,000 orders at 40/min', function () {
  this.timeout(180_000);
  let clock: FakeClock;
  let sim: ShipStationSim;
  const clients: ShipStationClient[] = [];

  async function startSim(orders: number): Promise<void> {
    clock = installClock('2026-11-02T00:00:00.000Z');
    sim = await startShipStationSim({ orders, now: () => clock.now, rateWindowMs: WINDOW_MS });
  }
  afterEach(async () => {
    clock?.restore();
    for (const c of clients.splice(0)) await c.close();
    await sim?.close();
  });

  const newClient = (): ShipStationClient => {
    const c = new ShipStationClient({ credentials: CREDS, v1Url: sim.v1Url, now: () => clock.now });
    clients.push(c);
    return c;
  };
  const inFlight = (): boolean => httpInFlight() > 0;

  /** A 5,000-order poll plus `extra` single-order reads, all at once on one client. */
  async function pullWith(client: ShipStationClient, extra: number): Promise<number> {
    // single-order reads on top of the poll make the budget bind: more than 38 requests a window
    const seen = new Set<number>();
    const poll = pollModifiedOrders({
      client,
      watermark: memoryWatermark(),
      now: () => clock.now,
      emit: (o) => void seen.add(Number(o.orderId)),
    });
    const reads = Array.from({ length: extra }, (_, i) => client.getOrder(100000001 + i));
    await Promise.all([poll, ...reads]);
    return seen.size;
  }

  it('pulls every order from a fresh budget without a single 429, waiting for the reset instead', async () => {
    await startSim(5000);
    const client = newClient();
    const start = clock.now;
    const emitted = await driveVirtualTime(clock, pullWith(client, 100), inFlight);
    assert.equal(emitted, 5000);
    const requests = sim.state.requests.filter((r) => r.api === 'v1');
    // 11 list pages, not 10: each page after the first starts at the modify second of the last
    // order before it and reads that order again (499 new orders a page)
    assert.equal(requests.length, 11 + 100);
    assert.equal(sim.state.counters.rateLimited429, 0, 'no 429 at all');
    // 111 requests at 38 per window (40 minus the reserve of 2) need three windows
    assert.ok(clock.now - start >= 2 * WINDOW_MS, `took ${clock.now - start} ms of virtual time`);
    assert.ok(
      requests
        .filter((r) => /\/orders\?/.test(r.path))
        .every((r) => /pageSize=500/.test(r.path) && /sortBy=ModifyDate/.test(r.path)),
    );
  });

  // the two-nodes-on-one-config case runs with real nodes in test/nodes/shipstation
  it('(control) two separate budgets on one key pair do hit 429s: the sharing is what prevents them', async () => {
    await startSim(1000);
    const one = newClient();
    const two = newClient();
    const [a, b] = await driveVirtualTime(clock, Promise.all([pullWith(one, 200), pullWith(two, 200)]), inFlight);
    assert.equal(a, 1000);
    assert.equal(b, 1000, 'the 429s were retried after the reset');
    assert.ok(sim.state.counters.rateLimited429 > 0);
  });
});
