/**
 * The URL a request of core/http.ts goes to: the client's base URL joined with the request's
 * url, and its `params` as a query string. Both follow axios 1.x, which the clients were
 * written against (their paths are relative with or without a leading slash, a next-page link
 * is absolute, ShipStation filters come from msgs as numbers, booleans, strings or arrays).
 */

/** `scheme://` or `//` at the start: the url is used as given, not joined to the base. */
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/** `base` + `/` + `url` without the slashes in between; an empty url is the base itself. */
export function joinUrl(base: string, url: string): string {
  if (ABSOLUTE.test(url)) return url;
  if (!url) return base;
  let end = base.length;
  while (end > 0 && base.charCodeAt(end - 1) === 47) end--;
  return `${base.slice(0, end)}/${url.replace(/^\/+/, '')}`;
}

/** encodeURIComponent with `:`, `$`, `,` kept and spaces as `+`, as axios writes a query. */
function encode(value: string): string {
  return encodeURIComponent(value)
    .replace(/%3A/gi, ':')
    .replace(/%24/g, '$')
    .replace(/%2C/gi, ',')
    .replace(/%20/g, '+');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return (
    (proto === null || proto === Object.prototype) && !(Symbol.toStringTag in value) && !(Symbol.iterator in value)
  );
}

function isVisitable(value: unknown): boolean {
  return isPlainObject(value) || Array.isArray(value);
}

function scalar(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** `a[b][c]` for a nested key, each part's `[]` suffix dropped. */
function renderKey(path: readonly string[], key: string): string {
  return [...path, key]
    .map((t, i) => {
      const token = t.endsWith('[]') ? t.slice(0, -2) : t;
      return i ? `[${token}]` : token;
    })
    .join('');
}

/**
 * The (key, value) pairs of `params` as axios's default serializer lists them: undefined and null
 * values skipped, a flat array as `key[]` pairs, a nested object as `key[sub]`, a Date as its ISO
 * text, a key ending in `{}` as JSON. `form`: a Buffer as base64 (axios's form body).
 */
export function paramPairs(params: Readonly<Record<string, unknown>>, form = false): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const add = (key: string, value: unknown): void =>
    void pairs.push([key, form && Buffer.isBuffer(value) ? value.toString('base64') : scalar(value)]);
  const stack: unknown[] = [];
  const build = (value: unknown, path: string[] | undefined): void => {
    if (stack.includes(value)) throw new Error(`Circular reference detected in ${(path ?? []).join('.')}`);
    stack.push(value);
    const entries: Array<[string, unknown]> = Array.isArray(value)
      ? value.map((el, i): [string, unknown] => [String(i), el])
      : Object.keys(value as object).map((k): [string, unknown] => [k, (value as Record<string, unknown>)[k]]);
    for (const [rawKey, el] of entries) {
      if (el === undefined || el === null) continue;
      let key = Array.isArray(value) ? rawKey : rawKey.trim();
      if (!path && typeof el === 'object') {
        if (key.endsWith('{}')) {
          add(key, JSON.stringify(el));
          continue;
        }
        if (Array.isArray(el) && (!el.some(isVisitable) || key.endsWith('[]'))) {
          key = key.endsWith('[]') ? key.slice(0, -2) : key;
          for (const item of el as unknown[]) if (item !== undefined && item !== null) add(`${key}[]`, item);
          continue;
        }
      }
      if (isVisitable(el)) build(el, path ? [...path, key] : [key]);
      else add(path ? renderKey(path, key) : key, el);
    }
    stack.pop();
  };
  build(params, undefined);
  return pairs;
}

/** The query string of `params` (no leading `?`), encoded as axios encoded it. */
export function serializeParams(params: Readonly<Record<string, unknown>>): string {
  return paramPairs(params)
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');
}

/** Where a request goes: the server (origin), the path with its query, credentials in the URL. */
export interface RequestTarget {
  origin: string;
  path: string;
  username: string;
  password: string;
}

/**
 * The joined URL parsed (as axios does, so a path is normalised the same way, its `#fragment`
 * dropped), `params` appended to the query the url already has, as text (not through URL, which
 * would escape the quote marks axios sent as they are).
 */
export function requestTarget(base: string, url: string, params?: Readonly<Record<string, unknown>>): RequestTarget {
  const parsed = new URL(joinUrl(base, url));
  let path = parsed.pathname + parsed.search;
  const query = params ? serializeParams(params) : '';
  if (query) path += (parsed.search ? '&' : '?') + query;
  return { origin: parsed.origin, path, username: parsed.username, password: parsed.password };
}
