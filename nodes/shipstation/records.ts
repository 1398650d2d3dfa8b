/**
 * What a fetched ShipStation record is, in the plugin's (V1) vocabulary — a V2 "shipment" is
 * a V1 order and a V2 "label" is a V1 shipment (reference §2.6) — and the (id, stamp) pair that
 * identifies one version of it for de-duplication.
 */
import { createHash } from 'node:crypto';
import type { ApiVersion } from './resource-url';
import { convertV1Timestamps, type ConversionOptions } from './timestamps';

export type RecordKind = 'order' | 'shipment' | 'fulfillment' | 'customer' | 'product' | 'tracking' | 'other';

type Json = Record<string, unknown>;

const V1_COLLECTIONS: Record<string, RecordKind> = {
  orders: 'order',
  shipments: 'shipment',
  fulfillments: 'fulfillment',
  customers: 'customer',
  products: 'product',
};

const V2_COLLECTIONS: Record<string, RecordKind> = {
  shipments: 'order',
  labels: 'shipment',
  fulfillments: 'fulfillment',
  products: 'product',
};

function has(r: Json, ...keys: string[]): boolean {
  return keys.every((k) => r[k] !== undefined && r[k] !== null);
}

export function recordKind(version: ApiVersion, collection: string | undefined, record: Json): RecordKind {
  const table = version === 'v1' ? V1_COLLECTIONS : V2_COLLECTIONS;
  if (collection && table[collection]) return table[collection];
  if (version === 'v1') {
    if (has(record, 'fulfillmentId')) return 'fulfillment';
    if (has(record, 'shipmentId')) return 'shipment';
    if (has(record, 'orderId', 'orderNumber') && Array.isArray(record.items)) return 'order';
    if (has(record, 'productId', 'sku')) return 'product';
    if (has(record, 'customerId') && !has(record, 'orderId')) return 'customer';
    return 'other';
  }
  if (has(record, 'fulfillment_id')) return 'fulfillment';
  if (has(record, 'label_id')) return 'shipment';
  if (has(record, 'shipment_id') && Array.isArray(record.items)) return 'order';
  if (has(record, 'tracking_number') && Array.isArray(record.events)) return 'tracking';
  if (has(record, 'product_id', 'sku')) return 'product';
  return 'other';
}

function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export interface RecordIdentity {
  /** e.g. "order:123456" */
  id: string;
  /** UTC ISO (or other text) that changes when the record does */
  stamp: string;
}

/** (id, stamp) of one version of a record; call after timestamps were converted. */
export function recordIdentity(kind: RecordKind, version: ApiVersion, r: Json): RecordIdentity {
  const v1 = version === 'v1';
  let id: string | undefined;
  let stamp: string | undefined;
  switch (kind) {
    case 'order':
      id = v1 ? str(r.orderId) : str(r.shipment_id);
      stamp = v1 ? str(r.modifyDate) : str(r.modified_at);
      break;
    case 'shipment':
      id = v1 ? str(r.shipmentId) : str(r.label_id);
      // a void is a new version of the same label
      stamp = v1 ? (str(r.voidDate) ?? str(r.createDate)) : (str(r.voided_at) ?? str(r.created_at));
      break;
    case 'fulfillment':
      id = v1 ? str(r.fulfillmentId) : str(r.fulfillment_id);
      stamp = v1 ? (str(r.voidDate) ?? str(r.createDate)) : (str(r.voided_at) ?? str(r.created_at));
      break;
    case 'customer':
      id = str(r.customerId);
      stamp = str(r.modifyDate);
      break;
    case 'product':
      id = v1 ? str(r.productId) : str(r.product_id);
      stamp = v1 ? str(r.modifyDate) : str(r.modify_date);
      break;
    case 'tracking': {
      id = str(r.tracking_number);
      const events = Array.isArray(r.events) ? r.events : [];
      stamp = `${str(r.status_code) ?? ''}:${events.length}`;
      break;
    }
    default:
      break;
  }
  const digest = (): string => createHash('sha256').update(JSON.stringify(r)).digest('hex').slice(0, 24);
  return { id: `${kind}:${id ?? digest()}`, stamp: stamp ?? digest() };
}

/** V1 records get UTC timestamps (originals kept); V2 records already are UTC. */
export function normaliseRecord(version: ApiVersion, record: Json, options?: ConversionOptions): Json {
  return version === 'v1' ? convertV1Timestamps(record, options) : record;
}

/** Correlation keys for the audit trail. */
export function correlationOf(
  kind: RecordKind,
  version: ApiVersion,
  r: Json,
): {
  shipstationOrderId?: string;
  shipstationOrderNumber?: string;
  shipstationShipmentId?: string;
  trackingNumbers?: string[];
} {
  const out: ReturnType<typeof correlationOf> = {};
  if (version === 'v1') {
    out.shipstationOrderId = str(r.orderId);
    out.shipstationOrderNumber = str(r.orderNumber);
    if (kind === 'shipment') out.shipstationShipmentId = str(r.shipmentId);
  } else {
    out.shipstationOrderId = str(r.shipment_id);
    out.shipstationOrderNumber = str(r.shipment_number);
    if (kind === 'shipment') out.shipstationShipmentId = str(r.label_id);
  }
  const tracking = str(r.trackingNumber) ?? str(r.tracking_number);
  if (tracking) out.trackingNumbers = [tracking];
  for (const k of Object.keys(out) as Array<keyof typeof out>) if (out[k] === undefined) delete out[k];
  return out;
}
