/**
 * The exactly-once pattern over the ledger, for connector nodes whose call costs money or creates
 * a real document (x3-update create and upsert, shipstation-update mark-as-shipped; fedex-ship
 * claims the ledger itself, because an unknown outcome there is reconciled with FedEx Track):
 *
 *   claim(key) -> call -> complete(key, result)      success
 *                      -> fail(key, error)            the call certainly did not happen
 *                      -> markUnknown(key, error)     the request may have been executed
 *
 * A key that already succeeded returns the stored result without calling again. A key whose
 * outcome is unknown, or that another attempt holds, is reported and never retried blindly.
 */
import { holdOf, isLedgerNotHeld } from './ledger-hold';
import type { AuditErrorInfo, AuditStore, ClaimMeta, LedgerEntry } from './types';

export type ExactlyOnceOutcome<T> =
  /** this call ran fn and its result is stored */
  | { outcome: 'executed'; result: T; entry: LedgerEntry }
  /** an earlier call succeeded: its stored result, fn not called */
  | { outcome: 'stored'; result: unknown; entry: LedgerEntry }
  /** another attempt holds the key (running now, or interrupted by a crash: entry.owner says which) */
  | { outcome: 'in-progress'; entry: LedgerEntry }
  /** an earlier attempt's outcome is unknown: reconcile with the remote system before retrying */
  | { outcome: 'unknown'; entry: LedgerEntry }
  /** the earlier result was voided (e.g. a cancelled label) */
  | { outcome: 'voided'; entry: LedgerEntry };

export interface ExactlyOnceOptions {
  store: AuditStore;
  key: string;
  meta: ClaimMeta;
  /**
   * true when fn's error means the request may have reached the remote system (a timeout after
   * sending, a dropped connection). Default: the error has `outcomeUnknown: true`.
   */
  isOutcomeUnknown?: (err: unknown) => boolean;
}

/** Error info for the ledger from any thrown value (code, message, HTTP status when present). */
export function errorInfo(err: unknown): AuditErrorInfo {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; status?: unknown };
  const info: AuditErrorInfo = {
    code: typeof e.code === 'string' && e.code ? e.code : 'ERROR',
    message: typeof e.message === 'string' ? e.message : String(err),
  };
  if (typeof e.status === 'number') info.status = e.status;
  return info;
}

function defaultIsOutcomeUnknown(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { ambiguous?: unknown; outcomeUnknown?: unknown };
  return e.ambiguous === true || e.outcomeUnknown === true;
}

/**
 * Runs fn at most once per key across retries, replays, re-polls, restarts and (with a shared
 * store) several processes. fn's error is rethrown after the ledger records it.
 */
export async function runExactlyOnce<T>(
  options: ExactlyOnceOptions,
  fn: () => Promise<T>,
): Promise<ExactlyOnceOutcome<T>> {
  const { store, key, meta } = options;
  const claim = await store.claim(key, meta);
  if (!claim.claimed) {
    const entry = claim.entry;
    switch (entry.state) {
      case 'succeeded':
        return { outcome: 'stored', result: entry.result, entry };
      case 'unknown':
        return { outcome: 'unknown', entry };
      case 'voided':
        return { outcome: 'voided', entry };
      default:
        return { outcome: 'in-progress', entry };
    }
  }
  const hold = holdOf(claim.entry);
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    const unknown = (options.isOutcomeUnknown ?? defaultIsOutcomeUnknown)(err);
    try {
      if (unknown) await store.markUnknown(key, errorInfo(err), hold);
      else await store.fail(key, errorInfo(err), hold);
    } catch (ledgerErr) {
      // taken over meanwhile: the attempt holding the key now records its own outcome; fn's
      // error is still what the caller must see
      if (!isLedgerNotHeld(ledgerErr)) throw ledgerErr;
    }
    throw err;
  }
  // if this write fails the key stays 'claimed': a retry sees it held and never calls fn again.
  // Refused (LEDGER_NOT_HELD): fn did its work but another attempt took the key over; the
  // LedgerStateError names it, and the result is not reported as this key's outcome.
  await store.complete(key, result, hold);
  const entry = (await store.get(key)) ?? claim.entry;
  return { outcome: 'executed', result, entry };
}
