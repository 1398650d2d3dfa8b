import { strict as assert } from 'node:assert';
import { type FedexSim, startFedexSim } from '../../../sim/fedex/server';
import { sampleLtlRequest, sampleShipRequest, sampleTrackRequest } from '../../../sim/fedex/samples';
import { FedexSimClient } from '../../../sim/fedex/sim-client';
import { isValidTrackingNumber12 } from '../../../sim/fedex/tracking-numbers';

const T0 = Date.parse('2025-03-14T15:00:00Z');
const HOUR = 3600_000;

type FedexError = { code: string; message: string; parameterList?: Array<{ key: string; value: string }> };
type Envelope = { transactionId: string; customerTransactionId?: string; errors: FedexError[] };
type Doc = { contentType: string; docType: string; trackingNumber: string; encodedLabel?: string; url?: string };
type Piece = {
  trackingNumber: string;
  packageSequenceNumber: number;
  packageDocuments: Doc[];
  customerReferences: unknown[];
};
type TxShipment = {
  masterTrackingNumber: string;
  serviceType: string;
  serviceName: string;
  shipDatestamp: string;
  pieceResponses: Piece[];
  shipmentDocuments: Doc[];
  alerts: unknown[];
  completedShipmentDetail: { carrierCode: string };
};
type CreateBody = {
  transactionId: string;
  customerTransactionId?: string;
  output: { transactionShipments: TxShipment[]; alerts: unknown[] };
};

/** Deep-sets `path` (dot/bracket notation) in a JSON-like object. */
function set(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let cur: Record<string, unknown> = obj;
  for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return obj;
}

function keysOf(env: Envelope): string[] {
  return env.errors.flatMap((e) => (e.parameterList ?? []).map((p) => p.key));
}

describe('FedEx sim: Ship API', () => {
  let clock: number;
  let sim: FedexSim;
  let client: FedexSimClient;
  let token: string;

  beforeEach(async () => {
    clock = T0;
    sim = await startFedexSim({
      now: () => clock,
      exceptionRate: 0,
      // Tests move the clock by days; token expiry is covered in fedex-auth.test.ts.
      tokenLifetimeSec: 30 * 24 * 3600,
      webhooks: { pollMs: 0 },
      clients: [
        { clientId: 'proj-a', clientSecret: 'secret-a', accountNumbers: ['740561073'] },
        { clientId: 'proj-b', clientSecret: 'secret-b', accountNumbers: ['510087020'] },
      ],
    });
    client = new FedexSimClient(sim.url, 'proj-a', 'secret-a');
    token = await client.token();
  });
  afterEach(() => sim.close());

  const create = (body: unknown, headers: Record<string, string> = {}) =>
    client.call<CreateBody & Envelope>('POST', '/ship/v1/shipments', token, body, headers);
  const cancel = (trackingNumber: string, accountNumber = '740561073') =>
    client.call<Envelope & { output: { cancelledShipment: boolean; message: string } }>(
      'PUT',
      '/ship/v1/shipments/cancel',
      token,
      {
        accountNumber: { value: accountNumber },
        trackingNumber,
        senderCountryCode: 'US',
        deletionControl: 'DELETE_ALL_PACKAGES',
      },
    );

  it('creates a shipment with a Base64 PDF label, a valid 12-digit tracking number and the echoed transaction id', async () => {
    const r = await create(sampleShipRequest({ accountNumber: '740561073' }), {
      'x-customer-transaction-id': 'SO-10042',
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.customerTransactionId, 'SO-10042');
    const [ts] = r.body.output.transactionShipments;
    assert.ok(isValidTrackingNumber12(ts.masterTrackingNumber), ts.masterTrackingNumber);
    assert.equal(ts.serviceType, 'FEDEX_GROUND');
    assert.equal(ts.serviceName, 'FedEx Ground');
    assert.equal(ts.shipDatestamp, '2025-03-14');
    assert.equal(ts.completedShipmentDetail.carrierCode, 'FDXG');
    assert.equal(ts.pieceResponses.length, 1);
    const doc = ts.pieceResponses[0].packageDocuments[0];
    assert.equal(doc.contentType, 'LABEL');
    assert.equal(doc.docType, 'PDF');
    const pdf = Buffer.from(doc.encodedLabel as string, 'base64');
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.ok(pdf.toString('latin1').includes(ts.masterTrackingNumber));

    const stored = sim.findShipment(ts.masterTrackingNumber);
    assert.ok(stored);
    assert.equal(stored.customerTransactionId, 'SO-10042');
    assert.deepEqual(stored.references, [{ type: 'CUSTOMER_REFERENCE', value: 'SO-10042' }]);
    assert.equal(sim.state.creates.at(-1)?.status, 200);
  });

  it('returns one piece per package, each with its own tracking number; a past ship date becomes today', async () => {
    const r = await create(sampleShipRequest({ accountNumber: '740561073', packages: 3, shipDatestamp: '2025-03-01' }));
    assert.equal(r.status, 200);
    const [ts] = r.body.output.transactionShipments;
    const numbers = ts.pieceResponses.map((p) => p.trackingNumber);
    assert.equal(new Set(numbers).size, 3);
    assert.equal(numbers[0], ts.masterTrackingNumber);
    numbers.forEach((n) => assert.ok(isValidTrackingNumber12(n)));
    assert.deepEqual(
      ts.pieceResponses.map((p) => p.packageSequenceNumber),
      [1, 2, 3],
    );
    assert.equal(ts.shipDatestamp, '2025-03-14');
  });

  it('serves URL_ONLY labels from a link valid for 24 hours, plus a merged document link', async () => {
    const r = await create(sampleShipRequest({ accountNumber: '740561073', labelResponseOptions: 'URL_ONLY' }));
    const [ts] = r.body.output.transactionShipments;
    const doc = ts.pieceResponses[0].packageDocuments[0];
    assert.equal(doc.encodedLabel, undefined);
    assert.ok(doc.url?.startsWith(sim.url));
    const got = await fetch(doc.url as string);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'application/pdf');
    assert.equal(
      Buffer.from(await got.arrayBuffer())
        .subarray(0, 5)
        .toString(),
      '%PDF-',
    );
    assert.equal(ts.shipmentDocuments[0].contentType, 'MERGED_LABEL_DOCUMENTS');
    clock += 24 * HOUR + 1;
    assert.equal((await fetch(doc.url as string)).status, 404);
  });

  it('renders ZPLII and PNG labels', async () => {
    const zpl = await create(
      sampleShipRequest({ accountNumber: '740561073', imageType: 'ZPLII', labelStockType: 'STOCK_4X6' }),
    );
    const [z] = zpl.body.output.transactionShipments;
    const text = Buffer.from(z.pieceResponses[0].packageDocuments[0].encodedLabel as string, 'base64').toString('utf8');
    assert.match(text, /^\^XA/);
    assert.ok(text.includes(z.masterTrackingNumber));
    const png = await create(
      sampleShipRequest({ accountNumber: '740561073', imageType: 'PNG', labelStockType: 'PAPER_4X6' }),
    );
    const bytes = Buffer.from(
      png.body.output.transactionShipments[0].pieceResponses[0].packageDocuments[0].encodedLabel as string,
      'base64',
    );
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  describe('validation', () => {
    const valid = () => sampleShipRequest({ accountNumber: '740561073' });

    it("rejects a missing recipient with FedEx's envelope naming the field", async () => {
      const r = await create(set(valid(), 'requestedShipment.recipients', undefined), {
        'x-customer-transaction-id': 'tx-1',
      });
      assert.equal(r.status, 400);
      assert.ok(r.body.transactionId);
      assert.equal(r.body.customerTransactionId, 'tx-1');
      assert.equal(r.body.errors[0].code, 'INVALID.INPUT.EXCEPTION');
      assert.equal(r.body.errors[0].message, 'Invalid field value in the input');
      assert.deepEqual(r.body.errors[0].parameterList, [{ key: 'requestedShipment.recipients', value: 'required' }]);
      assert.equal(sim.state.shipments.length, 0);
      assert.equal(sim.state.creates.at(-1)?.status, 400);
    });

    it('rejects a recipient without contact or phone', async () => {
      const r = await create(set(valid(), 'requestedShipment.recipients[0].contact.phoneNumber', undefined));
      assert.equal(r.status, 400);
      assert.deepEqual(keysOf(r.body), ['requestedShipment.recipients[0].contact.phoneNumber']);
    });

    it('rejects bad enum values, each reported', async () => {
      const body = valid();
      set(body, 'labelResponseOptions', 'PDF_ONLY');
      set(body, 'requestedShipment.serviceType', 'FEDEX_TELEPORT');
      set(body, 'requestedShipment.packagingType', 'BAG');
      set(body, 'requestedShipment.pickupType', 'WHENEVER');
      set(body, 'requestedShipment.shippingChargesPayment.paymentType', 'CASH');
      set(body, 'requestedShipment.labelSpecification.imageType', 'GIF');
      set(body, 'requestedShipment.labelSpecification.labelStockType', 'NAPKIN');
      set(body, 'requestedShipment.requestedPackageLineItems[0].customerReferences[0].customerReferenceType', 'ORDER');
      set(body, 'requestedShipment.requestedPackageLineItems[0].weight.units', 'STONE');
      const r = await create(body);
      assert.equal(r.status, 400);
      assert.deepEqual(
        new Set(keysOf(r.body)),
        new Set([
          'labelResponseOptions',
          'requestedShipment.serviceType',
          'requestedShipment.packagingType',
          'requestedShipment.pickupType',
          'requestedShipment.shippingChargesPayment.paymentType',
          'requestedShipment.labelSpecification.imageType',
          'requestedShipment.labelSpecification.labelStockType',
          'requestedShipment.requestedPackageLineItems[0].customerReferences[0].customerReferenceType',
          'requestedShipment.requestedPackageLineItems[0].weight.units',
        ]),
      );
    });

    it('enforces the documented maximum lengths', async () => {
      const body = valid();
      set(body, 'requestedShipment.recipients[0].address.streetLines[0]', 'x'.repeat(36));
      set(body, 'requestedShipment.recipients[0].address.city', 'y'.repeat(36));
      set(body, 'requestedShipment.recipients[0].address.postalCode', '12345678901');
      set(body, 'requestedShipment.recipients[0].contact.personName', 'p'.repeat(71));
      set(body, 'requestedShipment.shipper.contact.companyName', 'c'.repeat(36));
      const r = await create(body);
      assert.equal(r.status, 400);
      assert.deepEqual(
        new Set(keysOf(r.body)),
        new Set([
          'requestedShipment.recipients[0].address.streetLines[0]',
          'requestedShipment.recipients[0].address.city',
          'requestedShipment.recipients[0].address.postalCode',
          'requestedShipment.recipients[0].contact.personName',
          'requestedShipment.shipper.contact.companyName',
        ]),
      );
      // Exactly at the limits is fine.
      const edge = valid();
      set(edge, 'requestedShipment.recipients[0].address.streetLines[0]', 'x'.repeat(35));
      set(edge, 'requestedShipment.recipients[0].address.city', 'y'.repeat(35));
      set(edge, 'requestedShipment.recipients[0].contact.personName', 'p'.repeat(70));
      set(edge, 'requestedShipment.shipper.contact.companyName', 'c'.repeat(35));
      assert.equal((await create(edge)).status, 200);
    });

    it('checks phone digits (US exactly 10, optional +1) and the state code for US addresses', async () => {
      assert.equal(
        (await create(set(valid(), 'requestedShipment.recipients[0].contact.phoneNumber', '212555010'))).status,
        400,
      );
      assert.equal(
        (await create(set(valid(), 'requestedShipment.recipients[0].contact.phoneNumber', '+1 (212) 555-0100'))).status,
        200,
      );
      assert.equal(
        (await create(set(valid(), 'requestedShipment.recipients[0].contact.phoneNumber', 2125550100))).status,
        200,
      );
      assert.equal(
        (await create(set(valid(), 'requestedShipment.recipients[0].contact.phoneNumber', '212-555-01OO'))).status,
        400,
      );
      const noState = await create(
        set(valid(), 'requestedShipment.recipients[0].address.stateOrProvinceCode', undefined),
      );
      assert.deepEqual(keysOf(noState.body), ['requestedShipment.recipients[0].address.stateOrProvinceCode']);
      const emptyLine = await create(
        set(valid(), 'requestedShipment.recipients[0].address.streetLines', ['1 Broadway', '']),
      );
      assert.deepEqual(keysOf(emptyLine.body), ['requestedShipment.recipients[0].address.streetLines[1]']);
    });

    it('applies reference lengths per type: CUSTOMER_REFERENCE 30 on Ground, 40 on Express', async () => {
      const ref = 'requestedShipment.requestedPackageLineItems[0].customerReferences[0].value';
      assert.equal((await create(set(valid(), ref, 'R'.repeat(31)))).status, 400);
      assert.equal((await create(set(valid(), ref, 'R'.repeat(30)))).status, 200);
      const express = set(
        sampleShipRequest({ accountNumber: '740561073', serviceType: 'PRIORITY_OVERNIGHT' }),
        ref,
        'R'.repeat(40),
      );
      assert.equal((await create(express)).status, 200);
      assert.equal((await create(set(express, ref, 'R'.repeat(41)))).status, 400);
      const po = sampleShipRequest({ accountNumber: '740561073', poNumber: 'P'.repeat(31) });
      const r = await create(po);
      assert.deepEqual(keysOf(r.body), ['requestedShipment.requestedPackageLineItems[0].customerReferences[1].value']);
    });

    it('allows at most 30 package line items', async () => {
      const r = await create(sampleShipRequest({ accountNumber: '740561073', packages: 31 }));
      assert.equal(r.status, 400);
      assert.deepEqual(keysOf(r.body), ['requestedShipment.requestedPackageLineItems']);
      assert.match(r.body.errors[0].parameterList?.[0].value ?? '', /at most 30/);
      assert.equal((await create(sampleShipRequest({ accountNumber: '740561073', packages: 30 }))).status, 200);
    });

    it("refuses an account that is not the project's (ACCOUNTNUMBER.REGISTRATION.REQUIRED)", async () => {
      const r = await create(sampleShipRequest({ accountNumber: '510087020' }));
      assert.equal(r.status, 400);
      assert.equal(r.body.errors[0].code, 'ACCOUNTNUMBER.REGISTRATION.REQUIRED');
      assert.equal(sim.state.shipments.length, 0);
    });

    it('checks label stock against image type, packaging against service and the SENDER payor account', async () => {
      const stock = await create(set(valid(), 'requestedShipment.labelSpecification.labelStockType', 'STOCK_4X6'));
      assert.deepEqual(keysOf(stock.body), ['requestedShipment.labelSpecification.labelStockType']);
      const env = await create(set(valid(), 'requestedShipment.packagingType', 'FEDEX_ENVELOPE'));
      assert.equal(env.body.errors[0].code, 'SERVICE.PACKAGECOMBINATION.INVALID');
      const payor = await create(
        set(
          valid(),
          'requestedShipment.shippingChargesPayment.payor.responsibleParty.accountNumber.value',
          '999999999',
        ),
      );
      assert.equal(payor.body.errors[0].code, 'ACCOUNT.NUMBER.MISMATCH');
      const overweight = await create(set(valid(), 'requestedShipment.requestedPackageLineItems[0].weight.value', 151));
      assert.deepEqual(keysOf(overweight.body), ['requestedShipment.requestedPackageLineItems[0].weight.value']);
    });

    it('needs JSON: malformed JSON or another content type gives 400', async () => {
      const bad = await fetch(`${sim.url}/ship/v1/shipments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"labelResponseOptions": ',
      });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as Envelope).errors[0].code, 'INVALID.INPUT.EXCEPTION');
      const form = await fetch(`${sim.url}/ship/v1/shipments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=b',
      });
      assert.equal(form.status, 400);
    });
  });

  it('validates a single package without creating anything', async () => {
    const ok = await client.call<{ output: { alerts: Array<{ code: string }> } }>(
      'POST',
      '/ship/v1/shipments/packages/validate',
      token,
      sampleShipRequest({ accountNumber: '740561073' }),
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.body.output.alerts[0].code, 'SHIPMENT.VALIDATION.SUCCESS');
    assert.equal(sim.state.shipments.length, 0);
    const two = await client.call<Envelope>(
      'POST',
      '/ship/v1/shipments/packages/validate',
      token,
      sampleShipRequest({ accountNumber: '740561073', packages: 2 }),
    );
    assert.equal(two.status, 400);
  });

  describe('cancel', () => {
    it('cancels before pickup, then reports already cancelled; tracking shows CA', async () => {
      const tn = (await create(sampleShipRequest({ accountNumber: '740561073' }))).body.output.transactionShipments[0]
        .masterTrackingNumber;
      const ok = await cancel(tn);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.output.cancelledShipment, true);
      const again = await cancel(tn);
      assert.equal(again.status, 400);
      assert.equal(again.body.errors[0].code, 'SHIPMENT.ALREADY.CANCELLED');
      const tr = await client.call<{
        output: { completeTrackResults: Array<{ trackResults: Array<{ latestStatusDetail: { code: string } }> }> };
      }>('POST', '/track/v1/trackingnumbers', token, sampleTrackRequest([tn]));
      assert.equal(tr.body.output.completeTrackResults[0].trackResults[0].latestStatusDetail.code, 'CA');
      clock += 100 * HOUR;
      const later = await client.call<{
        output: { completeTrackResults: Array<{ trackResults: Array<{ latestStatusDetail: { code: string } }> }> };
      }>('POST', '/track/v1/trackingnumbers', token, sampleTrackRequest([tn]));
      assert.equal(
        later.body.output.completeTrackResults[0].trackResults[0].latestStatusDetail.code,
        'CA',
        'a cancelled shipment never moves',
      );
      assert.deepEqual(
        sim.state.cancels.map((c) => c.outcome),
        ['cancelled', 'already_cancelled'],
      );
    });

    it('refuses unknown numbers, other accounts, tendered and delivered shipments', async () => {
      const unknown = await cancel('794953535000');
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.errors[0].code, 'TRACKINGNUMBER.ENTERED.INVALID');

      const tn = (await create(sampleShipRequest({ accountNumber: '740561073' }))).body.output.transactionShipments[0]
        .masterTrackingNumber;
      const foreign = await cancel(tn, '510087020');
      assert.equal(foreign.body.errors[0].code, 'SHIPMENT.USER.UNAUTHORIZED');

      clock += 4 * HOUR; // picked up at +3 h on the Ground journey
      const tendered = await cancel(tn);
      assert.equal(tendered.status, 400);
      assert.equal(tendered.body.errors[0].code, 'SHIPMENT.CANCEL.NOTALLOWED');
      clock += 60 * HOUR;
      const delivered = await cancel(tn);
      assert.equal(delivered.body.errors[0].code, 'SHIPMENT.CANCEL.NOTALLOWED');
      assert.match(delivered.body.errors[0].message, /delivered/);
      assert.equal(sim.findShipment(tn)?.status, 'active');
    });
  });

  describe('Freight LTL', () => {
    const createLtl = (body: unknown) =>
      client.call<CreateBody & Envelope>('POST', '/ship/v1/freight/shipments', token, body);

    it('creates an LTL shipment with handling-unit pieces and a bill of lading', async () => {
      const r = await createLtl(sampleLtlRequest({ accountNumber: '740561073' }));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const [ts] = r.body.output.transactionShipments;
      assert.equal(ts.serviceType, 'FEDEX_FREIGHT_ECONOMY');
      assert.equal(ts.completedShipmentDetail.carrierCode, 'FXFR');
      assert.equal(ts.pieceResponses.length, 2);
      assert.equal(ts.shipmentDocuments[0].contentType, 'BILL_OF_LADING');
      assert.deepEqual(sim.findShipment(ts.masterTrackingNumber)?.references, [
        { type: 'PO_NUMBER', value: 'PO-4711' },
      ]);
    });

    it('validates the freight class and the line-item links', async () => {
      const bad = await createLtl(sampleLtlRequest({ accountNumber: '740561073', freightClass: 'CLASS_075' }));
      assert.equal(bad.status, 400);
      assert.deepEqual(keysOf(bad.body), ['freightRequestedShipment.freightShipmentDetail.lineItem[0].freightClass']);
      const body = sampleLtlRequest({ accountNumber: '740561073' });
      set(body, 'freightRequestedShipment.requestedPackageLineItems[1].associatedFreightLineItems[0].id', '9');
      set(body, 'freightRequestedShipment.serviceType', 'FEDEX_GROUND');
      const r = await createLtl(body);
      assert.deepEqual(
        new Set(keysOf(r.body)),
        new Set([
          'freightRequestedShipment.requestedPackageLineItems[1].associatedFreightLineItems[0].id',
          'freightRequestedShipment.serviceType',
        ]),
      );
    });

    it('refuses LTL service types on the parcel endpoint', async () => {
      const r = await create(sampleShipRequest({ accountNumber: '740561073', serviceType: 'FEDEX_FREIGHT_PRIORITY' }));
      assert.equal(r.status, 400);
      assert.match(r.body.errors[0].parameterList?.[0].value ?? '', /freight/);
    });
  });
});
