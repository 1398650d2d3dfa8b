/**
 * Cancelling a FedEx label (PUT /ship/v1/shipments/cancel): of the document's latest generation
 * when the ledger knows it (the entry becomes 'voided', so a new label needs a reship), or of a
 * bare tracking number. A cancel FedEx reports as done earlier (a lost answer to our own cancel)
 * reaches the goal too. FedEx Freight LTL shipments are not cancelled through the Ship API.
 * ShipService queues it behind the document's other msgs.
 */
import { ApiError, ValidationError } from '../core/errors';
import type { HttpResponse } from '../core/http';
import type { AuditCorrelation, AuditEntryInput, AuditErrorInfo, AuditStatus, AuditStore } from '../audit/types';
import type { ShipSettings } from './ship-options';
import type { X3Info, X3Record } from './x3-documents';
import { validateCancelRequest } from './schemas';
import { readAlerts, type FedexAlert } from './ship-result';
import type { FedexCallOptions } from './client';
import { currentGeneration, describeKey, shipErrorInfo, type StoredShipment } from './ship-ledger';

export const CANCEL_OPERATION = 'ship.cancel';

/** The part of FedexClient a cancel uses. */
export interface CancelClient {
  readonly accountNumber: string;
  cancelShipment(body: unknown, call?: FedexCallOptions): Promise<HttpResponse<unknown>>;
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

export interface ShipCancelOptions {
  client: CancelClient;
  store: AuditStore;
  /** Our address's country is the sender country when neither the ledger nor the msg gives one. */
  settings: Pick<ShipSettings, 'ourAddress'>;
  /** Records an audit entry; must not throw (audit-config recordSafe). */
  record?: (entry: AuditEntryInput) => Promise<unknown>;
  nodeId?: string;
  now: () => number;
  /** Counted on every cancel that reached its goal. */
  counters: { cancelled: number };
}

/** A document's shipment as the ledger keeps it, when the cancel is of a known document. */
interface LedgerShipment {
  key: string;
  stored: StoredShipment;
}

export class ShipCancel {
  constructor(private readonly options: ShipCancelOptions) {}

  /** Cancels the latest generation of the document whose base ledger key is `base`. */
  async cancelDocument(base: string, input: CancelInput): Promise<CancelOutcome> {
    const current = await currentGeneration(this.options.store, base);
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

  /** Cancels `trackingNumber`; `ledger` is the document's entry when the ledger knows it. */
  async cancelNumber(
    trackingNumber: string | undefined,
    senderCountryCode: string | undefined,
    ledger: LedgerShipment | undefined,
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
        await this.recordCancel('failed', ledger, trackingNumber, input, shipErrorInfo(err));
        throw err;
      }
      message = 'already cancelled';
    }
    const at = new Date(this.options.now()).toISOString();
    if (ledger) {
      await store.markVoided(ledger.key, { ...ledger.stored, voided: { at, message } });
    }
    await store.updateShipment(trackingNumber, {
      status: 'cancelled',
      statusCode: 'CA',
      lastEventAt: at,
      closed: true,
    });
    this.options.counters.cancelled += 1;
    await this.recordCancel('voided', ledger, trackingNumber, input);
    return { trackingNumber, cancelled: true, message, alerts, key: ledger?.key };
  }

  private async recordCancel(
    status: AuditStatus,
    ledger: LedgerShipment | undefined,
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
