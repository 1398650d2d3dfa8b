import { strict as assert } from 'node:assert';
import { type FedexSim, startFedexSim } from '../../../sim/fedex/server';
import { sampleLtlRequest, sampleShipRequest, sampleTrackRequest } from '../../../sim/fedex/samples';
import { FedexSimClient } from '../../../sim/fedex/sim-client';

const T0 = Date.parse('2025-03-14T15:00:00Z');
const HOUR = 3600_000;

type FedexError = { code: string; message: string; parameterList?: Array<{ key: string; value: string }> };
type Envelope = { errors: FedexError[] };
type ScanEvent = {
  date: string;
  eventType: string;
  eventDescription: string;
  derivedStatusCode: string;
  derivedStatus: string;
  locationType: string;
  scanLocation: { city?: string };
};
type TrackResult = {
  trackingNumberInfo: { trackingNumber: string; carrierCode: string; trackingNumberUniqueId: string };
  error?: FedexError;
  latestStatusDetail: { code: string; derivedCode: string; statusByLocale: string; description: string };
  dateAndTimes: Array<{ type: string; dateTime: string }>;
  scanEvents: ScanEvent[];
  serviceDetail: { type: string };
  additionalTrackingInfo: { packageIdentifiers: Array<{ type: string; values: string[] }> };
};
type TrackBody = {
  customerTransactionId?: string;
  output: { completeTrackResults: Array<{ trackingNumber: string; trackResults: TrackResult[] }> };
};
type CreateBody = {
  output: {
    transactionShipments: Array<{ masterTrackingNumber: string; pieceResponses: Array<{ trackingNumber: string }> }>;
  };
};

describe('FedEx sim: Track API and journeys', () => {
  let clock: number;
  let sim: FedexSim;
  let client: FedexSimClient;
  let token: string;

  async function start(options: Parameters<typeof startFedexSim>[0] = {}): Promise<void> {
    sim = await startFedexSim({
      now: () => clock,
      exceptionRate: 0,
      tokenLifetimeSec: 30 * 24 * 3600,
      webhooks: { pollMs: 0 },
      ...options,
    });
    client = new FedexSimClient(sim.url);
    token = await client.token();
  }

  beforeEach(() => {
    clock = T0;
  });
  afterEach(() => sim.close());

  const create = async (o: Parameters<typeof sampleShipRequest>[0] = {}) => {
    const r = await client.call<CreateBody>('POST', '/ship/v1/shipments', token, sampleShipRequest(o));
    assert.equal(r.status, 200, r.text);
    return r.body.output.transactionShipments[0].masterTrackingNumber;
  };
  const track = (numbers: string[], includeDetailedScans = true, headers: Record<string, string> = {}) =>
    client.call<TrackBody & Envelope>(
      'POST',
      '/track/v1/trackingnumbers',
      token,
      sampleTrackRequest(numbers, includeDetailedScans),
      headers,
    );
  const result = async (tn: string) => (await track([tn])).body.output.completeTrackResults[0].trackResults[0];

  it('accepts up to 30 numbers per call and refuses 31 with a 400', async () => {
    await start();
    const numbers = Array.from({ length: 31 }, (_, i) => String(794953535000 + i));
    const over = await track(numbers);
    assert.equal(over.status, 400);
    assert.equal(over.body.errors[0].code, 'INVALID.INPUT.EXCEPTION');
    assert.equal(over.body.errors[0].parameterList?.[0].key, 'trackingInfo');
    const max = await track(numbers.slice(0, 30));
    assert.equal(max.status, 200);
    assert.equal(max.body.output.completeTrackResults.length, 30);
    assert.deepEqual(
      sim.state.trackCalls.map((c) => [c.status, c.count]),
      [
        [400, 31],
        [200, 30],
      ],
    );

    const empty = await client.call<Envelope>('POST', '/track/v1/trackingnumbers', token, {
      includeDetailedScans: true,
      trackingInfo: [],
    });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.errors[0].code, 'TRACKING.TRACKINGNUMBER.EMPTY');
    assert.equal(empty.body.errors[0].message, 'Please provide tracking number.');
  });

  it('reports unknown and malformed numbers per number inside the 200', async () => {
    await start();
    const tn = await create();
    const r = await track([tn, '794953535000', 'NOT-A-NUMBER!'], true, { 'x-customer-transaction-id': 'poll-1' });
    assert.equal(r.status, 200);
    assert.equal(r.body.customerTransactionId, 'poll-1');
    const [known, unknown, invalid] = r.body.output.completeTrackResults;
    assert.equal(known.trackResults[0].latestStatusDetail.code, 'OC');
    assert.equal(known.trackResults[0].error, undefined);
    assert.equal(unknown.trackingNumber, '794953535000');
    assert.equal(unknown.trackResults[0].error?.code, 'TRACKING.TRACKINGNUMBER.NOTFOUND');
    assert.equal(unknown.trackResults[0].trackingNumberInfo.trackingNumber, '794953535000');
    assert.equal(invalid.trackResults[0].error?.code, 'TRACKING.TRACKINGNUMBER.INVALID');
    assert.deepEqual(sim.state.trackCalls.at(-1)?.notFound, 2);
  });

  it('advances a Ground shipment through its scans as the clock moves', async () => {
    await start();
    const tn = await create();
    const at = async (hours: number) => {
      clock = T0 + hours * HOUR;
      return result(tn);
    };
    let r = await at(0);
    assert.deepEqual(
      [r.latestStatusDetail.code, r.latestStatusDetail.derivedCode, r.latestStatusDetail.statusByLocale],
      ['OC', 'IN', 'Initiated'],
    );
    assert.equal(r.trackingNumberInfo.carrierCode, 'FDXG');
    assert.match(r.trackingNumberInfo.trackingNumberUniqueId, new RegExp(`~${tn}~FDEG$`));
    assert.ok(r.dateAndTimes.some((d) => d.type === 'ESTIMATED_DELIVERY'));
    assert.deepEqual(r.additionalTrackingInfo.packageIdentifiers, [
      { type: 'CUSTOMER_REFERENCE', values: ['SO-10042'], trackingNumberUniqueId: '', carrierCode: '' },
    ]);

    r = await at(3);
    assert.equal(r.latestStatusDetail.code, 'PU');
    assert.ok(r.dateAndTimes.some((d) => d.type === 'ACTUAL_PICKUP'));
    r = await at(30);
    assert.equal(r.latestStatusDetail.derivedCode, 'IT');
    r = await at(48);
    assert.deepEqual([r.latestStatusDetail.code, r.latestStatusDetail.derivedCode], ['OD', 'OD']);
    assert.equal(r.scanEvents[0].eventType, 'OD');
    assert.equal(r.scanEvents[0].derivedStatusCode, 'IT', 'the OD scan itself is derived In transit');
    r = await at(53);
    assert.deepEqual([r.latestStatusDetail.code, r.latestStatusDetail.derivedCode], ['DL', 'DL']);
    const delivered = r.dateAndTimes.find((d) => d.type === 'ACTUAL_DELIVERY');
    assert.equal(delivered?.dateTime, '2025-03-16T16:00:00-04:00', 'local time in New York with its offset');

    assert.deepEqual(
      r.scanEvents.map((e) => e.eventType),
      ['DL', 'OD', 'AR', 'IT', 'DP', 'AR', 'DP', 'AR', 'PU', 'OC'],
      'newest first',
    );
    const cities = new Set(r.scanEvents.map((e) => e.scanLocation.city).filter(Boolean));
    assert.ok(cities.size >= 4, `several locations: ${[...cities].join(', ')}`);
    assert.equal(r.scanEvents.at(-1)?.locationType, 'CUSTOMER');
    assert.equal(r.scanEvents.at(-1)?.derivedStatusCode, 'IN');
    for (const e of r.scanEvents) assert.match(e.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  });

  it('scales journeys with journeySeconds and omits detailed scans when not asked for', async () => {
    await start({ journeySeconds: 60 });
    const tn = await create({ serviceType: 'PRIORITY_OVERNIGHT' });
    clock = T0 + 30_000;
    const mid = await result(tn);
    assert.notEqual(mid.latestStatusDetail.code, 'DL');
    assert.equal(mid.trackingNumberInfo.carrierCode, 'FDXE');
    clock = T0 + 60_000;
    assert.equal((await result(tn)).latestStatusDetail.code, 'DL');
    const brief = (await track([tn], false)).body.output.completeTrackResults[0].trackResults[0];
    assert.equal(brief.latestStatusDetail.code, 'DL');
    assert.deepEqual(brief.scanEvents, []);
  });

  it('inserts a delivery exception before delivery for the configured share of shipments', async () => {
    await start({ exceptionRate: 1, journeySeconds: 100 });
    const tn = await create();
    clock = T0 + 100_000;
    const r = await result(tn);
    assert.equal(r.latestStatusDetail.code, 'DL');
    const types = r.scanEvents.map((e) => e.eventType);
    assert.deepEqual(types.slice(0, 5), ['DL', 'OD', 'AR', 'DE', 'OD']);
    const de = r.scanEvents.find((e) => e.eventType === 'DE') as ScanEvent & { exceptionCode: string };
    assert.equal(de.derivedStatusCode, 'DE');
    assert.equal(de.exceptionCode, '08');
  });

  it('is deterministic for a seed: same numbers and the same journey', async () => {
    await start({ seed: 42 });
    const a = await create();
    const ja = sim.findShipment(a)?.journey;
    await sim.close();
    await start({ seed: 42 });
    const b = await create();
    assert.equal(a, b);
    assert.deepEqual(sim.findShipment(b)?.journey, ja);
  });

  it('answers NOTFOUND for a new label during trackVisibilityDelayMs and for a mismatched carrier code', async () => {
    await start({ trackVisibilityDelayMs: 5 * 60_000 });
    const tn = await create();
    assert.equal((await result(tn)).error?.code, 'TRACKING.TRACKINGNUMBER.NOTFOUND');
    clock += 5 * 60_000;
    assert.equal((await result(tn)).latestStatusDetail.code, 'OC');
    const express = await client.call<TrackBody>('POST', '/track/v1/trackingnumbers', token, {
      includeDetailedScans: true,
      trackingInfo: [{ trackingNumberInfo: { trackingNumber: tn, carrierCode: 'FDXE' } }],
    });
    assert.equal(
      express.body.output.completeTrackResults[0].trackResults[0].error?.code,
      'TRACKING.TRACKINGNUMBER.NOTFOUND',
    );
  });

  it('POST /__sim/advance makes the next scans happen now', async () => {
    await start();
    const tn = await create();
    const adv = await client.admin<{ advanced: string[] }>('POST', '/advance', { trackingNumber: tn, to: 'PU' });
    assert.deepEqual(adv.body.advanced, ['PU']);
    assert.equal((await result(tn)).latestStatusDetail.code, 'PU');
    clock += 1000;
    await client.admin('POST', '/advance', { trackingNumber: tn, to: 'DL' });
    const r = await result(tn);
    assert.equal(r.latestStatusDetail.code, 'DL');
    assert.equal(r.scanEvents.length, 10);
  });

  describe('track by reference', () => {
    const byRef = (ri: Record<string, unknown>) =>
      client.call<TrackBody & Envelope>('POST', '/track/v1/referencenumbers', token, {
        includeDetailedScans: true,
        referencesInformation: ri,
      });

    it('finds shipments by customer reference for the account, per package', async () => {
      await start();
      const tn = await create({ customerReference: 'SO-20001', poNumber: 'PO-9', packages: 2 });
      await create({ customerReference: 'SO-20002' });
      const r = await byRef({ type: 'CUSTOMER_REFERENCE', value: 'so-20001', accountNumber: '740561073' });
      assert.equal(r.status, 200);
      const found = r.body.output.completeTrackResults.map((c) => c.trackingNumber);
      assert.equal(found.length, 2);
      assert.equal(found[0], tn);
      assert.equal(r.body.output.completeTrackResults[0].trackResults[0].latestStatusDetail.code, 'OC');

      const po = await byRef({ type: 'PURCHASE_ORDER', value: 'PO-9', accountNumber: '740561073' });
      assert.equal(po.body.output.completeTrackResults.length, 2);
      const anyType = await byRef({ value: 'SO-20002', accountNumber: '740561073' });
      assert.equal(anyType.body.output.completeTrackResults.length, 1);
    });

    it('reports TRACKING.REFERENCENUMBER.NOTFOUND for wrong type, other accounts and dates out of range', async () => {
      await start({
        clients: [
          { clientId: 'sim-fedex-client-id', clientSecret: 'sim-fedex-client-secret', accountNumbers: ['740561073'] },
          { clientId: 'other', clientSecret: 'other-secret', accountNumbers: ['510087020'] },
        ],
      });
      await create({ customerReference: 'SO-30001' });
      const wrongType = await byRef({ type: 'PURCHASE_ORDER', value: 'SO-30001', accountNumber: '740561073' });
      assert.equal(
        wrongType.body.output.completeTrackResults[0].trackResults[0].error?.code,
        'TRACKING.REFERENCENUMBER.NOTFOUND',
      );
      const foreignAccount = await byRef({ type: 'CUSTOMER_REFERENCE', value: 'SO-30001', accountNumber: '510087020' });
      assert.ok(foreignAccount.body.output.completeTrackResults[0].trackResults[0].error);
      const otherProject = new FedexSimClient(sim.url, 'other', 'other-secret');
      const cross = await otherProject.call<TrackBody>(
        'POST',
        '/track/v1/referencenumbers',
        await otherProject.token(),
        {
          referencesInformation: { type: 'CUSTOMER_REFERENCE', value: 'SO-30001', accountNumber: '740561073' },
        },
      );
      assert.ok(
        cross.body.output.completeTrackResults[0].trackResults[0].error,
        'another project cannot search this account',
      );
      const old = await byRef({
        type: 'CUSTOMER_REFERENCE',
        value: 'SO-30001',
        accountNumber: '740561073',
        shipDateBegin: '2025-02-01',
        shipDateEnd: '2025-02-28',
      });
      assert.ok(old.body.output.completeTrackResults[0].trackResults[0].error);
      const inRange = await byRef({
        type: 'CUSTOMER_REFERENCE',
        value: 'SO-30001',
        accountNumber: '740561073',
        shipDateBegin: '2025-03-14',
        shipDateEndDate: '2025-03-14',
      });
      assert.equal(inRange.body.output.completeTrackResults.length, 1);
      assert.equal(inRange.body.output.completeTrackResults[0].trackResults[0].error, undefined);
    });

    it('searches by destination without an account and validates the combinations', async () => {
      await start();
      const tn = await create({ customerReference: 'SO-40001' });
      const r = await byRef({
        type: 'CUSTOMER_REFERENCE',
        value: 'SO-40001',
        destinationCountryCode: 'US',
        destinationPostalCode: '10004',
      });
      assert.deepEqual(
        r.body.output.completeTrackResults.map((c) => c.trackingNumber),
        [tn],
      );
      const missing = await byRef({ value: 'SO-40001' });
      assert.equal(missing.status, 400);
      assert.deepEqual(
        new Set(missing.body.errors.map((e) => e.parameterList?.[0].key)),
        new Set(['referencesInformation.destinationCountryCode', 'referencesInformation.type']),
      );
    });

    it('finds LTL shipments by their printed PO reference', async () => {
      await start();
      const r = await client.call<CreateBody>(
        'POST',
        '/ship/v1/freight/shipments',
        token,
        sampleLtlRequest({ poNumber: 'PO-LTL-1' }),
      );
      assert.equal(r.status, 200, r.text);
      const found = await byRef({ type: 'PURCHASE_ORDER', value: 'PO-LTL-1', accountNumber: '740561073' });
      assert.equal(found.body.output.completeTrackResults.length, 2, 'both handling units');
      assert.equal(found.body.output.completeTrackResults[0].trackResults[0].trackingNumberInfo.carrierCode, 'FXFR');
    });
  });
});
