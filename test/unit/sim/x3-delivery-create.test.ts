import { strict as assert } from 'assert';
import type { X3Sim } from '../../../sim/x3/server';
import { at, gql, http, readResult, rest, soap, startTestSim, type Clock, type SoapResult } from './x3-helpers';

const ORDER = 'SO00000001';

interface LineInput {
  SOPLIN?: number;
  ITMREF?: string;
  QTY: number | string;
  SOHNUM?: string;
}

/** SOAP objectXml for an SDH save: header fields spread over the groups a client would use. */
function deliveryXml(header: Record<string, string>, lines: LineInput[] = []): string {
  const fld = (k: string, v: string): string => `<FLD NAME="${k}">${v}</FLD>`;
  const groups: Record<string, string[]> = { SDH0_1: ['SOHNUM', 'SHIDAT', 'STOFCY', 'BPCORD'], SDH2_1: [] };
  const g0 = Object.entries(header).filter(([k]) => groups.SDH0_1.includes(k));
  const g2 = Object.entries(header).filter(([k]) => !groups.SDH0_1.includes(k));
  const tab =
    lines.length === 0
      ? ''
      : `<TAB ID="SDH4_1">${lines
          .map(
            (l, i) =>
              `<LIN NUM="${i + 1}">${Object.entries(l)
                .map(([k, v]) => fld(k, String(v)))
                .join('')}</LIN>`,
          )
          .join('')}</TAB>`;
  return (
    `<PARAM><GRP ID="SDH0_1">${g0.map(([k, v]) => fld(k, v)).join('')}</GRP>` +
    `<GRP ID="SDH2_1">${g2.map(([k, v]) => fld(k, v)).join('')}</GRP>${tab}</PARAM>`
  );
}

function saveDelivery(sim: X3Sim, header: Record<string, string>, lines: LineInput[] = []): Promise<SoapResult> {
  return soap(sim, 'save', { publicName: 'SDH', xml: deliveryXml(header, lines) });
}

function orderLine(sim: X3Sim, soplin: number): Record<string, unknown> {
  const line = sim.store.get('salesOrder', ORDER)!.lines.find((l) => l.SOPLIN === soplin);
  assert.ok(line, `order line ${soplin}`);
  return line;
}

function stockQty(sim: X3Sim, site: string, product: string): unknown {
  return sim.store.get('stock', `${site}~${product}`)?.values.QTYSTU;
}

describe('X3 sim: sales delivery created from an order (SOAP save on SDH)', () => {
  let sim: X3Sim;
  let clock: Clock;
  beforeEach(async () => {
    ({ sim, clock } = await startTestSim({ records: { customer: 2, product: 3 } }));
    sim.store.insert(
      'salesOrder',
      {
        SOHNUM: ORDER,
        SALFCY: 'NA011',
        STOFCY: 'NA011',
        BPCORD: 'C000001',
        BPCINV: 'C000001',
        ORDDAT: '2025-01-30',
        BPAADD: 'SHIP',
        BPDNAM: ['Acme Receiving', 'Jane Doe'],
        BPDADDLIG: ['12 Dock Rd', 'Gate 4', ''],
        BPDPOSCOD: '60601',
        BPDCTY: 'Chicago',
        BPDSAT: 'IL',
        BPDCRY: 'US',
        BPDCRYNAM: 'United States',
        BPDTEL: '+1 312-555-0100',
        BPDWEB: 'dock@example.com',
        BPTNUM: 'UPS',
        MDL: 'EXP',
        lines: [
          { SOPLIN: 1000, ITMREF: 'ITM000001', QTY: 5 },
          { SOPLIN: 2000, ITMREF: 'ITM000002', QTY: 3 },
        ],
      },
      { via: 'sim' },
    );
    for (const [product, qty] of [
      ['ITM000001', 20],
      ['ITM000002', 3],
    ] as const) {
      sim.store.insert('stock', { STOFCY: 'NA011', ITMREF: product, QTYSTU: qty }, { via: 'sim', trusted: true });
    }
  });
  afterEach(() => sim.close());

  it('delivers part of an order then the rest: DLVSTA 2 then 3, delivered quantities and stamps advance', async () => {
    clock.advance(60_000);
    const first = await saveDelivery(
      sim,
      { SOHNUM: ORDER, SHIDAT: '20250131', BPTNUM: 'FEDEX', MDL: 'GRD', YTRACKNUM: '794612345678' },
      [{ SOPLIN: 1000, QTY: 2 }],
    );
    assert.equal(first.status, 1, first.raw);
    assert.deepEqual(first.messages, []);
    const d1 = readResult(first.resultXml);
    assert.match(String(d1.fields.SDHNUM), /^SD\d{8}$/);
    assert.deepEqual(d1.groups, ['SDH0_1', 'SDH1_1', 'SDH2_1', 'SDH3_1']);
    // copied from the order
    assert.equal(d1.fields.SOHNUM, ORDER);
    assert.equal(d1.fields.BPCORD, 'C000001');
    assert.equal(d1.fields.STOFCY, 'NA011');
    assert.equal(d1.fields.SALFCY, 'NA011');
    assert.equal(d1.fields.BPAADD, 'SHIP');
    assert.deepEqual(d1.fields.BPDNAM, ['Acme Receiving', 'Jane Doe']);
    assert.deepEqual(d1.fields.BPDADDLIG, ['12 Dock Rd', 'Gate 4', '']);
    assert.equal(d1.fields.BPDCTY, 'Chicago');
    assert.equal(d1.fields.BPDWEB, 'dock@example.com');
    // sent by the caller
    assert.equal(d1.fields.SHIDAT, '20250131');
    assert.equal(d1.fields.BPTNUM, 'FEDEX');
    assert.equal(d1.fields.MDL, 'GRD');
    assert.equal(d1.fields.YTRACKNUM, '794612345678');
    assert.equal(d1.fields.CFMFLG, '1');
    assert.equal(d1.fields.CREDATTIM, '2025-01-31T10:01:00Z');
    assert.deepEqual(
      d1.lines.map((l) => [l.SDDLIN, l.SOHNUM, l.SOPLIN, l.ITMREF, l.SAU, l.QTY]),
      [['1000', ORDER, '1000', 'ITM000001', 'UN', '2']],
    );
    assert.equal(d1.lines[0].ITMDES1, sim.store.get('product', 'ITM000001')!.values.DES1AXX);

    const order1 = sim.store.get('salesOrder', ORDER)!;
    assert.equal(order1.values.DLVSTA, 2);
    assert.equal(order1.values.UPDDATTIM, '2025-01-31T10:01:00Z');
    assert.equal(orderLine(sim, 1000).DLVQTY, 2);
    assert.equal(orderLine(sim, 2000).DLVQTY, 0);

    clock.advance(60_000);
    // the rest: line 1000 by line number, line 2000 by product only
    const second = await saveDelivery(sim, { SOHNUM: ORDER, SHIDAT: '20250131' }, [
      { SOPLIN: 1000, QTY: 3 },
      { ITMREF: 'ITM000002', QTY: '3.000' },
    ]);
    assert.equal(second.status, 1, second.raw);
    const d2 = readResult(second.resultXml);
    assert.notEqual(d2.fields.SDHNUM, d1.fields.SDHNUM);
    assert.equal(d2.fields.BPTNUM, 'UPS', 'carrier and mode default to the order');
    assert.equal(d2.fields.MDL, 'EXP');
    assert.deepEqual(
      d2.lines.map((l) => [l.SDDLIN, l.SOPLIN, l.ITMREF, l.QTY]),
      [
        ['1000', '1000', 'ITM000001', '3'],
        ['2000', '2000', 'ITM000002', '3'],
      ],
    );
    const order2 = sim.store.get('salesOrder', ORDER)!;
    assert.equal(order2.values.DLVSTA, 3);
    assert.equal(order2.values.UPDDATTIM, '2025-01-31T10:02:00Z');
    assert.deepEqual(
      order2.lines.map((l) => [l.SOPLIN, l.QTY, l.DLVQTY]),
      [
        [1000, 5, 5],
        [2000, 3, 3],
      ],
    );
    assert.equal(stockQty(sim, 'NA011', 'ITM000001'), 15);
    assert.equal(stockQty(sim, 'NA011', 'ITM000002'), 0);

    // every face sees the deliveries and the order's new state
    const g = await gql(
      sim,
      `query($id: Id!) { x3Sales {
         salesDelivery { read(_id: $id) { id _createStamp _updateStamp salesOrder { id } shippingSite { _id }
           carrier { code } yTrackingNumber shipToCustomerCity
           lines { query { edges { node { salesOrderLineNumber product { code } quantityInSalesUnitDelivered } } } } } }
         salesOrder { read(_id: "${ORDER}") { deliveryStatus _updateStamp
           lines { query { edges { node { lineNumber quantityInSalesUnitDelivered } } } } } } } }`,
      { id: d1.fields.SDHNUM },
    );
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(at(g.json.data, 'x3Sales.salesDelivery.read'), {
      id: d1.fields.SDHNUM,
      _createStamp: '2025-01-31T10:01:00Z',
      _updateStamp: '2025-01-31T10:01:00Z',
      salesOrder: { id: ORDER },
      shippingSite: { _id: 'NA011' },
      carrier: { code: 'FEDEX' },
      yTrackingNumber: '794612345678',
      shipToCustomerCity: 'Chicago',
      lines: {
        query: {
          edges: [
            { node: { salesOrderLineNumber: 1000, product: { code: 'ITM000001' }, quantityInSalesUnitDelivered: '2' } },
          ],
        },
      },
    });
    assert.deepEqual(at(g.json.data, 'x3Sales.salesOrder.read'), {
      deliveryStatus: 'delivered',
      _updateStamp: '2025-01-31T10:02:00Z',
      lines: {
        query: {
          edges: [
            { node: { lineNumber: 1000, quantityInSalesUnitDelivered: '5' } },
            { node: { lineNumber: 2000, quantityInSalesUnitDelivered: '3' } },
          ],
        },
      },
    });

    const where = encodeURIComponent(`SOHNUM eq '${ORDER}' and UPDDATTIM ge @2025-01-31T10:01:00Z@`);
    const q = await rest<{ $resources: Array<Record<string, unknown>> }>(
      sim,
      'GET',
      `SDELIVERY?representation=SDELIVERY.$query&where=${where}&orderBy=UPDDATTIM`,
    );
    assert.deepEqual(
      q.json.$resources.map((r) => [r.SDHNUM, r.UPDDATTIM]),
      [
        [d1.fields.SDHNUM, '2025-01-31T10:01:00Z'],
        [d2.fields.SDHNUM, '2025-01-31T10:02:00Z'],
      ],
    );
    const so = await rest<Record<string, unknown>>(sim, 'GET', `SORDER('${ORDER}')?representation=SORDER.$details`);
    assert.equal(so.json.DLVSTA, 3);
    assert.equal(so.json.$etag, '2025-01-31T10:02:00Z');
    assert.deepEqual(
      (so.json.SORDERQ as Array<Record<string, unknown>>).map((l) => l.DLVQTY),
      [5, 3],
    );

    const writes = sim.logs.writes.filter((w) => w.via === 'soap').map((w) => [w.entity, w.operation, w.user]);
    assert.deepEqual(writes, [
      ['salesDelivery', 'create', 'admin'],
      ['salesOrder', 'update', 'admin'],
      ['stock', 'update', 'admin'],
      ['salesDelivery', 'create', 'admin'],
      ['salesOrder', 'update', 'admin'],
      ['stock', 'update', 'admin'],
      ['stock', 'update', 'admin'],
    ]);

    // nothing is left: another delivery of the order is an over-delivery
    const third = await saveDelivery(sim, { SOHNUM: ORDER }, [{ SOPLIN: 2000, QTY: 1 }]);
    assert.equal(third.status, 0);
    assert.deepEqual(third.messages, [
      { type: 3, message: `Order ${ORDER} line 2000: quantity 1 exceeds the quantity remaining to deliver (0)` },
    ]);
  });

  it('refuses an over-delivery with X3 error status and changes nothing', async () => {
    const before = {
      order: JSON.stringify(sim.store.get('salesOrder', ORDER)),
      deliveries: sim.store.count('salesDelivery'),
      stock: stockQty(sim, 'NA011', 'ITM000001'),
      writes: sim.logs.writes.length,
    };
    clock.advance(60_000);
    const r = await saveDelivery(sim, { SOHNUM: ORDER, SHIDAT: '20250131' }, [
      { SOPLIN: 2000, QTY: 1 },
      { SOPLIN: 1000, QTY: 6 },
    ]);
    assert.equal(r.httpStatus, 200);
    assert.equal(r.status, 0);
    assert.deepEqual(r.messages, [
      { type: 3, message: `Order ${ORDER} line 1000: quantity 6 exceeds the quantity remaining to deliver (5)` },
    ]);
    assert.equal(r.resultXml, '');
    // two delivery lines on one order line add up
    const split = await saveDelivery(sim, { SOHNUM: ORDER }, [
      { SOPLIN: 1000, QTY: 3 },
      { ITMREF: 'ITM000001', QTY: 3 },
    ]);
    assert.deepEqual(split.messages, [
      { type: 3, message: `Order ${ORDER} line 1000: quantity 3 exceeds the quantity remaining to deliver (2)` },
    ]);
    assert.equal(JSON.stringify(sim.store.get('salesOrder', ORDER)), before.order);
    assert.equal(sim.store.count('salesDelivery'), before.deliveries);
    assert.equal(stockQty(sim, 'NA011', 'ITM000001'), before.stock);
    assert.equal(sim.logs.writes.length, before.writes);
  });

  it('refuses an unknown order, a closed order and lines that are not on the order', async () => {
    const unknown = await saveDelivery(sim, { SOHNUM: 'SO99999999' }, [{ SOPLIN: 1000, QTY: 1 }]);
    assert.equal(unknown.status, 0);
    assert.deepEqual(unknown.messages, [{ type: 3, message: 'SOHNUM: SORDER SO99999999: record does not exist' }]);

    const badLine = await saveDelivery(sim, { SOHNUM: ORDER }, [{ SOPLIN: 3000, QTY: 1 }]);
    assert.deepEqual(badLine.messages, [{ type: 3, message: `Order ${ORDER} line 3000: line does not exist` }]);
    const badProduct = await saveDelivery(sim, { SOHNUM: ORDER }, [{ ITMREF: 'ITM000003', QTY: 1 }]);
    assert.deepEqual(badProduct.messages, [
      { type: 3, message: `Order ${ORDER}: product ITM000003 is not on the order` },
    ]);
    const mismatch = await saveDelivery(sim, { SOHNUM: ORDER }, [{ SOPLIN: 1000, ITMREF: 'ITM000002', QTY: 1 }]);
    assert.deepEqual(mismatch.messages, [
      {
        type: 3,
        message: `Order ${ORDER} line 1000: product ITM000002 differs from the order line's product ITM000001`,
      },
    ]);
    const zero = await saveDelivery(sim, { SOHNUM: ORDER }, [{ SOPLIN: 1000, QTY: 0 }]);
    assert.deepEqual(zero.messages, [{ type: 3, message: 'QTY: quantity must be greater than 0, line 1' }]);
    const otherSite = await saveDelivery(sim, { SOHNUM: ORDER, STOFCY: 'NA012' }, [{ SOPLIN: 1000, QTY: 1 }]);
    assert.deepEqual(otherSite.messages, [{ type: 3, message: `STOFCY: NA012 differs from order ${ORDER} (NA011)` }]);
    const otherCustomer = await saveDelivery(sim, { SOHNUM: ORDER, BPCORD: 'C000002' }, [{ SOPLIN: 1000, QTY: 1 }]);
    assert.deepEqual(otherCustomer.messages, [
      { type: 3, message: `BPCORD: C000002 differs from order ${ORDER} (C000001)` },
    ]);

    sim.store.touch('salesOrder', [ORDER], { ORDSTA: 2 });
    const closed = await saveDelivery(sim, { SOHNUM: ORDER }, [{ SOPLIN: 1000, QTY: 1 }]);
    assert.equal(closed.status, 0);
    assert.deepEqual(closed.messages, [{ type: 3, message: `Order ${ORDER}: closed order, delivery not allowed` }]);
    assert.equal(sim.store.count('salesDelivery'), 0);
    assert.equal(sim.store.get('salesOrder', ORDER)!.values.DLVSTA, 1);
  });

  it('an order number without lines delivers everything still open (JSON answer too)', async () => {
    const part = await saveDelivery(sim, { SOHNUM: ORDER }, [{ SOPLIN: 1000, QTY: 4 }]);
    assert.equal(part.status, 1, part.raw);
    const rest1 = await soap(sim, 'save', {
      publicName: 'SDH',
      xml: deliveryXml({ SOHNUM: ORDER }),
      requestConfig: 'adxwss.optreturn=JSON',
    });
    assert.equal(rest1.status, 1, rest1.raw);
    const json = JSON.parse(rest1.resultXml) as {
      SDH0_1: Record<string, string>;
      SDH4_1: Array<Record<string, string>>;
    };
    assert.equal(json.SDH0_1.SHIDAT, '20250131', 'ship date defaults to the server date');
    assert.deepEqual(
      json.SDH4_1.map((l) => [l.SOPLIN, l.ITMREF, l.QTY]),
      [
        ['1000', 'ITM000001', '1'],
        ['2000', 'ITM000002', '3'],
      ],
    );
    assert.equal(sim.store.get('salesOrder', ORDER)!.values.DLVSTA, 3);
    const nothing = await saveDelivery(sim, { SOHNUM: ORDER });
    assert.deepEqual(nothing.messages, [{ type: 3, message: `Order ${ORDER}: nothing left to deliver` }]);
  });

  it('modify of the order lines keeps the delivered quantities X3 computed', async () => {
    assert.equal((await saveDelivery(sim, { SOHNUM: ORDER }, [{ SOPLIN: 1000, QTY: 2 }])).status, 1);
    const xml =
      '<PARAM><TAB ID="SOH4_1"><LIN NUM="1"><FLD NAME="SOPLIN">1000</FLD><FLD NAME="ITMREF">ITM000001</FLD><FLD NAME="QTY">6</FLD><FLD NAME="DLVQTY">0</FLD></LIN>' +
      '<LIN NUM="2"><FLD NAME="SOPLIN">2000</FLD><FLD NAME="ITMREF">ITM000002</FLD><FLD NAME="QTY">3</FLD></LIN></TAB></PARAM>';
    const r = await soap(sim, 'modify', { publicName: 'SOH', keys: { SOHNUM: ORDER }, xml });
    assert.equal(r.status, 1, r.raw);
    assert.deepEqual(r.messages, [{ type: 2, message: 'DLVQTY: field not modifiable, value ignored' }]);
    assert.deepEqual(
      readResult(r.resultXml).lines.map((l) => [l.SOPLIN, l.QTY, l.DLVQTY]),
      [
        ['1000', '6', '2'],
        ['2000', '3', '0'],
      ],
    );
  });

  it('a delivery without an order issues stock for its product lines', async () => {
    const xml =
      '<PARAM><GRP ID="SDH0_1"><FLD NAME="STOFCY">NA011</FLD><FLD NAME="BPCORD">C000002</FLD></GRP>' +
      '<TAB ID="SDH4_1"><LIN NUM="1"><FLD NAME="ITMREF">ITM000001</FLD><FLD NAME="QTY">7</FLD></LIN></TAB></PARAM>';
    const r = await soap(sim, 'save', { publicName: 'SDH', xml });
    assert.equal(r.status, 1, r.raw);
    const d = readResult(r.resultXml);
    assert.equal(d.fields.SOHNUM, '');
    assert.deepEqual(
      d.lines.map((l) => [l.SDDLIN, l.ITMREF, l.QTY]),
      [['1000', 'ITM000001', '7']],
    );
    assert.equal(stockQty(sim, 'NA011', 'ITM000001'), 13);
    assert.equal(sim.store.get('salesOrder', ORDER)!.values.DLVSTA, 1);
  });

  it('refuses a delivery that would take stock below zero unless allowNegativeStock', async () => {
    sim.store.touch('stock', ['NA011~ITM000002'], { QTYSTU: 2 });
    const refused = await saveDelivery(sim, { SOHNUM: ORDER }, [
      { SOPLIN: 1000, QTY: 1 },
      { SOPLIN: 2000, QTY: 3 },
    ]);
    assert.equal(refused.status, 0);
    assert.deepEqual(refused.messages, [
      { type: 3, message: 'ITM000002: insufficient stock at site NA011 (available 2, required 3)' },
    ]);
    assert.equal(sim.store.count('salesDelivery'), 0);
    assert.equal(stockQty(sim, 'NA011', 'ITM000001'), 20, 'the line that had stock is not issued either');
    assert.equal(orderLine(sim, 1000).DLVQTY, 0);

    // a product without any stock row at the site has nothing available
    sim.store.remove('stock', 'NA011~ITM000001', { via: 'sim' });
    const noRow = await saveDelivery(sim, { SOHNUM: ORDER }, [{ SOPLIN: 1000, QTY: 1 }]);
    assert.deepEqual(noRow.messages, [
      { type: 3, message: 'ITM000001: insufficient stock at site NA011 (available 0, required 1)' },
    ]);

    const cfg = await http<Record<string, unknown>>(sim, 'POST', '/__sim/config', {
      body: { allowNegativeStock: true },
    });
    assert.equal(cfg.json.allowNegativeStock, true);
    clock.advance(5_000);
    const allowed = await saveDelivery(sim, { SOHNUM: ORDER, SHIDAT: '20250201' }, [
      { SOPLIN: 1000, QTY: 1 },
      { SOPLIN: 2000, QTY: 3 },
    ]);
    assert.equal(allowed.status, 1, allowed.raw);
    assert.equal(stockQty(sim, 'NA011', 'ITM000002'), -1);
    const opened = sim.store.get('stock', 'NA011~ITM000001')!;
    assert.deepEqual(
      [opened.values.QTYSTU, opened.values.LASISSDAT, opened.values.CREDATTIM],
      [-1, '2025-02-01', '2025-01-31T10:00:05Z'],
    );
  });
});
