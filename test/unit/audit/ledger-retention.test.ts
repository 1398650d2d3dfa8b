import { strict as assert } from 'assert';
import { existsSync, mkdtempSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { holdOf } from '../../../nodes/audit/ledger-hold';
import { LabelStore } from '../../../nodes/audit/label-store';
import { runLedgerRetention } from '../../../nodes/audit/ledger-retention';
import { openSqliteStore, type SqliteAuditStore } from '../../../nodes/audit/sqlite-store';
import { manualClock } from './store-contract';

const DAY = 86_400_000;

describe('ledger retention and label bytes moved out of ledger rows', () => {
  let dir: string;
  let store: SqliteAuditStore;
  let clock: ReturnType<typeof manualClock>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sx3s-ledger-ret-'));
    clock = manualClock();
    store = openSqliteStore({ path: join(dir, 'audit.db'), now: clock.now, ledgerSync: 'normal' });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves inline labels of earlier versions to files, the db shrinks, retention keeps exactly-once keys', async () => {
    const labels = new LabelStore({ dir: join(dir, 'labels'), now: clock.now });
    const bytes = Buffer.alloc(50_000, 1).toString('base64');
    for (let i = 0; i < 200; i++) {
      const key = `fedex.ship:SEED:salesDelivery:SD${i}`;
      const { entry } = await store.claim(key, {
        owner: 'old',
        system: 'fedex',
        operation: 'ship.create',
        correlation: { x3Folder: 'SEED', x3Entity: 'salesDelivery', x3Key: `SD${i}` },
      });
      await store.complete(
        key,
        {
          payload: {
            trackingNumber: `T${i}`,
            masterTrackingNumber: `T${i}`,
            trackingNumbers: [`T${i}`],
            labels: [{ trackingNumber: `T${i}`, format: 'PDF', contentType: 'application/pdf', data: bytes }],
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
    await store.claim('stuck', { owner: 'old', system: 'x3', operation: 'x3.create' });
    const dbSize = (): number =>
      statSync(store.path).size + (existsSync(`${store.path}-wal`) ? statSync(`${store.path}-wal`).size : 0);
    const before = dbSize();
    const opts = { store, labels, retentionDays: 90, ledgerRetentionDays: 730, labelRetentionDays: 90 };
    const first = await runLedgerRetention(opts, clock.now());
    assert.equal(first.labelsMoved, 200);
    assert.equal(first.ledgerPurged, 0);
    assert.ok(dbSize() < before / 4, `db ${before} -> ${dbSize()}`);
    assert.deepEqual(await labels.usage(), { files: 200, bytes: 200 * 50_000 });
    const row = await store.get('fedex.ship:SEED:salesDelivery:SD7');
    const label = (row?.result as { payload: { labels: Array<{ data?: string; ref?: { path: string } }> } }).payload
      .labels[0];
    assert.equal(label.data, undefined);
    assert.equal(label.ref?.path, 'SEED/salesDelivery/SD7/T7.pdf');
    assert.equal((await runLedgerRetention(opts, clock.now())).labelsMoved, 0);

    // 100 days later: the label files are gone, the keys still say the documents were shipped
    clock.advance(100 * DAY);
    const later = await runLedgerRetention(opts, clock.now());
    assert.equal(later.labelFilesPurged.files, 200);
    assert.equal(later.ledgerPurged, 0);
    assert.equal(
      (
        await store.claim('fedex.ship:SEED:salesDelivery:SD7', {
          owner: 'new',
          system: 'fedex',
          operation: 'ship.create',
        })
      ).claimed,
      false,
    );
    assert.ok(!existsSync(join(dir, 'labels', 'SEED')));

    // past the ledger retention the finished keys go; a claim waiting for someone never does
    clock.advance(731 * DAY);
    const last = await runLedgerRetention(opts, clock.now());
    assert.equal(last.ledgerPurged, 200);
    assert.equal((await store.get('stuck'))?.state, 'claimed');
  });
});
