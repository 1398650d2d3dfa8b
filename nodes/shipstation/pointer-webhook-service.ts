/**
 * The work behind shipstation-in, Node-RED-free: a webhook request is checked (webhook-checks.ts:
 * token or signature, body, event, resource_url host; a refusal that looks like an attack goes to
 * the audit trail), its pointer stored durably before the 200 (pointer-inbox.ts), then fetched
 * through the config's shared limiter and each new record handed out as a msg once: remembered
 * by id + modify date in the store, so a redelivered pointer or a re-read resource emits nothing
 * twice. The node file registers the routes, shows `state()` and sends what comes out.
 */
import type { BackoffPolicy } from '../core/retry';
import type { AuditEntryInput, AuditStore } from '../audit/types';
import type { WebhookRequest } from '../shared/webhook-route';
import type { ShipStationClient } from './client';
import type { X3MappingOptions } from './mapping';
import { PointerInbox } from './pointer-inbox';
import { emitRecord } from './record-emit';
import { normaliseRecord, recordIdentity, recordKind } from './records';
import type { ApiVersion } from './resource-url';
import { checkWebhook, type IntakeRejection, type WebhookPointer } from './webhook-checks';
import type { JwksSource } from './webhook-verify';

type Json = Record<string, unknown>;

export interface PointerWebhookOptions {
  client: ShipStationClient;
  jwks: JwksSource;
  /** Holds the pointers (webhook inbox) and the seen record ids. */
  store: AuditStore;
  /** Audit entries beside the inbox (records received, refused requests). */
  record: (entry: AuditEntryInput) => Promise<unknown>;
  nodeId: string;
  /** Inbox and seen-id scope: one per receiving node. */
  scope: string;
  version: ApiVersion;
  /** The V1 secret token (V1 webhooks are unsigned). */
  token?: string;
  events: Set<string>;
  maxAgeMs: number;
  mapToX3: boolean;
  mapping: X3MappingOptions;
  /** SHIP_NOTIFY points at shipments without their items; the X3 delivery needs the lines. */
  includeItems: boolean;
  /** Fetch attempts per pointer before giving up; 0 = keep trying. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** One new record as a msg, ready to send. */
  onRecord: (msg: Json) => void;
  /** A msg that failed (its X3 mapping, or a pointer given up); `err` belongs on msg.error. */
  onFailed: (err: unknown, msg: Json) => void;
  warn: (text: string) => void;
  error: (text: string) => void;
  /** Queue or counters changed: time to show `state()`. */
  onChange?: () => void;
}

export interface PointerWebhookReply {
  status: number;
  body: Json;
}

export interface PointerWebhookState {
  queued: number;
  processing: boolean;
  waitingRetry: number;
  emitted: number;
  /** The last fetch failure, until a fetch succeeds. */
  lastError?: string;
}

export class PointerWebhookService {
  private readonly inbox: PointerInbox;
  private emitted = 0;
  private lastError: string | undefined;

  constructor(private readonly options: PointerWebhookOptions) {
    const o = options;
    this.inbox = new PointerInbox({
      store: o.store,
      scope: o.scope,
      nodeId: o.nodeId,
      fetch: (pointer, _entryId, signal) => this.emitRecords(pointer, signal),
      maxAttempts: o.maxAttempts,
      backoff: o.backoff,
      onRetry: (_id, attempt, delayMs, err) => {
        this.lastError = (err as Error).message;
        o.warn(
          `ShipStation resource fetch failed (attempt ${attempt}), retrying in ${Math.round(delayMs / 1000)} s: ${this.lastError}`,
        );
      },
      onGiveUp: (entryId, pointer, err) => {
        // the pointer inbox records the failure in the audit trail
        o.onFailed(err, {
          topic: pointer.resourceType,
          payload: { resource_url: pointer.resourceUrl, resource_type: pointer.resourceType },
          shipstation: { version: pointer.version, event: pointer.resourceType, resourceUrl: pointer.resourceUrl },
          audit: { id: entryId, status: 'failed' },
        });
      },
      onDone: (_id, emitted) => {
        this.emitted += emitted;
        this.lastError = undefined;
      },
      onSettleError: (_id, err) =>
        o.warn(`ShipStation webhook outcome not stored (fetched again after a restart): ${(err as Error).message}`),
      onChange: () => o.onChange?.(),
    });
  }

  state(): PointerWebhookState {
    const q = this.inbox.state();
    return {
      queued: q.queued,
      processing: q.processing,
      waitingRetry: q.waitingRetry,
      emitted: this.emitted,
      lastError: this.lastError,
    };
  }

  /**
   * Answers one webhook request: refused (4xx), stored (200) or not stored (503: ShipStation may
   * deliver it again). `tokenInPath`: it came in on the route whose last segment is the token.
   */
  async handle(req: WebhookRequest, tokenInPath: boolean): Promise<PointerWebhookReply> {
    const o = this.options;
    const checked = await checkWebhook(req, {
      version: o.version,
      token: o.token,
      tokenInPath,
      events: o.events,
      bases: o.client.bases,
      jwks: o.jwks,
      maxAgeMs: o.maxAgeMs,
    });
    if (!checked.ok) {
      await this.refused(checked, req.ip);
      return { status: checked.status, body: { error: checked.message } };
    }
    try {
      await this.inbox.receive(checked.pointer);
    } catch (err) {
      // not on disk = not accepted: ShipStation may deliver it again
      o.error(`ShipStation webhook not stored, answered 503: ${(err as Error).message}`);
      return { status: 503, body: { error: 'could not record the webhook' } };
    }
    return { status: 200, body: { received: true } };
  }

  /** Queues the pointers a previous run stored but did not fetch; returns how many. */
  recover(): Promise<number> {
    return this.inbox.recover();
  }

  /** Resolves when nothing is queued or being fetched (retries may still be waiting). */
  idle(): Promise<void> {
    return this.inbox.idle();
  }

  /**
   * Pointers answered 200 are stored: the fetch in progress is given up, and it and the others
   * are fetched at the next start.
   */
  close(): Promise<void> {
    return this.inbox.close();
  }

  private async refused(r: IntakeRejection, ip: string | undefined): Promise<void> {
    if (!r.security) return;
    await this.options.record({
      system: 'shipstation',
      operation: 'security',
      status: 'failed',
      error: { code: r.code, message: `${r.message}${ip ? ` (from ${ip})` : ''}`, status: r.status },
      nodeId: this.options.nodeId,
    });
    this.options.warn(`ShipStation webhook refused: ${r.message}`);
  }

  private async emitRecords(pointer: WebhookPointer, signal: AbortSignal): Promise<number> {
    const o = this.options;
    let emitted = 0;
    const pages = o.client.resourcePages(pointer.resourceUrl, pointer.version, (target) => {
      if (o.includeItems && target.version === 'v1' && /\/shipments$/i.test(target.url.pathname)) {
        for (const key of [...target.url.searchParams.keys()]) {
          if (key.toLowerCase() === 'includeshipmentitems') target.url.searchParams.delete(key);
        }
        target.url.searchParams.set('includeShipmentItems', 'true');
      }
    });
    for await (const page of pages) {
      for (const raw of page.records) {
        const kind = recordKind(page.version, page.collection, raw);
        const record = normaliseRecord(page.version, raw, { now: Date.now() });
        const ident = recordIdentity(kind, page.version, record);
        // closing: a msg sent now may meet a stopped flow; unseen, the record comes at the next start
        if (signal.aborted) throw new Error('shipstation-in closed');
        if (!(await o.store.markSeen(o.scope, `${ident.id}@${ident.stamp}`))) continue;
        await emitRecord({}, record, {
          version: page.version,
          kind,
          resourceUrl: pointer.resourceUrl,
          event: pointer.resourceType,
          mapToX3: o.mapToX3,
          mapping: o.mapping,
          verb: 'receive',
          nodeId: o.nodeId,
          record: o.record,
          send: o.onRecord,
          fail: o.onFailed,
        });
        emitted += 1;
      }
    }
    return emitted;
  }
}
