/**
 * Several instances on one PostgreSQL (issue 17), on a throwaway cluster with fsync on:
 *   - the pipeline on three Node-RED processes: example 01 (x3-poll -> fedex-ship -> x3-update
 *     write-back) deployed to all three with the audit-config on this PostgreSQL
 *     (test/support/cluster.ts), BENCH_CLUSTER_DOCS new X3 deliveries (default 601) at a FedEx
 *     quota scaled down to BENCH_CLUSTER_QUOTA per BENCH_CLUSTER_WINDOW_MS (default 200 / 10 s,
 *     simulator and fedex-config) so a run lasts about 30 s. One instance leads x3-poll and its
 *     own fedex-ship and x3-update do every document (the standbys only renew leases), so the
 *     cluster keeps pace with the quota when one instance can: at 20 documents a second a loaded
 *     2-core machine can; 50 a second (500 / 10 s) it cannot, with one instance on SQLite either
 *     (pipeline.bench.ts at the same quota and load). The quota lets the last label go no
 *     earlier than floor((N - 1) / quota) windows after the first: bound / (last write-back - first
 *     label) is the ratio (target >= 0.9). Also: duplicate labels, 429s at the FedEx simulator,
 *     documents written back, and which instances bought the labels (ledger owners);
 *   - ledger claim + complete on PostgreSQL: p50/p95 of 1,000 pairs one after another, and the
 *     rate with 16 documents in flight;
 *   - three FedEx clients in this process (no Node-RED; each with its own pool) tracking through
 *     one shared 1,400 / 10 s budget, scaled down to 100 per 1 s so a run lasts seconds: completed calls per
 *     second as a ratio of the quota bound (target >= 0.9), and no 429 at the FedEx simulator;
 *   - failover: a leader that stops renewing (killed) and a standby ticking every lease/3: time
 *     until the standby leads, as a ratio of the lease (bound: lease + lease/3).
 * Skipped (no rows) without PostgreSQL binaries.
 */
import { performance } from 'perf_hooks';
import { Client } from 'pg';
import { openPgStore, type PgAuditStore } from '../../nodes/audit/pg-store';
import { LeaderLease } from '../../nodes/core/leader-lease';
import { FedexClient } from '../../nodes/fedex/client';
import { deployFlows } from '../../sim/example-wiring';
import { simClient, startSim } from '../unit/fedex/sim';
import { startNodeRedCluster } from '../support/cluster';
import { runtimeProblems } from '../support/e2e';
import { findPgBin, startPgCluster, type PgCluster } from '../support/pg-cluster';
import { envNumber, labelBatch, procSample, until } from './runtime-support';
import type { BenchResult } from './types';

const X3_RECORDS = { customer: 10, product: 10, salesOrder: 20, salesDelivery: 0, purchaseOrder: 0 };
/** Example 01's FedEx reference: X3 folder, document type, delivery number. */
const DELIVERY_REF = 'SEED SDH';

/** Example 01 on three Node-RED processes sharing one PostgreSQL, at a scaled FedEx quota. */
async function clusterPipeline(pg: PgCluster): Promise<BenchResult[]> {
  const docs = Math.floor(envNumber('BENCH_CLUSTER_DOCS', 601));
  const quota = Math.floor(envNumber('BENCH_CLUSTER_QUOTA', 200));
  const windowMs = envNumber('BENCH_CLUSTER_WINDOW_MS', 10_000);
  const connection = await pg.database('bench_pipeline');
  const cluster = await startNodeRedCluster({
    instances: 3,
    connection,
    leaseSeconds: 10,
    sims: { x3: { records: X3_RECORDS }, fedex: { quotaLimit: quota, quotaWindowMs: windowMs } },
    wiring: {
      only: ['01'],
      x3PollSeconds: 1,
      catchUpDelaySeconds: 1,
      fedexConfig: { transactionLimit: quota, transactionWindowSeconds: windowMs / 1000 },
    },
    // BENCH_CLUSTER_NODE_OPTIONS: NODE_OPTIONS of the Node-RED processes (e.g. a --require'd profiler)
    runtimeEnv: process.env.BENCH_CLUSTER_NODE_OPTIONS
      ? { NODE_OPTIONS: process.env.BENCH_CLUSTER_NODE_OPTIONS }
      : undefined,
  });
  const problems = (): string => cluster.runtimes.map((r) => runtimeProblems(r)).join('\n');
  try {
    const { sims, runtimes, flows } = cluster;
    const pollId = flows.find((n) => n.type === 'x3-poll')?.id as string;
    // the first instance deployed leads x3-poll; then the two standbys
    for (const r of runtimes) {
      const started = (): number => r.log().split('Started flows').length;
      const before = started();
      await deployFlows(r.url, flows);
      await until('the deployed flows to start', () => started() > before, 120_000, problems);
      if (r === runtimes[0])
        await until(
          'the first instance to lead x3-poll',
          async () => !!(await cluster.leaseHolder(`x3-poll:${pollId}`)),
          120_000,
          problems,
          200,
        );
    }
    const leader = await cluster.leaseHolder(`x3-poll:${pollId}`);
    // the start-up injects (catch-up poll) have nothing to do; let them pass
    await new Promise((r) => setTimeout(r, 2500));

    const boundMs = Math.floor((docs - 1) / quota) * windowMs;
    const cpu = (): number[] => runtimes.map((r) => procSample(r.process.pid as number).cpuMs);
    // PostgreSQL transactions of the database during the batch (all instances): the cluster's cost per document
    const commits = async (): Promise<number> => {
      const c = new Client({ connectionString: connection });
      await c.connect();
      try {
        const r = await c.query<{ n: string }>(
          'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
        );
        return Number(r.rows[0].n);
      } finally {
        await c.end();
      }
    };
    const cpuBefore = cpu();
    const commitsBefore = await commits();
    const batch = await labelBatch(sims.x3, 'SDQ', docs, 3 * boundMs + 300_000, problems);
    const cpuPerDoc = cpu().map((ms, i) => round((ms - cpuBefore[i]) / docs));
    // the statistics collector reports with a delay of up to a second
    await new Promise((r) => setTimeout(r, 1500));
    const txPerDoc = ((await commits()) - commitsBefore) / docs;
    const shipments = sims.fedex.state.shipments.filter(
      (s) => s.status === 'active' && s.references.some((r) => r.value.startsWith(`${DELIVERY_REF} SDQ`)),
    );
    const perDoc = new Map<string, number>();
    for (const s of shipments)
      for (const r of s.references)
        if (r.value.startsWith(`${DELIVERY_REF} SDQ`)) perDoc.set(r.value, (perDoc.get(r.value) ?? 0) + 1);
    const duplicates = [...perDoc.values()].filter((n) => n > 1).length;
    const firstLabel = Math.min(...shipments.map((s) => s.createdAt));
    const lastLabel = Math.max(...shipments.map((s) => s.createdAt));
    const fromPickUpMs = batch.doneAt - firstLabel;
    const ratio = boundMs / fromPickUpMs;
    const ratioFromX3 = boundMs / (batch.doneAt - batch.startedAt);
    const fedex429 = sims.fedex.state.requests.filter((r) => r.status === 429).length;
    const tokens = sims.fedex.state.tokenRequests.filter((t) => t.outcome === 'issued').length;
    const writtenBack = batch.keys.filter((k) => sims.x3.store.get('salesDelivery', k)?.values.YTRACKNUM).length;
    // who bought the labels: the ledger owner of each FedEx entry is the instance's id, the same
    // id that holds the x3-poll lease
    const c = new Client({ connectionString: connection });
    await c.connect();
    const owners = await c
      .query<{ owner: string; n: number }>(
        "SELECT owner, count(*)::int AS n FROM ledger WHERE system = 'fedex' GROUP BY owner ORDER BY n DESC",
      )
      .finally(() => c.end());
    const byLeader = owners.rows.find((o) => o.owner === leader)?.n ?? 0;
    return [
      {
        name: `3 Node-RED instances, example 01, ${docs} X3 deliveries (FedEx ${quota}/${windowMs / 1000} s): first label to last write-back`,
        value: round(fromPickUpMs / 1000),
        unit: `s (bound ${boundMs / 1000} s; last label at +${round((lastLabel - firstLabel) / 1000)} s)`,
      },
      {
        name: '3 instances, pipeline throughput / quota bound (bound time / actual, from the first pick-up)',
        value: round(ratio),
        unit: 'ratio',
        target: '>= 0.9',
        pass: ratio >= 0.9,
      },
      {
        name: '3 instances, same from the moment the deliveries appear in X3 (adds up to one poll interval)',
        value: round(ratioFromX3),
        unit: 'ratio',
      },
      {
        name: '3 instances, deliveries with exactly one FedEx label',
        value: perDoc.size - duplicates,
        unit: 'docs',
        target: `= ${docs}`,
        pass: perDoc.size - duplicates === docs && shipments.length === docs,
      },
      {
        name: '3 instances, documents written back to X3',
        value: writtenBack,
        unit: 'docs',
        target: `= ${docs}`,
        pass: writtenBack === docs,
      },
      {
        name: '3 instances, 429 answers at the FedEx simulator',
        value: fedex429,
        unit: 'answers',
        target: '0',
        pass: fedex429 === 0,
      },
      { name: '3 instances, FedEx tokens issued', value: tokens, unit: 'tokens', target: '1', pass: tokens === 1 },
      {
        name: '3 instances, Node-RED CPU per document, each instance (the first deployed leads x3-poll)',
        value: cpuPerDoc[0],
        unit: `ms / ${cpuPerDoc.slice(1).join(' ms / ')} ms`,
      },
      { name: '3 instances, PostgreSQL transactions per document', value: round(txPerDoc), unit: 'tx' },
      {
        name: '3 instances, ledger entries (fedex) owned by the x3-poll leader / instances owning any',
        value: byLeader,
        unit: `entries / ${owners.rows.length} instance(s)`,
      },
    ];
  } finally {
    await cluster.stop();
  }
}

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
      name: '3 FedEx clients (no Node-RED), shared FedEx budget (100/s): throughput / quota',
      value: round(ratio),
      unit: 'ratio',
      target: '>= 0.9',
      pass: ratio >= 0.9,
    },
    {
      name: '3 FedEx clients (no Node-RED), shared FedEx budget: 429 answers',
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
    const rows = await clusterPipeline(cluster);
    const url = await cluster.database('bench');
    const store = openPgStore({ connection: url, schema: 'bench_ledger' });
    rows.push(...(await ledgerLatency(store)));
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
