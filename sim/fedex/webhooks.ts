/**
 * Advanced Integrated Visibility webhooks (reference §7): every new scan event is pushed to the
 * registered targets as the Track structure wrapped in {transactionId, outputMetaData, output},
 * signed with `fdx-signature` = Base64(HMAC-SHA256(security token, raw body)). Only 200/202 count
 * as delivered; otherwise 3 retries (sim clock), then the missed-events queue, re-sent on demand.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { occurredScans } from './journey';
import { type SimRuntime, pushCapped } from './runtime';
import { formatFedexDate } from './shipments';
import { trackResult } from './track-results';
import type { PlannedScan, SimShipment, WebhookDeliveryRecord, WebhookTargetInput, WebhookTargetRecord } from './types';

export class WebhookRegistrationError extends Error {}

export function signBody(rawBody: Buffer | string, securityToken: string): string {
  return createHmac('sha256', securityToken).update(rawBody).digest('base64');
}

/** [doc test-webhook] 26–100 characters with at least one upper-case letter, one lower-case letter and one digit. */
export function checkSecurityToken(token: string): string | undefined {
  if (token.length < 26 || token.length > 100) return 'securityToken must be 26 to 100 characters';
  if (!/[A-Z]/.test(token) || !/[a-z]/.test(token) || !/\d/.test(token)) {
    return 'securityToken needs at least one upper-case letter, one lower-case letter and one digit';
  }
  return undefined;
}

/** [doc business-rules] HTTPS, ≤ 200 chars, no IP literal/localhost, no fedex.com. */
export function checkDestinationUrl(url: string, enforce: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'url must be an absolute URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'url must be http(s)';
  if (!enforce) return undefined;
  if (url.length > 200) return 'url must be at most 200 characters';
  if (u.protocol !== 'https:') return 'url must use HTTPS';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) || host === 'localhost') return 'url must not be an IP literal or localhost';
  if (host === 'fedex.com' || host.endsWith('.fedex.com')) return 'url must not be a fedex.com host';
  return undefined;
}

interface PendingDelivery {
  targetId: string;
  trackingNumber: string;
  eventType: string;
  eventDate: string;
  /** The webhook payload minus outputMetaData (added per attempt). */
  payload: Record<string, unknown>;
  attempt: number;
  dueAt: number;
  kind: WebhookDeliveryRecord['kind'];
  /** Delivery id of the first attempt: retries and redeliveries refer to it. */
  originId?: string;
}

export class WebhookDispatcher {
  private readonly secrets = new Map<string, string>();
  private readonly urls = new Map<string, string>();
  private pending: PendingDelivery[] = [];
  /** Exhausted deliveries by first-attempt id, for redelivery. */
  private readonly missed = new Map<string, PendingDelivery & { missedAt: number }>();
  /** Every attempt by delivery id (bounded), so any recorded delivery can be re-sent. */
  private readonly sent = new Map<string, PendingDelivery>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly rt: SimRuntime) {}

  register(input: WebhookTargetInput): WebhookTargetRecord {
    if (typeof input.url !== 'string') throw new WebhookRegistrationError('url is required');
    if (typeof input.securityToken !== 'string') throw new WebhookRegistrationError('securityToken is required');
    const urlProblem = checkDestinationUrl(input.url, this.rt.config.webhooks.enforceUrlRules);
    if (urlProblem) throw new WebhookRegistrationError(urlProblem);
    const tokenProblem = checkSecurityToken(input.securityToken);
    if (tokenProblem) throw new WebhookRegistrationError(tokenProblem);
    // A subscription delivers events from now on, not the history before it.
    this.advanceCursors();
    const rec: WebhookTargetRecord = {
      id: this.rt.nextId('wh'),
      url: input.url,
      accountNumbers: [...(input.accountNumbers ?? [])],
      trackingNumbers: [...(input.trackingNumbers ?? [])],
      createdAt: this.rt.now(),
    };
    this.secrets.set(rec.id, input.securityToken);
    this.urls.set(rec.id, input.url);
    this.rt.state.webhookTargets.push(rec);
    return rec;
  }

  remove(id: string): boolean {
    const list = this.rt.state.webhookTargets;
    const i = list.findIndex((t) => t.id === id);
    if (i < 0) return false;
    list.splice(i, 1);
    this.secrets.delete(id);
    this.urls.delete(id);
    this.pending = this.pending.filter((p) => p.targetId !== id);
    return true;
  }

  /** Drops queued work (targets stay registered), used by /__sim/reset. */
  clearQueues(): void {
    this.pending = [];
    this.missed.clear();
    this.rt.state.webhookMissed.length = 0;
  }

  start(): void {
    this.restartTimer();
  }

  restartTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const ms = this.rt.config.webhooks.pollMs;
    if (ms > 0 && !this.closed) {
      this.timer = setInterval(() => {
        void this.flush().catch(() => undefined);
      }, ms);
      this.timer.unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.chain.catch(() => undefined);
  }

  private advanceCursors(): void {
    const now = this.rt.now();
    for (const s of this.rt.state.shipments)
      s.webhookCursor = Math.max(s.webhookCursor, occurredScans(s.journey, now).length);
  }

  private targetsFor(s: SimShipment, trackingNumber: string): WebhookTargetRecord[] {
    return this.rt.state.webhookTargets.filter(
      (t) =>
        (t.accountNumbers.length === 0 || t.accountNumbers.includes(s.accountNumber)) &&
        (t.trackingNumbers.length === 0 ||
          t.trackingNumbers.includes(trackingNumber) ||
          t.trackingNumbers.includes(s.masterTrackingNumber)),
    );
  }

  private payloadFor(s: SimShipment, trackingNumber: string, event: PlannedScan): Record<string, unknown> {
    const piece = s.pieces.find((p) => p.trackingNumber === trackingNumber) ?? s.pieces[0];
    // The Track structure as of this event (so a late flush still describes the event it announces).
    const result = trackResult(s, piece, event.dueAt, true);
    if (this.rt.config.webhooks.history === 'latest') result.scanEvents = (result.scanEvents as unknown[]).slice(0, 1);
    return {
      transactionId: randomUUID(),
      output: { completeTrackResults: [{ trackingNumber, trackResults: [result] }] },
    };
  }

  /**
   * Queues one delivery per (new event, piece, matching target) for the events that occurred by
   * `now`, due at `now`: the flush passes its own time, so the events it collects are due in it
   * (reading the clock again here could stamp them later than the flush and leave them behind).
   */
  private collectNewEvents(now: number): void {
    for (const s of this.rt.state.shipments) {
      const occurred = occurredScans(s.journey, now);
      if (occurred.length <= s.webhookCursor) continue;
      const fresh = occurred.slice(s.webhookCursor);
      s.webhookCursor = occurred.length;
      for (const event of fresh) {
        for (const piece of s.pieces) {
          for (const t of this.targetsFor(s, piece.trackingNumber)) {
            this.pending.push({
              targetId: t.id,
              trackingNumber: piece.trackingNumber,
              eventType: event.eventType,
              eventDate: formatFedexDate(event.dueAt, event.location.zone),
              payload: this.payloadFor(s, piece.trackingNumber, event),
              attempt: 1,
              dueAt: now,
              kind: 'event',
            });
          }
        }
      }
    }
  }

  private shuffle<T>(items: T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.rt.rng() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  private pruneMissed(now: number): void {
    const keep = this.rt.config.webhooks.missedRetentionMs;
    for (const [id, m] of this.missed) {
      if (now - m.missedAt > keep) {
        this.missed.delete(id);
        const i = this.rt.state.webhookMissed.indexOf(id);
        if (i >= 0) this.rt.state.webhookMissed.splice(i, 1);
      }
    }
  }

  /** Serialised so the poll timer and explicit flushes never send the same item twice. */
  flush(): Promise<WebhookDeliveryRecord[]> {
    const run = this.chain.then(() => this.flushNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<WebhookDeliveryRecord[]> {
    if (this.closed) return [];
    const now = this.rt.now();
    this.pruneMissed(now);
    this.collectNewEvents(now);
    const due = this.pending.filter((p) => p.dueAt <= now);
    this.pending = this.pending.filter((p) => p.dueAt > now);
    const ordered = this.rt.config.webhooks.outOfOrder ? this.shuffle(due) : due;
    const results: WebhookDeliveryRecord[] = [];
    for (const item of ordered) results.push(await this.attempt(item));
    return results;
  }

  private async attempt(item: PendingDelivery): Promise<WebhookDeliveryRecord> {
    const secret = this.secrets.get(item.targetId);
    const url = this.urls.get(item.targetId);
    const id = this.rt.nextId('dl');
    const originId = item.originId ?? id;
    const body = Buffer.from(
      JSON.stringify({
        ...item.payload,
        outputMetaData: [{ pushTimestamp: new Date(this.rt.now()).toISOString(), attemptNumber: item.attempt }],
      }),
    );
    const signature = secret ? signBody(body, secret) : '';
    const rec: WebhookDeliveryRecord = {
      id,
      targetId: item.targetId,
      url: url ?? '',
      trackingNumber: item.trackingNumber,
      eventType: item.eventType,
      eventDate: item.eventDate,
      attempt: item.attempt,
      at: this.rt.now(),
      ok: false,
      signature,
      bodyBytes: body.length,
      kind: item.kind,
    };
    if (!secret || !url) {
      rec.error = 'target removed';
    } else {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'fdx-signature': signature },
          body,
          signal: AbortSignal.timeout(this.rt.config.webhooks.timeoutMs),
        });
        rec.status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        rec.ok = res.status === 200 || res.status === 202;
      } catch (err) {
        rec.error = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      }
    }
    pushCapped(this.rt.state.webhookDeliveries, rec);
    this.sent.set(id, { ...item, originId });
    if (this.sent.size > 5000) this.sent.delete(this.sent.keys().next().value as string);
    if (rec.ok) {
      if (this.missed.delete(originId)) {
        const i = this.rt.state.webhookMissed.indexOf(originId);
        if (i >= 0) this.rt.state.webhookMissed.splice(i, 1);
      }
      return rec;
    }
    if (!secret || !url) return rec;
    const delays = this.rt.config.webhooks.retryDelaysMs;
    const retryIndex = item.kind === 'redelivery' ? delays.length : item.attempt - 1;
    if (retryIndex < delays.length) {
      this.pending.push({
        ...item,
        attempt: item.attempt + 1,
        dueAt: this.rt.now() + delays[retryIndex],
        kind: 'retry',
        originId,
      });
    } else if (!this.missed.has(originId)) {
      this.missed.set(originId, { ...item, originId, missedAt: this.rt.now() });
      this.rt.state.webhookMissed.push(originId);
    }
    return rec;
  }

  /**
   * Re-sends the missed-events queue (FedEx's portal "retry"), or the given recorded deliveries.
   * The body is rebuilt with the next attempt number, so it is signed afresh.
   */
  redeliver(ids?: string[]): Promise<WebhookDeliveryRecord[]> {
    const run = this.chain.then(async () => {
      const items: PendingDelivery[] = [];
      if (ids && ids.length > 0) {
        for (const id of ids) {
          const item = this.sent.get(id);
          if (item) items.push(item);
        }
      } else {
        items.push(...this.missed.values());
      }
      const out: WebhookDeliveryRecord[] = [];
      for (const item of items) {
        const originId = item.originId as string;
        const lastAttempt = Math.max(
          item.attempt,
          ...this.rt.state.webhookDeliveries
            .filter((d) => d.id === originId || this.sent.get(d.id)?.originId === originId)
            .map((d) => d.attempt),
        );
        out.push(await this.attempt({ ...item, attempt: lastAttempt + 1, kind: 'redelivery', originId }));
      }
      return out;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
