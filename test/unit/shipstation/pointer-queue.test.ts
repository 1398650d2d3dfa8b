import assert from 'node:assert/strict';
import sinon from 'sinon';
import { ApiError } from '../../../nodes/core/errors';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditStore } from '../../../nodes/audit/types';
import { PointerQueue, WEBHOOK_OPERATION, type WebhookPointer } from '../../../nodes/shipstation/pointer-queue';

const pointer: WebhookPointer = {
  version: 'v1',
  resourceUrl: 'https://ssapi.shipstation.com/orders?importBatch=b1',
  resourceType: 'ORDER_NOTIFY',
};

async function recordPointer(store: AuditStore, nodeId: string, p: WebhookPointer = pointer): Promise<string> {
  const entry = await store.record({
    system: 'shipstation',
    operation: WEBHOOK_OPERATION,
    status: 'received',
    nodeId,
    msg: {
      payload: { resource_url: p.resourceUrl, resource_type: p.resourceType },
      shipstation: { version: p.version },
    },
  });
  return entry.id;
}

describe('shipstation webhook pointer queue', () => {
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

  it('retries a failed fetch with backoff; the entry stays `received` until it succeeds', async () => {
    const id = await recordPointer(store, 'n1');
    let calls = 0;
    const retries: number[] = [];
    const queue = new PointerQueue({
      store,
      nodeId: 'n1',
      maxAttempts: 10,
      backoff: { baseDelayMs: 10_000, maxDelayMs: 600_000 },
      random: () => 1,
      process: async () => {
        calls += 1;
        if (calls < 3)
          throw new ApiError({
            system: 'shipstation',
            code: 'HTTP_500',
            status: 500,
            message: 'boom',
            retryable: true,
          });
        return 2;
      },
      onRetry: (_id, _attempt, delay) => retries.push(delay),
    });
    queue.enqueue(id, pointer);
    await queue.idle();
    assert.equal(calls, 1);
    assert.equal((await store.getEntry(id))?.status, 'received');
    assert.deepEqual(queue.state(), { queued: 0, waitingRetry: 1, processing: false });
    await clock.tickAsync(10_000);
    await queue.idle();
    assert.equal(calls, 2);
    await clock.tickAsync(20_000);
    await queue.idle();
    assert.equal(calls, 3);
    assert.deepEqual(retries, [10_000, 20_000], 'exponential backoff');
    assert.equal((await store.getEntry(id))?.status, 'succeeded');
    queue.close();
  });

  it('gives up on a permanent error at once, and after maxAttempts otherwise: the entry is `failed`', async () => {
    const permanent = await recordPointer(store, 'n1');
    const transient = await recordPointer(store, 'n1', { ...pointer, resourceUrl: `${pointer.resourceUrl}2` });
    const gaveUp: string[] = [];
    const queue = new PointerQueue({
      store,
      nodeId: 'n1',
      maxAttempts: 2,
      backoff: { baseDelayMs: 1000, maxDelayMs: 1000 },
      process: async (p) => {
        if (p.resourceUrl.endsWith('2')) throw new Error('network down');
        throw new ApiError({ system: 'shipstation', code: 'NOT_FOUND', status: 404, message: 'gone' });
      },
      onGiveUp: (entryId) => gaveUp.push(entryId),
    });
    queue.enqueue(permanent, pointer);
    queue.enqueue(transient, { ...pointer, resourceUrl: `${pointer.resourceUrl}2` });
    await queue.idle();
    assert.deepEqual(gaveUp, [permanent]);
    await clock.tickAsync(1000);
    await queue.idle();
    assert.deepEqual(gaveUp, [permanent, transient]);
    assert.equal((await store.getEntry(permanent))?.status, 'failed');
    assert.equal((await store.getEntry(transient))?.status, 'failed');
    queue.close();
  });

  it("picks up this node's pending pointers from the store after a restart", async () => {
    const mine = await recordPointer(store, 'n1');
    await recordPointer(store, 'other-node');
    const done = await recordPointer(store, 'n1');
    await store.setStatus(done, 'succeeded');
    const seen: string[] = [];
    const queue = new PointerQueue({
      store,
      nodeId: 'n1',
      maxAttempts: 1,
      backoff: { baseDelayMs: 1000, maxDelayMs: 1000 },
      process: async (_p, entryId) => {
        seen.push(entryId);
        return 1;
      },
    });
    assert.equal(await queue.recover(), 1);
    await queue.idle();
    assert.deepEqual(seen, [mine]);
    assert.equal((await store.getEntry(mine))?.status, 'succeeded');
    queue.close();
  });

  it('leaves an entry `received` when closed mid-fetch (the next start takes it)', async () => {
    const id = await recordPointer(store, 'n1');
    let release: () => void = () => undefined;
    const queue = new PointerQueue({
      store,
      nodeId: 'n1',
      maxAttempts: 1,
      backoff: { baseDelayMs: 1000, maxDelayMs: 1000 },
      process: () => new Promise<number>((_resolve, reject) => (release = () => reject(new Error('client closed')))),
    });
    queue.enqueue(id, pointer);
    await Promise.resolve();
    queue.close();
    release();
    await new Promise((r) => setImmediate(r));
    assert.equal((await store.getEntry(id))?.status, 'received');
  });
});
