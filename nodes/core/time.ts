/**
 * The one time conversion: UTC ISO 8601 everywhere the plugin emits or stores a time, and US
 * Pacific wall clocks (ShipStation V1) to and from it, the repeated and skipped hours of the DST
 * changes handled explicitly (luxon).
 */
import { DateTime } from 'luxon';

/** ShipStation V1 sends and expects Pacific wall-clock times without an offset. */
export const PACIFIC = 'America/Los_Angeles';

export type Fold = 'earlier' | 'later';

/**
 * Pacific wall-clock text ("2026-11-01T01:30:00.0000000") -> UTC ISO. In the repeated hour of
 * November the text alone cannot say which 01:30 it was: `fold` picks (default the first,
 * PDT). A time in the skipped hour of March never happened; it is moved forward an hour, which
 * is how the server would have stored it.
 */
export function pacificToUtcIso(local: string, fold: Fold = 'earlier'): string {
  const text = local.trim();
  if (hasOffset(text)) return toUtcIso(text);
  const instants = pacificInstants(text);
  return new Date(fold === 'later' ? instants[instants.length - 1] : instants[0]).toISOString();
}

const WALL_PARTS = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?$/;

/**
 * The instants (epoch ms) a Pacific wall-clock text can mean: one, or two in the repeated
 * November hour (earlier first). DST changes happen on the hour, so every time within one wall
 * hour shares its reading(s); they are computed once per hour with luxon and cached, which
 * makes converting thousands of records cheap.
 */
export function pacificInstants(local: string): number[] {
  const m = WALL_PARTS.exec(local.trim());
  if (!m) throw new Error(`not a date-time: "${local}"`);
  const [, day, hh = '00', mm = '00', ss = '00', frac = ''] = m;
  const wall = Date.parse(`${day}T${hh}:${mm}:${ss}.${frac.padEnd(3, '0').slice(0, 3)}Z`);
  if (Number.isNaN(wall)) throw new Error(`not a date-time: "${local}"`);
  return offsetsOfHour(`${day}T${hh}`).map((offset) => wall + offset);
}

const hourOffsets = new Map<string, number[]>();

/** UTC minus wall clock (ms) for each reading of one Pacific wall-clock hour. */
function offsetsOfHour(hourKey: string): number[] {
  const cached = hourOffsets.get(hourKey);
  if (cached) return cached;
  const wall = DateTime.fromISO(`${hourKey}:00:00.000`, { zone: 'UTC' });
  if (!wall.isValid) throw new Error(`not a date-time: "${hourKey}"`);
  // Pacific is UTC-7 (PDT) or UTC-8 (PST): keep the readings that print back as this wall time.
  const wallText = wall.toFormat(WALL);
  let offsets = [7, 8]
    .map((hours) => wall.plus({ hours }))
    .filter((utc) => utc.setZone(PACIFIC).toFormat(WALL) === wallText)
    .map((utc) => utc.toMillis() - wall.toMillis());
  if (offsets.length === 0) {
    // The skipped hour: luxon moves the wall time forward, as the server would have.
    const shifted = DateTime.fromISO(`${hourKey}:00:00.000`, { zone: PACIFIC });
    offsets = [shifted.toMillis() - wall.toMillis()];
  }
  if (hourOffsets.size > 50_000) hourOffsets.clear();
  hourOffsets.set(hourKey, offsets);
  return offsets;
}

const WALL = "yyyy-MM-dd'T'HH:mm:ss.SSS";

/** UTC instant -> Pacific wall-clock text, for ShipStation V1 query parameters. */
export function utcToPacific(value: string | Date | number, format = "yyyy-MM-dd'T'HH:mm:ss"): string {
  return toDateTime(value).setZone(PACIFIC).toFormat(format);
}

/** Any instant (ISO with offset, Date, epoch ms) -> "YYYY-MM-DDTHH:mm:ss.sssZ". */
export function toUtcIso(value: string | Date | number): string {
  return toDateTime(value).toUTC().toISO() as string;
}

/** Epoch ms of an instant; throws on text that is not a date-time. */
/** UTC ISO as the plugin writes it (toUtcIso, Date#toISOString): Date.parse reads it exactly. */
const CANONICAL_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/;

export function toEpochMs(value: string | Date | number): number {
  // the pollers' de-duplication reads thousands of these per poll: no luxon object for them
  if (typeof value === 'string' && CANONICAL_UTC.test(value)) {
    const ms = Date.parse(value);
    // Date.parse rolls 30 February over into March: such a text goes to luxon, which refuses it
    if (!Number.isNaN(ms) && new Date(ms).getUTCDate() === Number(value.slice(8, 10))) return ms;
  }
  return toDateTime(value).toMillis();
}

function toDateTime(value: string | Date | number): DateTime {
  let dt: DateTime;
  if (value instanceof Date) dt = DateTime.fromJSDate(value);
  else if (typeof value === 'number') dt = DateTime.fromMillis(value);
  else dt = DateTime.fromISO(value.trim(), { zone: hasOffset(value.trim()) ? undefined : 'UTC', setZone: true });
  if (!dt.isValid) throw new Error(`not a date-time: "${String(value)}"`);
  return dt;
}

/**
 * Whether a date-time text names its offset: "Z", "+hh:mm", "+hhmm" or "+hh" after a time. The
 * time part is required so a plain date's "-01" is not read as an offset.
 */
function hasOffset(text: string): boolean {
  return /[T ]\d\d(:?\d\d(:?\d\d([.,]\d+)?)?)?(Z|[+-]\d\d(:?\d\d)?)$/i.test(text);
}
