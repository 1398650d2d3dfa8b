/**
 * How fedex-ship's documents sit in the audit ledger, in one place: a document's ledger keys
 * (current and legacy format, generations after a cancel), what an entry keeps (StoredShipment),
 * its correlation, and a key told in words for messages. The generation arithmetic itself is the
 * ledger's (audit/ledger-generations.ts); the walk over a document's generations is here.
 */
import { ApiError, ValidationError } from '../core/errors';
import type { AuditCorrelation, AuditErrorInfo, AuditStore, LedgerEntry } from '../audit/types';
import { isLedgerNotHeld } from '../audit/ledger-hold';
import { generationKey, splitGenerationKey as splitKey } from '../audit/ledger-generations';
import type { BuiltShipment } from './mapping';
import type { ShipSettings } from './ship-options';
import { profileFor, type X3Info, type X3Record } from './x3-documents';
import type { FedexAlert, ShipPayload } from './ship-result';

/** What the ledger keeps for a document: enough to answer a duplicate and to cancel. */
export interface StoredShipment {
  payload: ShipPayload;
  transactionId?: string;
  alerts: FedexAlert[];
  kind: 'parcel' | 'ltl';
  senderCountryCode?: string;
  customerReference?: string;
  documentNumber: string;
  entity: string;
  folder?: string;
  /** true when the shipment was found by reference after an ambiguous create (no label bytes). */
  adopted?: boolean;
  voided?: { at: string; message?: string };
}

/** Which FedEx a ledger key belongs to (production, sandbox or custom; the account). */
export interface ShipKeyTarget {
  readonly environment: string;
  readonly accountNumber: string;
}

/** A document's key in the current format, and the key the previous version used. */
export interface DocumentKeys {
  key: string;
  legacy: string;
}

/**
 * The one place a document's ledger keys are made. What tells two documents apart is all in it:
 * the FedEx environment and account (a sandbox label never answers a production msg), the X3
 * folder, entity and number. `legacy` is the key the previous version used (folder, entity,
 * number): a document recorded under it before an upgrade is found there and never shipped twice.
 */
export function documentKeys(
  record: X3Record,
  x3: X3Info,
  settings: Pick<ShipSettings, 'fieldMap'> | undefined,
  target: ShipKeyTarget,
): DocumentKeys {
  const profile = profileFor(x3.entity, record);
  const entity = profile?.entity ?? x3.entity ?? 'document';
  const docField = settings?.fieldMap.document ?? profile?.fields.document;
  const rawKey = x3.key ?? (docField ? record[docField] : undefined);
  const key = typeof rawKey === 'number' ? String(rawKey) : typeof rawKey === 'string' ? rawKey.trim() : '';
  if (!key) {
    throw new ValidationError(
      'fedex',
      docField ?? 'msg.x3.key',
      `the X3 document number is missing: msg.x3.key is not set and the record has no ${docField ?? 'key field'}`,
    );
  }
  const folder = x3.folder?.trim();
  if (!folder) {
    throw new ValidationError(
      'fedex',
      'msg.x3.folder',
      "the X3 folder is missing (msg.x3.folder, set by x3-poll): without it two folders' documents with the same number would share one label",
    );
  }
  const parts = [target.environment, target.accountNumber, folder, entity, key].map((p) => encodeURIComponent(p));
  return { key: `fedex.ship:${parts.join(':')}`, legacy: `fedex.ship:${folder}:${entity}:${key}` };
}

/**
 * The new key, unless the document was recorded under the previous version's key (then that
 * one stays its key: this version never writes a legacy key, so only one of the two exists).
 */
export async function recordedKey(store: AuditStore, keys: DocumentKeys): Promise<string> {
  return (await store.get(keys.legacy)) ? keys.legacy : keys.key;
}

/** Where a document's generations stand: the latest one, and the shipments of voided earlier ones. */
export interface CurrentGeneration {
  key: string;
  entry?: LedgerEntry;
  generation: number;
  excluded: Set<string>;
}

/** The latest generation of a document's key, and the tracking numbers of voided earlier ones. */
export async function currentGeneration(store: AuditStore, base: string): Promise<CurrentGeneration> {
  const excluded = new Set<string>();
  for (let g = 1; ; g++) {
    const key = generationKey(base, g);
    const entry = await store.get(key);
    if (!entry) {
      if (g === 1) return { key, generation: 1, excluded };
      // The previous generation is voided: report it (a reship moves on to this key).
      const prevKey = generationKey(base, g - 1);
      return { key: prevKey, entry: await store.get(prevKey), generation: g - 1, excluded };
    }
    if (entry.state !== 'voided') return { key, entry, generation: g, excluded };
    for (const tn of storedTrackingNumbers(entry)) excluded.add(tn);
  }
}

/** The tracking numbers of the generations before `key` (all voided: a reship follows a cancel). */
export async function voidedTrackingNumbers(store: AuditStore, key: string): Promise<string[]> {
  const { base, generation } = splitKey(key);
  const out: string[] = [];
  for (let g = 1; g < generation; g++) {
    const e = await store.get(generationKey(base, g));
    if (e) out.push(...storedTrackingNumbers(e));
  }
  return out;
}

export function storedTrackingNumbers(entry: LedgerEntry): string[] {
  const r = entry.result as StoredShipment | undefined;
  return r?.payload?.trackingNumbers ?? (r?.payload?.masterTrackingNumber ? [r.payload.masterTrackingNumber] : []);
}

/** The audit correlation of a document's shipment. */
export function correlationOf(built: Pick<BuiltShipment, 'entity' | 'documentNumber'>, x3: X3Info): AuditCorrelation {
  const c: AuditCorrelation = { x3Entity: built.entity, x3Key: built.documentNumber };
  if (x3.folder) c.x3Folder = x3.folder;
  return c;
}

/** Settles a ledger entry; false when another attempt holds it now (LEDGER_NOT_HELD). */
export async function settled(write: Promise<void>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (isLedgerNotHeld(err)) return false;
    throw err;
  }
}

/** The error a ledger entry and an audit entry of fedex-ship keep (code, message, HTTP status). */
export function shipErrorInfo(err: unknown): AuditErrorInfo {
  if (err instanceof ApiError) {
    const info: AuditErrorInfo = { code: err.code, message: err.message };
    if (err.status !== undefined) info.status = err.status;
    return info;
  }
  return { code: 'ERROR', message: err instanceof Error ? err.message : String(err) };
}

/** A ledger key in words for messages: either format of documentKeys(). */
export function describeKey(key: string): string {
  const current = /^fedex\.ship:([^:]*):([^:]*):([^:]*):([^:]*):([^:]*)$/.exec(key);
  if (current) {
    const [env, , folder, entity, doc] = current.slice(1).map((p) => safeDecode(p));
    return `X3 ${entity} ${doc} (folder ${folder}, FedEx ${env})`;
  }
  const legacy = /^fedex\.ship:([^:]*):([^:]*):(.*)$/.exec(key);
  return legacy ? `X3 ${legacy[2]} ${legacy[3]}${legacy[1] && legacy[1] !== '-' ? ` (${legacy[1]})` : ''}` : key;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
