/**
 * X3Client over the REST Web API (api1, SData 2.0 JSON), reference section 4:
 * `{url}/api1/x3/erp/{folder}/{CLASS}?representation={REPR}.$query|$details|$edit|$create`.
 * api1 updates only class-based entities; classic documents (SORDER, SDELIVERY, PORDER) are
 * refused and must be routed to SOAP, which the error says.
 */
import { ApiError, ValidationError } from '../core/errors';
import { isObj, type Obj } from '../core/plain-object';
import type { HttpClient } from '../core/http';
import { renderTemplate } from '../core/template';
import { withoutMeta, type PageQuery, type X3Client, type X3WriteResult } from './client';
import type { EntityDefinition, X3Record } from './entities';

export interface RestClientOptions {
  /** Base URL of the X3 server (scheme, host, port). */
  url: string;
  /** `/api1/x3/erp`. */
  path: string;
  folder: string;
  /** Datetime literal of the where clause, `{{value}}` = UTC ISO (reference 4.2 [U]). */
  datetimeLiteral: string;
}

/** SData string literal: single quotes, a quote doubled. */
export function sdataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `$diagnoses[].$message` of an api1 error body. */
export function restErrorText(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined;
  if (!isObj(body)) return undefined;
  const diags = Array.isArray(body.$diagnoses) ? body.$diagnoses : [];
  const texts = diags
    .map((d) => (isObj(d) ? (d.$message ?? d.message) : undefined))
    .filter((m): m is string => typeof m === 'string' && m.length > 0);
  if (texts.length) return texts.join('; ');
  return typeof body.$message === 'string'
    ? body.$message
    : typeof body.message === 'string'
      ? body.message
      : undefined;
}

export class RestX3Client implements X3Client {
  readonly style = 'rest' as const;
  private readonly origin: string;

  constructor(
    private readonly http: HttpClient,
    private readonly options: RestClientOptions,
  ) {
    this.origin = new URL(options.url).origin;
  }

  private classUrl(def: EntityDefinition): string {
    if (!def.rest.class)
      throw new ValidationError(
        'x3',
        'rest.class',
        `${def.name} has no REST class configured (entities.${def.name}.rest)`,
      );
    return `${this.options.path.replace(/\/$/, '')}/${encodeURIComponent(this.options.folder)}/${encodeURIComponent(def.rest.class)}`;
  }

  private keyUrl(def: EntityDefinition, key: string, facet: string): string {
    return `${this.classUrl(def)}(${encodeURIComponent(sdataString(key))})?representation=${encodeURIComponent(def.rest.representation)}.${facet}`;
  }

  private queryUrl(
    def: EntityDefinition,
    where: string | undefined,
    orderBy: string | undefined,
    count: number,
  ): string {
    let url = `${this.classUrl(def)}?representation=${encodeURIComponent(def.rest.representation)}.$query&count=${count}`;
    if (where) url += `&where=${encodeURIComponent(where)}`;
    if (orderBy) url += `&orderBy=${encodeURIComponent(orderBy)}`;
    return url;
  }

  /** `$links.$next.$url`, only when it points at the configured server (credentials go with it). */
  private nextUrl(body: Obj): string | undefined {
    const links = isObj(body.$links) ? body.$links : undefined;
    const next = links && isObj(links.$next) ? links.$next.$url : undefined;
    if (typeof next !== 'string' || !next) return undefined;
    const resolved = new URL(next, this.options.url);
    if (resolved.origin !== this.origin) {
      throw new ApiError({
        system: 'x3',
        code: 'X3_BAD_RESPONSE',
        message: `X3 REST: next-page link points at another server (${resolved.origin}); not following it with our credentials`,
      });
    }
    return resolved.toString();
  }

  private async get(url: string, signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
    try {
      const res = await this.http.request<unknown>({
        method: 'GET',
        url,
        headers: { accept: 'application/json' },
        signal,
      });
      return { status: res.status, body: res.data };
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return { status: 404, body: undefined };
      throw err;
    }
  }

  async *queryPages(def: EntityDefinition, q: PageQuery): AsyncGenerator<X3Record[], void, void> {
    const clauses: string[] = [];
    if (q.since && !q.newestFirst) {
      const value = q.since.replace(/\.\d+Z$/, 'Z');
      clauses.push(`${def.stamp} ge ${renderTemplate(this.options.datetimeLiteral, { value })}`);
    }
    if (q.filter?.trim()) clauses.push(q.filter.trim());
    const where = clauses.length > 1 ? clauses.map((c) => `(${c})`).join(' and ') : clauses[0];
    const dir = q.newestFirst ? 'desc' : 'asc';
    let url: string | undefined = this.queryUrl(def, where, `${def.stamp} ${dir}, ${def.key} ${dir}`, q.pageSize);
    while (url) {
      const res: { data: unknown } = await this.http.request<unknown>({
        method: 'GET',
        url,
        headers: { accept: 'application/json' },
        signal: q.signal,
      });
      const body: Obj = isObj(res.data) ? res.data : {};
      const resources: unknown[] = Array.isArray(body.$resources) ? body.$resources : [];
      let records = resources.map(withoutMeta);
      if (q.withLines) {
        const full: X3Record[] = [];
        for (const r of records) {
          const key = r[def.key];
          full.push(
            (typeof key === 'string' || typeof key === 'number'
              ? await this.read(def, String(key), { signal: q.signal })
              : undefined) ?? r,
          );
        }
        records = full;
      }
      yield records;
      url = resources.length ? this.nextUrl(body) : undefined;
    }
  }

  async read(
    def: EntityDefinition,
    key: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<X3Record | undefined> {
    const res = await this.get(this.keyUrl(def, key, '$details'), options.signal);
    return res.status === 404 || !isObj(res.body) ? undefined : withoutMeta(res.body);
  }

  /** Records by key in one query facet read (`in`); only the list's columns, keys X3 lacks absent. */
  async readMany(def: EntityDefinition, keys: string[], options: { signal?: AbortSignal } = {}): Promise<X3Record[]> {
    const where = `${def.key} in (${keys.map(sdataString).join(', ')})`;
    const out: X3Record[] = [];
    for await (const page of this.queryPages(def, { pageSize: keys.length, filter: where, signal: options.signal }))
      out.push(...page);
    return out;
  }

  async findBy(def: EntityDefinition, field: string, value: string): Promise<X3Record | undefined> {
    const res = await this.http.request<unknown>({
      method: 'GET',
      url: this.queryUrl(def, `${field} eq ${sdataString(value)}`, undefined, 1),
      headers: { accept: 'application/json' },
    });
    const body = isObj(res.data) ? res.data : {};
    // "none" must be X3 saying so: a create is repeated on the strength of it
    if (!Array.isArray(body.$resources)) {
      throw new ApiError({
        system: 'x3',
        code: 'X3_BAD_RESPONSE',
        status: res.status,
        message: `X3 REST: no $resources in the answer to the lookup by ${field}`,
      });
    }
    const first: unknown = body.$resources[0];
    if (!isObj(first)) return undefined;
    const key = first[def.key];
    return (
      (typeof key === 'string' || typeof key === 'number' ? await this.read(def, String(key)) : undefined) ??
      withoutMeta(first)
    );
  }

  /** api1 refuses writes of classic objects (reference 4.4): say where they must go instead. */
  private async write(
    def: EntityDefinition,
    method: 'POST' | 'PUT',
    url: string,
    data: X3Record,
  ): Promise<X3WriteResult> {
    try {
      const res = await this.http.request<unknown>({
        method,
        url,
        data,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
      });
      return { record: withoutMeta(res.data), messages: [] };
    } catch (err) {
      if (
        err instanceof ApiError &&
        def.classic &&
        err.status !== undefined &&
        err.status >= 400 &&
        err.status < 500 &&
        err.status !== 401
      ) {
        throw new ApiError({
          system: 'x3',
          code: err.code,
          status: err.status,
          message: `${err.message} (${def.rest.class} is a classic X3 object: api1 cannot write it; route ${def.name} writes to SOAP in x3-config)`,
          retryable: false,
          details: err.details,
          cause: err,
        });
      }
      throw err;
    }
  }

  create(def: EntityDefinition, record: X3Record): Promise<X3WriteResult> {
    const url = `${this.classUrl(def)}?representation=${encodeURIComponent(def.rest.representation)}.$create`;
    return this.write(def, 'POST', url, record);
  }

  update(def: EntityDefinition, key: string, changes: X3Record): Promise<X3WriteResult> {
    return this.write(def, 'PUT', this.keyUrl(def, key, '$edit'), changes);
  }
}
