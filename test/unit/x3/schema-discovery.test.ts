/**
 * Schema discovery and field resolution against the simulator's schema variants: the same X3
 * records come out of every variant without an entities override; custom fields are found on
 * every face; a misspelt override gets X3's suggestions and one re-discovery.
 */
import { strict as assert } from 'assert';
import type { X3Connection } from '../../../nodes/x3/connection';
import type { ApiError } from '../../../nodes/core/errors';
import { builtinEntities, type EntityDefinition, type X3Record } from '../../../nodes/x3/entities';
import { refuseUnknownFields } from '../../../nodes/x3/field-resolution';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { SCHEMA_VARIANTS, type SchemaVariant } from '../../../sim/x3/schema-variants';
import { BASIC_CREDS, comparable, connect } from './fixtures';

const T0 = Date.UTC(2025, 0, 31, 10, 0, 0);

async function firstPage(conn: X3Connection, entity: string, withLines = false): Promise<X3Record[]> {
  const def = await conn.resolve(conn.entity(entity));
  const pages = conn.clientFor(def, 'read').queryPages(def, { pageSize: 5, withLines });
  try {
    const first = await pages.next();
    return first.done ? [] : first.value;
  } finally {
    await pages.return(undefined);
  }
}

async function sim(variant: SchemaVariant): Promise<X3Sim> {
  return startX3Sim({
    port: 0,
    host: '127.0.0.1',
    now: () => T0,
    schemaVariant: variant,
    records: { customer: 3, product: 3, salesOrder: 3, salesDelivery: 3, purchaseOrder: 2 },
  });
}

/** Deliveries as GraphQL reads them, minus what a variant does not show (and was warned about). */
function withoutAbsent(rec: X3Record, absent: string[]): X3Record {
  const out = { ...rec };
  for (const f of absent) delete out[f];
  return comparable(out);
}

describe('X3 schema discovery and field resolution', function () {
  const sims: Partial<Record<SchemaVariant, X3Sim>> = {};
  const conns: X3Connection[] = [];
  const open = (s: X3Sim, raw: Record<string, unknown> = {}, warn?: (t: string) => void): X3Connection => {
    // no entities override: discovery finds the custom fields
    const creds = raw.auth === 'basic' ? BASIC_CREDS : undefined;
    const c = connect(s, { entities: '', ...raw }, creds, { now: () => T0, ...(warn ? { warn } : {}) });
    conns.push(c);
    return c;
  };

  before(async () => {
    for (const v of SCHEMA_VARIANTS) sims[v] = await sim(v);
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await Promise.all(Object.values(sims).map((s) => s!.close()));
  });

  it('reads the same deliveries, orders and customers from every schema variant, with no override', async () => {
    const absent = ['BOLNUM', 'LBENUM', 'BPDCRYNAM'];
    const read: Record<string, Record<string, X3Record[]>> = {};
    for (const v of SCHEMA_VARIANTS) {
      const warnings: string[] = [];
      const conn = open(sims[v]!, {}, (t) => warnings.push(t));
      read[v] = {
        salesDelivery: (await firstPage(conn, 'salesDelivery', true)).map((r) => withoutAbsent(r, absent)),
        salesOrder: (await firstPage(conn, 'salesOrder', true)).map((r) => comparable(r)),
        customer: (await firstPage(conn, 'customer')).map((r) => comparable(r)),
        product: (await firstPage(conn, 'product')).map((r) => comparable(r)),
      };
      if (v === 'xtremX3-2023') {
        // optional fields the schema lacks: one warning each, naming them
        for (const f of absent)
          assert.ok(
            warnings.some((w) => w.includes(f)),
            `${f} warned: ${warnings.join('\n')}`,
          );
      } else assert.deepEqual(warnings, []);
    }
    const ref = read.current;
    assert.ok(ref.salesDelivery.length > 0);
    // the custom fields are read under their X3 names without an override
    assert.ok('YTRACKNUM' in ref.salesDelivery[0], JSON.stringify(ref.salesDelivery[0]));
    assert.ok(Array.isArray(ref.salesDelivery[0].BPDADDLIG));
    assert.equal((ref.salesDelivery[0].BPDNAM as unknown[]).length, 2);
    for (const v of SCHEMA_VARIANTS) assert.deepEqual(read[v], ref, v);
  });

  it('reports per field which property matched and how', async () => {
    const conn = open(sims.alternative!);
    const [report] = await conn.schemaReport(['salesDelivery']);
    const g = report.graphql!;
    assert.equal(g.package, 'x3Sales');
    const by = (x3: string) => g.fields.find((f) => f.x3 === x3)!;
    assert.deepEqual(by('BPDNAM').parts, ['shipToCustomerCompanyName', 'shipToContactName']);
    assert.deepEqual(by('BPDADDLIG').parts, [
      'shipToCustomerAddressLine1',
      'shipToCustomerAddressLine2',
      'shipToCustomerAddressLine3',
    ]);
    assert.equal(by('BPDTEL').property, 'shipToCustomerPhone');
    assert.equal(by('BPDTEL').match, 'alternative');
    assert.equal(by('BPDCTY').match, 'catalogue');
    assert.equal(by('YTRACKNUM').match, 'custom');
    assert.deepEqual(report.soap?.custom.sort(), ['YLABEL', 'YTRACKNUM', 'YTRKSTA']);

    const x = open(sims['xtremX3-2023']!);
    const [rx] = await x.schemaReport(['salesDelivery']);
    assert.equal(rx.graphql!.package, 'xtremX3Sales');
    const gw = rx.graphql!.fields.find((f) => f.x3 === 'GROWEI')!;
    assert.equal(gw.property, 'totalGrossWeight');
    const bol = rx.graphql!.fields.find((f) => f.x3 === 'BOLNUM')!;
    assert.equal(bol.match, 'missing');
    const [rp] = await x.schemaReport(['product']);
    const ean = rp.graphql!.fields.find((f) => f.x3 === 'EANCOD')!;
    assert.deepEqual([ean.property, ean.match], ['globalTradeItemNumber', 'dictionary']);
  });

  it('finds the SOAP group of a custom field from the publication: a write-back without override lands in X3', async () => {
    const s = sims.alternative!;
    const conn = open(s);
    const def = await conn.resolve(conn.entity('salesDelivery'));
    assert.equal(def.fields.find((f) => f.x3 === 'YTRACKNUM')?.soapGroup, 'SDH2_1');
    const key = String((await firstPage(conn, 'salesDelivery'))[0].SDHNUM);
    await conn.clientFor(def, 'update').update(def, key, { YTRACKNUM: '794600000001' });
    assert.equal(s.store.get('salesDelivery', key)?.values.YTRACKNUM, '794600000001');
  });

  it('refuses a write naming a field the schema lacks, before any call, naming it', async () => {
    const s = sims['xtremX3-2023']!;
    const conn = open(s);
    const def = await conn.resolve(conn.entity('customer'));
    const soap = await conn.resolve(conn.entity('salesDelivery'));
    const before = s.logs.requests.length;
    await assert.rejects(
      conn.clientFor(def, 'create').create(def, { BPCNUM: 'C9', BPCNAM: 'x', ZNOTHERE: 'y' }),
      (err: Error) => /ZNOTHERE/.test(err.message),
    );
    await assert.rejects(
      conn.client('soap').update(soap, 'SD1', { ZNOTHERE: 'y' }),
      (err: Error) => /ZNOTHERE/.test(err.message) && /SOAP publication SDH/.test(err.message),
    );
    assert.equal(s.logs.requests.length, before, 'no request sent');
  });

  it('a key or stamp the schema lacks is a clear error', async () => {
    const conn = open(sims.current!, {
      entities: JSON.stringify({ salesDelivery: { graphql: { stamp: '_updateStampX' }, stamp: 'UPDDATTIMX' } }),
    });
    await assert.rejects(conn.resolve(conn.entity('salesDelivery')), (err: ApiError) => {
      assert.equal(err.code, 'X3_SCHEMA');
      assert.match(err.message, /salesDelivery/);
      assert.match(err.message, /stamp/);
      return true;
    });
  });

  it("REST: reads the representation's prototypes; a $query list without the update stamp is a clear error", async () => {
    const s = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      now: () => T0,
      records: { customer: 2, product: 2, salesOrder: 2, salesDelivery: 2 },
      restRepresentations: { SDELIVERY: { SDELIVERY: { queryColumns: ['SDHNUM', 'BPCORD', 'SHIDAT'] } } },
    });
    try {
      const conn = open(s, { api: 'rest', auth: 'basic' });
      const customers = await firstPage(conn, 'customer');
      assert.ok(customers.length > 0);
      const [report] = await conn.schemaReport(['salesOrder']);
      assert.deepEqual(report.rest?.custom.sort(), ['YTRACKNUM', 'YTRKSTA']);
      await assert.rejects(conn.resolve(conn.entity('salesDelivery')), (err: ApiError) => {
        assert.equal(err.code, 'X3_SCHEMA');
        assert.match(err.message, /SDELIVERY: its \$query list has no UPDDATTIM/);
        return true;
      });
    } finally {
      await s.close();
    }
  });

  it('REST: a 400 for an unknown property names it, the entity, and reads the schema again once', async () => {
    const conn = open(sims.current!, { api: 'rest', auth: 'basic' });
    const def = await conn.resolve(conn.entity('customer'));
    for (let i = 0; i < 2; i++) {
      await assert.rejects(conn.clientFor(def, 'read').findBy(def, 'ZNOPROP', 'x'), (err: ApiError) => {
        assert.equal(err.code, 'X3_SCHEMA_MISMATCH');
        assert.match(err.message, /X3 REST: customer has no property "ZNOPROP"/);
        return true;
      });
    }
    assert.equal(conn.schema.rediscoveries, 1);
  });

  it('GraphQL: a field the input type lacks is refused before any call, naming it', () => {
    const def: EntityDefinition = {
      ...builtinEntities().customer,
      faces: { graphqlInput: ['BPCNUM', 'BPCNAM'] },
    };
    assert.doesNotThrow(() => refuseUnknownFields(def, 'graphql', { BPCNUM: 'C1', BPCNAM: 'x', UPDDATTIM: 'y' }));
    assert.throws(
      () => refuseUnknownFields(def, 'graphql', { BPCNUM: 'C1', TEL: '1' }),
      /customer: field TEL \(telephone\) is not in this X3's GraphQL input type Customer_Input/,
    );
  });

  it('a misspelt override: X3 suggestions, a clear error naming property and entity, one re-discovery only', async () => {
    const conn = open(sims.alternative!, {
      entities: JSON.stringify({
        salesDelivery: { fields: { shipToCustomerPhone: { x3: 'BPDTEL', gql: 'shipToCustomerPhon' } } },
      }),
    });
    const [report] = await conn.schemaReport(['salesDelivery']);
    const tel = report.graphql!.fields.find((f) => f.x3 === 'BPDTEL')!;
    assert.equal(tel.match, 'override');
    assert.equal(tel.property, 'shipToCustomerPhon');
    assert.equal(tel.suggestions?.[0], 'shipToCustomerPhone', 'X3 suggestion, closest first');
    assert.equal(conn.schema.rediscoveries, 0, 'the report probe does not count as a mismatch');

    const errors: ApiError[] = [];
    for (let i = 0; i < 3; i++) await firstPage(conn, 'salesDelivery').catch((e: ApiError) => errors.push(e));
    assert.equal(errors.length, 3);
    for (const e of errors) {
      assert.equal(e.code, 'X3_SCHEMA_MISMATCH');
      assert.match(e.message, /salesDelivery \(type SalesDelivery\) has no property "shipToCustomerPhon"/);
      assert.match(e.message, /did you mean "shipToCustomerPhone"/);
      assert.match(e.message, /override/);
    }
    assert.equal(conn.schema.rediscoveries, 1);
  });
});
