/**
 * Reading a node's editor settings. The editor stores what the user typed: numbers arrive as
 * strings, checkboxes as booleans (or 'true'/'false' in flows written by hand or by older
 * versions), and an empty field means "the default". One lenient reading for all nodes: a value
 * that is empty, not a number, or outside its bounds falls back to the default rather than
 * failing the deploy (config validation that must refuse a value lives with its config).
 */

/** Bounds of a numeric setting; a value outside them is taken as unset. */
export interface NumberBounds {
  /** Smallest accepted value (inclusive). */
  min?: number;
  /** The value must be greater than this (exclusive): `{ above: 0 }` for "positive". */
  above?: number;
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** A number setting: `fallback` when empty, not a finite number, or outside `bounds`. */
export function number(v: unknown, fallback: number, bounds?: NumberBounds): number;
/** A number setting without a default: undefined when empty, not a finite number, or outside `bounds`. */
export function number(v: unknown, fallback: undefined, bounds?: NumberBounds): number | undefined;
export function number(v: unknown, fallback: number | undefined, bounds: NumberBounds = {}): number | undefined {
  if (isBlank(v) || (typeof v !== 'number' && typeof v !== 'string')) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) return fallback;
  if (bounds.min !== undefined && n < bounds.min) return fallback;
  if (bounds.above !== undefined && n <= bounds.above) return fallback;
  return n;
}

/** A checkbox setting: true / 'true' and false / 'false'; anything else (unset) is `fallback`. */
export function bool(v: unknown, fallback: boolean): boolean {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return fallback;
}

/** A text setting, trimmed; `fallback` when empty or not a string. */
export function text(v: unknown): string | undefined;
export function text(v: unknown, fallback: string): string;
export function text(v: unknown, fallback?: string): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : fallback;
}
