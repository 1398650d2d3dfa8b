/**
 * Tracking updates kept in the audit store's inbox (sql-inbox.ts) until a node has emitted them,
 * for fedex-webhook (every event it answered 200) and fedex-track (a status it recorded while its
 * flow was stopping). Each is applied through the shared monotonic rules (tracking.ts) and
 * emitted by an InboxQueue, never into a stopping flow: an emit asked for while the node closes
 * leaves the update pending, and the next start emits it as a resumed update, because the stored
 * shipment already holds it and a plain apply would see no change. At least once: x3-update's
 * status guard makes a repeat harmless.
 */
import { InboxQueue, type InboxItem } from '../audit/inbox-queue';
import type { AuditCorrelation, AuditEntryInput, AuditStore, TrackedShipment } from '../audit/types';
import { TrackingProcessor, type TrackingUpdate } from './tracking';

export interface InboxUpdate {
  update: TrackingUpdate;
  eventId: string;
  correlation?: AuditCorrelation;
}

export interface TrackingInboxOptions {
  store: AuditStore;
  /** Inbox scope (the node). */
  scope: string;
  /** Emit unchanged updates too. */
  emitAll?: boolean;
  /** Why an emit is refused while closing (the error the queue keeps the update pending with). */
  stoppingMessage: string;
  /** Emits one update (synchronously: it is settled `applied` after this returns). */
  emit: (u: InboxUpdate) => void;
  /** The audit entry recorded with the settle of an emitted update. */
  entry?: (u: InboxUpdate) => AuditEntryInput | undefined;
  onError?: (err: unknown) => void;
  /** Waits between attempts to apply an update the store refused (default 1 s .. 60 s). */
  retry?: { baseDelayMs: number; maxDelayMs: number };
  random?: () => number;
}

export function eventIdOf(u: TrackingUpdate): string {
  return `${u.trackingNumber}|${u.statusCode}|${u.occurredAt ?? ''}`;
}

/** The shipment's stored state is exactly this event: an earlier attempt applied it. */
function holdsEvent(s: TrackedShipment | undefined, u: TrackingUpdate): boolean {
  return !!s && s.status === u.status && (s.statusCode ?? '') === u.statusCode && s.lastEventAt === u.occurredAt;
}

export class TrackingInbox {
  private readonly processor: TrackingProcessor;
  private readonly queue: InboxQueue<TrackingUpdate>;
  private stopping = false;

  constructor(private readonly options: TrackingInboxOptions) {
    this.processor = new TrackingProcessor(options.store);
    this.queue = new InboxQueue<TrackingUpdate>({
      store: options.store,
      scope: options.scope,
      apply: (item) => this.apply(item),
      // a store error is the only failure: keep the update and keep trying
      maxAttempts: 0,
      backoff: options.retry ?? { baseDelayMs: 1000, maxDelayMs: 60_000 },
      random: options.random,
      onRetry: (_item, _delay, err) => options.onError?.(err),
      onSettleError: (_item, err) => options.onError?.(err),
    });
  }

  /** True once close() was called: nothing may be emitted any more. */
  get closing(): boolean {
    return this.stopping;
  }

  /** Stores updates, durably; those not stored before (by event id) are queued unless closing. */
  async add(updates: TrackingUpdate[]): Promise<{ added: string[]; duplicates: string[] }> {
    const events = updates.map((u) => ({ eventId: eventIdOf(u), payload: u }));
    const stored = await this.options.store.inboxAdd(this.options.scope, events);
    const added = new Set(stored.added);
    for (const e of events) if (added.has(e.eventId)) this.queue.enqueue(e.eventId, e.payload);
    return stored;
  }

  /** Queues the updates a previous run stored but did not emit; returns how many. */
  recover(): Promise<number> {
    return this.queue.recover();
  }

  /** Resolves when everything queued so far has been applied (or waits for a retry). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops emitting; resolves when the update in progress is settled. Pending ones stay stored. */
  close(): Promise<void> {
    this.stopping = true;
    return this.queue.close();
  }

  private async apply(item: InboxItem<TrackingUpdate>): Promise<{ entry?: AuditEntryInput }> {
    const incoming = item.payload;
    // an earlier process may have stored the shipment's new state and stopped before emitting
    const before = item.recovered ? await this.options.store.getShipment(incoming.trackingNumber) : undefined;
    const applied = await this.processor.apply(incoming);
    const resumed = item.recovered && !applied.changed && holdsEvent(before, incoming);
    if (!applied.changed && !resumed && !this.options.emitAll) return {};
    // Node-RED drops msgs sent into a stopping flow: leave the update pending instead
    if (this.stopping) throw new Error(this.options.stoppingMessage);
    const u: InboxUpdate = { update: applied.update, eventId: item.eventId, correlation: applied.correlation };
    this.options.emit(u);
    return { entry: this.options.entry?.(u) };
  }
}
