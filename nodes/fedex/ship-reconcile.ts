/**
 * The proof rules of an ambiguous create (reference fedex-api.md §5): FedEx shows a new label to
 * Track only after a while, so the document's shipment is looked up by its CUSTOMER_REFERENCE
 * several times over a window measured from when the create may last have been sent. A live
 * shipment carrying exactly that reference is the document's (adopted); only explicit NOTFOUND
 * answers all through the window prove there is none. Any answer that proves nothing (a 404 of
 * the endpoint, a 5xx, a timeout, an unreadable body) ends with OUTCOME_UNKNOWN and the ledger
 * entry left as it is. ShipService decides what follows (adopt, create again, or stop).
 */
import { ApiError } from '../core/errors';
import { sleep } from '../core/retry';
import type { HttpResponse } from '../core/http';
import type { AuditStore, LedgerEntry } from '../audit/types';
import type { BuiltShipment } from './mapping';
import type { X3Info } from './x3-documents';
import { readAlerts, readReferenceLookup } from './ship-result';
import type { FedexCallOptions, TrackByReferenceQuery } from './client';
import { correlationOf, describeKey, type StoredShipment } from './ship-ledger';

/** Longer than any create can take (timeouts and retries included). */
export const OWN_CLAIM_STALE_MS = 10 * 60_000;
export const DEFAULT_RECONCILE_DELAY_MS = 30_000;
export const DEFAULT_RECONCILE_WINDOW_MS = 10 * 60_000;
export const DEFAULT_RECONCILE_LOOKUPS = 3;

/** The part of FedexClient a lookup uses. */
export interface ReferenceLookupClient {
  trackByReference(query: TrackByReferenceQuery, call?: FedexCallOptions): Promise<HttpResponse<unknown>>;
}

export interface ReconcileOptions {
  /**
   * FedEx may answer NOTFOUND for a new label for a while (reference §5): the first reference
   * lookup after an ambiguous create waits this long after the create was sent (default 30 s).
   */
  reconcileDelayMs?: number;
  /**
   * NOTFOUND proves no shipment exists only when the lookups reach this long after the create was
   * sent (default 10 min); a shipment that shows up meanwhile is adopted.
   */
  reconcileWindowMs?: number;
  /** Explicit NOTFOUND answers, spread over the window, that together prove absence (default 3). */
  reconcileLookups?: number;
}

/** What a lookup by reference found: the shipment carrying the reference, or proof of none. */
export type ReconcileLookup =
  { found: true; trackingNumbers: string[]; serviceType?: string; shipDate?: string } | { found: false };

/** The document whose shipment is looked for, and what must not count as it. */
export interface LookupSubject {
  key: string;
  entry: LedgerEntry;
  built: BuiltShipment;
  x3: X3Info;
  /** Tracking numbers that are not this attempt's (voided generations of the document). */
  excluded: ReadonlySet<string>;
  signal?: AbortSignal;
}

/** The OUTCOME_UNKNOWN error of a document whose shipment may exist. */
export function outcomeUnknown(key: string, why: string, retryable = true, cause?: unknown): ApiError {
  return new ApiError({
    system: 'fedex',
    code: 'OUTCOME_UNKNOWN',
    message: `the FedEx shipment of ${describeKey(key)} may exist (${why}); the ledger keeps it unsettled: the next msg for this document checks again, or an operator resolves it`,
    retryable,
    ambiguous: true,
    cause,
  });
}

export class ReferenceLookups {
  constructor(
    private readonly client: ReferenceLookupClient,
    private readonly store: AuditStore,
    private readonly options: ReconcileOptions,
    private readonly now: () => number,
  ) {}

  /**
   * Looks the document's shipment up by its reference until it is found or absence is proven:
   * the first lookup `reconcileDelayMs` after the create was sent, the last one no earlier than
   * `reconcileWindowMs` after it, `reconcileLookups` in all, spread in between. Every one of them
   * must be an explicit NOTFOUND (or list only shipments that are not ours) for the proof; any
   * inconclusive answer ends the attempt with the entry left as it is.
   */
  async lookUpAfterCreate(subject: LookupSubject, cause?: unknown): Promise<ReconcileLookup> {
    const delay = Math.max(0, this.options.reconcileDelayMs ?? DEFAULT_RECONCILE_DELAY_MS);
    const window = Math.max(delay, this.options.reconcileWindowMs ?? DEFAULT_RECONCILE_WINDOW_MS);
    const count = Math.max(1, Math.floor(this.options.reconcileLookups ?? DEFAULT_RECONCILE_LOOKUPS));
    const sentBy = this.createSentBy(subject.entry);
    const interval = count > 1 ? (window - delay) / (count - 1) : 0;
    // a late start (a restart, a re-poll long after) still spaces its lookups, a little less
    const gap = Math.min(interval, delay);
    let last = -Infinity;
    for (let i = 0; i < count; i++) {
      let at = Math.max(sentBy + delay + i * interval, last + gap);
      if (i === count - 1) at = Math.max(at, sentBy + window);
      const wait = at - this.now();
      if (wait > 0) await sleep(wait, subject.signal);
      last = this.now();
      const lookup = await this.lookUpOnce(subject, cause);
      if (lookup.found) return lookup;
    }
    return { found: false };
  }

  /**
   * The latest moment the create of `entry` may have been sent. An 'unknown' entry was marked
   * after its create call ended (every send of it came before); the mark is in the ledger, so a
   * restart measures from it too. A claim left by a process that stopped may have sent until that
   * process stopped: at most OWN_CLAIM_STALE_MS (longer than any create) after its claim.
   */
  private createSentBy(entry: LedgerEntry): number {
    const now = this.now();
    if (entry.state === 'unknown') {
      const marked = Date.parse(entry.updatedAt);
      return Number.isFinite(marked) ? Math.min(marked, now) : now;
    }
    const claimed = Date.parse(entry.claimedAt);
    return Number.isFinite(claimed) ? Math.min(claimed + OWN_CLAIM_STALE_MS, now) : now;
  }

  /** One Track-by-reference call; throws OUTCOME_UNKNOWN when the answer proves nothing. */
  private async lookUpOnce(subject: LookupSubject, cause: unknown): Promise<ReconcileLookup> {
    const { key, entry, built } = subject;
    const reference = built.customerReference ?? '';
    const claimedDay = Date.parse(entry.claimedAt);
    const base = Number.isFinite(claimedDay) ? claimedDay : this.now();
    const shipDay = Date.parse(built.shipDate);
    let lookup;
    try {
      const res = await this.client.trackByReference(
        {
          type: 'CUSTOMER_REFERENCE',
          value: reference,
          shipDateBegin: day(Math.min(base, Number.isFinite(shipDay) ? shipDay : base), -3),
          shipDateEnd: day(Math.max(base, Number.isFinite(shipDay) ? shipDay : base), 3),
        },
        { transactionId: `${key}:lookup`, signal: subject.signal },
      );
      lookup = readReferenceLookup(res.data, subject.excluded, reference);
    } catch (err) {
      // a 404 of the endpoint, a 5xx, a timeout: FedEx said nothing about the shipment
      throw outcomeUnknown(
        key,
        `the lookup by reference failed: ${err instanceof Error ? err.message : String(err)}`,
        true,
        cause,
      );
    }
    if (!lookup.found && !lookup.proven)
      throw outcomeUnknown(key, `the lookup by reference was inconclusive: ${lookup.reason}`, true, cause);
    if (!lookup.found) return { found: false };
    // a shipment this ledger already holds for another document is not this document's
    const ours: string[] = [];
    for (const tn of lookup.trackingNumbers)
      if (!(await this.heldByAnotherDocument(tn, built, subject.x3))) ours.push(tn);
    return ours.length ? { ...lookup, trackingNumbers: ours } : { found: false };
  }

  private async heldByAnotherDocument(trackingNumber: string, built: BuiltShipment, x3: X3Info): Promise<boolean> {
    const c = (await this.store.getShipment(trackingNumber))?.correlation;
    if (!c) return false;
    const mine = correlationOf(built, x3);
    return (
      (c.x3Key !== undefined && c.x3Key !== mine.x3Key) ||
      (c.x3Entity !== undefined && c.x3Entity !== mine.x3Entity) ||
      (c.x3Folder !== undefined && mine.x3Folder !== undefined && c.x3Folder !== mine.x3Folder)
    );
  }
}

/**
 * The ledger result of a shipment found by reference after an ambiguous create: FedEx's answer
 * (and with it the label) was lost, so it carries no label and says so in an alert.
 */
export function adoptedShipment(
  lookup: Extract<ReconcileLookup, { found: true }>,
  built: BuiltShipment,
  x3: X3Info,
): StoredShipment {
  return {
    payload: {
      trackingNumber: lookup.trackingNumbers[0],
      masterTrackingNumber: lookup.trackingNumbers[0],
      trackingNumbers: lookup.trackingNumbers,
      serviceType: lookup.serviceType ?? readServiceType(built),
      shipDate: lookup.shipDate ?? built.shipDate,
      labels: [],
    },
    alerts: readAlerts({
      code: 'LABEL.NOT.RECOVERED',
      alertType: 'WARNING',
      message:
        'FedEx created this shipment but its answer was lost; FedEx offers no call to fetch the label again: reprint it in FedEx Ship Manager, or cancel it and ship again',
    }),
    kind: built.kind,
    senderCountryCode: built.senderCountryCode,
    customerReference: built.customerReference,
    documentNumber: built.documentNumber,
    entity: built.entity,
    folder: x3.folder,
    adopted: true,
  };
}

function readServiceType(built: BuiltShipment): string | undefined {
  const rs = (built.request.requestedShipment ?? built.request.freightRequestedShipment) as
    Record<string, unknown> | undefined;
  return typeof rs?.serviceType === 'string' ? rs.serviceType : undefined;
}

function day(ms: number, deltaDays = 0): string {
  return new Date(ms + deltaDays * 86_400_000).toISOString().slice(0, 10);
}
