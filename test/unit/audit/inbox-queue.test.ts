import assert from 'node:assert/strict';
import sinon from 'sinon';
import { InboxQueue, type InboxItem } from '../../../nodes/audit/inbox-queue';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditStore } from '../../../nodes/audit/types';

const SCOPE = 'hook:n1';
const backoff = { baseDelayMs: 10_000, maxDelayMs: 600_000 };

/** Lets the store's group commits (setImmediate, not faked) and the queue's awaits run. */
async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

describe('webhook inbox queue (apply stored events, settle after)', () => {
  let store: AuditStore;
  let clock: sinon.SinonFakeTimers;

  beforeEach(() => {
    store = openSqliteStore({ path: ':memory:' });
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(async () => {
    clock.restore();
    await store.close();
  });

  const pendingIds = async (): Promise<string[]> => (await store.inboxPending(SCOPE, 100)).map((e) => e.eventId);

  it('applies in arrival order and settles each event after its apply, with its audit entry', async () => {
    await store.inboxAdd(SCOPE, [
      { eventId: 'a', payload: 1 },
      { eventId: 'b', payload: 2 },
    ]);
    const seen: Array<[string, string[]]> = [];
    const queue = new InboxQueue<number>({
      store,
      scope: SCOPE,
      maxAttempts: 0,
      backoff,
      apply: async (item) => {
        // while an event is applied, it is still pending in the store
        seen.push([item.eventId, await pendingIds()]);
        return {
          entry: { system: 'fedex', operation: 'webhook', status: 'received', msg: { payload: item.payload } },
        };
      },
    });
    queue.enqueue('a', 1);
    queue.enqueue('b', 2);
    queue.enqueue('a', 1); // already queued
    await queue.idle();
    await settle();
    assert.deepEqual(seen, [
      ['a', ['a', 'b']],
      ['b', ['b']],
    ]);
    assert.deepEqual(await pendingIds(), []);
    const trail = await store.query({ operation: 'webhook', order: 'asc' });
    assert.deepEqual(
      trail.entries.map((e) => e.msg?.payload),
      [1, 2],
    );
  });

  it('retries a failing apply after a backoff; the event stays pending until it succeeds', async () => {
    await store.inboxAdd(SCOPE, [{ eventId: 'a', payload: 1 }]);
    let calls = 0;
    const delays: number[] = [];
    const queue = new InboxQueue<number>({
      store,
      scope: SCOPE,
      maxAttempts: 0,
      backoff,
      random: () => 1,
      onRetry: (_item, delay) => delays.push(delay),
      apply: async () => {
        calls += 1;
        if (calls < 3) throw new Error('SQLITE_BUSY');
      },
    });
    queue.enqueue('a', 1);
    await settle();
    assert.equal(calls, 1);
    assert.deepEqual(await pendingIds(), ['a']);
    assert.equal(queue.state().waitingRetry, 1);
    await clock.tickAsync(9_999);
    assert.equal(calls, 1, 'not before the backoff');
    await clock.tickAsync(1);
    await settle();
    assert.equal(calls, 2);
    await clock.tickAsync(20_000);
    await settle();
    assert.equal(calls, 3);
    assert.deepEqual(delays, [10_000, 20_000]);
    assert.deepEqual(await pendingIds(), []);
    await queue.close();
  });

  it('gives up on a permanent error at once and after maxAttempts otherwise: settled failed, with its entry', async () => {
    await store.inboxAdd(SCOPE, [
      { eventId: 'perm', payload: 1 },
      { eventId: 'flaky', payload: 2 },
    ]);
    const gaveUp: string[] = [];
    const queue = new InboxQueue<number>({
      store,
      scope: SCOPE,
      maxAttempts: 2,
      backoff,
      random: () => 0,
      isPermanent: (err) => (err as Error).message === 'permanent',
      onGiveUp: (item) => {
        gaveUp.push(item.eventId);
        return { system: 'shipstation', operation: 'webhook.fetch', status: 'failed' };
      },
      apply: async (item) => {
        throw new Error(item.eventId === 'perm' ? 'permanent' : 'transient');
      },
    });
    queue.enqueue('perm', 1);
    queue.enqueue('flaky', 2);
    await settle();
    assert.deepEqual(gaveUp, ['perm']);
    await clock.tickAsync(5_000);
    await settle();
    assert.deepEqual(gaveUp, ['perm', 'flaky']);
    assert.deepEqual(await pendingIds(), []);
    assert.equal((await store.query({ operation: 'webhook.fetch', status: 'failed' })).total, 2);
  });

  it('after a restart, applies the events still pending, marked recovered, and only its own scope', async () => {
    await store.inboxAdd(SCOPE, [
      { eventId: 'a', payload: 1 },
      { eventId: 'b', payload: 2 },
    ]);
    await store.inboxAdd('hook:other', [{ eventId: 'x', payload: 9 }]);
    await store.inboxSettle(SCOPE, 'a', 'applied');
    await store.inboxAdd(SCOPE, [{ eventId: 'c', payload: 3 }]);
    const applied: Array<Pick<InboxItem<number>, 'eventId' | 'payload' | 'recovered'>> = [];
    const queue = new InboxQueue<number>({
      store,
      scope: SCOPE,
      maxAttempts: 0,
      backoff,
      apply: async ({ eventId, payload, recovered }) => void applied.push({ eventId, payload, recovered }),
    });
    queue.enqueue('d', 4); // arrives while recovering
    assert.equal(await queue.recover(), 2);
    await queue.idle();
    assert.deepEqual(applied, [
      { eventId: 'd', payload: 4, recovered: false },
      { eventId: 'b', payload: 2, recovered: true },
      { eventId: 'c', payload: 3, recovered: true },
    ]);
  });

  it('close stops retries and waits for the apply in progress; what is left stays pending', async () => {
    await store.inboxAdd(SCOPE, [
      { eventId: 'a', payload: 1 },
      { eventId: 'b', payload: 2 },
    ]);
    let release: () => void = () => undefined;
    const started: string[] = [];
    const queue = new InboxQueue<number>({
      store,
      scope: SCOPE,
      maxAttempts: 0,
      backoff,
      apply: (item) => {
        started.push(item.eventId);
        return new Promise<void>((r) => (release = r));
      },
    });
    queue.enqueue('a', 1);
    queue.enqueue('b', 2);
    await settle();
    let closed = false;
    const closing = queue.close().then(() => (closed = true));
    await settle();
    assert.equal(closed, false, 'waits for the apply in progress');
    release();
    await closing;
    await settle();
    assert.deepEqual(started, ['a']);
    assert.deepEqual(await pendingIds(), ['b'], 'the applied event is settled, the other waits for the next start');
    queue.enqueue('c', 3);
    assert.deepEqual(started, ['a'], 'a closed queue takes nothing');
  });
});
