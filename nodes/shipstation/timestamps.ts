/**
 * ShipStation V1 writes every timestamp as a US Pacific wall clock without an offset
 * (`2026-11-01T01:30:00.0000000`, items/products also `2015-07-16T14:00:34.823`). Everything
 * the plugin emits is UTC ISO 8601, so each such field of an order, shipment, fulfilment,
 * customer or product (and their nested items) is converted, and the original text is kept:
 *
 *   { modifyDate: '2026-11-01T09:10:00.000Z',
 *     _pacific: { modifyDate: '2026-11-01T01:10:00.0000000' },
 *     _pacificAmbiguous: ['modifyDate'] }            // only when the text alone was ambiguous
 *
 * `_pacific` sits on the object that held the field (order, item, ...), one key per converted
 * field. A timestamp field is any `...Date` / `...Attempt` property whose value is a date-time
 * without an offset; calendar dates (`shipDate: '2026-11-01'`) have no time zone and stay as
 * they are.
 *
 * The repeated hour of the November fall-back prints the same text for two instants. Where the
 * record itself decides it, it is decided: a server stamp cannot be later than now (plus a small
 * skew), and a record cannot be modified before it was created. Otherwise the earlier (PDT)
 * reading is used — always the same one for the same text, so de-duplication by
 * (id, modifyDate) stays stable — and the field is listed in `_pacificAmbiguous`.
 */
import { pacificInstants, utcToPacific } from '../core/time';

export { pacificInstants };

export const PACIFIC_KEY = '_pacific';
export const AMBIGUOUS_KEY = '_pacificAmbiguous';

/** Stamps ShipStation sets itself: never in the future. */
const SERVER_STAMPS = new Set(['createDate', 'modifyDate', 'voidDate', 'refreshDate', 'lastRefreshAttempt']);

const TIMESTAMP_FIELD = /(Date|Attempt)$/;
const NO_OFFSET_DATETIME = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,9})?)?$/;

export interface ConversionOptions {
  /** Epoch ms "now" for the server-stamp bound (default Date.now()). */
  now?: number;
  /** Clock difference tolerated between ShipStation and us (default 5 min). */
  skewMs?: number;
}

export function isPacificTimestamp(value: unknown): value is string {
  return typeof value === 'string' && NO_OFFSET_DATETIME.test(value.trim());
}

interface Candidates {
  field: string;
  text: string;
  options: number[];
}

function candidatesOf(field: string, text: string): Candidates {
  return { field, text, options: pacificInstants(text) };
}

function narrow(c: Candidates, keep: (ms: number) => boolean): void {
  const kept = c.options.filter(keep);
  if (kept.length > 0) c.options = kept;
}

/** Converts the timestamp fields of one object (not its children). */
function convertOwnFields(obj: Record<string, unknown>, now: number, skewMs: number): void {
  const found: Candidates[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (key === PACIFIC_KEY || !TIMESTAMP_FIELD.test(key) || !isPacificTimestamp(value)) continue;
    found.push(candidatesOf(key, value));
  }
  if (found.length === 0) return;
  const byField = new Map(found.map((c) => [c.field, c]));
  for (const c of found) if (SERVER_STAMPS.has(c.field)) narrow(c, (ms) => ms <= now + skewMs);
  const created = byField.get('createDate');
  const modified = byField.get('modifyDate');
  if (created && modified) {
    narrow(modified, (ms) => ms >= Math.min(...created.options));
    narrow(created, (ms) => ms <= Math.max(...modified.options));
  }
  const pacific: Record<string, string> = {};
  const ambiguous: string[] = [];
  for (const c of found) {
    obj[c.field] = new Date(c.options[0]).toISOString();
    pacific[c.field] = c.text;
    if (c.options.length > 1) ambiguous.push(c.field);
  }
  const previous = obj[PACIFIC_KEY];
  obj[PACIFIC_KEY] = { ...(previous && typeof previous === 'object' ? previous : {}), ...pacific };
  if (ambiguous.length > 0) obj[AMBIGUOUS_KEY] = ambiguous;
}

function walk(value: unknown, now: number, skewMs: number, depth: number): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, now, skewMs, depth + 1);
    return;
  }
  const obj = value as Record<string, unknown>;
  convertOwnFields(obj, now, skewMs);
  for (const [key, child] of Object.entries(obj)) {
    if (key !== PACIFIC_KEY && child !== null && typeof child === 'object') walk(child, now, skewMs, depth + 1);
  }
}

/**
 * Converts a V1 record (order, shipment, fulfilment, customer, product — with nested items,
 * shipmentItems, marketplaceUsernames...) in place and returns it.
 */
export function convertV1Timestamps<T>(record: T, options: ConversionOptions = {}): T {
  walk(record, options.now ?? Date.now(), options.skewMs ?? 5 * 60_000, 0);
  return record;
}

/** The Pacific wall-clock text ShipStation V1 expects in query parameters (`yyyy-mm-dd hh:mm:ss`). */
export function toV1QueryTime(value: string | number | Date): string {
  return utcToPacific(value, 'yyyy-MM-dd HH:mm:ss');
}

/**
 * For request bodies: a timestamp given with an offset (UTC ISO, as the plugin emits them) is
 * turned back into the Pacific wall clock V1 expects; text without an offset is already Pacific.
 * `_pacific` / `_pacificAmbiguous` helpers are dropped. Returns a new object.
 */
export function toV1RequestBody(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => toV1RequestBody(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === PACIFIC_KEY || key === AMBIGUOUS_KEY) continue;
    if (TIMESTAMP_FIELD.test(key) && typeof v === 'string' && /T\d\d:\d\d.*(Z|[+-]\d\d:?\d\d)$/i.test(v.trim())) {
      out[key] = utcToPacific(v.trim(), "yyyy-MM-dd'T'HH:mm:ss.SSS'0000'");
    } else {
      out[key] = toV1RequestBody(v, depth + 1);
    }
  }
  return out;
}

/** Pacific calendar date (`yyyy-MM-dd`) of a V1 field: from the original text when we have it. */
export function pacificDateOf(obj: Record<string, unknown>, field: string): string | undefined {
  const pac = obj[PACIFIC_KEY];
  const original = pac && typeof pac === 'object' ? (pac as Record<string, unknown>)[field] : undefined;
  const value = typeof original === 'string' ? original : obj[field];
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const v = value.trim();
  if (/^\d{4}-\d\d-\d\d$/.test(v)) return v;
  if (isPacificTimestamp(v)) return v.slice(0, 10);
  try {
    return utcToPacific(v, 'yyyy-MM-dd');
  } catch {
    return undefined;
  }
}
