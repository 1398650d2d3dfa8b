/**
 * Exactly one FedEx label per X3 document, across duplicates, replays, re-polls, restarts and
 * ambiguous failures. The audit ledger is the source of truth:
 *
 *   key(D) succeeded      -> the stored result, FedEx is not called
 *   claim(D) -> create    -> complete(D, result)                    (x-customer-transaction-id = D)
 *            -> refused   -> fail(D)          the request was certainly not applied (4xx, 429 exhausted)
 *            -> ambiguous -> markUnknown(D) -> reconcile        (timeout, reset, 5xx incl. 503)
 *   reconcile: Track by the CUSTOMER_REFERENCE, several times over a window measured from when the
 *   create may last have been sent (FedEx shows a new label to Track only after a while): a live
 *   shipment carrying exactly that reference is adopted (complete); only explicit NOTFOUND answers
 *   all through the window prove there is none, and only then is a new attempt made (takeOver).
 *   A 404 of the endpoint, a 5xx, a timeout or an unreadable answer prove nothing: the entry stays
 *   'unknown' until a later msg finds proof or an operator resolves it (ledger-resolve.ts); it never
 *   becomes claimable by itself. A 'claimed' entry of another owner (a crashed process) is
 *   reconciled the same way.
 *
 * After a cancel (ledger 'voided') a new label for D needs msg.fedex.reship; it uses the next
 * generation key D#2, D#3, …
 */
import { ApiError, ValidationError } from '../core/errors';
import { sleep } from '../core/retry';
import type { HttpResponse } from '../core/http';
import type {
  AuditCorrelation,
  AuditEntryInput,
  AuditErrorInfo,
  AuditStatus,
  AuditStore,
  LedgerEntry,
  LedgerHold,
} from '../audit/types';
import { holdOf, isLedgerNotHeld } from '../audit/ledger-hold';
import { generationKey, splitGenerationKey as splitKey } from '../audit/ledger-generations';
import type { LabelStore } from '../audit/label-store';
import { loadLabelFiles, storeLabelFiles } from '../audit/label-files';
import {
  buildShipment,
  profileFor,
  type BuiltShipment,
  type ShipOverrides,
  type ShipSettings,
  type X3Info,
  type X3Record,
} from './mapping';
import { validateCancelRequest, validateFreightRequest, validateShipRequest } from './schemas';
import { parseShipResponse, readAlerts, readReferenceLookup, type FedexAlert, type ShipPayload } from './ship-result';
import type { FedexCallOptions, TrackByReferenceQuery } from './client';

export { generationKey };

export const SHIP_OPERATION = 'ship.create';
export const CANCEL_OPERATION = 'ship.cancel';
/** Longer than any create can take (timeouts and retries included). */
export const OWN_CLAIM_STALE_MS = 10 * 60_000;
export const DEFAULT_RECONCILE_DELAY_MS = 30_000;
export const DEFAULT_RECONCILE_WINDOW_MS = 10 * 60_000;
export const DEFAULT_RECONCILE_LOOKUPS = 3;
export const DEFAULT_MAX_CREATE_ATTEMPTS = 4;

/** The part of FedexClient the service uses (tests may pass the real client only). */
export interface ShipClient {
  /** production, sandbox or custom (client.ts fedexEnvironmentOf): part of the ledger key. */
  readonly environment: string;
  readonly accountNumber: string;
  createShipment(body: unknown, call?: FedexCallOptions): Promise<HttpResponse<unknown>>;
  createFreightShipment(body: unknown, call?: FedexCallOptions): Promise<HttpResponse<unknown>>;
  cancelShipment(body: unknown, call?: FedexCallOptions): Promise<HttpResponse<unknown>>;
  trackByReference(query: TrackByReferenceQuery, call?: FedexCallOptions): Promise<HttpResponse<unknown>>;
}

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

export type ShipOutcomeKind = 'created' | 'stored' | 'adopted';

/** Which FedEx a ledger key belongs to. */
export type ShipKeyTarget = Pick<ShipClient, 'environment' | 'accountNumber'>;

export interface ShipOutcome {
  outcome: ShipOutcomeKind;
  key: string;
  result: StoredShipment;
}

export interface ShipInput {
  record: X3Record;
  x3: X3Info;
  overrides?: ShipOverrides;
  /** Ledger key to reuse (a replay of an earlier ship.create). */
  idempotencyKey?: string;
  /** After a cancel, create a new label for the same document. */
  reship?: boolean;
  /** Extra template values. */
  view?: Record<string, unknown>;
  /** The msg to keep in the audit trail for replay (no secrets are ever on a msg). */
  auditMsg?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface CancelInput {
  record?: X3Record;
  x3?: X3Info;
  idempotencyKey?: string;
  /** Cancel this number (when the ledger does not know the document). */
  trackingNumber?: string;
  senderCountryCode?: string;
  auditMsg?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface CancelOutcome {
  trackingNumber: string;
  cancelled: boolean;
  message?: string;
  alerts: FedexAlert[];
  key?: string;
}

export interface ShipServiceOptions {
  client: ShipClient;
  store: AuditStore;
  /** Ledger owner of this process (audit-config instanceId). */
  owner: string;
  settings: ShipSettings;
  /** Records an audit entry; must not throw (audit-config recordSafe). */
  record?: (entry: AuditEntryInput) => Promise<unknown>;
  nodeId?: string;
  /** Where labels are written (audit-config); the ledger then keeps references, not bytes. */
  labels?: LabelStore;
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
  /** A claim of another owner younger than this is taken as still running (shared stores). */
  staleClaimMs?: number;
  /**
   * Creates one msg may send in total (default 4; a new attempt needs lookups proving none
   * exists). A 503 is not retried blindly (it may have been applied): a short FedEx outage costs
   * attempts here instead.
   */
  maxCreateAttempts?: number;
  /**
   * Documents worked on at once (default 64). A burst of thousands is queued here instead of
   * claiming every ledger key up front: the ledger's fsyncs then overlap with FedEx's answers.
   */
  maxInFlight?: number;
  now?: () => number;
}

export interface ShipCounters {
  created: number;
  stored: number;
  adopted: number;
  failed: number;
  unknown: number;
  cancelled: number;
  lastTrackingNumber?: string;
  lastDocument?: string;
}

/** One promise chain per (store, base key): msgs for the same document run one after another. */
const chains = new WeakMap<AuditStore, Map<string, Promise<unknown>>>();

function serialise<T>(store: AuditStore, key: string, fn: () => Promise<T>): Promise<T> {
  let perStore = chains.get(store);
  if (!perStore) {
    perStore = new Map();
    chains.set(store, perStore);
  }
  const map = perStore;
  const prev = map.get(key) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(fn);
  map.set(key, run);
  const cleanup = (): void => {
    if (map.get(key) === run) map.delete(key);
  };
  run.then(cleanup, cleanup);
  return run;
}

function errorInfo(err: unknown): AuditErrorInfo {
  if (err instanceof ApiError) {
    const info: AuditErrorInfo = { code: err.code, message: err.message };
    if (err.status !== undefined) info.status = err.status;
    return info;
  }
  return { code: 'ERROR', message: err instanceof Error ? err.message : String(err) };
}

/**
 * true when the create may have reached FedEx and been applied: a timeout or reset after sending,
 * a 5xx (503 included) after sending (ApiError.ambiguous), or the call being torn down mid-flight
 * (node closed, msg cancelled).
 * A FedEx answer that refuses (4xx, 429 after the retries) proves nothing was created.
 */
export function mayHaveBeenApplied(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  if (err instanceof ValidationError) return false;
  return err.ambiguous || err.code === 'CLOSED' || err.code === 'CANCELED';
}

function day(ms: number, deltaDays = 0): string {
  return new Date(ms + deltaDays * 86_400_000).toISOString().slice(0, 10);
}

/** What a lookup by reference found: the shipment carrying the reference, or proof of none. */
type ReferenceLookup =
  { found: true; trackingNumbers: string[]; serviceType?: string; shipDate?: string } | { found: false };

/** A counting semaphore: at most `size` holders, the rest wait in arrival order. */
class Slots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.used >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    else this.used += 1;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // the slot passes straight to the next waiter
      if (next) next();
      else this.used -= 1;
    }
  }
}

export class ShipService {
  readonly counters: ShipCounters = { created: 0, stored: 0, adopted: 0, failed: 0, unknown: 0, cancelled: 0 };
  private readonly now: () => number;
  private readonly slots: Slots;

  constructor(private readonly options: ShipServiceOptions) {
    this.now = options.now ?? Date.now;
    this.slots = new Slots(Math.max(1, options.maxInFlight ?? 64));
  }

  /** The ledger key of an X3 document (base generation) for this FedEx environment and account. */
  static documentKey(
    record: X3Record,
    x3: X3Info,
    settings: Pick<ShipSettings, 'fieldMap'> | undefined,
    target: ShipKeyTarget,
  ): string {
    return ShipService.documentKeys(record, x3, settings, target).key;
  }

  /**
   * The one place a document's ledger keys are made. What tells two documents apart is all in it:
   * the FedEx environment and account (a sandbox label never answers a production msg), the X3
   * folder, entity and number. `legacy` is the key the previous version used (folder, entity,
   * number): a document recorded under it before an upgrade is found there and never shipped twice.
   */
  static documentKeys(
    record: X3Record,
    x3: X3Info,
    settings: Pick<ShipSettings, 'fieldMap'> | undefined,
    target: ShipKeyTarget,
  ): { key: string; legacy: string } {
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

  async ship(input: ShipInput): Promise<ShipOutcome> {
    const { store } = this.options;
    if (input.idempotencyKey) {
      const base = input.idempotencyKey;
      return serialise(store, base, () => this.slots.run(() => this.shipSerial(base, input)));
    }
    const keys = ShipService.documentKeys(input.record, input.x3, this.options.settings, this.options.client);
    return serialise(store, keys.key, () =>
      this.slots.run(async () => this.shipSerial(await this.recordedKey(keys), input)),
    );
  }

  /**
   * The new key, unless the document was recorded under the previous version's key (then that
   * one stays its key: this version never writes a legacy key, so only one of the two exists).
   */
  private async recordedKey(keys: { key: string; legacy: string }): Promise<string> {
    return (await this.options.store.get(keys.legacy)) ? keys.legacy : keys.key;
  }

  async cancel(input: CancelInput): Promise<CancelOutcome> {
    let base: string | undefined = input.idempotencyKey;
    if (!base && input.record && input.x3 && (input.x3.key || Object.keys(input.record).length)) {
      try {
        base = await this.recordedKey(
          ShipService.documentKeys(input.record, input.x3, this.options.settings, this.options.client),
        );
      } catch (err) {
        if (!input.trackingNumber) throw err;
      }
    }
    if (!base) return this.cancelNumber(input.trackingNumber, input.senderCountryCode, undefined, input);
    const key = base;
    return serialise(this.options.store, key, () => this.slots.run(() => this.cancelSerial(key, input)));
  }

  /* ------------------------------------------------------------ ship ------------------- */

  private async shipSerial(base: string, input: ShipInput): Promise<ShipOutcome> {
    const { store } = this.options;
    const current = await this.currentGeneration(base);
    let key = current.key;
    let entry = current.entry;
    if (entry?.state === 'voided') {
      if (!input.reship) {
        throw new ApiError({
          system: 'fedex',
          code: 'SHIPMENT_VOIDED',
          message: `the FedEx shipment of ${describeKey(key)} was cancelled; set msg.fedex.reship = true to create a new one`,
        });
      }
      key = generationKey(base, current.generation + 1);
      entry = undefined;
    }
    if (entry?.state === 'succeeded') return this.stored(key, entry);

    // Checked before any claim: a bad record never reaches the ledger or FedEx.
    let built: BuiltShipment;
    try {
      built = this.build(input);
    } catch (err) {
      this.counters.failed += 1;
      await this.auditInput('failed', key, input, errorInfo(err));
      throw err;
    }

    if (entry && entry.state !== 'failed') {
      return this.resolveExisting(key, entry, built, input);
    }
    const claim = await store.claim(key, {
      owner: this.options.owner,
      system: 'fedex',
      operation: SHIP_OPERATION,
      correlation: this.correlation(built, input.x3),
    });
    if (!claim.claimed) {
      if (claim.entry.state === 'succeeded') return this.stored(key, claim.entry);
      return this.resolveExisting(key, claim.entry, built, input);
    }
    return this.attempt(
      key,
      built,
      input,
      this.options.maxCreateAttempts ?? DEFAULT_MAX_CREATE_ATTEMPTS,
      current.excluded,
      holdOf(claim.entry),
    );
  }

  private build(input: ShipInput): BuiltShipment {
    const built = buildShipment({
      record: input.record,
      x3: input.x3,
      settings: this.options.settings,
      overrides: input.overrides,
      accountNumber: this.options.client.accountNumber,
      now: this.now(),
      view: input.view,
    });
    if (built.kind === 'ltl') validateFreightRequest(built.request, built.sources);
    else validateShipRequest(built.request, built.sources);
    return built;
  }

  /** The latest generation of a document's key, and the tracking numbers of voided earlier ones. */
  private async currentGeneration(
    base: string,
  ): Promise<{ key: string; entry?: LedgerEntry; generation: number; excluded: Set<string> }> {
    const excluded = new Set<string>();
    for (let g = 1; ; g++) {
      const key = generationKey(base, g);
      const entry = await this.options.store.get(key);
      if (!entry) {
        if (g === 1) return { key, generation: 1, excluded };
        // The previous generation is voided: report it (a reship moves on to this key).
        const prevKey = generationKey(base, g - 1);
        return { key: prevKey, entry: await this.options.store.get(prevKey), generation: g - 1, excluded };
      }
      if (entry.state !== 'voided') return { key, entry, generation: g, excluded };
      for (const tn of storedTrackingNumbers(entry)) excluded.add(tn);
    }
  }

  private async resolveExisting(
    key: string,
    entry: LedgerEntry,
    built: BuiltShipment,
    input: ShipInput,
  ): Promise<ShipOutcome> {
    if (entry.state === 'claimed') {
      const age = this.now() - Date.parse(entry.claimedAt);
      // msgs for one document run one after another in this process, so a claim of our own found
      // here was left by an attempt interrupted before it could record its outcome (or is held by
      // another store handle on the same database): taken as stale only once it is clearly old.
      const own = entry.owner === this.options.owner;
      const staleAfter = own
        ? Math.max(this.options.staleClaimMs ?? 0, OWN_CLAIM_STALE_MS)
        : (this.options.staleClaimMs ?? 0);
      if (!(age >= staleAfter)) {
        throw new ApiError({
          system: 'fedex',
          code: 'IN_PROGRESS',
          message: `another attempt is creating the FedEx shipment of ${describeKey(key)} (ledger owner ${entry.owner}); its result will be stored`,
          retryable: true,
        });
      }
    }
    // 'unknown', or a claim left by a process that died: find out before doing anything.
    return this.reconcile(
      key,
      entry,
      built,
      input,
      this.options.maxCreateAttempts ?? DEFAULT_MAX_CREATE_ATTEMPTS,
      new Set(),
    );
  }

  private async attempt(
    key: string,
    built: BuiltShipment,
    input: ShipInput,
    attemptsLeft: number,
    excluded: Set<string>,
    hold: LedgerHold,
  ): Promise<ShipOutcome> {
    const { store, client } = this.options;
    const call = { transactionId: key, signal: input.signal };
    let response: HttpResponse<unknown>;
    try {
      response =
        built.kind === 'ltl'
          ? await client.createFreightShipment(built.request, call)
          : await client.createShipment(built.request, call);
    } catch (err) {
      if (!mayHaveBeenApplied(err)) {
        await settled(store.fail(key, errorInfo(err), hold));
        this.counters.failed += 1;
        await this.audit('failed', key, built, input, errorInfo(err));
        throw err;
      }
      const held = await settled(store.markUnknown(key, errorInfo(err), hold));
      this.counters.unknown += 1;
      await this.audit('unknown', key, built, input, errorInfo(err));
      // taken over meanwhile: the attempt holding the key reconciles it
      if (!held) throw err;
      const entry = await store.get(key);
      if (!entry) throw err;
      return this.reconcile(key, entry, built, input, attemptsLeft - 1, excluded, err);
    }
    let parsed;
    try {
      parsed = parseShipResponse(response.data);
    } catch (err) {
      // FedEx answered 2xx: something was created, but we cannot read it. Reconcile later.
      await settled(store.markUnknown(key, errorInfo(err), hold));
      this.counters.unknown += 1;
      await this.audit('unknown', key, built, input, errorInfo(err));
      throw err;
    }
    const result: StoredShipment = {
      payload: parsed.payload,
      transactionId: parsed.transactionId,
      alerts: parsed.alerts,
      kind: built.kind,
      senderCountryCode: built.senderCountryCode,
      customerReference: built.customerReference,
      documentNumber: built.documentNumber,
      entity: built.entity,
      folder: input.x3.folder,
    };
    return this.finish(key, result, 'created', built, input, hold);
  }

  private async reconcile(
    key: string,
    entry: LedgerEntry,
    built: BuiltShipment,
    input: ShipInput,
    attemptsLeft: number,
    excluded: Set<string>,
    cause?: unknown,
  ): Promise<ShipOutcome> {
    const { store } = this.options;
    const unknownError = (why: string, retryable = true): ApiError =>
      new ApiError({
        system: 'fedex',
        code: 'OUTCOME_UNKNOWN',
        message: `the FedEx shipment of ${describeKey(key)} may exist (${why}); the ledger keeps it unsettled: the next msg for this document checks again, or an operator resolves it`,
        retryable,
        ambiguous: true,
        cause,
      });
    if (!built.customerReference) {
      throw unknownError('no customer reference to look it up by: the reference template renders empty', false);
    }
    for (const g of await this.voidedTrackingNumbers(key)) excluded.add(g);
    const lookup = await this.lookUpAfterCreate(key, entry, built, input, excluded, unknownError);

    // One reconciler wins the entry; another (instance or msg) sees it held.
    const took = await store.takeOver(key, this.options.owner, [entry.state], entry.owner);
    if (!took) {
      const now = await store.get(key);
      if (now?.state === 'succeeded') return this.stored(key, now);
      throw new ApiError({
        system: 'fedex',
        code: 'IN_PROGRESS',
        message: `another attempt is reconciling the FedEx shipment of ${describeKey(key)}`,
        retryable: true,
      });
    }
    if (lookup.found) {
      const result: StoredShipment = {
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
        folder: input.x3.folder,
        adopted: true,
      };
      return this.finish(key, result, 'adopted', built, input, took);
    }
    // FedEx proved no live shipment carries the reference: a new attempt is safe.
    if (attemptsLeft <= 0) {
      const err = new ApiError({
        system: 'fedex',
        code: 'CREATE_FAILED',
        message: `no FedEx shipment of ${describeKey(key)} exists after an ambiguous failure; no more attempts for this msg`,
        retryable: true,
        cause,
      });
      await settled(store.fail(key, errorInfo(err), took));
      this.counters.failed += 1;
      await this.audit('failed', key, built, input, errorInfo(err));
      throw err;
    }
    return this.attempt(key, built, input, attemptsLeft, excluded, took);
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

  /**
   * Looks the document's shipment up by its reference until it is found or absence is proven:
   * the first lookup `reconcileDelayMs` after the create was sent, the last one no earlier than
   * `reconcileWindowMs` after it, `reconcileLookups` in all, spread in between. Every one of them
   * must be an explicit NOTFOUND (or list only shipments that are not ours) for the proof; any
   * inconclusive answer ends the attempt with the entry left as it is.
   */
  private async lookUpAfterCreate(
    key: string,
    entry: LedgerEntry,
    built: BuiltShipment,
    input: ShipInput,
    excluded: Set<string>,
    unknownError: (why: string) => ApiError,
  ): Promise<ReferenceLookup> {
    const delay = Math.max(0, this.options.reconcileDelayMs ?? DEFAULT_RECONCILE_DELAY_MS);
    const window = Math.max(delay, this.options.reconcileWindowMs ?? DEFAULT_RECONCILE_WINDOW_MS);
    const count = Math.max(1, Math.floor(this.options.reconcileLookups ?? DEFAULT_RECONCILE_LOOKUPS));
    const sentBy = this.createSentBy(entry);
    const interval = count > 1 ? (window - delay) / (count - 1) : 0;
    // a late start (a restart, a re-poll long after) still spaces its lookups, a little less
    const gap = Math.min(interval, delay);
    let last = -Infinity;
    for (let i = 0; i < count; i++) {
      let at = Math.max(sentBy + delay + i * interval, last + gap);
      if (i === count - 1) at = Math.max(at, sentBy + window);
      const wait = at - this.now();
      if (wait > 0) await sleep(wait, input.signal);
      last = this.now();
      const lookup = await this.lookUpOnce(key, entry, built, input, excluded, unknownError);
      if (lookup.found) return lookup;
    }
    return { found: false };
  }

  /** One Track-by-reference call; throws OUTCOME_UNKNOWN when the answer proves nothing. */
  private async lookUpOnce(
    key: string,
    entry: LedgerEntry,
    built: BuiltShipment,
    input: ShipInput,
    excluded: Set<string>,
    unknownError: (why: string) => ApiError,
  ): Promise<ReferenceLookup> {
    const reference = built.customerReference ?? '';
    const claimedDay = Date.parse(entry.claimedAt);
    const base = Number.isFinite(claimedDay) ? claimedDay : this.now();
    const shipDay = Date.parse(built.shipDate);
    let lookup;
    try {
      const res = await this.options.client.trackByReference(
        {
          type: 'CUSTOMER_REFERENCE',
          value: reference,
          shipDateBegin: day(Math.min(base, Number.isFinite(shipDay) ? shipDay : base), -3),
          shipDateEnd: day(Math.max(base, Number.isFinite(shipDay) ? shipDay : base), 3),
        },
        { transactionId: `${key}:lookup`, signal: input.signal },
      );
      lookup = readReferenceLookup(res.data, excluded, reference);
    } catch (err) {
      // a 404 of the endpoint, a 5xx, a timeout: FedEx said nothing about the shipment
      throw unknownError(`the lookup by reference failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!lookup.found && !lookup.proven)
      throw unknownError(`the lookup by reference was inconclusive: ${lookup.reason}`);
    if (!lookup.found) return { found: false };
    // a shipment this ledger already holds for another document is not this document's
    const ours: string[] = [];
    for (const tn of lookup.trackingNumbers)
      if (!(await this.heldByAnotherDocument(tn, built, input.x3))) ours.push(tn);
    return ours.length ? { ...lookup, trackingNumbers: ours } : { found: false };
  }

  private async heldByAnotherDocument(trackingNumber: string, built: BuiltShipment, x3: X3Info): Promise<boolean> {
    const c = (await this.options.store.getShipment(trackingNumber))?.correlation;
    if (!c) return false;
    const mine = this.correlation(built, x3);
    return (
      (c.x3Key !== undefined && c.x3Key !== mine.x3Key) ||
      (c.x3Entity !== undefined && c.x3Entity !== mine.x3Entity) ||
      (c.x3Folder !== undefined && mine.x3Folder !== undefined && c.x3Folder !== mine.x3Folder)
    );
  }

  private async finish(
    key: string,
    result: StoredShipment,
    outcome: 'created' | 'adopted',
    built: BuiltShipment,
    input: ShipInput,
    hold: LedgerHold,
  ): Promise<ShipOutcome> {
    const { store, labels } = this.options;
    let kept = result;
    if (labels) ({ out: result, kept } = await storeLabelFiles(labels, result));
    if (!(await settled(store.complete(key, kept, hold)))) {
      // FedEx made this shipment, but another attempt took the key over meanwhile (this one was
      // taken for stale): its outcome is the document's; this label is kept in the audit trail
      const err = new ApiError({
        system: 'fedex',
        code: 'LEDGER_NOT_HELD',
        message: `FedEx created ${result.payload.masterTrackingNumber} for ${describeKey(key)}, but another attempt took the ledger entry over meanwhile; check for a second shipment and cancel one`,
      });
      this.counters.unknown += 1;
      await this.audit('unknown', key, built, input, errorInfo(err), result);
      throw err;
    }
    if (outcome === 'created') this.counters.created += 1;
    else this.counters.adopted += 1;
    this.counters.lastTrackingNumber = result.payload.masterTrackingNumber;
    this.counters.lastDocument = result.documentNumber;
    const correlation = { ...this.correlation(built, input.x3), trackingNumbers: result.payload.trackingNumbers };
    await store.trackShipment(result.payload.masterTrackingNumber, correlation);
    await this.audit('succeeded', key, built, input, undefined, result);
    return { outcome, key, result };
  }

  private async stored(key: string, entry: LedgerEntry): Promise<ShipOutcome> {
    this.counters.stored += 1;
    let result = entry.result as StoredShipment;
    if (this.options.labels && result?.payload) result = await loadLabelFiles(this.options.labels, result);
    this.counters.lastTrackingNumber = result?.payload?.masterTrackingNumber;
    this.counters.lastDocument = result?.documentNumber;
    return { outcome: 'stored', key, result };
  }

  private correlation(built: Pick<BuiltShipment, 'entity' | 'documentNumber'>, x3: X3Info): AuditCorrelation {
    const c: AuditCorrelation = { x3Entity: built.entity, x3Key: built.documentNumber };
    if (x3.folder) c.x3Folder = x3.folder;
    return c;
  }

  private async voidedTrackingNumbers(key: string): Promise<string[]> {
    const { base, generation } = splitKey(key);
    const out: string[] = [];
    for (let g = 1; g < generation; g++) {
      const e = await this.options.store.get(generationKey(base, g));
      if (e) out.push(...storedTrackingNumbers(e));
    }
    return out;
  }

  private async audit(
    status: AuditStatus,
    key: string,
    built: BuiltShipment,
    input: ShipInput,
    error?: AuditErrorInfo,
    result?: StoredShipment,
  ): Promise<void> {
    if (!this.options.record) return;
    const correlation = this.correlation(built, input.x3);
    if (result) correlation.trackingNumbers = result.payload.trackingNumbers;
    const entry: AuditEntryInput = {
      system: 'fedex',
      operation: SHIP_OPERATION,
      status,
      correlation,
      idempotencyKey: key,
      nodeId: this.options.nodeId,
    };
    if (error) entry.error = error;
    if (input.auditMsg) entry.msg = input.auditMsg;
    await this.options.record(entry);
  }

  /** An audit entry for a msg refused before a shipment could be built (bad X3 record). */
  private async auditInput(status: AuditStatus, key: string, input: ShipInput, error: AuditErrorInfo): Promise<void> {
    if (!this.options.record) return;
    const { x3 } = input;
    const correlation: AuditCorrelation = {};
    if (x3.folder) correlation.x3Folder = x3.folder;
    if (x3.entity) correlation.x3Entity = x3.entity;
    if (x3.key) correlation.x3Key = x3.key;
    const entry: AuditEntryInput = {
      system: 'fedex',
      operation: SHIP_OPERATION,
      status,
      correlation,
      idempotencyKey: key,
      nodeId: this.options.nodeId,
      error,
    };
    if (input.auditMsg) entry.msg = input.auditMsg;
    await this.options.record(entry);
  }

  /* ------------------------------------------------------------ cancel ----------------- */

  private async cancelSerial(base: string, input: CancelInput): Promise<CancelOutcome> {
    const current = await this.currentGeneration(base);
    const entry = current.entry;
    if (!entry) {
      if (input.trackingNumber)
        return this.cancelNumber(input.trackingNumber, input.senderCountryCode, undefined, input);
      throw new ApiError({
        system: 'fedex',
        code: 'NOT_FOUND',
        message: `no FedEx shipment is recorded for ${describeKey(base)}`,
      });
    }
    if (entry.state === 'voided') {
      const r = entry.result as StoredShipment | undefined;
      return {
        trackingNumber: r?.payload.masterTrackingNumber ?? input.trackingNumber ?? '',
        cancelled: true,
        message: 'already cancelled',
        alerts: [],
        key: current.key,
      };
    }
    if (entry.state !== 'succeeded') {
      throw new ApiError({
        system: 'fedex',
        code: 'NOT_CANCELLABLE',
        message: `the FedEx shipment of ${describeKey(current.key)} is ${entry.state}; only a created shipment can be cancelled`,
        retryable: entry.state === 'claimed' || entry.state === 'unknown',
      });
    }
    const stored = entry.result as StoredShipment;
    return this.cancelNumber(
      stored.payload.masterTrackingNumber,
      stored.senderCountryCode ?? input.senderCountryCode,
      { key: current.key, stored },
      input,
    );
  }

  private async cancelNumber(
    trackingNumber: string | undefined,
    senderCountryCode: string | undefined,
    ledger: { key: string; stored: StoredShipment } | undefined,
    input: CancelInput,
  ): Promise<CancelOutcome> {
    const { client, store } = this.options;
    if (!trackingNumber) {
      throw new ValidationError(
        'fedex',
        'payload.trackingNumber',
        'cancel needs a tracking number (msg.payload.trackingNumber) or an X3 document the ledger knows',
      );
    }
    if (ledger?.stored.kind === 'ltl') {
      throw new ApiError({
        system: 'fedex',
        code: 'NOT_CANCELLABLE',
        message:
          'FedEx Freight LTL shipments are not cancelled through the Ship API; cancel the pickup with FedEx Freight',
      });
    }
    const body: Record<string, unknown> = {
      accountNumber: { value: client.accountNumber },
      trackingNumber,
      deletionControl: 'DELETE_ALL_PACKAGES',
      emailShipment: false,
    };
    const country = senderCountryCode ?? this.options.settings.ourAddress.countryCode;
    if (country) body.senderCountryCode = country.toUpperCase();
    validateCancelRequest(body);
    let message: string | undefined;
    let alerts: FedexAlert[] = [];
    try {
      const res = await client.cancelShipment(body, {
        transactionId: `${ledger?.key ?? trackingNumber}:cancel`,
        signal: input.signal,
      });
      const output = (res.data as { output?: Record<string, unknown> } | undefined)?.output ?? {};
      message = typeof output.message === 'string' ? output.message : undefined;
      alerts = readAlerts(output.alerts);
      if (output.cancelledShipment !== true) {
        throw new ApiError({
          system: 'fedex',
          code: 'NOT_CANCELLED',
          message: `FedEx did not cancel ${trackingNumber}${message ? `: ${message}` : ''}`,
        });
      }
    } catch (err) {
      // Cancelled earlier (e.g. a lost answer to our own cancel): the goal is reached.
      if (!(err instanceof ApiError && err.code === 'SHIPMENT.ALREADY.CANCELLED')) {
        await this.recordCancel('failed', ledger, trackingNumber, input, errorInfo(err));
        throw err;
      }
      message = 'already cancelled';
    }
    const at = new Date(this.now()).toISOString();
    if (ledger) {
      await store.markVoided(ledger.key, { ...ledger.stored, voided: { at, message } });
    }
    await store.updateShipment(trackingNumber, {
      status: 'cancelled',
      statusCode: 'CA',
      lastEventAt: at,
      closed: true,
    });
    this.counters.cancelled += 1;
    await this.recordCancel('voided', ledger, trackingNumber, input);
    return { trackingNumber, cancelled: true, message, alerts, key: ledger?.key };
  }

  private async recordCancel(
    status: AuditStatus,
    ledger: { key: string; stored: StoredShipment } | undefined,
    trackingNumber: string,
    input: CancelInput,
    error?: AuditErrorInfo,
  ): Promise<void> {
    if (!this.options.record) return;
    const correlation: AuditCorrelation = { trackingNumbers: [trackingNumber] };
    if (ledger) {
      correlation.x3Key = ledger.stored.documentNumber;
      correlation.x3Entity = ledger.stored.entity;
      if (ledger.stored.folder) correlation.x3Folder = ledger.stored.folder;
    }
    const entry: AuditEntryInput = {
      system: 'fedex',
      operation: CANCEL_OPERATION,
      status,
      correlation,
      nodeId: this.options.nodeId,
    };
    if (ledger) entry.idempotencyKey = ledger.key;
    if (error) entry.error = error;
    if (input.auditMsg) entry.msg = input.auditMsg;
    await this.options.record(entry);
  }
}

/** Settles a ledger entry; false when another attempt holds it now (LEDGER_NOT_HELD). */
async function settled(write: Promise<void>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (isLedgerNotHeld(err)) return false;
    throw err;
  }
}

function readServiceType(built: BuiltShipment): string | undefined {
  const rs = (built.request.requestedShipment ?? built.request.freightRequestedShipment) as
    Record<string, unknown> | undefined;
  return typeof rs?.serviceType === 'string' ? rs.serviceType : undefined;
}

function storedTrackingNumbers(entry: LedgerEntry): string[] {
  const r = entry.result as StoredShipment | undefined;
  return r?.payload?.trackingNumbers ?? (r?.payload?.masterTrackingNumber ? [r.payload.masterTrackingNumber] : []);
}

/** A ledger key in words for messages: either format of documentKeys(). */
function describeKey(key: string): string {
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
