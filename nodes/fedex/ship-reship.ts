/**
 * "Cancel and ship again" for an adopted shipment: one found by its reference after FedEx's answer
 * was lost, so FedEx never gave its label bytes and nothing can be printed. The operator's way out
 * goes through the ledger, in order: the adopted shipment is cancelled at FedEx and its entry
 * voided (ship-cancel.ts), and only then is the document shipped again as the next generation of
 * its key, from the X3 record the audit trail kept of the original msg. A cancel that does not
 * succeed stops there: never two live shipments for one document.
 */
import { ApiError } from '../core/errors';
import { splitGenerationKey } from '../audit/ledger-generations';
import type { LabelPrintService, PrintReport } from '../audit/label-print-service';
import type { AuditStore } from '../audit/types';
import type { CancelOutcome } from './ship-cancel';
import type { StoredShipment } from './ship-ledger';
import { SHIP_OPERATION, type ShipOutcome, type ShipService } from './ship-service';
import type { X3Info, X3Record } from './x3-documents';
import { printShipment } from './ship-print';

export interface ReshipResult {
  cancelled: CancelOutcome;
  shipped: { key: string; outcome: ShipOutcome['outcome']; trackingNumbers: string[] };
  print?: PrintReport;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function refused(code: string, message: string, status = 409): ApiError {
  return new ApiError({ system: 'fedex', code, status, message, retryable: false });
}

/** The X3 record and correlation of the msg that shipped `key` (kept by the audit trail). */
async function originalMsg(store: AuditStore, key: string): Promise<{ record: X3Record; x3: X3Info }> {
  const page = await store.query({ idempotencyKey: key, operation: SHIP_OPERATION, limit: 20 });
  for (const e of page.entries) {
    const record = obj(e.msg?.payload);
    const x3 = obj(e.msg?.x3);
    if (!record) continue;
    const s = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
    return {
      record: record as X3Record,
      x3: { entity: s(x3?.entity) ?? s(e.msg?.topic), key: s(x3?.key), folder: s(x3?.folder) },
    };
  }
  throw refused(
    'NO_RECORD',
    `the audit trail no longer holds the X3 record that shipped ${key}: cancel it (fedex-ship, operation cancel) and send the document again with msg.fedex.reship`,
  );
}

/** Cancels the adopted shipment `key`, then ships its document again (next generation). */
export async function cancelAndShipAgain(
  deps: { service: ShipService; store: AuditStore; printer?: LabelPrintService },
  key: unknown,
  signal?: AbortSignal,
): Promise<ReshipResult> {
  if (typeof key !== 'string' || !key)
    throw refused('BAD_REQUEST', '"key" (the adopted shipment\'s ledger key) is required', 400);
  const entry = await deps.store.get(key);
  if (!entry) throw refused('NOT_FOUND', `no ledger entry ${key}`, 404);
  const stored = entry.result as StoredShipment | undefined;
  if (entry.state !== 'succeeded' || stored?.adopted !== true) {
    throw refused(
      'NOT_ADOPTED',
      `${key} is ${entry.state}${stored?.adopted ? '' : ', not an adopted shipment'}: nothing to ship again`,
    );
  }
  const { record, x3 } = await originalMsg(deps.store, key);
  const base = splitGenerationKey(key).base;
  const auditMsg = { payload: record, x3, topic: x3.entity, fedex: { reship: true } };
  const cancelled = await deps.service.cancel({ idempotencyKey: base, record, x3, auditMsg, signal });
  if (!cancelled.cancelled) {
    throw refused(
      'NOT_CANCELLED',
      `FedEx did not cancel ${cancelled.trackingNumber}: ${cancelled.message ?? 'no reason given'}; nothing was shipped again`,
    );
  }
  const outcome = await deps.service.ship({ record, x3, idempotencyKey: base, reship: true, auditMsg, signal });
  const result: ReshipResult = {
    cancelled,
    shipped: { key: outcome.key, outcome: outcome.outcome, trackingNumbers: outcome.result.payload.trackingNumbers },
  };
  if (deps.printer) result.print = await printShipment(deps.printer, outcome.key, outcome.result, signal);
  return result;
}
