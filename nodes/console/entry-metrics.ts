/**
 * Counts what the audit trail records into the process counters (core/metrics.ts): every
 * entry by system/operation/status, failures by code, labels created, webhook deliveries
 * accepted and refused. Counted by wrapping the audit-config's store, where every entry of
 * every node passes (record and the webhook inbox's settle), once it was committed.
 */
import { incCounter } from '../core/metrics';
import type { AuditEntryInput, AuditStore } from '../audit/types';
import { SECURITY_OPERATION } from './attention';

/** fedex-ship's operation (fedex/ship-service.ts SHIP_OPERATION), kept literal: no FedEx import here. */
const LABEL_OPERATION = 'ship.create';

export function countEntry(entry: AuditEntryInput): void {
  incCounter('audit_entries_total', { system: entry.system, operation: entry.operation, status: entry.status });
  if (entry.status === 'failed' && entry.operation !== SECURITY_OPERATION)
    incCounter('failures_total', { system: entry.system, code: entry.error?.code ?? 'UNKNOWN' });
  if (entry.system === 'fedex' && entry.operation === LABEL_OPERATION && entry.status === 'succeeded')
    incCounter('labels_created_total');
  if (entry.status === 'replayed') incCounter('replays_total');
  if (entry.operation === SECURITY_OPERATION)
    incCounter('webhook_events_total', { system: entry.system, result: 'refused' });
  else if (entry.operation === 'webhook' || entry.operation.endsWith('.receive'))
    incCounter('webhook_events_total', { system: entry.system, result: 'accepted' });
}

/**
 * The same store, counting the entries it commits (and telling `onRecorded`). Its three writing
 * methods are wrapped in place, not behind a Proxy: callers (and tests) keep the store object
 * itself, and everything else is untouched.
 */
export function countingStore<S extends AuditStore>(store: S, onRecorded?: () => void): S {
  const counted = (entry: AuditEntryInput): void => {
    countEntry(entry);
    onRecorded?.();
  };
  const record = store.record.bind(store);
  store.record = async (entry) => {
    const out = await record(entry);
    counted(entry);
    return out;
  };
  const batched = store as S & { recordBatch?: (entries: AuditEntryInput[]) => Promise<unknown> };
  if (typeof batched.recordBatch === 'function') {
    const recordBatch = batched.recordBatch.bind(store);
    batched.recordBatch = async (entries) => {
      const out = await recordBatch(entries);
      entries.forEach(counted);
      return out;
    };
  }
  const inboxSettle = store.inboxSettle.bind(store);
  store.inboxSettle = async (...args) => {
    await inboxSettle(...args);
    if (args[3]) counted(args[3]);
  };
  return store;
}
