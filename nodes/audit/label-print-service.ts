/**
 * Prints a shipment's thermal labels (ZPL II, EPL2) on a raw TCP printer exactly once per ledger
 * entry: each package's label has a print record in the ledger (`label.print:<shipment key>:
 * <tracking number>`) claimed before the job is sent and completed once the printer took it, so
 * a duplicate msg, a replay or a redeploy prints nothing twice. Labels go one job per package, in
 * package order; a connection error before the printer had the whole job is retried with the one
 * backoff policy; a job that may have reached the printer is marked unknown, not resent. A reprint
 * is the operator's explicit request: sent whatever the record says, and audited as a reprint.
 */
import { createHash } from 'crypto';
import { backoffDelay, sleep, type BackoffPolicy } from '../core/retry';
import { holdOf } from './ledger-hold';
import type { LabelRef, LabelStore } from './label-store';
import { printerName, RawPrintError, sendRawJob, type RawJobOptions, type RawPrinter } from './raw-print';
import type { AuditCorrelation, AuditEntryInput, AuditStore } from './types';

export const PRINT_OPERATION = 'label.print';
export const REPRINT_OPERATION = 'label.reprint';

/** Formats a raw printer understands; PDF and PNG need a print server (see README). */
export const RAW_FORMATS = ['ZPLII', 'EPL2'] as const;

/** A label as fedex-ship emits or the ledger keeps it. */
export interface PrintableLabel {
  trackingNumber?: string;
  format: string;
  data?: string;
  ref?: LabelRef;
}

export interface PrintRecord {
  printer: string;
  bytes: number;
  sha256: string;
  /** UTC ISO */
  at: string;
}

export interface PrintReport {
  /** tracking numbers printed now, in package order */
  printed: string[];
  /** already printed (a record exists) or not printable here, with the reason */
  skipped: Array<{ trackingNumber: string; reason: string }>;
  failed: Array<{ trackingNumber: string; code: string; message: string }>;
}

export interface LabelPrintOptions {
  store: AuditStore;
  /** ledger owner of this process */
  owner: string;
  printer: RawPrinter;
  /** where labels kept as references are read from */
  labels?: LabelStore;
  /** attempts per job on connection errors (default 5) */
  attempts?: number;
  backoff?: BackoffPolicy;
  job?: Omit<RawJobOptions, 'signal'>;
  record?: (entry: AuditEntryInput) => Promise<unknown>;
  nodeId?: string;
  now?: () => number;
  /** the transport (tests may wrap it) */
  send?: typeof sendRawJob;
}

export interface PrintInput {
  /** the shipment's ledger key (fedex-ship msg.fedex.idempotencyKey) */
  key: string;
  /** package order */
  labels: PrintableLabel[];
  correlation?: AuditCorrelation;
  signal?: AbortSignal;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 500, maxDelayMs: 10_000 };

/** The ledger key of one package's print record. */
export function printKey(shipmentKey: string, trackingNumber: string): string {
  return `${PRINT_OPERATION}:${shipmentKey}:${trackingNumber}`;
}

export function isRawFormat(format: string | undefined): boolean {
  return (RAW_FORMATS as readonly string[]).includes((format ?? '').toUpperCase());
}

export class LabelPrintService {
  private readonly now: () => number;
  private readonly send: typeof sendRawJob;

  constructor(private readonly options: LabelPrintOptions) {
    this.now = options.now ?? Date.now;
    this.send = options.send ?? sendRawJob;
  }

  get printerName(): string {
    return printerName(this.options.printer);
  }

  /** Prints every raw label of a shipment not printed yet, one job per package, in order. */
  async print(input: PrintInput): Promise<PrintReport> {
    const report: PrintReport = { printed: [], skipped: [], failed: [] };
    for (const [i, label] of input.labels.entries()) {
      const tn = label.trackingNumber || `package-${i + 1}`;
      if (!isRawFormat(label.format)) {
        report.skipped.push({ trackingNumber: tn, reason: `${label.format} is not a raw printer format` });
        continue;
      }
      const bytes = await this.bytesOf(label);
      if (!bytes) {
        report.skipped.push({ trackingNumber: tn, reason: 'no label bytes (adopted shipment or file removed)' });
        continue;
      }
      const key = printKey(input.key, tn);
      const correlation = { ...input.correlation, trackingNumbers: [tn] };
      const claim = await this.options.store.claim(key, {
        owner: this.options.owner,
        system: 'fedex',
        operation: PRINT_OPERATION,
        correlation,
      });
      if (!claim.claimed) {
        const state = claim.entry.state;
        report.skipped.push({
          trackingNumber: tn,
          reason:
            state === 'succeeded'
              ? 'already printed'
              : state === 'claimed'
                ? 'a print of this label is running or was interrupted; reprint it if it did not come out'
                : `print record is ${state}; reprint it if it did not come out`,
        });
        continue;
      }
      const hold = holdOf(claim.entry);
      try {
        const record = await this.sendJob(bytes, input.signal);
        await this.options.store.complete(key, record, hold);
        report.printed.push(tn);
        await this.audit({ operation: PRINT_OPERATION, status: 'succeeded', correlation, idempotencyKey: key });
      } catch (err) {
        const e = toPrintError(err);
        // a job the printer may have taken is unknown: printing it again must be the operator's call
        if (e.delivered) await this.options.store.markUnknown(key, { code: e.code, message: e.message }, hold);
        else await this.options.store.fail(key, { code: e.code, message: e.message }, hold);
        report.failed.push({ trackingNumber: tn, code: e.code, message: e.message });
        await this.audit({
          operation: PRINT_OPERATION,
          status: e.delivered ? 'unknown' : 'failed',
          correlation,
          idempotencyKey: key,
          error: { code: e.code, message: e.message },
        });
        // later packages wait: labels come out in package order or not at all
        for (const rest of input.labels.slice(i + 1)) {
          report.skipped.push({
            trackingNumber: rest.trackingNumber ?? '',
            reason: 'an earlier package failed to print',
          });
        }
        break;
      }
    }
    return report;
  }

  /** The operator's reprint of one label: sent whatever its print record says, audited. */
  async reprint(input: {
    key: string;
    label: PrintableLabel;
    correlation?: AuditCorrelation;
    signal?: AbortSignal;
  }): Promise<PrintRecord> {
    const tn = input.label.trackingNumber ?? '';
    const correlation = { ...input.correlation, trackingNumbers: tn ? [tn] : undefined };
    const base = { operation: REPRINT_OPERATION, correlation, idempotencyKey: printKey(input.key, tn) };
    try {
      if (!isRawFormat(input.label.format))
        throw new RawPrintError(`${input.label.format} is not a raw printer format`, 'FORMAT', false);
      const bytes = await this.bytesOf(input.label);
      if (!bytes) throw new RawPrintError('no label bytes (adopted shipment or file removed)', 'NO_LABEL', false);
      const record = await this.sendJob(bytes, input.signal);
      await this.audit({ ...base, status: 'succeeded', msg: { payload: record } });
      return record;
    } catch (err) {
      const e = toPrintError(err);
      await this.audit({ ...base, status: 'failed', error: { code: e.code, message: e.message } });
      throw e;
    }
  }

  private async bytesOf(label: PrintableLabel): Promise<Buffer | undefined> {
    if (label.data) return Buffer.from(label.data, 'base64');
    if (label.ref && this.options.labels) return this.options.labels.read(label.ref);
    return undefined;
  }

  /** Sends one job (retried on connection errors) and describes what the printer took. */
  private async sendJob(bytes: Buffer, signal: AbortSignal | undefined): Promise<PrintRecord> {
    await this.sendWithRetry(bytes, signal);
    return {
      printer: this.printerName,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      at: new Date(this.now()).toISOString(),
    };
  }

  private async sendWithRetry(bytes: Buffer, signal?: AbortSignal): Promise<void> {
    const attempts = Math.max(1, this.options.attempts ?? 5);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.send(this.options.printer, bytes, { ...this.options.job, signal });
        return;
      } catch (err) {
        const e = toPrintError(err);
        if (e.delivered || e.code === 'CANCELED' || attempt + 1 >= attempts) throw e;
        await sleep(backoffDelay(attempt, this.options.backoff ?? DEFAULT_BACKOFF), signal);
      }
    }
  }

  private async audit(entry: Omit<AuditEntryInput, 'system'>): Promise<void> {
    await this.options.record?.({ system: 'fedex', nodeId: this.options.nodeId, ...entry });
  }
}

function toPrintError(err: unknown): RawPrintError {
  if (err instanceof RawPrintError) return err;
  return new RawPrintError(err instanceof Error ? err.message : String(err), 'CANCELED', false);
}
