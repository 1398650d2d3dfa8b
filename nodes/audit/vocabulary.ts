/** The closed value sets of the audit contract (types.ts), as runtime lists and guards. */
import type { AuditCorrelation, AuditStatus, AuditSystem, LedgerState, ShipmentStatus } from './types';

export const AUDIT_STATUSES: readonly AuditStatus[] = [
  'received',
  'succeeded',
  'failed',
  'unknown',
  'skipped',
  'replayed',
  'voided',
];
export const AUDIT_SYSTEMS: readonly AuditSystem[] = ['x3', 'fedex', 'shipstation', 'audit', 'flow'];
export const LEDGER_STATES: readonly LedgerState[] = ['claimed', 'succeeded', 'failed', 'unknown', 'voided'];
export const SHIPMENT_STATUSES: readonly ShipmentStatus[] = [
  'label_created',
  'picked_up',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'exception',
  'returned',
  'cancelled',
  'unknown',
];
/** The correlation keys that hold one value each (trackingNumbers, a list, is the other). */
export const CORRELATION_SCALAR_KEYS = [
  'x3Folder',
  'x3Entity',
  'x3Key',
  'shipstationOrderId',
  'shipstationOrderNumber',
  'shipstationShipmentId',
] as const satisfies ReadonlyArray<keyof AuditCorrelation>;

export function isAuditStatus(v: unknown): v is AuditStatus {
  return typeof v === 'string' && (AUDIT_STATUSES as readonly string[]).includes(v);
}

export function isAuditSystem(v: unknown): v is AuditSystem {
  return typeof v === 'string' && (AUDIT_SYSTEMS as readonly string[]).includes(v);
}

export function isLedgerState(v: unknown): v is LedgerState {
  return typeof v === 'string' && (LEDGER_STATES as readonly string[]).includes(v);
}

export function isShipmentStatus(v: unknown): v is ShipmentStatus {
  return typeof v === 'string' && (SHIPMENT_STATUSES as readonly string[]).includes(v);
}
