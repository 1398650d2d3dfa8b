/**
 * ShipStation order pull at the V1 limit: orders per minute the modified-orders poll achieves
 * through the shared header-driven limiter, against the bound of 500 orders per request x 40
 * requests per minute = 20,000 orders/min, and the 429s seen on the way.
 *
 * The poll runs against the ShipStation simulator with a shortened rate window (default 10 s,
 * 40 requests per window) in virtual time: sinon fakes the timers, the simulator and the client
 * read the fake clock, and the clock only jumps while no request is in flight. Demand never stops
 * (a new full poll starts as soon as one ends), and the orders received before the end of the
 * last window are counted; one window is then scaled back to one minute.
 *
 *   SS_BENCH_WINDOWS   windows measured (default 5)
 *   SS_BENCH_WINDOW_MS window length (default 10000)
 *   SS_BENCH_ORDERS    orders in the account (default 1000; pages are 500 either way)
 */
import type { Watermark, WatermarkData } from '../../nodes/core/watermark';
import { ShipStationClient } from '../../nodes/shipstation/client';
import { createOrderWatermark, pollModifiedOrders } from '../../nodes/shipstation/order-poller';
import { startShipStationSim } from '../../sim/shipstation/server';
import { driveVirtualTime, httpInFlight, installClock } from '../unit/shipstation/virtual-time';
import type { BenchResult } from './types';

const V1_LIMIT = 40;
const PAGE = 500;

function memoryWatermark(): Watermark {
  let data: WatermarkData | undefined;
  return createOrderWatermark({
    store: { read: () => data, write: (d) => (data = d) },
    overlapMs: 90 * 60_000,
    initial: 'all',
  });
}

export async function run(): Promise<BenchResult[]> {
  const windows = Number(process.env.SS_BENCH_WINDOWS ?? 5);
  const windowMs = Number(process.env.SS_BENCH_WINDOW_MS ?? 10_000);
  const accountOrders = Number(process.env.SS_BENCH_ORDERS ?? 1000);
  httpInFlight();
  const clock = installClock('2026-11-02T00:00:00.000Z');
  const realStart = process.hrtime.bigint();
  const sim = await startShipStationSim({
    orders: accountOrders,
    now: () => clock.now,
    rateWindowMs: windowMs,
    v1RateLimit: V1_LIMIT,
  });
  const client = new ShipStationClient({
    credentials: { apiKey: 'sim-v1-key', apiSecret: 'sim-v1-secret' },
    v1Url: sim.v1Url,
    now: () => clock.now,
    windowMs,
  });
  try {
    const start = clock.now;
    const end = start + windows * windowMs;
    let counted = 0;
    const work = (async () => {
      while (clock.now < end) {
        await pollModifiedOrders({
          client,
          watermark: memoryWatermark(),
          now: () => clock.now,
          emit: () => {
            if (clock.now < end) counted += 1;
          },
        });
      }
    })();
    await driveVirtualTime(clock, work, () => httpInFlight() > 0);
    const perMinute = counted / windows; // one window scaled back to one minute
    const bound = PAGE * V1_LIMIT;
    const ratio = perMinute / bound;
    const seen429 = sim.state.counters.rateLimited429;
    const realSeconds = Number(process.hrtime.bigint() - realStart) / 1e9;
    return [
      {
        name: 'orders pulled per minute at the V1 limit',
        value: Math.round(perMinute),
        unit: 'orders/min',
        target: `bound ${bound}`,
      },
      {
        name: 'ratio to the bound (500 x 40/min)',
        value: Math.round(ratio * 1000) / 1000,
        unit: 'x',
        target: '>= 0.9',
        pass: ratio >= 0.9,
      },
      { name: '429 responses seen', value: seen429, unit: 'responses', target: '0', pass: seen429 === 0 },
      {
        name: `real time for ${windows} windows of ${windowMs / 1000} s`,
        value: Math.round(realSeconds * 10) / 10,
        unit: 's',
      },
    ];
  } finally {
    clock.restore();
    await client.close();
    await sim.close();
  }
}

if (require.main === module) {
  run().then(
    (rows) => console.table(rows),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
