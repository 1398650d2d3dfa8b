/**
 * Reads what the X3 it talks to actually has (reference 3.2 and gotcha 1: every release and
 * installation differs): GraphQL introspection of the node types the flows use, api1's
 * `$prototypes` of the representation, and the SOAP publication's `getDescription`. The result
 * is plain data for field-resolution.ts; nothing here decides which catalogue field is which.
 *
 * Introspection walks type by type (root -> package -> node operations -> node -> collections ->
 * their element type), each level one request for every entity at once, instead of reading the
 * whole schema: an X3 schema has thousands of types.
 */
import { XMLParser } from 'fast-xml-parser';
import { ApiError } from '../core/errors';
import { isObj, type Obj } from '../core/plain-object';
import type { EntityDefinition } from './entities';

/** How a property's value looks, which decides how it is selected and read. */
export type PropertyShape = 'scalar' | 'enum' | 'object' | 'collection';

export interface SchemaProperty {
  name: string;
  description?: string;
  shape: PropertyShape;
  /** Named type (after NON_NULL/LIST). */
  typeName: string;
  /** object: the referenced type's properties; collection: the element type's properties. */
  members?: string[];
}

export interface GraphqlEntitySchema {
  /** Root (package) field the node was found under, e.g. `xtremX3Sales`. */
  package: string;
  node: string;
  typeName: string;
  properties: Map<string, SchemaProperty>;
  /** The lines collection, when the catalogue's one (or another collection of lines) exists. */
  lines?: { property: string; typeName: string; properties: Map<string, SchemaProperty> };
  /** Fields of the create/update input type, when X3 has mutations for the node. */
  inputFields?: Set<string>;
  /** The input type's name, as the mutations' `data` argument declares it (reference 3.5: check introspection). */
  inputType?: string;
  /** Mutations the node has. */
  mutations: string[];
}

export interface DictionaryField {
  name: string;
  title?: string;
  readOnly?: boolean;
  /** SOAP group (GRP ID) or TAB ID. */
  group?: string;
}

export interface DictionarySchema {
  /** Header fields by X3 name. */
  fields: Map<string, DictionaryField>;
  /** Line fields by X3 name. */
  lineFields: Map<string, DictionaryField>;
  /** REST: the `$query` facet's columns (what a where clause and orderBy may use). */
  queryColumns?: Set<string>;
  /** SOAP: the lines TAB id. */
  linesTab?: string;
}

/** A GraphQL document runner (GraphqlX3Client.execute). */
export type RunGraphql = (query: string, variables: Obj) => Promise<Obj>;

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
const TYPE_FIELDS = `name kind fields { name description type { ${TYPE_REF} } } inputFields { name type { ${TYPE_REF} } }`;

interface IntrospectedField {
  name: string;
  description?: string;
  kind: string;
  typeName: string;
}

interface IntrospectedType {
  name: string;
  kind: string;
  fields: IntrospectedField[];
  inputFields: IntrospectedField[];
}

function namedType(ref: unknown): { kind: string; name: string } {
  let cur = ref;
  while (isObj(cur) && (cur.kind === 'NON_NULL' || cur.kind === 'LIST') && isObj(cur.ofType)) cur = cur.ofType;
  return isObj(cur) ? { kind: String(cur.kind ?? ''), name: String(cur.name ?? '') } : { kind: '', name: '' };
}

function readFields(list: unknown): IntrospectedField[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObj).map((f) => {
    const t = namedType(f.type);
    return {
      name: String(f.name ?? ''),
      ...(typeof f.description === 'string' && f.description ? { description: f.description } : {}),
      kind: t.kind,
      typeName: t.name,
    };
  });
}

/** GraphQL introspection, one request per level for every type asked at that level. */
export class GraphqlIntrospection {
  private readonly types = new Map<string, IntrospectedType | null>();
  private root?: Promise<{ query: IntrospectedField[]; mutation: IntrospectedField[] }>;

  constructor(private readonly run: RunGraphql) {}

  /** Fields of the Query and Mutation roots (the packages). */
  roots(): Promise<{ query: IntrospectedField[]; mutation: IntrospectedField[] }> {
    this.root ??= this.run(
      `query X3Schema { __schema { queryType { fields { name type { ${TYPE_REF} } } } mutationType { fields { name type { ${TYPE_REF} } } } } }`,
      {},
    ).then((data) => {
      const schema = isObj(data.__schema) ? data.__schema : {};
      const q = isObj(schema.queryType) ? schema.queryType.fields : undefined;
      const m = isObj(schema.mutationType) ? schema.mutationType.fields : undefined;
      if (!Array.isArray(q)) {
        throw new ApiError({
          system: 'x3',
          code: 'X3_BAD_RESPONSE',
          message: 'X3 GraphQL: the introspection answer has no query type',
        });
      }
      return { query: readFields(q), mutation: readFields(m) };
    });
    return this.root;
  }

  /** The named types (null for a name X3 does not know), loading the missing ones in one request. */
  async load(names: Iterable<string>): Promise<Map<string, IntrospectedType | null>> {
    const wanted = [...new Set(names)].filter((n) => n);
    const missing = wanted.filter((n) => !this.types.has(n));
    for (let i = 0; i < missing.length; i += 40) {
      const chunk = missing.slice(i, i + 40);
      const query = `query X3Types { ${chunk.map((n, j) => `t${j}: __type(name: ${JSON.stringify(n)}) { ${TYPE_FIELDS} }`).join(' ')} }`;
      const data = await this.run(query, {});
      chunk.forEach((n, j) => {
        const t = data[`t${j}`];
        this.types.set(
          n,
          isObj(t)
            ? {
                name: n,
                kind: String(t.kind ?? ''),
                fields: readFields(t.fields),
                inputFields: readFields(t.inputFields),
              }
            : null,
        );
      });
    }
    return new Map(wanted.map((n) => [n, this.types.get(n) ?? null]));
  }

  /**
   * The named type of argument `arg` of each field of `typeName`, by field (a mutation's `data`:
   * its input type). Asked apart: arguments of every introspected type would multiply the answers.
   */
  async argumentTypes(typeName: string, arg: string): Promise<Map<string, string>> {
    const data = await this.run(
      `query X3Args { t: __type(name: ${JSON.stringify(typeName)}) { fields { name args { name type { ${TYPE_REF} } } } } }`,
      {},
    );
    const out = new Map<string, string>();
    const fields = isObj(data.t) && Array.isArray(data.t.fields) ? data.t.fields : [];
    for (const f of fields) {
      if (!isObj(f) || !Array.isArray(f.args)) continue;
      const a = f.args.find((x) => isObj(x) && x.name === arg);
      const t = isObj(a) ? namedType(a.type) : undefined;
      if (t?.name) out.set(String(f.name ?? ''), t.name);
    }
    return out;
  }

  async type(name: string): Promise<IntrospectedType | null> {
    return (await this.load([name])).get(name) ?? null;
  }

  /**
   * Properties of object types with their shapes: an object property whose type has a `query`
   * field is a collection, and its element type (query -> edges -> node) is read too.
   */
  async properties(typeNames: string[]): Promise<Map<string, Map<string, SchemaProperty>>> {
    const types = await this.load(typeNames);
    const objectNames = new Set<string>();
    for (const t of types.values())
      for (const f of t?.fields ?? []) if (f.kind === 'OBJECT' || f.kind === 'INTERFACE') objectNames.add(f.typeName);
    const objects = await this.load(objectNames);
    // collection -> connection -> edge -> element: one level per request, for every collection
    const connectionOf = new Map<string, string>();
    for (const [name, t] of objects) {
      const q = t?.fields.find((f) => f.name === 'query');
      if (q) connectionOf.set(name, q.typeName);
    }
    const connections = await this.load(connectionOf.values());
    const edgeOf = new Map<string, string>();
    for (const [name, t] of connections) {
      const e = t?.fields.find((f) => f.name === 'edges');
      if (e) edgeOf.set(name, e.typeName);
    }
    const edges = await this.load(edgeOf.values());
    const elementOf = new Map<string, string>();
    for (const [name, t] of edges) {
      const n = t?.fields.find((f) => f.name === 'node');
      if (n) elementOf.set(name, n.typeName);
    }
    const elements = await this.load(elementOf.values());
    const elementType = (collection: string): IntrospectedType | null => {
      const edge = edgeOf.get(connectionOf.get(collection) ?? '');
      return elements.get(elementOf.get(edge ?? '') ?? '') ?? null;
    };

    const out = new Map<string, Map<string, SchemaProperty>>();
    for (const [name, t] of types) {
      if (!t) continue;
      const props = new Map<string, SchemaProperty>();
      for (const f of t.fields) {
        const base = { name: f.name, typeName: f.typeName, ...(f.description ? { description: f.description } : {}) };
        if (f.kind === 'ENUM') props.set(f.name, { ...base, shape: 'enum' });
        else if (f.kind === 'OBJECT' || f.kind === 'INTERFACE') {
          const target = objects.get(f.typeName);
          if (connectionOf.has(f.typeName)) {
            const el = elementType(f.typeName);
            props.set(f.name, { ...base, shape: 'collection', members: el?.fields.map((m) => m.name) ?? [] });
          } else props.set(f.name, { ...base, shape: 'object', members: target?.fields.map((m) => m.name) ?? [] });
        } else props.set(f.name, { ...base, shape: 'scalar' });
      }
      out.set(name, props);
    }
    return out;
  }

  /** Element type name of a collection type (loaded by `properties`). */
  async elementTypeName(collectionType: string): Promise<string | undefined> {
    const q = (await this.type(collectionType))?.fields.find((f) => f.name === 'query');
    const e = q ? (await this.type(q.typeName))?.fields.find((f) => f.name === 'edges') : undefined;
    const n = e ? (await this.type(e.typeName))?.fields.find((f) => f.name === 'node') : undefined;
    return n?.typeName;
  }
}

/** Package roots to look for a node under: the configured one first, then other releases' prefixes. */
export function packageCandidates(def: EntityDefinition, prefix: string, prefixes: readonly string[]): string[] {
  const p = def.graphql.package;
  if (!p) return [];
  if (!/^[A-Z]/.test(p)) return [p];
  return [...new Set([prefix, ...prefixes])].map((x) => `${x}${p}`);
}

/** Package prefixes of the known releases (reference 3.2), tried after the configured one. */
export const KNOWN_PREFIXES: readonly string[] = ['x3', 'xtremX3'];

/**
 * The GraphQL face of one entity: its node under the first package that has it, the node's
 * properties, its lines and its input type.
 */
export async function discoverGraphqlEntity(
  intro: GraphqlIntrospection,
  def: EntityDefinition,
  prefix: string,
): Promise<GraphqlEntitySchema | undefined> {
  const { query, mutation } = await intro.roots();
  let found: { pkg: string; opsType: string } | undefined;
  for (const pkg of packageCandidates(def, prefix, KNOWN_PREFIXES)) {
    const root = query.find((f) => f.name === pkg);
    if (!root) continue;
    const node = (await intro.type(root.typeName))?.fields.find((f) => f.name === def.graphql.node);
    if (node) {
      found = { pkg, opsType: node.typeName };
      break;
    }
  }
  if (!found) return undefined;
  const ops = await intro.type(found.opsType);
  const read = ops?.fields.find((f) => f.name === 'read');
  let typeName = read?.typeName;
  if (!typeName) {
    const q = ops?.fields.find((f) => f.name === 'query');
    const e = q ? (await intro.type(q.typeName))?.fields.find((f) => f.name === 'edges') : undefined;
    typeName = e ? (await intro.type(e.typeName))?.fields.find((f) => f.name === 'node')?.typeName : undefined;
  }
  if (!typeName) return undefined;
  const props = (await intro.properties([typeName])).get(typeName) ?? new Map<string, SchemaProperty>();

  const schema: GraphqlEntitySchema = {
    package: found.pkg,
    node: def.graphql.node,
    typeName,
    properties: props,
    mutations: [],
  };
  const linesProp = def.lines ? props.get(def.lines.gql) : undefined;
  if (linesProp?.shape === 'collection') {
    const el = await intro.elementTypeName(linesProp.typeName);
    if (el) {
      const lineProps = (await intro.properties([el])).get(el);
      if (lineProps) schema.lines = { property: linesProp.name, typeName: el, properties: lineProps };
    }
  }
  const mroot = mutation.find((f) => f.name === found.pkg);
  const mnode = mroot ? (await intro.type(mroot.typeName))?.fields.find((f) => f.name === def.graphql.node) : undefined;
  const mops = mnode ? await intro.type(mnode.typeName) : undefined;
  schema.mutations = mops?.fields.map((f) => f.name) ?? [];
  if (mnode && schema.mutations.length) {
    // the name the mutations declare wins over the `<Type>_Input` convention; a name the user set is
    // kept even when X3 lacks it (X3's own answer then says what is wrong)
    const args = def.graphql.inputType ? undefined : await intro.argumentTypes(mnode.typeName, 'data');
    const names = args ? [args.get('create'), args.get('update'), `${typeName}_Input`] : [def.graphql.inputType];
    for (const name of names) {
      const input = name ? await intro.type(name) : null;
      if (!name || input?.kind !== 'INPUT_OBJECT') continue;
      schema.inputType = name;
      schema.inputFields = new Set(input.inputFields.map((f) => f.name));
      break;
    }
  }
  return schema;
}

/* ---------- REST api1 ---------- */

function prototypeFields(body: unknown): Map<string, DictionaryField> {
  const out = new Map<string, DictionaryField>();
  const props = isObj(body) && isObj(body.$properties) ? body.$properties : {};
  for (const [name, p] of Object.entries(props)) {
    if (!isObj(p) || name.startsWith('$')) continue;
    out.set(name, {
      name,
      ...(typeof p.$title === 'string' ? { title: p.$title } : {}),
      ...(p.$isReadOnly === true ? { readOnly: true } : {}),
    });
  }
  return out;
}

function prototypeLines(body: unknown, linesName: string | undefined): Map<string, DictionaryField> {
  const props = isObj(body) && isObj(body.$properties) ? body.$properties : {};
  const lines = linesName ? props[linesName] : undefined;
  const item = isObj(lines) && isObj(lines.$item) ? lines.$item : undefined;
  return prototypeFields(item);
}

/** The api1 face of one entity from `$prototypes('<REPR>.$details')` and `.$query`. */
export async function discoverRestEntity(
  get: (url: string) => Promise<unknown>,
  classUrl: string,
  def: EntityDefinition,
): Promise<DictionarySchema> {
  const proto = (facet: string): string =>
    `${classUrl}/$prototypes(${encodeURIComponent(`'${def.rest.representation}.$${facet}'`)})`;
  const details = await get(proto('details'));
  const query = await get(proto('query')).catch(() => undefined);
  const fields = prototypeFields(details);
  const lineFields = prototypeLines(details, def.lines?.x3);
  for (const name of lineFields.keys()) fields.delete(name);
  if (def.lines) fields.delete(def.lines.x3);
  return {
    fields,
    lineFields,
    ...(query !== undefined ? { queryColumns: new Set(prototypeFields(query).keys()) } : {}),
  };
}

/* ---------- SOAP ---------- */

const descParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  isArray: (name: string) => ['GRP', 'FLD', 'TAB'].includes(name),
});

/**
 * A publication's `getDescription` (ADXDESC: GRP and TAB with FLD NAME, C_<lang> title, RO):
 * which group carries each field, which are read-only, the lines TAB.
 */
export function parseSoapDescription(xml: string): DictionarySchema {
  const doc: unknown = descParser.parse(xml);
  const root = isObj(doc) && isObj(doc.ADXDESC) ? doc.ADXDESC : {};
  const fields = new Map<string, DictionaryField>();
  const lineFields = new Map<string, DictionaryField>();
  const read = (container: Obj, into: Map<string, DictionaryField>): void => {
    const group = String(container['@_ID'] ?? '');
    for (const f of (container.FLD as unknown[] | undefined) ?? []) {
      if (!isObj(f) || typeof f['@_NAME'] !== 'string') continue;
      const title = Object.entries(f).find(([k]) => k.startsWith('@_C_'))?.[1];
      into.set(f['@_NAME'], {
        name: f['@_NAME'],
        group,
        ...(typeof title === 'string' ? { title } : {}),
        ...(f['@_RO'] === '1' ? { readOnly: true } : {}),
      });
    }
  };
  for (const g of (root.GRP as unknown[] | undefined) ?? []) if (isObj(g)) read(g, fields);
  let linesTab: string | undefined;
  for (const t of (root.TAB as unknown[] | undefined) ?? []) {
    if (!isObj(t)) continue;
    linesTab ??= String(t['@_ID'] ?? '');
    read(t, lineFields);
  }
  return { fields, lineFields, ...(linesTab ? { linesTab } : {}) };
}
