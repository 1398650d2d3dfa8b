/**
 * One X3 document, tracking number or ShipStation order across everything that happened to it
 * (Node-RED-free): its trail entries, the entries of the tracking numbers those carry (tracking
 * events reach the trail under the tracking number), and the ledger entries they belong to.
 * Stored msgs come as the store keeps them: secrets never reach it, masked fields stay masked.
 */
import type { AuditEntry, AuditQuery, AuditStore, LedgerEntry } from '../audit/types';
import type { SearchKind } from './activity';

export interface Timeline {
  entries: AuditEntry[];
  ledger: LedgerEntry[];
  trackingNumbers: string[];
  /** true when a list was cut at `limit` */
  truncated: boolean;
}

const DEFAULT_LIMIT = 500;

export async function documentTimeline(
  store: AuditStore,
  key: { kind: SearchKind; value: string },
  limit = DEFAULT_LIMIT,
): Promise<Timeline> {
  const byId = new Map<string, AuditEntry>();
  let truncated = false;
  const take = async (q: AuditQuery): Promise<AuditEntry[]> => {
    const page = await store.query({ ...q, order: 'asc', limit });
    if (page.total > page.entries.length) truncated = true;
    for (const e of page.entries) byId.set(e.id, e);
    return page.entries;
  };
  const first = await take({ [key.kind]: key.value });
  const tracking = new Set<string>(key.kind === 'trackingNumber' ? [key.value] : []);
  for (const e of first) for (const tn of e.correlation?.trackingNumbers ?? []) tracking.add(tn);
  for (const tn of tracking)
    if (!(key.kind === 'trackingNumber' && tn === key.value)) await take({ trackingNumber: tn });

  const entries = [...byId.values()].sort((a, b) =>
    a.time === b.time ? a.id.localeCompare(b.id) : a.time < b.time ? -1 : 1,
  );
  const keys = [...new Set(entries.flatMap((e) => (e.idempotencyKey ? [e.idempotencyKey] : [])))];
  const ledger = (await Promise.all(keys.map((k) => store.get(k)))).filter((l): l is LedgerEntry => !!l);
  return { entries, ledger, trackingNumbers: [...tracking], truncated };
}
