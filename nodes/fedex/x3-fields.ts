/**
 * Reading values out of an X3 record: text and numbers as X3 writes them, "FIELD[n]" elements of
 * dimensioned fields, lists of fields tried in turn, X3 yes/no menus. Each read also says which
 * field the value came from, so a FedEx error can name the X3 field to fix.
 */
import type { FieldRef, X3Record } from './x3-documents';

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function text(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

interface Resolved {
  value: unknown;
  source: string;
}

/** "FIELD" or "FIELD[n]" (n 0-based, an element of a dimensioned field). */
export function resolveOne(record: X3Record, ref: string): Resolved {
  const m = /^([^[\]]+)\[(\d+)\]$/.exec(ref.trim());
  if (!m) return { value: record[ref.trim()], source: ref.trim() };
  const [, field, index] = m;
  const raw = record[field];
  const i = Number(index);
  if (Array.isArray(raw)) return { value: raw[i], source: field };
  return { value: i === 0 ? raw : undefined, source: field };
}

export function resolveText(record: X3Record, ref: FieldRef | undefined): { value?: string; source?: string } {
  if (ref === undefined) return {};
  const refs = Array.isArray(ref) ? ref : [ref];
  for (const r of refs) {
    const { value, source } = resolveOne(record, r);
    const t = text(value);
    if (t !== undefined) return { value: t, source };
  }
  return { source: resolveOne(record, refs[0] ?? '').source };
}

export function resolveLines(record: X3Record, ref: FieldRef | undefined): { lines: string[]; source?: string } {
  if (ref === undefined) return { lines: [] };
  const refs = Array.isArray(ref) ? ref : [ref];
  const lines: string[] = [];
  let source: string | undefined;
  for (const r of refs) {
    const { value, source: s } = resolveOne(record, r);
    source ??= s;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      const t = text(v);
      if (t !== undefined) lines.push(t);
    }
  }
  return { lines, source };
}

export function truthy(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 2 || v === 1;
  const t = text(v)?.toLowerCase();
  // X3 yes/no menus: 2 = yes
  return t === 'true' || t === 'yes' || t === '2' || t === 'y';
}
