import { strict as assert } from 'assert';
import { errorInfo, runExactlyOnce } from '../../../nodes/audit/exactly-once';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditStore, ClaimMeta } from '../../../nodes/audit/types';
import { holdOf } from '../../../nodes/audit/ledger-hold';

const META: ClaimMeta = { owner: 'me', system: 'fedex', operation: 'ship.create' };

describe('runExactlyOnce', () => {
  let store: AuditStore;
  beforeEach(() => {
    store = openSqliteStore({ path: ':memory:' });
  });
  afterEach(() => store.close());

  it('runs the call once; later calls get the stored result without calling', async () => {
    let purchases = 0;
    const buy = async (): Promise<{ trackingNumber: string }> => ({ trackingNumber: `T${++purchases}` });
    const first = await runExactlyOnce({ store, key: 'k', meta: META }, buy);
    const second = await runExactlyOnce({ store, key: 'k', meta: META }, buy);
    assert.equal(first.outcome, 'executed');
    assert.deepEqual(second, { outcome: 'stored', result: { trackingNumber: 'T1' }, entry: second.entry });
    assert.equal(purchases, 1);
    assert.equal(second.entry.state, 'succeeded');
  });

  it('concurrent calls for one key run the call once', async () => {
    let calls = 0;
    const slow = async (): Promise<string> => {
      calls += 1;
      await new Promise((r) => setImmediate(r));
      return 'label';
    };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => runExactlyOnce({ store, key: 'k', meta: META }, slow)),
    );
    assert.equal(calls, 1);
    assert.deepEqual(results.map((r) => r.outcome).sort(), [
      'executed',
      'in-progress',
      'in-progress',
      'in-progress',
      'in-progress',
    ]);
  });

  it('a definite failure is recorded and the next call may try again', async () => {
    const err = Object.assign(new Error('address invalid'), { code: 'FEDEX.VALIDATION', status: 400 });
    await assert.rejects(
      runExactlyOnce({ store, key: 'k', meta: META }, async () => Promise.reject(err)),
      /address invalid/,
    );
    const failed = await store.get('k');
    assert.equal(failed?.state, 'failed');
    assert.deepEqual(failed?.error, { code: 'FEDEX.VALIDATION', message: 'address invalid', status: 400 });
    const retry = await runExactlyOnce({ store, key: 'k', meta: META }, async () => 'ok');
    assert.equal(retry.outcome, 'executed');
    assert.equal(retry.entry.attempts, 2);
  });

  it('an ambiguous failure (request may have been applied) is marked unknown and never retried blindly', async () => {
    const timeout = Object.assign(new Error('timeout after sending'), { code: 'TIMEOUT', ambiguous: true });
    await assert.rejects(runExactlyOnce({ store, key: 'k', meta: META }, async () => Promise.reject(timeout)));
    let called = false;
    const next = await runExactlyOnce({ store, key: 'k', meta: META }, async () => {
      called = true;
      return 'x';
    });
    assert.equal(next.outcome, 'unknown');
    assert.equal(called, false);
    const custom = await runExactlyOnce({ store, key: 'k2', meta: META, isOutcomeUnknown: () => true }, async () =>
      Promise.reject(new Error('socket hang up')),
    ).catch(() => undefined);
    assert.equal(custom, undefined);
    assert.equal((await store.get('k2'))?.state, 'unknown');
  });

  it('an attempt whose claim was taken over cannot settle it; its own error still reaches the caller', async () => {
    const takenOver = async (): Promise<void> => {
      assert.ok(await store.takeOver('k', 'new-owner', ['claimed'], 'me'));
    };
    await assert.rejects(
      runExactlyOnce({ store, key: 'k', meta: META }, async () => {
        await takenOver();
        return { trackingNumber: 'T1' };
      }),
      (err: unknown) => (err as { code?: string }).code === 'LEDGER_NOT_HELD',
    );
    assert.deepEqual(
      [(await store.get('k'))?.state, (await store.get('k'))?.owner, (await store.get('k'))?.result],
      ['claimed', 'new-owner', undefined],
    );
    const boom = Object.assign(new Error('timeout after sending'), { outcomeUnknown: true });
    await assert.rejects(
      runExactlyOnce({ store, key: 'k2', meta: META }, async () => {
        assert.ok(await store.takeOver('k2', 'new-owner', ['claimed'], 'me'));
        throw boom;
      }),
      (err: unknown) => err === boom,
    );
    assert.equal((await store.get('k2'))?.state, 'claimed');
  });

  it('reports a voided key', async () => {
    await store.complete('k', { t: 1 }, holdOf((await store.claim('k', META)).entry));
    await store.markVoided('k');
    assert.equal((await runExactlyOnce({ store, key: 'k', meta: META }, async () => 1)).outcome, 'voided');
  });

  it('errorInfo reads code, message and status from anything thrown', () => {
    assert.deepEqual(errorInfo(Object.assign(new Error('m'), { code: 'C', status: 502 })), {
      code: 'C',
      message: 'm',
      status: 502,
    });
    assert.deepEqual(errorInfo('plain'), { code: 'ERROR', message: 'plain' });
  });
});
