import { strict as assert } from 'assert';
import type { X3Sim } from '../../../sim/x3/server';
import { at, gql, http, readResult, rest, soap, startTestSim, type Clock } from './x3-helpers';

const TRICKY = `A&B <"W"> 'Dépôt' 東京 ]]> ok`; // within BPDNAM's 35 characters

describe('X3 sim: SOAP classic web services', () => {
  let sim: X3Sim;
  let clock: Clock;
  const sleeps: number[] = [];
  beforeEach(async () => {
    sleeps.length = 0;
    ({ sim, clock } = await startTestSim({
      records: { customer: 3, product: 3, salesOrder: 2, salesDelivery: 3 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    }));
    sim.store.update('salesDelivery', 'SD00000001', { CFMFLG: 1 }, { via: 'sim', trusted: true });
    sim.store.update('salesDelivery', 'SD00000002', { CFMFLG: 2 }, { via: 'sim', trusted: true });
  });
  afterEach(() => sim.close());

  it('reads a delivery as RESULT groups, LST arrays and TAB lines', async () => {
    const r = await soap(sim, 'read', { publicName: 'SDH', keys: { SDHNUM: 'SD00000001' } });
    assert.equal(r.httpStatus, 200);
    assert.equal(r.status, 1, r.raw);
    const { fields, lines, groups } = readResult(r.resultXml);
    assert.deepEqual(groups, ['SDH0_1', 'SDH1_1', 'SDH2_1', 'SDH3_1']);
    const rec = sim.store.get('salesDelivery', 'SD00000001')!;
    assert.equal(fields.SDHNUM, 'SD00000001');
    assert.equal(fields.BPDCTY, rec.values.BPDCTY);
    assert.deepEqual(fields.BPDADDLIG, rec.values.BPDADDLIG);
    assert.equal(fields.SHIDAT, String(rec.values.SHIDAT).replace(/-/g, ''), 'SOAP dates are YYYYMMDD');
    assert.equal(lines.length, rec.lines.length);
    assert.equal(lines[0].ITMREF, rec.lines[0].ITMREF);
    const missing = await soap(sim, 'read', { publicName: 'SDH', keys: { SDHNUM: 'NOPE' } });
    assert.equal(missing.status, 0);
    assert.deepEqual(missing.messages, [{ type: 3, message: 'SDELIVERY NOPE: record does not exist' }]);
  });

  it('modify is visible through GraphQL and REST with the update stamp advanced', async () => {
    clock.advance(90_000);
    const xml =
      '<PARAM><GRP ID="SDH2_1"><FLD NAME="YTRACKNUM">794612345678</FLD><FLD NAME="YTRKSTA">label_created</FLD></GRP></PARAM>';
    const r = await soap(sim, 'modify', { publicName: 'SDH', keys: { SDHNUM: 'SD00000001' }, xml });
    assert.equal(r.status, 1, r.raw);
    assert.equal(readResult(r.resultXml).fields.YTRACKNUM, '794612345678');

    const g = await gql(
      sim,
      `{ x3Sales { salesDelivery { read(_id: "SD00000001") { yTrackingNumber yTrackingStatus _updateStamp } } } }`,
    );
    assert.deepEqual(at(g.json.data, 'x3Sales.salesDelivery.read'), {
      yTrackingNumber: '794612345678',
      yTrackingStatus: 'label_created',
      _updateStamp: '2025-01-31T10:01:30Z',
    });
    const where = encodeURIComponent('UPDDATTIM gt @2025-01-31T10:00:00Z@');
    const q = await rest<{ $resources: Array<Record<string, unknown>> }>(
      sim,
      'GET',
      `SDELIVERY?representation=SDELIVERY.$query&where=${where}`,
    );
    assert.deepEqual(
      q.json.$resources.map((x) => [x.SDHNUM, x.YTRACKNUM]),
      [['SD00000001', '794612345678']],
    );
    assert.deepEqual(sim.logs.writes.at(-1), {
      at: '2025-01-31T10:01:30Z',
      entity: 'salesDelivery',
      key: 'SD00000001',
      operation: 'update',
      fields: ['YTRACKNUM', 'YTRKSTA'],
      via: 'soap',
      user: 'admin',
    });
  });

  for (const wrap of ['escape', 'cdata'] as const) {
    it(`round-trips <, &, quotes and non-ASCII in objectXml sent as ${wrap === 'cdata' ? 'CDATA' : 'escaped text'}`, async () => {
      const value = wrap === 'cdata' ? TRICKY.replace(']]>', ']]') : TRICKY; // "]]>" cannot appear inside a CDATA section
      const esc = (s: string): string =>
        s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
      const xml = `<PARAM><GRP ID="SDH1_1"><LST NAME="BPDNAM"><ITM>${esc(value)}</ITM><ITM>Attn: Zoë</ITM></LST><FLD NAME="BPDCTY">${esc(value.slice(0, 40))}</FLD></GRP></PARAM>`;
      const r = await soap(sim, 'modify', { publicName: 'SDH', keys: { SDHNUM: 'SD00000001' }, xml, wrap });
      assert.equal(r.status, 1, r.raw);
      assert.deepEqual(sim.store.get('salesDelivery', 'SD00000001')!.values.BPDNAM, [value, 'Attn: Zoë']);
      const back = readResult(
        (await soap(sim, 'read', { publicName: 'SDH', keys: { SDHNUM: 'SD00000001' } })).resultXml,
      );
      assert.deepEqual(back.fields.BPDNAM, [value, 'Attn: Zoë']);
      assert.equal(back.fields.BPDCTY, value.slice(0, 40));
      const g = await gql(
        sim,
        `{ x3Sales { salesDelivery { read(_id: "SD00000001") { shipToCustomerCompanyNames { query { edges { node { companyName } } } } } } } }`,
      );
      assert.equal(
        at(g.json.data, 'x3Sales.salesDelivery.read.shipToCustomerCompanyNames.query.edges.0.node.companyName'),
        value,
      );
    });
  }

  it('returns JSON when requestConfig asks adxwss.optreturn=JSON', async () => {
    const r = await soap(sim, 'read', {
      publicName: 'SOH',
      keys: { SOHNUM: 'SO00000001' },
      requestConfig: 'adxwss.optreturn=JSON',
    });
    assert.equal(r.status, 1);
    const json = JSON.parse(r.resultXml) as Record<string, Record<string, unknown>>;
    assert.equal(json.SOH0_1.SOHNUM, 'SO00000001');
    assert.ok(Array.isArray(json.SOH4_1));
  });

  it('refuses modify on a validated delivery; the tracking subprogram still writes', async () => {
    const before = sim.store.get('salesDelivery', 'SD00000002')!.values.UPDDATTIM;
    clock.advance(10_000);
    const xml = '<PARAM><GRP ID="SDH2_1"><FLD NAME="YTRACKNUM">1Z999</FLD></GRP></PARAM>';
    const r = await soap(sim, 'modify', { publicName: 'SDH', keys: { SDHNUM: 'SD00000002' }, xml });
    assert.equal(r.status, 0);
    assert.deepEqual(r.messages, [
      { type: 3, message: 'Delivery SD00000002: validated delivery, modification not allowed' },
    ]);
    assert.equal(sim.store.get('salesDelivery', 'SD00000002')!.values.UPDDATTIM, before);

    const run = await soap(sim, 'run', {
      publicName: 'YSDHTRK',
      xml: '<PARAM><GRP ID="GRP1"><FLD NAME="SDHNUM">SD00000002</FLD><FLD NAME="YTRACKNUM">1Z999</FLD></GRP></PARAM>',
    });
    assert.equal(run.status, 1, run.raw);
    assert.equal(readResult(run.resultXml).fields.YTRACKNUM, '1Z999');
    assert.equal(sim.store.get('salesDelivery', 'SD00000002')!.values.UPDDATTIM, '2025-01-31T10:00:10Z');
  });

  it("run of the customer's attachment subprogram (YSDHATT) attaches a file to the delivery once", async () => {
    const xml = (path: string, extra = '') =>
      `<PARAM><GRP ID="GRP1"><FLD NAME="SDHNUM">SD00000001</FLD><FLD NAME="YPATH">${path}</FLD>${extra}</GRP></PARAM>`;
    const path = '\\\\fs01\\labels\\SEED\\salesDelivery\\SD00000001\\794600000001.zpl';
    const r = await soap(sim, 'run', { publicName: 'YSDHATT', xml: xml(path, '<FLD NAME="YDES">FedEx label</FLD>') });
    assert.equal(r.status, 1, r.raw);
    assert.equal(readResult(r.resultXml).fields.YPATH, path);
    const again = await soap(sim, 'run', { publicName: 'YSDHATT', xml: xml(path) });
    assert.equal(again.status, 1);
    const attachments = (await (await fetch(`${sim.url}/__sim/attachments`)).json()) as Array<Record<string, string>>;
    assert.equal(attachments.length, 1);
    assert.deepEqual(
      [attachments[0].entity, attachments[0].key, attachments[0].path, attachments[0].description],
      ['salesDelivery', 'SD00000001', path, 'FedEx label'],
    );
    const missing = await soap(sim, 'run', {
      publicName: 'YSDHATT',
      xml: '<PARAM><GRP ID="GRP1"><FLD NAME="SDHNUM">SD00000001</FLD></GRP></PARAM>',
    });
    assert.equal(missing.status, 0);
    assert.match(missing.messages[0].message, /YPATH: mandatory/);
    const unknown = await soap(sim, 'run', { publicName: 'YSDHATT', xml: xml('x', '<FLD NAME="ZZZ">1</FLD>') });
    assert.match(unknown.messages[0].message, /ZZZ: unknown parameter/);
    const noDoc = await soap(sim, 'run', {
      publicName: 'YSDHATT',
      xml: '<PARAM><GRP ID="GRP1"><FLD NAME="SDHNUM">SD99</FLD><FLD NAME="YPATH">x</FLD></GRP></PARAM>',
    });
    assert.match(noDoc.messages[0].message, /does not exist/);
  });

  it('ignores read-only fields with a warning and refuses unknown ones', async () => {
    const xml =
      '<PARAM><GRP ID="SDH0_1"><FLD NAME="CFMFLG">2</FLD></GRP><GRP ID="SDH2_1"><FLD NAME="PACNBR">4</FLD></GRP></PARAM>';
    const r = await soap(sim, 'modify', { publicName: 'SDH', keys: { SDHNUM: 'SD00000001' }, xml });
    assert.equal(r.status, 1);
    assert.deepEqual(r.messages, [{ type: 2, message: 'CFMFLG: field not modifiable, value ignored' }]);
    assert.equal(sim.store.get('salesDelivery', 'SD00000001')!.values.CFMFLG, 1);
    assert.equal(sim.store.get('salesDelivery', 'SD00000001')!.values.PACNBR, 4);
    const unknown = await soap(sim, 'modify', {
      publicName: 'SDH',
      keys: { SDHNUM: 'SD00000001' },
      xml: '<PARAM><GRP ID="X"><FLD NAME="ZZZ">1</FLD></GRP></PARAM>',
    });
    assert.equal(unknown.status, 0);
    assert.match(unknown.messages[0].message, /ZZZ: unknown field/);
  });

  it('save creates a sales order with generated SOHNUM and lines, visible on every face', async () => {
    clock.advance(3000);
    const xml =
      '<PARAM><GRP ID="SOH0_1"><FLD NAME="SALFCY">NA011</FLD><FLD NAME="SOHTYP">SON</FLD><FLD NAME="BPCORD">C000002</FLD>' +
      '<FLD NAME="ORDDAT">20250131</FLD><FLD NAME="CUSORDREF">SS-&amp;-42</FLD></GRP>' +
      '<TAB ID="SOH4_1"><LIN NUM="1"><FLD NAME="ITMREF">ITM000001</FLD><FLD NAME="QTY">3</FLD></LIN>' +
      '<LIN NUM="2"><FLD NAME="ITMREF">ITM000002</FLD><FLD NAME="QTY">1.5</FLD><FLD NAME="GROPRI">9.99</FLD></LIN></TAB></PARAM>';
    const r = await soap(sim, 'save', { publicName: 'SOH', xml });
    assert.equal(r.status, 1, r.raw);
    const res = readResult(r.resultXml);
    assert.equal(res.fields.SOHNUM, 'SO00000003');
    assert.equal(res.fields.ORDDAT, '20250131');
    assert.deepEqual(
      res.lines.map((l) => [l.SOPLIN, l.ITMREF, l.QTY]),
      [
        ['1000', 'ITM000001', '3'],
        ['2000', 'ITM000002', '1.5'],
      ],
    );

    const g = await gql(
      sim,
      `{ x3Sales { salesOrder { read(_id: "SO00000003") { customerOrderReference orderDate _createStamp lines { query { edges { node { product { code } quantityInSalesUnitOrdered } } } } } } } }`,
    );
    assert.equal(at(g.json.data, 'x3Sales.salesOrder.read.customerOrderReference'), 'SS-&-42');
    assert.equal(at(g.json.data, 'x3Sales.salesOrder.read.orderDate'), '2025-01-31');
    assert.equal(at(g.json.data, 'x3Sales.salesOrder.read._createStamp'), '2025-01-31T10:00:03Z');
    assert.equal(at(g.json.data, 'x3Sales.salesOrder.read.lines.query.edges.1.node.quantityInSalesUnitOrdered'), '1.5');
    const d = await rest(sim, 'GET', `SORDER('SO00000003')?representation=SORDER.$details`);
    assert.equal((d.json.SORDERQ as unknown[]).length, 2);

    const badCustomer = await soap(sim, 'save', { publicName: 'SOH', xml: xml.replace('C000002', 'NOPE') });
    assert.equal(badCustomer.status, 0);
    assert.match(badCustomer.messages[0].message, /BPCUSTOMER NOPE: record does not exist/);
    const noLinesProduct = await soap(sim, 'save', {
      publicName: 'SOH',
      xml: xml.replace('<FLD NAME="ITMREF">ITM000001</FLD>', ''),
    });
    assert.match(noLinesProduct.messages[0].message, /ITMREF: mandatory field/);
  });

  it('queries a publication with objectKeys criteria and listSize', async () => {
    const r = await soap(sim, 'query', { publicName: 'SDH', keys: { SDHNUM: 'SD0000000*' }, listSize: 2 });
    assert.equal(r.status, 1);
    const rows = readResult(r.resultXml).lines;
    assert.deepEqual(
      rows.map((x) => x.SDHNUM),
      ['SD00000001', 'SD00000002'],
    );
  });

  it('answers pool busy, unknown pool and malformed envelopes with SOAP faults', async () => {
    sim.config.soapPoolBusyCount = 2;
    const args = { publicName: 'SDH', keys: { SDHNUM: 'SD00000001' } };
    const busy1 = await soap(sim, 'read', args);
    const busy2 = await soap(sim, 'read', args);
    const ok = await soap(sim, 'read', args);
    assert.deepEqual([busy1.httpStatus, busy1.fault, busy2.httpStatus], [500, 'No Web services accepted', 500]);
    assert.equal(ok.status, 1);
    const pool = await soap(sim, 'read', { ...args, poolAlias: 'NOPOOL' });
    assert.equal(pool.httpStatus, 500);
    assert.equal(pool.fault, 'Pool not found: NOPOOL');
    const garbage = await http(sim, 'POST', '/soap-generic/syracuse/collaboration/syracuse/CAdxWebServiceXmlCC', {
      headers: {
        authorization: `Basic ${Buffer.from('admin:admin-password').toString('base64')}`,
        'content-type': 'text/xml',
      },
      raw: '<not-soap/>',
    });
    assert.equal(garbage.status, 500);
    assert.match(garbage.text, /<faultstring>SOAP Envelope\/Body expected<\/faultstring>/);
    const unauth = await soap(sim, 'read', args, `Basic ${Buffer.from('admin:x').toString('base64')}`);
    assert.equal(unauth.httpStatus, 401);
    const unknownPub = await soap(sim, 'read', { publicName: 'ZZZ', keys: { X: '1' } });
    assert.deepEqual(unknownPub.messages, [{ type: 3, message: 'ZZZ: web service not published' }]);
  });

  it('meters licence volume: grace slow-down, then refusal until the period rolls over', async () => {
    const args = { publicName: 'SDH', keys: { SDHNUM: 'SD00000001' } };
    const size = Buffer.byteLength((await soap(sim, 'read', args)).raw);
    sim.config.licence = { sizeLimitBytes: size + 10, graceLimitBytes: size, periodMs: 3_600_000, graceDelayMs: 1500 };
    sleeps.length = 0;
    assert.equal((await soap(sim, 'read', args)).status, 1); // counted: size
    assert.equal((await soap(sim, 'read', args)).status, 1); // counted: 2 x size > limit
    assert.deepEqual(sleeps, []);
    assert.equal((await soap(sim, 'read', args)).status, 1); // grace: slowed
    assert.deepEqual(sleeps, [1500]);
    const refused = await soap(sim, 'read', args);
    assert.equal(refused.status, 0);
    assert.match(refused.messages[0].message, /^Licence: web service data volume limit reached/);
    clock.advance(3_600_000);
    assert.equal((await soap(sim, 'read', args)).status, 1);
    const state = await http<{ requests: Array<{ face: string; delayMs: number }> }>(sim, 'GET', '/__sim/state');
    assert.ok(state.json.requests.some((q) => q.face === 'soap' && q.delayMs === 1500));
  });
});
