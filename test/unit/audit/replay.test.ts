import { strict as assert } from 'assert';
import { MASKED_VALUE } from '../../../nodes/audit/masking';
import { replayLedgerKey } from '../../../nodes/audit/msg-audit';
import {
  REPLAY_LEDGER_PREFIX,
  buildReplayMsg,
  exportJsonLines,
  parseReplayFilter,
  replayEntries,
} from '../../../nodes/audit/replay';
import { openSqliteStore, type SqliteAuditStore } from '../../../nodes/audit/sqlite-store';
import type { AuditEntry, AuditEntryInput } from '../../../nodes/audit/types';
import { manualClock } from './store-contract';
import { holdOf } from '../../../nodes/audit/ledger-hold';

const OWNER = 'test-instance';

describe('audit replay', () => {
  let store: SqliteAuditStore;
  let clock: ReturnType<typeof manualClock>;

  beforeEach(() => {
    clock = manualClock();
    store = openSqliteStore({ path: ':memory:', now: clock.now });
  });
  afterEach(() => store.close());

  const rec = async (extra: Partial<AuditEntryInput>): Promise<AuditEntry> => {
    const e = await store.record({
      system: 'fedex',
      operation: 'ship.create',
      status: 'failed',
      msg: { payload: { doc: 'SDH1' }, x3: { key: 'SDH1' } },
      ...extra,
    });
    clock.advance(1000);
    return e;
  };

  it('replays failed entries oldest first, each once, and marks them replayed', async () => {
    const f1 = await rec({ msg: { payload: 1 } });
    await rec({ status: 'succeeded', msg: { payload: 'ok' } });
    const f2 = await rec({ msg: { payload: 2 }, system: 'x3', operation: 'x3.update' });
    const first = await replayEntries(store, {}, { owner: OWNER, nodeId: 'sink-1' });
    assert.deepEqual(
      first.replayed.map((r) => r.entry.id),
      [f1.id, f2.id],
    );
    assert.deepEqual(
      first.replayed.map((r) => r.msg.payload),
      [1, 2],
    );
    assert.equal((await store.getEntry(f1.id))?.status, 'replayed');
    assert.equal((await store.getEntry(f2.id))?.status, 'replayed');
    const again = await replayEntries(store, {}, { owner: OWNER });
    assert.equal(again.replayed.length, 0);
    assert.equal((await store.query({ status: 'failed' })).total, 0);
  });

  it('records a replay entry per replayed entry and puts the replay marker on the msg', async () => {
    const f = await rec({ idempotencyKey: 'fedex.ship:SDH1', attempt: 2, correlation: { x3Key: 'SDH1' } });
    const { replayed } = await replayEntries(store, { id: f.id }, { owner: OWNER, nodeId: 'sink-1' });
    const [item] = replayed;
    assert.equal(item.replayEntry.status, 'replayed');
    assert.equal(item.replayEntry.replayOf, f.id);
    assert.equal(item.replayEntry.attempt, 3);
    assert.equal(item.replayEntry.nodeId, 'sink-1');
    assert.equal(item.replayEntry.idempotencyKey, 'fedex.ship:SDH1');
    assert.deepEqual(item.msg.audit, {
      id: item.replayEntry.id,
      status: 'replayed',
      replayOf: f.id,
      system: 'fedex',
      operation: 'ship.create',
      attempt: 3,
      idempotencyKey: 'fedex.ship:SDH1',
      correlation: { x3Key: 'SDH1' },
    });
    assert.deepEqual((await store.query({ status: 'replayed' })).total, 2);
  });

  it('replay by id is once only; the replay record can be replayed to run the step again', async () => {
    const f = await rec({});
    const r1 = await replayEntries(store, { id: f.id }, { owner: OWNER });
    const r2 = await replayEntries(store, { id: f.id }, { owner: OWNER });
    assert.equal(r1.replayed.length, 1);
    assert.equal(r2.replayed.length, 0);
    assert.equal(r2.skipped[0].reason, 'already-replayed');
    assert.match(r2.skipped[0].detail, new RegExp(r1.replayed[0].replayEntry.id));
    const chain = await replayEntries(store, { id: r1.replayed[0].replayEntry.id }, { owner: OWNER });
    assert.equal(chain.replayed.length, 1);
    assert.equal(
      chain.replayed[0].msg.audit && (chain.replayed[0].msg.audit as { replayOf: string }).replayOf,
      r1.replayed[0].replayEntry.id,
    );
  });

  it('two replays started at once emit each entry once between them', async () => {
    const ids = [];
    for (let i = 0; i < 10; i++) ids.push((await rec({ msg: { payload: i } })).id);
    const [a, b] = await Promise.all([
      replayEntries(store, { status: 'failed' }, { owner: OWNER }),
      replayEntries(store, { status: 'failed' }, { owner: 'other-instance' }),
    ]);
    const emitted = [...a.replayed, ...b.replayed].map((r) => r.entry.id).sort();
    assert.deepEqual(emitted, [...ids].sort());
  });

  it('a replay interrupted by a crash of an earlier process can be taken over', async () => {
    const f = await rec({});
    await store.claim(REPLAY_LEDGER_PREFIX + f.id, { owner: 'dead-process', system: 'audit', operation: 'replay' });
    const same = await replayEntries(store, { id: f.id }, { owner: 'dead-process' });
    assert.equal(same.skipped[0].reason, 'in-progress');
    const other = await replayEntries(store, { id: f.id }, { owner: OWNER });
    assert.equal(other.replayed.length, 1);
  });

  it('replay of a label request that succeeded carries the stored label from the ledger', async () => {
    const key = 'fedex.ship:SDH9';
    const label = {
      trackingNumber: '794600000001',
      labels: [{ trackingNumber: '794600000001', format: 'PDF', data: 'JVBERi0x' }],
    };
    const hold = holdOf((await store.claim(key, { owner: OWNER, system: 'fedex', operation: 'ship.create' })).entry);
    await store.markUnknown(key, { code: 'TIMEOUT', message: 'no response' }, hold);
    const e = await rec({ status: 'unknown', idempotencyKey: key, msg: { payload: { doc: 'SDH9' } } });
    await store.complete(key, label, hold); // reconciliation found the shipment at FedEx
    const { replayed } = await replayEntries(store, { id: e.id }, { owner: OWNER });
    const audit = replayed[0].msg.audit as { idempotencyKey: string; ledger: { state: string; result: unknown } };
    assert.equal(audit.idempotencyKey, key);
    assert.deepEqual(audit.ledger, { state: 'succeeded', result: label });
    assert.equal(replayLedgerKey(replayed[0].msg, 'ship.create'), key);
    assert.equal(replayLedgerKey(replayed[0].msg, 'x3.update'), undefined, 'never borrowed by another operation');
  });

  it('skips entries without a msg and masked entries unless allowMasked', async () => {
    const noMsg = await store.record({ system: 'x3', operation: 'poll', status: 'failed' });
    const masked = await rec({ msg: { payload: { contact: { personName: MASKED_VALUE } } } });
    const r = await replayEntries(store, {}, { owner: OWNER });
    assert.deepEqual(
      r.skipped.map((s) => [s.id, s.reason]),
      [
        [noMsg.id, 'no-msg'],
        [masked.id, 'masked'],
      ],
    );
    assert.equal((await store.getEntry(masked.id))?.status, 'failed', 'a skipped entry stays failed');
    const forced = await replayEntries(store, { id: masked.id, allowMasked: true }, { owner: OWNER });
    assert.equal(forced.replayed.length, 1);
    const missing = await replayEntries(store, { id: 'nope' }, { owner: OWNER });
    assert.deepEqual(
      missing.skipped.map((s) => s.reason),
      ['not-found'],
    );
  });

  it('filters by system, time range and correlation keys, and honours limit', async () => {
    const a = await rec({ system: 'x3', operation: 'x3.update', correlation: { x3Key: 'A' } });
    const b = await rec({ system: 'fedex', correlation: { trackingNumbers: ['T1'] } });
    const c = await rec({ system: 'fedex' });
    assert.deepEqual(
      (await replayEntries(store, { system: 'fedex', limit: 1 }, { owner: OWNER })).replayed.map((r) => r.entry.id),
      [b.id],
    );
    assert.deepEqual(
      (await replayEntries(store, { from: c.time, to: c.time }, { owner: OWNER })).replayed.map((r) => r.entry.id),
      [c.id],
    );
    assert.deepEqual(
      (await replayEntries(store, { x3Key: 'A' }, { owner: OWNER })).replayed.map((r) => r.entry.id),
      [a.id],
    );
  });

  it('buildReplayMsg revives Buffers and drops _msgid and errors', async () => {
    const e = await rec({
      msg: { _msgid: 'old', payload: { label: Buffer.from('PDF') }, error: { message: 'x' }, topic: 't' },
    });
    const stored = (await store.getEntry(e.id)) as AuditEntry;
    const msg = buildReplayMsg(stored, 'R1', undefined);
    assert.equal(msg._msgid, undefined);
    assert.equal(msg.error, undefined);
    assert.equal(msg.topic, 't');
    const label = (msg.payload as { label: Buffer }).label;
    assert.ok(Buffer.isBuffer(label));
    assert.equal(label.toString(), 'PDF');
  });

  describe('parseReplayFilter', () => {
    it('accepts an id or a filter and normalises times and status lists', () => {
      assert.deepEqual(parseReplayFilter({ id: 'x' }), { id: 'x' });
      assert.deepEqual(
        parseReplayFilter({ status: 'failed,unknown', system: 'fedex', from: '2025-01-01', limit: '5' }),
        {
          id: undefined,
          status: ['failed', 'unknown'],
          system: 'fedex',
          from: '2025-01-01T00:00:00.000Z',
          limit: 5,
        },
      );
      assert.equal(parseReplayFilter({ limit: 5000 }).limit, 1000);
    });

    it('names the bad field', () => {
      assert.throws(() => parseReplayFilter('failed'), /must be an object/);
      assert.throws(() => parseReplayFilter({ system: 'ups' }), /"system"/);
      assert.throws(() => parseReplayFilter({ status: 'nope' }), /"status"/);
      assert.throws(() => parseReplayFilter({ status: 'replayed' }), /only be replayed by id/);
      assert.throws(() => parseReplayFilter({ from: 'someday' }), /"from"/);
      assert.throws(() => parseReplayFilter({ limit: 0 }), /"limit"/);
      assert.throws(() => parseReplayFilter({ id: {} }), /"id"/);
    });
  });

  describe('exportJsonLines', () => {
    it('writes every entry exactly once across pages, even when many share one timestamp', async () => {
      await store.recordBatch(
        Array.from({ length: 2500 }, (_, i) => ({
          system: 'flow' as const,
          operation: 'op',
          status: 'received' as const,
          msg: { payload: i },
        })),
      );
      clock.advance(1);
      await store.record({ system: 'flow', operation: 'op', status: 'received', msg: { payload: 'last' } });
      const chunks: string[] = [];
      const n = await exportJsonLines(store, {}, (c) => void chunks.push(c), { pageSize: 1000 });
      const lines = chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditEntry);
      assert.equal(n, 2501);
      assert.equal(lines.length, 2501);
      assert.equal(new Set(lines.map((l) => l.id)).size, 2501);
      assert.equal(lines[2500].msg?.payload, 'last');
    });

    it('follows the query (filters, desc order) and stops at max', async () => {
      for (let i = 0; i < 30; i++) await rec({ status: i % 3 === 0 ? 'succeeded' : 'failed', msg: { payload: i } });
      const chunks: string[] = [];
      const n = await exportJsonLines(store, { status: 'succeeded', order: 'desc' }, (c) => void chunks.push(c), {
        pageSize: 4,
      });
      const payloads = chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as AuditEntry).msg?.payload);
      assert.equal(n, 10);
      assert.deepEqual(payloads, [27, 24, 21, 18, 15, 12, 9, 6, 3, 0]);
      const capped: string[] = [];
      assert.equal(await exportJsonLines(store, {}, (c) => void capped.push(c), { pageSize: 7, max: 12 }), 12);
      assert.equal(capped.join('').trim().split('\n').length, 12);
    });
  });
});
