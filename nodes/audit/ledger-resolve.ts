/**
 * An operator's way out of a ledger entry that no node can settle alone.
 *
 * An `unknown` outcome (a create or a label whose answer was lost) blocks its key on purpose: the
 * plugin cannot know whether X3 or FedEx did the work, and guessing either way risks a duplicate
 * or a lost order. Someone who looked in the target system settles it here:
 *   - `failed`: the work was not done; the next msg or replay claims the key again and does it;
 *   - `succeeded` (with `result`): it was done; later msgs and replays get `result` back;
 *   - `voided`: never do it, and never answer it again (e.g. a shipment cancelled by hand).
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
  failed: ['unknown'],
  succeeded: ['unknown'],
  voided: ['unknown', 'succeeded'],
};

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

export async function resolveLedgerEntry(store: AuditStore, req: LedgerResolveRequest): Promise<LedgerResolveOutcome> {
  const before = await store.get(req.key);
  if (!before) throw new LedgerResolveError(`no ledger entry ${req.key}`, 404);
  if (!RESOLVABLE_FROM[req.state].includes(before.state)) {
    throw new LedgerResolveError(
      `ledger entry ${req.key} is ${before.state}: only ${RESOLVABLE_FROM[req.state].join(' or ')} entries can be resolved as ${req.state}`,
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
    error: { code: 'LEDGER_RESOLVED', message: `${before.state} -> ${after.state}: ${req.reason}` },
  });
  return { before, after, auditEntry };
}
