import { strict as assert } from 'assert';
import { holdOf } from '../../../nodes/audit/ledger-hold';
import {
  LedgerResolveError,
  resolveLedgerEntry,
  staleClaimReason,
  type LedgerResolveOptions,
} from '../../../nodes/audit/ledger-resolve';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditStore, ClaimMeta } from '../../../nodes/audit/types';
import { manualClock } from './store-contract';

// an x3 create without reference or key: its ledger key is a content hash, so no node can look
// the record up in X3 and take the claim over
const KEY = 'x3.create:SEED:SORDER:sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const meta = (owner: string): ClaimMeta => ({
  owner,
  system: 'x3',
  operation: 'x3.create',
  correlation: { x3Entity: 'SORDER' },
});

describe('ledger resolve of a stale claim', () => {
  let store: AuditStore;
  let clock: ReturnType<typeof manualClock>;
  let options: LedgerResolveOptions;
  beforeEach(() => {
    clock = manualClock();
    store = openSqliteStore({ path: ':memory:', now: clock.now });
    options = { now: clock.now, staleClaimMs: 15 * 60_000, liveOwners: ['this-process'] };
  });
  afterEach(() => store.close());

  it('a claim of an owner that is not a live process is stale at once: resolved as failed, claimable again', async () => {
    await store.claim(KEY, meta('earlier-process'));
    const out = await resolveLedgerEntry(
      store,
      { key: KEY, state: 'failed', reason: 'no such order in X3 (ops)' },
      options,
    );
    assert.equal(out.before.state, 'claimed');
    assert.equal(out.after.state, 'failed');
    assert.equal((await store.claim(KEY, meta('this-process'))).claimed, true);
    const recorded = await store.getEntry(out.auditEntry.id);
    assert.equal(recorded?.operation, 'ledger.resolve');
    assert.equal(recorded?.idempotencyKey, KEY);
    assert.match(
      recorded?.error?.message ?? '',
      /^claimed \(stale: owner earlier-process is not a live process of this runtime\) -> failed: no such order/,
    );
  });

  it('a young claim of a live owner may still be running: refused until it is older than the stale age', async () => {
    await store.claim(KEY, meta('this-process'));
    clock.advance(14 * 60_000);
    await assert.rejects(
      resolveLedgerEntry(store, { key: KEY, state: 'succeeded', result: { SOHNUM: 'SO1' }, reason: 'x' }, options),
      (err: unknown) =>
        err instanceof LedgerResolveError && err.status === 409 && /may still be running/.test(err.message),
    );
    assert.equal((await store.get(KEY))?.state, 'claimed');
    clock.advance(60_000);
    const out = await resolveLedgerEntry(
      store,
      { key: KEY, state: 'succeeded', result: { record: { SOHNUM: 'SO1' } }, reason: 'found as SO1' },
      options,
    );
    assert.equal(out.after.state, 'succeeded');
    assert.deepEqual((await store.get(KEY))?.result, { record: { SOHNUM: 'SO1' } });
    assert.match((await store.getEntry(out.auditEntry.id))?.error?.message ?? '', /stale: claimed 15 min ago/);
  });

  it('with a shared store (no live owner list) only the age decides', async () => {
    await store.claim(KEY, meta('other-instance'));
    const shared = { now: clock.now, staleClaimMs: 15 * 60_000 };
    assert.equal(staleClaimReason((await store.get(KEY))!, shared), undefined);
    clock.advance(15 * 60_000);
    assert.match(staleClaimReason((await store.get(KEY))!, shared) ?? '', /claimed 15 min ago/);
  });

  it('a stale claim can be voided; the attempt that held it can no longer settle it', async () => {
    const { entry } = await store.claim(KEY, meta('earlier-process'));
    await resolveLedgerEntry(store, { key: KEY, state: 'voided', reason: 'order cancelled' }, options);
    assert.equal((await store.get(KEY))?.state, 'voided');
    await assert.rejects(store.complete(KEY, { late: true }, holdOf(entry)), /cannot mark it succeeded/);
    assert.equal((await store.claim(KEY, meta('this-process'))).claimed, false);
  });

  it('an attempt still running when the operator settles its claim is refused afterwards (LEDGER_NOT_HELD)', async () => {
    const { entry } = await store.claim(KEY, meta('earlier-process'));
    await resolveLedgerEntry(store, { key: KEY, state: 'failed', reason: 'not in X3' }, options);
    const retry = await store.claim(KEY, meta('this-process'));
    assert.equal(retry.claimed, true);
    await assert.rejects(
      store.complete(KEY, { late: true }, holdOf(entry)),
      (err: unknown) => (err as { code?: string }).code === 'LEDGER_NOT_HELD',
    );
    assert.equal((await store.get(KEY))?.owner, 'this-process');
  });
});
