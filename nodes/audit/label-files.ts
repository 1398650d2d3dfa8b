/**
 * Labels and shipping documents of a shipment <-> the label store. The ledger keeps a shipment
 * with each label's bytes replaced by its file reference; a duplicate or a replay gets the bytes
 * back from the file, so downstream nodes see the payload of the first time. Works on the shape
 * fedex-ship stores (payload.labels[], payload.documents[]), so moving the bytes out of ledger
 * rows written by earlier versions uses the same code.
 */
import { extensionOf, type LabelRef, type LabelStore } from './label-store';

/** A label or document of the fedex-ship payload: bytes (`data`, Base64) or a `ref`. */
interface StoredDoc {
  trackingNumber?: string;
  format: string;
  contentType: string;
  data?: string;
  ref?: LabelRef;
  type?: string;
}

interface ShipPayload {
  masterTrackingNumber: string;
  labels: StoredDoc[];
  documents?: StoredDoc[];
}

interface FedexAlert {
  code: string;
  alertType: string;
  message: string;
}

export interface LabelOwner {
  folder?: string;
  entity: string;
  documentNumber: string;
  payload: ShipPayload;
  alerts: FedexAlert[];
}

/**
 * Writes every label and document with bytes to the store. Returns the payload for the msg (the
 * bytes as before, plus each file's `ref`) and the one for the ledger (`ref`, no bytes). A file that cannot be
 * written keeps its bytes in the ledger (the label was paid for and must not be lost) and adds
 * an alert saying so.
 */
export async function storeLabelFiles<T extends LabelOwner>(
  store: LabelStore,
  shipment: T,
): Promise<{ out: T; kept: T }> {
  const alerts: FedexAlert[] = [];
  const one = async (doc: StoredDoc, name: string): Promise<{ out: StoredDoc; kept: StoredDoc }> => {
    if (!doc.data) return { out: doc, kept: doc };
    try {
      const ref = await store.put(
        {
          folder: shipment.folder,
          entity: shipment.entity,
          documentKey: shipment.documentNumber,
          name,
          ext: extensionOf(doc.format),
          contentType: doc.contentType,
        },
        Buffer.from(doc.data, 'base64'),
      );
      const { data: _bytes, ...rest } = doc;
      // the msg carries the reference beside the bytes: x3-update writes it back to X3
      return { out: { ...doc, ref }, kept: { ...rest, ref } };
    } catch (err) {
      alerts.push({
        code: 'LABEL.NOT.STORED',
        alertType: 'WARNING',
        message: `label ${name} could not be written to the label store (${(err as Error).message}); the ledger keeps its bytes`,
      });
      return { out: doc, kept: doc };
    }
  };
  const master = shipment.payload.masterTrackingNumber;
  const labels = await Promise.all(shipment.payload.labels.map((l) => one(l, l.trackingNumber || master)));
  const docs = await Promise.all(
    (shipment.payload.documents ?? []).map((d) => one(d, `${d.trackingNumber ?? master}-${d.type ?? 'document'}`)),
  );
  const build = (pick: 'out' | 'kept'): T => {
    const payload: ShipPayload = { ...shipment.payload, labels: labels.map((l) => l[pick]) };
    if (shipment.payload.documents) payload.documents = docs.map((d) => d[pick]);
    return { ...shipment, payload, alerts: [...shipment.alerts, ...alerts] };
  };
  return { out: build('out'), kept: build('kept') };
}

/**
 * The shipment with each referenced file's bytes filled back beside the reference, as the first
 * msg had it; a file gone (label retention) keeps its `ref` and has no `data`.
 */
export async function loadLabelFiles<T extends LabelOwner>(store: LabelStore, shipment: T): Promise<T> {
  const fill = async <D extends StoredDoc>(doc: D): Promise<D> => {
    if (doc.data || !doc.ref) return doc;
    const bytes = await store.read(doc.ref);
    if (!bytes) return doc;
    return { ...doc, data: bytes.toString('base64') };
  };
  const payload: ShipPayload = {
    ...shipment.payload,
    labels: await Promise.all((shipment.payload.labels ?? []).map(fill)),
  };
  if (shipment.payload.documents) payload.documents = await Promise.all(shipment.payload.documents.map(fill));
  return { ...shipment, payload };
}

/**
 * For ledger results written before the label store (their label bytes inline): the result
 * with the bytes moved to files, or undefined when there is nothing to move.
 */
export async function moveInlineLabels(
  store: LabelStore,
  result: unknown,
  fallback: { folder?: string; entity?: string; key?: string },
): Promise<unknown> {
  if (!result || typeof result !== 'object') return undefined;
  const r = result as Partial<LabelOwner>;
  const p = r.payload;
  if (!p || !Array.isArray(p.labels)) return undefined;
  const inline = [...p.labels, ...(p.documents ?? [])].some((d) => typeof d?.data === 'string' && d.data);
  if (!inline) return undefined;
  const owner: LabelOwner = {
    ...(r as LabelOwner),
    folder: r.folder ?? fallback.folder,
    entity: r.entity ?? fallback.entity ?? 'document',
    documentNumber: r.documentNumber ?? fallback.key ?? p.masterTrackingNumber ?? 'unknown',
    alerts: Array.isArray(r.alerts) ? r.alerts : [],
  };
  const { kept } = await storeLabelFiles(store, owner);
  const still = [...kept.payload.labels, ...(kept.payload.documents ?? [])].some((d) => d.data);
  return still ? undefined : { ...(result as object), payload: kept.payload };
}
