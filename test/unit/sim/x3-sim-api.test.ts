import { strict as assert } from 'assert';
import { generateX3Data } from '../../../sim/x3/data';
import type { X3Sim } from '../../../sim/x3/server';
import { at, gql, http, rest, startTestSim, type Clock, type HttpResult } from './x3-helpers';

interface RestPage {
  $resources: Array<{ SDHNUM: string }>;
  $links: { $next?: { $url: string } };
}

interface State {
  counts: Record<string, number>;
  config: Record<string, unknown>;
  writes: Array<{ entity: string; key: string; via: string; operation: string; at: string }>;
  auth: unknown[];
  requests: Array<{ face: string; status: number }>;
}

describe('X3 sim: inspection API, knobs and data', () => {
  let sim: X3Sim;
  let clock: Clock;
  const sleeps: number[] = [];
  beforeEach(async () => {
    sleeps.length = 0;
    ({ sim, clock } = await startTestSim({
      records: { customer: 5, product: 5, salesOrder: 5, salesDelivery: 5, purchaseOrder: 5 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    }));
  });
  afterEach(() => sim.close());

  it('reports counts, config and logs without secrets', async () => {
    await gql(sim, '{ x3Sales { salesOrder { query { totalCount } } } }');
    const state = await http<State>(sim, 'GET', '/__sim/state');
    assert.deepEqual(state.json.counts, { salesOrder: 5, salesDelivery: 5, purchaseOrder: 5, customer: 5, product: 5 });
    assert.equal(state.json.config.refuseClassicRestWrites, true);
    assert.equal(state.json.requests.length, 1);
    for (const secret of [
      sim.auth.connectedApp.secret,
      sim.auth.oauth2.clientSecret,
      'admin-password',
      sim.auth.oauth2.initialRefreshToken,
    ]) {
      assert.ok(!state.text.includes(secret), `state leaks ${secret}`);
    }
  });

  it('seeds explicit records and generated ones, and lists them', async () => {
    const seeded = await http<{ keys: string[] }>(sim, 'POST', '/__sim/seed', {
      body: { entity: 'customer', records: [{ BPCNUM: 'X1', BPCNAM: 'Seeded', UPDDATTIM: '2024-12-01T00:00:00Z' }] },
    });
    assert.deepEqual(seeded.json.keys, ['X1']);
    assert.equal(sim.store.get('customer', 'X1')?.values.UPDDATTIM, '2024-12-01T00:00:00Z');
    const gen = await http<{ keys: Record<string, string[]> }>(sim, 'POST', '/__sim/seed', {
      body: { generate: { salesDelivery: 8 }, seed: 3 },
    });
    assert.equal(gen.json.keys.salesDelivery.length, 3, 'the first five generated keys already exist');
    const list = await http<Array<Record<string, unknown>>>(sim, 'GET', '/__sim/records/salesDelivery');
    assert.equal(list.json.length, 8);
    assert.ok(Array.isArray(list.json[0].lines));
    assert.equal((await http(sim, 'GET', '/__sim/records/nope')).status, 400);
    const bad = await http<{ error: string }>(sim, 'POST', '/__sim/seed', {
      body: { entity: 'customer', records: [{ BPCNUM: 'X2', NOPE: 1 }] },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /NOPE: unknown field/);
  });

  it('touch re-stamps records from the clock (a watermark query sees them)', async () => {
    clock.advance(3_600_000);
    const touched = await http<{ keys: string[]; stamp: string }>(sim, 'POST', '/__sim/touch', {
      body: { entity: 'salesDelivery', keys: ['SD00000002', 'SD00000004'], fields: { BOLNUM: 'BOL-1' } },
    });
    assert.deepEqual(touched.json, { keys: ['SD00000002', 'SD00000004'], stamp: '2025-01-31T11:00:00Z' });
    const res = await gql(
      sim,
      `{ x3Sales { salesDelivery { query(filter: "{_updateStamp: {_gte: '2025-01-31T11:00:00Z'}}") { edges { node { _id billOfLadingNumber } } } } } }`,
    );
    assert.deepEqual(
      (at(res.json.data, 'x3Sales.salesDelivery.query.edges') as Array<{ node: unknown }>).map((e) => e.node),
      [
        { _id: 'SD00000002', billOfLadingNumber: 'BOL-1' },
        { _id: 'SD00000004', billOfLadingNumber: 'BOL-1' },
      ],
    );
    const byCount = await http<{ keys: string[] }>(sim, 'POST', '/__sim/touch', {
      body: { entity: 'product', count: 2 },
    });
    assert.equal(byCount.json.keys.length, 2);
    const state = await http<State>(sim, 'GET', '/__sim/state');
    assert.deepEqual(state.json.writes.map((w) => [w.key, w.via, w.operation]).slice(-4), [
      ['SD00000002', 'sim', 'update'],
      ['SD00000004', 'sim', 'update'],
      ['ITM000001', 'sim', 'update'],
      ['ITM000002', 'sim', 'update'],
    ]);
  });

  it('config validates knobs; reset restores start options, data and logs', async () => {
    const bad = await http(sim, 'POST', '/__sim/config', { body: { latencyMs: 'slow' } });
    assert.equal(bad.status, 400);
    const ok = await http<Record<string, unknown>>(sim, 'POST', '/__sim/config', {
      body: { latencyMs: 25, forced401Count: 1 },
    });
    assert.equal(ok.json.latencyMs, 25);
    assert.equal(sim.config.latencyMs, 25);
    sim.store.remove('customer', 'C000001', { via: 'sim' });
    await http(sim, 'POST', '/__sim/reset');
    assert.equal(sim.config.latencyMs, 0);
    assert.equal(sim.config.forced401Count, 0);
    assert.ok(sim.store.get('customer', 'C000001'));
    assert.equal(sim.logs.writes.length, 5 * 5 * 1, 'only the regenerated seed writes remain');
  });

  it('applies latency through the injected sleep and 5xx deterministically from the seed', async () => {
    sim.config.latencyMs = 40;
    const r = await rest(sim, 'GET', 'BPCUSTOMER?representation=BPCUSTOMER.$query');
    assert.equal(r.status, 200);
    assert.deepEqual(sleeps, [40]);
    sim.config.latencyMs = 0;

    const statuses = async (s: X3Sim): Promise<number[]> => {
      s.config.error5xxRate = 0.5;
      s.config.randomSeed = 42;
      const out: number[] = [];
      for (let i = 0; i < 12; i++)
        out.push((await rest(s, 'GET', 'BPCUSTOMER?representation=BPCUSTOMER.$query&count=1')).status);
      return out;
    };
    const a = await statuses(sim);
    const other = (await startTestSim({}, clock)).sim;
    try {
      assert.deepEqual(await statuses(other), a);
    } finally {
      await other.close();
    }
    assert.ok(a.includes(503) && a.includes(200), `expected a mix, got ${a.join(',')}`);
  });
});

describe('X3 sim: generated data', () => {
  it('is deterministic, consistent, and clusters stamps within seconds', () => {
    const counts = { customer: 10, product: 10, salesOrder: 40, salesDelivery: 300, purchaseOrder: 10 };
    const a = generateX3Data({ seed: 5, counts });
    const b = generateX3Data({ seed: 5, counts });
    assert.deepEqual(a, b);
    assert.notDeepEqual(generateX3Data({ seed: 6, counts }).records.salesDelivery[0], a.records.salesDelivery[0]);
    const orders = new Set(a.records.salesOrder.map((o) => o.SOHNUM));
    const customers = new Set(a.records.customer.map((c) => c.BPCNUM));
    for (const d of a.records.salesDelivery) {
      assert.ok(orders.has(d.SOHNUM) && customers.has(d.BPCORD));
      assert.ok(
        Array.isArray(d.BPDADDLIG) && String(d.BPDPOSCOD).length === 5 && Number(d.GROWEI) > 0 && Number(d.PACNBR) >= 1,
      );
    }
    const perSecond = new Map<unknown, number>();
    for (const d of a.records.salesDelivery) perSecond.set(d.UPDDATTIM, (perSecond.get(d.UPDDATTIM) ?? 0) + 1);
    assert.ok(
      [...perSecond.values()].some((n) => n >= 3),
      'several deliveries share one second',
    );
    const validated = a.records.salesDelivery.filter((d) => d.CFMFLG === 2).length;
    assert.ok(validated > 20 && validated < 110, `about one in five validated, got ${validated}`);
  });

  it('pages every record exactly once through GraphQL and REST watermarks', async () => {
    const { sim } = await startTestSim({ records: { customer: 10, product: 10, salesOrder: 10, salesDelivery: 3000 } });
    try {
      const since = '2000-01-01T00:00:00Z';
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const res = await gql(
          sim,
          `query($after: String) { x3Sales { salesDelivery { query(first: 500, after: $after, filter: "{_updateStamp: {_gte: '${since}'}}", orderBy: "{_updateStamp: 1, _id: 1}") { pageInfo { endCursor hasNextPage } edges { node { _id } } } } } }`,
          { after },
        );
        const q = at(res.json.data, 'x3Sales.salesDelivery.query') as {
          pageInfo: { endCursor: string; hasNextPage: boolean };
          edges: Array<{ node: { _id: string } }>;
        };
        seen.push(...q.edges.map((e) => e.node._id));
        if (!q.pageInfo.hasNextPage) break;
        after = q.pageInfo.endCursor;
      }
      assert.equal(seen.length, 3000);
      assert.equal(new Set(seen).size, 3000);

      const restSeen: string[] = [];
      let url: string | undefined =
        `SDELIVERY?representation=SDELIVERY.$query&count=200&orderBy=${encodeURIComponent('UPDDATTIM asc')}&where=${encodeURIComponent(`UPDDATTIM ge @${since}@`)}`;
      while (url) {
        const res: HttpResult<RestPage> = await rest<RestPage>(sim, 'GET', url);
        restSeen.push(...res.json.$resources.map((r) => r.SDHNUM));
        url = res.json.$links.$next?.$url;
      }
      assert.deepEqual(restSeen, seen, 'both faces give the same (stamp, key) order');
    } finally {
      await sim.close();
    }
  });
});
