/**
 * Xtrem GraphQL `filter` / `orderBy` strings: a JSON-like syntax with unquoted keys and
 * single-quoted strings (reference 3.3), compiled to predicates and sort keys over X3 values.
 */
import { ENTITY_REFS, type EntityDef, type FieldSpec, type LookupKind } from './entities';
import type { SortKey, SortValue } from './query';
import type { X3Store } from './store';
import { normaliseDate, parseDatetime, type FieldValue, type RecordValues } from './values';

export class FilterSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

export type LooseValue = string | number | boolean | null | LooseValue[] | { [k: string]: LooseValue };

/** Parses the JSON-like text used by Xtrem filters and sorts. */
export function parseLoose(text: string): LooseValue {
  let i = 0;
  const err = (what: string): never => {
    throw new FilterSyntaxError(`${what} at position ${i}`);
  };
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const str = (): string => {
    const q = text[i++];
    let out = '';
    while (i < text.length && text[i] !== q) {
      if (text[i] === '\\') {
        i++;
        const c = text[i++];
        if (c === 'n') out += '\n';
        else if (c === 't') out += '\t';
        else if (c === 'r') out += '\r';
        else if (c === 'u') {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) err('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
        } else if (c === undefined) err('unterminated string');
        else out += c;
      } else out += text[i++];
    }
    if (text[i] !== q) err('unterminated string');
    i++;
    return out;
  };
  const ident = (): string => {
    const m = /^[A-Za-z_$][\w$]*/.exec(text.slice(i));
    if (!m) err('property name expected');
    i += m![0].length;
    return m![0];
  };
  const value = (): LooseValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, LooseValue> = {};
      ws();
      while (text[i] !== '}') {
        ws();
        const key = text[i] === "'" || text[i] === '"' ? str() : ident();
        ws();
        if (text[i] !== ':') err("':' expected");
        i++;
        obj[key] = value();
        ws();
        if (text[i] === ',') {
          i++;
          ws();
        } else if (text[i] !== '}') err("',' or '}' expected");
      }
      i++;
      return obj;
    }
    if (c === '[') {
      i++;
      const arr: LooseValue[] = [];
      ws();
      while (text[i] !== ']') {
        arr.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          ws();
        } else if (text[i] !== ']') err("',' or ']' expected");
      }
      i++;
      return arr;
    }
    if (c === "'" || c === '"') return str();
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return Number(num[0]);
    }
    const word = /^(true|false|null)\b/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      return word[0] === 'true' ? true : word[0] === 'false' ? false : null;
    }
    return err('value expected');
  };
  const result = value();
  ws();
  if (i < text.length) err('unexpected trailing text');
  return result;
}

/** What a filter can see: the fields of a node and which one is `_id`. */
export interface FilterView {
  typeName: string;
  fields: readonly FieldSpec[];
  /** X3 name of the field behind `_id`. */
  idField: string;
  /** Composite key: `_id` is these fields joined with `~` (idField is then only a label). */
  idFields?: readonly string[];
}

export function entityView(def: EntityDef): FilterView {
  return { typeName: def.gqlType, fields: def.fields, idField: def.key, idFields: def.keyFields };
}

/** Stored value of a property; a composite `_id` is assembled from its parts. */
function fieldValue(view: FilterView, spec: FieldSpec, v: RecordValues): FieldValue | undefined {
  if (view.idFields && spec.x3 === view.idField) return view.idFields.map((f) => String(v[f] ?? '')).join('~');
  return v[spec.x3];
}

type Predicate = (v: RecordValues) => boolean;
type Getter = (v: RecordValues) => SortValue;

const OPERATORS = new Set(['_eq', '_ne', '_gt', '_gte', '_lt', '_lte', '_in', '_nin', '_regex', '_options', '_not']);

function resolveProperty(view: FilterView, name: string): FieldSpec {
  if (name === '_id' && view.idFields)
    return { x3: view.idField, gql: '_id', kind: 'string', title: 'Id', soapGroup: '', readOnly: true };
  const spec =
    name === '_id'
      ? view.fields.find((f) => f.x3 === view.idField)
      : view.fields.find((f) => f.gql === name && !f.gqlAbsent && !f.gqlParts);
  if (!spec) throw new FilterSyntaxError(`property '${name}' not found on ${view.typeName}`);
  if (spec.dim)
    throw new FilterSyntaxError(`property '${name}' of ${view.typeName} is a collection and cannot be filtered`);
  return spec;
}

/** Comparable form of a stored value: datetimes as epoch ms, empty strings as null. */
function storedComparable(spec: FieldSpec, v: FieldValue | undefined): SortValue {
  if (v === undefined || v === null || v === '') return null;
  if (Array.isArray(v)) return v.join('\u0000');
  if (spec.kind === 'datetime' && typeof v === 'string') return parseDatetime(v);
  return v;
}

/** Comparable form of a filter operand for `spec`. */
function operandComparable(spec: FieldSpec, raw: LooseValue): SortValue {
  if (raw === null || raw === '') return null;
  if (typeof raw === 'object') throw new FilterSyntaxError(`scalar value expected for '${spec.gql}'`);
  switch (spec.kind) {
    case 'int':
    case 'decimal': {
      const n = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isFinite(n)) throw new FilterSyntaxError(`number expected for '${spec.gql}', got '${String(raw)}'`);
      return n;
    }
    case 'datetime': {
      const t = parseDatetime(String(raw));
      if (Number.isNaN(t)) throw new FilterSyntaxError(`invalid datetime '${String(raw)}' for '${spec.gql}'`);
      return t;
    }
    case 'date': {
      const s = String(raw);
      const d = normaliseDate(s.length > 10 ? s.slice(0, 10) : s);
      if (d === null) throw new FilterSyntaxError(`invalid date '${s}' for '${spec.gql}'`);
      return d;
    }
    case 'menu': {
      if (typeof raw === 'number') return raw;
      const idx = (spec.menu ?? []).indexOf(String(raw));
      if (idx < 0)
        throw new FilterSyntaxError(
          `invalid value '${String(raw)}' for enum '${spec.gql}' (${(spec.menu ?? []).join(', ')})`,
        );
      return idx + 1;
    }
    default:
      return typeof raw === 'boolean' ? String(raw) : raw;
  }
}

function cmp(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function compileOperators(spec: FieldSpec, ops: Record<string, LooseValue>, get: Getter): Predicate {
  const preds: Predicate[] = [];
  const options = typeof ops._options === 'string' ? ops._options : '';
  for (const [op, arg] of Object.entries(ops)) {
    switch (op) {
      case '_eq':
      case '_ne':
      case '_gt':
      case '_gte':
      case '_lt':
      case '_lte': {
        const b = operandComparable(spec, arg);
        const test = {
          _eq: (c: number) => c === 0,
          _ne: (c: number) => c !== 0,
          _gt: (c: number) => c > 0,
          _gte: (c: number) => c >= 0,
          _lt: (c: number) => c < 0,
          _lte: (c: number) => c <= 0,
        }[op];
        preds.push((v) => {
          const a = get(v);
          // ordering comparisons never match empty values (SQL NULL semantics)
          if ((a === null || b === null) && op !== '_eq' && op !== '_ne') return false;
          return test(cmp(a, b));
        });
        break;
      }
      case '_in':
      case '_nin': {
        if (!Array.isArray(arg)) throw new FilterSyntaxError(`${op} expects an array for '${spec.gql}'`);
        const set = arg.map((x) => operandComparable(spec, x));
        const inSet = (v: RecordValues): boolean => {
          const a = get(v);
          return set.some((b) => cmp(a, b) === 0);
        };
        preds.push(op === '_in' ? inSet : (v) => !inSet(v));
        break;
      }
      case '_regex': {
        if (typeof arg !== 'string') throw new FilterSyntaxError(`_regex expects a string for '${spec.gql}'`);
        let re: RegExp;
        try {
          re = new RegExp(arg, options.replace(/[^imsu]/g, ''));
        } catch {
          throw new FilterSyntaxError(`invalid regular expression for '${spec.gql}'`);
        }
        preds.push((v) => re.test(String(get(v) ?? '')));
        break;
      }
      case '_options':
        break;
      case '_not': {
        if (typeof arg !== 'object' || arg === null || Array.isArray(arg))
          throw new FilterSyntaxError(`_not expects an object for '${spec.gql}'`);
        const inner = compileOperators(spec, arg, get);
        preds.push((v) => !inner(v));
        break;
      }
      default:
        throw new FilterSyntaxError(`unknown operator '${op}' on '${spec.gql}'`);
    }
  }
  return (v) => preds.every((p) => p(v));
}

function lookupName(store: X3Store, kind: LookupKind, code: string): string {
  return store.lookups[kind][code] ?? '';
}

/** Filter on a reference's own properties: `{soldToCustomer: {_id: 'C1'}}` or deeper. */
function compileReference(spec: FieldSpec, obj: Record<string, LooseValue>, store: X3Store, depth: number): Predicate {
  const target = spec.ref ? ENTITY_REFS[spec.ref] : undefined;
  if (target) {
    const def = store.defs[target];
    const keyGql = def.fields.find((f) => f.x3 === def.key)?.gql;
    const codeSpec: FieldSpec = { ...spec, kind: 'string' };
    const direct: Predicate[] = [];
    const nested: Record<string, LooseValue> = {};
    for (const [k, sub] of Object.entries(obj)) {
      // the reference value is the target's key: no lookup needed (and none possible for dangling refs)
      if (k === '_id' || k === keyGql)
        direct.push(compileCondition(codeSpec, sub, (v) => storedComparable(codeSpec, v[spec.x3])));
      else nested[k] = sub;
    }
    if (Object.keys(nested).length === 0) return (v) => direct.every((p) => p(v));
    const inner = compileObject(entityView(def), nested, store, depth + 1);
    return (v) => {
      if (!direct.every((p) => p(v))) return false;
      const code = v[spec.x3];
      if (typeof code !== 'string' || code === '') return false;
      const rec = store.get(target, code);
      return rec ? inner(rec.values) : false;
    };
  }
  const kind = spec.ref as LookupKind;
  const preds: Predicate[] = [];
  for (const [k, sub] of Object.entries(obj)) {
    const codeSpec: FieldSpec = { ...spec, kind: 'string' };
    if (k === '_id' || k === 'code') {
      preds.push(compileCondition(codeSpec, sub, (v) => storedComparable(codeSpec, v[spec.x3])));
    } else if (k === 'name' || k === 'description' || k === 'companyName') {
      preds.push(
        compileCondition(codeSpec, sub, (v) => {
          const code = v[spec.x3];
          return typeof code === 'string' && code !== '' ? lookupName(store, kind, code) || null : null;
        }),
      );
    } else throw new FilterSyntaxError(`property '${k}' not found on reference '${spec.gql}'`);
  }
  return (v) => preds.every((p) => p(v));
}

function isOperatorObject(o: Record<string, LooseValue>): boolean {
  const keys = Object.keys(o);
  return keys.length > 0 && keys.every((k) => OPERATORS.has(k));
}

function compileCondition(spec: FieldSpec, cond: LooseValue, get: Getter): Predicate {
  if (cond !== null && typeof cond === 'object' && !Array.isArray(cond)) {
    if (!isOperatorObject(cond)) throw new FilterSyntaxError(`invalid condition on '${spec.gql}'`);
    return compileOperators(spec, cond, get);
  }
  return compileOperators(spec, { _eq: cond }, get);
}

function compileObject(view: FilterView, obj: Record<string, LooseValue>, store: X3Store, depth: number): Predicate {
  if (depth > 5) throw new FilterSyntaxError('filter nested too deeply');
  const preds: Predicate[] = [];
  for (const [k, cond] of Object.entries(obj)) {
    if (k === '_and' || k === '_or') {
      if (!Array.isArray(cond)) throw new FilterSyntaxError(`${k} expects an array`);
      const subs = cond.map((c) => compileAny(view, c, store, depth + 1));
      preds.push(k === '_and' ? (v) => subs.every((p) => p(v)) : (v) => subs.some((p) => p(v)));
      continue;
    }
    if (k === '_not') {
      const sub = compileAny(view, cond, store, depth + 1);
      preds.push((v) => !sub(v));
      continue;
    }
    const spec = resolveProperty(view, k);
    const get: Getter = (v) => storedComparable(spec, fieldValue(view, spec, v));
    if (
      spec.kind === 'ref' &&
      cond !== null &&
      typeof cond === 'object' &&
      !Array.isArray(cond) &&
      !isOperatorObject(cond)
    ) {
      preds.push(compileReference(spec, cond, store, depth));
    } else preds.push(compileCondition(spec, cond, get));
  }
  return (v) => preds.every((p) => p(v));
}

function compileAny(view: FilterView, value: LooseValue, store: X3Store, depth: number): Predicate {
  if (Array.isArray(value)) {
    // an array of filters is an AND (reference 3.3, Sage sample)
    const subs = value.map((x) => compileAny(view, x, store, depth + 1));
    return (v) => subs.every((p) => p(v));
  }
  if (value === null || typeof value !== 'object')
    throw new FilterSyntaxError('filter must be an object or an array of objects');
  return compileObject(view, value, store, depth);
}

/** Compiles a filter string; empty/undefined gives null (no filtering). */
export function compileXtremFilter(
  text: string | null | undefined,
  view: FilterView,
  store: X3Store,
): Predicate | null {
  if (text === null || text === undefined || text.trim() === '') return null;
  return compileAny(view, parseLoose(text), store, 0);
}

function sortGetter(
  view: FilterView,
  spec: FieldSpec,
  nested: LooseValue,
  store: X3Store,
  path: string,
): { get: Getter; dir: 1 | -1; id: string } {
  if (nested === 1 || nested === -1) {
    return { get: (v) => storedComparable(spec, fieldValue(view, spec, v)), dir: nested, id: path };
  }
  if (spec.kind !== 'ref' || nested === null || typeof nested !== 'object' || Array.isArray(nested)) {
    throw new FilterSyntaxError(`invalid sort direction for '${spec.gql}' (1 or -1)`);
  }
  const entries = Object.entries(nested);
  if (entries.length !== 1) throw new FilterSyntaxError(`sort on reference '${spec.gql}' must name one property`);
  const [prop, sub] = entries[0];
  const target = spec.ref ? ENTITY_REFS[spec.ref] : undefined;
  if (prop === '_id' || prop === 'code' || !target) {
    if (prop !== '_id' && prop !== 'code')
      throw new FilterSyntaxError(`property '${prop}' not sortable on reference '${spec.gql}'`);
    if (sub !== 1 && sub !== -1) throw new FilterSyntaxError(`invalid sort direction for '${spec.gql}.${prop}'`);
    return { get: (v) => storedComparable(spec, v[spec.x3]), dir: sub, id: `${path}.${prop}` };
  }
  const targetView = entityView(store.defs[target]);
  const inner = sortGetter(targetView, resolveProperty(targetView, prop), sub, store, `${path}.${prop}`);
  return {
    get: (v) => {
      const code = v[spec.x3];
      const rec = typeof code === 'string' && code !== '' ? store.get(target, code) : undefined;
      return rec ? inner.get(rec.values) : null;
    },
    dir: inner.dir,
    id: inner.id,
  };
}

/** Compiles an orderBy string; `_id` is appended as a tie-breaker so keyset paging is exact. */
export function compileXtremOrderBy(text: string | null | undefined, view: FilterView, store: X3Store): SortKey[] {
  const keys: SortKey[] = [];
  if (text !== null && text !== undefined && text.trim() !== '') {
    const parsed = parseLoose(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new FilterSyntaxError('orderBy must be an object');
    for (const [prop, dir] of Object.entries(parsed)) {
      const spec = resolveProperty(view, prop);
      const path = spec.x3 === view.idField ? '_id' : prop;
      keys.push(sortGetter(view, spec, dir, store, path));
    }
  }
  if (!keys.some((k) => k.id === '_id')) {
    const idSpec = resolveProperty(view, '_id');
    keys.push({ id: '_id', dir: 1, get: (v) => storedComparable(idSpec, fieldValue(view, idSpec, v)) });
  }
  return keys;
}
