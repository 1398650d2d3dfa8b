/**
 * A small path-aware reader for untrusted JSON: each accessor records an issue naming the field
 * (e.g. `requestedShipment.recipients[0].address.city`) instead of throwing, so one request can
 * report every problem at once, as FedEx's `errors[]` does.
 *
 * Coercions mirror FedEx's JSON binding as shown by FedEx's own sample payloads: numbers are
 * accepted where strings are expected (phoneNumber: 9015551234, postalCode: 72601) and numeric
 * strings where numbers are expected (weight.value: "20").
 */

export interface FieldIssue {
  path: string;
  reason: string;
  /** FedEx error code; INVALID.INPUT.EXCEPTION when absent. */
  code?: string;
  message?: string;
}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

interface StrRules {
  required?: boolean;
  maxLength?: number;
  minLength?: number;
  enum?: readonly string[];
  pattern?: RegExp;
  patternReason?: string;
  /** Treat "" like absent (FedEx's samples send "" for unused fields). */
  emptyIsAbsent?: boolean;
}

interface NumRules {
  required?: boolean;
  integer?: boolean;
  min?: number;
  max?: number;
  /** min is exclusive. */
  positive?: boolean;
}

export class Checker {
  readonly issues: FieldIssue[] = [];

  add(path: string, reason: string, code?: string, message?: string): void {
    this.issues.push({ path, reason, code, message });
  }

  get ok(): boolean {
    return this.issues.length === 0;
  }

  obj(parent: Obj | undefined, key: string, path: string, required: boolean): Obj | undefined {
    const p = join(path, key);
    const v = parent?.[key];
    if (v === undefined || v === null) {
      if (required) this.add(p, 'required');
      return undefined;
    }
    if (!isObj(v)) {
      this.add(p, 'must be an object');
      return undefined;
    }
    return v;
  }

  arr(
    parent: Obj | undefined,
    key: string,
    path: string,
    rules: { required?: boolean; minItems?: number; maxItems?: number },
  ): unknown[] | undefined {
    const p = join(path, key);
    const v = parent?.[key];
    if (v === undefined || v === null) {
      if (rules.required) this.add(p, 'required');
      return undefined;
    }
    if (!Array.isArray(v)) {
      this.add(p, 'must be an array');
      return undefined;
    }
    if (rules.minItems !== undefined && v.length < rules.minItems) {
      this.add(
        p,
        rules.minItems === 1 ? 'at least one entry is required' : `at least ${rules.minItems} entries are required`,
      );
    }
    if (rules.maxItems !== undefined && v.length > rules.maxItems) {
      this.add(p, `at most ${rules.maxItems} entries are allowed (got ${v.length})`);
    }
    return v;
  }

  str(parent: Obj | undefined, key: string, path: string, rules: StrRules = {}): string | undefined {
    return this.strValue(parent?.[key], join(path, key), rules);
  }

  strValue(v: unknown, p: string, rules: StrRules = {}): string | undefined {
    if (v === undefined || v === null || (rules.emptyIsAbsent && v === '')) {
      if (rules.required) this.add(p, 'required');
      return undefined;
    }
    let s: string;
    if (typeof v === 'string') s = v;
    else if (typeof v === 'number' && Number.isFinite(v)) s = String(v);
    else {
      this.add(p, 'must be a string');
      return undefined;
    }
    if (rules.required && s.trim() === '') {
      this.add(p, 'must not be empty');
      return undefined;
    }
    if (rules.enum && !rules.enum.includes(s)) {
      this.add(p, `invalid value '${truncate(s)}'; expected one of ${rules.enum.join(', ')}`);
      return undefined;
    }
    if (rules.maxLength !== undefined && s.length > rules.maxLength) {
      this.add(p, `length ${s.length} exceeds the maximum of ${rules.maxLength}`);
      return undefined;
    }
    if (rules.minLength !== undefined && s.length < rules.minLength) {
      this.add(p, `length ${s.length} is below the minimum of ${rules.minLength}`);
      return undefined;
    }
    if (rules.pattern && !rules.pattern.test(s)) {
      this.add(p, rules.patternReason ?? `invalid format '${truncate(s)}'`);
      return undefined;
    }
    return s;
  }

  num(parent: Obj | undefined, key: string, path: string, rules: NumRules = {}): number | undefined {
    const p = join(path, key);
    const v = parent?.[key];
    if (v === undefined || v === null || v === '') {
      if (rules.required) this.add(p, 'required');
      return undefined;
    }
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) n = Number(v);
    else {
      this.add(p, 'must be a number');
      return undefined;
    }
    if (!Number.isFinite(n)) {
      this.add(p, 'must be a number');
      return undefined;
    }
    if (rules.integer && !Number.isInteger(n)) {
      this.add(p, 'must be an integer');
      return undefined;
    }
    if (rules.positive && n <= 0) {
      this.add(p, 'must be greater than 0');
      return undefined;
    }
    if (rules.min !== undefined && n < rules.min) {
      this.add(p, `must be at least ${rules.min}`);
      return undefined;
    }
    if (rules.max !== undefined && n > rules.max) {
      this.add(p, `must be at most ${rules.max}`);
      return undefined;
    }
    return n;
  }

  bool(parent: Obj | undefined, key: string, path: string, required = false): boolean | undefined {
    const p = join(path, key);
    const v = parent?.[key];
    if (v === undefined || v === null) {
      if (required) this.add(p, 'required');
      return undefined;
    }
    if (typeof v === 'boolean') return v;
    // Jackson accepts "true"/"false"; FedEx's own reference-tracking sample sends "true".
    if (v === 'true' || v === 'false') return v === 'true';
    this.add(p, 'must be a boolean');
    return undefined;
  }

  date(parent: Obj | undefined, key: string, path: string, required = false): string | undefined {
    const s = this.str(parent, key, path, { required, emptyIsAbsent: true });
    if (s === undefined) return undefined;
    if (!isIsoDate(s)) {
      this.add(join(path, key), `invalid date '${truncate(s)}'; expected YYYY-MM-DD`);
      return undefined;
    }
    return s;
  }
}

export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
