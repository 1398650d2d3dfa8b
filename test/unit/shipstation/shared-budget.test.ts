import { strict as assert } from 'assert';
import { ShipStationClient } from '../../../nodes/shipstation/client';
import { openPgStore, type PgAuditStore } from '../../../nodes/audit/pg-store';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster, type PgCluster } from '../../support/pg-cluster';

describe('ShipStation budget shared by three instances on one store', function () {
  let cluster: PgCluster | undefined;
  let sim: ShipStationSim | undefined;
  const stores: PgAuditStore[] = [];
  const clients: ShipStationClient[] = [];
  before(async function () {
    this.timeout(180_000);
    cluster = await sharedPgCluster();
    if (!cluster) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    for (const s of stores.splice(0)) await s.close();
    await sim?.close();
  });

  it('three clients with one API key, 30 reads each at once: every read answered, ShipStation never answers 429 (each client alone would)', async () => {
    const windowMs = 1500;
    sim = await startShipStationSim({ orders: 5 });
    sim.configure({ v1RateLimit: 20, rateWindowMs: windowMs });
    const schema = isolatedSchema('ssbudget');
    const all = Array.from({ length: 3 }, () => {
      const store = openPgStore({ connection: (cluster as PgCluster).url, schema, poolSize: 2 });
      stores.push(store);
      const c = new ShipStationClient({
        credentials: { apiKey: 'sim-v1-key', apiSecret: 'sim-v1-secret' },
        v1Url: sim!.v1Url,
        v2Url: sim!.v2Url,
        v1Limit: 20,
        reserve: 0,
        windowMs,
        retry: { maxRetries: 0 },
        shared: { store },
      });
      clients.push(c);
      return c;
    });
    await stores[0].ready();
    const reads = all.flatMap((c) =>
      Array.from({ length: 30 }, () => c.request('v1', { method: 'GET', url: '/orders?pageSize=1' })),
    );
    const answers = await Promise.allSettled(reads);
    assert.deepEqual(
      answers.filter((a) => a.status === 'rejected').map((a) => String((a as PromiseRejectedResult).reason)),
      [],
    );
    assert.equal(sim.state.counters.rateLimited429, 0, 'ShipStation never answered 429');
    assert.equal(sim.state.requests.filter((r) => r.api === 'v1').length, 90, 'no request retried');
  });
});
