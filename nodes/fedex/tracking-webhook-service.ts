/**
 * The work behind fedex-webhook (FedEx AIV tracking pushes), Node-RED-free: signature over the
 * raw bytes (401 when bad or missing), body shape (400 when malformed), then each tracking
 * result is stored in the audit store's webhook inbox, durably, before the 200 (FedEx never
 * redelivers a 200; a store that fails answers 503 so FedEx does). The stored events are applied
 * in arrival order by an InboxQueue with the same rules as fedex-track, also those a crash or
 * stop left pending.
 * A redelivered event (FedEx retries and portal re-sends, each with a new attemptNumber in the
 * body) has the same event id (tracking number, status code, event time) and is stored once.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { InboxQueue, type InboxItem } from '../audit/inbox-queue';
import type { AuditCorrelation, AuditEntryInput, AuditStore, TrackedShipment } from '../audit/types';
import { validateWebhookBody } from './schemas';
import { parseTrackOutput, TrackingProcessor, type TrackingUpdate } from './tracking';
import { SIGNATURE_HEADER, verifyFedexSignature } from './webhook-signature';

export interface WebhookUpdate {
  update: TrackingUpdate;
  eventId: string;
  correlation?: AuditCorrelation;
}

export interface TrackingWebhookOptions {
  store: AuditStore;
  /** The AIV security token; undefined -> every request is refused. */
  secret: () => string | undefined;
  /** Inbox scope (the node). */
  scope: string;
  emitAll?: boolean;
  /** Emits one update (synchronously: the event is settled `applied` after it returns). */
  onUpdate: (u: WebhookUpdate) => void;
  onError?: (err: unknown) => void;
  /** Per-number errors inside the push (rare). */
  onResultError?: (trackingNumber: string, code: string, message: string) => void;
  /** Audit entries outside the inbox (refused requests). */
  record?: (entry: AuditEntryInput) => Promise<unknown>;
  nodeId?: string;
  /** Waits between attempts to apply an event the store refused (default 1 s .. 60 s). */
  retry?: { baseDelayMs: number; maxDelayMs: number };
  random?: () => number;
}

export interface IntakeReply {
  status: number;
  body?: unknown;
}

export interface IntakeCounters {
  received: number;
  emitted: number;
  duplicates: number;
  rejected: number;
  lastAt?: number;
}

export function eventIdOf(u: TrackingUpdate): string {
  return `${u.trackingNumber}|${u.statusCode}|${u.occurredAt ?? ''}`;
}

/** The shipment's stored state is exactly this event: an earlier attempt applied it. */
function holdsEvent(s: TrackedShipment | undefined, u: TrackingUpdate): boolean {
  return !!s && s.status === u.status && (s.statusCode ?? '') === u.statusCode && s.lastEventAt === u.occurredAt;
}

export class TrackingWebhookService {
  readonly counters: IntakeCounters = { received: 0, emitted: 0, duplicates: 0, rejected: 0 };
  private readonly processor: TrackingProcessor;
  private readonly queue: InboxQueue<TrackingUpdate>;
  private closing = false;

  constructor(private readonly options: TrackingWebhookOptions) {
    this.processor = new TrackingProcessor(options.store);
    this.queue = new InboxQueue<TrackingUpdate>({
      store: options.store,
      scope: options.scope,
      apply: (item) => this.apply(item),
      // a store error is the only failure: keep the event and keep trying
      maxAttempts: 0,
      backoff: options.retry ?? { baseDelayMs: 1000, maxDelayMs: 60_000 },
      random: options.random,
      onRetry: (_item, _delay, err) => options.onError?.(err),
      onSettleError: (_item, err) => options.onError?.(err),
    });
  }

  async handle(req: { raw: Buffer; headers: IncomingHttpHeaders }): Promise<IntakeReply> {
    const secret = this.options.secret();
    if (!secret || !verifyFedexSignature(req.raw, req.headers[SIGNATURE_HEADER], secret)) {
      this.counters.rejected += 1;
      void this.securityEntry(secret ? 'BAD_SIGNATURE' : 'NO_SECURITY_TOKEN');
      return { status: 401, body: { error: 'invalid signature' } };
    }
    let body: unknown;
    try {
      body = JSON.parse(req.raw.toString('utf8'));
      validateWebhookBody(body);
    } catch (err) {
      this.counters.rejected += 1;
      const message = err instanceof SyntaxError ? 'body is not JSON' : (err as Error).message;
      return { status: 400, body: { error: message } };
    }
    const events: Array<{ eventId: string; payload: TrackingUpdate }> = [];
    for (const result of parseTrackOutput(body)) {
      if (result.update) events.push({ eventId: eventIdOf(result.update), payload: result.update });
      else if (result.error)
        this.options.onResultError?.(result.trackingNumber, result.error.code, result.error.message);
    }
    let stored: { added: string[]; duplicates: string[] };
    try {
      stored = await this.options.store.inboxAdd(this.options.scope, events);
    } catch (err) {
      // not stored = not accepted: FedEx delivers it again
      this.options.onError?.(err);
      return { status: 503, body: { error: 'could not store the webhook' } };
    }
    this.counters.received += 1;
    this.counters.duplicates += stored.duplicates.length;
    this.counters.lastAt = Date.now();
    const added = new Set(stored.added);
    for (const e of events) if (added.has(e.eventId)) this.queue.enqueue(e.eventId, e.payload);
    return { status: 200, body: { received: true } };
  }

  /** Queues the events a previous run stored but did not apply; returns how many. */
  recover(): Promise<number> {
    return this.queue.recover();
  }

  /** Resolves when everything received so far has been applied (or waits for a retry). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops applying; resolves when the event in progress is settled. Pending ones stay stored. */
  close(): Promise<void> {
    this.closing = true;
    return this.queue.close();
  }

  private async apply(item: InboxItem<TrackingUpdate>): Promise<{ entry?: AuditEntryInput }> {
    const incoming = item.payload;
    // an earlier process may have stored the shipment's new state and died before emitting
    const before = item.recovered ? await this.options.store.getShipment(incoming.trackingNumber) : undefined;
    const applied = await this.processor.apply(incoming);
    const resumed = item.recovered && !applied.changed && holdsEvent(before, incoming);
    if (!applied.changed && !resumed && !this.options.emitAll) return {};
    // Node-RED drops msgs sent into a stopping flow: leave the event pending instead (the stored
    // shipment already holds it, so the next start emits it as a resumed event)
    if (this.closing) throw new Error('fedex-webhook is stopping: the event is emitted at the next start');
    const eventId = item.eventId;
    this.options.onUpdate({ update: applied.update, eventId, correlation: applied.correlation });
    this.counters.emitted += 1;
    return {
      entry: {
        system: 'fedex',
        operation: 'webhook',
        status: 'received',
        correlation: { ...applied.correlation, trackingNumbers: [applied.update.trackingNumber] },
        msg: { payload: applied.update, fedex: { eventId } },
        nodeId: this.options.nodeId,
      },
    };
  }

  private async securityEntry(code: string): Promise<void> {
    await this.options.record?.({
      system: 'fedex',
      operation: 'security',
      status: 'failed',
      error: { code, message: 'FedEx webhook refused: missing or invalid fdx-signature', status: 401 },
      nodeId: this.options.nodeId,
    });
  }
}
