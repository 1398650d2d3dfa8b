/**
 * Audit store benchmark (SQLite): sustained write rate of single record() calls and the time to
 * look up one correlation key in a large trail.
 *
 * Setup (not measured): BENCH_AUDIT_ROWS entries (default 1,000,000) through the bulk path, in
 * transactions of 10,000. Then, on that full database:
 *   - record() awaited one after another, and with 16 in flight, for BENCH_AUDIT_WRITE_SECONDS each
 *   - query() by one tracking number, X3 key and ShipStation order number: p50/p95 of 300 lookups
 *
 * Targets (issue): >= 5,000 writes/s; lookup < 5 ms (p95).
 * Quick run: BENCH_AUDIT_ROWS=100000 npx tsx test/bench/audit.bench.ts
 */
import { mkdtempSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { openSqliteStore, type SqliteAuditStore } from '../../nodes/audit/sqlite-store';
import type { AuditEntryInput, AuditQuery, AuditStatus, AuditSystem } from '../../nodes/audit/types';
import type { BenchResult } from './types';
import { holdOf } from '../../nodes/audit/ledger-hold';

const SYSTEMS: AuditSystem[] = ['x3', 'fedex', 'fedex', 'shipstation'];
const STATUSES: AuditStatus[] = ['succeeded', 'succeeded', 'succeeded', 'received', 'failed'];

/** Deterministic pseudo-random numbers so runs are comparable. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const tracking = (i: number): string => String(794_600_000_000 + i);
const x3Key = (i: number): string => `SDH${String(i).padStart(8, '0')}`;
const ssOrder = (i: number): string => `SO-${i}`;

/** A realistic entry: a fedex-ship/track/x3 step with its correlation keys and a ~0.5 KB msg. */
function entry(i: number): AuditEntryInput {
  const system = SYSTEMS[i % SYSTEMS.length];
  return {
    system,
    operation: system === 'x3' ? 'x3.update' : system === 'fedex' ? (i % 2 ? 'track' : 'ship.create') : 'order.fetch',
    status: STATUSES[i % STATUSES.length],
    correlation: {
      x3Folder: 'SEED',
      x3Entity: 'SDELIVERY',
      x3Key: x3Key(i),
      trackingNumbers: i % 10 === 0 ? [tracking(i), tracking(i) + '1'] : [tracking(i)],
      ...(system === 'shipstation'
        ? { shipstationOrderId: String(100_000 + i), shipstationOrderNumber: ssOrder(i) }
        : {}),
    },
    idempotencyKey: system === 'fedex' && i % 2 === 0 ? `fedex.ship:SEED:${x3Key(i)}` : undefined,
    nodeId: 'bench-node',
    msg: {
      topic: 'SDELIVERY',
      payload: {
        trackingNumber: tracking(i),
        status: 'in_transit',
        statusCode: 'IT',
        description: 'In transit',
        occurredAt: '2025-03-01T10:00:00.000Z',
        location: { city: 'Memphis', stateOrProvinceCode: 'TN', countryCode: 'US' },
        events: [{ code: 'IT', at: '2025-03-01T10:00:00.000Z', description: 'Departed FedEx hub' }],
      },
      x3: { entity: 'SDELIVERY', key: x3Key(i), folder: 'SEED', updatedAt: '2025-03-01T09:59:00.000Z' },
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measureWrites(
  store: SqliteAuditStore,
  seconds: number,
  concurrency: number,
  startAt: number,
): Promise<number> {
  let next = startAt;
  const deadline = performance.now() + seconds * 1000;
  let written = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await store.record(entry(next++));
      written += 1;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return written / ((performance.now() - t0) / 1000);
}

async function measureLookups(
  store: SqliteAuditStore,
  rows: number,
  make: (i: number) => AuditQuery,
  samples: number,
  rnd: () => number,
): Promise<{ p50: number; p95: number; found: number }> {
  const times: number[] = [];
  let found = 0;
  for (let n = 0; n < samples; n++) {
    const i = Math.floor(rnd() * rows);
    const q = make(i);
    const t0 = performance.now();
    const page = await store.query(q);
    times.push(performance.now() - t0);
    if (page.total > 0) found += 1;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), found };
}

export async function run(): Promise<BenchResult[]> {
  const rows = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000);
  const writeSeconds = Number(process.env.BENCH_AUDIT_WRITE_SECONDS ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'sx3s-audit-bench-'));
  const path = join(dir, 'audit.db');
  // entries are spread over the past 90 days like a real retention window
  let clock = Date.parse('2025-01-01T00:00:00Z');
  const step = Math.max(1, Math.floor((90 * 86_400_000) / Math.max(rows, 1)));
  const store = openSqliteStore({ path, now: () => (clock += step) });
  const results: BenchResult[] = [];
  try {
    const tSetup = performance.now();
    const BATCH = 10_000;
    for (let i = 0; i < rows; i += BATCH) {
      const n = Math.min(BATCH, rows - i);
      await store.recordBatch(Array.from({ length: n }, (_, k) => entry(i + k)));
    }
    results.push({
      name: `setup: bulk insert of ${rows} entries`,
      value: (performance.now() - tSetup) / 1000,
      unit: 's',
    });

    const sequential = await measureWrites(store, writeSeconds, 1, rows);
    results.push({
      name: 'record() awaited one at a time',
      value: Math.round(sequential),
      unit: 'writes/s',
      target: '>= 5000',
      pass: sequential >= 5000,
    });
    const concurrent = await measureWrites(store, writeSeconds, 16, rows * 2);
    results.push({
      name: 'record() with 16 in flight',
      value: Math.round(concurrent),
      unit: 'writes/s',
      target: '>= 5000',
      pass: concurrent >= 5000,
    });

    const rnd = lcg(42);
    const lookups: Array<[string, (i: number) => AuditQuery]> = [
      ['tracking number', (i) => ({ trackingNumber: tracking(i) })],
      ['X3 key', (i) => ({ x3Key: x3Key(i) })],
      // ShipStation entries are every 4th one, starting at 3
      [
        'ShipStation order number',
        (i) => ({ shipstationOrderNumber: ssOrder(i - (i % 4) + 3 < rows ? i - (i % 4) + 3 : 3) }),
      ],
    ];
    for (const [label, make] of lookups) {
      const r = await measureLookups(store, rows, make, 300, rnd);
      results.push({
        name: `lookup by ${label} over ${rows} entries, p95 (p50 ${r.p50.toFixed(3)} ms, ${r.found}/300 found)`,
        value: r.p95,
        unit: 'ms',
        target: '< 5',
        pass: r.p95 < 5 && r.found === 300,
      });
    }

    const ledgerN = Math.min(5000, Math.max(500, Math.floor(rows / 100)));
    const tLedger = performance.now();
    for (let i = 0; i < ledgerN; i++) {
      const key = `bench:${i}`;
      const { entry } = await store.claim(key, { owner: 'bench', system: 'fedex', operation: 'ship.create' });
      await store.complete(key, { trackingNumber: tracking(i) }, holdOf(entry));
    }
    results.push({
      name: 'ledger claim + complete (fsynced), one at a time',
      value: Math.round(ledgerN / ((performance.now() - tLedger) / 1000)),
      unit: 'pairs/s',
    });
    await store.close();
    results.push({ name: 'database file size', value: Math.round(statSync(path).size / 1e6), unit: 'MB' });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (require.main === module) {
  run().then(
    (results) => {
      for (const r of results) {
        const verdict = r.pass === undefined ? '' : r.pass ? '  ok' : '  MISS';
        console.log(`${r.name}: ${r.value} ${r.unit}${r.target ? ` (target ${r.target})` : ''}${verdict}`);
      }
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
