import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { ApiError } from '../../../nodes/core/errors';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditStore } from '../../../nodes/audit/types';
import { PointerInbox, WEBHOOK_OPERATION, type PointerInboxOptions } from '../../../nodes/shipstation/pointer-inbox';
import type { WebhookPointer } from '../../../nodes/shipstation/webhook-checks';

const SCOPE = 'shipstation-in:n1';
const pointer: WebhookPointer = {
  version: 'v1',
  resourceUrl: 'https://ssapi.shipstation.com/orders?importBatch=b1',
  resourceType: 'ORDER_NOTIFY',
};
const other: WebhookPointer = { ...pointer, resourceUrl: `${pointer.resourceUrl}2` };

/** Lets the store's group commits (setImmediate, not faked) and the queue's awaits run. */
async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

const serverError = (): ApiError =>
  new ApiError({ system: 'shipstation', code: 'HTTP_500', status: 500, message: 'boom', retryable: true });

describe('shipstation webhook pointer inbox', () => {
  let store: AuditStore;
  let clock: sinon.SinonFakeTimers;
  const inboxes: PointerInbox[] = [];

  beforeEach(() => {
    store = openSqliteStore({ path: ':memory:' });
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(async () => {
    for (const i of inboxes.splice(0)) await i.close();
    clock.restore();
    await store.close();
  });

  function inbox(options: Partial<PointerInboxOptions> & Pick<PointerInboxOptions, 'fetch'>): PointerInbox {
    const i = new PointerInbox({
      store,
      scope: SCOPE,
      nodeId: 'n1',
      maxAttempts: 10,
      backoff: { baseDelayMs: 10_000, maxDelayMs: 600_000 },
      ...options,
    });
    inboxes.push(i);
    return i;
  }
  const pendingIds = async (scope = SCOPE): Promise<string[]> =>
    (await store.inboxPending(scope, 100)).map((e) => e.eventId);
  const statusOf = async (id: string): Promise<string | undefined> => (await store.getEntry(id))?.status;

  /** A pointer as the version before the inbox kept it: an audit entry `received` only. */
  async function recordedOnly(nodeId: string, p: WebhookPointer): Promise<string> {
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

  it('stores the pointer (its entry `received`, its inbox event pending) before receive resolves, then fetches it once', async () => {
    let release: (n: number) => void = () => undefined;
    const fetched: Array<[WebhookPointer, string]> = [];
    const done: Array<[string, number]> = [];
    const i = inbox({
      fetch: (p, id) => {
        fetched.push([p, id]);
        return new Promise<number>((r) => (release = r));
      },
      onDone: (id, n) => done.push([id, n]),
    });
    const id = await i.receive({ ...pointer, data: { tracking_number: '1Z' } });
    assert.equal(await statusOf(id), 'received');
    assert.deepEqual(await pendingIds(), [id], 'the inbox event is keyed by the audit entry');
    const [stored] = await store.inboxPending(SCOPE, 1);
    assert.deepEqual(stored.payload, { ...pointer, data: { tracking_number: '1Z' } });
    const entry = await store.getEntry(id);
    assert.deepEqual(entry?.msg?.payload, {
      resource_url: pointer.resourceUrl,
      resource_type: 'ORDER_NOTIFY',
      data: { tracking_number: '1Z' },
    });
    await settle();
    assert.equal(fetched.length, 1);
    assert.equal(fetched[0][1], id);
    release(3);
    await i.idle();
    await settle();
    assert.equal(await statusOf(id), 'succeeded');
    assert.deepEqual(await pendingIds(), []);
    assert.deepEqual(done, [[id, 3]]);
  });

  it('a settled fetch leaves no abort listener on the inbox signal (one per pointer would grow for the life of the node)', async () => {
    let signal: AbortSignal | undefined;
    const i = inbox({
      fetch: async (_p, _id, s) => {
        signal = s;
        return 1;
      },
    });
    for (let n = 0; n < 12; n++) await i.receive({ ...pointer, resourceUrl: `${pointer.resourceUrl}-${n}` });
    await settle();
    await i.idle();
    await settle();
    assert.deepEqual(await pendingIds(), []);
    assert.ok(signal);
    assert.equal(getEventListeners(signal, 'abort').length, 0);
  });

  it('retries a failing fetch with a growing delay; the pointer stays `received` and pending until it succeeds', async () => {
    let calls = 0;
    const retries: number[] = [];
    const i = inbox({
      random: () => 1,
      fetch: async () => {
        calls += 1;
        if (calls < 3) throw serverError();
        return 2;
      },
      onRetry: (_id, _attempt, delay) => retries.push(delay),
    });
    const id = await i.receive(pointer);
    await settle();
    assert.equal(calls, 1);
    assert.equal(await statusOf(id), 'received');
    assert.deepEqual(await pendingIds(), [id]);
    assert.deepEqual(i.state(), { queued: 0, waitingRetry: 1, processing: false });
    await clock.tickAsync(10_000);
    await settle();
    assert.equal(calls, 2);
    await clock.tickAsync(20_000);
    await settle();
    assert.equal(calls, 3);
    assert.deepEqual(retries, [10_000, 20_000], 'exponential backoff');
    assert.equal(await statusOf(id), 'succeeded');
    assert.deepEqual(await pendingIds(), []);
  });

  it('gives up on a permanent error at once and after maxAttempts otherwise: entry `failed`, the error in a `webhook.fetch` entry, nothing pending', async () => {
    const gaveUp: string[] = [];
    const i = inbox({
      maxAttempts: 2,
      backoff: { baseDelayMs: 1000, maxDelayMs: 1000 },
      fetch: async (p) => {
        if (p.resourceUrl.endsWith('2')) throw new Error('network down');
        throw new ApiError({ system: 'shipstation', code: 'NOT_FOUND', status: 404, message: 'gone' });
      },
      onGiveUp: (id) => gaveUp.push(id),
    });
    const permanent = await i.receive(pointer);
    const transient = await i.receive(other);
    await settle();
    assert.deepEqual(gaveUp, [permanent]);
    await clock.tickAsync(1000);
    await settle();
    assert.deepEqual(gaveUp, [permanent, transient]);
    assert.equal(await statusOf(permanent), 'failed');
    assert.equal(await statusOf(transient), 'failed');
    assert.deepEqual(await pendingIds(), []);
    const errors = await store.query({ operation: `${WEBHOOK_OPERATION}.fetch`, status: 'failed', order: 'asc' });
    assert.deepEqual(
      errors.entries.map((e) => [e.nodeId, e.error?.code, e.error?.status, e.error?.message]),
      [
        ['n1', 'NOT_FOUND', 404, 'gone'],
        ['n1', 'INTERNAL', undefined, 'network down'],
      ],
    );
  });

  it("after a restart fetches its pending pointers, and adopts this node's pointers recorded only as `received` entries (the version before the inbox)", async () => {
    // the previous run: one pointer stored and pending, one stored and done
    const previous = inbox({ fetch: () => new Promise<number>(() => undefined) });
    const pending = await previous.receive(pointer);
    await previous.close();
    const legacy = await recordedOnly('n1', other);
    const othersNode = await recordedOnly('n2', pointer);
    const finished = await recordedOnly('n1', pointer);
    await store.setStatus(finished, 'succeeded');

    const fetched: string[] = [];
    const restarted = inbox({ fetch: async (_p, id) => fetched.push(id) });
    assert.equal(await restarted.recover(), 2);
    await restarted.idle();
    await settle();
    assert.deepEqual(fetched, [pending, legacy], 'in arrival order, each once');
    assert.equal(await statusOf(legacy), 'succeeded');
    assert.equal(await statusOf(pending), 'succeeded');
    assert.equal(await statusOf(othersNode), 'received', "another node's pointer is left to it");
    assert.deepEqual(await pendingIds(), []);

    // a further start finds nothing to do
    const again = inbox({ fetch: async (_p, id) => fetched.push(id) });
    assert.equal(await again.recover(), 0);
    assert.equal(fetched.length, 2);
  });

  it('close gives up the fetch in progress at once: it is told to emit nothing more, and its pointer stays pending for the next start', async () => {
    let signal: AbortSignal | undefined;
    let finish: (n: number) => void = () => undefined;
    const i = inbox({
      fetch: (_p, _id, s) => {
        signal = s;
        return new Promise<number>((r) => (finish = r));
      },
    });
    const id = await i.receive(pointer);
    await settle();
    assert.equal(signal?.aborted, false);
    await i.close(); // resolves although the fetch has not ended
    assert.equal(signal?.aborted, true);
    finish(1); // the abandoned fetch ends later: nothing is settled for it
    await settle();
    assert.equal(await statusOf(id), 'received');
    assert.deepEqual(await pendingIds(), [id]);
    // a receipt that was still storing when the node closed is kept for the next start too
    const late = await i.receive(other);
    assert.deepEqual(await pendingIds(), [id, late]);
  });

  describe('on a file (WAL fsynced)', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sx3s-ptr-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('receive fails when the inbox event cannot be made durable, and nothing is fetched', async () => {
      const fileStore = openSqliteStore({
        path: join(dir, 'audit.db'),
        fsync: (_fd, cb) => cb(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })),
      });
      try {
        let fetched = 0;
        const i = new PointerInbox({
          store: fileStore,
          scope: SCOPE,
          nodeId: 'n1',
          maxAttempts: 1,
          backoff: { baseDelayMs: 1000, maxDelayMs: 1000 },
          fetch: async () => ++fetched,
        });
        await assert.rejects(i.receive(pointer), /could not be made durable/);
        await settle();
        assert.equal(fetched, 0);
        await i.close();
      } finally {
        await fileStore.close();
      }
    });
  });
});
