/**
 * What the label admin routes (label-routes.ts) do, without express or Node-RED: find a stored
 * label by its shipment's ledger key, reprint it on a registered printer, list the adopted
 * shipments (found by reference after a lost answer: FedEx gives no label bytes again). Errors
 * carry the HTTP status the route answers with.
 */
import { extensionOf, safeSegment, type LabelRef, type LabelStore } from './label-store';
import type { LabelPrintService, PrintRecord } from './label-print-service';
import type { RegisteredPrinter, RegisteredReshipper } from './label-printers';
import type { AuditCorrelation, AuditStore, LedgerEntry } from './types';

export class LabelAdminError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'LabelAdminError';
  }
}

interface KeptLabel {
  trackingNumber?: string;
  format: string;
  contentType?: string;
  data?: string;
  ref?: LabelRef;
}

interface KeptShipment {
  payload?: { labels?: KeptLabel[]; trackingNumbers?: string[]; masterTrackingNumber?: string };
  adopted?: boolean;
  documentNumber?: string;
  entity?: string;
  folder?: string;
}

export interface FoundLabel {
  entry: LedgerEntry;
  label: KeptLabel;
  correlation: AuditCorrelation;
}

export interface LabelDownload {
  fileName: string;
  contentType: string;
  data: Buffer;
}

/** The label of `trackingNumber` (default: the first package's) in the shipment `key`. */
export async function findLabel(store: AuditStore, key: unknown, trackingNumber?: unknown): Promise<FoundLabel> {
  if (typeof key !== 'string' || !key) throw new LabelAdminError('"key" (the shipment\'s ledger key) is required', 400);
  const entry = await store.get(key);
  if (!entry) throw new LabelAdminError(`no ledger entry ${key}`, 404);
  const result = (entry.result ?? {}) as KeptShipment;
  const labels = result.payload?.labels ?? [];
  const label =
    typeof trackingNumber === 'string' && trackingNumber
      ? labels.find((l) => l.trackingNumber === trackingNumber)
      : labels[0];
  if (!label) {
    const which = typeof trackingNumber === 'string' && trackingNumber ? `label ${trackingNumber}` : 'label';
    throw new LabelAdminError(`no ${which} in ${key}`, 404);
  }
  return {
    entry,
    label,
    correlation: { ...entry.correlation, x3Key: entry.correlation?.x3Key ?? result.documentNumber },
  };
}

/** The bytes of a stored label, for a download. */
export async function downloadLabel(
  store: AuditStore,
  files: LabelStore | undefined,
  key: unknown,
  trackingNumber?: unknown,
): Promise<LabelDownload> {
  const { label } = await findLabel(store, key, trackingNumber);
  let data: Buffer | undefined;
  if (label.data) data = Buffer.from(label.data, 'base64');
  else if (label.ref && files) data = await files.read(label.ref);
  if (!data) {
    throw new LabelAdminError(
      label.ref ? 'the label file is gone (label retention) or changed' : 'no label bytes (an adopted shipment)',
      410,
    );
  }
  return {
    fileName:
      label.ref?.path.split('/').pop() ??
      `${safeSegment(label.trackingNumber ?? 'label')}.${extensionOf(label.format)}`,
    contentType: label.ref?.contentType ?? label.contentType ?? 'application/octet-stream',
    data,
  };
}

/** The printer a reprint goes to: the one named, or the only one this audit-config's nodes have. */
export function choosePrinter(printers: RegisteredPrinter[], nodeId: unknown): LabelPrintService {
  if (typeof nodeId === 'string' && nodeId) {
    const p = printers.find((x) => x.nodeId === nodeId);
    if (!p) throw new LabelAdminError(`node ${nodeId} has no label printer on this audit-config`, 400);
    return p.service;
  }
  if (printers.length === 1) return printers[0].service;
  if (printers.length === 0)
    throw new LabelAdminError('no deployed node of this audit-config has a label printer', 409);
  throw new LabelAdminError(
    `several printers (${printers.map((p) => p.nodeId).join(', ')}): name one in "printer"`,
    400,
  );
}

/** Reprints one label (audited as a reprint by the print service). */
export async function reprintLabel(
  store: AuditStore,
  printer: LabelPrintService,
  body: { key?: unknown; trackingNumber?: unknown },
): Promise<PrintRecord & { key: string; trackingNumber?: string }> {
  const found = await findLabel(store, body.key, body.trackingNumber);
  const record = await printer.reprint({ key: found.entry.key, label: found.label, correlation: found.correlation });
  return { key: found.entry.key, trackingNumber: found.label.trackingNumber, ...record };
}

export interface AdoptedShipment {
  key: string;
  state: LedgerEntry['state'];
  correlation?: AuditCorrelation;
  trackingNumbers: string[];
  documentNumber?: string;
  updatedAt: string;
}

/** Shipments adopted after a lost answer and still live (no label bytes), a page in key order. */
export async function listAdopted(
  store: AuditStore,
  page: { after?: unknown; limit?: unknown } = {},
): Promise<AdoptedShipment[]> {
  const { entries } = await store.listLedger({
    states: ['succeeded'],
    contains: '"adopted":true',
    after: typeof page.after === 'string' ? page.after : undefined,
    limit: Number(page.limit) || 100,
  });
  return entries
    .filter((e) => (e.result as KeptShipment | undefined)?.adopted === true)
    .map((e) => {
      const r = e.result as KeptShipment;
      return {
        key: e.key,
        state: e.state,
        correlation: e.correlation,
        trackingNumbers:
          r.payload?.trackingNumbers ?? (r.payload?.masterTrackingNumber ? [r.payload.masterTrackingNumber] : []),
        documentNumber: r.documentNumber,
        updatedAt: e.updatedAt,
      };
    });
}

/** The node that reships: the one named, or the only one on this audit-config. */
export function chooseReshipper(nodes: RegisteredReshipper[], nodeId: unknown): RegisteredReshipper {
  if (typeof nodeId === 'string' && nodeId) {
    const n = nodes.find((x) => x.nodeId === nodeId);
    if (!n) throw new LabelAdminError(`node ${nodeId} is not a fedex-ship node of this audit-config`, 400);
    return n;
  }
  if (nodes.length === 1) return nodes[0];
  if (nodes.length === 0) throw new LabelAdminError('no deployed fedex-ship node uses this audit-config', 409);
  throw new LabelAdminError(
    `several fedex-ship nodes (${nodes.map((n) => n.nodeId).join(', ')}): name one in "node"`,
    400,
  );
}
