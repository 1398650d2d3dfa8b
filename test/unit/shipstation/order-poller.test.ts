import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stateFile } from '../../../nodes/core/state-file';
import type { Watermark, WatermarkData } from '../../../nodes/core/watermark';
import { ShipStationClient } from '../../../nodes/shipstation/client';
import { createOrderWatermark, pollModifiedOrders } from '../../../nodes/shipstation/order-poller';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';

type Json = Record<string, unknown>;

function order(n: string, modifyDate: string): Json {
  return {
    orderNumber: n,
    orderKey: `key-${n}`,
    orderDate: '2026-10-31T20:00:00Z',
    orderStatus: 'awaiting_shipment',
    billTo: { name: 'Grace Hopper' },
    shipTo: {
      name: 'Grace Hopper',
      street1: '1 Navy Way',
      city: 'Arlington',
      state: 'VA',
      postalCode: '22202',
      country: 'US',
    },
    items: [{ sku: 'SKU-1002', name: 'Espresso Cup Set', quantity: 2, unitPrice: 24 }],
    createDate: '2026-10-31T20:00:00Z',
    modifyDate,
  };
}

describe('shipstation modified-orders poll (core Watermark, Pacific bounds)', function () {
  this.timeout(30_000);
  let sim: ShipStationSim;
  let client: ShipStationClient;
  let now = Date.parse('2026-11-01T09:15:00Z');
  let dir: string;

  before(async () => {
    sim = await startShipStationSim({ now: () => now });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-poll-'));
    client = new ShipStationClient({
      credentials: { apiKey: 'sim-v1-key', apiSecret: 'sim-v1-secret' },
      v1Url: sim.v1Url,
      now: () => now,
    });
  });
  afterEach(async () => {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const watermark = (initial = '2026-11-01T07:00:00Z'): Watermark => {
    const file = stateFile<WatermarkData>(dir, 'shipstation-fetch', 'n1');
    return createOrderWatermark({ store: file, overlapMs: 90 * 60_000, initial, now: () => now });
  };

  async function poll(wm: Watermark): Promise<string[]> {
    const out: string[] = [];
    await pollModifiedOrders({
      client,
      watermark: wm,
      now: () => now,
      emit: (o) => {
        const flagged = ((o._pacificAmbiguous as string[] | undefined) ?? []).includes('modifyDate');
        out.push(`${String(o.orderNumber)}@${String(o.modifyDate)}${flagged ? '?' : ''}`);
      },
    });
    return out;
  }

  it('catches every order across the repeated hour, each version once, and resumes from its state file', async () => {
    const seeded = sim.seed({
      orders: [
        order('A', '2026-11-01T08:50:00Z'), // 01:50 PDT
        order('B', '2026-11-01T09:10:00Z'), // 01:10 PST: later instant, earlier wall clock
        order('C', '2026-11-01T10:20:00Z'), // 02:20 PST
      ],
    });
    assert.deepEqual(seeded.errors, []);

    // 01:15 PST: V1 compares Pacific wall clocks, so A (01:50) is not "before" the end yet.
    // B's "01:10" has two readings and nothing on the record decides: read as PDT, flagged "?"
    // (always the same reading for the same text, so de-duplication stays stable)
    now = Date.parse('2026-11-01T09:15:00Z');
    const wm = watermark();
    assert.deepEqual(await poll(wm), ['B@2026-11-01T08:10:00.000Z?']);
    const last = sim.state.requests[sim.state.requests.length - 1].path;
    assert.match(last, /modifyDateStart=2026-10-31(\+|%20)22(:|%3A)30(:|%3A)00/, 'start = position - overlap, Pacific');
    assert.match(last, /modifyDateEnd=2026-11-01(\+|%20)01(:|%3A)15(:|%3A)00/, 'end = now, Pacific');
    assert.match(last, /sortBy=ModifyDate/);
    assert.match(last, /pageSize=500/);

    // 02:30 PST: the overlap reaches back past the repeated hour and finds A; B is not emitted
    // again. Both readings of A's "01:50" are in the past now, so A is flagged as well
    now = Date.parse('2026-11-01T10:30:00Z');
    assert.deepEqual(await poll(wm), ['A@2026-11-01T08:50:00.000Z?', 'C@2026-11-01T10:20:00.000Z']);
    assert.deepEqual(await poll(wm), []);

    // a restart: a new watermark from the same state file emits nothing old
    const resumed = watermark();
    assert.deepEqual(await poll(resumed), []);

    // an edit is a new (orderId, modifyDate): emitted again
    now = Date.parse('2026-11-01T10:40:00Z');
    sim.touchOrder(seeded.orders[1], { internalNotes: 'edited' });
    assert.deepEqual(await poll(resumed), ['B@2026-11-01T10:40:00.000Z']);
  });

  it('does not emit again what a wall-clock start in the PST pass reaches back to (an hour before it)', async () => {
    sim.seed({ orders: [order('D', '2026-11-01T08:20:00Z'), order('E', '2026-11-01T10:30:00Z')] }); // 01:20 PDT, 02:30 PST
    now = Date.parse('2026-11-01T10:40:00Z');
    const wm = watermark('all');
    assert.deepEqual(await poll(wm), ['D@2026-11-01T08:20:00.000Z?', 'E@2026-11-01T10:30:00.000Z']);
    // position 10:30Z, overlap 90 min: the start is 09:00Z = "01:00" Pacific, which V1 also reads
    // as 01:00 PDT, so D (01:20 PDT) comes back; it must still be known
    const last = () => sim.state.requests[sim.state.requests.length - 1].path;
    assert.deepEqual(await poll(wm), []);
    assert.match(last(), /modifyDateStart=2026-11-01(\+|%20)01(:|%3A)00(:|%3A)00/);
  });
});
