// Webhook deliveries: V1 unsigned pointer payloads, V2 pointer payloads signed RSA-SHA256.
// Each domain event is one "import action": its records are put in a batch that the
// payload's resource_url lists, read live when the receiver fetches it.
import type { DomainEvent, ShipStationStore } from './store';
import { SIGNATURE_HEADERS, signPayload, type SigningKey } from './signing';
import { formatUtcIso } from './time';
import type { DeliveryRecord, ShipStationSimConfig, V1Event, V2Event } from './types';
import { se } from './v2-views';

interface DeliverySpec {
  version: 'v1' | 'v2';
  webhookId: number | string;
  resourceType: string;
  url: string;
  payload: Record<string, unknown>;
  extraHeaders: { key: string; value: string }[];
}

export interface WebhookDeps {
  store: ShipStationStore;
  config: () => ShipStationSimConfig;
  now: () => number;
  v1Base: () => string;
  v2Base: () => string;
  signingKey: () => SigningKey;
}

/** Query-string values often carry the receiver's secret token: never show them. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, '***');
    u.username = u.username ? '***' : '';
    u.password = u.password ? '***' : '';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

export class WebhookDispatcher {
  readonly deliveries: DeliveryRecord[] = [];
  private readonly history: DeliverySpec[] = [];
  private readonly pending = new Set<Promise<void>>();
  private seq = 1;
  /** Delayed deliveries waiting for their timer; close() releases them without sending. */
  private timers = new Map<NodeJS.Timeout, (cancelled: boolean) => void>();
  private closed = false;

  constructor(private readonly deps: WebhookDeps) {}

  handle(event: DomainEvent): void {
    const { store } = this.deps;
    switch (event.kind) {
      case 'orders-imported':
        for (const [storeId, ids] of this.groupByStore(
          event.orderIds,
          (id) => store.orders.get(id)?.advancedOptions.storeId,
        )) {
          const batch = store.newBatch({ resource: 'orders', ids });
          const url = `${this.deps.v1Base()}/orders?storeID=${storeId}&importBatch=${batch}`;
          this.sendV1(['ORDER_NOTIFY', 'ITEM_ORDER_NOTIFY'], storeId, () => url);
          this.sendV2('shipment_created_v2', storeId, `${this.deps.v2Base()}/v2/shipments?import_batch_id=${batch}`);
        }
        break;
      case 'labels-created':
        for (const [storeId, ids] of this.groupByStore(event.shipmentIds, (id) => store.shipments.get(id)?.storeId)) {
          const batch = store.newBatch({ resource: 'shipments', ids });
          const base = `${this.deps.v1Base()}/shipments?storeID=${storeId}&batchId=${batch}`;
          this.sendV1(
            ['SHIP_NOTIFY', 'ITEM_SHIP_NOTIFY'],
            storeId,
            (type) => `${base}&includeShipmentItems=${type === 'ITEM_SHIP_NOTIFY' ? 'True' : 'False'}`,
          );
          const orderId = store.shipments.get(ids[0])?.orderId ?? 0;
          this.sendV2('label_created_v2', storeId, `${this.deps.v2Base()}/v2/labels?shipment_id=${se(orderId)}`);
        }
        break;
      case 'fulfillments-shipped':
        for (const [storeId, ids] of this.groupByStore(
          event.fulfillmentIds,
          (id) => store.fulfillments.get(id)?.storeId,
        )) {
          const batch = store.newBatch({ resource: 'fulfillments', ids });
          this.sendV1(
            ['FULFILLMENT_SHIPPED'],
            storeId,
            () => `${this.deps.v1Base()}/fulfillments?storeID=${storeId}&batchId=${batch}`,
          );
          this.sendV2('fulfillment_shipped_v2', storeId, `${this.deps.v2Base()}/v2/fulfillments?batch_id=${batch}`);
        }
        break;
      case 'fulfillments-rejected':
        for (const [storeId, ids] of this.groupByStore(
          event.orderIds,
          (id) => store.orders.get(id)?.advancedOptions.storeId,
        )) {
          const batch = store.newBatch({ resource: 'orders', ids });
          this.sendV1(
            ['FULFILLMENT_REJECTED'],
            storeId,
            () => `${this.deps.v1Base()}/orders?storeID=${storeId}&importBatch=${batch}`,
          );
          this.sendV2(
            'fulfillment_rejected_v2',
            storeId,
            `${this.deps.v2Base()}/v2/shipments?import_batch_id=${batch}`,
          );
        }
        break;
    }
  }

  /** Tracking update for a label: V2 `track_event_v2` carries its data inline. */
  sendTrack(shipmentId: number, data: Record<string, unknown>): void {
    const shipment = this.deps.store.shipments.get(shipmentId);
    if (!shipment) return;
    this.sendV2('track_event_v2', shipment.storeId, `${this.deps.v2Base()}/v2/labels/${se(shipmentId)}/track`, data);
  }

  private groupByStore(ids: number[], storeOf: (id: number) => number | undefined): Map<number, number[]> {
    const groups = new Map<number, number[]>();
    for (const id of ids) {
      const storeId = storeOf(id);
      if (storeId === undefined) continue;
      groups.set(storeId, [...(groups.get(storeId) ?? []), id]);
    }
    return groups;
  }

  private sendV1(types: V1Event[], storeId: number, urlFor: (type: V1Event) => string): void {
    for (const hook of this.deps.store.v1Webhooks.values()) {
      if (!hook.active || !types.includes(hook.hookType)) continue;
      if (hook.storeId !== null && hook.storeId !== storeId) continue;
      this.enqueue({
        version: 'v1',
        webhookId: hook.webhookId,
        resourceType: hook.hookType,
        url: hook.url,
        payload: { resource_url: urlFor(hook.hookType), resource_type: hook.hookType },
        extraHeaders: [],
      });
    }
  }

  private sendV2(event: V2Event, storeId: number, resourceUrl: string, data?: Record<string, unknown>): void {
    for (const hook of this.deps.store.v2Webhooks.values()) {
      if (hook.event !== event) continue;
      if (hook.storeId !== null && hook.storeId !== storeId) continue;
      const payload: Record<string, unknown> = { resource_url: resourceUrl, resource_type: event.toUpperCase() };
      if (data) payload.data = data;
      this.enqueue({
        version: 'v2',
        webhookId: hook.webhookId,
        resourceType: event.toUpperCase(),
        url: hook.url,
        payload,
        extraHeaders: hook.headers,
      });
    }
  }

  private enqueue(spec: DeliverySpec, redelivery = false): void {
    if (!redelivery) {
      this.history.push(spec);
      if (this.history.length > this.deps.config().logLimit) this.history.shift();
    }
    const delay = this.deps.config().webhookDelayMs;
    const run =
      delay > 0
        ? new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => {
              this.timers.delete(timer);
              resolve(false);
            }, delay);
            this.timers.set(timer, resolve);
          }).then((cancelled) => (cancelled ? undefined : this.post(spec, redelivery)))
        : this.post(spec, redelivery);
    const tracked = run.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private signatureHeaders(rawBody: string): Record<string, string> {
    const config = this.deps.config();
    const key = this.deps.signingKey();
    const fault = config.v2SignatureFault;
    if (fault === 'missing-headers') return {};
    const stale = fault === 'stale-timestamp' ? 10 * 60_000 : 0;
    const timestamp = formatUtcIso(this.deps.now() - stale);
    const signed = fault === 'bad-signature' ? `${rawBody} ` : rawBody;
    return {
      [SIGNATURE_HEADERS.keyId]: fault === 'unknown-kid' ? 'unknown-kid' : key.kid,
      [SIGNATURE_HEADERS.signature]: signPayload(key, timestamp, signed),
      [SIGNATURE_HEADERS.timestamp]: timestamp,
    };
  }

  private async post(spec: DeliverySpec, redelivery: boolean): Promise<void> {
    if (this.closed) return;
    const rawBody = JSON.stringify(spec.payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'ShipStation-Sim/1.0' };
    for (const h of spec.extraHeaders) headers[h.key.toLowerCase()] = h.value;
    const signed = spec.version === 'v2';
    if (signed) Object.assign(headers, this.signatureHeaders(rawBody));
    const record: DeliveryRecord = {
      id: this.seq++,
      at: formatUtcIso(this.deps.now()),
      version: spec.version,
      webhookId: spec.webhookId,
      resourceType: spec.resourceType,
      target: maskUrl(spec.url),
      payload: spec.payload,
      status: null,
      error: null,
      redelivery,
      signed: signed && this.deps.config().v2SignatureFault !== 'missing-headers',
    };
    this.deliveries.push(record);
    if (this.deliveries.length > this.deps.config().logLimit) this.deliveries.shift();
    try {
      const response = await fetch(spec.url, {
        method: 'POST',
        headers,
        body: rawBody,
        signal: AbortSignal.timeout(this.deps.config().webhookTimeoutMs),
      });
      record.status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
    }
  }

  /** Re-sends the last `count` deliveries (duplicates, as an at-least-once sender would). */
  redeliver(count: number, version?: 'v1' | 'v2'): number {
    const candidates = this.history.filter((spec) => !version || spec.version === version).slice(-Math.max(0, count));
    for (const spec of candidates) this.enqueue(spec, true);
    return candidates.length;
  }

  /** Resolves once every queued delivery has been attempted. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  reset(): void {
    this.deliveries.length = 0;
    this.history.length = 0;
    this.seq = 1;
  }

  /** Drops deliveries still waiting for their delay (reset, close). */
  cancelPending(): void {
    for (const [timer, release] of this.timers) {
      clearTimeout(timer);
      release(true);
    }
    this.timers.clear();
  }

  close(): void {
    this.closed = true;
    this.cancelPending();
  }
}
