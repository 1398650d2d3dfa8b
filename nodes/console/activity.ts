/**
 * The Activity view's query (Node-RED-free): the trail filters of an admin request plus one
 * search box that finds an X3 document key, a tracking number or a ShipStation order number.
 * Each kind of key is an indexed column, so a search is an index seek however large the store.
 */
import { parseAuditQuery } from '../audit/query-parse';
import type { AuditPage, AuditQuery, AuditStore } from '../audit/types';

export const SEARCH_KINDS = ['x3Key', 'trackingNumber', 'shipstationOrderNumber'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export interface ActivityPage extends AuditPage {
  /** which key the search text matched (the first kind with entries), when a search was given */
  matchedBy?: SearchKind;
}

/** Parses the request (a query string object); throws naming a bad field. */
export function parseActivityRequest(raw: Record<string, unknown>): {
  query: AuditQuery;
  search?: string;
  searchBy?: SearchKind;
} {
  const { search, searchBy, ...filters } = raw;
  const query = parseAuditQuery(filters);
  const text = typeof search === 'string' ? search.trim() : undefined;
  if (search !== undefined && typeof search !== 'string') throw new Error('activity: "search" must be a string');
  if (searchBy !== undefined && searchBy !== '' && !SEARCH_KINDS.includes(searchBy as SearchKind))
    throw new Error(`activity: "searchBy" must be one of ${SEARCH_KINDS.join(', ')}`);
  return {
    query,
    search: text || undefined,
    searchBy: searchBy ? (searchBy as SearchKind) : undefined,
  };
}

export async function activity(
  store: AuditStore,
  request: { query: AuditQuery; search?: string; searchBy?: SearchKind },
): Promise<ActivityPage> {
  const query: AuditQuery = { limit: 50, ...request.query };
  if (!request.search) return store.query(query);
  const kinds = request.searchBy ? [request.searchBy] : SEARCH_KINDS;
  for (const kind of kinds) {
    const page = await store.query({ ...query, [kind]: request.search });
    if (page.total > 0 || kind === kinds[kinds.length - 1]) return { ...page, matchedBy: kind };
  }
  return { entries: [], total: 0 };
}
