import assert from 'node:assert/strict';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditStore } from '../../../nodes/audit/types';
import type { FedexClient } from '../../../nodes/fedex/client';
import { ShipService } from '../../../nodes/fedex/ship-service';
import { numbersOf, TrackService } from '../../../nodes/fedex/track-service';
import type { InboxUpdate } from '../../../nodes/fedex/tracking-inbox';
import { parseTrackOutput, TrackingProcessor } from '../../../nodes/fedex/tracking';
import type { FedexSim } from '../../../sim/fedex/server';
import { salesDelivery, settings, x3Of } from './fixtures';
import { simClient, startSim } from './sim';

async function advance(sim: FedexSim, trackingNumber: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/advance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ trackingNumber, ...body }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** Tests that stop no service: nothing is kept for a next start. */
const EMITS = { scope: 'fedex-track:t', emitResumed: (): void => undefined };

describe('fedex/track-service against the FedEx simulator', function () {
  this.timeout(20_000);
  let sim: FedexSim;
  let client: FedexClient;
  let store: AuditStore;

  const shipMany = async (n: number): Promise<string[]> => {
    const svc = new ShipService({ client, store, owner: 'me', settings: settings(), reconcileDelayMs: 0 });
    const out = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const key = `SD${String(i).padStart(8, '0')}`;
        return svc.ship({ record: salesDelivery(key, { PACNBR: 1 }), x3: x3Of('salesDelivery', key) });
      }),
    );
    return out.map((o) => o.result.payload.masterTrackingNumber);
  };

  beforeEach(async () => {
    sim = await startSim();
    client = simClient(sim);
    store = openSqliteStore({ path: ':memory:' });
  });
  afterEach(async () => {
    await client.close();
    await store.close();
    await sim.close();
  });

  it('reads tracking numbers from the payload shapes a flow sends (never a timestamp number)', () => {
    assert.deepEqual(numbersOf(' 794953535000 '), ['794953535000']);
    assert.deepEqual(numbersOf(['1', '2', '1']), ['1', '2']);
    assert.deepEqual(numbersOf({ trackingNumbers: ['1', '2'] }), ['1', '2']);
    assert.deepEqual(numbersOf([{ trackingNumber: '3' }, { trackingNumber: '4' }]), ['3', '4']);
    assert.deepEqual(numbersOf(1732200000000), []);
    assert.deepEqual(numbersOf(undefined), []);
  });

  it('N tracking numbers take ceil(N/30) Track calls; unknown numbers are reported per number', async () => {
    const shipped = await shipMany(65);
    const unknown = ['794900000000', 'NOT-A-NUMBER!'];
    const svc = new TrackService({ client, store, ...EMITS });
    const run = await svc.run([...shipped, ...unknown]);
    assert.equal(run.requested, 67);
    assert.equal(run.calls, 3);
    assert.equal(sim.state.trackCalls.length, 3);
    assert.deepEqual(
      sim.state.trackCalls.map((c) => c.count),
      [30, 30, 7],
    );
    assert.equal(run.updates.length, 65);
    assert.ok(run.updates.every((u) => u.update.status === 'label_created' && u.update.statusCode === 'OC'));
    assert.deepEqual(
      run.failures.map((f) => [f.trackingNumber, f.error.code]),
      [
        ['794900000000', 'TRACKING.TRACKINGNUMBER.NOTFOUND'],
        ['NOT-A-NUMBER!', 'TRACKING.TRACKINGNUMBER.INVALID'],
      ],
    );
    // a second run right away: nothing changed
    const again = await svc.run(shipped);
    assert.equal(again.updates.filter((u) => u.changed).length, 0);
  });

  it('with no numbers it tracks the open shipments, with their X3 correlation, and stops polling delivered ones', async () => {
    const [a, b] = await shipMany(2);
    const svc = new TrackService({ client, store, ...EMITS });
    const first = await svc.run([]);
    assert.deepEqual(first.updates.map((u) => u.update.trackingNumber).sort(), [a, b].sort());
    assert.equal(first.updates.find((u) => u.update.trackingNumber === a)?.correlation?.x3Entity, 'salesDelivery');

    await advance(sim, a, { to: 'DL' });
    const second = await svc.run([]);
    const delivered = second.updates.find((u) => u.update.trackingNumber === a);
    assert.equal(delivered?.update.status, 'delivered');
    assert.equal(delivered?.update.delivered, true);
    assert.equal(delivered?.changed, true);
    assert.ok((delivered?.update.events.length ?? 0) > 3);
    const times = delivered?.update.events.map((e) => Date.parse(e.occurredAt ?? '')) ?? [];
    assert.deepEqual(
      times,
      [...times].sort((x, y) => x - y),
      'events oldest first',
    );

    const third = await svc.run([]);
    assert.deepEqual(
      third.updates.map((u) => u.update.trackingNumber),
      [b],
      'the delivered shipment is closed',
    );
  });

  it('polls open shipments in rotation, so a limit never starves the others (unchanged or not found)', async () => {
    const shipped = await shipMany(3);
    await store.trackShipment('794900000000', { x3Key: 'GONE' }); // FedEx will say NOTFOUND
    const svc = new TrackService({ client, store, openLimit: 2, ...EMITS });
    const polled: string[][] = [];
    for (let i = 0; i < 4; i++) {
      const before = sim.state.trackCalls.length;
      await svc.run([]);
      polled.push(sim.state.trackCalls[before].numbers);
      await new Promise((r) => setTimeout(r, 2)); // the store orders by update time (ms)
    }
    const counts = new Map<string, number>();
    for (const tn of polled.flat()) counts.set(tn, (counts.get(tn) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort(), [...shipped, '794900000000'].sort());
    assert.ok(
      [...counts.values()].every((n) => n === 2),
      JSON.stringify(polled),
    );
  });

  it('a late in-transit result never downgrades a delivered shipment', async () => {
    const [tn] = await shipMany(1);
    await advance(sim, tn, { to: 'OD' });
    // a Track answer from while the parcel was out for delivery, delivered late (e.g. a slow poll)
    const stale = parseTrackOutput((await client.trackByNumbers([tn])).data)[0].update;
    assert.equal(stale?.status, 'out_for_delivery');
    await advance(sim, tn, { to: 'DL' });
    const svc = new TrackService({ client, store, ...EMITS });
    const run = await svc.run([tn]);
    assert.equal(run.updates[0].update.status, 'delivered');

    const late = await new TrackingProcessor(store).apply(stale!);
    assert.equal(late.changed, false);
    assert.equal(late.update.status, 'delivered');
    assert.equal((await store.getShipment(tn))?.status, 'delivered');
  });

  it('a Track call that fails as a whole reports each of its numbers without failing the other call', async () => {
    const shipped = await shipMany(35);
    // three 429s for two calls allowed one retry each: exactly one call gives up
    sim.config.burst429 = 3;
    const limited = simClient(sim, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    try {
      const run = await new TrackService({ client: limited, store, ...EMITS }).run(shipped);
      assert.equal(run.calls, 2);
      assert.equal(run.failedCalls, 1);
      assert.ok(run.failures.every((f) => f.error.code === 'TOO.MANY.REQUESTS.ERROR'));
      assert.equal(run.failures.length + run.updates.length, 35);
      assert.ok([5, 30].includes(run.failures.length));
    } finally {
      await limited.close();
    }
  });

  it('a run that ends while the node closes sends nothing; the next start emits its new status once', async () => {
    const [tn] = await shipMany(1);
    await advance(sim, tn, { to: 'DL' });
    const resumedA: InboxUpdate[] = [];
    const a = new TrackService({ client, store, scope: 'fedex-track:n1', emitResumed: (u) => resumedA.push(u) });
    // the stop begins while the run is at the FedEx call
    const running = a.run([]);
    const closed = a.close();
    const run = await running;
    await closed;
    assert.deepEqual(run.updates, [], 'nothing for the stopping flow');
    assert.equal(run.deferred, 1);
    assert.equal((await store.getShipment(tn))?.status, 'delivered', 'recorded');
    assert.deepEqual(resumedA, []);

    const resumed: InboxUpdate[] = [];
    const b = new TrackService({ client, store, scope: 'fedex-track:n1', emitResumed: (u) => resumed.push(u) });
    assert.equal(await b.recover(), 1);
    await b.idle();
    assert.equal(resumed.length, 1);
    assert.equal(resumed[0].update.status, 'delivered');
    assert.equal(resumed[0].correlation?.x3Key, 'SD00000000', 'with its X3 document');
    const again = await b.run([tn]);
    assert.equal(again.updates[0].changed, false);
    await b.close();
    const c = new TrackService({ client, store, scope: 'fedex-track:n1', emitResumed: (u) => resumed.push(u) });
    assert.equal(await c.recover(), 0, 'settled: emitted once');
    await c.close();
  });

  it('a status made obsolete before the next start (a newer event applied) is not emitted', async () => {
    const [tn] = await shipMany(1);
    await advance(sim, tn, { to: 'OD' });
    const a = new TrackService({ client, store, ...EMITS });
    const running = a.run([tn]);
    void a.close();
    assert.equal((await running).deferred, 1);
    await new TrackingProcessor(store).apply({
      trackingNumber: tn,
      status: 'delivered',
      statusCode: 'DL',
      occurredAt: '2099-01-01T00:00:00.000Z',
      delivered: true,
      events: [],
    });
    const resumed: InboxUpdate[] = [];
    const b = new TrackService({ client, store, scope: EMITS.scope, emitResumed: (u) => resumed.push(u) });
    assert.equal(await b.recover(), 1);
    await b.idle();
    assert.deepEqual(resumed, []);
    assert.deepEqual(await store.inboxPending(EMITS.scope, 10), [], 'settled');
    await b.close();
  });
});
