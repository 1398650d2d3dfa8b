import { strict as assert } from 'node:assert';
import { type FedexSim, startFedexSim } from '../../../sim/fedex/server';
import { sampleShipRequest } from '../../../sim/fedex/samples';
import { FedexSimClient } from '../../../sim/fedex/sim-client';

const T0 = Date.parse('2025-03-14T15:00:00Z');

type Doc = { contentType: string; docType: string; encodedLabel?: string };
type Body = {
  errors?: Array<{ code: string; message: string; parameterList?: Array<{ key: string; value: string }> }>;
  output: { transactionShipments: Array<{ shipmentDocuments: Doc[]; serviceType: string }> };
};

const TORONTO = {
  contact: { companyName: 'Maple Fluid Systems', phoneNumber: '4165550199' },
  address: {
    streetLines: ['250 Front St W'],
    city: 'Toronto',
    stateOrProvinceCode: 'ON',
    postalCode: 'M5V3G5',
    countryCode: 'CA',
  },
};

function customs(currency = 'USD', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dutiesPayment: { paymentType: 'SENDER', payor: { responsibleParty: { accountNumber: { value: '740561073' } } } },
    commercialInvoice: { shipmentPurpose: 'SOLD', termsOfSale: 'DDP' },
    commodities: [
      {
        description: 'Centrifugal pump',
        countryOfManufacture: 'US',
        harmonizedCode: '8413702004',
        quantity: 2,
        quantityUnits: 'EA',
        unitPrice: { amount: 100, currency: 'USD' },
        customsValue: { amount: 200, currency },
        weight: { units: 'LB', value: 8 },
      },
    ],
    totalCustomsValue: { amount: 200, currency: 'USD' },
    ...extra,
  };
}

function intl(rsPatch: Record<string, unknown>): Record<string, unknown> {
  const body = sampleShipRequest({ accountNumber: '740561073' });
  const rs = body.requestedShipment as Record<string, unknown>;
  rs.recipients = [TORONTO];
  rs.serviceType = 'FEDEX_INTERNATIONAL_PRIORITY';
  Object.assign(rs, rsPatch);
  return body;
}

const text = (b: Body): string => JSON.stringify(b.errors ?? []);

describe('FedEx sim: international shipments (customs per Shipment-Resource.json)', () => {
  let sim: FedexSim;
  let client: FedexSimClient;
  let token: string;
  beforeEach(async () => {
    sim = await startFedexSim({
      now: () => T0,
      exceptionRate: 0,
      webhooks: { pollMs: 0 },
      clients: [{ clientId: 'proj-a', clientSecret: 'secret-a', accountNumbers: ['740561073'] }],
    });
    client = new FedexSimClient(sim.url, 'proj-a', 'secret-a');
    token = await client.token();
  });
  afterEach(() => sim.close());
  const create = (body: unknown) => client.call<Body>('POST', '/ship/v1/shipments', token, body);

  it('refuses a US -> CA shipment without customsClearanceDetail', async () => {
    const r = await create(intl({}));
    assert.equal(r.status, 400);
    assert.match(text(r.body), /customsClearanceDetail/);
  });

  it('requires commercialInvoice, commodities and the country of manufacture; one currency; the package weight unit', async () => {
    const noInvoice = customs();
    delete noInvoice.commercialInvoice;
    assert.match(text((await create(intl({ customsClearanceDetail: noInvoice }))).body), /commercialInvoice/);
    const noOrigin = customs();
    delete (noOrigin.commodities as Array<Record<string, unknown>>)[0].countryOfManufacture;
    assert.match(text((await create(intl({ customsClearanceDetail: noOrigin }))).body), /countryOfManufacture/);
    const mixed = await create(intl({ customsClearanceDetail: customs('CAD') }));
    assert.equal(mixed.status, 400);
    assert.match(text(mixed.body), /CUSTOMS.CURRENCY.MISMATCH|one currency/);
    const kg = customs();
    (kg.commodities as Array<Record<string, unknown>>)[0].weight = { units: 'KG', value: 4 };
    assert.match(text((await create(intl({ customsClearanceDetail: kg }))).body), /weight unit/);
  });

  it('refuses a domestic-only service across the border; FedEx Ground goes to Canada', async () => {
    const r = await create(intl({ serviceType: 'FEDEX_2_DAY', customsClearanceDetail: customs() }));
    assert.equal(r.status, 400);
    assert.match(text(r.body), /SERVICETYPE.NOT.ALLOWED|not offered/);
    const g = await create(intl({ serviceType: 'FEDEX_GROUND', customsClearanceDetail: customs() }));
    assert.equal(g.status, 200, text(g.body));
  });

  it('returns the FedEx-generated commercial invoice (ETD) in shipmentDocuments; none with POST_SHIPMENT_UPLOAD_REQUESTED', async () => {
    const r = await create(
      intl({
        customsClearanceDetail: customs(),
        shipmentSpecialServices: {
          specialServiceTypes: ['ELECTRONIC_TRADE_DOCUMENTS'],
          etdDetail: { requestedDocumentTypes: ['COMMERCIAL_INVOICE'] },
        },
        shippingDocumentSpecification: {
          shippingDocumentTypes: ['COMMERCIAL_INVOICE'],
          commercialInvoiceDetail: { documentFormat: { docType: 'PDF', stockType: 'PAPER_LETTER' } },
        },
      }),
    );
    assert.equal(r.status, 200, text(r.body));
    const docs = r.body.output.transactionShipments[0].shipmentDocuments;
    const invoice = docs.find((d) => d.contentType === 'COMMERCIAL_INVOICE');
    assert.ok(invoice, JSON.stringify(docs));
    assert.equal(invoice.docType, 'PDF');
    assert.equal(
      Buffer.from(invoice.encodedLabel ?? '', 'base64')
        .subarray(0, 5)
        .toString(),
      '%PDF-',
    );

    const later = await create(
      intl({
        customsClearanceDetail: customs(),
        shipmentSpecialServices: {
          specialServiceTypes: ['ELECTRONIC_TRADE_DOCUMENTS'],
          etdDetail: { attributes: ['POST_SHIPMENT_UPLOAD_REQUESTED'] },
        },
      }),
    );
    assert.equal(later.status, 200, text(later.body));
    assert.deepEqual(later.body.output.transactionShipments[0].shipmentDocuments, []);
  });
});
