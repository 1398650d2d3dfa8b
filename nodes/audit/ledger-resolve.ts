/**
 * An operator's way out of a ledger entry that no node can settle alone.
 *
 * An `unknown` outcome (a create or a label whose answer was lost) blocks its key on purpose: the
 * plugin cannot know whether X3 or FedEx did the work, and guessing either way risks a duplicate
 * or a lost order. Someone who looked in the target system settles it here:
 *   - `failed`: the work was not done; the next msg or replay claims the key again and does it;
 *   - `succeeded` (with `result`): it was done; later msgs and replays get `result` back;
 *   - `voided`: never do it, and never answer it again (e.g. a shipment cancelled by hand).
 * A stale `claimed` entry is settled the same way. A claim no node can take over (its key is a
 * content hash, so nothing can be looked up in the target system) would otherwise block its key
 * for ever. A claim is stale when
 *   - its owner is not a live owner of this runtime (the store is not shared and the owner is not
 *     this process: it was claimed by an earlier process, which is gone), or
 *   - it was claimed at least `staleClaimMs` ago (longer than any attempt runs, retries included).
 * A younger claim of a live owner is an attempt still running: refused (409). The write is a
 * compare-and-set on the owner and attempt read, so an attempt that finishes meanwhile wins and
 * the operator gets a 409; an attempt that finishes later is refused by the ledger (LEDGER_NOT_HELD).
 * Each resolution is recorded in the audit trail with the reason, the old state and the new one.
 */
import { holdOf } from './ledger-hold';
import type { AuditEntry, AuditStore, LedgerEntry, LedgerState } from './types';

export type LedgerResolution = 'failed' | 'succeeded' | 'voided';

export interface LedgerResolveRequest {
  key: string;
  state: LedgerResolution;
  /** With `succeeded`: what a later msg or replay of this key gets back. */
  result?: unknown;
  /** Why (who looked where): kept in the audit trail. */
  reason: string;
}

/** Which states an operator may settle into which: only what no node resolves on its own. */
const RESOLVABLE_FROM: Record<LedgerResolution, readonly LedgerState[]> = {
  failed: ['unknown', 'claimed'],
  succeeded: ['unknown', 'claimed'],
  voided: ['unknown', 'succeeded', 'claimed'],
};

/** Default age after which any claim counts as stale (audit-config staleClaimMinutes). */
export const DEFAULT_STALE_CLAIM_MS = 15 * 60_000;

export interface LedgerResolveOptions {
  /** A claim at least this old is stale whoever holds it (default DEFAULT_STALE_CLAIM_MS). */
  staleClaimMs?: number;
  /**
   * Owners known to be alive; a claim of any other owner is stale at once. Give it only when the
   * store is not shared with other instances (the embedded SQLite file: [this process's id]).
   */
  liveOwners?: readonly string[];
  now?: () => number;
}

/** Why a claim counts as stale, or undefined while it may still be running. */
export function staleClaimReason(entry: LedgerEntry, options: LedgerResolveOptions = {}): string | undefined {
  if (entry.state !== 'claimed') return undefined;
  if (options.liveOwners && !options.liveOwners.includes(entry.owner))
    return `owner ${entry.owner} is not a live process of this runtime`;
  const staleMs = options.staleClaimMs ?? DEFAULT_STALE_CLAIM_MS;
  const age = (options.now ?? Date.now)() - Date.parse(entry.claimedAt);
  if (age >= staleMs)
    return `claimed ${Math.floor(age / 60_000)} min ago (stale after ${Math.ceil(staleMs / 60_000)} min)`;
  return undefined;
}

export class LedgerResolveError extends Error {
  constructor(
    message: string,
    /** HTTP status for the admin endpoint: 400 bad request, 404 no entry, 409 wrong state. */
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
    this.name = 'LedgerResolveError';
  }
}

/** Validates an HTTP body; throws a 400 naming the bad field. */
export function parseLedgerResolve(input: unknown): LedgerResolveRequest {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new LedgerResolveError('ledger resolve: the body must be an object {key, state, reason, result?}', 400);
  const raw = input as Record<string, unknown>;
  if (typeof raw.key !== 'string' || !raw.key) throw new LedgerResolveError('ledger resolve: "key" is required', 400);
  if (raw.state !== 'failed' && raw.state !== 'succeeded' && raw.state !== 'voided')
    throw new LedgerResolveError('ledger resolve: "state" must be failed, succeeded or voided', 400);
  if (typeof raw.reason !== 'string' || !raw.reason.trim())
    throw new LedgerResolveError('ledger resolve: "reason" is required (what was checked, by whom)', 400);
  if (raw.state === 'succeeded' && (raw.result === undefined || raw.result === null))
    throw new LedgerResolveError('ledger resolve: "result" is required with state succeeded', 400);
  if (raw.state === 'failed' && raw.result !== undefined)
    throw new LedgerResolveError('ledger resolve: "result" is only taken with state succeeded or voided', 400);
  return {
    key: raw.key,
    state: raw.state,
    result: raw.result,
    reason: raw.reason.trim().slice(0, 500),
  };
}

export interface LedgerResolveOutcome {
  before: LedgerEntry;
  after: LedgerEntry;
  auditEntry: AuditEntry;
}

export async function resolveLedgerEntry(
  store: AuditStore,
  req: LedgerResolveRequest,
  options: LedgerResolveOptions = {},
): Promise<LedgerResolveOutcome> {
  const before = await store.get(req.key);
  if (!before) throw new LedgerResolveError(`no ledger entry ${req.key}`, 404);
  if (!RESOLVABLE_FROM[req.state].includes(before.state)) {
    throw new LedgerResolveError(
      `ledger entry ${req.key} is ${before.state}: only ${RESOLVABLE_FROM[req.state].join(' or ')} entries can be resolved as ${req.state}`,
      409,
    );
  }
  const stale = staleClaimReason(before, options);
  if (before.state === 'claimed' && !stale) {
    throw new LedgerResolveError(
      `ledger entry ${req.key} is claimed by ${before.owner} since ${before.claimedAt}: an attempt may still be running; a claim can be resolved once it is stale`,
      409,
    );
  }
  const error = { code: 'LEDGER_RESOLVED', message: `resolved by an operator: ${req.reason}` };
  // compare-and-set on what the operator was shown: a change meanwhile turns into a 409
  const hold = holdOf(before);
  try {
    if (req.state === 'failed') await store.fail(req.key, error, hold);
    else if (req.state === 'succeeded') await store.complete(req.key, req.result, hold);
    else await store.markVoided(req.key, req.result, hold);
  } catch (err) {
    // another writer moved the entry between our read and our write
    if (err instanceof Error && err.name === 'LedgerStateError') throw new LedgerResolveError(err.message, 409);
    throw err;
  }
  const after = (await store.get(req.key)) ?? before;
  const auditEntry = await store.record({
    system: before.system,
    operation: 'ledger.resolve',
    status: req.state === 'voided' ? 'voided' : 'skipped',
    correlation: before.correlation,
    idempotencyKey: req.key,
    error: {
      code: 'LEDGER_RESOLVED',
      message: `${before.state}${stale ? ` (stale: ${stale})` : ''} -> ${after.state}: ${req.reason}`,
    },
  });
  return { before, after, auditEntry };
}
