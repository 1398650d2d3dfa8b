import { isApiError } from '../core/errors';
import { backoffDelay, type BackoffPolicy } from '../core/retry';
import type { AuditStore } from '../audit/types';
import type { ApiVersion } from './resource-url';

/**
 * Webhook pointers after the 200: each one is an audit entry (status `received`) written before
 * the answer, so a pointer is never only in memory. This queue fetches them one at a time; a
 * fetch that fails keeps its entry `received` and is retried after a backoff, and entries still
 * `received` when the node starts (a crash, a restart, a redeploy) are picked up again. Success
 * sets the entry `succeeded`; giving up (a permanent error, or maxAttempts) sets it `failed`,
 * where it stays replayable.
 */

export const WEBHOOK_OPERATION = 'webhook';

export interface WebhookPointer {
  version: ApiVersion;
  resourceUrl: string;
  resourceType: string;
  /** V2 tracking events carry their data inline. */
  data?: unknown;
}

export interface PointerQueueOptions {
  store: AuditStore;
  nodeId: string;
  /** Fetches the resource and emits its new records; returns how many were emitted. */
  process: (pointer: WebhookPointer, entryId: string) => Promise<number>;
  /** Attempts before giving up; 0 = keep trying. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  random?: () => number;
  onRetry?: (entryId: string, attempt: number, delayMs: number, err: unknown) => void;
  onGiveUp?: (entryId: string, pointer: WebhookPointer, err: unknown) => void;
  onDone?: (entryId: string, emitted: number) => void;
  onChange?: (state: QueueState) => void;
}

export interface QueueState {
  queued: number;
  waitingRetry: number;
  processing: boolean;
}

interface Job {
  entryId: string;
  pointer: WebhookPointer;
  attempts: number;
}

/** Errors a retry cannot fix: the pointer is wrong, not the moment. */
export function isPermanent(err: unknown): boolean {
  if (!isApiError(err)) return false;
  if (['FOREIGN_RESOURCE_URL', 'BAD_RESOURCE_URL', 'VALIDATION'].includes(err.code)) return true;
  return err.status === 400 || err.status === 404 || err.status === 405 || err.status === 410;
}

/** The pointer stored on an audit entry's msg (what the receiver recorded). */
export function pointerFromMsg(msg: Record<string, unknown> | undefined): WebhookPointer | undefined {
  const payload = msg?.payload as Record<string, unknown> | undefined;
  const ss = msg?.shipstation as Record<string, unknown> | undefined;
  const url = payload?.resource_url;
  const type = payload?.resource_type;
  const version = ss?.version;
  if (typeof url !== 'string' || typeof type !== 'string' || (version !== 'v1' && version !== 'v2')) return undefined;
  return { version, resourceUrl: url, resourceType: type, data: payload?.data };
}

export class PointerQueue {
  private readonly queue: Job[] = [];
  private readonly known = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private running = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: PointerQueueOptions) {}

  state(): QueueState {
    return { queued: this.queue.length, waitingRetry: this.timers.size, processing: this.running };
  }

  /** Adds a recorded pointer (ignored when that entry is already queued or waiting). */
  enqueue(entryId: string, pointer: WebhookPointer, attempts = 0): void {
    if (this.closed || this.known.has(entryId)) return;
    this.known.add(entryId);
    this.queue.push({ entryId, pointer, attempts });
    this.changed();
    void this.drain();
  }

  /** Re-queues this node's entries still `received` in the store (after a restart). */
  async recover(): Promise<number> {
    let offset = 0;
    let found = 0;
    for (;;) {
      const page = await this.options.store.query({
        system: 'shipstation',
        operation: WEBHOOK_OPERATION,
        status: 'received',
        order: 'asc',
        limit: 500,
        offset,
      });
      for (const entry of page.entries) {
        if (entry.nodeId !== this.options.nodeId) continue;
        const pointer = pointerFromMsg(entry.msg);
        if (!pointer) continue;
        found += 1;
        this.enqueue(entry.id, pointer);
      }
      offset += page.entries.length;
      if (page.entries.length === 0 || offset >= page.total) return found;
    }
  }

  /** Resolves when nothing is queued or running (retries may still be waiting). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.known.clear();
    this.releaseIdle();
  }

  private changed(): void {
    this.options.onChange?.(this.state());
  }

  private releaseIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.changed();
    try {
      while (!this.closed && this.queue.length > 0) {
        const job = this.queue.shift() as Job;
        await this.run(job);
      }
    } finally {
      this.running = false;
      this.changed();
      if (this.queue.length === 0) this.releaseIdle();
    }
  }

  private async run(job: Job): Promise<void> {
    const { store } = this.options;
    job.attempts += 1;
    try {
      const emitted = await this.options.process(job.pointer, job.entryId);
      if (this.closed) return;
      this.known.delete(job.entryId);
      await store.setStatus(job.entryId, 'succeeded').catch(() => undefined);
      this.options.onDone?.(job.entryId, emitted);
    } catch (err) {
      // closing aborts the fetch: the entry stays `received` and the next start picks it up
      if (this.closed) return;
      const max = this.options.maxAttempts;
      if (isPermanent(err) || (max > 0 && job.attempts >= max)) {
        this.known.delete(job.entryId);
        await store.setStatus(job.entryId, 'failed').catch(() => undefined);
        this.options.onGiveUp?.(job.entryId, job.pointer, err);
        return;
      }
      // full jitter, but never less than half the first wait: an immediate retry meets the same outage
      const delay = Math.max(
        this.options.backoff.baseDelayMs / 2,
        backoffDelay(job.attempts - 1, this.options.backoff, this.options.random),
      );
      this.options.onRetry?.(job.entryId, job.attempts, delay, err);
      const timer = setTimeout(() => {
        this.timers.delete(job.entryId);
        if (this.closed) return;
        this.queue.push(job);
        this.changed();
        void this.drain();
      }, delay);
      this.timers.set(job.entryId, timer);
      this.changed();
    }
  }
}
