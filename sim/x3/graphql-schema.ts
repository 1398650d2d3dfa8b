/**
 * The Xtrem-style GraphQL schema of the sim, generated from the entity dictionary with
 * graphql-js: `<prefix><Package> { <node> { query(...) read(_id) } }` and mutations only on
 * nodes that have an API operation in X3 (reference 3.2, 3.6).
 */
import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLError,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
  type GraphQLInputType,
} from 'graphql';
import type { X3SimKnobs } from './config';
import {
  ENTITY_NAMES,
  ENTITY_REFS,
  type EntityDef,
  type EntityName,
  type FieldSpec,
  type LineDef,
  type LookupKind,
} from './entities';
import { compareTuples, type QueryEngine, type SortKey, type SortValue } from './query';
import type { RecordInput, StoredRecord, X3Store } from './store';
import { X3BusinessError, type RecordValues } from './values';
import {
  compileXtremFilter,
  compileXtremOrderBy,
  entityView,
  FilterSyntaxError,
  type FilterView,
} from './xtrem-filter';

export interface GqlContext {
  user: string;
}

export interface SchemaDeps {
  store: X3Store;
  engine: QueryEngine;
  knobs: X3SimKnobs;
  prefix: 'x3' | 'xtremX3';
}

/** Anything with X3 values: a stored record or a line. */
interface ValuesSource {
  values: RecordValues;
}
interface LineSource extends ValuesSource {
  id: string;
}
interface LookupSource {
  kind: LookupKind;
  code: string;
}
interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  filter?: string | null;
  orderBy?: string | null;
}

const DEFAULT_PAGE = 20;

const IdScalar = new GraphQLScalarType({
  name: 'Id',
  serialize: (v) => String(v),
  parseValue: (v) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw new GraphQLError('Id must be a string');
    return String(v);
  },
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return ast.value;
    throw new GraphQLError('Id must be a string');
  },
});

function stringScalar(name: string, check: (s: string) => boolean, what: string): GraphQLScalarType {
  const parse = (v: unknown): string => {
    if (typeof v !== 'string' || !check(v))
      throw new GraphQLError(`${name} expected (${what}), got ${JSON.stringify(v)}`);
    return v;
  };
  return new GraphQLScalarType({
    name,
    serialize: (v) => String(v),
    parseValue: parse,
    parseLiteral: (ast) => {
      if (ast.kind !== Kind.STRING) throw new GraphQLError(`${name} expected (${what})`);
      return parse(ast.value);
    },
  });
}

const DateScalar = stringScalar('Date', (s) => /^\d{4}-\d{2}-\d{2}$/.test(s), 'YYYY-MM-DD');
const DatetimeScalar = stringScalar('Datetime', (s) => !Number.isNaN(Date.parse(s)), 'ISO 8601');

// Decimals travel as strings (Sage passes "22.0" in mutations); output is a string too [U].
const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  serialize: (v) => String(v),
  parseValue: (v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw new GraphQLError(`Decimal expected, got ${JSON.stringify(v)}`);
    return n;
  },
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) {
      const n = Number(ast.value);
      if (Number.isFinite(n)) return n;
    }
    throw new GraphQLError('Decimal expected');
  },
});

const PageInfoType = new GraphQLObjectType({
  name: 'PageInfo',
  fields: {
    startCursor: { type: GraphQLString },
    endCursor: { type: GraphQLString },
    hasPreviousPage: { type: new GraphQLNonNull(GraphQLBoolean) },
    hasNextPage: { type: new GraphQLNonNull(GraphQLBoolean) },
  },
});

const LOOKUP_TYPE_NAMES: Record<LookupKind, string> = {
  site: 'Site',
  supplier: 'Supplier',
  currency: 'Currency',
  country: 'Country',
  unit: 'UnitOfMeasure',
  carrier: 'Carrier',
  deliveryMode: 'DeliveryMode',
  orderType: 'SalesOrderType',
  address: 'ShipToCustomerAddress',
  category: 'Category',
  salesInvoice: 'SalesInvoice',
};

export function encodeCursor(values: readonly SortValue[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, length: number): SortValue[] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === length &&
      v.every((x) => x === null || typeof x === 'string' || typeof x === 'number')
    ) {
      return v as SortValue[];
    }
  } catch {
    // fall through
  }
  throw new GraphQLError(`Invalid cursor: '${cursor}'`, { extensions: { code: 'invalid-cursor' } });
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function argError(what: string, e: unknown): GraphQLError {
  if (e instanceof FilterSyntaxError)
    return new GraphQLError(`Invalid ${what}: ${e.message}`, { extensions: { code: 'invalid-argument' } });
  if (e instanceof GraphQLError) return e;
  throw e;
}

function businessError(e: unknown): GraphQLError {
  if (e instanceof X3BusinessError)
    return new GraphQLError(e.message, { extensions: { code: `business-rule-${e.code}` } });
  if (e instanceof GraphQLError) return e;
  throw e;
}

export function buildX3Schema(deps: SchemaDeps): GraphQLSchema {
  const { store, engine, knobs } = deps;
  const defs = store.defs;
  const objectTypes = new Map<string, GraphQLObjectType>();
  const enumTypes = new Map<string, GraphQLEnumType>();
  const inputTypes = new Map<string, GraphQLInputObjectType>();

  const once = <T>(map: Map<string, T>, name: string, make: () => T): T => {
    let t = map.get(name);
    if (!t) {
      t = make();
      map.set(name, t);
    }
    return t;
  };

  const enumFor = (owner: string, spec: FieldSpec): GraphQLEnumType => {
    const menu = spec.menu ?? [];
    const name = menu.join(',') === 'no,yes' ? 'NoYes' : `${owner}${cap(spec.gql)}`;
    return once(enumTypes, name, () => {
      const values: Record<string, { value: number }> = {};
      menu.forEach((m, i) => (values[m] = { value: i + 1 }));
      return new GraphQLEnumType({ name, values });
    });
  };

  const businessPartnerType = (): GraphQLObjectType =>
    once(
      objectTypes,
      'BusinessPartner',
      () =>
        new GraphQLObjectType<LookupSource, GqlContext>({
          name: 'BusinessPartner',
          fields: {
            _id: { type: IdScalar, resolve: (s) => s.code },
            code: { type: GraphQLString, resolve: (s) => s.code },
            companyName: { type: GraphQLString, resolve: (s) => store.lookups[s.kind][s.code] ?? '' },
          },
        }),
    );

  const lookupType = (kind: LookupKind): GraphQLObjectType => {
    const name = LOOKUP_TYPE_NAMES[kind];
    return once(objectTypes, name, () => {
      const nameOf = (s: LookupSource): string => store.lookups[s.kind][s.code] ?? '';
      const fields: GraphQLFieldConfigMap<LookupSource, GqlContext> = {
        _id: { type: IdScalar, resolve: (s) => s.code },
        code:
          kind === 'supplier'
            ? { type: businessPartnerType(), resolve: (s) => s }
            : { type: GraphQLString, resolve: (s) => s.code },
        name: { type: GraphQLString, resolve: nameOf },
        description: { type: GraphQLString, resolve: nameOf },
      };
      if (kind === 'supplier') fields.companyName = { type: GraphQLString, resolve: nameOf };
      return new GraphQLObjectType<LookupSource, GqlContext>({ name, fields });
    });
  };

  const connectionType = (nodeType: GraphQLObjectType): GraphQLObjectType => {
    const edge = once(
      objectTypes,
      `${nodeType.name}_Edge`,
      () =>
        new GraphQLObjectType({
          name: `${nodeType.name}_Edge`,
          fields: { cursor: { type: GraphQLString }, node: { type: nodeType } },
        }),
    );
    return once(
      objectTypes,
      `${nodeType.name}_Connection`,
      () =>
        new GraphQLObjectType({
          name: `${nodeType.name}_Connection`,
          fields: {
            totalCount: { type: GraphQLInt },
            pageInfo: { type: PageInfoType },
            edges: { type: new GraphQLList(edge) },
          },
        }),
    );
  };

  const connectionArgs = {
    first: { type: GraphQLInt },
    after: { type: GraphQLString },
    filter: { type: GraphQLString },
    orderBy: { type: GraphQLString },
  };

  const checkFirst = (first: number | null | undefined): number => {
    const n = first ?? DEFAULT_PAGE;
    if (n < 0)
      throw new GraphQLError('Invalid argument: first must not be negative', {
        extensions: { code: 'invalid-argument' },
      });
    if (knobs.graphqlMaxPageSize > 0 && n > knobs.graphqlMaxPageSize) {
      throw new GraphQLError(`Invalid argument: first must not exceed ${knobs.graphqlMaxPageSize}`, {
        extensions: { code: 'invalid-argument' },
      });
    }
    return n;
  };

  /** In-memory connection for small collections (lines, dimensioned fields). */
  const collectionType = <S extends ValuesSource>(
    name: string,
    nodeType: GraphQLObjectType,
    view: FilterView,
    items: (parent: unknown) => S[],
  ): GraphQLObjectType =>
    once(
      objectTypes,
      `${name}_Collection`,
      () =>
        new GraphQLObjectType({
          name: `${name}_Collection`,
          fields: {
            query: {
              type: connectionType(nodeType),
              args: connectionArgs,
              resolve: (parent: unknown, args: ConnectionArgs) => {
                let predicate;
                let sort: SortKey[];
                try {
                  predicate = compileXtremFilter(args.filter, view, store);
                } catch (e) {
                  throw argError('filter', e);
                }
                try {
                  sort = compileXtremOrderBy(args.orderBy, view, store);
                } catch (e) {
                  throw argError('orderBy', e);
                }
                const first = checkFirst(args.first ?? 1000);
                const all = items(parent)
                  .filter((s) => !predicate || predicate(s.values))
                  .map((s) => ({ s, vals: sort.map((k) => k.get(s.values)) }))
                  .sort((a, b) => compareTuples(a.vals, b.vals, sort));
                const after = args.after ? decodeCursor(args.after, sort.length) : undefined;
                const startIdx = after ? all.findIndex((x) => compareTuples(x.vals, after, sort) > 0) : 0;
                const rest = startIdx < 0 ? [] : all.slice(startIdx);
                const page = rest.slice(0, first);
                const edges = page.map((x) => ({ cursor: encodeCursor(x.vals), node: x.s }));
                return {
                  totalCount: all.length,
                  edges,
                  pageInfo: {
                    startCursor: edges[0]?.cursor ?? null,
                    endCursor: edges[edges.length - 1]?.cursor ?? null,
                    hasNextPage: rest.length > page.length,
                    hasPreviousPage: startIdx > 0,
                  },
                };
              },
            },
          },
        }),
    );

  const dimCollection = (owner: string, spec: FieldSpec): GraphQLObjectType => {
    const typeName = `${owner}${cap(spec.gql)}`;
    const prop = spec.dimProperty ?? 'value';
    const nodeType = once(
      objectTypes,
      typeName,
      () =>
        new GraphQLObjectType<LineSource, GqlContext>({
          name: typeName,
          fields: {
            _id: { type: IdScalar, resolve: (s) => s.id },
            _sortValue: { type: GraphQLInt, resolve: (s) => s.values.denormalizedIndex },
            denormalizedIndex: { type: GraphQLInt, resolve: (s) => s.values.denormalizedIndex },
            [prop]: { type: GraphQLString, resolve: (s) => s.values[prop] },
          },
        }),
    );
    const view: FilterView = {
      typeName,
      idField: 'denormalizedIndex',
      fields: [
        { x3: 'denormalizedIndex', gql: 'denormalizedIndex', kind: 'int', title: 'Index', soapGroup: '' },
        { x3: '_sortValue', gql: '_sortValue', kind: 'int', title: 'Sort value', soapGroup: '' },
        { x3: prop, gql: prop, kind: 'string', title: prop, soapGroup: '' },
      ],
    };
    return collectionType<LineSource>(typeName, nodeType, view, (parent) => {
      const src = parent as { key: string; values: RecordValues };
      const list = src.values[spec.x3];
      const arr = Array.isArray(list) ? list : [];
      return arr
        .map((value, i) => ({
          id: `${src.key}|${i + 1}`,
          values: { denormalizedIndex: i + 1, _sortValue: i + 1, [prop]: value } as RecordValues,
        }))
        .filter((x) => x.values[prop] !== '');
    });
  };

  const outputField = (
    owner: string,
    spec: FieldSpec,
  ): GraphQLFieldConfig<ValuesSource & { key?: string }, GqlContext> => {
    const raw = (s: ValuesSource): RecordValues[string] => s.values[spec.x3];
    if (spec.dim) {
      return { type: dimCollection(owner, spec), resolve: (s) => ({ key: s.key ?? '', values: s.values }) };
    }
    switch (spec.kind) {
      case 'string':
        return { type: GraphQLString, resolve: raw };
      case 'int':
        return { type: GraphQLInt, resolve: raw };
      case 'decimal':
        return { type: DecimalScalar, resolve: raw };
      case 'date':
        return { type: DateScalar, resolve: raw };
      case 'datetime':
        return { type: DatetimeScalar, resolve: raw };
      case 'menu':
        return { type: enumFor(owner, spec), resolve: raw };
      case 'ref': {
        const target = spec.ref ? ENTITY_REFS[spec.ref] : undefined;
        if (target) {
          return {
            type: nodeTypeOf(target),
            resolve: (s) => {
              const code = raw(s);
              return typeof code === 'string' && code !== '' ? (store.get(target, code) ?? null) : null;
            },
          };
        }
        const kind = spec.ref as LookupKind;
        return {
          type: lookupType(kind),
          resolve: (s): LookupSource | null => {
            const code = raw(s);
            return typeof code === 'string' && code !== '' ? { kind, code } : null;
          },
        };
      }
    }
  };

  /**
   * The GraphQL properties of a field list in this schema variant: absent fields left out, a
   * dimensioned field shown as one scalar per element where the variant says so.
   */
  const addOutputFields = <S extends ValuesSource & { key?: string }>(
    out: GraphQLFieldConfigMap<S, GqlContext>,
    owner: string,
    specs: readonly FieldSpec[],
  ): void => {
    for (const f of specs) {
      if (f.gqlAbsent) continue;
      const description = f.gqlDescription ?? f.title;
      if (f.gqlParts) {
        f.gqlParts.forEach((part, i) => {
          out[part] = {
            type: GraphQLString,
            description: `${description} ${i + 1}`,
            resolve: (s) => {
              const list = s.values[f.x3];
              return Array.isArray(list) ? (list[i] ?? '') : i === 0 ? (list ?? '') : '';
            },
          };
        });
        continue;
      }
      out[f.gql] = { ...(outputField(owner, f) as GraphQLFieldConfig<S, GqlContext>), description };
    }
  };

  const lineType = (ld: LineDef): GraphQLObjectType =>
    once(
      objectTypes,
      ld.gqlType,
      () =>
        new GraphQLObjectType<LineSource, GqlContext>({
          name: ld.gqlType,
          fields: () => {
            const fields: GraphQLFieldConfigMap<LineSource, GqlContext> = {
              _id: { type: IdScalar, resolve: (s) => s.id },
            };
            addOutputFields(fields, ld.gqlType, ld.fields);
            return fields;
          },
        }),
    );

  function nodeTypeOf(entity: EntityName): GraphQLObjectType {
    const def = defs[entity];
    return once(
      objectTypes,
      def.gqlType,
      () =>
        new GraphQLObjectType<StoredRecord, GqlContext>({
          name: def.gqlType,
          fields: () => {
            const fields: GraphQLFieldConfigMap<StoredRecord, GqlContext> = {
              _id: { type: IdScalar, resolve: (r) => r.key },
              _etag: { type: GraphQLString, resolve: (r) => String(r.updTick) },
            };
            addOutputFields(fields, def.gqlType, def.fields);
            const ld = def.lines;
            if (ld) {
              const view: FilterView = { typeName: ld.gqlType, fields: ld.fields, idField: ld.lineKey };
              fields[ld.gqlName] = {
                type: collectionType<LineSource>(ld.gqlType, lineType(ld), view, (parent) => {
                  const rec = parent as StoredRecord;
                  return rec.lines.map((l) => ({ id: `${rec.key}|${String(l[ld.lineKey])}`, values: l }));
                }),
                resolve: (r) => r,
              };
            }
            return fields;
          },
        }),
    );
  }

  // ---- inputs ----
  const dimInput = (owner: string, spec: FieldSpec): GraphQLInputObjectType => {
    const name = `${owner}${cap(spec.gql)}_Input`;
    const prop = spec.dimProperty ?? 'value';
    return once(
      inputTypes,
      name,
      () => new GraphQLInputObjectType({ name, fields: { [prop]: { type: GraphQLString } } }),
    );
  };

  const inputFieldType = (owner: string, spec: FieldSpec): GraphQLInputType => {
    if (spec.dim) return new GraphQLList(dimInput(owner, spec));
    switch (spec.kind) {
      case 'string':
      case 'ref':
        return GraphQLString;
      case 'int':
        return GraphQLInt;
      case 'decimal':
        return DecimalScalar;
      case 'date':
        return DateScalar;
      case 'datetime':
        return DatetimeScalar;
      case 'menu':
        return enumFor(owner, spec);
    }
  };

  const inputFields = (owner: string, fields: readonly FieldSpec[]): GraphQLInputFieldConfigMap => {
    const out: GraphQLInputFieldConfigMap = {};
    for (const f of fields) {
      if (f.readOnly || f.gqlAbsent) continue;
      if (f.gqlParts) for (const part of f.gqlParts) out[part] = { type: GraphQLString };
      else out[f.gql] = { type: inputFieldType(owner, f) };
    }
    return out;
  };

  const inputTypeOf = (def: EntityDef): GraphQLInputObjectType =>
    once(inputTypes, `${def.gqlType}_Input`, () => {
      const fields = inputFields(def.gqlType, def.fields);
      if (def.gqlMutations.includes('update')) fields._id = { type: IdScalar };
      if (def.lines) {
        const ld = def.lines;
        const lineInput = once(
          inputTypes,
          `${ld.gqlType}_Input`,
          () => new GraphQLInputObjectType({ name: `${ld.gqlType}_Input`, fields: inputFields(ld.gqlType, ld.fields) }),
        );
        fields[ld.gqlName] = { type: new GraphQLList(lineInput) };
      }
      return new GraphQLInputObjectType({ name: `${def.gqlType}_Input`, fields });
    });

  const toX3 = (fields: readonly FieldSpec[], data: Record<string, unknown>): RecordInput => {
    const out: RecordInput = {};
    for (const f of fields) {
      if (!f.gqlParts || f.gqlAbsent || !f.gqlParts.some((p) => p in data)) continue;
      out[f.x3] = f.gqlParts.map((p) => (typeof data[p] === 'string' ? (data[p] as string) : ''));
    }
    for (const [k, v] of Object.entries(data)) {
      const spec = fields.find((f) => f.gql === k && !f.gqlAbsent && !f.gqlParts);
      if (!spec) continue;
      if (spec.dim) {
        const prop = spec.dimProperty ?? 'value';
        out[spec.x3] = Array.isArray(v)
          ? v.map((x) => (x && typeof x === 'object' ? ((x as Record<string, unknown>)[prop] ?? '') : ''))
          : v;
      } else out[spec.x3] = v;
    }
    return out;
  };

  const inputToRecord = (def: EntityDef, data: Record<string, unknown>): RecordInput => {
    const out = toX3(def.fields, data);
    if (def.lines && Array.isArray(data[def.lines.gqlName])) {
      const ld = def.lines;
      out[ld.restName] = (data[ld.gqlName] as Record<string, unknown>[]).map((l) => toX3(ld.fields, l ?? {}));
    }
    return out;
  };

  // ---- operations ----
  const operationsType = (def: EntityDef): GraphQLObjectType =>
    new GraphQLObjectType({
      name: `${def.gqlType}_Operations`,
      fields: {
        query: {
          type: connectionType(nodeTypeOf(def.name)),
          args: connectionArgs,
          resolve: (_src: unknown, args: ConnectionArgs) => {
            const view = entityView(def);
            let predicate;
            let sort: SortKey[];
            try {
              predicate = compileXtremFilter(args.filter, view, store);
            } catch (e) {
              throw argError('filter', e);
            }
            try {
              sort = compileXtremOrderBy(args.orderBy, view, store);
            } catch (e) {
              throw argError('orderBy', e);
            }
            const first = checkFirst(args.first);
            const after = args.after ? decodeCursor(args.after, sort.length) : undefined;
            const filterId = args.filter ?? '';
            const page = engine.page({
              entity: def.name,
              sort,
              predicate,
              filterId,
              after,
              limit: first,
              needTotal: false,
            });
            const edges = page.rows.map((r) => ({ cursor: encodeCursor(r.sortValues), node: r.record }));
            return {
              // computed only when selected
              totalCount: () => engine.count(def.name, predicate, filterId),
              edges,
              pageInfo: {
                startCursor: edges[0]?.cursor ?? null,
                endCursor: edges[edges.length - 1]?.cursor ?? null,
                hasNextPage: page.hasNext,
                hasPreviousPage: page.hasPrevious,
              },
            };
          },
        },
        read: {
          type: nodeTypeOf(def.name),
          args: { _id: { type: new GraphQLNonNull(IdScalar) } },
          resolve: (_src: unknown, args: { _id: string }) => store.get(def.name, args._id) ?? null,
        },
      },
    });

  const mutationsType = (def: EntityDef): GraphQLObjectType | null => {
    if (def.gqlMutations.length === 0) return null;
    const fields: GraphQLFieldConfigMap<unknown, GqlContext> = {};
    const dataArg = { data: { type: new GraphQLNonNull(inputTypeOf(def)) } };
    if (def.gqlMutations.includes('create')) {
      fields.create = {
        type: nodeTypeOf(def.name),
        args: dataArg,
        resolve: (_s, args: { data: Record<string, unknown> }, ctx) => {
          try {
            return store.insert(def.name, inputToRecord(def, args.data), { via: 'graphql', user: ctx.user }).record;
          } catch (e) {
            throw businessError(e);
          }
        },
      };
    }
    if (def.gqlMutations.includes('update')) {
      fields.update = {
        type: nodeTypeOf(def.name),
        args: dataArg,
        resolve: (_s, args: { data: Record<string, unknown> }, ctx) => {
          const id = args.data._id;
          if (typeof id !== 'string' || id === '')
            throw new GraphQLError(`${def.gqlType}_Input: _id is required for update`, {
              extensions: { code: 'invalid-argument' },
            });
          const data = { ...args.data };
          delete data._id;
          try {
            return store.update(def.name, id, inputToRecord(def, data), { via: 'graphql', user: ctx.user }).record;
          } catch (e) {
            throw businessError(e);
          }
        },
      };
    }
    return new GraphQLObjectType({ name: `${def.gqlType}_Mutations`, fields });
  };

  const packages: Array<EntityDef['gqlPackage']> = ['Sales', 'Purchasing', 'MasterData', 'StockData'];
  const queryFields: GraphQLFieldConfigMap<unknown, GqlContext> = {};
  const mutationFields: GraphQLFieldConfigMap<unknown, GqlContext> = {};
  for (const pkg of packages) {
    const rootName = `${deps.prefix}${pkg}`;
    const pkgDefs = ENTITY_NAMES.map((n) => defs[n]).filter((d) => d.gqlPackage === pkg);
    const qf: GraphQLFieldConfigMap<unknown, GqlContext> = {};
    const mf: GraphQLFieldConfigMap<unknown, GqlContext> = {};
    for (const d of pkgDefs) {
      qf[d.gqlNode] = { type: operationsType(d), resolve: () => ({}) };
      const m = mutationsType(d);
      if (m) mf[d.gqlNode] = { type: m, resolve: () => ({}) };
    }
    queryFields[rootName] = {
      type: new GraphQLObjectType({ name: `${cap(rootName)}_Package`, fields: qf }),
      resolve: () => ({}),
    };
    if (Object.keys(mf).length > 0) {
      mutationFields[rootName] = {
        type: new GraphQLObjectType({ name: `${cap(rootName)}_Mutation`, fields: mf }),
        resolve: () => ({}),
      };
    }
  }
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: queryFields }),
    mutation: new GraphQLObjectType({ name: 'Mutation', fields: mutationFields }),
  });
}
