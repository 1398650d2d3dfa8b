/**
 * Example 01 in a real Node-RED against the simulators with deliveries to Canada and Mexico:
 * each multi-line delivery gets one FedEx shipment with customs and a FedEx-generated commercial
 * invoice (the FedEx simulator checks the customs per FedEx's spec), the product master is read
 * through the x3-config once per product, a delivery whose product has no customs code fails
 * before any FedEx call naming the X3 field, and a domestic delivery ships as before.
 */
import assert from 'node:assert/strict';
import { createX3Deliveries, x3Records } from '../../sim/activity';
import { runtimeProblems, startE2E, waitFor, type E2E } from '../support/e2e';

type Obj = Record<string, unknown>;

async function seed(env: E2E, entity: string, records: Obj[]): Promise<void> {
  const res = await fetch(`${env.sims.x3.url}/__sim/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ entity, records }),
  });
  assert.equal(res.status, 200, `seed ${entity}: ${await res.text()}`);
}

const PRODUCTS: Obj[] = [
  { ITMREF: 'CUS000001', DES1AXX: 'Centrifugal pump 1 HP', CUSREF: '8413702004', ORICRY: 'US', ITMWEI: 4, WEU: 'LB' },
  { ITMREF: 'CUS000002', DES1AXX: 'Pump seal kit', CUSREF: '8484200000', ORICRY: 'MX', ITMWEI: 0.5, WEU: 'KG' },
  { ITMREF: 'CUS000003', DES1AXX: 'Pressure gauge', CUSREF: '9026204000', ORICRY: 'DE', ITMWEI: 1, WEU: 'LB' },
  { ITMREF: 'CUS000004', DES1AXX: 'Unclassified valve', CUSREF: '', ORICRY: 'US', ITMWEI: 2, WEU: 'LB' },
];

function delivery(key: string, order: Obj, address: Obj, products: string[]): Obj {
  const today = new Date().toISOString().slice(0, 10);
  return {
    SDHNUM: key,
    STOFCY: order.STOFCY,
    SALFCY: order.SALFCY,
    BPCORD: order.BPCORD,
    SOHNUM: order.SOHNUM,
    SHIDAT: today,
    DLVDAT: today,
    CFMFLG: 1,
    BPAADD: 'MAIN',
    BPTNUM: 'FEDEX',
    MDL: 'GRD',
    PACNBR: 2,
    GROWEI: 30,
    WEU: 'LB',
    YTRACKNUM: '',
    YTRKSTA: '',
    ...address,
    lines: products.map((p, i) => ({
      SDDLIN: (i + 1) * 1000,
      SOHNUM: order.SOHNUM,
      SOPLIN: (PRODUCTS.findIndex((x) => x.ITMREF === p) + 1) * 1000,
      ITMREF: p,
      ITMDES1: p,
      SAU: 'UN',
      QTY: i + 2,
    })),
  };
}

const TORONTO = {
  BPDNAM: ['Maple Fluid Systems', 'Alex Tremblay'],
  BPDADDLIG: ['250 Front St W', '', ''],
  BPDCTY: 'Toronto',
  BPDSAT: 'ON',
  BPDPOSCOD: 'M5V 3G5',
  BPDCRY: 'CA',
  BPDCRYNAM: 'Canada',
  BPDTEL: '416-555-0199',
};
const MONTERREY = {
  BPDNAM: ['Bombas del Norte SA de CV', 'Lucia Garza'],
  BPDADDLIG: ['Av. Constitucion 400 Pte', 'Col. Centro', ''],
  BPDCTY: 'Monterrey',
  BPDSAT: 'NL',
  BPDPOSCOD: '64000',
  BPDCRY: 'MX',
  BPDCRYNAM: 'Mexico',
  BPDTEL: '+52 81 5555 0123',
};

describe('e2e: X3 deliveries to Canada and Mexico (example 01, customs)', function () {
  this.timeout(10 * 60_000);
  let env: E2E;

  before(async function () {
    env = await startE2E({
      sims: {
        fedex: { exceptionRate: 0 },
        x3: {
          records: { customer: 5, product: 5, salesOrder: 5, salesDelivery: 0, purchaseOrder: 0 },
          // this installation keeps a product's customs code and origin in fields of its own
          customFields: {
            product: [
              { x3: 'CUSREF', gql: 'yCustomsCode', title: 'Customs code', maxLength: 20 },
              { x3: 'ORICRY', gql: 'yOriginCountry', title: 'Origin', maxLength: 3 },
            ],
          },
        },
      },
      wiring: { only: ['01'], x3PollSeconds: 1 },
    });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(runtimeProblems(env.runtime));
    await env?.stop();
  });

  it('US -> CA and US -> MX deliveries of several lines: one shipment each with a commercial invoice; a missing customs code fails before any call; domestic unchanged', async function () {
    await seed(env, 'product', PRODUCTS);
    const [base] = await x3Records(env.sims.x3.url, 'salesOrder');
    const order: Obj = {
      SOHNUM: 'SOCUS0001',
      SALFCY: base.SALFCY,
      STOFCY: base.STOFCY,
      BPCORD: base.BPCORD,
      CUR: 'USD',
      lines: PRODUCTS.map((p, i) => ({
        SOPLIN: (i + 1) * 1000,
        ITMREF: p.ITMREF,
        QTY: 50,
        GROPRI: 20 + i * 10,
        SAU: 'UN',
      })),
    };
    await seed(env, 'salesOrder', [order]);
    await seed(env, 'salesDelivery', [
      delivery('SDCA0001', order, TORONTO, ['CUS000001', 'CUS000002', 'CUS000003', 'CUS000001']),
      delivery('SDMX0001', order, MONTERREY, ['CUS000001', 'CUS000002', 'CUS000003']),
      delivery('SDMX0002', order, MONTERREY, ['CUS000001', 'CUS000004']),
    ]);
    const domestic = await createX3Deliveries(env.sims.x3.url, { prefix: 'SDUS', start: 1, count: 1, packages: 1 });

    const shipped = ['SDCA0001', 'SDMX0001', ...domestic];
    const docs = await waitFor('tracking numbers in X3', async () => {
      const all = await x3Records(env.sims.x3.url, 'salesDelivery');
      const mine = all.filter((d) => shipped.includes(String(d.SDHNUM)));
      return mine.length === shipped.length && mine.every((d) => d.YTRACKNUM) ? mine : undefined;
    });
    for (const doc of docs) {
      const key = String(doc.SDHNUM);
      const shipments = env.sims.fedex.state.shipments.filter((s) =>
        s.references.some((r) => r.value === `SEED SDH ${key}`),
      );
      assert.equal(shipments.length, 1, `${key}: one FedEx shipment`);
      const s = shipments[0];
      assert.equal(doc.YTRACKNUM, s.masterTrackingNumber);
      assert.equal(s.recipient.countryCode, doc.BPDCRY);
      const invoice = s.documents.some((d) => d.contentType === 'COMMERCIAL_INVOICE');
      if (doc.BPDCRY === 'US') {
        assert.equal(s.serviceType, 'FEDEX_GROUND', `${key}: domestic service unchanged`);
        assert.equal(invoice, false, `${key}: no customs documents`);
      } else {
        assert.equal(s.serviceType, 'FEDEX_INTERNATIONAL_PRIORITY');
        assert.ok(invoice, `${key}: commercial invoice`);
      }
    }

    // the delivery with an unclassified product: failed, naming the field, and nothing at FedEx
    const failed = await waitFor('the failure of SDMX0002', async () => {
      const { entries } = await env.audit({ x3Key: 'SDMX0002', status: 'failed', limit: 10 });
      return entries.find((e) => e.error?.message.includes('CUSREF')) ?? undefined;
    });
    assert.match(
      failed.error?.message ?? '',
      /product CUS000004: harmonized code missing \(product master CUSREF of CUS000004\)/,
    );
    assert.ok(
      !env.sims.fedex.state.shipments.some((s) => s.references.some((r) => r.value === 'SEED SDH SDMX0002')),
      'no FedEx shipment for SDMX0002',
    );
    const [mx2] = (await x3Records(env.sims.x3.url, 'salesDelivery')).filter((d) => d.SDHNUM === 'SDMX0002');
    assert.equal(mx2.YTRACKNUM, '');
  });
});
