/**
 * The ambiguous-create reconciliation in simulated time: FedEx's Track visibility delay, the
 * lookup window measured from the create, and what counts as proof that no shipment exists.
 */
import assert from 'node:assert/strict';
import { ApiError } from '../../../nodes/core/errors';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditStore } from '../../../nodes/audit/types';
import type { FedexClient } from '../../../nodes/fedex/client';
import { buildShipment } from '../../../nodes/fedex/mapping';
import { ShipService, type ShipClient } from '../../../nodes/fedex/ship-service';
import type { FedexSim } from '../../../sim/fedex/server';
import { driveVirtualTime, httpInFlight, installClock, type FakeClock } from '../shipstation/virtual-time';
import { salesDelivery, settings, x3Of } from './fixtures';
import { simClient, startSim } from './sim';

const DOC = 'SD00000001';

describe('fedex/ship-service reconciliation of an ambiguous create (simulated time)', function () {
  this.timeout(60_000);
  let clock: FakeClock;
  let sim: FedexSim;
  let client: FedexClient;
  let store: AuditStore;

  const now = (): number => clock.now;
  const service = (opts: Partial<ConstructorParameters<typeof ShipService>[0]> = {}): ShipService =>
    new ShipService({ client, store, owner: 'this-process', settings: settings(), now, ...opts });
  const ship = (svc: ShipService) => svc.ship({ record: salesDelivery(DOC), x3: x3Of('salesDelivery', DOC) });
  const drive = <T>(work: Promise<T>): Promise<T> => driveVirtualTime(clock, work, () => httpInFlight() > 0);
  /** Create requests FedEx received: answered ones, and those whose answer was dropped. */
  const createRequests = () =>
    sim.state.requests.filter((r) => r.path === '/ship/v1/shipments').length + sim.state.drops.length;
  const lookups = () => sim.state.trackCalls.filter((c) => c.path === '/track/v1/referencenumbers');
  const keyOf = () => ShipService.documentKey(salesDelivery(DOC), x3Of('salesDelivery', DOC), settings(), client);

  beforeEach(async () => {
    clock = installClock(Date.now());
    sim = await startSim({ now });
    client = simClient(sim, { now });
    store = openSqliteStore({ path: ':memory:', now });
  });

  afterEach(async () => {
    await client.close();
    await store.close();
    await sim.close();
    clock.restore();
  });

  it('the create answer is lost and Track shows the shipment only after 120 s: adopted, exactly one shipment', async () => {
    sim.config.trackVisibilityDelayMs = 120_000;
    sim.config.commitThenDropNext = 1;
    const started = clock.now;
    const out = await drive(ship(service()));
    assert.equal(out.outcome, 'adopted');
    assert.equal(sim.state.shipments.length, 1);
    assert.equal(createRequests(), 1, 'never a second create');
    assert.equal(out.result.payload.masterTrackingNumber, sim.state.shipments[0].masterTrackingNumber);
    assert.equal((await store.get(out.key))?.state, 'succeeded');
    // FedEx answered NOTFOUND before the shipment became visible: looked up more than once
    const calls = lookups();
    assert.ok(calls.length >= 2, `${calls.length} lookups`);
    assert.equal(calls[calls.length - 1].notFound, 0);
    assert.ok(calls[calls.length - 1].at >= started + 120_000);
  });

  it('no shipment at FedEx: NOTFOUND looked up several times over the window proves it, then one new create', async () => {
    await drive(client.testConnection()); // the token first: the fault below hits every request
    sim.config.error5xxRate = 1;
    const wrapped: ShipClient = {
      environment: client.environment,
      accountNumber: client.accountNumber,
      createShipment: (b, c) => client.createShipment(b, c),
      createFreightShipment: (b, c) => client.createFreightShipment(b, c),
      cancelShipment: (b, c) => client.cancelShipment(b, c),
      trackByReference: (q, c) => {
        sim.config.error5xxRate = 0; // the outage is over when we look the shipment up
        return client.trackByReference(q, c);
      },
    };
    const started = clock.now;
    const out = await drive(ship(service({ client: wrapped, reconcileWindowMs: 5 * 60_000, reconcileLookups: 3 })));
    assert.equal(out.outcome, 'created');
    assert.equal(sim.state.shipments.length, 1);
    const calls = lookups();
    assert.equal(calls.length, 3);
    assert.ok(calls.every((c) => c.notFound === 1));
    // the proof is only complete once the window after the first create has passed
    assert.ok(calls[2].at >= started + 5 * 60_000, 'the last lookup ends the window');
    assert.ok(calls[1].at - calls[0].at >= 60_000, 'the lookups are spread over the window');
  });

  it('FedEx unavailable for two creates in a row (5xx, nothing created): each proven absent, the third creates', async () => {
    await drive(client.testConnection());
    let creates = 0;
    const wrapped: ShipClient = {
      environment: client.environment,
      accountNumber: client.accountNumber,
      createShipment: (b, c) => {
        creates += 1;
        sim.config.error5xxRate = creates <= 2 ? 1 : 0; // a 503 is no longer retried blindly
        return client.createShipment(b, c);
      },
      createFreightShipment: (b, c) => client.createFreightShipment(b, c),
      cancelShipment: (b, c) => client.cancelShipment(b, c),
      trackByReference: (q, c) => {
        sim.config.error5xxRate = 0;
        return client.trackByReference(q, c);
      },
    };
    const out = await drive(ship(service({ client: wrapped })));
    assert.equal(out.outcome, 'created');
    assert.equal(creates, 3);
    assert.equal(sim.state.shipments.length, 1);
    assert.equal((await store.get(out.key))?.state, 'succeeded');
  });

  it('a 404 of the Track endpoint is no proof: the entry stays unknown, nothing is created again, a new msg does not claim it', async () => {
    await drive(client.testConnection());
    sim.config.error5xxRate = 1; // FedEx answers 500 to the create without creating anything
    const wrapped: ShipClient = {
      environment: client.environment,
      accountNumber: client.accountNumber,
      createShipment: (b, c) => client.createShipment(b, c),
      createFreightShipment: (b, c) => client.createFreightShipment(b, c),
      cancelShipment: (b, c) => client.cancelShipment(b, c),
      trackByReference: async () => {
        sim.config.error5xxRate = 0;
        throw new ApiError({ system: 'fedex', status: 404, code: 'NOT.FOUND.ERROR', message: 'no such resource' });
      },
    };
    const svc = service({ client: wrapped });
    const first = drive(ship(svc));
    await assert.rejects(first, (e: unknown) => e instanceof ApiError && e.code === 'OUTCOME_UNKNOWN');
    const again = drive(ship(svc));
    await assert.rejects(again, (e: unknown) => e instanceof ApiError && e.code === 'OUTCOME_UNKNOWN');
    assert.equal(createRequests(), 1, 'never a second create');
    assert.equal(sim.state.shipments.length, 0);
    const key = keyOf();
    const entry = await store.get(key);
    assert.equal(entry?.state, 'unknown');
    const claim = await store.claim(key, { owner: 'someone', system: 'fedex', operation: 'ship.create' });
    assert.equal(claim.claimed, false, 'an unknown outcome is never claimable by itself');
  });

  it('a claim left by a crashed process: the window runs from when its create may have been sent, not from the claim', async () => {
    // the crashed process claimed, then (queued behind the limiter) sent its create 90 s later;
    // Track shows that shipment 120 s after it was created
    sim.config.trackVisibilityDelayMs = 120_000;
    const key = keyOf();
    await store.claim(key, { owner: 'dead-process', system: 'fedex', operation: 'ship.create' });
    await drive(new Promise<void>((resolve) => setTimeout(resolve, 90_000)));
    const dead = simClient(sim, { now });
    try {
      const built = buildShipment({
        record: salesDelivery(DOC),
        x3: x3Of('salesDelivery', DOC),
        settings: settings(),
        accountNumber: client.accountNumber,
        now: clock.now,
      });
      await drive(dead.createShipment(built.request, { transactionId: key }));
    } finally {
      await dead.close();
    }
    const out = await drive(ship(service()));
    assert.equal(out.outcome, 'adopted');
    assert.equal(sim.state.shipments.length, 1);
  });
});
