// Time handling for the simulated ShipStation.
//
// Two kinds of numbers are used on purpose:
// - an *instant* is epoch milliseconds (UTC), used for everything the server stamps itself
//   (createDate, modifyDate, label createDate, webhook timestamps, rate windows);
// - a *wall time* is the Pacific wall clock encoded as if it were UTC epoch milliseconds
//   ("2026-11-01 01:30:00" -> Date.UTC(2026, 10, 1, 1, 30)). V1 stores and compares the
//   Pacific wall clock without an offset, so the same wall time can denote two instants
//   in the autumn fall-back hour and none in the spring gap; keeping wall times as their
//   own number type makes that ambiguity explicit instead of hiding it.
import { DateTime } from 'luxon';

export const PACIFIC_ZONE = 'America/Los_Angeles';

export type Instant = number;
export type WallTime = number;

/** Pacific wall clock of an instant (follows DST via the IANA zone, never a fixed -08:00). */
export function instantToWall(instant: Instant): WallTime {
  const dt = DateTime.fromMillis(instant, { zone: PACIFIC_ZONE });
  return instant + dt.offset * 60_000;
}

function pacificOffsetMinutes(instant: Instant): number {
  return DateTime.fromMillis(instant, { zone: PACIFIC_ZONE }).offset;
}

/**
 * Instant for a Pacific wall time. An ambiguous (fall-back) wall time resolves to the earlier
 * instant (PDT); a wall time inside the spring gap is read with the offset in force before the
 * gap, i.e. moved forward by the gap (02:30 -> 03:30 PDT). The real rule is unknown, so the
 * README documents both choices.
 */
export function wallToInstant(wall: WallTime): Instant {
  const DAY_PART = 18 * 3_600_000;
  const before = pacificOffsetMinutes(wall - DAY_PART);
  const offsets = new Set([before, pacificOffsetMinutes(wall), pacificOffsetMinutes(wall + DAY_PART)]);
  const valid = [...offsets]
    .map((offset) => wall - offset * 60_000)
    .filter((instant) => instantToWall(instant) === wall)
    .sort((a, b) => a - b);
  return valid.length > 0 ? valid[0] : wall - before * 60_000;
}

function wallDateTime(wall: WallTime): DateTime {
  return DateTime.fromMillis(wall, { zone: 'utc' });
}

/** V1 timestamp with 7 fractional digits and no offset, e.g. `2015-06-30T18:47:11.8870000`. */
export function formatWall7(wall: WallTime): string {
  return `${wallDateTime(wall).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS")}0000`;
}

export function formatPacific7(instant: Instant): string {
  return formatWall7(instantToWall(instant));
}

/**
 * V1 timestamp the way .NET's `FFFFFFF` format writes it (trailing zeros dropped, no dot when
 * the fraction is zero), e.g. `2015-07-16T14:00:34.823`. The V1 documentation shows this form
 * on order items and products while orders use the 7-digit form; clients must read both.
 */
export function formatWallTrimmed(wall: WallTime): string {
  const dt = wallDateTime(wall);
  const base = dt.toFormat("yyyy-MM-dd'T'HH:mm:ss");
  const fraction = dt.toFormat('SSS').replace(/0+$/, '');
  return fraction ? `${base}.${fraction}` : base;
}

export function formatPacificTrimmed(instant: Instant): string {
  return formatWallTrimmed(instantToWall(instant));
}

/** Pacific calendar date `yyyy-MM-dd` of an instant (V1 `shipDate`). */
export function pacificDate(instant: Instant): string {
  return DateTime.fromMillis(instant, { zone: PACIFIC_ZONE }).toFormat('yyyy-MM-dd');
}

/** ISO 8601 UTC with milliseconds and `Z`, the V2 form (`2019-03-12T19:24:13.657Z`). */
export function formatUtcIso(instant: Instant): string {
  return new Date(instant).toISOString();
}

const WALL_FORMATS = [
  'yyyy-MM-dd HH:mm:ss',
  'yyyy-MM-dd HH:mm',
  "yyyy-MM-dd'T'HH:mm:ss",
  "yyyy-MM-dd'T'HH:mm",
  'yyyy-MM-dd',
  'M/d/yyyy H:mm:ss',
  'M/d/yyyy',
];

/**
 * Parses a V1 date query parameter (`2016-11-29 23:59:59`, documented as Pacific) into a wall
 * time. Returns null for an unparsable value so the caller can answer 400.
 */
export function parseV1DateParam(value: string): WallTime | null {
  const trimmed = value.trim();
  // Fractional seconds (`.1234567`) are accepted like .NET does; they are cut to ms.
  const match = /^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})\.(\d+)$/.exec(trimmed);
  if (match) {
    const base = parseV1DateParam(match[1]);
    if (base === null) return null;
    return base + Number(match[2].slice(0, 3).padEnd(3, '0'));
  }
  for (const format of WALL_FORMATS) {
    const dt = DateTime.fromFormat(trimmed, format, { zone: 'utc' });
    if (dt.isValid) return dt.toMillis();
  }
  return null;
}

/**
 * Parses a timestamp a client sends in a V1 body (orderDate, paymentDate, ...). Values with
 * an explicit offset or `Z` are converted to the Pacific wall clock (the server's zone);
 * values without one are taken as Pacific wall time, as the V1 docs ask clients to send.
 */
export function parseV1TimestampInput(value: unknown): WallTime | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) && trimmed.includes('T')) {
    const dt = DateTime.fromISO(trimmed, { setZone: true });
    return dt.isValid ? instantToWall(dt.toMillis()) : null;
  }
  return parseV1DateParam(trimmed);
}

/** Instant from an explicit seed value: ISO with offset/Z is absolute, else Pacific wall time. */
export function parseSeedInstant(value: unknown): Instant | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) && trimmed.includes('T')) {
    const dt = DateTime.fromISO(trimmed, { setZone: true });
    return dt.isValid ? dt.toMillis() : null;
  }
  const wall = parseV1DateParam(trimmed);
  return wall === null ? null : wallToInstant(wall);
}

/** V2 date filter (`created_at_start` ...): ISO 8601; without an offset it is taken as UTC. */
export function parseV2DateParam(value: string): Instant | null {
  const dt = DateTime.fromISO(value.trim(), { zone: 'utc', setZone: true });
  return dt.isValid ? dt.toMillis() : null;
}

/** V1 shipDate (`yyyy-MM-dd`) from any accepted input; the date part is kept as written. */
export function parseShipDate(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const wall = parseV1TimestampInput(value);
  return wall === null ? null : wallDateTime(wall).toFormat('yyyy-MM-dd');
}

/** Midnight UTC of a `yyyy-MM-dd` date, for V2 `ship_date` fields. */
export function dateToUtcIso(date: string): string {
  return `${date}T00:00:00.000Z`;
}
