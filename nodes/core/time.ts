import { DateTime } from 'luxon';

/** ShipStation V1 sends and expects Pacific wall-clock times without an offset. */
export const PACIFIC = 'America/Los_Angeles';

export type Fold = 'earlier' | 'later';

/**
 * Pacific wall-clock text ("2026-11-01T01:30:00.0000000") -> UTC ISO. In the repeated hour of
 * November the text alone cannot say which 01:30 it was: `fold` picks (default the first,
 * PDT). A time in the skipped hour of March never happened; luxon moves it forward an hour,
 * which is how the server would have stored it.
 */
export function pacificToUtcIso(local: string, fold: Fold = 'earlier'): string {
  const text = local.trim();
  if (hasOffset(text)) return toUtcIso(text);
  const wall = DateTime.fromISO(text, { zone: 'UTC' });
  if (!wall.isValid) throw new Error(`not a date-time: "${local}" (${wall.invalidExplanation ?? wall.invalidReason})`);
  // Pacific is UTC-7 (PDT) or UTC-8 (PST): try both and keep those that read back as this wall time.
  const wallText = wall.toFormat(WALL);
  const matches = [7, 8]
    .map((hours) => wall.plus({ hours }))
    .filter((utc) => utc.setZone(PACIFIC).toFormat(WALL) === wallText);
  if (matches.length === 0) {
    return DateTime.fromISO(text, { zone: PACIFIC }).toUTC().toISO() as string;
  }
  const chosen = fold === 'later' ? matches[matches.length - 1] : matches[0];
  return chosen.toUTC().toISO() as string;
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
export function toEpochMs(value: string | Date | number): number {
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
