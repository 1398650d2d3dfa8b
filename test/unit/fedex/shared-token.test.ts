import { strict as assert } from 'assert';
import { ApiError } from '../../../nodes/core/errors';
import { authLockouts } from '../../../nodes/fedex/auth-gate';
import { FedexClient } from '../../../nodes/fedex/client';
import { SharedToken } from '../../../nodes/fedex/shared-token';
import { openPgStore, type PgAuditStore } from '../../../nodes/audit/pg-store';
import type { FedexSim } from '../../../sim/fedex/server';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster, type PgCluster } from '../../support/pg-cluster';
import { simClient, startSim } from './sim';

describe('one FedEx token for every instance of a fedex-config on a shared store', function () {
  let cluster: PgCluster | undefined;
  const stores: PgAuditStore[] = [];
  const clients: FedexClient[] = [];
  let sim: FedexSim | undefined;
  before(async function () {
    this.timeout(180_000);
    cluster = await sharedPgCluster();
    if (!cluster) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
  });
  afterEach(async () => {
    authLockouts.clear();
    for (const c of clients.splice(0)) await c.close();
    for (const s of stores.splice(0)) await s.close();
    await sim?.close();
    sim = undefined;
  });

  const instances = async (n: number): Promise<PgAuditStore[]> => {
    const schema = isolatedSchema('fxtoken');
    const out: PgAuditStore[] = [];
    for (let i = 0; i < n; i++) {
      const s = openPgStore({ connection: (cluster as PgCluster).url, schema, poolSize: 3 });
      await s.ready();
      out.push(s);
    }
    stores.push(...out);
    return out;
  };

  it('three instances (clients) calling at once: FedEx issues one token, and the database holds it sealed', async () => {
    sim = await startSim();
    const shared = await instances(3);
    const all = shared.map((store, i) => {
      const c = simClient(sim as FedexSim, { shared: { store, owner: `instance-${i}` } });
      clients.push(c);
      return c;
    });
    await Promise.all(
      all.flatMap((c, i) =>
        Array.from({ length: 20 }, (_, k) => c.trackByNumbers([String(794_900_000_000 + i * 100 + k)])),
      ),
    );
    assert.equal(sim.state.tokenRequests.length, 1, 'one token request for the cluster');
    const rows = await shared[0].database.query<{ name: string; value: string }>(
      'SELECT name, value FROM cluster_state',
    );
    const tokenRow = rows.rows.find((r) => r.name.startsWith('fedex-token:'));
    assert.ok(tokenRow, 'the token is in the store');
    assert.equal(sim.state.tokenRequests[0].outcome, 'issued');
    assert.deepEqual(Object.keys(JSON.parse(tokenRow.value) as object).sort(), ['data', 'iv', 'tag', 'v'], 'sealed');
  });

  it('a lockout one instance meets stops the token requests of the others until it ends', async () => {
    const [a, b] = await instances(2);
    let fetches = 0;
    let t = 1_000_000;
    const token = (store: PgAuditStore, fetch: () => Promise<{ token: string; expiresInMs: number }>) =>
      new SharedToken({
        store,
        baseURL: 'https://apis-sandbox.fedex.com',
        clientId: 'key',
        clientSecret: 'secret',
        owner: store === a ? 'A' : 'B',
        fetch,
        marginMs: 0,
        lockoutMs: 600_000,
        now: () => t,
      });
    const onA = token(a, async () => {
      fetches += 1;
      throw new ApiError({ system: 'fedex', code: 'FORBIDDEN', status: 403, message: 'forbidden', retryable: false });
    });
    const onB = token(b, async () => {
      fetches += 1;
      return { token: 'tok', expiresInMs: 3_600_000 };
    });
    await assert.rejects(onA.get(), (e: ApiError) => e.status === 403);
    await assert.rejects(onB.get(), (e: ApiError) => e.code === 'AUTH_LOCKED_OUT' && e.retryAfterMs === 600_000);
    assert.equal(fetches, 1, 'B asked FedEx nothing during the lockout');
    t += 600_000;
    assert.equal((await onB.get()).token, 'tok');
    assert.equal(fetches, 2);
    // a token FedEx refused (401) is not taken from the store again
    onA.refuse('tok');
    const replaced = token(a, async () => {
      fetches += 1;
      return { token: 'tok-2', expiresInMs: 3_600_000 };
    });
    replaced.refuse('tok');
    assert.equal((await replaced.get()).token, 'tok-2');
    assert.equal((await onB.get()).token, 'tok-2', 'the others take the new one');
    assert.equal(fetches, 3);
  });
});
