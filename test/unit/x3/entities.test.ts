import { strict as assert } from 'assert';
import { ValidationError } from '../../../nodes/core/errors';
import {
  EntityCatalogue,
  defaultRoute,
  graphqlInput,
  graphqlPackage,
  graphqlSelection,
  recordFromGraphql,
  soapGroupOf,
} from '../../../nodes/x3/entities';
import { changedFields, parseRoutes, resolveStyle, withoutMeta } from '../../../nodes/x3/client';

describe('x3 entity catalogue', () => {
  it('has the built-in entities with their names on every face', () => {
    const cat = new EntityCatalogue();
    const so = cat.get('salesOrder');
    assert.equal(so.key, 'SOHNUM');
    assert.equal(so.stamp, 'UPDDATTIM');
    assert.equal(graphqlPackage(so, 'x3'), 'x3Sales');
    assert.equal(graphqlPackage(so, 'xtremX3'), 'xtremX3Sales');
    assert.deepEqual(so.rest, { class: 'SORDER', representation: 'SORDER' });
    assert.equal(so.soap.publication, 'SOH');
    assert.equal(cat.get('salesDelivery').key, 'SDHNUM');
    assert.equal(cat.get('purchaseOrder').rest.class, 'PORDER');
    assert.equal(graphqlPackage(cat.get('purchaseOrder'), 'x3'), 'x3Purchasing');
    assert.equal(cat.get('customer').key, 'BPCNUM');
    assert.equal(cat.get('product').rest.class, 'ITMMASTER');
  });

  it('refuses an unknown entity with a message naming the known ones', () => {
    const cat = new EntityCatalogue();
    assert.throws(
      () => cat.get('invoice'),
      (err: unknown) =>
        err instanceof ValidationError &&
        err.field === 'entity' &&
        /unknown X3 entity "invoice".*salesOrder/.test(err.message),
    );
  });

  it('applies config overrides: names, fields (add, rename, remove), SOAP groups, custom entities', () => {
    const cat = new EntityCatalogue({
      salesDelivery: {
        graphql: { package: 'xtremX3Sales' },
        rest: { representation: 'ZSDELIVERY' },
        soap: { publication: 'ZSDH', groups: { YTRACKNUM: 'ZSDH2_1' } },
        fields: {
          yTrackingNumber: 'YTRACKNUM',
          billOfLadingNumber: null,
          carrier: { x3: 'BPTNUM', kind: 'ref', refProperty: 'code' },
        },
      },
      stock: {
        key: 'STOCKID',
        rest: { class: 'STOCK' },
        graphql: { package: 'x3StockData', node: 'stock' },
        fields: { product: { x3: 'ITMREF', kind: 'ref' } },
      },
    });
    const sd = cat.get('salesDelivery');
    assert.equal(graphqlPackage(sd, 'x3'), 'xtremX3Sales');
    assert.deepEqual(sd.rest, { class: 'SDELIVERY', representation: 'ZSDELIVERY' });
    assert.equal(sd.soap.publication, 'ZSDH');
    assert.equal(soapGroupOf(sd, 'YTRACKNUM'), 'ZSDH2_1');
    assert.equal(soapGroupOf(sd, 'BPDCTY'), 'SDH1_1');
    assert.equal(soapGroupOf(sd, 'UNKNOWN'), 'SDH0_1');
    assert.ok(!sd.fields.some((f) => f.x3 === 'BOLNUM'));
    assert.ok(sd.fields.some((f) => f.gql === 'yTrackingNumber' && f.x3 === 'YTRACKNUM'));
    assert.match(graphqlSelection(sd, false), /carrier \{ code \}/);
    const stock = cat.get('stock');
    assert.equal(stock.key, 'STOCKID');
    assert.deepEqual(stock.rest, { class: 'STOCK', representation: 'STOCK' });
    assert.deepEqual(cat.names().sort(), [
      'customer',
      'product',
      'purchaseOrder',
      'salesDelivery',
      'salesOrder',
      'stock',
    ]);
    // node-level override on top of the config's
    const node = cat.get('salesDelivery', { stamp: 'ZUPDDATTIM', key: 'SDHNUM' });
    assert.equal(node.stamp, 'ZUPDDATTIM');
    assert.equal(node.rest.representation, 'ZSDELIVERY');
  });

  it('lets a node define the custom entity in its own override when the config has none', () => {
    const cat = new EntityCatalogue();
    const custom = cat.get('custom', {
      key: 'ZDOCNUM',
      rest: { class: 'ZDOC' },
      graphql: { package: 'x3Custom', node: 'zDoc' },
      fields: { zStatus: 'ZSTA' },
    });
    assert.equal(custom.name, 'custom');
    assert.equal(custom.key, 'ZDOCNUM');
    assert.deepEqual(custom.rest, { class: 'ZDOC', representation: 'ZDOC' });
    assert.ok(custom.fields.some((f) => f.gql === 'zStatus' && f.x3 === 'ZSTA'));
    // without an override (or with an empty one) it is still unknown, and says how to define it
    assert.throws(() => cat.get('custom'), /unknown X3 entity "custom".*x3-config/);
    assert.throws(() => cat.get('custom', {}), /unknown X3 entity "custom"/);
    assert.throws(() => cat.get('custom', { rest: { class: 'Z' } }), /custom entity override\.key/);
    // a custom entity defined in the config takes the node's override on top
    const configured = new EntityCatalogue({ custom: { key: 'A', rest: { class: 'ZA' } } });
    assert.equal(configured.get('custom', { key: 'B' }).key, 'B');
  });

  it('rejects malformed overrides naming the setting', () => {
    assert.throws(
      () => new EntityCatalogue({ salesOrder: { fields: { x: { kind: 'weird', x3: 'X' } } } }),
      /entities\.salesOrder\.fields\.x\.kind/,
    );
    assert.throws(
      () => new EntityCatalogue({ salesOrder: { rest: { class: '' } } }),
      /entities\.salesOrder\.rest\.class/,
    );
    assert.throws(() => new EntityCatalogue({ custom1: { rest: { class: 'Z' } } }), /entities\.custom1\.key/);
    assert.throws(() => new EntityCatalogue([] as unknown as Record<string, unknown>), /JSON object/);
  });

  it('maps a GraphQL node to X3 dictionary names: refs, dimensioned fields, menus, numbers, lines', () => {
    const so = new EntityCatalogue().get('salesOrder');
    const rec = recordFromGraphql(so, {
      _id: 'SO1',
      id: 'SO1',
      _updateStamp: '2025-01-31T10:00:00Z',
      soldToCustomer: { _id: 'C1' },
      billToCustomer: null,
      shipToCustomerAddressLines: {
        query: { edges: [{ node: { addressLine: '1 Main St' } }, { node: { addressLine: '' } }] },
      },
      orderStatus: 'closed',
      deliveryStatus: 'partlyDelivered',
      lines: {
        query: { edges: [{ node: { lineNumber: 1000, product: { _id: 'P1' }, quantityInSalesUnitOrdered: '2.500' } }] },
      },
      someCustomProperty: 'kept',
    });
    assert.deepEqual(rec, {
      SOHNUM: 'SO1',
      UPDDATTIM: '2025-01-31T10:00:00Z',
      BPCORD: 'C1',
      BPCINV: '',
      BPDADDLIG: ['1 Main St'],
      ORDSTA: 2,
      DLVSTA: 2,
      SORDERQ: [{ SOPLIN: 1000, ITMREF: 'P1', QTY: 2.5 }],
      someCustomProperty: 'kept',
    });
  });

  it('reads nested reference codes like orderFromSupplier { code { code } }', () => {
    const po = new EntityCatalogue({
      purchaseOrder: { fields: { orderFromSupplier: { x3: 'BPSNUM', kind: 'ref', refProperty: 'code' } } },
    }).get('purchaseOrder');
    assert.equal(recordFromGraphql(po, { _id: 'PO1', orderFromSupplier: { code: { code: 'CN001' } } }).BPSNUM, 'CN001');
  });

  it('builds GraphQL inputs from X3 records and names unmapped fields', () => {
    const so = new EntityCatalogue().get('salesOrder');
    const input = graphqlInput(so, {
      SALFCY: 'FR011',
      BPCORD: 'C1',
      BPDADDLIG: ['a', 'b'],
      ORDSTA: 1,
      lines: [{ ITMREF: 'P1', QTY: 2 }],
    });
    assert.deepEqual(input, {
      salesSite: 'FR011',
      soldToCustomer: 'C1',
      shipToCustomerAddressLines: [{ addressLine: 'a' }, { addressLine: 'b' }],
      lines: [{ product: 'P1', quantityInSalesUnitOrdered: '2' }],
    });
    assert.throws(
      () => graphqlInput(so, { YTRACKNUM: 'x' }),
      (err: unknown) =>
        err instanceof ValidationError && err.field === 'YTRACKNUM' && /no GraphQL property/.test(err.message),
    );
  });

  it('selects _id, the stamp, mapped properties and (on request) lines', () => {
    const sd = new EntityCatalogue().get('salesDelivery');
    const sel = graphqlSelection(sd, true);
    assert.match(sel, /^_id _updateStamp /);
    assert.match(sel, /soldToCustomer \{ _id \}/);
    assert.match(sel, /shipToCustomerAddressLines \{ query \{ edges \{ node \{ addressLine \} \} \} \}/);
    assert.match(sel, /lines \{ query\(first: 1000\) \{ edges \{ node \{ lineNumber/);
    assert.doesNotMatch(graphqlSelection(sd, false), /lines \{/);
  });
});

describe('x3 routes', () => {
  const cat = new EntityCatalogue();
  it('reads with the configured API and writes classic documents through SOAP by default', () => {
    const routes = parseRoutes('');
    assert.equal(resolveStyle(routes, cat.get('salesDelivery'), 'graphql', 'read'), 'graphql');
    assert.equal(resolveStyle(routes, cat.get('salesDelivery'), 'graphql', 'update'), 'soap');
    assert.equal(resolveStyle(routes, cat.get('salesOrder'), 'rest', 'create'), 'soap');
    assert.equal(resolveStyle(routes, cat.get('customer'), 'rest', 'create'), 'rest');
    assert.equal(defaultRoute(cat.get('product'), 'graphql', 'update'), 'graphql');
  });

  it('follows the route table per entity and operation', () => {
    const routes = parseRoutes(
      '{"salesDelivery": {"read": "rest", "update": "graphql"}, "customer": {"create": "soap"}}',
    );
    assert.equal(resolveStyle(routes, cat.get('salesDelivery'), 'graphql', 'read'), 'rest');
    assert.equal(resolveStyle(routes, cat.get('salesDelivery'), 'graphql', 'update'), 'graphql');
    assert.equal(resolveStyle(routes, cat.get('customer'), 'graphql', 'create'), 'soap');
    assert.equal(resolveStyle(routes, cat.get('customer'), 'graphql', 'update'), 'graphql');
  });

  it('rejects bad route tables', () => {
    assert.throws(() => parseRoutes('{"salesOrder": {"delete": "soap"}}'), /unknown operation "delete"/);
    assert.throws(() => parseRoutes('{"salesOrder": {"read": "odata"}}'), /unknown API "odata"/);
    assert.throws(() => parseRoutes('{oops'), /not valid JSON/);
  });
});

describe('x3 record helpers', () => {
  it('strips api1 metadata and trailing empty elements of dimensioned fields', () => {
    assert.deepEqual(
      withoutMeta({ $uuid: 'u', $etag: 'e', A: 1, L: ['x', '', ''], SORDERQ: [{ $uuid: 'l', ITMREF: 'P' }] }),
      {
        A: 1,
        L: ['x'],
        SORDERQ: [{ ITMREF: 'P' }],
      },
    );
  });

  it('lists only the fields whose value differs', () => {
    assert.deepEqual(
      changedFields({ A: 'x', B: 2, C: ['a', ''], D: null }, { A: 'x', B: '2', C: ['a'], D: '', E: 'new' }),
      { E: 'new' },
    );
    assert.deepEqual(changedFields({ A: 'x' }, { A: 'y' }), { A: 'y' });
  });
});
