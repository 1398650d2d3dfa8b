/**
 * Operator console benchmark: a million-entry SQLite trail, the console's first paint and a
 * search, measured through the same functions its admin routes call (the routes add an HTTP
 * hop and JSON only).
 *
 * Setup (not measured): BENCH_CONSOLE_ROWS entries (default 1,000,000) over 90 days, 1 % failed
 * (a refused webhook among every ten failures), 200 ledger entries unknown and 2,000 claimed.
 * Measured (p50/p95 of BENCH_CONSOLE_SAMPLES, default 20):
 *   - first paint: overview counts + Needs attention (lists of 50) + the first Activity page
 *   - search: the Activity search box with an X3 key, a tracking number and an order number
 *     (a tracking number is found on the second try: X3 keys are tried first)
 *   - document timeline of one X3 document
 *   - a filtered Activity page: by X3 entity (a third of the trail, or the rare one), and by
 *     flow (the nodes of one tab, a quarter of the trail), each with its total, plus the list
 *     of entities the filter offers
 * Target (issue 14): first paint and a search under 1 s.
 * Quick run: BENCH_CONSOLE_ROWS=100000 npx tsx test/bench/run.ts console
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { holdOf } from '../../nodes/audit/ledger-hold';
import { openSqliteStore } from '../../nodes/audit/sqlite-store';
import type { AuditEntryInput } from '../../nodes/audit/types';
import { activity, parseActivityRequest } from '../../nodes/console/activity';
import { needsAttention } from '../../nodes/console/attention';
import { documentTimeline } from '../../nodes/console/timeline';
import type { BenchResult } from './types';

const OWNER = 'bench-process';
const x3Key = (i: number): string => `SDH${String(i).padStart(8, '0')}`;
const tracking = (i: number): string => String(794_600_000_000 + i);
// a third each; purchase orders are rare (1 entry in 1,000), so their page has few matches
const entity = (i: number): string =>
  i % 1000 === 7 ? 'purchaseOrder' : ['salesDelivery', 'salesOrder', 'customer'][i % 3];

function entry(i: number): AuditEntryInput {
  const kind = i % 4;
  const failed = i % 100 === 0;
  return {
    system: kind === 3 ? 'shipstation' : kind === 0 ? 'x3' : 'fedex',
    operation: failed && i % 1000 === 0 ? 'security' : kind === 0 ? 'x3.update' : kind === 3 ? 'order.fetch' : 'track',
    status: failed ? 'failed' : 'succeeded',
    error: failed ? { code: 'HTTP_500', message: 'server error' } : undefined,
    correlation: {
      x3Entity: entity(i),
      x3Key: x3Key(Math.floor(i / 4)),
      trackingNumbers: kind === 1 || kind === 2 ? [tracking(Math.floor(i / 4))] : undefined,
      ...(kind === 3 ? { shipstationOrderNumber: `SO-${Math.floor(i / 4)}` } : {}),
    },
    nodeId: `node-${i % 12}`,
    msg: { payload: { doc: x3Key(Math.floor(i / 4)), trackingNumber: tracking(i), note: 'x'.repeat(200) } },
  };
}

function stats(times: number[]): { p50: number; p95: number } {
  const s = [...times].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  return { p50: at(50), p95: at(95) };
}

async function timed(samples: number, fn: (n: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let n = 0; n < samples; n++) {
    const t0 = performance.now();
    await fn(n);
    times.push(performance.now() - t0);
  }
  return stats(times);
}

export async function run(): Promise<BenchResult[]> {
  const rows = Number(process.env.BENCH_CONSOLE_ROWS ?? 1_000_000);
  const samples = Number(process.env.BENCH_CONSOLE_SAMPLES ?? 20);
  const dir = mkdtempSync(join(tmpdir(), 'sx3s-console-bench-'));
  let clock = Date.parse('2025-01-01T00:00:00Z');
  const step = Math.max(1, Math.floor((90 * 86_400_000) / Math.max(rows, 1)));
  const store = openSqliteStore({ path: join(dir, 'audit.db'), now: () => (clock += step), ledgerSync: 'normal' });
  const results: BenchResult[] = [];
  try {
    const t0 = performance.now();
    for (let i = 0; i < rows; i += 10_000) {
      await store.recordBatch(Array.from({ length: Math.min(10_000, rows - i) }, (_, k) => entry(i + k)));
    }
    for (let k = 0; k < 2_200; k++) {
      const c = await store.claim(`fedex.ship:SEED:${x3Key(k)}`, {
        owner: k < 2_000 ? OWNER : 'earlier-process',
        system: 'fedex',
        operation: 'ship.create',
        correlation: { x3Key: x3Key(k) },
      });
      if (k >= 2_000) await store.markUnknown(c.entry.key, { code: 'TIMEOUT', message: 'no answer' }, holdOf(c.entry));
    }
    results.push({
      name: `setup: ${rows} entries, 2,200 ledger entries`,
      value: (performance.now() - t0) / 1000,
      unit: 's',
    });

    const options = { liveOwners: [OWNER], limit: 50 };
    const paint = await timed(samples, async () => {
      await needsAttention(store, { ...options, countsOnly: true });
      await needsAttention(store, options);
      await activity(store, parseActivityRequest({ limit: '50' }));
    });
    const quarter = Math.floor(rows / 4);
    const search = await timed(samples, async (n) => {
      const i = Math.floor(((n * 7919) % quarter) + 1);
      const term = [x3Key(i), tracking(i), `SO-${i}`][n % 3];
      const page = await activity(store, parseActivityRequest({ search: term, limit: '50' }));
      if (page.total === 0) throw new Error(`search ${term} found nothing`);
    });
    const timeline = await timed(samples, async (n) => {
      await documentTimeline(store, { kind: 'x3Key', value: x3Key(((n * 104_729) % quarter) + 1) });
    });
    // the editor sends the node ids of one tab: 3 of the 12 nodes that recorded entries
    const flowNodes = ['node-0', 'node-5', 'node-8'];
    const filtered = await timed(samples, async (n) => {
      const filters = [
        { x3Entity: ['salesDelivery', 'salesOrder', 'purchaseOrder'][n % 3] },
        { nodeIds: flowNodes.join(',') },
        { x3Entity: 'salesDelivery', nodeIds: flowNodes.join(','), status: 'failed' },
      ][n % 3];
      await store.listX3Entities();
      const page = await activity(store, parseActivityRequest({ ...filters, limit: '50' }));
      if (page.total === 0) throw new Error(`filter ${JSON.stringify(filters)} found nothing`);
    });
    for (const [name, s] of [
      ['first paint (counts + Needs attention + Activity page)', paint],
      ['search (X3 key, tracking number, order number)', search],
      ['document timeline', timeline],
      ['filtered Activity page (entity list + by entity, by flow, both)', filtered],
    ] as const) {
      results.push({ name: `${name} p50`, value: Math.round(s.p50), unit: 'ms' });
      results.push({ name: `${name} p95`, value: Math.round(s.p95), unit: 'ms', target: '< 1000', pass: s.p95 < 1000 });
    }
    return results;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
