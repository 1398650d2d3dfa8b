/**
 * The one X3 client interface the nodes use, whichever API does the work: GraphQL (Xtrem),
 * REST api1 or classic SOAP web services. Records always use X3 dictionary names (the entity
 * catalogue maps GraphQL properties), so a flow does not change when a route changes.
 *
 * Implementations: graphql-client.ts, rest-client.ts, soap-client.ts. Which one serves an
 * (entity, operation) pair is decided by the x3-config route table (`resolveStyle`).
 */
import { ValidationError } from '../core/errors';
import {
  API_STYLES,
  ENTITY_OPERATIONS,
  defaultRoute,
  trimDim,
  type ApiStyle,
  type EntityDefinition,
  type EntityOperation,
  type X3Record,
} from './entities';
import type { SoapMessage } from './soap';

export type { ApiStyle, EntityDefinition, EntityOperation, X3Record };

export interface PageQuery {
  /** Inclusive lower bound of the update stamp (UTC ISO); absent = every record. */
  since?: string;
  pageSize: number;
  /** Extra filter in the API's own syntax (Xtrem filter object text / SData where clause). */
  filter?: string;
  withLines?: boolean;
  /**
   * Newest first (stamp then key descending), `since` ignored: where "now" is in X3's clock,
   * read as the first page only.
   */
  newestFirst?: boolean;
  /** Aborts the request in flight and ends the paging (the polling node is closing). */
  signal?: AbortSignal;
}

export interface X3WriteResult {
  /** The record as X3 holds it after the write. */
  record: X3Record;
  /** X3's information and warning messages (SOAP); errors are thrown. */
  messages: SoapMessage[];
}

export interface X3Client {
  readonly style: ApiStyle;
  /**
   * Records stamped at or after `since`, ordered by stamp then key, one page at a time: the
   * caller consumes a page before the next is fetched, so memory stays bounded.
   */
  queryPages(def: EntityDefinition, query: PageQuery): AsyncGenerator<X3Record[], void, void>;
  /** One record by key, or undefined when X3 has none. */
  read(
    def: EntityDefinition,
    key: string,
    options?: { withLines?: boolean; signal?: AbortSignal },
  ): Promise<X3Record | undefined>;
  /**
   * Records by key in one request, where the API filters by a key list (GraphQL, REST; not SOAP):
   * keys X3 lacks are absent, and REST gives only the query facet's columns.
   */
  readMany?(def: EntityDefinition, keys: string[], options?: { signal?: AbortSignal }): Promise<X3Record[]>;
  /** The first record whose `field` equals `value` (external references), or undefined. */
  findBy(def: EntityDefinition, field: string, value: string): Promise<X3Record | undefined>;
  create(def: EntityDefinition, record: X3Record): Promise<X3WriteResult>;
  /** Sends only the given fields. */
  update(def: EntityDefinition, key: string, changes: X3Record): Promise<X3WriteResult>;
}

/** Per entity and operation, the API that does the work (x3-config "routes"). */
export type RouteTable = Record<string, Partial<Record<EntityOperation, ApiStyle>>>;

export function parseRoutes(value: unknown): RouteTable {
  if (value === undefined || value === null || value === '') return {};
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      throw new ValidationError('x3', 'routes', `routes is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError(
      'x3',
      'routes',
      'routes must be an object: {"salesDelivery": {"read": "graphql", "update": "soap"}}',
    );
  }
  const out: RouteTable = {};
  for (const [entity, ops] of Object.entries(parsed as Record<string, unknown>)) {
    if (!ops || typeof ops !== 'object' || Array.isArray(ops)) {
      throw new ValidationError('x3', `routes.${entity}`, `routes.${entity} must be an object of operation: API style`);
    }
    out[entity] = {};
    for (const [op, style] of Object.entries(ops as Record<string, unknown>)) {
      if (!(ENTITY_OPERATIONS as readonly string[]).includes(op)) {
        throw new ValidationError(
          'x3',
          `routes.${entity}.${op}`,
          `routes.${entity}: unknown operation "${op}" (use ${ENTITY_OPERATIONS.join(', ')})`,
        );
      }
      if (!(API_STYLES as readonly string[]).includes(String(style))) {
        throw new ValidationError(
          'x3',
          `routes.${entity}.${op}`,
          `routes.${entity}.${op}: unknown API "${String(style)}" (use ${API_STYLES.join(', ')})`,
        );
      }
      out[entity][op as EntityOperation] = style as ApiStyle;
    }
  }
  return out;
}

/** The API style for an operation: the route table, else reads by `readStyle`, classic writes by SOAP. */
export function resolveStyle(
  routes: RouteTable,
  def: EntityDefinition,
  readStyle: ApiStyle,
  operation: EntityOperation,
): ApiStyle {
  return routes[def.name]?.[operation] ?? defaultRoute(def, readStyle, operation);
}

/** Fields of `desired` whose value differs from `current` (compared as X3 would show them). */
export function changedFields(current: X3Record, desired: X3Record): X3Record {
  const out: X3Record = {};
  for (const [k, v] of Object.entries(desired)) {
    if (!sameValue(current[k], v)) out[k] = v;
  }
  return out;
}

function norm(v: unknown): unknown {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) {
    const list = v.map(norm);
    while (list.length && list[list.length - 1] === '') list.pop();
    return list;
  }
  if (typeof v === 'object') return v;
  return String(v).trim();
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/**
 * Strips api1's `$uuid`, `$etag`, `$url`... from a record and its lines, and trims dimensioned
 * fields (lists of texts) of their trailing empty elements, as every client does.
 */
export function withoutMeta(value: unknown): X3Record {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: X3Record = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k.startsWith('$')) continue;
    if (!Array.isArray(v)) out[k] = v;
    else if (v.some((item) => item && typeof item === 'object')) {
      out[k] = v.map((item) => (item && typeof item === 'object' && !Array.isArray(item) ? withoutMeta(item) : item));
    } else out[k] = trimDim(v);
  }
  return out;
}
