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
 *
 * The create and the decisions above are here; the keys and generations are ship-ledger.ts's,
 * the lookups and their proof rules ship-reconcile.ts's, the cancel ship-cancel.ts's. Msgs for
 * one document queue one after another (core/keyed-queue.ts).
 */
import { ApiError, ValidationError } from '../core/errors';
import { KeyedQueue, Semaphore } from '../core/keyed-queue';
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
import { holdOf } from '../audit/ledger-hold';
import { generationKey } from '../audit/ledger-generations';
import type { LabelStore } from '../audit/label-store';
import { loadLabelFiles, storeLabelFiles } from '../audit/label-files';
import { buildShipment, type BuiltShipment, type ShipOverrides } from './mapping';
import type { ShipSettings } from './ship-options';
import type { X3Info, X3Record } from './x3-documents';
import { validateFreightRequest, validateShipRequest } from './schemas';
import { parseShipResponse } from './ship-result';
import type { FedexCallOptions } from './client';
import {
  correlationOf,
  currentGeneration,
  describeKey,
  documentKeys,
  recordedKey,
  settled,
  shipErrorInfo as errorInfo,
  voidedTrackingNumbers,
  type DocumentKeys,
  type ShipKeyTarget,
  type StoredShipment,
} from './ship-ledger';
import {
  adoptedShipment,
  OWN_CLAIM_STALE_MS,
  outcomeUnknown,
  ReferenceLookups,
  type ReconcileOptions,
  type ReferenceLookupClient,
} from './ship-reconcile';
import { ShipCancel, type CancelClient, type CancelInput, type CancelOutcome } from './ship-cancel';
import { CustomsDataReader, type GivenCustomsData } from './customs-data';
import type { CustomsData } from './commodities';
import { mergeSettings } from './ship-options';
import { mergeCustoms } from './customs-options';

export const SHIP_OPERATION = 'ship.create';
export const DEFAULT_MAX_CREATE_ATTEMPTS = 4;

/** The part of FedexClient the service uses (tests may pass the real client only). */
export interface ShipClient extends ShipKeyTarget, CancelClient, ReferenceLookupClient {
  /** production, sandbox or custom (client.ts fedexEnvironmentOf): part of the ledger key. */
  readonly environment: string;
  readonly accountNumber: string;
  createShipment(body: unknown, call?: FedexCallOptions): Promise<HttpResponse<unknown>>;
  createFreightShipment(body: unknown, call?: FedexCallOptions): Promise<HttpResponse<unknown>>;
}

export type ShipOutcomeKind = 'created' | 'stored' | 'adopted';

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
  /** Customs data on the msg (msg.fedex.products, msg.fedex.salesOrder): no X3 read for it. */
  customsGiven?: GivenCustomsData;
}

export interface ShipServiceOptions extends ReconcileOptions {
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
  /** Reads (and caches) the X3 data of international shipments; default: only what msgs bring. */
  customsData?: CustomsDataReader;
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

/**
 * One queue per audit store: every ShipService on it (the old and the new node of a redeploy
 * too) runs the msgs for one document one after another.
 */
const queues = new WeakMap<AuditStore, KeyedQueue>();

function queueOf(store: AuditStore): KeyedQueue {
  let queue = queues.get(store);
  if (!queue) {
    queue = new KeyedQueue();
    queues.set(store, queue);
  }
  return queue;
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

export class ShipService {
  readonly counters: ShipCounters = { created: 0, stored: 0, adopted: 0, failed: 0, unknown: 0, cancelled: 0 };
  private readonly now: () => number;
  private readonly slots: Semaphore;
  private readonly lookups: ReferenceLookups;
  private readonly cancels: ShipCancel;

  constructor(private readonly options: ShipServiceOptions) {
    this.now = options.now ?? Date.now;
    this.slots = new Semaphore(Math.max(1, options.maxInFlight ?? 64));
    this.lookups = new ReferenceLookups(options.client, options.store, options, this.now);
    this.cancels = new ShipCancel({
      client: options.client,
      store: options.store,
      settings: options.settings,
      record: options.record,
      nodeId: options.nodeId,
      now: this.now,
      counters: this.counters,
    });
  }

  /** The ledger key of an X3 document (base generation) for this FedEx environment and account. */
  static documentKey(
    record: X3Record,
    x3: X3Info,
    settings: Pick<ShipSettings, 'fieldMap'> | undefined,
    target: ShipKeyTarget,
  ): string {
    return documentKeys(record, x3, settings, target).key;
  }

  /** A document's ledger keys (ship-ledger.ts documentKeys). */
  static documentKeys(
    record: X3Record,
    x3: X3Info,
    settings: Pick<ShipSettings, 'fieldMap'> | undefined,
    target: ShipKeyTarget,
  ): DocumentKeys {
    return documentKeys(record, x3, settings, target);
  }

  async ship(input: ShipInput): Promise<ShipOutcome> {
    const { store } = this.options;
    if (input.idempotencyKey) {
      const base = input.idempotencyKey;
      return queueOf(store).run(base, () => this.slots.run(() => this.shipSerial(base, input)));
    }
    const keys = documentKeys(input.record, input.x3, this.options.settings, this.options.client);
    return queueOf(store).run(keys.key, () =>
      this.slots.run(async () => this.shipSerial(await recordedKey(store, keys), input)),
    );
  }

  async cancel(input: CancelInput): Promise<CancelOutcome> {
    const { store } = this.options;
    let base: string | undefined = input.idempotencyKey;
    if (!base && input.record && input.x3 && (input.x3.key || Object.keys(input.record).length)) {
      try {
        base = await recordedKey(
          store,
          documentKeys(input.record, input.x3, this.options.settings, this.options.client),
        );
      } catch (err) {
        if (!input.trackingNumber) throw err;
      }
    }
    if (!base) return this.cancels.cancelNumber(input.trackingNumber, input.senderCountryCode, undefined, input);
    const key = base;
    return queueOf(store).run(key, () => this.slots.run(() => this.cancels.cancelDocument(key, input)));
  }

  private async shipSerial(base: string, input: ShipInput): Promise<ShipOutcome> {
    const { store } = this.options;
    const current = await currentGeneration(store, base);
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
      if (built.customsPending) built = this.build(input, await this.customsDataOf(input));
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
      correlation: correlationOf(built, input.x3),
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

  /** The sales order and products an international shipment's customs are derived from. */
  private async customsDataOf(input: ShipInput): Promise<CustomsData> {
    const reader = this.options.customsData ?? (this.msgOnlyCustoms ??= new CustomsDataReader(undefined));
    const settings = mergeSettings(this.options.settings, input.overrides?.options);
    const fields = mergeCustoms(settings.customs, input.overrides?.customs).fields;
    return reader.load(input.record, fields, input.customsGiven, input.signal);
  }

  private msgOnlyCustoms?: CustomsDataReader;

  private build(input: ShipInput, customs?: CustomsData): BuiltShipment {
    const built = buildShipment({
      record: input.record,
      x3: input.x3,
      settings: this.options.settings,
      overrides: input.overrides,
      accountNumber: this.options.client.accountNumber,
      now: this.now(),
      view: input.view,
      customs,
    });
    if (built.customsPending) return built;
    if (built.kind === 'ltl') validateFreightRequest(built.request, built.sources);
    else validateShipRequest(built.request, built.sources);
    return built;
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

  /**
   * An entry whose create may have been applied: the lookups by reference (ship-reconcile.ts)
   * decide between adopting the shipment found and, once none is proven, a new attempt.
   */
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
    if (!built.customerReference) {
      throw outcomeUnknown(
        key,
        'no customer reference to look it up by: the reference template renders empty',
        false,
        cause,
      );
    }
    for (const g of await voidedTrackingNumbers(store, key)) excluded.add(g);
    const lookup = await this.lookups.lookUpAfterCreate(
      { key, entry, built, x3: input.x3, excluded, signal: input.signal },
      cause,
    );

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
    if (lookup.found) return this.finish(key, adoptedShipment(lookup, built, input.x3), 'adopted', built, input, took);
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
    const correlation = { ...correlationOf(built, input.x3), trackingNumbers: result.payload.trackingNumbers };
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

  private async audit(
    status: AuditStatus,
    key: string,
    built: BuiltShipment,
    input: ShipInput,
    error?: AuditErrorInfo,
    result?: StoredShipment,
  ): Promise<void> {
    const correlation = correlationOf(built, input.x3);
    if (result) correlation.trackingNumbers = result.payload.trackingNumbers;
    await this.recordAudit(status, key, input, correlation, error);
  }

  /** An audit entry for a msg refused before a shipment could be built (bad X3 record). */
  private async auditInput(status: AuditStatus, key: string, input: ShipInput, error: AuditErrorInfo): Promise<void> {
    const { x3 } = input;
    const correlation: AuditCorrelation = {};
    if (x3.folder) correlation.x3Folder = x3.folder;
    if (x3.entity) correlation.x3Entity = x3.entity;
    if (x3.key) correlation.x3Key = x3.key;
    await this.recordAudit(status, key, input, correlation, error);
  }

  private async recordAudit(
    status: AuditStatus,
    key: string,
    input: ShipInput,
    correlation: AuditCorrelation,
    error: AuditErrorInfo | undefined,
  ): Promise<void> {
    if (!this.options.record) return;
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
}
