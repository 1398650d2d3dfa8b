/**
 * Label store and ledger size: BENCH_LABELS (default 10,000) labels of 50 kB shipped through the
 * ledger as an earlier version stored them (bytes inline in the ledger row), then the retention
 * run moves them to the label store, then everything is past retention and purged.
 * Reports the database size (file + WAL) and the label store size at each step, and the write
 * time per label file. Target: the database falls to a small fraction once the bytes are out,
 * and both fall to near zero after the purge.
 * Quick run: BENCH_LABELS=1000 npx tsx test/bench/run.ts labels
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { holdOf } from '../../nodes/audit/ledger-hold';
import { LabelStore } from '../../nodes/audit/label-store';
import { runLedgerRetention } from '../../nodes/audit/ledger-retention';
import { openSqliteStore } from '../../nodes/audit/sqlite-store';
import type { BenchResult } from './types';

const DAY = 86_400_000;

export async function run(): Promise<BenchResult[]> {
  const n = Number(process.env.BENCH_LABELS ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'sx3s-bench-labels-'));
  let now = Date.parse('2025-03-01T12:00:00.000Z');
  const clock = (): number => now;
  const path = join(dir, 'audit.db');
  const store = openSqliteStore({ path, now: clock });
  const labels = new LabelStore({ dir: join(dir, 'labels'), now: clock });
  const mb = (bytes: number): number => Math.round((bytes / 1e6) * 10) / 10;
  const dbSize = (): number => statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
  try {
    const data = Buffer.alloc(50_000);
    for (let i = 0; i < n; i++) {
      data.writeUInt32BE(i, 0);
      const key = `fedex.ship:SEED:salesDelivery:SD${i}`;
      const { entry } = await store.claim(key, {
        owner: 'bench',
        system: 'fedex',
        operation: 'ship.create',
        correlation: { x3Folder: 'SEED', x3Entity: 'salesDelivery', x3Key: `SD${i}` },
      });
      const tn = String(794_600_000_000 + i);
      await store.complete(
        key,
        {
          payload: {
            trackingNumber: tn,
            masterTrackingNumber: tn,
            trackingNumbers: [tn],
            labels: [
              { trackingNumber: tn, format: 'PDF', contentType: 'application/pdf', data: data.toString('base64') },
            ],
          },
          alerts: [],
          kind: 'parcel',
          documentNumber: `SD${i}`,
          entity: 'salesDelivery',
          folder: 'SEED',
        },
        holdOf(entry),
      );
    }
    const dbInline = dbSize();
    const opts = { store, labels, retentionDays: 90, ledgerRetentionDays: 730, labelRetentionDays: 90 };
    const t0 = performance.now();
    const moved = await runLedgerRetention(opts, now);
    const moveMs = performance.now() - t0;
    const dbMoved = dbSize();
    const storeMoved = (await labels.usage()).bytes;
    now += 800 * DAY;
    await runLedgerRetention(opts, now);
    await store.purgeBefore(new Date(now - 90 * DAY).toISOString());
    const dbPurged = dbSize();
    const storePurged = (await labels.usage()).bytes;
    return [
      {
        name: `DB size, ${moved.labelsMoved} labels of 50 kB inline (earlier versions)`,
        value: mb(dbInline),
        unit: 'MB',
      },
      {
        name: 'DB size after moving label bytes to files',
        value: mb(dbMoved),
        unit: 'MB',
        target: '< 10% of inline',
        pass: dbMoved < dbInline / 10,
      },
      { name: 'label store size after moving', value: mb(storeMoved), unit: 'MB' },
      {
        name: 'move to label store, per label (write + fsync + ledger update)',
        value: Math.round((moveMs / Math.max(1, n)) * 100) / 100,
        unit: 'ms',
      },
      {
        name: 'DB size after purge (all past retention)',
        value: mb(dbPurged),
        unit: 'MB',
        target: '< 1 MB',
        pass: dbPurged < 1e6,
      },
      {
        name: 'label store size after purge',
        value: mb(storePurged),
        unit: 'MB',
        target: '0',
        pass: storePurged === 0,
      },
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
