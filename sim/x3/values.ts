/** Value normalisation shared by all faces: every value enters the store through `coerceField`. */
import type { FieldSpec } from './entities';

export type FieldValue = string | number | string[] | null;
export type RecordValues = Record<string, FieldValue>;

/** A business error X3 would report (each face wraps it in its own envelope). */
export class X3BusinessError extends Error {
  constructor(
    message: string,
    readonly code: 'not-found' | 'duplicate' | 'invalid' | 'forbidden' = 'invalid',
  ) {
    super(message);
    this.name = 'X3BusinessError';
  }
}

/** X3 datetime: ISO UTC, second precision. */
export function toX3Stamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const DATE_RE = /^(\d{4})-?(\d{2})-?(\d{2})$/;
const CANONICAL_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Accepts YYYY-MM-DD or YYYYMMDD (SOAP); returns YYYY-MM-DD, or null for empty. */
export function normaliseDate(raw: string): string | null {
  const s = raw.trim();
  if (s === '') return null;
  const m = DATE_RE.exec(s);
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const t = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== iso) return null;
  return iso;
}

/** Parses an ISO datetime (with or without ms, with Z or an offset); returns epoch ms or NaN. */
export function parseDatetime(raw: string): number {
  const s = raw.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) return NaN;
  return Date.parse(s);
}

function fail(spec: FieldSpec, what: string): never {
  throw new X3BusinessError(`${spec.x3}: ${what}`);
}

/** Converts an incoming value (JSON, SOAP text or GraphQL input) to the stored form of `spec`. */
export function coerceField(spec: FieldSpec, raw: unknown): FieldValue {
  if (spec.dim) {
    const list = Array.isArray(raw) ? raw : raw === null || raw === undefined ? [] : [raw];
    if (list.length > spec.dim) fail(spec, `at most ${spec.dim} values`);
    const out: string[] = [];
    for (let i = 0; i < spec.dim; i++) {
      const v = list[i];
      const s = v === null || v === undefined ? '' : scalarText(spec, v);
      if (spec.maxLength !== undefined && s.length > spec.maxLength)
        fail(spec, `value longer than ${spec.maxLength} characters`);
      out.push(s);
    }
    return out;
  }
  if (raw === null || raw === undefined) return emptyValue(spec);
  switch (spec.kind) {
    case 'string':
    case 'ref': {
      const s = scalarText(spec, raw);
      if (spec.maxLength !== undefined && s.length > spec.maxLength)
        fail(spec, `value longer than ${spec.maxLength} characters`);
      return s;
    }
    case 'int': {
      const n = typeof raw === 'number' ? raw : Number(scalarText(spec, raw).trim() || '0');
      if (!Number.isInteger(n)) fail(spec, `integer expected, got '${String(raw)}'`);
      return n;
    }
    case 'decimal': {
      const n = typeof raw === 'number' ? raw : Number(scalarText(spec, raw).trim() || '0');
      if (!Number.isFinite(n)) fail(spec, `number expected, got '${String(raw)}'`);
      return n;
    }
    case 'menu': {
      const n = typeof raw === 'number' ? raw : Number(scalarText(spec, raw).trim());
      const size = spec.menu?.length ?? 0;
      if (!Number.isInteger(n) || n < 1 || n > size)
        fail(spec, `local menu value must be 1..${size}, got '${String(raw)}'`);
      return n;
    }
    case 'date': {
      const s = scalarText(spec, raw);
      if (s.trim() === '') return null;
      const d = normaliseDate(s);
      if (d === null) fail(spec, `invalid date '${s}'`);
      return d;
    }
    case 'datetime': {
      const s = scalarText(spec, raw);
      if (s.trim() === '') return null;
      // already canonical (the common case when seeding): skip the Date round trip
      if (CANONICAL_STAMP.test(s) && !Number.isNaN(Date.parse(s))) return s;
      const t = parseDatetime(s);
      if (Number.isNaN(t)) fail(spec, `invalid datetime '${s}'`);
      return toX3Stamp(t);
    }
  }
}

function scalarText(spec: FieldSpec, raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return fail(spec, 'scalar value expected');
}

export function emptyValue(spec: FieldSpec): FieldValue {
  if (spec.dim) return new Array<string>(spec.dim).fill('');
  switch (spec.kind) {
    case 'string':
    case 'ref':
      return '';
    case 'int':
    case 'decimal':
      return 0;
    case 'menu':
      return typeof spec.defaultValue === 'number' ? spec.defaultValue : 1;
    case 'date':
    case 'datetime':
      return null;
  }
}

export function defaultValue(spec: FieldSpec): FieldValue {
  if (spec.defaultValue !== undefined) return coerceField(spec, spec.defaultValue);
  return emptyValue(spec);
}

export function isEmptyValue(v: FieldValue | undefined): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.every((s) => s === ''));
}
