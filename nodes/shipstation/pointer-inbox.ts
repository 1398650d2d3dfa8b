/**
 * shipstation-in's webhook pointers after the checks (Node-RED-free). ShipStation never delivers
 * a webhook again once it got its 200, so a pointer is stored before that answer: its audit entry
 * (`webhook`, status `received`, the pointer as its msg: the trail shows the receipt and a failed
 * one can be replayed), then, keyed by that entry's id, an event in the audit store's webhook
 * inbox, durable (the WAL fsynced; that fsync covers the entry committed just before) before
 * `receive` resolves. The one inbox queue (audit/inbox-queue.ts) then fetches the pointers in
 * order, retries a failing fetch with a growing delay, and takes after a restart what was still
 * pending; the entry ends `succeeded`, or `failed` when it gives up.
 *
 * Closing gives up the fetch in progress at once (its pointer stays pending for the next start)
 * and tells it so through its signal: records emitted while the flow stops would be lost, so the
 * caller emits nothing once the signal is aborted.
 *
 * Each delivery is its own event: resource_url reads live data, so a redelivery is fetched again;
 * the records it finds were emitted already (the caller remembers id + modify date).
 */
import { isApiError, toErrorInfo } from '../core/errors';
import type { BackoffPolicy } from '../core/retry';
import { InboxQueue, type InboxItem, type InboxQueueState } from '../audit/inbox-queue';
import type { AuditEntryInput, AuditStore } from '../audit/types';
import type { WebhookPointer } from './webhook-checks';

export const WEBHOOK_OPERATION = 'webhook';

export interface PointerInboxOptions {
  store: AuditStore;
  /** The inbox scope: one per receiving node. */
  scope: string;
  nodeId: string;
  /**
   * Fetches the resource and emits its new records; returns how many were emitted. Once `signal`
   * is aborted (closing) it must emit nothing more: its pointer is fetched again after the start.
   */
  fetch: (pointer: WebhookPointer, entryId: string, signal: AbortSignal) => Promise<number>;
  /** Attempts before giving up; 0 = keep trying. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  random?: () => number;
  onRetry?: (entryId: string, attempt: number, delayMs: number, err: unknown) => void;
  onGiveUp?: (entryId: string, pointer: WebhookPointer, err: unknown) => void;
  onDone?: (entryId: string, emitted: number) => void;
  /** The outcome could not be stored: the pointer is fetched again after the next start. */
  onSettleError?: (entryId: string, err: unknown) => void;
  onChange?: (state: InboxQueueState) => void;
}

/** Errors a retry cannot fix: the pointer is wrong, not the moment. */
export function isPermanent(err: unknown): boolean {
  if (!isApiError(err)) return false;
  if (['FOREIGN_RESOURCE_URL', 'BAD_RESOURCE_URL', 'VALIDATION'].includes(err.code)) return true;
  return err.status === 400 || err.status === 404 || err.status === 405 || err.status === 410;
}

/** The msg stored with a pointer's audit entry (what a replay sends, e.g. into shipstation-fetch). */
export function pointerMsg(pointer: WebhookPointer): Record<string, unknown> {
  return {
    topic: pointer.resourceType,
    payload: {
      resource_url: pointer.resourceUrl,
      resource_type: pointer.resourceType,
      ...(pointer.data !== undefined ? { data: pointer.data } : {}),
    },
    shipstation: { version: pointer.version, event: pointer.resourceType, resourceUrl: pointer.resourceUrl },
  };
}

/** The pointer stored on an audit entry's msg. */
export function pointerFromMsg(msg: Record<string, unknown> | undefined): WebhookPointer | undefined {
  const payload = msg?.payload as Record<string, unknown> | undefined;
  const ss = msg?.shipstation as Record<string, unknown> | undefined;
  const url = payload?.resource_url;
  const type = payload?.resource_type;
  const version = ss?.version;
  if (typeof url !== 'string' || typeof type !== 'string' || (version !== 'v1' && version !== 'v2')) return undefined;
  return {
    version,
    resourceUrl: url,
    resourceType: type,
    ...(payload?.data !== undefined ? { data: payload.data } : {}),
  };
}

const ADOPT_PAGE = 500;

/**
 * `work`'s result, or a rejection as soon as `signal` aborts. The abort listener goes once the
 * work settles: the signal lives as long as the node, and a listener per pointer would pile up.
 */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class PointerInbox {
  private readonly queue: InboxQueue<WebhookPointer>;
  private readonly stop = new AbortController();

  constructor(private readonly options: PointerInboxOptions) {
    this.queue = new InboxQueue<WebhookPointer>({
      store: options.store,
      scope: options.scope,
      maxAttempts: options.maxAttempts,
      backoff: options.backoff,
      random: options.random,
      isPermanent,
      apply: (item) => this.fetch(item),
      onRetry: (item, delayMs, err) => options.onRetry?.(item.eventId, item.attempts, delayMs, err),
      onGiveUp: (item, err) => this.giveUp(item, err),
      onSettleError: (item, err) => options.onSettleError?.(item.eventId, err),
      onChange: options.onChange,
    });
  }

  state(): InboxQueueState {
    return this.queue.state();
  }

  /**
   * Stores a checked pointer, durably, and queues its fetch; returns its audit entry id. Throws
   * when it could not be stored: the sender must not get a 200 then.
   */
  async receive(pointer: WebhookPointer): Promise<string> {
    const { store, scope, nodeId } = this.options;
    const entry = await store.record({
      system: 'shipstation',
      operation: WEBHOOK_OPERATION,
      status: 'received',
      nodeId,
      msg: pointerMsg(pointer),
    });
    await store.inboxAdd(scope, [{ eventId: entry.id, payload: pointer }]);
    this.queue.enqueue(entry.id, pointer);
    return entry.id;
  }

  /**
   * After a start: queues the pointers still pending, first adding to the inbox this node's
   * entries still `received` that are not in it (kept by a version that stored pointers only as
   * audit entries, or a receipt whose inbox add failed). Returns how many were queued.
   */
  async recover(): Promise<number> {
    await this.adoptReceived();
    return this.queue.recover();
  }

  /** Resolves when nothing is queued or being fetched (retries may still be waiting). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops fetching, gives up the fetch in progress; what is left stays pending. */
  close(): Promise<void> {
    const closed = this.queue.close();
    this.stop.abort(new Error('shipstation-in closed: the webhook is fetched again at the next start'));
    return closed;
  }

  private async adoptReceived(): Promise<void> {
    const { store, scope, nodeId } = this.options;
    for (let offset = 0; ;) {
      const page = await store.query({
        system: 'shipstation',
        operation: WEBHOOK_OPERATION,
        status: 'received',
        order: 'asc',
        limit: ADOPT_PAGE,
        offset,
      });
      const events = page.entries.flatMap((entry) => {
        const pointer = entry.nodeId === nodeId ? pointerFromMsg(entry.msg) : undefined;
        return pointer ? [{ eventId: entry.id, payload: pointer }] : [];
      });
      // those already in the inbox (pending or settled) are duplicates: nothing changes for them
      if (events.length > 0) await store.inboxAdd(scope, events);
      offset += page.entries.length;
      if (page.entries.length === 0 || offset >= page.total) return;
    }
  }

  private async fetch(item: InboxItem<WebhookPointer>): Promise<void> {
    const fetching = this.options.fetch(item.payload, item.eventId, this.stop.signal);
    // given up at close, it may still end (or fail) later: nobody waits for it then
    fetching.catch(() => undefined);
    const emitted = await unlessAborted(fetching, this.stop.signal);
    // the entry first: if the settle is lost, the next start fetches it again and emits nothing new
    await this.options.store.setStatus(item.eventId, 'succeeded').catch(() => undefined);
    this.options.onDone?.(item.eventId, emitted);
  }

  private giveUp(item: InboxItem<WebhookPointer>, err: unknown): AuditEntryInput {
    void this.options.store.setStatus(item.eventId, 'failed').catch(() => undefined);
    this.options.onGiveUp?.(item.eventId, item.payload, err);
    const info = toErrorInfo(err, 'shipstation');
    // recorded with the settle, in the same commit
    return {
      system: 'shipstation',
      operation: `${WEBHOOK_OPERATION}.fetch`,
      status: 'failed',
      error: { code: info.code, message: info.message, ...(info.status ? { status: info.status } : {}) },
      nodeId: this.options.nodeId,
    };
  }
}
