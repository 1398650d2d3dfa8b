import { strict as assert } from 'assert';
import type { X3Sim } from '../../../sim/x3/server';
import { at, gql, startTestSim, type Clock } from './x3-helpers';

/** Seven deliveries, several sharing one second, inserted out of key order. */
function seedDeliveries(sim: X3Sim): void {
  const rows: Array<[string, string]> = [
    ['SD7', '2025-01-31T10:00:03Z'],
    ['SD3', '2025-01-31T10:00:01Z'],
    ['SD1', '2025-01-31T10:00:00Z'],
    ['SD5', '2025-01-31T10:00:02Z'],
    ['SD2', '2025-01-31T10:00:01Z'],
    ['SD6', '2025-01-31T10:00:02Z'],
    ['SD4', '2025-01-31T10:00:01Z'],
  ];
  for (const [key, stamp] of rows) {
    sim.store.insert(
      'salesDelivery',
      {
        SDHNUM: key,
        STOFCY: 'NA011',
        BPCORD: 'C1',
        CFMFLG: key === 'SD5' ? 2 : 1,
        BPDCTY: key === 'SD1' ? "O'Hare" : 'Dallas',
        CREDATTIM: stamp,
        UPDDATTIM: stamp,
      },
      { via: 'sim', trusted: true },
    );
  }
}

const PAGE_QUERY = `query Page($first: Int, $after: String, $filter: String) {
  x3Sales { salesDelivery { query(first: $first, after: $after, filter: $filter, orderBy: "{_updateStamp: 1, _id: 1}") {
    totalCount pageInfo { endCursor hasNextPage startCursor hasPreviousPage }
    edges { cursor node { _id _updateStamp } } } } } }`;

interface Page {
  totalCount: number;
  pageInfo: { endCursor: string | null; hasNextPage: boolean; hasPreviousPage: boolean };
  edges: Array<{ node: { _id: string; _updateStamp: string } }>;
}

async function page(sim: X3Sim, variables: Record<string, unknown>): Promise<Page> {
  const res = await gql(sim, PAGE_QUERY, variables);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.errors, undefined, res.text);
  return at(res.json.data, 'x3Sales.salesDelivery.query') as Page;
}

describe('X3 sim: GraphQL face', () => {
  let sim: X3Sim;
  let clock: Clock;
  beforeEach(async () => {
    ({ sim, clock } = await startTestSim());
    seedDeliveries(sim);
  });
  afterEach(() => sim.close());

  it('pages by watermark through records that share one second, with exact keyset cursors', async () => {
    const filter = "{_updateStamp: {_gte: '2025-01-31T10:00:01Z'}}";
    const ids: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const p: Page = await page(sim, { first: 2, after, filter });
      assert.equal(p.totalCount, 6);
      ids.push(...p.edges.map((e) => e.node._id));
      assert.equal(p.pageInfo.hasPreviousPage, pages > 0);
      pages++;
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    assert.deepEqual(ids, ['SD2', 'SD3', 'SD4', 'SD5', 'SD6', 'SD7']);
    assert.equal(pages, 3);
  });

  it('compares datetimes by instant and honours _gt on a shared second', async () => {
    const same = await page(sim, { first: 50, filter: "{_updateStamp: {_gte: '2025-01-31T10:00:01.000Z'}}" });
    assert.equal(same.totalCount, 6);
    const gt = await page(sim, { first: 50, filter: "{_updateStamp: {_gt: '2025-01-31T10:00:01Z'}}" });
    assert.deepEqual(
      gt.edges.map((e) => e.node._id),
      ['SD5', 'SD6', 'SD7'],
    );
  });

  it('continues from a cursor after a record moved (keyset, not offset)', async () => {
    const first = await page(sim, { first: 2 });
    assert.deepEqual(
      first.edges.map((e) => e.node._id),
      ['SD1', 'SD2'],
    );
    clock.advance(60_000);
    sim.store.touch('salesDelivery', ['SD2', 'SD3']);
    const rest = await page(sim, { first: 50, after: first.pageInfo.endCursor });
    assert.deepEqual(
      rest.edges.map((e) => e.node._id),
      ['SD4', 'SD5', 'SD6', 'SD7', 'SD2', 'SD3'],
    );
    assert.equal(rest.edges[4].node._updateStamp, '2025-01-31T10:01:00Z');
  });

  it('filters on enums, references, _in, _or and quoted strings', async () => {
    const q = (filter: string) =>
      gql(sim, `query($f: String) { x3Sales { salesDelivery { query(filter: $f) { edges { node { _id } } } } } }`, {
        f: filter,
      }).then((r) => {
        assert.equal(r.json.errors, undefined, r.text);
        return (at(r.json.data, 'x3Sales.salesDelivery.query.edges') as Array<{ node: { _id: string } }>)
          .map((e) => e.node._id)
          .sort();
      });
    assert.deepEqual(await q("{isValidated: 'yes'}"), ['SD5']);
    assert.deepEqual(await q("{isValidated: {_ne: 'yes'}, _id: {_in: ['SD1', 'SD5', 'SD6']}}"), ['SD1', 'SD6']);
    assert.deepEqual(await q("{soldToCustomer: {_id: 'C1'}, shippingSite: 'NA011', _id: {_lte: 'SD2'}}"), [
      'SD1',
      'SD2',
    ]);
    assert.deepEqual(await q("{_or: [{_id: 'SD1'}, {_id: 'SD7'}]}"), ['SD1', 'SD7']);
    assert.deepEqual(await q("[{shipToCustomerCity: 'O\\'Hare'}]"), ['SD1']);
    assert.deepEqual(await q('{shipToCustomerCity: {_regex: "^dal", _options: "i"}, _id: {_lt: "SD3"}}'), ['SD2']);
  });

  it('reports a bad filter in errors[] with HTTP 200 and null data for that field', async () => {
    const res = await gql(sim, `{ x3Sales { salesDelivery { query(filter: "{nope: 1}") { totalCount } } } }`);
    assert.equal(res.status, 200);
    assert.match(res.json.errors?.[0].message ?? '', /Invalid filter: property 'nope' not found/);
    assert.equal(at(res.json.data, 'x3Sales.salesDelivery.query'), null);
    const syntax = await gql(sim, `{ x3Sales { salesDelivery { query(filter: "{_id: ") { totalCount } } } }`);
    assert.match(syntax.json.errors?.[0].message ?? '', /Invalid filter/);
  });

  it('requires a known x-xtrem-endpoint', async () => {
    const missing = await gql(sim, '{ x3Sales { salesDelivery { query { totalCount } } } }', undefined, {
      endpoint: null,
    });
    assert.equal(missing.status, 400);
    assert.match(missing.json.errors?.[0].message ?? '', /x-xtrem-endpoint/);
    const unknown = await gql(sim, '{ x3Sales { salesDelivery { query { totalCount } } } }', undefined, {
      endpoint: 'NOPE',
    });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.errors?.[0].message ?? '', /Invalid X3 endpoint: 'NOPE'/);
  });

  it('reads one node by _id, null when absent', async () => {
    const res = await gql(
      sim,
      `query($id: Id!) { x3Sales { salesDelivery { read(_id: $id) { _id id isValidated shipToCustomerCity } } } }`,
      { id: 'SD5' },
    );
    assert.deepEqual(at(res.json.data, 'x3Sales.salesDelivery.read'), {
      _id: 'SD5',
      id: 'SD5',
      isValidated: 'yes',
      shipToCustomerCity: 'Dallas',
    });
    const none = await gql(sim, `{ x3Sales { salesDelivery { read(_id: "ZZZ") { _id } } } }`);
    assert.equal(at(none.json.data, 'x3Sales.salesDelivery.read'), null);
  });

  it('refuses an update mutation on salesDelivery the way a schema without the operation does', async () => {
    const res = await gql(
      sim,
      `mutation { x3Sales { salesDelivery { update(data: {_id: "SD1", yTrackingNumber: "1Z"}) { _id } } } }`,
    );
    assert.equal(res.status, 400);
    assert.match(
      res.json.errors?.[0].message ?? '',
      /Cannot query field "salesDelivery" on type|Cannot query field "update"/,
    );
    assert.equal(sim.store.get('salesDelivery', 'SD1')?.values.YTRACKNUM, '');
  });

  it('applies the graphqlMaxPageSize knob', async () => {
    sim.config.graphqlMaxPageSize = 3;
    const res = await gql(sim, `{ x3Sales { salesDelivery { query(first: 4) { totalCount } } } }`);
    assert.match(res.json.errors?.[0].message ?? '', /first must not exceed 3/);
  });
});

describe('X3 sim: GraphQL mutations and nested data', () => {
  let sim: X3Sim;
  beforeEach(async () => {
    ({ sim } = await startTestSim({ records: { customer: 3, product: 3 } }));
  });
  afterEach(() => sim.close());

  it('creates a sales order with lines, checking customer and products exist', async () => {
    const create = `mutation($data: SalesOrder_Input!) { x3Sales { salesOrder { create(data: $data) {
      _id id _createStamp _updateStamp orderStatus totalAmountIncludingTax soldToCustomer { code companyName }
      shipToCustomerAddressLines { query { edges { node { denormalizedIndex addressLine } } } }
      lines { query { edges { node { lineNumber product { code description1 } quantityInSalesUnitOrdered grossPrice } } } } } } } }`;
    const data = {
      salesSite: 'NA011',
      soldToCustomer: 'C000001',
      orderDate: '2025-01-31',
      customerOrderReference: 'SS-1001',
      shipToCustomerAddressLines: [{ addressLine: '1 Main St' }, { addressLine: 'Suite 5' }],
      lines: [
        { product: 'ITM000001', quantityInSalesUnitOrdered: '2', grossPrice: '10.5' },
        { product: 'ITM000002', quantityInSalesUnitOrdered: 1 },
      ],
    };
    const res = await gql(sim, create, { data });
    assert.equal(res.json.errors, undefined, res.text);
    const order = at(res.json.data, 'x3Sales.salesOrder.create') as Record<string, unknown>;
    assert.match(String(order._id), /^SO\d{8}$/);
    assert.equal(order._createStamp, '2025-01-31T10:00:00Z');
    assert.equal(order.orderStatus, 'open');
    assert.equal(at(order, 'soldToCustomer.code'), 'C000001');
    const lines = at(order, 'lines.query.edges') as Array<{ node: Record<string, unknown> }>;
    assert.deepEqual(
      lines.map((l) => l.node.lineNumber),
      [1000, 2000],
    );
    assert.equal(lines[0].node.quantityInSalesUnitOrdered, '2');
    assert.equal(lines[0].node.grossPrice, '10.5');
    const p2 = sim.store.get('product', 'ITM000002')!;
    assert.equal(lines[1].node.grossPrice, String(p2.values.BASPRI), 'price defaults from the product');
    assert.equal(order.totalAmountIncludingTax, String(Math.round((21 + Number(p2.values.BASPRI)) * 100) / 100));
    assert.deepEqual(
      (at(order, 'shipToCustomerAddressLines.query.edges') as Array<{ node: unknown }>).map((e) => e.node),
      [
        { denormalizedIndex: 1, addressLine: '1 Main St' },
        { denormalizedIndex: 2, addressLine: 'Suite 5' },
      ],
    );
    const stored = sim.store.get('salesOrder', String(order._id))!;
    assert.equal(stored.values.CUSORDREF, 'SS-1001');
    assert.equal(sim.logs.writes.at(-1)?.via, 'graphql');

    const bad = await gql(sim, create, { data: { ...data, soldToCustomer: 'NOPE' } });
    assert.equal(bad.status, 200);
    assert.match(bad.json.errors?.[0].message ?? '', /BPCORD: BPCUSTOMER NOPE: record does not exist/);
    const badProduct = await gql(sim, create, {
      data: { ...data, lines: [{ product: 'NOPE', quantityInSalesUnitOrdered: '1' }] },
    });
    assert.match(badProduct.json.errors?.[0].message ?? '', /ITMREF, line 1: ITMMASTER NOPE: record does not exist/);
  });

  it('creates and updates customers; unknown input fields fail validation', async () => {
    const created = await gql(
      sim,
      `mutation { x3MasterData { customer { create(data: {code: "WEB001", companyName: "Ünïcode & Co", country: "US", addressLines: [{addressLine: "1 <Main> St"}]}) { _id code companyName isActive country { code name } } } } }`,
    );
    assert.equal(created.json.errors, undefined, created.text);
    assert.deepEqual(at(created.json.data, 'x3MasterData.customer.create'), {
      _id: 'WEB001',
      code: 'WEB001',
      companyName: 'Ünïcode & Co',
      isActive: 'yes',
      country: { code: 'US', name: 'United States' },
    });
    const updated = await gql(
      sim,
      `mutation { x3MasterData { customer { update(data: {_id: "WEB001", telephone: "+1 555"}) { telephone companyName } } } }`,
    );
    assert.deepEqual(at(updated.json.data, 'x3MasterData.customer.update'), {
      telephone: '+1 555',
      companyName: 'Ünïcode & Co',
    });
    const dup = await gql(
      sim,
      `mutation { x3MasterData { customer { create(data: {code: "WEB001", companyName: "x"}) { _id } } } }`,
    );
    assert.match(dup.json.errors?.[0].message ?? '', /already exists/);
    const unknown = await gql(
      sim,
      `mutation { x3MasterData { product { create(data: {code: "P1", description1: "x", colour: "red"}) { _id } } } }`,
    );
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.errors?.[0].message ?? '', /"colour" is not defined by type "Product_Input"/);
  });

  it('serves the xtremX3 package prefix when configured', async () => {
    const legacy = (await startTestSim({ graphqlPackagePrefix: 'xtremX3', records: { purchaseOrder: 2 } })).sim;
    try {
      const res = await gql(
        legacy,
        `{ xtremX3Purchasing { purchaseOrder { query(first: 1) { edges { node { _id purchaseSite { _id name } orderFromSupplier { code { code } } receiptStatus isClosed purchaseOrderLines { query { edges { node { lineNumber product { code description1 } quantityInOrderUnitOrdered orderUnit { code } } } } } } } } } } }`,
      );
      assert.equal(res.json.errors, undefined, res.text);
      const node = at(res.json.data, 'xtremX3Purchasing.purchaseOrder.query.edges.0.node') as Record<string, unknown>;
      assert.match(String(node._id), /^PO\d{8}$/);
      assert.ok(at(node, 'orderFromSupplier.code.code'));
      const x3 = await gql(legacy, `{ x3Purchasing { purchaseOrder { query { totalCount } } } }`);
      assert.equal(x3.status, 400);
    } finally {
      await legacy.close();
    }
  });
});
