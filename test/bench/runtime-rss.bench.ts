/**
 * Peak memory of a real Node-RED running every example flow (01-08 deployed together, wired to
 * the simulators, webhooks registered) through BENCH_RSS_ORDERS X3 sales deliveries and as many
 * ShipStation orders (default 10,000 each), target peak RSS < 300 MB.
 *
 * The orders arrive in batches of BENCH_RSS_BATCH (default 1,000 deliveries + 1,000 ShipStation
 * orders; the next batch once the previous one is through): deliveries get a FedEx label and
 * their tracking number written back (01), their tracking events come back by webhook (04) and
 * by polling (03); ShipStation orders are announced by ORDER_NOTIFY in imports of 100 and seen by
 * the modified-orders poll (05), become X3 sales orders with their customers and products;
 * BENCH_RSS_SHIPPED of them (default 200) get a ShipStation label (SHIP_NOTIFY, 06); master data
 * runs every 30 s (07). BENCH_RSS_BATCH=10000 pushes everything at once (a backlog after a
 * downtime: the worst case for memory). After the last batch the flows keep running for
 * BENCH_RSS_SETTLE_SECONDS (default 30) with tracking events still arriving.
 *
 * Node-RED runs in its own process: the figure is its VmHWM (peak resident set since start,
 * /proc). The simulators run in this process. FedEx keeps its real quota (1,400 / 10 s); the
 * ShipStation rate window is shortened to 5 s (40 requests per 5 s) so the run takes minutes,
 * not hours; FedEx journeys last BENCH_RSS_JOURNEY_SECONDS (default 120).
 *
 * BENCH_RSS_NODE_OPTIONS (default none) is passed to Node-RED as NODE_OPTIONS, e.g.
 * "--max-old-space-size=256" (the deployment setting README > Troubleshooting > Memory advises);
 * the target is judged on the default run.
 *
 * Quick run: BENCH_RSS_ORDERS=500 BENCH_RSS_BATCH=250 BENCH_RSS_SHIPPED=20 BENCH_RSS_SETTLE_SECONDS=5 npx tsx test/bench/runtime-rss.bench.ts
 */
import {
  createX3Deliveries,
  shipShipStationOrder,
  shipStationOrderBody,
  stockShipStationSkus,
} from '../../sim/activity';
import { runtimeProblems, startE2E, type E2E } from '../support/e2e';
import { envNumber, procSample, round, runStandalone, until } from './runtime-support';
import type { BenchResult } from './types';

const SS_IMPORT = 100;
const SS_PREFIX = 'RSS-';

async function importShipStationOrders(env: E2E, start: number, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let first = start; first < start + count; first += SS_IMPORT) {
    const n = Math.min(SS_IMPORT, start + count - first);
    const orders = Array.from({ length: n }, (_, i) => shipStationOrderBody(SS_PREFIX, first + i, 5));
    const res = await fetch(`${env.sims.shipstation.v1Url}/__sim/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orders, announce: true }),
    });
    if (!res.ok) throw new Error(`ShipStation seed: HTTP ${res.status} ${await res.text()}`);
    ids.push(...((await res.json()) as { orders: number[] }).orders);
  }
  return ids;
}

export async function run(): Promise<BenchResult[]> {
  const orders = Math.floor(envNumber('BENCH_RSS_ORDERS', 10_000));
  const batch = Math.floor(envNumber('BENCH_RSS_BATCH', 1000));
  const shipped = Math.min(orders, Math.floor(envNumber('BENCH_RSS_SHIPPED', 200)));
  const settleMs = envNumber('BENCH_RSS_SETTLE_SECONDS', 30) * 1000;
  const journeySeconds = envNumber('BENCH_RSS_JOURNEY_SECONDS', 120);
  const nodeOptions = process.env.BENCH_RSS_NODE_OPTIONS ?? '';

  const env = await startE2E({
    sims: {
      x3: { records: { customer: 10, product: 10, salesOrder: 20, salesDelivery: 0, purchaseOrder: 0 } },
      fedex: { journeySeconds, webhooks: { pollMs: 500 } },
      shipstation: { rateWindowMs: 5000 },
    },
    wiring: {
      x3PollSeconds: 2,
      trackSeconds: 15,
      shipstationPollSeconds: 5,
      masterDataSeconds: 30,
      catchUpDelaySeconds: 1,
      shipstationConfig: { windowSeconds: 5 },
    },
    runtimeEnv: nodeOptions ? { NODE_OPTIONS: nodeOptions } : undefined,
  });
  const pid = env.runtime.process.pid!;
  try {
    await stockShipStationSkus(env.sims.x3.url, ['NA011'], 10_000_000);
    await new Promise((r) => setTimeout(r, 3000));
    const baseline = procSample(pid);
    const started = Date.now();

    const x3 = env.sims.x3.store;
    let deliveryKeys: string[] = [];
    const orderIds: number[] = [];
    for (let first = 1; first <= orders; first += batch) {
      const count = Math.min(batch, orders - first + 1);
      const [keys, ids] = await Promise.all([
        createX3Deliveries(env.sims.x3.url, { prefix: 'SDR', start: first, count }),
        importShipStationOrders(env, first, count),
      ]);
      deliveryKeys = deliveryKeys.concat(keys);
      orderIds.push(...ids);
      const numbers = new Set(Array.from({ length: count }, (_, i) => `${SS_PREFIX}${first + i}`));
      let pendingDeliveries = keys;
      await until(
        `batch ${Math.ceil(first / batch)}: ${count} deliveries labelled and ${count} ShipStation orders in X3`,
        () => {
          pendingDeliveries = pendingDeliveries.filter((k) => !x3.get('salesDelivery', k)?.values.YTRACKNUM);
          if (pendingDeliveries.length) return false;
          for (const so of x3.list('salesOrder')) numbers.delete(String(so.values.CUSORDREF ?? ''));
          return numbers.size === 0;
        },
        30 * 60_000,
        () =>
          `${pendingDeliveries.length} deliveries without tracking number, ${numbers.size} orders not in X3; RSS ${round(procSample(pid).rssMb, 1)} MB\n${runtimeProblems(env.runtime)}`,
        500,
      );
    }
    // labels bought in ShipStation for some orders: SHIP_NOTIFY -> X3 fulfilment status + delivery
    for (const id of orderIds.slice(0, shipped)) await shipShipStationOrder(env.sims.shipstation.v1Url, id);
    const throughAt = Date.now();
    await new Promise((r) => setTimeout(r, settleMs));
    const end = procSample(pid);
    const withStatus = x3.list('salesDelivery').filter((d) => d.values.YTRKSTA).length;
    return [
      {
        name: `orders through all example flows (${orders} X3 deliveries + ${orders} ShipStation orders, batches of ${batch})`,
        value: round((throughAt - started) / 1000, 1),
        unit: 's',
      },
      { name: 'Node-RED RSS after deploy, before the orders', value: round(baseline.rssMb, 1), unit: 'MB' },
      {
        name: `Node-RED peak RSS (VmHWM)${nodeOptions ? ` with NODE_OPTIONS=${nodeOptions}` : ''}`,
        value: round(end.peakRssMb, 1),
        unit: 'MB',
        target: '< 300',
        pass: end.peakRssMb < 300,
      },
      {
        name: `Node-RED RSS at the end (${settleMs / 1000} s after the last order)`,
        value: round(end.rssMb, 1),
        unit: 'MB',
      },
      { name: 'X3 deliveries with a tracking status (webhook / Track)', value: withStatus, unit: 'deliveries' },
      { name: 'Node-RED CPU time over the run', value: round((end.cpuMs - baseline.cpuMs) / 1000, 1), unit: 's' },
    ];
  } finally {
    await env.stop();
  }
}

if (require.main === module) runStandalone(run);
