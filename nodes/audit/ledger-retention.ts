/**
 * Retention of the ledger and the label files, run with the daily purge of the trail.
 *
 * Exactly-once needs a finished key and its outcome only as long as the same document can come
 * back (a re-poll, a replay, a redeploy): the ledger keeps every `succeeded`/`voided` entry, with
 * its compact outcome (tracking numbers, label references, X3 key; no label bytes), for
 * `ledgerRetentionDays` (default 730; 0 keeps them for ever). A `failed` entry may be claimed
 * again anyway, so it goes with the trail after `retentionDays`. `claimed` and `unknown` entries
 * wait for a node or an operator and are never purged, nor is a `voided` entry while a later
 * generation of its key (a reship) is kept (ledger-generations.ts). Label files have their own
 * retention; a duplicate of a document whose file is gone gets its references without the bytes.
 * Ledger rows written before the label store keep their label bytes inline: each run moves
 * them to files (the one-time migration of an existing database, repeated until none is left).
 */
import { moveInlineLabels } from './label-files';
import type { LabelStore, LabelStoreUsage } from './label-store';
import { DAY_MS } from './retention';
import type { AuditStore } from './types';

export const DEFAULT_LEDGER_RETENTION_DAYS = 730;
export const DEFAULT_LABEL_RETENTION_DAYS = 90;

export interface LedgerRetentionOptions {
  store: Pick<AuditStore, 'purgeLedger' | 'rewriteLedgerResults'>;
  labels?: LabelStore;
  /** the trail's retention: failed ledger entries go with it (0 keeps them) */
  retentionDays: number;
  /** succeeded/voided entries (0 keeps them for ever) */
  ledgerRetentionDays: number;
  /** label files (0 keeps them for ever) */
  labelRetentionDays: number;
}

export interface LedgerRetentionOutcome {
  labelsMoved: number;
  ledgerPurged: number;
  labelFilesPurged: LabelStoreUsage;
}

const cutoff = (days: number, nowMs: number): string | undefined =>
  Number.isFinite(days) && days > 0 ? new Date(nowMs - days * DAY_MS).toISOString() : undefined;

export async function runLedgerRetention(
  options: LedgerRetentionOptions,
  nowMs: number,
): Promise<LedgerRetentionOutcome> {
  const { store, labels } = options;
  const labelsMoved = labels
    ? await store.rewriteLedgerResults(
        (entry) =>
          moveInlineLabels(labels, entry.result, {
            folder: entry.correlation?.x3Folder,
            entity: entry.correlation?.x3Entity,
            key: entry.correlation?.x3Key ?? entry.key,
          }),
        { contains: '"data":"' },
      )
    : 0;
  const failedBefore = cutoff(options.retentionDays, nowMs);
  const finishedBefore = cutoff(options.ledgerRetentionDays, nowMs);
  const ledgerPurged = failedBefore || finishedBefore ? await store.purgeLedger({ failedBefore, finishedBefore }) : 0;
  const labelCutoff = cutoff(options.labelRetentionDays, nowMs);
  const labelFilesPurged =
    labels && labelCutoff ? await labels.purgeOlderThan(Date.parse(labelCutoff)) : { files: 0, bytes: 0 };
  return { labelsMoved, ledgerPurged, labelFilesPurged };
}
