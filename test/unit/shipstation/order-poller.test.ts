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

  /** `count` orders from `start`, one every `stepMs`, order numbers N0000.. */
  function seedSpread(count: number, start: number, stepMs: number): number[] {
    const orders = Array.from({ length: count }, (_, i) =>
      order(`N${String(i).padStart(4, '0')}`, new Date(start + i * stepMs).toISOString()),
    );
    const seeded = sim.seed({ orders });
    assert.deepEqual(seeded.errors, []);
    return seeded.orders;
  }

  /** Polls until a poll emits nothing; returns every order number emitted (with repeats). */
  async function pollUntilQuiet(wm: Watermark, onEmit: (o: Json) => void = () => undefined): Promise<string[]> {
    const out: string[] = [];
    for (let round = 0; round < 5; round++) {
      let emitted = 0;
      await pollModifiedOrders({
        client,
        watermark: wm,
        now: () => now,
        emit: (o) => {
          emitted += 1;
          out.push(String(o.orderNumber));
          onEmit(o);
        },
      });
      if (emitted === 0) return out;
      now += 5 * 60_000;
    }
    throw new Error('the poll never became quiet');
  }

  it('1,200 orders over 6 h: an order of page 1 modified after page 1 is served -> every order emitted', async () => {
    const start = Date.parse('2026-06-01T12:00:00Z');
    const ids = seedSpread(1200, start, 18_000); // 6 h, 3 pages of 500
    now = start + 6 * 3_600_000 + 60_000;
    const wm = watermark(new Date(start - 60_000).toISOString());
    let touched = false;
    const out = await pollUntilQuiet(wm, () => {
      if (touched) return;
      // page 1 has been served (its first order is being emitted): order 10 is edited now,
      // which takes it out of this poll's modifyDateEnd and would shift every later row up
      touched = true;
      now += 1000;
      sim.touchOrder(ids[10], { internalNotes: 'edited while the poll runs' });
    });
    assert.ok(touched);
    const missing = Array.from({ length: 1200 }, (_, i) => `N${String(i).padStart(4, '0')}`).filter(
      (n) => !out.includes(n),
    );
    assert.deepEqual(missing, [], 'every order emitted');
    assert.equal(out.filter((n) => n === 'N0010').length, 2, 'the edited order once per version');
    assert.equal(out.length, 1201);
  });

  it('more than a page of orders in one second, then 6 h more: an order of that second modified mid-poll -> every order once per version, the poll ends', async () => {
    const start = Date.parse('2026-06-01T12:00:00Z');
    const ids = seedSpread(1100, start, 0); // a bulk import: 1,100 orders stamped in one second
    const later = Array.from({ length: 800 }, (_, i) =>
      order(`L${String(i).padStart(4, '0')}`, new Date(start + 60_000 + i * 27_000).toISOString()),
    );
    assert.deepEqual(sim.seed({ orders: later }).errors, []);
    now = start + 6 * 3_600_000 + 60_000;
    const wm = watermark(new Date(start - 60_000).toISOString());
    // two edits of orders of that second: once its first page has been served, and once while
    // its later pages are being read (its 600th order is being emitted)
    let emitted = 0;
    const out = await pollUntilQuiet(wm, () => {
      emitted += 1;
      if (emitted !== 1 && emitted !== 600) return;
      now += 1000;
      sim.touchOrder(ids[emitted === 1 ? 3 : 7], { internalNotes: 'edited while the poll runs' });
    });
    assert.equal(new Set(out).size, 1900, 'every order number');
    assert.equal(out.length, 1902, 'each version once');
  });

  it('a signal aborted while a page is emitted stops the poll: nothing more is emitted, requested or committed', async () => {
    now = Date.parse('2026-11-01T20:00:00Z');
    seedSpread(600, Date.parse('2026-11-01T12:00:00Z'), 1000);
    const wm = watermark();
    const file = stateFile<WatermarkData>(dir, 'shipstation-fetch', 'n1');
    const requests = sim.state.counters.requests;
    const aborter = new AbortController();
    const emitted: unknown[] = [];
    await assert.rejects(
      pollModifiedOrders({
        client,
        watermark: wm,
        now: () => now,
        signal: aborter.signal,
        emit: (o) => {
          emitted.push(o.orderNumber);
          if (emitted.length === 3) aborter.abort();
        },
      }),
    );
    assert.equal(emitted.length, 3, 'the order being emitted when the signal aborted is the last');
    assert.equal(sim.state.counters.requests, requests + 1, 'the second page is never asked for');
    assert.equal(file.read(), undefined, 'nothing committed');
    assert.equal(wm.current(), '2026-11-01T07:00:00.000Z');
  });

  it('orders the overlap re-reads are dropped on their stamps alone: only new orders are converted whole', async () => {
    now = Date.parse('2026-11-01T20:00:00Z');
    seedSpread(600, Date.parse('2026-11-01T18:00:00Z'), 1000);
    const wm = watermark('2026-11-01T17:00:00Z');
    // the records as the client hands them over, before the poll converts them in place
    const read: Json[] = [];
    const request = client.request.bind(client);
    client.request = (async (...args: Parameters<ShipStationClient['request']>) => {
      const res = await request(...args);
      read.push(...((res.data as { orders?: Json[] }).orders ?? []));
      return res;
    }) as ShipStationClient['request'];
    assert.equal((await poll(wm)).length, 600);
    read.length = 0;
    const ids = seedSpread(1, Date.parse('2026-11-01T19:59:00Z'), 1000);
    now += 60_000;
    const again = await poll(wm);
    assert.equal(again.length, 1, 'only the new order');
    assert.ok(read.length > 600, 'the overlap re-read the known orders');
    const converted = read.filter((r) => r._pacific !== undefined).map((r) => r.orderId);
    assert.deepEqual(converted, ids, 'the known orders were left as read');
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
