/**
 * Keyset paging over the store, shared by the GraphQL and REST faces. Sorted views and filter
 * counts are cached per store version so that paging through 100,000 records costs one sort,
 * not one sort per page.
 */
import type { EntityName } from './entities';
import type { StoredRecord, X3Store } from './store';
import type { RecordValues } from './values';

export type SortValue = string | number | null;

export interface SortKey {
  /** Stable identity of the key, for cache keys. */
  id: string;
  dir: 1 | -1;
  get(v: RecordValues): SortValue;
}

export type RecordPredicate = (v: RecordValues) => boolean;

export interface PageRequest {
  entity: EntityName;
  sort: SortKey[];
  predicate: RecordPredicate | null;
  /** Identity of the predicate (e.g. the filter text) for the count cache. */
  filterId: string;
  after?: SortValue[];
  limit: number;
  needTotal: boolean;
}

export interface PageRow {
  record: StoredRecord;
  sortValues: SortValue[];
}

export interface PageResult {
  rows: PageRow[];
  hasNext: boolean;
  hasPrevious: boolean;
  total?: number;
}

interface SortedEntry {
  rec: StoredRecord;
  vals: SortValue[];
}

export function compareValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : 1;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function compareTuples(a: readonly SortValue[], b: readonly SortValue[], sort: readonly SortKey[]): number {
  for (let i = 0; i < sort.length; i++) {
    const c = compareValues(a[i] ?? null, b[i] ?? null);
    if (c !== 0) return c * sort[i].dir;
  }
  return 0;
}

const MAX_CACHE = 64;

export class QueryEngine {
  private readonly sortedCache = new Map<string, { version: number; entries: SortedEntry[] }>();
  private readonly countCache = new Map<string, { version: number; count: number }>();

  constructor(private readonly store: X3Store) {}

  private sorted(entity: EntityName, sort: SortKey[]): SortedEntry[] {
    const version = this.store.version(entity);
    const cacheKey = `${entity}|${sort.map((s) => `${s.id}:${s.dir}`).join(',')}`;
    const hit = this.sortedCache.get(cacheKey);
    if (hit && hit.version === version) return hit.entries;
    const entries: SortedEntry[] = this.store
      .list(entity)
      .map((rec) => ({ rec, vals: sort.map((s) => s.get(rec.values)) }));
    entries.sort((x, y) => compareTuples(x.vals, y.vals, sort));
    if (this.sortedCache.size >= MAX_CACHE) this.sortedCache.clear();
    this.sortedCache.set(cacheKey, { version, entries });
    return entries;
  }

  /** Number of records matching the predicate (cached per store version). */
  count(entity: EntityName, predicate: RecordPredicate | null, filterId: string): number {
    if (!predicate) return this.store.count(entity);
    const version = this.store.version(entity);
    const cacheKey = `${entity}|${filterId}`;
    const hit = this.countCache.get(cacheKey);
    if (hit && hit.version === version) return hit.count;
    let count = 0;
    for (const r of this.store.list(entity)) if (predicate(r.values)) count++;
    if (this.countCache.size >= MAX_CACHE) this.countCache.clear();
    this.countCache.set(cacheKey, { version, count });
    return count;
  }

  page(req: PageRequest): PageResult {
    const entries = this.sorted(req.entity, req.sort);
    let start = 0;
    if (req.after) {
      // first entry strictly after the cursor tuple
      let lo = 0;
      let hi = entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareTuples(entries[mid].vals, req.after, req.sort) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const rows: PageRow[] = [];
    let hasNext = false;
    let i = start;
    for (; i < entries.length; i++) {
      const e = entries[i];
      if (req.predicate && !req.predicate(e.rec.values)) continue;
      if (rows.length === req.limit) {
        hasNext = true;
        break;
      }
      rows.push({ record: e.rec, sortValues: e.vals });
    }
    let hasPrevious = false;
    if (req.after) {
      for (let j = start - 1; j >= 0; j--) {
        if (!req.predicate || req.predicate(entries[j].rec.values)) {
          hasPrevious = true;
          break;
        }
      }
    }
    const result: PageResult = { rows, hasNext, hasPrevious };
    if (req.needTotal) result.total = this.count(req.entity, req.predicate, req.filterId);
    return result;
  }
}
