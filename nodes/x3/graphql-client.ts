/**
 * X3Client over X3's GraphQL API (Xtrem, `POST {url}/xtrem/api` with `x-xtrem-endpoint`),
 * reference section 3. Package prefixes, node names, selections and mutation texts come from
 * the entity catalogue, so schema differences between releases are configuration, not code.
 */
import { ApiError, ValidationError } from '../core/errors';
import { isObj, type Obj } from '../core/plain-object';
import type { HttpClient } from '../core/http';
import type { PageQuery, X3Client, X3WriteResult } from './client';
import {
  graphqlField,
  graphqlInput,
  graphqlInputType,
  graphqlPackage,
  graphqlSelection,
  recordFromGraphql,
  type EntityDefinition,
  type X3Record,
} from './entities';

export interface GraphqlClientOptions {
  /** `/xtrem/api`, or an absolute data-service URL (X3 Cloud). */
  path: string;
  /** X3 endpoint (folder) sent as `x-xtrem-endpoint`. */
  folder: string;
  /** Package prefix: `x3` (2024 R1+) or `xtremX3` (2023 R2). */
  prefix: string;
}

/** Xtrem filter strings quote with single quotes (reference 3.3). */
export function xtremString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Second precision: X3 stamps have no milliseconds; flooring keeps the bound inclusive. */
function stampLiteral(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** The message text of a GraphQL error answer (HTTP 4xx or `errors[]` with 200). */
export function graphqlErrorText(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined;
  if (!isObj(body) || !Array.isArray(body.errors) || body.errors.length === 0) return undefined;
  return body.errors.map((e) => (isObj(e) && typeof e.message === 'string' ? e.message : JSON.stringify(e))).join('; ');
}

function graphqlErrorCode(body: unknown): string | undefined {
  if (!isObj(body) || !Array.isArray(body.errors)) return undefined;
  const first = body.errors[0];
  const ext = isObj(first) && isObj(first.extensions) ? first.extensions : undefined;
  return ext && typeof ext.code === 'string' ? ext.code : undefined;
}

export class GraphqlX3Client implements X3Client {
  readonly style = 'graphql' as const;

  constructor(
    private readonly http: HttpClient,
    private readonly options: GraphqlClientOptions,
  ) {}

  /**
   * Runs a document; GraphQL errors (even with partial data) become an ApiError with X3's text.
   * A mutation answered with errors beside data is ambiguous: data means the mutation field was
   * resolved, so X3 may have written the record even though a part of the answer failed.
   */
  async execute(query: string, variables: Obj, idempotent: boolean, signal?: AbortSignal): Promise<Obj> {
    const res = await this.http.request<unknown>({
      method: 'POST',
      url: this.options.path,
      data: { query, variables },
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-xtrem-endpoint': this.options.folder,
      },
      idempotent,
      signal,
    });
    const body = res.data;
    const errors = graphqlErrorText(isObj(body) ? { errors: body.errors } : undefined);
    if (errors) {
      const ambiguous = !idempotent && isObj(body) && isObj(body.data);
      const text = `X3 GraphQL: ${errors}${graphqlErrorCode(body) ? ` (${graphqlErrorCode(body)})` : ''}`;
      throw new ApiError({
        system: 'x3',
        code: 'X3_GRAPHQL_ERROR',
        status: res.status,
        message: ambiguous
          ? `${text} (outcome unknown: X3 answered data and errors, it may have applied the change)`
          : text,
        retryable: false,
        ambiguous,
        details: body,
      });
    }
    if (!isObj(body) || !isObj(body.data)) {
      throw new ApiError({
        system: 'x3',
        code: 'X3_BAD_RESPONSE',
        status: res.status,
        message: 'X3 GraphQL answer has no data',
      });
    }
    return body.data;
  }

  private nodePath(def: EntityDefinition): [string, string] {
    if (!def.graphql.node || !def.graphql.package) {
      throw new ValidationError(
        'x3',
        'graphql.node',
        `${def.name} has no GraphQL package/node configured (entities.${def.name}.graphql)`,
      );
    }
    return [graphqlPackage(def, this.options.prefix), def.graphql.node];
  }

  private dig(data: Obj, def: EntityDefinition, leaf: string): unknown {
    const [pkg, node] = this.nodePath(def);
    const p = data[pkg];
    const n = isObj(p) ? p[node] : undefined;
    return isObj(n) ? n[leaf] : undefined;
  }

  private stampFilter(def: EntityDefinition, since: string): string {
    return `{${def.graphql.stamp}: {_gte: ${xtremString(stampLiteral(since))}}}`;
  }

  private combine(filters: string[]): string | undefined {
    const parts = filters.map((f) => f.trim()).filter(Boolean);
    if (parts.length === 0) return undefined;
    if (parts.length === 1) return parts[0];
    // An array string is read as AND by Xtrem (Sage's purchasing sample).
    return `[${parts.map((p) => (p.startsWith('[') ? p.slice(1, -1) : p)).join(', ')}]`;
  }

  async *queryPages(def: EntityDefinition, q: PageQuery): AsyncGenerator<X3Record[], void, void> {
    const [pkg, node] = this.nodePath(def);
    const selection = graphqlSelection(def, q.withLines === true);
    const query =
      `query X3Poll($first: Int!, $after: String, $filter: String, $orderBy: String) { ${pkg} { ${node} { ` +
      `query(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { ` +
      `pageInfo { endCursor hasNextPage } edges { node { ${selection} } } } } } }`;
    const since = q.since && !q.newestFirst ? this.stampFilter(def, q.since) : '';
    const filter = this.combine([since, q.filter ?? '']);
    const dir = q.newestFirst ? -1 : 1;
    const orderBy = `{${def.graphql.stamp}: ${dir}, _id: ${dir}}`;
    let after: string | undefined;
    for (;;) {
      const data = await this.execute(
        query,
        { first: q.pageSize, after: after ?? null, filter: filter ?? null, orderBy },
        true,
        q.signal,
      );
      const conn = this.dig(data, def, 'query');
      if (!isObj(conn))
        throw new ApiError({
          system: 'x3',
          code: 'X3_BAD_RESPONSE',
          message: `X3 GraphQL: no ${pkg}.${node}.query in the answer`,
        });
      const edges = Array.isArray(conn.edges) ? conn.edges : [];
      yield edges.map((e) => recordFromGraphql(def, isObj(e) ? e.node : undefined));
      const info = isObj(conn.pageInfo) ? conn.pageInfo : {};
      if (info.hasNextPage !== true || typeof info.endCursor !== 'string' || edges.length === 0) return;
      after = info.endCursor;
    }
  }

  async read(
    def: EntityDefinition,
    key: string,
    options: { withLines?: boolean; signal?: AbortSignal } = {},
  ): Promise<X3Record | undefined> {
    const [pkg, node] = this.nodePath(def);
    const query = `query X3Read($id: Id!) { ${pkg} { ${node} { read(_id: $id) { ${graphqlSelection(def, options.withLines !== false)} } } } }`;
    const data = await this.execute(query, { id: key }, true, options.signal);
    const rec = this.dig(data, def, 'read');
    return isObj(rec) ? recordFromGraphql(def, rec) : undefined;
  }

  /** Records by key in one query (`_in` on `_id`, as `read` finds one); keys X3 lacks are absent. */
  async readMany(def: EntityDefinition, keys: string[], options: { signal?: AbortSignal } = {}): Promise<X3Record[]> {
    const filter = `{_id: {_in: [${keys.map(xtremString).join(', ')}]}}`;
    const out: X3Record[] = [];
    for await (const page of this.queryPages(def, { pageSize: keys.length, filter, signal: options.signal }))
      out.push(...page);
    return out;
  }

  async findBy(def: EntityDefinition, field: string, value: string): Promise<X3Record | undefined> {
    const [pkg, node] = this.nodePath(def);
    const f = graphqlField(def, field);
    const filter = f.kind === 'ref' ? `{${f.gql}: {_id: ${xtremString(value)}}}` : `{${f.gql}: ${xtremString(value)}}`;
    const query =
      `query X3Find($filter: String) { ${pkg} { ${node} { query(first: 1, filter: $filter) { ` +
      `edges { node { ${graphqlSelection(def, true)} } } } } } }`;
    const data = await this.execute(query, { filter }, true);
    const conn = this.dig(data, def, 'query');
    // "none" must be X3 saying so: a create is repeated on the strength of it
    if (!isObj(conn) || !Array.isArray(conn.edges)) {
      throw new ApiError({
        system: 'x3',
        code: 'X3_BAD_RESPONSE',
        message: `X3 GraphQL: no ${pkg}.${node}.query.edges in the answer to the lookup by ${field}`,
      });
    }
    const first = conn.edges[0];
    return isObj(first) ? recordFromGraphql(def, first.node) : undefined;
  }

  private mutationText(def: EntityDefinition, op: 'create' | 'update'): string {
    const custom = op === 'create' ? def.graphql.createMutation : def.graphql.updateMutation;
    if (custom) return custom;
    const [pkg, node] = this.nodePath(def);
    return `mutation X3${op === 'create' ? 'Create' : 'Update'}($data: ${graphqlInputType(def)}!) { ${pkg} { ${node} { ${op}(data: $data) { ${graphqlSelection(def, true)} } } } }`;
  }

  private async mutate(def: EntityDefinition, op: 'create' | 'update', data: Obj): Promise<X3WriteResult> {
    const result = await this.execute(this.mutationText(def, op), { data }, false);
    const rec = this.dig(result, def, op);
    return { record: isObj(rec) ? recordFromGraphql(def, rec) : {}, messages: [] };
  }

  create(def: EntityDefinition, record: X3Record): Promise<X3WriteResult> {
    return this.mutate(def, 'create', graphqlInput(def, record));
  }

  update(def: EntityDefinition, key: string, changes: X3Record): Promise<X3WriteResult> {
    const input = graphqlInput(def, changes);
    return this.mutate(def, 'update', { _id: key, ...input });
  }
}
