import { strict as assert } from 'assert';
import type { X3Sim } from '../../../sim/x3/server';
import { at, gql, rest, soap, startTestSim } from './x3-helpers';

const DELIVERY_QUERY = (pkg: string, selection: string): string =>
  `query V { ${pkg} { salesDelivery { query(first: 5) { edges { node { _id ${selection} } } } } } }`;

function seed(sim: X3Sim, custom = true): void {
  sim.store.insert(
    'salesDelivery',
    {
      SDHNUM: 'SD1',
      STOFCY: 'NA011',
      BPCORD: 'C1',
      BPDNAM: ['Acme', 'Jane Doe'],
      BPDADDLIG: ['1 Main St', 'Suite 2', ''],
      BPDTEL: '555-0100',
      ...(custom ? { ZCARRIERREF: 'R-1' } : {}),
      CREDATTIM: '2025-01-31T10:00:00Z',
      UPDDATTIM: '2025-01-31T10:00:00Z',
    },
    { via: 'sim', trusted: true },
  );
}

describe('X3 sim: GraphQL schema variants and custom fields', () => {
  let sim: X3Sim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const customFields = {
    salesDelivery: [
      { x3: 'YTRACKNUM', gql: 'yTrackingNumber', title: 'Tracking number', maxLength: 40 },
      { x3: 'ZCARRIERREF', gql: 'zCarrierReference', title: 'Carrier reference', maxLength: 20 },
    ],
  };

  it('alternative: ship-to names as some releases spell them, one property per element; REST and SOAP unchanged', async () => {
    ({ sim } = await startTestSim({ schemaVariant: 'alternative', customFields }));
    seed(sim);
    let res = await gql(
      sim,
      DELIVERY_QUERY(
        'x3Sales',
        'shipToCustomerCompanyName shipToContactName shipToCustomerAddressLine1 shipToCustomerAddressLine2 shipToCustomerPhone zCarrierReference',
      ),
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(at(res.json.data, 'x3Sales.salesDelivery.query.edges.0.node'), {
      _id: 'SD1',
      shipToCustomerCompanyName: 'Acme',
      shipToContactName: 'Jane Doe',
      shipToCustomerAddressLine1: '1 Main St',
      shipToCustomerAddressLine2: 'Suite 2',
      shipToCustomerPhone: '555-0100',
      zCarrierReference: 'R-1',
    });
    res = await gql(sim, DELIVERY_QUERY('x3Sales', 'shipToCustomerAddressLines { query { edges { node { _id } } } }'));
    assert.equal(res.status, 400);
    assert.match(res.json.errors![0].message, /Cannot query field "shipToCustomerAddressLines".*Did you mean/);

    const details = await rest(sim, 'GET', "SDELIVERY('SD1')?representation=SDELIVERY.$details");
    assert.deepEqual(details.json.BPDNAM, ['Acme', 'Jane Doe']);
    assert.equal(details.json.ZCARRIERREF, 'R-1');
    const desc = await soap(sim, 'getDescription', { publicName: 'SDH' });
    assert.match(desc.resultXml, /<FLD NAME="ZCARRIERREF"[^>]*C_ENG="Carrier reference"/);
  });

  it('xtremX3-2023: xtremX3 packages, renamed and absent properties, descriptions naming the X3 field', async () => {
    ({ sim } = await startTestSim({ schemaVariant: 'xtremX3-2023' }));
    seed(sim, false);
    const res = await gql(
      sim,
      DELIVERY_QUERY(
        'xtremX3Sales',
        'totalGrossWeight shipToCustomerCompanyNames { query { edges { node { companyName } } } }',
      ),
    );
    assert.equal(res.status, 200, res.text);
    const absent = await gql(sim, DELIVERY_QUERY('xtremX3Sales', 'billOfLadingNumber'));
    assert.equal(absent.status, 400);
    const intro = await gql(sim, '{ __type(name: "SalesDelivery") { fields { name description } } }');
    const fields = at(intro.json.data, '__type.fields') as Array<{ name: string; description: string }>;
    assert.equal(fields.find((f) => f.name === 'totalGrossWeight')?.description, 'Gross weight (GROWEI)');
    // the REST face keeps the dictionary names
    const details = await rest(sim, 'GET', "SDELIVERY('SD1')?representation=SDELIVERY.$details");
    assert.ok('BOLNUM' in details.json && 'GROWEI' in details.json);
  });
});
