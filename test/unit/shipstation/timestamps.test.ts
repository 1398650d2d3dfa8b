import assert from 'node:assert/strict';
import { ShipStationClient } from '../../../nodes/shipstation/client';
import {
  AMBIGUOUS_KEY,
  PACIFIC_KEY,
  convertV1Timestamps,
  pacificDateOf,
  pacificInstants,
  toV1QueryTime,
  toV1RequestBody,
} from '../../../nodes/shipstation/timestamps';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';

type Json = Record<string, unknown>;
const iso = (ms: number): string => new Date(ms).toISOString();

describe('shipstation V1 timestamps: Pacific <-> UTC across the 2026 DST changes', function () {
  this.timeout(30_000);
  let sim: ShipStationSim;
  let client: ShipStationClient;

  before(async () => {
    // the generated data puts the first eight orders' modifyDates on both transition nights
    sim = await startShipStationSim({ orders: 8 });
    client = new ShipStationClient({
      credentials: { apiKey: 'sim-v1-key', apiSecret: 'sim-v1-secret' },
      v1Url: sim.v1Url,
      retry: { maxRetries: 0 },
    });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  /** The order as V1 sends it (Pacific text), and the true instants the sim stored. */
  async function fetchOrder(
    orderId: number,
  ): Promise<{ raw: Json; truth: { createDate: number; modifyDate: number } }> {
    const raw = await client.getOrder(orderId);
    const stored = sim.state.store.orders.get(orderId);
    assert.ok(stored);
    return { raw, truth: { createDate: stored.createDate, modifyDate: stored.modifyDate } };
  }

  it('converts real order data on 2026-03-08 (spring forward) exactly', async () => {
    // 01:50 PST just before the gap, 03:10 PDT just after it, 04:00 PDT
    for (const orderId of [100000005, 100000006, 100000008]) {
      const { raw, truth } = await fetchOrder(orderId);
      const text = String(raw.modifyDate);
      assert.match(text, /^2026-03-08T0[1-4]:\d\d:00\.0000000$/, 'V1 text is Pacific without an offset');
      assert.doesNotMatch(text, /T02:/, 'no Pacific time inside the skipped hour is ever printed');
      const order = convertV1Timestamps(structuredClone(raw));
      assert.equal(order.modifyDate, iso(truth.modifyDate));
      assert.equal((order[PACIFIC_KEY] as Json).modifyDate, text, 'the original is kept');
      assert.equal(order[AMBIGUOUS_KEY], undefined);
    }
  });

  it('converts real order data on 2026-11-01 (fall back): the repeated hour is decided or flagged', async () => {
    const afterBoth = Date.parse('2026-11-02T00:00:00Z');
    // 02:30 PST, after the repeated hour: one reading
    const late = await fetchOrder(100000007);
    assert.equal(
      convertV1Timestamps(structuredClone(late.raw), { now: afterBoth }).modifyDate,
      iso(late.truth.modifyDate),
    );

    // 01:20 PDT / 01:10 PST / 01:50 PDT / 01:40 PST: the text has two readings
    for (const orderId of [100000001, 100000002, 100000003, 100000004]) {
      const { raw, truth } = await fetchOrder(orderId);
      const readings = pacificInstants(String(raw.modifyDate));
      assert.equal(readings.length, 2, `${String(raw.modifyDate)} is in the repeated hour`);
      assert.ok(readings.includes(truth.modifyDate), 'the true instant is one of the readings');
      const order = convertV1Timestamps(structuredClone(raw), { now: afterBoth });
      const decided = !(order[AMBIGUOUS_KEY] as string[] | undefined)?.includes('modifyDate');
      if (decided) assert.equal(order.modifyDate, iso(truth.modifyDate), 'a decided reading is the right one');
      else assert.equal(order.modifyDate, iso(readings[0]), 'undecided: the earlier (PDT) reading, flagged');
    }
  });

  it('decides the repeated hour from "now": a stamp cannot be in the future', async () => {
    const { raw, truth } = await fetchOrder(100000001); // modified 01:20 PDT = 08:20Z
    const order = convertV1Timestamps(structuredClone(raw), { now: Date.parse('2026-11-01T08:45:00Z') });
    assert.equal(order.modifyDate, iso(truth.modifyDate));
    assert.ok(!((order[AMBIGUOUS_KEY] as string[] | undefined) ?? []).includes('modifyDate'));
  });

  it('decides the repeated hour from createDate: modified 01:10 PST after being created 01:30 PDT', async () => {
    const seeded = sim.seed({
      orders: [
        {
          orderNumber: 'DST-1',
          orderKey: 'dst-1',
          orderDate: '2026-11-01T08:25:00Z',
          orderStatus: 'awaiting_shipment',
          billTo: { name: 'Ada' },
          shipTo: {
            name: 'Ada',
            street1: '1 Main St',
            city: 'Austin',
            state: 'TX',
            postalCode: '78701',
            country: 'US',
          },
          items: [{ sku: 'SKU-1001', name: 'Coffee Mug', quantity: 1, unitPrice: 12.5 }],
          createDate: '2026-11-01T08:30:00Z',
          modifyDate: '2026-11-01T09:10:00Z',
        },
      ],
    });
    assert.deepEqual(seeded.errors, []);
    const { raw } = await fetchOrder(seeded.orders[0]);
    assert.equal(raw.createDate, '2026-11-01T01:30:00.0000000');
    assert.equal(raw.modifyDate, '2026-11-01T01:10:00.0000000', 'modified later, but the wall clock reads earlier');
    const order = convertV1Timestamps(structuredClone(raw), { now: Date.parse('2026-11-02T00:00:00Z') });
    assert.equal(order.createDate, '2026-11-01T08:30:00.000Z');
    assert.equal(order.modifyDate, '2026-11-01T09:10:00.000Z');
    // orderDate comes from the sales channel: nothing on the record decides its 01:25, so it is
    // read as PDT (right here) and flagged
    assert.deepEqual(order[AMBIGUOUS_KEY], ['orderDate']);
    assert.equal(order.orderDate, '2026-11-01T08:25:00.000Z');
    // nested items are converted too, each keeping its own original
    const item = (order.items as Json[])[0];
    assert.match(String(item.createDate), /Z$/);
    assert.ok((item[PACIFIC_KEY] as Json).createDate);
  });

  it('converts shipments and fulfilments; calendar dates stay dates', async () => {
    const label = sim.shipOrder(100000002, { carrierCode: 'ups', serviceCode: 'ups_ground' });
    const shipments = await client.listAll('v1', '/shipments', { orderId: 100000002, includeShipmentItems: true });
    const raw = shipments.find((s) => s.shipmentId === label.shipmentId) as Json;
    const shipment = convertV1Timestamps(structuredClone(raw));
    assert.equal(shipment.createDate, iso(label.createDate));
    assert.equal(shipment.shipDate, raw.shipDate, 'yyyy-MM-dd has no time zone: unchanged');
    assert.match(String(shipment.shipDate), /^\d{4}-\d\d-\d\d$/);

    const fulfilment = convertV1Timestamps({
      fulfillmentId: 1,
      createDate: '2026-11-01T01:30:00.0000000',
      shipDate: '2026-11-01T00:00:00.0000000',
    });
    assert.equal(fulfilment.shipDate, '2026-11-01T07:00:00.000Z', 'midnight Pacific (PDT)');
    assert.equal(pacificDateOf(fulfilment, 'shipDate'), '2026-11-01', 'the Pacific date comes from the original');
  });

  it('writes UTC instants back as Pacific wall clocks for queries and request bodies', () => {
    assert.equal(toV1QueryTime('2026-03-08T09:50:00Z'), '2026-03-08 01:50:00');
    assert.equal(toV1QueryTime('2026-03-08T10:10:00Z'), '2026-03-08 03:10:00');
    assert.equal(toV1QueryTime('2026-11-01T08:20:00Z'), '2026-11-01 01:20:00');
    assert.equal(toV1QueryTime('2026-11-01T09:10:00Z'), '2026-11-01 01:10:00');
    const order = convertV1Timestamps({
      orderDate: '2026-11-01T01:30:00.0000000',
      shipByDate: '2026-03-08T03:10:00.0000000',
      shipDate: '2026-11-03',
    });
    assert.deepEqual(toV1RequestBody(order), {
      orderDate: '2026-11-01T01:30:00.0000000',
      shipByDate: '2026-03-08T03:10:00.0000000',
      shipDate: '2026-11-03',
    });
  });

  it('reads a Pacific time inside the spring gap the way the server stores it (one hour on)', () => {
    assert.deepEqual(pacificInstants('2026-03-08T02:30:00').map(iso), ['2026-03-08T10:30:00.000Z']);
    assert.deepEqual(pacificInstants('2026-11-01 01:30:00.1234567').map(iso), [
      '2026-11-01T08:30:00.123Z',
      '2026-11-01T09:30:00.123Z',
    ]);
  });
});
