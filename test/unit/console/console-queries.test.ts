/**
 * The operator console's reads over a real SQLite store: Needs attention (failed, unknown with
 * evidence, stale claims, refused webhooks), Activity search, the document timeline, the
 * ledger listing and node filter they need, and the indexes that keep them seeks.
 */
import { strict as assert } from 'assert';
import { activity, parseActivityRequest } from '../../../nodes/console/activity';
import { needsAttention } from '../../../nodes/console/attention';
import { documentTimeline } from '../../../nodes/console/timeline';
import { holdOf } from '../../../nodes/audit/ledger-hold';
import { openSqliteStore, type SqliteAuditStore } from '../../../nodes/audit/sqlite-store';
import type { AuditEntry, AuditEntryInput } from '../../../nodes/audit/types';
import { manualClock } from '../audit/store-contract';

const OWNER = 'this-process';

describe('operator console queries', () => {
  let store: SqliteAuditStore;
  let clock: ReturnType<typeof manualClock>;

  beforeEach(() => {
    clock = manualClock();
    store = openSqliteStore({ path: ':memory:', now: clock.now });
  });
  afterEach(() => store.close());

  const rec = async (input: Partial<AuditEntryInput>): Promise<AuditEntry> => {
    const e = await store.record({ system: 'fedex', operation: 'ship.create', status: 'failed', ...input });
    clock.advance(1000);
    return e;
  };

  it('filters the trail by node (nodeId)', async () => {
    const a = await rec({ nodeId: 'n1' });
    await rec({ nodeId: 'n2' });
    const page = await store.query({ nodeId: 'n1' });
    assert.deepEqual(
      page.entries.map((e) => e.id),
      [a.id],
    );
    assert.equal(page.total, 1);
  });

  it('lists ledger entries by state, oldest update first, with an exact total', async () => {
    await store.claim('k1', { owner: OWNER, system: 'fedex', operation: 'ship.create' });
    clock.advance(1000);
    const k2 = await store.claim('k2', { owner: OWNER, system: 'fedex', operation: 'ship.create' });
    await store.markUnknown('k2', { code: 'TIMEOUT', message: 'no answer' }, holdOf(k2.entry));
    const k3 = await store.claim('k3', { owner: OWNER, system: 'x3', operation: 'x3.create' });
    await store.complete('k3', { ok: true }, holdOf(k3.entry));
    assert.ok(store.listLedger);
    const unknown = await store.listLedger({ states: ['unknown'] });
    assert.deepEqual(
      unknown.entries.map((e) => e.key),
      ['k2'],
    );
    const open = await store.listLedger({ states: ['claimed', 'unknown'], limit: 1 });
    assert.equal(open.total, 2);
    assert.deepEqual(
      open.entries.map((e) => e.key),
      ['k1'],
    );
  });

  it('uses an index for the node filter, the refused-webhook count and the open ledger entries', async () => {
    // the plan SQLite chooses for the console's queries on this schema
    const Database = require('better-sqlite3') as typeof import('better-sqlite3');
    const raw = new Database(':memory:');
    try {
      const { migrate } =
        require('../../../nodes/audit/migrations') as typeof import('../../../nodes/audit/migrations');
      migrate(raw);
      const plan = (sql: string): string =>
        (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      assert.match(
        plan("SELECT * FROM audit_entries e WHERE e.node_id = 'n' ORDER BY e.time DESC, e.seq DESC LIMIT 1"),
        /audit_entries_node_time/,
      );
      assert.match(
        plan("SELECT COUNT(*) FROM audit_entries e WHERE e.status IN ('failed') AND e.operation = 'security'"),
        /USING (COVERING )?INDEX audit_entries_(operation_time|status_time)/,
      );
      assert.match(
        plan("SELECT * FROM ledger WHERE state IN ('unknown') ORDER BY updated_at, key LIMIT 50"),
        /ledger_attention/,
      );
    } finally {
      raw.close();
    }
  });

  it('needs attention: failed (refused webhooks apart), unknown with evidence, stale claims, refused', async () => {
    const failed = await rec({ msg: { payload: 'A' }, nodeId: 'ship' });
    const refused = await rec({
      operation: 'security',
      error: { code: 'BAD_SIGNATURE', message: 'refused', status: 401 },
    });
    const k = await store.claim('fedex:SDH9', {
      owner: OWNER,
      system: 'fedex',
      operation: 'ship.create',
      correlation: { x3Key: 'SDH9' },
    });
    await rec({ status: 'unknown', idempotencyKey: 'fedex:SDH9', correlation: { x3Key: 'SDH9' } });
    await store.markUnknown('fedex:SDH9', { code: 'TIMEOUT', message: 'no answer' }, holdOf(k.entry));
    // a claim of an earlier process (stale at once) and one of this process (still running)
    await store.claim('old', { owner: 'gone', system: 'x3', operation: 'x3.create' });
    await store.claim('running', { owner: OWNER, system: 'x3', operation: 'x3.create' });

    const a = await needsAttention(store, { liveOwners: [OWNER], now: clock.now });
    assert.deepEqual(a.counts, { failed: 1, unknown: 1, staleClaims: 1, refused: 1, total: 4 });
    assert.deepEqual(
      a.failed.map((e) => e.id),
      [failed.id],
    );
    assert.deepEqual(
      a.refused.map((e) => e.id),
      [refused.id],
    );
    assert.equal(a.unknown[0].ledger.key, 'fedex:SDH9');
    assert.deepEqual(
      a.unknown[0].evidence.map((e) => e.status),
      ['unknown'],
    );
    assert.deepEqual(
      a.staleClaims.map((s) => s.ledger.key),
      ['old'],
    );
    assert.match(a.staleClaims[0].reason, /not a live process/);

    const counts = await needsAttention(store, { liveOwners: [OWNER], now: clock.now, countsOnly: true });
    assert.deepEqual(counts.counts, a.counts);
    assert.deepEqual(counts.failed, []);
  });

  it('activity: one search box finds an X3 key, a tracking number or an order number', async () => {
    await rec({ correlation: { x3Key: 'SDH1' } });
    const tn = await rec({ status: 'succeeded', correlation: { trackingNumbers: ['7946'] } });
    const order = await rec({ system: 'shipstation', correlation: { shipstationOrderNumber: 'SO-9' } });
    let page = await activity(store, parseActivityRequest({ search: '7946' }));
    assert.equal(page.matchedBy, 'trackingNumber');
    assert.deepEqual(
      page.entries.map((e) => e.id),
      [tn.id],
    );
    page = await activity(store, parseActivityRequest({ search: 'SO-9', system: 'shipstation' }));
    assert.equal(page.matchedBy, 'shipstationOrderNumber');
    assert.deepEqual(
      page.entries.map((e) => e.id),
      [order.id],
    );
    page = await activity(store, parseActivityRequest({ search: 'SDH1', searchBy: 'trackingNumber' }));
    assert.equal(page.total, 0);
    page = await activity(store, parseActivityRequest({ status: 'failed', limit: '1' }));
    assert.equal(page.total, 2);
    assert.equal(page.entries.length, 1);
    assert.throws(() => parseActivityRequest({ searchBy: 'email' }), /searchBy/);
  });

  it('timeline: an X3 document, its label and the tracking events of its tracking number, in order', async () => {
    const polled = await rec({
      system: 'x3',
      operation: 'x3.poll',
      status: 'received',
      correlation: { x3Key: 'SDH5' },
    });
    const k = await store.claim('fedex:SDH5', { owner: OWNER, system: 'fedex', operation: 'ship.create' });
    const label = await rec({
      status: 'succeeded',
      idempotencyKey: 'fedex:SDH5',
      correlation: { x3Key: 'SDH5', trackingNumbers: ['7949'] },
    });
    await store.complete('fedex:SDH5', { trackingNumber: '7949' }, holdOf(k.entry));
    const event = await rec({ operation: 'track', status: 'succeeded', correlation: { trackingNumbers: ['7949'] } });
    await rec({ correlation: { x3Key: 'OTHER' } });
    const tl = await documentTimeline(store, { kind: 'x3Key', value: 'SDH5' });
    assert.deepEqual(
      tl.entries.map((e) => e.id),
      [polled.id, label.id, event.id],
    );
    assert.deepEqual(tl.trackingNumbers, ['7949']);
    assert.deepEqual(
      tl.ledger.map((l) => [l.key, l.state]),
      [['fedex:SDH5', 'succeeded']],
    );
    assert.equal(tl.truncated, false);
  });
});
