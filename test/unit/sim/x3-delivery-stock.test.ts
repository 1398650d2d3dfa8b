import { strict as assert } from 'assert';
import { generateX3Data, STOCK_SITES } from '../../../sim/x3/data';
import type { X3Sim } from '../../../sim/x3/server';
import { at, gql, http, rest, soap, startTestSim, type Clock } from './x3-helpers';

interface StockPage {
  $itemsPerPage: number;
  $resources: Array<Record<string, unknown>>;
  $links: { $next?: { $url: string } };
}

describe('X3 sim: stock (STOCK / x3StockData.stock) and its issue by deliveries', () => {
  let sim: X3Sim;
  let clock: Clock;
  beforeEach(async () => {
    // 4 products, stock rows for all of them at the default site and the first two at NA012
    ({ sim, clock } = await startTestSim({ records: { customer: 2, product: 4, stock: 6 } }));
  });
  afterEach(() => sim.close());

  it('seeds the generated products at the default site first', () => {
    assert.deepEqual(
      sim.store.list('stock').map((r) => r.key),
      [
        'NA011~ITM000001',
        'NA011~ITM000002',
        'NA011~ITM000003',
        'NA011~ITM000004',
        'NA012~ITM000001',
        'NA012~ITM000002',
      ],
    );
    for (const r of sim.store.list('stock')) {
      assert.ok(Number(r.values.QTYSTU) >= 50, 'generated stock covers generated order quantities');
      assert.equal(r.values.STU, 'UN');
    }
    const all = generateX3Data({ seed: 2, counts: { product: 5, customer: 1, salesOrder: 0, salesDelivery: 0 } });
    assert.equal(all.records.stock.length, 5 * STOCK_SITES.length, 'default: every product at every site');
    assert.deepEqual([...new Set(all.records.stock.map((r) => r.STOFCY))], ['NA011', 'NA012', 'NA021']);
    const orders = generateX3Data({ seed: 2, counts: { salesOrder: 20 } });
    for (const o of orders.records.salesOrder) assert.ok(STOCK_SITES.includes(String(o.STOFCY)));
  });

  it('a delivery decrements the stock at the order shipping site, visible through GraphQL and REST', async () => {
    sim.store.insert(
      'salesOrder',
      {
        SOHNUM: 'SO00000100',
        SALFCY: 'NA011',
        STOFCY: 'NA012',
        BPCORD: 'C000001',
        lines: [{ ITMREF: 'ITM000002', QTY: 4 }],
      },
      { via: 'sim' },
    );
    const before = Number(sim.store.get('stock', 'NA012~ITM000002')!.values.QTYSTU);
    const untouched = sim.store.get('stock', 'NA011~ITM000002')!.values.QTYSTU;
    clock.advance(120_000);
    const xml =
      '<PARAM><GRP ID="SDH0_1"><FLD NAME="SOHNUM">SO00000100</FLD><FLD NAME="SHIDAT">20250131</FLD></GRP>' +
      '<TAB ID="SDH4_1"><LIN NUM="1"><FLD NAME="SOHNUM">SO00000100</FLD><FLD NAME="SOPLIN">1000</FLD><FLD NAME="QTY">4</FLD></LIN></TAB></PARAM>';
    const r = await soap(sim, 'save', { publicName: 'SDH', xml });
    assert.equal(r.status, 1, r.raw);

    const g = await gql(
      sim,
      `{ x3StockData { stock {
          read(_id: "NA012~ITM000002") { _id _updateStamp stockSite { _id name } product { code } stockUnit { code }
                                         quantityInStockUnit lastIssueDate }
          query(filter: "{stockSite: 'NA012'}", orderBy: "{_updateStamp: -1}") { totalCount edges { node { _id } } } } } }`,
    );
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(at(g.json.data, 'x3StockData.stock.read'), {
      _id: 'NA012~ITM000002',
      _updateStamp: '2025-01-31T10:02:00Z',
      stockSite: { _id: 'NA012', name: 'Dallas Warehouse' },
      product: { code: 'ITM000002' },
      stockUnit: { code: 'UN' },
      quantityInStockUnit: String(before - 4),
      lastIssueDate: '2025-01-31',
    });
    assert.deepEqual(at(g.json.data, 'x3StockData.stock.query'), {
      totalCount: 2,
      edges: [{ node: { _id: 'NA012~ITM000002' } }, { node: { _id: 'NA012~ITM000001' } }],
    });

    const details = await rest<Record<string, unknown>>(
      sim,
      'GET',
      "STOCK('NA012~ITM000002')?representation=STOCK.$details",
    );
    assert.equal(details.status, 200, details.text);
    assert.equal(details.json.QTYSTU, before - 4);
    assert.equal(details.json.UPDDATTIM, '2025-01-31T10:02:00Z');
    assert.equal(details.json.$etag, '2025-01-31T10:02:00Z');
    assert.equal(details.json.STOFCY, 'NA012');
    assert.equal(details.json.ITMREF, 'ITM000002');
    const where = encodeURIComponent('UPDDATTIM ge @2025-01-31T10:01:00Z@');
    const changed = await rest<StockPage>(sim, 'GET', `STOCK?representation=STOCK.$query&where=${where}`);
    assert.deepEqual(
      changed.json.$resources.map((x) => [x.STOFCY, x.ITMREF, x.QTYSTU]),
      [['NA012', 'ITM000002', before - 4]],
    );
    assert.equal(sim.store.get('stock', 'NA011~ITM000002')!.values.QTYSTU, untouched, 'other sites keep their stock');
  });

  it('REST pages stock by its composite key; GraphQL filters and sorts by _id', async () => {
    const keys: string[] = [];
    let url: string | undefined = 'STOCK?representation=STOCK.$query&count=4';
    const nextUrls: string[] = [];
    while (url) {
      const page: { json: StockPage } = await rest<StockPage>(sim, 'GET', url);
      keys.push(...page.json.$resources.map((x) => `${String(x.STOFCY)}~${String(x.ITMREF)}`));
      url = page.json.$links.$next?.$url;
      if (url) nextUrls.push(url);
    }
    assert.deepEqual(
      keys,
      sim.store
        .list('stock')
        .map((r) => r.key)
        .sort(),
    );
    assert.equal(nextUrls.length, 1);
    assert.match(new URL(nextUrls[0]).searchParams.get('key') ?? '', /^gt\.NA011~ITM000004$/);

    const g = await gql(
      sim,
      `{ x3StockData { stock {
          byId: query(filter: "{_id: {_in: ['NA012~ITM000001', 'NA011~ITM000003']}}", orderBy: "{_id: -1}") { edges { node { _id } } }
          page: query(first: 2, filter: "{product: {code: 'ITM000001'}}") { pageInfo { hasNextPage } edges { node { _id } } } } } }`,
    );
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(
      (at(g.json.data, 'x3StockData.stock.byId.edges') as Array<{ node: { _id: string } }>).map((e) => e.node._id),
      ['NA012~ITM000001', 'NA011~ITM000003'],
    );
    assert.deepEqual(at(g.json.data, 'x3StockData.stock.page'), {
      pageInfo: { hasNextPage: false },
      edges: [{ node: { _id: 'NA011~ITM000001' } }, { node: { _id: 'NA012~ITM000001' } }],
    });
    const prefixed = await startTestSim({ graphqlPackagePrefix: 'xtremX3', records: { product: 1, stock: 1 } });
    try {
      const x = await gql(prefixed.sim, '{ xtremX3StockData { stock { query { totalCount } } } }');
      assert.equal(at(x.json.data, 'xtremX3StockData.stock.query.totalCount'), 1);
    } finally {
      await prefixed.sim.close();
    }
  });

  it('no face writes stock directly', async () => {
    const create = await rest<{ $diagnoses: Array<{ $message: string }> }>(
      sim,
      'POST',
      'STOCK?representation=STOCK.$create',
      {
        STOFCY: 'NA021',
        ITMREF: 'ITM000001',
      },
    );
    assert.equal(create.status, 400);
    assert.equal(
      create.json.$diagnoses[0].$message,
      'STOCK: records are maintained by stock transactions; create/update is not available through the web API',
    );
    sim.config.refuseClassicRestWrites = false;
    const edit = await rest(sim, 'PUT', "STOCK('NA011~ITM000001')?representation=STOCK.$edit", { QTYSTU: 1 });
    assert.equal(edit.status, 400, 'refused whatever refuseClassicRestWrites says');
    const mutation = await gql(
      sim,
      'mutation { x3StockData { stock { update(data: {_id: "NA011~ITM000001"}) { _id } } } }',
    );
    assert.equal(mutation.status, 400);
    const published = await soap(sim, 'read', { publicName: 'STOCK', keys: { STOFCY: 'NA011' } });
    assert.deepEqual(published.messages, [{ type: 3, message: 'STOCK: web service not published' }]);
    assert.equal(sim.store.get('stock', 'NA011~ITM000001')!.updTick, 1);
  });

  it('is exposed through /__sim/ like the other entities', async () => {
    const state = await http<{ counts: Record<string, number>; config: Record<string, unknown> }>(
      sim,
      'GET',
      '/__sim/state',
    );
    assert.equal(state.json.counts.stock, 6);
    assert.equal(state.json.config.allowNegativeStock, false);

    const list = await http<Array<Record<string, unknown>>>(sim, 'GET', '/__sim/records/stock');
    assert.deepEqual(Object.keys(list.json[0]).sort(), [
      'CREDATTIM',
      'ITMREF',
      'LASISSDAT',
      'QTYSTU',
      'STOFCY',
      'STU',
      'UPDDATTIM',
    ]);
    const seeded = await http<{ keys: string[] }>(sim, 'POST', '/__sim/seed', {
      body: { entity: 'stock', records: [{ STOFCY: 'NA021', ITMREF: 'ITM000004', QTYSTU: 7 }] },
    });
    assert.deepEqual(seeded.json.keys, ['NA021~ITM000004']);
    const dup = await http<{ error: string }>(sim, 'POST', '/__sim/seed', {
      body: { entity: 'stock', records: [{ STOFCY: 'NA021', ITMREF: 'ITM000004' }] },
    });
    assert.equal(dup.status, 400);
    assert.equal(dup.json.error, 'STOCK NA021~ITM000004: record already exists');

    clock.advance(30_000);
    const touched = await http<{ keys: string[]; stamp: string }>(sim, 'POST', '/__sim/touch', {
      body: { entity: 'stock', keys: ['NA021~ITM000004'], fields: { QTYSTU: 40 } },
    });
    assert.deepEqual(touched.json, { keys: ['NA021~ITM000004'], stamp: '2025-01-31T10:00:30Z' });
    assert.equal(sim.store.get('stock', 'NA021~ITM000004')!.values.QTYSTU, 40);
    const rekey = await http<{ error: string }>(sim, 'POST', '/__sim/touch', {
      body: { entity: 'stock', keys: ['NA021~ITM000004'], fields: { ITMREF: 'ITM000001' } },
    });
    assert.equal(rekey.json.error, 'ITMREF: the key cannot be modified');

    const gen = await http<{ keys: Record<string, string[]> }>(sim, 'POST', '/__sim/seed', {
      body: { generate: { product: 4, stock: 8 } },
    });
    assert.deepEqual(gen.json.keys.stock, ['NA012~ITM000003', 'NA012~ITM000004'], 'existing rows are skipped');

    await http(sim, 'POST', '/__sim/reset');
    assert.equal(sim.store.count('stock'), 6);
  });

  it('a sim without stock keeps its inspection counts unchanged', async () => {
    const { sim: bare } = await startTestSim({ records: { customer: 1, product: 1 } });
    try {
      const state = await http<{ counts: Record<string, number> }>(bare, 'GET', '/__sim/state');
      assert.deepEqual(state.json.counts, {
        salesOrder: 0,
        salesDelivery: 0,
        purchaseOrder: 0,
        customer: 1,
        product: 1,
      });
    } finally {
      await bare.close();
    }
  });
});
