/**
 * Who may settle a ledger entry. A claim (or a takeover) hands its caller a hold: the owner and
 * the attempt number it made. complete/fail/markUnknown are compare-and-set on that hold, so an
 * attempt that was taken over (a slow create a stale-claim reconciler gave up on) can never
 * overwrite the outcome of the attempt that now holds the key. Backend-neutral: every store
 * throws LedgerStateError with these codes, checks its arguments with the functions here and
 * allows the transitions of LEDGER_TRANSITIONS.
 */
import { requireSystem } from './entry-input';
import type { AuditErrorInfo, AuditStore, ClaimMeta, LedgerEntry, LedgerHold, LedgerState } from './types';

/** The ledger half of the store contract (sql-ledger.ts, both backends). */
export type LedgerMethods = Pick<
  AuditStore,
  | 'claim'
  | 'takeOver'
  | 'complete'
  | 'fail'
  | 'markUnknown'
  | 'markVoided'
  | 'get'
  | 'rewriteLedgerResults'
  | 'listLedger'
>;

/** States each ledger transition may start from. */
export const LEDGER_TRANSITIONS: Record<'succeeded' | 'failed' | 'unknown' | 'voided', readonly LedgerState[]> = {
  // a late success (after a failure or an unknown outcome) is a fact and must win
  succeeded: ['claimed', 'unknown', 'failed'],
  // an unknown outcome proven not to exist becomes a plain failure (and may be claimed again)
  failed: ['claimed', 'unknown'],
  unknown: ['claimed', 'unknown'],
  voided: ['succeeded', 'unknown', 'voided'],
};

export function requireKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new Error('ledger key must be a non-empty string');
}

export function requireHold(hold: LedgerHold | undefined, to: LedgerState): asserts hold is LedgerHold {
  if (!hold || typeof hold.owner !== 'string' || !hold.owner || !Number.isInteger(hold.attempt)) {
    throw new Error(`marking a ledger key ${to} needs the caller's hold {owner, attempt} (from its claim or takeover)`);
  }
}

export function requireClaimMeta(meta: ClaimMeta): void {
  if (!meta || !meta.owner) throw new Error('claim needs meta.owner');
  requireSystem(meta.system);
  if (!meta.operation) throw new Error('claim needs meta.operation');
}

/** The hold the current holder of `entry` has (after a claim or a takeover that returned it). */
export function holdOf(entry: Pick<LedgerEntry, 'owner' | 'attempts'>): LedgerHold {
  return { owner: entry.owner, attempt: entry.attempts };
}

export type LedgerStateErrorCode = 'LEDGER_NOT_FOUND' | 'LEDGER_TRANSITION' | 'LEDGER_NOT_HELD';

/**
 * A ledger call that does not fit the key's current state: a caller bug (LEDGER_NOT_FOUND,
 * LEDGER_TRANSITION), or a stale attempt whose hold was taken over (LEDGER_NOT_HELD). Never retried.
 */
export class LedgerStateError extends Error {
  readonly code: LedgerStateErrorCode;
  constructor(
    readonly key: string,
    readonly from: LedgerState | undefined,
    readonly to: LedgerState,
    /** set when the entry is held by another attempt than the caller's */
    readonly heldBy?: LedgerHold,
  ) {
    super(
      from === undefined
        ? `ledger key "${key}" was never claimed, cannot mark it ${to}`
        : heldBy
          ? `ledger key "${key}" was taken over (now ${from}, owner ${heldBy.owner}, attempt ${heldBy.attempt}): this attempt no longer holds it and cannot mark it ${to} (LEDGER_NOT_HELD)`
          : `ledger key "${key}" is ${from}, cannot mark it ${to}`,
    );
    this.name = 'LedgerStateError';
    this.code = from === undefined ? 'LEDGER_NOT_FOUND' : heldBy ? 'LEDGER_NOT_HELD' : 'LEDGER_TRANSITION';
  }
}

/** true for the refusal a stale attempt gets: another attempt holds the key now. */
export function isLedgerNotHeld(err: unknown): err is LedgerStateError {
  return err instanceof Error && (err as { code?: unknown }).code === 'LEDGER_NOT_HELD';
}

/** One backend's compare-and-set of a ledger key to a settled state (checks included). */
export type LedgerTransition = (
  key: string,
  to: keyof typeof LEDGER_TRANSITIONS,
  result: unknown,
  error: AuditErrorInfo | undefined,
  hold: LedgerHold | undefined,
) => Promise<void>;

/** complete / fail / markUnknown / markVoided of the store contract, on a backend's transition. */
export function settleMethods(
  transition: LedgerTransition,
): Pick<AuditStore, 'complete' | 'fail' | 'markUnknown' | 'markVoided'> {
  return {
    complete: (key, result, hold) => transition(key, 'succeeded', result ?? null, undefined, hold),
    fail: (key, error, hold) => transition(key, 'failed', undefined, error, hold),
    markUnknown: (key, error, hold) => transition(key, 'unknown', undefined, error, hold),
    markVoided: (key, result, hold) => transition(key, 'voided', result, undefined, hold),
  };
}
