import assert from 'node:assert/strict';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditStore } from '../../../nodes/audit/types';
import type { FedexClient } from '../../../nodes/fedex/client';
import { cancelAndShipAgain } from '../../../nodes/fedex/ship-reship';
import { ShipService } from '../../../nodes/fedex/ship-service';
import type { FedexSim } from '../../../sim/fedex/server';
import { salesDelivery, settings, x3Of } from './fixtures';
import { simClient, startSim } from './sim';

const DOC = 'SD00000007';

describe('fedex/ship-reship: cancel and ship again an adopted shipment', function () {
  this.timeout(20_000);
  let sim: FedexSim;
  let client: FedexClient;
  let store: AuditStore;
  const service = (): ShipService =>
    new ShipService({
      client,
      store,
      owner: 'this-process',
      settings: settings(),
      record: (e) => store.record(e),
      reconcileDelayMs: 0,
      reconcileWindowMs: 0,
      reconcileLookups: 1,
    });
  const msg = () => ({ payload: salesDelivery(DOC), x3: x3Of('salesDelivery', DOC) });

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

  it('cancels the adopted shipment first, then ships the document as the next generation: one live shipment', async () => {
    sim.config.commitThenDropNext = 1;
    const svc = service();
    const adopted = await svc.ship({
      record: salesDelivery(DOC),
      x3: x3Of('salesDelivery', DOC),
      auditMsg: msg(),
    });
    assert.equal(adopted.outcome, 'adopted');
    assert.deepEqual(adopted.result.payload.labels, []);

    const r = await cancelAndShipAgain({ service: svc, store }, adopted.key);
    assert.equal(r.cancelled.cancelled, true);
    assert.equal(r.shipped.outcome, 'created');
    assert.notEqual(r.shipped.key, adopted.key);
    assert.equal((await store.get(adopted.key))?.state, 'voided');
    assert.equal((await store.get(r.shipped.key))?.state, 'succeeded');
    const live = sim.state.shipments.filter((s) => s.status === 'active');
    assert.equal(live.length, 1, 'never two live shipments for one document');
    assert.equal(live[0].masterTrackingNumber, r.shipped.trackingNumbers[0]);
    const next = await store.get(r.shipped.key);
    assert.ok(((next?.result as { payload: { labels: unknown[] } }).payload.labels ?? []).length > 0, 'with labels');

    // the old key is no longer an adopted live shipment: a second click ships nothing
    await assert.rejects(cancelAndShipAgain({ service: svc, store }, adopted.key), /voided/);
    assert.equal(sim.state.shipments.length, 2);
  });

  it('a shipment that is not adopted, or unknown, is refused and nothing is cancelled or shipped', async () => {
    const svc = service();
    const created = await svc.ship({ record: salesDelivery(DOC), x3: x3Of('salesDelivery', DOC), auditMsg: msg() });
    await assert.rejects(cancelAndShipAgain({ service: svc, store }, created.key), /not an adopted shipment/);
    await assert.rejects(cancelAndShipAgain({ service: svc, store }, 'nope'), /no ledger entry/);
    assert.equal(sim.state.shipments.length, 1);
    assert.equal(sim.state.cancels.length, 0);
  });
});
