/**
 * Applies the webhook events a receiver stored in the audit store's inbox (sql-inbox.ts)
 * after answering the sender: one at a time, in arrival order, each settled `applied` only once
 * its apply step is done. A failing apply is retried after a backoff (its event stays pending);
 * giving up (a permanent error, or maxAttempts) settles it `failed`. Events still pending when
 * the receiver starts (a crash, a kill, a redeploy) are applied then, marked `recovered`: their
 * earlier attempt may have got part of the way.
 *
 * On a shared store (several instances behind a load balancer, each running this queue for the
 * same node) an event is applied by the instance whose claim on it is granted (inboxClaim, held
 * for `claimMs`): normally the one that received it; the others recover the scope's pending
 * events every `recoverEveryMs` and take over those whose holder died (its claim ran out).
 *
 * Node-RED-free; shipstation-in and fedex-webhook each run one per node.
 */
import { backoffDelay, type BackoffPolicy } from '../core/retry';
import { PROCESS_INSTANCE_ID } from './config-api';
import type { AuditEntryInput, AuditStore } from './types';

/** How long an instance holds an event it applies (an apply is seconds; a dead holder's events wait this long). */
export const DEFAULT_INBOX_CLAIM_MS = 5 * 60_000;
/** How often an instance on a shared store looks for pending events another instance left. */
export const DEFAULT_INBOX_RECOVER_MS = 30_000;

export interface InboxItem<T> {
  eventId: string;
  payload: T;
  /** Read back from the store at start: an earlier process may have applied part of it. */
  recovered: boolean;
  /** Attempts so far in this process, this one included. */
  attempts: number;
}

export interface InboxApplied {
  /** Recorded in the audit trail in the same commit that settles the event. */
  entry?: AuditEntryInput;
}

export interface InboxQueueOptions<T> {
  store: Pick<AuditStore, 'inboxPending' | 'inboxSettle'> & Partial<Pick<AuditStore, 'shared' | 'inboxClaim'>>;
  scope: string;
  /** Shared store: the claim owner (default this process) and times (tests shorten them). */
  owner?: string;
  claimMs?: number;
  recoverEveryMs?: number;
  apply: (item: InboxItem<T>) => Promise<InboxApplied | void>;
  /** Attempts before giving up; 0 = keep trying. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Errors a retry cannot fix (settled `failed` at once). */
  isPermanent?: (err: unknown) => boolean;
  random?: () => number;
  onRetry?: (item: InboxItem<T>, delayMs: number, err: unknown) => void;
  /** The audit entry returned is recorded with the `failed` settle. */
  onGiveUp?: (item: InboxItem<T>, err: unknown) => AuditEntryInput | void;
  onDone?: (item: InboxItem<T>) => void;
  /** A settle that could not be written: the event is applied again after the next start. */
  onSettleError?: (item: InboxItem<T>, err: unknown) => void;
  onChange?: (state: InboxQueueState) => void;
}

export interface InboxQueueState {
  queued: number;
  waitingRetry: number;
  processing: boolean;
}

const RECOVER_PAGE = 500;

export class InboxQueue<T> {
  private readonly queue: Array<InboxItem<T>> = [];
  private readonly known = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private running: Promise<void> | undefined;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private recoverTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: InboxQueueOptions<T>) {}

  /** Claims are needed (and taken) only when other instances share the store. */
  private get claims(): boolean {
    return this.options.store.shared === true && typeof this.options.store.inboxClaim === 'function';
  }

  state(): InboxQueueState {
    return { queued: this.queue.length, waitingRetry: this.timers.size, processing: this.running !== undefined };
  }

  /** Adds a stored event (ignored when it is already queued, running or waiting for a retry). */
  enqueue(eventId: string, payload: T, recovered = false): void {
    if (this.closed || this.known.has(eventId)) return;
    this.known.add(eventId);
    this.queue.push({ eventId, payload, recovered, attempts: 0 });
    this.changed();
    this.drain();
  }

  /** Queues the scope's events still pending in the store (after a restart); returns how many. */
  async recover(): Promise<number> {
    if (this.claims && !this.closed) this.scheduleRecover();
    // pending events are settled as they are applied, so the first page is always the oldest
    // not seen yet: read past the ones this queue already holds
    let found = 0;
    for (let limit = RECOVER_PAGE; ; limit += RECOVER_PAGE) {
      const rows = await this.options.store.inboxPending(this.options.scope, limit);
      if (this.closed) return found;
      for (const row of rows) {
        if (this.known.has(row.eventId)) continue;
        found += 1;
        this.enqueue(row.eventId, row.payload as T, true);
      }
      if (rows.length < limit) return found;
    }
  }

  /** Shared store: recover again and again, so events a dead instance left are applied. */
  private scheduleRecover(): void {
    if (this.recoverTimer) clearTimeout(this.recoverTimer);
    this.recoverTimer = setTimeout(() => {
      this.recoverTimer = undefined;
      if (!this.closed) this.recover().catch(() => this.scheduleRecover());
    }, this.options.recoverEveryMs ?? DEFAULT_INBOX_RECOVER_MS);
  }

  /** Resolves when nothing is queued or running (retries may still be waiting). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking events; resolves when the apply in progress (if any) has finished. */
  close(): Promise<void> {
    this.closed = true;
    if (this.recoverTimer) clearTimeout(this.recoverTimer);
    this.recoverTimer = undefined;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    const running = this.running ?? Promise.resolve();
    return running.then(() => {
      this.known.clear();
      this.releaseIdle();
    });
  }

  private changed(): void {
    this.options.onChange?.(this.state());
  }

  private releaseIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private drain(): void {
    // the loop below then awaits at least once, so `running` is set before it is cleared
    if (this.running || this.closed || this.queue.length === 0) return;
    this.running = (async () => {
      try {
        while (!this.closed && this.queue.length > 0) await this.run(this.queue.shift() as InboxItem<T>);
      } finally {
        this.running = undefined;
        this.changed();
        if (this.queue.length === 0) this.releaseIdle();
      }
    })();
    this.changed();
  }

  private async settle(item: InboxItem<T>, state: 'applied' | 'failed', entry?: AuditEntryInput | void) {
    this.known.delete(item.eventId);
    try {
      await this.options.store.inboxSettle(this.options.scope, item.eventId, state, entry ?? undefined);
    } catch (err) {
      this.options.onSettleError?.(item, err);
    }
  }

  private async run(item: InboxItem<T>): Promise<void> {
    item.attempts += 1;
    let applied: InboxApplied | void;
    if (this.claims) {
      const mine = await (this.options.store.inboxClaim as NonNullable<AuditStore['inboxClaim']>)(
        this.options.scope,
        item.eventId,
        this.options.owner ?? PROCESS_INSTANCE_ID,
        this.options.claimMs ?? DEFAULT_INBOX_CLAIM_MS,
      ).catch(() => false);
      if (!mine) {
        // another instance applies it (or it is settled): the next recovery looks again
        this.known.delete(item.eventId);
        return;
      }
    }
    try {
      applied = await this.options.apply(item);
    } catch (err) {
      // closing stops retries: the event stays pending and the next start applies it
      if (this.closed) return;
      const max = this.options.maxAttempts;
      if (this.options.isPermanent?.(err) || (max > 0 && item.attempts >= max)) {
        await this.settle(item, 'failed', this.options.onGiveUp?.(item, err));
        return;
      }
      // full jitter, but never less than half the first wait: an immediate retry meets the same outage
      const delay = Math.max(
        this.options.backoff.baseDelayMs / 2,
        backoffDelay(item.attempts - 1, this.options.backoff, this.options.random),
      );
      this.options.onRetry?.(item, delay, err);
      const timer = setTimeout(() => {
        this.timers.delete(item.eventId);
        if (this.closed) return;
        this.queue.push(item);
        this.changed();
        this.drain();
      }, delay);
      this.timers.set(item.eventId, timer);
      this.changed();
      return;
    }
    // applied (msgs sent): settle even while closing, or the next start applies it again
    await this.settle(item, 'applied', applied?.entry);
    this.options.onDone?.(item);
  }
}
