/**
 * How both backends' trails take an entry (sqlite-trail.ts, pg-trail.ts): normalised by the
 * view's masking and clock, refused once the view is closed, and queued in the task's batch
 * (entry-batch.ts) for the backend's own `commit` of many entries in one transaction.
 */
import { EntryBatch } from './entry-batch';
import { normaliseInput } from './entry-input';
import { closedError, type StoreView } from './store-view';
import type { AuditEntry, AuditEntryInput } from './types';

export interface TrailRecorder {
  record(input: AuditEntryInput): Promise<AuditEntry>;
  normalise(input: AuditEntryInput): AuditEntry;
  /** Commits what record() has queued (before closing). */
  flush(): void | Promise<void>;
}

export function trailRecorder(
  view: Pick<StoreView, 'closed' | 'sanitise' | 'now'>,
  commit: (entries: AuditEntry[]) => void | Promise<void>,
): TrailRecorder {
  const batch = new EntryBatch<AuditEntry>((entries) => {
    if (view.closed) throw closedError();
    return commit(entries);
  });
  const normalise = (input: AuditEntryInput): AuditEntry => normaliseInput(input, view.sanitise, view.now);
  return {
    record: (input) =>
      batch.addFrom(() => {
        if (view.closed) throw closedError();
        return normalise(input);
      }),
    normalise,
    flush: () => batch.flush(),
  };
}
