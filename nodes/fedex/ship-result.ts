/**
 * FedEx create / track-by-reference responses -> the fedex-ship output (DESIGN.md message contract):
 * {trackingNumber, masterTrackingNumber, serviceType, shipDate, labels:[{trackingNumber, format,
 * contentType, data | url}]}, with FedEx's alerts kept beside it.
 */
import type { LabelRef } from '../audit/label-store';
import { ApiError } from '../core/errors';
import { asObject as obj, asObjectList as list } from './json-shape';

export interface FedexAlert {
  code: string;
  alertType: string;
  message: string;
}

export interface ShipLabel {
  trackingNumber: string;
  /** FedEx docType: PDF, PNG, ZPLII, EPL2 */
  format: string;
  /** MIME type of the decoded bytes */
  contentType: string;
  /** Base64 of the file (labelResponseOptions LABEL) */
  data?: string;
  /** Download link valid 24 h (labelResponseOptions URL_ONLY) */
  url?: string;
  /** The file in the label store (audit-config); the ledger keeps this instead of `data`. */
  ref?: LabelRef;
}

export interface ShipDocument extends Omit<ShipLabel, 'trackingNumber'> {
  /** FedEx contentType / type of the document (BILL_OF_LADING, MERGED_LABEL_DOCUMENTS, …) */
  type: string;
  trackingNumber?: string;
}

export interface ShipPayload {
  trackingNumber: string;
  masterTrackingNumber: string;
  /** Every package's tracking number, in package order. */
  trackingNumbers: string[];
  serviceType?: string;
  shipDate?: string;
  labels: ShipLabel[];
  documents?: ShipDocument[];
}

export interface ParsedShipResponse {
  payload: ShipPayload;
  transactionId?: string;
  alerts: FedexAlert[];
}

const MIME: Record<string, string> = {
  PDF: 'application/pdf',
  PNG: 'image/png',
  ZPLII: 'application/x-zpl',
  EPL2: 'application/x-epl2',
};

export function mimeOf(docType: string): string {
  return MIME[docType.toUpperCase()] ?? 'application/octet-stream';
}

function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** FedEx alerts are usually objects, sometimes a plain string (seen in Track output). */
export function readAlerts(...sources: unknown[]): FedexAlert[] {
  const out: FedexAlert[] = [];
  const seen = new Set<string>();
  for (const s of sources) {
    const items = Array.isArray(s) ? s : s === undefined || s === null || s === '' ? [] : [s];
    for (const a of items) {
      const o = obj(a);
      const alert: FedexAlert = o
        ? { code: str(o.code) ?? 'ALERT', alertType: str(o.alertType) ?? 'NOTE', message: str(o.message) ?? '' }
        : { code: 'ALERT', alertType: 'NOTE', message: String(a) };
      const k = `${alert.code}|${alert.message}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(alert);
    }
  }
  return out;
}

function doc(d: Record<string, unknown>, fallbackTracking?: string): ShipLabel | undefined {
  const format = str(d.docType) ?? str(d.type) ?? 'PDF';
  const data = str(d.encodedLabel) ?? undefined;
  const url = str(d.url);
  if (!data && !url) return undefined;
  const label: ShipLabel = {
    trackingNumber: str(d.trackingNumber) ?? fallbackTracking ?? '',
    format,
    contentType: mimeOf(format),
  };
  if (data) label.data = data;
  if (url) label.url = url;
  return label;
}

function malformed(what: string): ApiError {
  return new ApiError({
    system: 'fedex',
    code: 'BAD_RESPONSE',
    message: `FedEx create response ${what}`,
    retryable: false,
  });
}

/** Parcel (SHPCResponseVO_ShipShipment) and LTL answers share this shape. */
export function parseShipResponse(body: unknown): ParsedShipResponse {
  const root = obj(body);
  const output = obj(root?.output);
  if (!output) throw malformed('has no output');
  const shipment = list(output.transactionShipments)[0];
  if (!shipment) {
    if (str(output.jobId)) throw malformed('is asynchronous (jobId); the plugin sends synchronous requests only');
    throw malformed('has no transactionShipments');
  }
  const pieces = list(shipment.pieceResponses);
  const master = str(shipment.masterTrackingNumber) ?? str(pieces[0]?.trackingNumber);
  if (!master) throw malformed('has no tracking number');
  const trackingNumbers = pieces.map((p) => str(p.trackingNumber)).filter((t): t is string => !!t);
  if (!trackingNumbers.includes(master)) trackingNumbers.unshift(master);
  const labels: ShipLabel[] = [];
  for (const p of pieces) {
    const docs = list(p.packageDocuments);
    const labelDocs = docs.filter((d) => !str(d.contentType) || d.contentType === 'LABEL');
    for (const d of labelDocs.length ? labelDocs : docs) {
      const l = doc(d, str(p.trackingNumber));
      if (l) labels.push(l);
    }
  }
  const documents: ShipDocument[] = [];
  for (const d of list(shipment.shipmentDocuments)) {
    const l = doc(d);
    if (!l) continue;
    const { trackingNumber, ...rest } = l;
    documents.push({
      ...rest,
      type: str(d.contentType) ?? str(d.type) ?? 'DOCUMENT',
      ...(trackingNumber ? { trackingNumber } : {}),
    });
  }
  const payload: ShipPayload = {
    trackingNumber: master,
    masterTrackingNumber: master,
    trackingNumbers,
    serviceType: str(shipment.serviceType),
    shipDate: str(shipment.shipDatestamp),
    labels,
  };
  if (documents.length) payload.documents = documents;
  return {
    payload,
    transactionId: str(root?.transactionId),
    alerts: readAlerts(output.alerts, shipment.alerts, ...pieces.map((p) => p.alerts)),
  };
}

export type ReferenceLookup =
  | { found: true; trackingNumbers: string[]; serviceType?: string; shipDate?: string }
  | { found: false; proven: true }
  | { found: false; proven: false; reason: string };

/** How FedEx reports a number or reference it does not know (reference §5), e.g. TRACKING.REFERENCENUMBER.NOTFOUND. */
const NOT_FOUND_CODE = /^TRACKING\.[A-Z]+\.NOTFOUND$/;

/** Reference values as compared: FedEx may change the case, never the characters. */
function sameReference(a: string, b: string): boolean {
  return a.trim().toUpperCase() === b.trim().toUpperCase();
}

/**
 * The customer references a Track result carries (additionalTrackingInfo.packageIdentifiers;
 * the spec names the list `value`, answers seen use `values`), or undefined when it shows none.
 */
function identifiersOf(result: Record<string, unknown>): string[] | undefined {
  const ids = list(obj(result.additionalTrackingInfo)?.packageIdentifiers);
  if (ids.length === 0) return undefined;
  const out: string[] = [];
  for (const id of ids) {
    for (const v of [id.values, id.value].flat()) if (typeof v === 'string') out.push(v);
  }
  return out;
}

/**
 * Track-by-reference answer -> the shipment it shows exists, or evidence that none exists, or
 * neither. With `reference`, a result counts as ours only when it carries that exact reference
 * (another document's "X3 SD1" must not answer for "X3 SD10"); a result that shows no reference
 * at all cannot be told apart and makes the answer inconclusive. Evidence of absence is a
 * well-formed answer whose every result is an explicit NOTFOUND or not ours (cancelled,
 * `exclude`d, another reference); whether that proves anything depends on when it was asked
 * (ship-reconcile.ts's lookup window).
 */
export function readReferenceLookup(
  body: unknown,
  exclude: ReadonlySet<string> = new Set(),
  reference?: string,
): ReferenceLookup {
  const output = obj(obj(body)?.output);
  if (!output) return { found: false, proven: false, reason: 'the Track answer has no output' };
  if (!Array.isArray(output.completeTrackResults))
    return { found: false, proven: false, reason: 'the Track answer has no completeTrackResults' };
  const found: string[] = [];
  let serviceType: string | undefined;
  let shipDate: string | undefined;
  let results = 0;
  let other = '';
  for (const complete of list(output.completeTrackResults)) {
    for (const r of list(complete.trackResults)) {
      results += 1;
      const err = obj(r.error);
      if (err) {
        const code = str(err.code) ?? '';
        if (!NOT_FOUND_CODE.test(code)) other = `${code || 'error'}: ${str(err.message) ?? ''}`;
        continue;
      }
      const tn = str(obj(r.trackingNumberInfo)?.trackingNumber) ?? str(complete.trackingNumber);
      if (!tn) {
        other = 'a Track result without a tracking number';
        continue;
      }
      if (exclude.has(tn)) continue;
      const latest = obj(r.latestStatusDetail);
      if (str(latest?.code) === 'CA' || str(latest?.derivedCode) === 'CA') continue;
      if (reference !== undefined) {
        const ids = identifiersOf(r);
        if (!ids) {
          other = `${tn} shows no reference to compare with "${reference}"`;
          continue;
        }
        if (!ids.some((v) => sameReference(v, reference))) continue;
      }
      if (!found.includes(tn)) found.push(tn);
      serviceType ??= str(obj(r.serviceDetail)?.type);
      const ship = list(r.dateAndTimes).find((d) => d.type === 'SHIP');
      shipDate ??= str(ship?.dateTime)?.slice(0, 10);
    }
  }
  if (found.length) return { found: true, trackingNumbers: found, serviceType, shipDate };
  if (other) return { found: false, proven: false, reason: other };
  if (results > 0) return { found: false, proven: true };
  return { found: false, proven: false, reason: 'the Track answer lists no result' };
}
