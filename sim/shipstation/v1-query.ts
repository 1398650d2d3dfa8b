// V1 list queries: date filters in Pacific time, sorting, `{<key>, total, page, pages}` paging.
import type { Request } from 'express';
import { queryValue } from './context';
import { instantToWall, parseV1DateParam, wallToInstant, type Instant, type WallTime } from './time';

export const V1_MAX_PAGE_SIZE = 500;
export const V1_DEFAULT_PAGE_SIZE = 100;

export class QueryError extends Error {}

export type DateFilterMode = 'wallclock' | 'instant';

function parseBound(req: Request, name: string): WallTime | null {
  const raw = queryValue(req, name);
  if (raw === undefined || raw === '') return null;
  const wall = parseV1DateParam(raw);
  if (wall === null) throw new QueryError(`The value '${raw}' is not valid for ${name}.`);
  return wall;
}

/**
 * Filter on a server-stamped instant (createDate, modifyDate). In `wallclock` mode both the
 * record and the bounds are Pacific wall clocks, as a database of local times would compare
 * them (an order modified at 01:10 PST on the fall-back night sorts *before* 01:50 PDT).
 * `instant` mode converts the bounds to instants instead. Bounds are inclusive [U].
 */
export function instantRange<T>(
  req: Request,
  prefix: string,
  valueOf: (item: T) => Instant | null,
  mode: DateFilterMode,
): ((item: T) => boolean) | null {
  return instantRangeNamed(req, `${prefix}Start`, `${prefix}End`, valueOf, mode);
}

export function instantRangeNamed<T>(
  req: Request,
  startName: string,
  endName: string,
  valueOf: (item: T) => Instant | null,
  mode: DateFilterMode,
): ((item: T) => boolean) | null {
  const start = parseBound(req, startName);
  const end = parseBound(req, endName);
  if (start === null && end === null) return null;
  if (mode === 'instant') {
    const lo = start === null ? null : wallToInstant(start);
    const hi = end === null ? null : wallToInstant(end);
    return (item) => {
      const v = valueOf(item);
      return v !== null && (lo === null || v >= lo) && (hi === null || v <= hi);
    };
  }
  return (item) => {
    const instant = valueOf(item);
    if (instant === null) return false;
    const v = instantToWall(instant);
    return (start === null || v >= start) && (end === null || v <= end);
  };
}

/** Filter on a client-supplied Pacific wall time (orderDate, paymentDate). */
export function wallRange<T>(
  req: Request,
  prefix: string,
  valueOf: (item: T) => WallTime | null,
): ((item: T) => boolean) | null {
  const start = parseBound(req, `${prefix}Start`);
  const end = parseBound(req, `${prefix}End`);
  if (start === null && end === null) return null;
  return (item) => {
    const v = valueOf(item);
    return v !== null && (start === null || v >= start) && (end === null || v <= end);
  };
}

/** Filter on a `yyyy-MM-dd` ship date; the bounds' date part is used. */
export function dateRange<T>(
  req: Request,
  prefix: string,
  valueOf: (item: T) => string | null,
): ((item: T) => boolean) | null {
  const start = parseBound(req, `${prefix}Start`);
  const end = parseBound(req, `${prefix}End`);
  if (start === null && end === null) return null;
  const day = (wall: WallTime): string => new Date(wall).toISOString().slice(0, 10);
  const lo = start === null ? null : day(start);
  const hi = end === null ? null : day(end);
  return (item) => {
    const v = valueOf(item);
    return v !== null && (lo === null || v >= lo) && (hi === null || v <= hi);
  };
}

export function intParam(req: Request, name: string): number | null {
  const raw = queryValue(req, name);
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new QueryError(`The value '${raw}' is not valid for ${name}.`);
  return n;
}

export function boolParam(req: Request, name: string): boolean | null {
  const raw = queryValue(req, name);
  if (raw === undefined || raw === '') return null;
  const v = raw.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new QueryError(`The value '${raw}' is not valid for ${name}.`);
}

export interface SortSpec<T> {
  /** sortBy value (case-insensitive) -> numeric or string key. */
  keys: Record<string, (item: T) => number | string | null>;
  /** Order used without sortBy (ShipStation: ascending id or createDate). */
  fallback: (item: T) => number;
}

export function sortItems<T>(req: Request, items: T[], spec: SortSpec<T>): T[] {
  const sortBy = queryValue(req, 'sortBy')?.toLowerCase();
  const desc = queryValue(req, 'sortDir')?.toUpperCase() === 'DESC';
  const keyEntry = Object.entries(spec.keys).find(([name]) => name.toLowerCase() === sortBy);
  const key = keyEntry ? keyEntry[1] : spec.fallback;
  const sorted = [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    let cmp = 0;
    if (ka === null && kb !== null) cmp = -1;
    else if (ka !== null && kb === null) cmp = 1;
    else if (ka !== null && kb !== null) cmp = ka < kb ? -1 : ka > kb ? 1 : 0;
    return cmp !== 0 ? cmp : spec.fallback(a) - spec.fallback(b);
  });
  return keyEntry && desc ? sorted.reverse() : sorted;
}

/** `{ <key>: [...], total, page, pages }`; pageSize is capped at 500 (reference §1.4). */
export function pageEnvelope<T>(
  req: Request,
  key: string,
  items: T[],
  view: (item: T) => unknown,
): Record<string, unknown> {
  const page = Math.max(1, intParam(req, 'page') ?? 1);
  const requested = intParam(req, 'pageSize') ?? V1_DEFAULT_PAGE_SIZE;
  const pageSize = Math.min(V1_MAX_PAGE_SIZE, Math.max(1, requested));
  const total = items.length;
  const pages = Math.ceil(total / pageSize);
  const slice = items.slice((page - 1) * pageSize, page * pageSize);
  return { [key]: slice.map(view), total, page, pages };
}

export function textParam(req: Request, name: string): string | null {
  const raw = queryValue(req, name);
  return raw === undefined || raw === '' ? null : raw;
}

export function contains(haystack: string | null | undefined, needle: string): boolean {
  return (haystack ?? '').toLowerCase().includes(needle.toLowerCase());
}
