/**
 * The SQLite store's rows as read back: column names to the AuditEntry, LedgerEntry and
 * TrackedShipment of the store contract (types.ts). JSON columns are parsed here, and the label
 * bytes a ledger result holds are revived as Buffers.
 */
import { reviveBuffers } from './masking';
import type {
  AuditCorrelation,
  InboxEvent,
  AuditEntry,
  AuditErrorInfo,
  AuditStatus,
  AuditSystem,
  LedgerEntry,
  LedgerState,
  ShipmentStatus,
  TrackedShipment,
} from './types';

export interface EntryRow {
  seq: number;
  id: string;
  time: string;
  system: string;
  operation: string;
  status: string;
  attempt: number;
  x3_folder: string | null;
  x3_entity: string | null;
  x3_key: string | null;
  ss_order_id: string | null;
  ss_order_number: string | null;
  ss_shipment_id: string | null;
  idempotency_key: string | null;
  node_id: string | null;
  replay_of: string | null;
  error_code: string | null;
  error_message: string | null;
  error_status: number | null;
  correlation: string | null;
  msg: string | null;
}

export interface LedgerRow {
  key: string;
  state: string;
  system: string;
  operation: string;
  correlation: string | null;
  result: string | null;
  error: string | null;
  attempts: number;
  owner: string;
  claimed_at: string;
  updated_at: string;
}

export interface ShipmentRow {
  tracking_number: string;
  correlation: string | null;
  status: string;
  status_code: string | null;
  last_event_at: string | null;
  closed: number;
  updated_at: string;
}

export function parseJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

export function entryFromRow(row: EntryRow): AuditEntry {
  const entry: AuditEntry = {
    id: row.id,
    time: row.time,
    system: row.system as AuditSystem,
    operation: row.operation,
    status: row.status as AuditStatus,
    attempt: row.attempt,
  };
  const correlation = parseJson<AuditCorrelation>(row.correlation);
  if (correlation) entry.correlation = correlation;
  if (row.error_code !== null || row.error_message !== null) {
    entry.error = { code: row.error_code ?? 'ERROR', message: row.error_message ?? '' };
    if (row.error_status !== null) entry.error.status = row.error_status;
  }
  const msg = parseJson<Record<string, unknown>>(row.msg);
  if (msg) entry.msg = msg;
  if (row.idempotency_key !== null) entry.idempotencyKey = row.idempotency_key;
  if (row.node_id !== null) entry.nodeId = row.node_id;
  if (row.replay_of !== null) entry.replayOf = row.replay_of;
  return entry;
}

export function ledgerFromRow(row: LedgerRow): LedgerEntry {
  const entry: LedgerEntry = {
    key: row.key,
    state: row.state as LedgerState,
    system: row.system as AuditSystem,
    operation: row.operation,
    attempts: row.attempts,
    owner: row.owner,
    claimedAt: row.claimed_at,
    updatedAt: row.updated_at,
  };
  const correlation = parseJson<AuditCorrelation>(row.correlation);
  if (correlation) entry.correlation = correlation;
  if (row.result !== null) entry.result = reviveBuffers(JSON.parse(row.result));
  const error = parseJson<AuditErrorInfo>(row.error);
  if (error) entry.error = error;
  return entry;
}

export function shipmentFromRow(row: ShipmentRow): TrackedShipment {
  const s: TrackedShipment = {
    trackingNumber: row.tracking_number,
    status: row.status as ShipmentStatus,
    closed: row.closed === 1,
    updatedAt: row.updated_at,
  };
  const correlation = parseJson<AuditCorrelation>(row.correlation);
  if (correlation) s.correlation = correlation;
  if (row.status_code !== null) s.statusCode = row.status_code;
  if (row.last_event_at !== null) s.lastEventAt = row.last_event_at;
  return s;
}

/** An entry as the values of an audit_entries row, in the column order of both backends' INSERT. */
export function entryRowValues(entry: AuditEntry): unknown[] {
  const c = entry.correlation ?? {};
  return [
    entry.id,
    entry.time,
    entry.system,
    entry.operation,
    entry.status,
    entry.attempt,
    c.x3Folder ?? null,
    c.x3Entity ?? null,
    c.x3Key ?? null,
    c.shipstationOrderId ?? null,
    c.shipstationOrderNumber ?? null,
    c.shipstationShipmentId ?? null,
    entry.idempotencyKey ?? null,
    entry.nodeId ?? null,
    entry.replayOf ?? null,
    entry.error?.code ?? null,
    entry.error?.message ?? null,
    entry.error?.status ?? null,
    entry.correlation ? JSON.stringify(entry.correlation) : null,
    entry.msg ? JSON.stringify(entry.msg) : null,
  ];
}

/** A pending webhook_inbox row as both backends read it. */
export interface InboxRow {
  scope: string;
  event_id: string;
  payload: string;
  received_at: string;
}

export function inboxEventFromRow(row: InboxRow): InboxEvent {
  return {
    scope: row.scope,
    eventId: row.event_id,
    payload: JSON.parse(row.payload) as unknown,
    receivedAt: row.received_at,
  };
}
