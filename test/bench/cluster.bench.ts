/**
 * Several instances on one PostgreSQL (issue 17), on a throwaway cluster with fsync on:
 *   - ledger claim + complete on PostgreSQL: p50/p95 of 1,000 pairs one after another, and the
 *     rate with 16 documents in flight;
 *   - three instances (three FedEx clients, each with its own pool) tracking through one shared
 *     1,400 / 10 s budget, scaled down to 100 per 1 s so a run lasts seconds: completed calls per
 *     second as a ratio of the quota bound (target >= 0.9), and no 429 at the FedEx simulator;
 *   - failover: a leader that stops renewing (killed) and a standby ticking every lease/3: time
 *     until the standby leads, as a ratio of the lease (bound: lease + lease/3).
 * Skipped (no rows) without PostgreSQL binaries.
 */
import { performance } from 'perf_hooks';
import { openPgStore, type PgAuditStore } from '../../nodes/audit/pg-store';
import { LeaderLease } from '../../nodes/core/leader-lease';
import { FedexClient } from '../../nodes/fedex/client';
import { simClient, startSim } from '../unit/fedex/sim';
import { findPgBin, startPgCluster } from '../support/pg-cluster';
import type { BenchResult } from './types';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function ledgerLatency(store: PgAuditStore): Promise<BenchResult[]> {
  const meta = { owner: 'bench', system: 'fedex' as const, operation: 'ship.create' };
  const times: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const t0 = performance.now();
    const c = await store.claim(`bench:seq:${i}`, meta);
    await store.complete(
      `bench:seq:${i}`,
      { trackingNumber: String(i) },
      { owner: 'bench', attempt: c.entry.attempts },
    );
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (;;) {
        const i = next++;
        if (i >= 2000) return;
        const c = await store.claim(`bench:par:${i}`, meta);
        await store.complete(
          `bench:par:${i}`,
          { trackingNumber: String(i) },
          { owner: 'bench', attempt: c.entry.attempts },
        );
      }
    }),
  );
  const rate = 2000 / ((performance.now() - t0) / 1000);
  return [
    { name: 'PostgreSQL ledger claim + complete, p50', value: round(percentile(times, 50)), unit: 'ms' },
    { name: 'PostgreSQL ledger claim + complete, p95', value: round(percentile(times, 95)), unit: 'ms' },
    { name: 'PostgreSQL ledger claim + complete, 16 in flight', value: Math.round(rate), unit: 'pairs/s' },
  ];
}

async function sharedThroughput(url: string): Promise<BenchResult[]> {
  const sim = await startSim({ quotaLimit: 100, quotaWindowMs: 1000 });
  const stores = [0, 1, 2].map(() => openPgStore({ connection: url, schema: 'bench_budget', poolSize: 4 }));
  await stores[0].ready();
  const clients: FedexClient[] = stores.map((store, i) =>
    simClient(sim, {
      transactionLimit: 100,
      transactionWindowMs: 1000,
      windowGuardMs: 20,
      shared: { store, owner: `bench-${i}` },
    }),
  );
  const seconds = Number(process.env.BENCH_CLUSTER_SECONDS ?? 10);
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    clients.flatMap((c, i) =>
      Array.from({ length: 40 }, async (_, k) => {
        while (performance.now() < deadline) {
          await c.trackByNumbers([String(794_900_000_000 + i * 1000 + k)], { includeDetailedScans: false });
          done += 1;
        }
      }),
    ),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const got429 = sim.state.requests.filter((r) => r.status === 429).length;
  for (const c of clients) await c.close();
  for (const s of stores) await s.close();
  await sim.close();
  const ratio = done / elapsed / 100;
  return [
    {
      name: '3 instances, shared FedEx budget (100/s): throughput / quota',
      value: round(ratio),
      unit: 'ratio',
      target: '>= 0.9',
      pass: ratio >= 0.9,
    },
    {
      name: '3 instances, shared FedEx budget: 429 answers',
      value: got429,
      unit: 'count',
      target: '0',
      pass: got429 === 0,
    },
  ];
}

async function failover(url: string): Promise<BenchResult[]> {
  const leaseMs = 2000;
  const a = openPgStore({ connection: url, schema: 'bench_lease', poolSize: 2 });
  const b = openPgStore({ connection: url, schema: 'bench_lease', poolSize: 2 });
  await a.ready();
  // the leader takes the lease once and then dies (no renewal, no release)
  await a.acquireLease('x3-poll:bench', 'dead-leader', leaseMs);
  const diedAt = performance.now();
  let ledAt = 0;
  const standby = new LeaderLease({
    store: b,
    name: 'x3-poll:bench',
    owner: 'standby',
    leaseMs,
    onChange: (leader) => {
      if (leader) ledAt = performance.now();
    },
  });
  standby.start();
  while (!ledAt) await new Promise((r) => setTimeout(r, 10));
  await standby.close();
  await a.close();
  await b.close();
  const ms = ledAt - diedAt;
  return [
    {
      name: `failover after the leader died (lease ${leaseMs} ms)`,
      value: Math.round(ms),
      unit: 'ms',
      target: `<= ${Math.round((leaseMs * 4) / 3)} + one renewal`,
      pass: ms <= (leaseMs * 4) / 3 + 500,
    },
  ];
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

export async function run(): Promise<BenchResult[]> {
  if (!findPgBin()) {
    console.log('cluster bench skipped: no PostgreSQL binaries');
    return [];
  }
  const cluster = await startPgCluster();
  try {
    const url = await cluster.database('bench');
    const store = openPgStore({ connection: url, schema: 'bench_ledger' });
    const rows = await ledgerLatency(store);
    await store.close();
    rows.push(...(await sharedThroughput(url)));
    rows.push(...(await failover(url)));
    return rows;
  } finally {
    cluster.stop();
  }
}

if (require.main === module) {
  run().then(
    (rows) => {
      console.table(rows);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
