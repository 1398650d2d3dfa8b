/**
 * fedex-track's work, Node-RED-free: which numbers to track (given, or the audit store's open
 * shipments), Track calls of at most 30 numbers, per-number errors kept per number, and each
 * result applied through the shared tracking rules (tracking.ts). A run that ends while the node
 * is closing sends nothing into the stopping flow: its new statuses, already recorded, are kept
 * in the inbox and emitted at the next start (tracking-inbox.ts, as fedex-webhook's events).
 */
import { ApiError, toErrorInfo, type ErrorInfo } from '../core/errors';
import type { AuditCorrelation, AuditEntryInput, AuditStore } from '../audit/types';
import type { FedexCallOptions } from './client';
import type { HttpResponse } from '../core/http';
import { LIMITS } from './vocabulary';
import { parseTrackOutput, TrackingProcessor, type TrackError, type TrackingUpdate } from './tracking';
import { TrackingInbox, type InboxUpdate } from './tracking-inbox';

export interface TrackClient {
  trackByNumbers(
    numbers: string[],
    call?: FedexCallOptions & { includeDetailedScans?: boolean },
  ): Promise<HttpResponse<unknown>>;
}

export interface TrackedUpdate {
  update: TrackingUpdate;
  changed: boolean;
  correlation?: AuditCorrelation;
}

export interface TrackFailure {
  trackingNumber: string;
  error: TrackError | ErrorInfo;
  correlation?: AuditCorrelation;
}

export interface TrackRun {
  requested: number;
  calls: number;
  updates: TrackedUpdate[];
  failures: TrackFailure[];
  /** Track calls that failed as a whole (their numbers are in failures too). */
  failedCalls: number;
  /** New statuses recorded while the node was closing: kept for the next start, not in updates. */
  deferred: number;
  lastError?: unknown;
}

export interface TrackServiceOptions {
  client: TrackClient;
  store: AuditStore;
  includeDetailedScans?: boolean;
  /** How many open shipments one run tracks when no numbers are given. */
  openLimit?: number;
  record?: (entry: AuditEntryInput) => Promise<unknown>;
  nodeId?: string;
  /** Inbox scope (the node) of the statuses kept for the next start. */
  scope: string;
  /** Emits a status a previous run recorded while its node was closing. */
  emitResumed: (u: InboxUpdate) => void;
  onError?: (err: unknown) => void;
  /** Waits between attempts to emit a kept status the store refused (tests). */
  retry?: { baseDelayMs: number; maxDelayMs: number };
}

function clean(v: unknown): string | undefined {
  // Numbers are not taken: an inject's timestamp payload means "track the open shipments", and
  // a 15+ digit tracking number cannot be a JS number without losing digits anyway.
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

/** Tracking numbers in a msg payload: "n", ["n", …], {trackingNumber}, {trackingNumbers}, [{trackingNumber}, …]. */
export function numbersOf(payload: unknown): string[] {
  const out: string[] = [];
  const add = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) add(x);
      return;
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      add(o.trackingNumbers);
      add(o.trackingNumber);
      return;
    }
    const s = clean(v);
    if (s) out.push(s);
  };
  add(payload);
  return [...new Set(out)];
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class TrackService {
  private readonly processor: TrackingProcessor;
  private readonly inbox: TrackingInbox;

  constructor(private readonly options: TrackServiceOptions) {
    this.processor = new TrackingProcessor(options.store);
    this.inbox = new TrackingInbox({
      store: options.store,
      scope: options.scope,
      stoppingMessage: 'fedex-track is stopping: the status is emitted at the next start',
      emit: options.emitResumed,
      onError: options.onError,
      retry: options.retry,
    });
  }

  /** Emits the statuses an earlier run kept for this start; resolves how many there are. */
  recover(): Promise<number> {
    return this.inbox.recover();
  }

  /** Resolves when the kept statuses queued so far are emitted. */
  idle(): Promise<void> {
    return this.inbox.idle();
  }

  /** From now on a run sends nothing: what it records is kept for the next start. */
  close(): Promise<void> {
    return this.inbox.close();
  }

  async run(given: string[], signal?: AbortSignal): Promise<TrackRun> {
    const { store } = this.options;
    const correlations = new Map<string, AuditCorrelation | undefined>();
    let numbers = given;
    if (numbers.length === 0) {
      const open = await store.listOpenShipments(this.options.openLimit ?? 300);
      numbers = open.map((s) => s.trackingNumber);
      for (const s of open) correlations.set(s.trackingNumber, s.correlation);
    }
    const run: TrackRun = {
      requested: numbers.length,
      calls: 0,
      updates: [],
      failures: [],
      failedCalls: 0,
      deferred: 0,
    };
    const batches = chunk(numbers, LIMITS.trackingNumbersPerRequest);
    // The config's limiter paces the calls; results are applied in request order.
    const answers = await Promise.allSettled(
      batches.map((batch) =>
        this.options.client.trackByNumbers(batch, {
          includeDetailedScans: this.options.includeDetailedScans ?? true,
          signal,
        }),
      ),
    );
    run.calls = batches.length;
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i];
      const answer = answers[i];
      if (answer.status === 'rejected') {
        run.failedCalls += 1;
        run.lastError = answer.reason;
        const info = toErrorInfo(answer.reason, 'fedex');
        for (const tn of batch)
          run.failures.push({ trackingNumber: tn, error: info, correlation: correlations.get(tn) });
        continue;
      }
      const parsed = parseTrackOutput(answer.value.data);
      const seen = new Set<string>();
      for (const p of parsed) {
        seen.add(p.trackingNumber);
        if (p.error || !p.update) {
          run.failures.push({
            trackingNumber: p.trackingNumber,
            error: p.error ?? { code: 'TRACKING.NO_RESULT', message: 'FedEx returned no status' },
            correlation: correlations.get(p.trackingNumber),
          });
          continue;
        }
        const applied = await this.processor.apply(p.update);
        run.updates.push({
          update: applied.update,
          changed: applied.changed,
          correlation: applied.correlation ?? correlations.get(p.trackingNumber),
        });
      }
      for (const tn of batch) {
        if (!seen.has(tn)) {
          run.failures.push({
            trackingNumber: tn,
            error: { code: 'TRACKING.NO_RESULT', message: 'FedEx returned no result for this number' },
            correlation: correlations.get(tn),
          });
        }
      }
    }
    for (const f of run.failures) await this.processor.touch(f.trackingNumber);
    await this.audit(run);
    // Node-RED drops msgs sent into a stopping flow, and the store already holds these statuses
    // (the next run sees no change): keep them for the next start. Nothing is awaited between
    // this check and the caller's send but this store write.
    if (this.inbox.closing) {
      const changed = run.updates.filter((u) => u.changed).map((u) => u.update);
      if (changed.length) await this.inbox.add(changed);
      run.deferred = changed.length;
      run.updates = [];
    }
    return run;
  }

  private async audit(run: TrackRun): Promise<void> {
    const record = this.options.record;
    if (!record) return;
    const entries: Array<Promise<unknown>> = [];
    for (const u of run.updates) {
      if (!u.changed) continue;
      entries.push(
        record({
          system: 'fedex',
          operation: 'track',
          status: 'succeeded',
          correlation: { ...u.correlation, trackingNumbers: [u.update.trackingNumber] },
          msg: { payload: u.update },
          nodeId: this.options.nodeId,
        }),
      );
    }
    for (const f of run.failures) {
      entries.push(
        record({
          system: 'fedex',
          operation: 'track',
          status: 'failed',
          correlation: { ...f.correlation, trackingNumbers: [f.trackingNumber] },
          error: { code: f.error.code, message: f.error.message },
          msg: { payload: f.trackingNumber },
          nodeId: this.options.nodeId,
        }),
      );
    }
    await Promise.all(entries);
  }
}

export function isWholeRunFailure(run: TrackRun): boolean {
  return run.calls > 0 && run.failedCalls === run.calls;
}

export function runError(run: TrackRun): ApiError | Error {
  const e = run.lastError;
  return e instanceof Error ? e : new Error(String(e));
}
