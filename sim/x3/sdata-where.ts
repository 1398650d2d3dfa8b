/**
 * The subset of the SData query language used by api1 `where` (reference 4.2):
 * eq ne lt le gt ge, in (...), like, between, and/or/not, parentheses, 'strings', numbers,
 * @date@ / @datetime@ literals. Compiled to a predicate over X3 dictionary values.
 */
import type { FieldSpec } from './entities';
import type { SortValue } from './query';
import { normaliseDate, parseDatetime, type RecordValues } from './values';

export class WhereSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WhereSyntaxError';
  }
}

type Token =
  | { t: 'ident'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; pos: number }
  | { t: 'at'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'punct'; v: '(' | ')' | ','; pos: number };

const SYMBOL_OPS: Record<string, string> = {
  '=': 'eq',
  '<>': 'ne',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
};

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new WhereSyntaxError(`unterminated string at ${pos}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += text[i++];
      }
      out.push({ t: 'string', v: s, pos });
    } else if (c === '@') {
      const end = text.indexOf('@', i + 1);
      if (end < 0) throw new WhereSyntaxError(`unterminated @ literal at ${pos}`);
      out.push({ t: 'at', v: text.slice(i + 1, end), pos });
      i = end + 1;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', v: c, pos });
      i++;
    } else if (/[<>=!]/.test(c)) {
      const two = text.slice(i, i + 2);
      const op = SYMBOL_OPS[two] ? two : c;
      if (!SYMBOL_OPS[op]) throw new WhereSyntaxError(`unexpected '${c}' at ${pos}`);
      out.push({ t: 'op', v: SYMBOL_OPS[op], pos });
      i += op.length;
    } else if (/[-\d]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!m) throw new WhereSyntaxError(`unexpected '${c}' at ${pos}`);
      out.push({ t: 'number', v: Number(m[0]), pos });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      out.push({ t: 'ident', v: m[0], pos });
      i += m[0].length;
    } else throw new WhereSyntaxError(`unexpected '${c}' at ${pos}`);
  }
  return out;
}

type Predicate = (v: RecordValues) => boolean;
type Literal = { kind: 'string' | 'number' | 'at'; value: string | number };

const COMPARISONS = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

export interface CompiledWhere {
  predicate: Predicate;
  /** X3 names the clause refers to (for representation column checks). */
  fields: string[];
}

function comparable(spec: FieldSpec, v: RecordValues[string] | undefined): SortValue {
  if (v === undefined || v === null || v === '') return null;
  if (Array.isArray(v)) return v.join('\u0000');
  if (spec.kind === 'datetime' && typeof v === 'string') return parseDatetime(v);
  return v;
}

function literalFor(spec: FieldSpec, lit: Literal): SortValue {
  const raw = String(lit.value);
  switch (spec.kind) {
    case 'int':
    case 'decimal':
    case 'menu': {
      const n = typeof lit.value === 'number' ? lit.value : Number(raw);
      if (!Number.isFinite(n)) throw new WhereSyntaxError(`${spec.x3}: number expected, got '${raw}'`);
      return n;
    }
    case 'datetime': {
      const t = parseDatetime(raw);
      if (!Number.isNaN(t)) return t;
      const d = normaliseDate(raw);
      if (d !== null) return Date.parse(`${d}T00:00:00Z`);
      throw new WhereSyntaxError(`${spec.x3}: datetime expected, got '${raw}'`);
    }
    case 'date': {
      const d = normaliseDate(raw.length > 10 ? raw.slice(0, 10) : raw);
      if (d === null) throw new WhereSyntaxError(`${spec.x3}: date expected, got '${raw}'`);
      return d;
    }
    default:
      if (lit.kind === 'at') throw new WhereSyntaxError(`${spec.x3}: date literal on a non-date property`);
      return raw === '' ? null : raw;
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

export function compileWhere(text: string, fields: readonly FieldSpec[]): CompiledWhere {
  const tokens = tokenize(text);
  let p = 0;
  const used = new Set<string>();
  const peek = (): Token | undefined => tokens[p];
  const isWord = (tok: Token | undefined, w: string): boolean => tok?.t === 'ident' && tok.v.toLowerCase() === w;
  const expectPunct = (v: string): void => {
    const tok = tokens[p++];
    if (!tok || tok.t !== 'punct' || tok.v !== v)
      throw new WhereSyntaxError(`'${v}' expected${tok ? ` at ${tok.pos}` : ' at end'}`);
  };
  const literal = (): Literal => {
    const tok = tokens[p++];
    if (!tok) throw new WhereSyntaxError('value expected at end');
    if (tok.t === 'string' || tok.t === 'at') return { kind: tok.t, value: tok.v };
    if (tok.t === 'number') return { kind: 'number', value: tok.v };
    throw new WhereSyntaxError(`value expected at ${tok.pos}`);
  };

  const comparison = (): Predicate => {
    const tok = tokens[p++];
    if (!tok || tok.t !== 'ident') throw new WhereSyntaxError(`property expected${tok ? ` at ${tok.pos}` : ' at end'}`);
    const spec = fields.find((f) => f.x3 === tok.v);
    if (!spec) throw new WhereSyntaxError(`unknown property '${tok.v}'`);
    used.add(spec.x3);
    const get = (v: RecordValues): SortValue => comparable(spec, v[spec.x3]);
    const opTok = tokens[p++];
    const op = opTok?.t === 'op' ? opTok.v : opTok?.t === 'ident' ? opTok.v.toLowerCase() : undefined;
    if (op && COMPARISONS.has(op)) {
      const b = literalFor(spec, literal());
      const test = {
        eq: (c: number) => c === 0,
        ne: (c: number) => c !== 0,
        lt: (c: number) => c < 0,
        le: (c: number) => c <= 0,
        gt: (c: number) => c > 0,
        ge: (c: number) => c >= 0,
      }[op as 'eq'];
      return (v) => {
        const a = get(v);
        if ((a === null || b === null) && op !== 'eq' && op !== 'ne') return false;
        return test(cmp(a, b));
      };
    }
    if (op === 'in') {
      expectPunct('(');
      const list: SortValue[] = [literalFor(spec, literal())];
      while (peek()?.t === 'punct' && (peek() as { v: string }).v === ',') {
        p++;
        list.push(literalFor(spec, literal()));
      }
      expectPunct(')');
      return (v) => list.some((b) => cmp(get(v), b) === 0);
    }
    if (op === 'like') {
      const pattern = String(literal().value);
      const re = new RegExp(
        `^${pattern
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*')
          .replace(/_/g, '.')}$`,
        's',
      );
      return (v) => re.test(String(v[spec.x3] ?? ''));
    }
    if (op === 'between') {
      const lo = literalFor(spec, literal());
      if (!isWord(tokens[p++], 'and')) throw new WhereSyntaxError("'and' expected in between");
      const hi = literalFor(spec, literal());
      return (v) => {
        const a = get(v);
        return a !== null && cmp(a, lo) >= 0 && cmp(a, hi) <= 0;
      };
    }
    throw new WhereSyntaxError(`operator expected after '${tok.v}'${opTok ? ` at ${opTok.pos}` : ''}`);
  };

  const primary = (): Predicate => {
    const tok = peek();
    if (tok?.t === 'punct' && tok.v === '(') {
      p++;
      const inner = orExpr();
      expectPunct(')');
      return inner;
    }
    return comparison();
  };
  const notExpr = (): Predicate => {
    if (isWord(peek(), 'not')) {
      p++;
      const inner = notExpr();
      return (v) => !inner(v);
    }
    return primary();
  };
  const andExpr = (): Predicate => {
    const parts = [notExpr()];
    while (isWord(peek(), 'and')) {
      p++;
      parts.push(notExpr());
    }
    return parts.length === 1 ? parts[0] : (v) => parts.every((x) => x(v));
  };
  const orExpr = (): Predicate => {
    const parts = [andExpr()];
    while (isWord(peek(), 'or')) {
      p++;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0] : (v) => parts.some((x) => x(v));
  };

  if (tokens.length === 0) throw new WhereSyntaxError('empty where clause');
  const predicate = orExpr();
  if (p < tokens.length) throw new WhereSyntaxError(`unexpected token at ${tokens[p].pos}`);
  return { predicate, fields: [...used] };
}
