/**
 * Correlation keys of a msg, read from the properties the message contract (DESIGN.md) puts on
 * it: msg.x3 = {folder, entity, key}; fedex-ship/-track payloads with tracking numbers;
 * msg.shipstation with a ShipStation order or shipment payload. msg.audit.correlation, when a
 * flow sets it, is added on top (explicit keys win).
 */
import type { AuditCorrelation } from './types';
import { CORRELATION_SCALAR_KEYS } from './vocabulary';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function key(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v.trim()) return v.trim();
  return undefined;
}

function addTracking(set: Set<string>, v: unknown): void {
  if (Array.isArray(v)) {
    for (const item of v) addTracking(set, item);
    return;
  }
  const k = key(v);
  if (k) set.add(k);
}

function trackingFromPayload(payload: Obj, set: Set<string>): void {
  addTracking(set, payload.trackingNumber);
  addTracking(set, payload.masterTrackingNumber);
  addTracking(set, payload.trackingNumbers);
  addTracking(set, payload.tracking_number);
  if (Array.isArray(payload.labels)) {
    for (const label of payload.labels) addTracking(set, obj(label)?.trackingNumber);
  }
}

export function correlationFromMsg(msg: Obj): AuditCorrelation {
  const out: AuditCorrelation = {};
  const tracking = new Set<string>();

  const x3 = obj(msg.x3);
  if (x3) {
    const folder = key(x3.folder);
    const entity = key(x3.entity);
    const k = key(x3.key);
    if (folder) out.x3Folder = folder;
    if (entity) out.x3Entity = entity;
    if (k) out.x3Key = k;
  }

  const payload = obj(msg.payload);
  if (payload) trackingFromPayload(payload, tracking);
  const fedex = obj(msg.fedex);
  if (fedex) addTracking(tracking, fedex.trackingNumber);

  const ss = obj(msg.shipstation);
  if (ss) {
    // V1 orders/shipments are camelCase; in V2 the order is a "shipment" (shipment_id,
    // shipment_number), see reference/shipstation-api.md
    const sources = [ss, payload ?? {}];
    for (const s of sources) {
      out.shipstationOrderId ??= key(s.orderId);
      out.shipstationOrderNumber ??= key(s.orderNumber) ?? key(s.shipment_number);
      out.shipstationShipmentId ??= key(s.shipmentId) ?? key(s.shipment_id);
    }
    for (const k of ['shipstationOrderId', 'shipstationOrderNumber', 'shipstationShipmentId'] as const) {
      if (out[k] === undefined) delete out[k];
    }
  }

  const explicit = obj(obj(msg.audit)?.correlation);
  if (explicit) {
    for (const k of CORRELATION_SCALAR_KEYS) {
      const v = key(explicit[k]);
      if (v) out[k] = v;
    }
    addTracking(tracking, explicit.trackingNumbers);
  }

  if (tracking.size) out.trackingNumbers = [...tracking];
  return out;
}
