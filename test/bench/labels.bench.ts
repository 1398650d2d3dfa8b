/**
 * Label store and ledger size. First the way fedex-ship stores labels now: BENCH_LABELS (default
 * 10,000) labels of 50 kB written to the label store (atomic write + fsync) and indexed in the
 * ledger by reference (fsynced claim + complete), with the write time per label, the store and
 * database sizes and the time of the size/age report over the whole store. Then the same number
 * shipped through the ledger as an earlier version stored them (bytes inline in the ledger row),
 * the retention run moving them to the label store, and everything past retention purged.
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
import { storeLabelFiles } from '../../nodes/audit/label-files';
import { LabelStore } from '../../nodes/audit/label-store';
import { runLedgerRetention } from '../../nodes/audit/ledger-retention';
import { openSqliteStore } from '../../nodes/audit/sqlite-store';
import type { BenchResult } from './types';

const DAY = 86_400_000;

/** Labels written and indexed the way fedex-ship does it now (label-files.ts + the ledger). */
async function storeAndIndex(n: number): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sx3s-bench-store-'));
  const clock = (): number => Date.parse('2025-03-01T12:00:00.000Z');
  const path = join(dir, 'audit.db');
  const store = openSqliteStore({ path, now: clock });
  const labels = new LabelStore({ dir: join(dir, 'labels'), now: clock });
  try {
    const data = Buffer.alloc(50_000);
    let writeMs = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      data.writeUInt32BE(i, 0);
      const tn = String(794_700_000_000 + i);
      const key = `fedex.ship:SEED:salesDelivery:SN${i}`;
      const { entry } = await store.claim(key, { owner: 'bench', system: 'fedex', operation: 'ship.create' });
      const w0 = performance.now();
      const { kept } = await storeLabelFiles(labels, {
        folder: 'SEED',
        entity: 'salesDelivery',
        documentNumber: `SN${i}`,
        alerts: [],
        payload: {
          masterTrackingNumber: tn,
          labels: [
            { trackingNumber: tn, format: 'ZPLII', contentType: 'application/x-zpl', data: data.toString('base64') },
          ],
        },
      });
      writeMs += performance.now() - w0;
      await store.complete(key, kept, holdOf(entry));
    }
    const totalMs = performance.now() - t0;
    const r0 = performance.now();
    const report = await labels.report();
    const reportMs = performance.now() - r0;
    const dbBytes = statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
    const mb = (bytes: number): number => Math.round((bytes / 1e6) * 10) / 10;
    return [
      {
        name: `label files written (${n} labels of 50 kB), stored once each`,
        value: report.files,
        unit: 'files',
        target: String(n),
        pass: report.files === n,
      },
      { name: 'label store size', value: mb(report.bytes), unit: 'MB' },
      {
        name: 'label file write (atomic, fsynced), per label',
        value: Math.round((writeMs / Math.max(1, n)) * 100) / 100,
        unit: 'ms',
      },
      {
        name: 'stored and indexed (file + fsynced ledger claim/complete), per label',
        value: Math.round((totalMs / Math.max(1, n)) * 100) / 100,
        unit: 'ms',
      },
      { name: 'DB size with the references (file + WAL)', value: mb(dbBytes), unit: 'MB' },
      { name: 'size/age report over the whole store', value: Math.round(reportMs), unit: 'ms' },
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const n = Number(process.env.BENCH_LABELS ?? 10_000);
  const stored = await storeAndIndex(n);
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
      ...stored,
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
