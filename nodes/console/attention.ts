/**
 * What needs an operator, read from one audit store (Node-RED-free): failed entries a replay can
 * retry, unknown outcomes waiting for one of the three decisions (with the trail gathered so far
 * as evidence), claims that are stale, and refused webhooks. Counts are exact (index counts);
 * the lists are the oldest-first pages an operator works through.
 */
import { staleClaimReason, type LedgerResolveOptions } from '../audit/ledger-resolve';
import type { AuditEntry, AuditStore, LedgerEntry } from '../audit/types';

/** The operation refused webhooks are recorded under (fedex-webhook, shipstation-in). */
export const SECURITY_OPERATION = 'security';

export interface AttentionCounts {
  /** failed entries, refused webhooks not included (those are not replayable work) */
  failed: number;
  unknown: number;
  staleClaims: number;
  refused: number;
  /** what the tab's badge shows: everything an operator must act on */
  total: number;
}

export interface UnknownOutcome {
  ledger: LedgerEntry;
  /** the trail of this ledger key so far, oldest first */
  evidence: AuditEntry[];
}

export interface StaleClaim {
  ledger: LedgerEntry;
  reason: string;
}

export interface Attention {
  counts: AttentionCounts;
  failed: AuditEntry[];
  unknown: UnknownOutcome[];
  staleClaims: StaleClaim[];
  refused: AuditEntry[];
  /** false when the store's backend cannot list ledger entries (unknown and stale then read 0) */
  ledgerListing: boolean;
}

export interface AttentionOptions extends LedgerResolveOptions {
  /** entries per list (default 50) */
  limit?: number;
  /** only the counts (the live badge) */
  countsOnly?: boolean;
}

/** Claims listed to find the stale ones: more claimed at once than this is no normal runtime. */
const MAX_CLAIMS_SCANNED = 1000;

export async function needsAttention(store: AuditStore, options: AttentionOptions = {}): Promise<Attention> {
  const limit = options.countsOnly ? 0 : Math.max(0, Math.min(500, options.limit ?? 50));
  const [failedPage, refusedPage] = await Promise.all([
    // refused webhooks are failed entries too: fetch a few more so the list still fills up
    store.query({ status: 'failed', limit: limit ? limit + 50 : 0, order: 'asc' }),
    store.query({ status: 'failed', operation: SECURITY_OPERATION, limit, order: 'desc' }),
  ]);
  const failed = failedPage.entries.filter((e) => e.operation !== SECURITY_OPERATION).slice(0, limit);

  let unknown: UnknownOutcome[] = [];
  let unknownTotal = 0;
  let staleClaims: StaleClaim[] = [];
  const listing = typeof store.listLedger === 'function';
  if (store.listLedger) {
    const unknownPage = await store.listLedger({ states: ['unknown'], limit, order: 'updated' });
    unknownTotal = unknownPage.total;
    unknown = await Promise.all(
      unknownPage.entries.map(async (ledger) => ({
        ledger,
        evidence: (await store.query({ idempotencyKey: ledger.key, order: 'asc', limit: 20 })).entries,
      })),
    );
    const claims = await store.listLedger({ states: ['claimed'], limit: MAX_CLAIMS_SCANNED, order: 'updated' });
    staleClaims = claims.entries.flatMap((ledger) => {
      const reason = staleClaimReason(ledger, options);
      return reason ? [{ ledger, reason }] : [];
    });
  }
  const counts: AttentionCounts = {
    failed: failedPage.total - refusedPage.total,
    unknown: unknownTotal,
    staleClaims: staleClaims.length,
    refused: refusedPage.total,
    total: 0,
  };
  counts.total = counts.failed + counts.unknown + counts.staleClaims + counts.refused;
  return {
    counts,
    failed,
    unknown,
    staleClaims: limit ? staleClaims.slice(0, limit) : [],
    refused: refusedPage.entries,
    ledgerListing: listing,
  };
}
