/**
 * X3 -> FedEx -> X3 at real-world latency: examples 01 + 03 in a real Node-RED (as in
 * pipeline.bench.ts) with every simulator answering each request after BENCH_LATENCY_MS (default
 * "0,50,300") milliseconds, for BENCH_LATENCY_DOCS new X3 sales deliveries (default "200", which
 * keeps `npm run bench` short; the README's figures are from BENCH_LATENCY_DOCS=200,2000, about
 * 12 minutes on a loaded 2-core machine).
 *
 * Per (latency, N), on a fresh audit store (so only this round's shipments are open):
 * 1. Label and write back (example 01): from x3-poll's pick-up of the N deliveries (the first
 *    FedEx label less two latencies: the poll's query and the label request) until the last
 *    tracking number is written back (also reported from the moment they exist in X3). Bounds: x3-update's guarded write-back is one read and
 *    one write per document, so N x (read + write latency) / concurrency (the x3-config's
 *    maxConcurrent, BENCH_LATENCY_CONCURRENCY, default 16); and FedEx's quota (1,400 / 10 s):
 *    floor((N - 1) / 1400) x 10 s. The ratio is actual time / the larger bound (target <= 1.25).
 * 2. Status write-back (example 03): one press of its tracking inject over the N open shipments
 *    (the run's open limit raised to N) until each delivery holds its tracking status; bound
 *    ceil(N / 30) Track calls x latency + N x (read + write latency) / concurrency.
 * X3 calls and new Syracuse sessions per delivery over both phases (target < 0.01 sessions).
 *
 * Quick run: BENCH_LATENCY_MS=0,50 BENCH_LATENCY_DOCS=100 npx tsx test/bench/x3-latency.bench.ts
 */
import { createX3Deliveries } from '../../sim/activity';
import { deployFlows, loadExamples, wireExamples, type WiringOptions } from '../../sim/example-wiring';
import { nodeId, runtimeProblems, startE2E, type E2E } from '../support/e2e';
import { round, runStandalone, until } from './runtime-support';
import type { BenchResult } from './types';

const TRACK_BATCH = 30;
const QUOTA = 1400;
const QUOTA_WINDOW_MS = 10_000;

function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  const list = raw
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isFinite(n) && n >= 0);
  return list.length ? list : fallback;
}

function x3Calls(env: E2E): number {
  const c = env.sims.x3.logs.requestCounts;
  return c.graphql + c.rest + c.soap + c.token;
}

async function waitAll(env: E2E, keys: string[], field: string, what: string): Promise<number> {
  let pending = keys;
  return until(
    what,
    () => {
      pending = pending.filter((k) => !env.sims.x3.store.get('salesDelivery', k)?.values[field]);
      return pending.length === 0;
    },
    30 * 60_000,
    () => `${pending.length} of ${keys.length} without ${field}\n${runtimeProblems(env.runtime)}`,
    20,
  );
}

export async function run(): Promise<BenchResult[]> {
  const latencies = envList('BENCH_LATENCY_MS', [0, 50, 300]);
  const sizes = envList('BENCH_LATENCY_DOCS', [200]).map(Math.floor);
  const concurrency = Math.floor(envList('BENCH_LATENCY_CONCURRENCY', [16])[0]);
  const results: BenchResult[] = [];
  const wiring = (round: number): Omit<WiringOptions, 'sims'> => ({
    only: ['01', '03'],
    x3PollSeconds: 1,
    catchUpDelaySeconds: 1,
    trackSeconds: 86_400,
    auditPath: `bench-latency-${round}.db`,
    x3Config: { maxConcurrent: concurrency },
    fedexConfig: { transactionLimit: QUOTA, transactionWindowSeconds: QUOTA_WINDOW_MS / 1000 },
  });
  const env = await startE2E({
    sims: {
      x3: { records: { customer: 10, product: 10, salesOrder: 20, salesDelivery: 0, purchaseOrder: 0 } },
      fedex: { quotaLimit: QUOTA, quotaWindowMs: QUOTA_WINDOW_MS },
    },
    wiring: wiring(0),
    webhooks: { fedex: false, shipstation: false },
  });
  try {
    let roundNo = 0;
    for (const latency of latencies) {
      for (const docs of sizes) {
        roundNo += 1;
        env.sims.x3.config.latencyMs = 0;
        env.sims.fedex.config.latencyMs = 0;
        const flows = wireExamples(loadExamples(), { sims: env.endpoints, ...wiring(roundNo) });
        for (const n of flows) {
          if (n.type === 'fedex-track') n.openLimit = docs;
          if (n.type === 'inject' && n.name === 'every 15 min') n.once = false;
        }
        const before = env.runtime.log().split('Started flows').length;
        await deployFlows(env.runtime.url, flows);
        await until('the flows to start', () => env.runtime.log().split('Started flows').length > before, 60_000);
        // the start-up catch-up poll has nothing to do; let it pass
        await new Promise((r) => setTimeout(r, 2000));
        env.sims.x3.config.latencyMs = latency;
        env.sims.fedex.config.latencyMs = latency;

        const calls0 = x3Calls(env);
        const sessions0 = env.sims.x3.sessions().created;
        const keys = await createX3Deliveries(env.sims.x3.url, { prefix: `SL${roundNo}`, start: 1, count: docs });
        const startedAt = Date.now();
        const labelledAt = await waitAll(env, keys, 'YTRACKNUM', `${docs} tracking numbers written back`);
        const callsLabel = x3Calls(env) - calls0;

        const calls1 = x3Calls(env);
        const trackStart = Date.now();
        await env.inject(nodeId(flows, '03', 'every 15 min'));
        const statusAt = await waitAll(env, keys, 'YTRKSTA', `${docs} tracking statuses written back`);
        const callsStatus = x3Calls(env) - calls1;
        const sessions = env.sims.x3.sessions().created - sessions0;

        // x3-poll picks the documents up at its next poll (every second): the write-back bound is
        // measured from that pick-up, the poll's query and the first label request before it
        const prefix = `SEED SDH SL${roundNo}`;
        const firstLabel = Math.min(
          ...env.sims.fedex.state.shipments
            .filter((s) => s.references.some((r) => r.value.startsWith(prefix)))
            .map((s) => s.createdAt),
        );
        const pickedUpAt = Math.max(startedAt, firstLabel - 2 * latency);
        const labelMs = labelledAt - pickedUpAt;
        const statusMs = statusAt - trackStart;
        const x3BoundMs = (docs * 2 * latency) / concurrency;
        const quotaBoundMs = Math.floor((docs - 1) / QUOTA) * QUOTA_WINDOW_MS;
        const labelBound = Math.max(x3BoundMs, quotaBoundMs);
        const statusBound = Math.ceil(docs / TRACK_BATCH) * latency + x3BoundMs;
        const tag = `${latency} ms, ${docs} deliveries`;
        const ratio = (actual: number, bound: number): number => (bound > 0 ? actual / bound : NaN);
        const rLabel = ratio(labelMs, labelBound);
        const rStatus = ratio(statusMs, statusBound);
        results.push(
          {
            name: `${tag}: label + tracking number written back (01), from the poll's pick-up`,
            value: round(labelMs / 1000, 2),
            unit: `s (bound ${round(labelBound / 1000, 2)} s: X3 ${round(x3BoundMs / 1000, 2)} s, FedEx quota ${quotaBoundMs / 1000} s)`,
          },
          {
            name: `${tag}: same, from the documents' creation (x3-poll every 1 s)`,
            value: round((labelledAt - startedAt) / 1000, 2),
            unit: 's',
          },
          {
            name: `${tag}: 01 time / bound`,
            value: round(rLabel),
            unit: '',
            target: latency > 0 ? '<= 1.25' : undefined,
            pass: latency > 0 ? rLabel <= 1.25 : undefined,
          },
          {
            name: `${tag}: tracking status written back (03, one run)`,
            value: round(statusMs / 1000, 2),
            unit: `s (bound ${round(statusBound / 1000, 2)} s)`,
          },
          {
            name: `${tag}: 03 time / bound`,
            value: round(rStatus),
            unit: '',
            target: latency > 0 ? '<= 1.25' : undefined,
            pass: latency > 0 ? rStatus <= 1.25 : undefined,
          },
          {
            name: `${tag}: X3 calls per delivery (01 / 03)`,
            value: round(callsLabel / docs, 2),
            unit: `/ ${round(callsStatus / docs, 2)}`,
          },
          {
            name: `${tag}: new X3 sessions per delivery`,
            value: round(sessions / docs, 4),
            unit: `(${sessions} sessions)`,
            target: '< 0.01',
            pass: sessions / docs < 0.01,
          },
        );
        process.stdout.write(
          `  ${tag}: 01 ${round(labelMs / 1000, 2)} s (bound ${round(labelBound / 1000, 2)}), 03 ${round(statusMs / 1000, 2)} s (bound ${round(statusBound / 1000, 2)}), X3 calls/doc ${round(callsLabel / docs, 2)} + ${round(callsStatus / docs, 2)}, sessions ${sessions}\n`,
        );
      }
    }
  } finally {
    await env.stop();
  }
  return results;
}

if (require.main === module) runStandalone(run);
