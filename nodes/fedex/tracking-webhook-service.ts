/**
 * The work behind fedex-webhook (FedEx AIV tracking pushes), Node-RED-free: signature over the
 * raw bytes (401 when bad or missing), body shape (400 when malformed), then each tracking
 * result is stored in the audit store's webhook inbox, durably, before the 200 (FedEx never
 * redelivers a 200; a store that fails answers 503 so FedEx does). The stored events are applied
 * in arrival order with the same rules as fedex-track, also those a crash or stop left pending
 * (tracking-inbox.ts).
 * A redelivered event (FedEx retries and portal re-sends, each with a new attemptNumber in the
 * body) has the same event id (tracking number, status code, event time) and is stored once.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AuditEntryInput, AuditStore } from '../audit/types';
import { validateWebhookBody } from './schemas';
import { parseTrackOutput, type TrackingUpdate } from './tracking';
import { eventIdOf, TrackingInbox, type InboxUpdate } from './tracking-inbox';
import { SIGNATURE_HEADER, verifyFedexSignature } from './webhook-signature';

export { eventIdOf };
export type WebhookUpdate = InboxUpdate;

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

export class TrackingWebhookService {
  readonly counters: IntakeCounters = { received: 0, emitted: 0, duplicates: 0, rejected: 0 };
  private readonly inbox: TrackingInbox;

  constructor(private readonly options: TrackingWebhookOptions) {
    this.inbox = new TrackingInbox({
      store: options.store,
      scope: options.scope,
      emitAll: options.emitAll,
      stoppingMessage: 'fedex-webhook is stopping: the event is emitted at the next start',
      emit: (u) => {
        options.onUpdate(u);
        this.counters.emitted += 1;
      },
      entry: ({ update, eventId, correlation }) => ({
        system: 'fedex',
        operation: 'webhook',
        status: 'received',
        correlation: { ...correlation, trackingNumbers: [update.trackingNumber] },
        msg: { payload: update, fedex: { eventId } },
        nodeId: options.nodeId,
      }),
      onError: options.onError,
      retry: options.retry,
      random: options.random,
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
    const updates: TrackingUpdate[] = [];
    for (const result of parseTrackOutput(body)) {
      if (result.update) updates.push(result.update);
      else if (result.error)
        this.options.onResultError?.(result.trackingNumber, result.error.code, result.error.message);
    }
    let stored: { added: string[]; duplicates: string[] };
    try {
      stored = await this.inbox.add(updates);
    } catch (err) {
      // not stored = not accepted: FedEx delivers it again
      this.options.onError?.(err);
      return { status: 503, body: { error: 'could not store the webhook' } };
    }
    this.counters.received += 1;
    this.counters.duplicates += stored.duplicates.length;
    this.counters.lastAt = Date.now();
    return { status: 200, body: { received: true } };
  }

  /** Queues the events a previous run stored but did not apply; returns how many. */
  recover(): Promise<number> {
    return this.inbox.recover();
  }

  /** Resolves when everything received so far has been applied (or waits for a retry). */
  idle(): Promise<void> {
    return this.inbox.idle();
  }

  /** Stops applying; resolves when the event in progress is settled. Pending ones stay stored. */
  close(): Promise<void> {
    return this.inbox.close();
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
