/**
 * FedEx AIV webhook intake, Node-RED-free: signature over the raw bytes (401 when bad or
 * missing), body shape (400 when malformed), then 200 at once while the tracking results are
 * applied in arrival order with the same rules as fedex-track. A redelivered event (FedEx retries
 * and portal re-sends, each with a new attemptNumber in the body) is recognised by its tracking
 * number, status code and event time, durably through the audit store.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AuditCorrelation, AuditEntryInput, AuditStore } from '../audit/types';
import { validateWebhookBody } from './schemas';
import { parseTrackOutput, TrackingProcessor, type TrackingUpdate } from './tracking';
import { SIGNATURE_HEADER, verifyFedexSignature } from './webhook-signature';

export interface WebhookUpdate {
  update: TrackingUpdate;
  eventId: string;
  correlation?: AuditCorrelation;
}

export interface WebhookIntakeOptions {
  store: AuditStore;
  /** The AIV security token; undefined -> every request is refused. */
  secret: () => string | undefined;
  /** De-duplication scope (the node). */
  scope: string;
  emitAll?: boolean;
  onUpdate: (u: WebhookUpdate) => void;
  onError?: (err: unknown) => void;
  /** Per-number errors inside the push (rare). */
  onResultError?: (trackingNumber: string, code: string, message: string) => void;
  record?: (entry: AuditEntryInput) => Promise<unknown>;
  nodeId?: string;
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

export class FedexWebhookIntake {
  readonly counters: IntakeCounters = { received: 0, emitted: 0, duplicates: 0, rejected: 0 };
  private readonly processor: TrackingProcessor;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: WebhookIntakeOptions) {
    this.processor = new TrackingProcessor(options.store);
  }

  handle(req: { raw: Buffer; headers: IncomingHttpHeaders }): IntakeReply {
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
    this.counters.received += 1;
    this.counters.lastAt = Date.now();
    // Answer now (FedEx counts only a quick 200/202 as delivered); apply in arrival order.
    this.chain = this.chain.then(() => this.process(body)).catch((err: unknown) => this.options.onError?.(err));
    return { status: 200, body: { received: true } };
  }

  /** Resolves when everything received so far has been processed. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async process(body: unknown): Promise<void> {
    const { store } = this.options;
    for (const result of parseTrackOutput(body)) {
      if (result.error || !result.update) {
        if (result.error) this.options.onResultError?.(result.trackingNumber, result.error.code, result.error.message);
        continue;
      }
      const eventId = eventIdOf(result.update);
      const fresh = await store.markSeen(this.options.scope, eventId);
      if (!fresh) {
        this.counters.duplicates += 1;
        continue;
      }
      const applied = await this.processor.apply(result.update);
      if (!applied.changed && !this.options.emitAll) continue;
      this.counters.emitted += 1;
      await this.options.record?.({
        system: 'fedex',
        operation: 'webhook',
        status: 'received',
        correlation: { ...applied.correlation, trackingNumbers: [applied.update.trackingNumber] },
        msg: { payload: applied.update, fedex: { eventId } },
        nodeId: this.options.nodeId,
      });
      this.options.onUpdate({ update: applied.update, eventId, correlation: applied.correlation });
    }
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
