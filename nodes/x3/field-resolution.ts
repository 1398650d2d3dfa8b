/**
 * Matches the entity catalogue to the schema one X3 actually has (schema-discovery.ts): each
 * catalogue field to the GraphQL property this release calls it (its catalogue name, known
 * alternatives across releases, or the X3 dictionary name where a description shows it), the
 * user's override always winning; SOAP groups and the lines TAB from the publication's
 * description; the site's own Y.../Z... fields added. The result is an ordinary
 * EntityDefinition, so the clients stay as they are, plus a report saying how each field was
 * found and what is missing.
 */
import { ValidationError } from '../core/errors';
import {
  graphqlInputType as graphqlInputName,
  type ApiStyle,
  type EntityDefinition,
  type FieldMapping,
  type LinesDefinition,
  type X3Record,
} from './entities';
import type { DictionarySchema, GraphqlEntitySchema, SchemaProperty } from './schema-discovery';

/** How a field was found in the GraphQL schema. */
export type MatchKind = 'catalogue' | 'alternative' | 'dictionary' | 'override' | 'custom' | 'missing';

export interface FieldReport {
  /** X3 dictionary name. */
  x3: string;
  /** The catalogue's (or override's) GraphQL name. */
  wanted: string;
  /** The property found (absent when missing). */
  property?: string;
  /** A dimensioned field found as one property per element. */
  parts?: string[];
  match: MatchKind;
  required?: boolean;
  /** X3's "Did you mean" for an override naming a property it does not have. */
  suggestions?: string[];
}

export interface EntityReport {
  entity: string;
  graphql?: {
    package: string;
    node: string;
    type?: string;
    found: boolean;
    fields: FieldReport[];
    lines?: FieldReport[];
  };
  rest?: { class: string; representation: string; missing: string[]; custom: string[] };
  soap?: { publication: string; missing: string[]; custom: string[] };
  /** Faces not read, with the reason. */
  notDiscovered: string[];
  /** Problems that stop the entity from working (a missing key or stamp). */
  errors: string[];
  /** Optional fields left out: one warning each per deploy. */
  warnings: string[];
}

export interface DiscoveredEntity {
  graphql?: GraphqlEntitySchema;
  /** GraphQL was read and the node is not there. */
  graphqlMissing?: { packages: string[] };
  rest?: DictionarySchema;
  soap?: DictionarySchema;
  notDiscovered: string[];
}

export interface Resolution {
  def: EntityDefinition;
  report: EntityReport;
}

/**
 * Other names of catalogue properties in other releases and installations, by catalogue name.
 * A dimensioned field may also be found as one property per element (`parts`).
 */
const ALTERNATIVES: Record<string, string[]> = {
  customerOrderReference: ['customerReference', 'customerOrderRef'],
  internalOrderReference: ['orderReference'],
  email: ['emailAddress'],
  telephone: ['phone', 'phoneNumber'],
  isValidated: ['validated', 'isConfirmed'],
  numberOfPackages: ['packageCount', 'numberOfPackage'],
  grossWeight: ['totalGrossWeight', 'weight'],
  eanCode: ['ean', 'gtin'],
  description1: ['description'],
  lines: ['salesOrderLines', 'salesDeliveryLines', 'deliveryLines', 'orderLines'],
  purchaseOrderLines: ['lines'],
};

/** Alternatives that depend on the ship-to/ship-from prefix (`shipToCustomer`, `shipFromSupplier`). */
const PREFIXED: Array<{ suffix: string; alternatives: string[] }> = [
  { suffix: 'Telephone', alternatives: ['Phone', 'PhoneNumber'] },
  { suffix: 'Email', alternatives: ['EmailAddress'] },
];

/** Per-element properties of a dimensioned field: element i's candidate names. */
function partCandidates(gql: string, dim: number): string[][] {
  const m = /^(.*)(CompanyNames|AddressLines)$/.exec(gql);
  if (!m) return [];
  const [, prefix, what] = m;
  if (what === 'CompanyNames') {
    const contact = prefix.replace(/Customer$|Supplier$/, '');
    return [
      [`${prefix}CompanyName`, `${prefix}Name`],
      [`${contact}ContactName`, `${prefix}ContactName`],
    ];
  }
  return Array.from({ length: dim }, (_, i) => [`${prefix}AddressLine${i + 1}`]);
}

function alternativesOf(gql: string): string[] {
  const out = [...(ALTERNATIVES[gql] ?? [])];
  for (const p of PREFIXED) {
    if (gql.endsWith(p.suffix) && gql.length > p.suffix.length) {
      const base = gql.slice(0, -p.suffix.length);
      for (const a of p.alternatives) out.push(`${base}${a}`);
    }
  }
  return out;
}

/** A description naming the X3 field: "Gross weight (GROWEI)", "GROWEI - Gross weight". */
function namesField(description: string | undefined, x3: string): boolean {
  return !!description && new RegExp(`(^|[^A-Z0-9_])${x3}([^A-Z0-9_]|$)`).test(description);
}

const SKIP_MEMBERS = new Set(['_id', '_sortValue', 'denormalizedIndex', '__typename']);

interface Matched {
  field: FieldMapping;
  report: FieldReport;
}

function adapt(f: FieldMapping, p: SchemaProperty): FieldMapping {
  const out: FieldMapping = { ...f, gql: p.name };
  delete out.gqlParts;
  if (f.kind === 'dim') {
    if (p.shape === 'collection') {
      const members = (p.members ?? []).filter((m) => !SKIP_MEMBERS.has(m));
      if (f.dimProperty && !members.includes(f.dimProperty) && members.length) out.dimProperty = members[0];
    } else if (p.shape === 'scalar') {
      out.gqlParts = [p.name];
    }
  } else if (f.kind === 'ref') {
    if (p.shape === 'scalar') delete out.kind;
    else if (p.shape === 'object') {
      const members = p.members ?? [];
      const rp = f.refProperty ?? '_id';
      if (!members.includes(rp.split('.')[0]) && members.includes('code')) out.refProperty = 'code';
    }
  } else if (p.shape === 'object') {
    // a plain value in the catalogue, a reference in this X3
    out.kind = 'ref';
    out.refProperty = (p.members ?? []).includes('_id') ? '_id' : 'code';
  }
  return out;
}

function dimOf(f: FieldMapping): number {
  return f.x3.endsWith('ADDLIG') ? 3 : 2;
}

function matchField(f: FieldMapping, props: Map<string, SchemaProperty>, claimed: Set<string>): Matched {
  const report: FieldReport = { x3: f.x3, wanted: f.gql, match: 'missing' };
  const take = (p: SchemaProperty, match: MatchKind): Matched => {
    claimed.add(p.name);
    const field = adapt(f, p);
    return {
      field,
      report: { ...report, property: p.name, match, ...(field.gqlParts ? { parts: field.gqlParts } : {}) },
    };
  };
  if (f.overridden) {
    const p = props.get(f.gql);
    if (p) return take(p, 'override');
    // the user's word wins: sent as given, X3's own answer names what is wrong
    claimed.add(f.gql);
    return { field: f, report: { ...report, property: f.gql, match: 'override', suggestions: [] } };
  }
  const own = props.get(f.gql);
  if (own && !claimed.has(own.name)) return take(own, 'catalogue');
  for (const alt of alternativesOf(f.gql)) {
    const p = props.get(alt);
    if (p && !claimed.has(alt)) return take(p, 'alternative');
  }
  if (f.kind === 'dim') {
    const candidates = partCandidates(f.gql, dimOf(f));
    const parts: string[] = [];
    for (const names of candidates) {
      const hit = names.find((n) => props.get(n)?.shape === 'scalar' && !claimed.has(n));
      if (!hit) break;
      parts.push(hit);
    }
    if (parts.length) {
      for (const p of parts) claimed.add(p);
      const field: FieldMapping = { ...f, gqlParts: parts };
      return { field, report: { ...report, property: parts[0], parts, match: 'alternative' } };
    }
  }
  for (const p of props.values()) {
    if (!claimed.has(p.name) && namesField(p.description, f.x3)) return take(p, 'dictionary');
  }
  return { field: { ...f, gql: '' }, report };
}

/** camelCase GraphQL names of site-specific fields: X3's Y... and Z... fields. */
const CUSTOM_GQL = /^[yz][A-Z0-9]/;
const CUSTOM_X3 = /^[YZ][A-Z0-9_]*$/;

function normTitle(s: string | undefined): string {
  return (s ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The X3 name of a custom GraphQL property: named in its description, or the field with its title. */
function customX3Name(p: SchemaProperty, dictionary: DictionarySchema[], taken: Set<string>): string | undefined {
  const candidates = new Map<string, string | undefined>();
  for (const d of dictionary)
    for (const f of d.fields.values())
      if (CUSTOM_X3.test(f.name)) candidates.set(f.name, candidates.get(f.name) ?? f.title);
  for (const name of candidates.keys()) if (!taken.has(name) && namesField(p.description, name)) return name;
  const title = normTitle(p.description);
  if (!title) return undefined;
  const byTitle = [...candidates].filter(([name, t]) => !taken.has(name) && normTitle(t) === title);
  return byTitle.length === 1 ? byTitle[0][0] : undefined;
}

function resolveGraphql(
  def: EntityDefinition,
  g: GraphqlEntitySchema,
  dictionary: DictionarySchema[],
  report: EntityReport,
): EntityDefinition {
  const out: EntityDefinition = {
    ...def,
    graphql: { ...def.graphql, package: g.package, ...(g.inputType ? { inputType: g.inputType } : {}) },
  };
  const claimed = new Set<string>(['_id', '_etag', '_createStamp', '_updateStamp']);
  const fields: FieldReport[] = [];

  if (!g.properties.has('_id')) report.errors.push(`${g.typeName} has no _id: the key ${def.key} cannot be read`);
  if (!g.properties.has(def.graphql.stamp)) {
    // only the catalogue's stamp is looked for under other names: a stamp the user named is kept
    const catalogued = def.graphql.stamp === '_updateStamp';
    const alt = catalogued ? ['updateStamp', '_updateTimestamp'].find((n) => g.properties.has(n)) : undefined;
    const byName =
      alt ??
      (catalogued ? [...g.properties.values()].find((p) => namesField(p.description, def.stamp))?.name : undefined);
    if (byName) {
      out.graphql.stamp = byName;
      fields.push({ x3: def.stamp, wanted: def.graphql.stamp, property: byName, match: 'alternative', required: true });
    } else {
      fields.push({ x3: def.stamp, wanted: def.graphql.stamp, match: 'missing', required: true });
      report.errors.push(
        `${g.typeName} has no update stamp ${def.graphql.stamp} (${def.stamp}): the watermark needs it; name it in entities.${def.name}.graphql.stamp`,
      );
    }
  }
  claimed.add(out.graphql.stamp);

  // overrides first: the user's word wins over a catalogue or alternative name
  const order = [...def.fields].sort((a, b) => Number(!!b.overridden) - Number(!!a.overridden));
  const resolved = new Map<FieldMapping, FieldMapping>();
  for (const f of order) {
    if (!f.gql && !f.gqlParts) {
      resolved.set(f, f);
      continue;
    }
    if (f.gql.startsWith('_')) {
      // system properties: the stamp as resolved above, the others only when X3 has them
      const gql = f.x3 === def.stamp ? out.graphql.stamp : g.properties.has(f.gql) ? f.gql : '';
      resolved.set(f, gql === f.gql ? f : { ...f, gql });
      continue;
    }
    const m = matchField(f, g.properties, claimed);
    resolved.set(f, m.field);
    fields.push(m.report);
  }
  out.fields = def.fields.map((f) => resolved.get(f) ?? f);

  // the site's own fields (Y..., Z...) the catalogue does not know
  const taken = new Set(out.fields.map((f) => f.x3));
  for (const p of g.properties.values()) {
    if (claimed.has(p.name) || !CUSTOM_GQL.test(p.name) || p.shape === 'collection') continue;
    const x3 = customX3Name(p, dictionary, taken) ?? p.name;
    taken.add(x3);
    claimed.add(p.name);
    out.fields.push({ x3, gql: p.name, ...(p.shape === 'object' ? { kind: 'ref' as const } : {}) });
    fields.push({ x3, wanted: p.name, property: p.name, match: 'custom' });
  }

  const missing = fields.filter((r) => r.match === 'missing' && !r.required).map((r) => r.x3);
  for (const x3 of missing) {
    const r = fields.find((f) => f.x3 === x3)!;
    report.warnings.push(
      `${def.name}: X3 has no GraphQL property for ${x3} (catalogue name ${r.wanted}): left out of the selection; map it under entities.${def.name}.fields if it has another name`,
    );
  }

  let lineReports: FieldReport[] | undefined;
  if (def.lines) {
    if (g.lines) {
      const lclaimed = new Set<string>(['_id']);
      lineReports = [];
      const lfields: FieldMapping[] = [];
      for (const f of def.lines.fields) {
        if (!f.gql) {
          lfields.push(f);
          continue;
        }
        const m = matchField(f, g.lines.properties, lclaimed);
        lfields.push(m.field);
        lineReports.push(m.report);
        if (m.report.match === 'missing') {
          missing.push(`${def.lines.x3}.${f.x3}`);
          report.warnings.push(
            `${def.name}: X3 has no GraphQL property for line field ${f.x3} (catalogue name ${f.gql}): left out of the selection`,
          );
        }
      }
      const lines: LinesDefinition = { ...def.lines, gql: g.lines.property, fields: lfields };
      out.lines = lines;
    } else {
      report.warnings.push(
        `${def.name}: X3 has no GraphQL lines collection ${def.lines.gql} on ${g.typeName}: lines are not read through GraphQL`,
      );
    }
  }
  report.graphql = {
    package: g.package,
    node: g.node,
    type: g.typeName,
    found: true,
    fields,
    ...(lineReports ? { lines: lineReports } : {}),
  };
  out.faces = { ...out.faces, graphqlType: g.typeName, graphqlMissing: missing };
  if (g.inputFields) {
    const input = g.inputFields;
    out.faces.graphqlInput = out.fields
      .filter((f) => (f.gqlParts ? f.gqlParts.every((p) => input.has(p)) : !!f.gql && input.has(f.gql)))
      .map((f) => f.x3);
  }
  return out;
}

function resolveDictionary(
  def: EntityDefinition,
  d: DictionarySchema,
  face: 'rest' | 'soap',
  report: EntityReport,
  catalogue: Set<string>,
): EntityDefinition {
  const out: EntityDefinition = { ...def, fields: [...def.fields] };
  const missing = def.fields.filter((f) => catalogue.has(f.x3) && !d.fields.has(f.x3)).map((f) => f.x3);
  const custom: string[] = [];
  const known = new Set(def.fields.map((f) => f.x3));
  for (const f of d.fields.values()) {
    if (catalogue.has(f.name) || !CUSTOM_X3.test(f.name)) continue;
    custom.push(f.name);
    if (known.has(f.name)) continue;
    out.fields.push({ x3: f.name, gql: '', ...(f.readOnly ? { readOnly: true } : {}) });
    known.add(f.name);
  }
  if (face === 'soap') {
    out.fields = out.fields.map((f) => {
      const g = d.fields.get(f.x3)?.group;
      return g ? { ...f, soapGroup: g } : f;
    });
    if (def.lines && d.linesTab) out.lines = { ...(out.lines ?? def.lines), soapTab: d.linesTab };
  }
  const fields = [...d.fields.keys()];
  const lineFields = [...d.lineFields.keys()];
  out.faces = { ...out.faces, [face]: { fields, lineFields } };
  if (face === 'rest') {
    report.rest = { class: def.rest.class, representation: def.rest.representation, missing, custom };
    for (const required of [def.key, def.stamp]) {
      if (!d.fields.has(required))
        report.errors.push(`REST representation ${def.rest.representation} has no ${required}`);
      else if (d.queryColumns && !d.queryColumns.has(required))
        report.errors.push(
          `REST representation ${def.rest.representation}: its $query list has no ${required} (reference 4.3: use a representation that lists it)`,
        );
    }
  } else {
    report.soap = { publication: def.soap.publication, missing, custom };
    if (!d.fields.has(def.key)) report.errors.push(`SOAP publication ${def.soap.publication} has no ${def.key}`);
  }
  return out;
}

/**
 * The definition as this X3 has it, and the report. Faces not discovered keep the catalogue's
 * names; `readStyle` tells which face's missing key/stamp is an error.
 */
export function resolveEntity(def: EntityDefinition, found: DiscoveredEntity, readStyle: ApiStyle): Resolution {
  const report: EntityReport = { entity: def.name, notDiscovered: [...found.notDiscovered], errors: [], warnings: [] };
  let out: EntityDefinition = { ...def };
  const dictionary = [found.soap, found.rest].filter((d): d is DictionarySchema => !!d);
  // SOAP first: it names the groups of the custom fields GraphQL then maps
  const catalogue = new Set(def.fields.map((f) => f.x3));
  // a missing key or stamp matters on the face that reads (the watermark, the records' keys)
  const onlyIfReading = (style: ApiStyle, work: () => void): void => {
    const before = report.errors.length;
    work();
    if (readStyle !== style) report.errors.splice(before);
  };
  if (found.soap) out = resolveDictionary(out, found.soap, 'soap', report, catalogue);
  if (found.rest) onlyIfReading('rest', () => (out = resolveDictionary(out, found.rest!, 'rest', report, catalogue)));
  if (found.graphql) {
    // custom dictionary fields are matched again by GraphQL: start from the catalogue's list
    const customs = out.fields.filter(
      (f) => !def.fields.includes(f) && !f.gql && !def.fields.some((d) => d.x3 === f.x3),
    );
    const base: EntityDefinition = { ...out, fields: out.fields.filter((f) => !customs.includes(f)) };
    onlyIfReading('graphql', () => (out = resolveGraphql(base, found.graphql!, dictionary, report)));
    const have = new Set(out.fields.map((f) => f.x3));
    for (const c of customs) if (!have.has(c.x3)) out.fields.push(c);
    // a custom field GraphQL found takes the SOAP group the description gave
    out.fields = out.fields.map((f) => {
      const group = f.soapGroup ?? found.soap?.fields.get(f.x3)?.group;
      return group ? { ...f, soapGroup: group } : f;
    });
  } else if (found.graphqlMissing) {
    report.graphql = {
      package: found.graphqlMissing.packages.join(' / '),
      node: def.graphql.node,
      found: false,
      fields: [],
    };
    if (readStyle === 'graphql')
      report.errors.push(
        `X3's GraphQL schema has no ${def.graphql.node} under ${found.graphqlMissing.packages.join(' or ')}: set entities.${def.name}.graphql (package, node)`,
      );
  }
  return { def: out, report };
}

/**
 * A write naming a field the target face lacks is refused before any call, naming it. GraphQL
 * writes are checked by the mapping itself (entities.ts `graphqlInput`).
 */
export function refuseUnknownFields(def: EntityDefinition, style: ApiStyle, record: X3Record): void {
  if (style === 'graphql') {
    const input = def.faces?.graphqlInput;
    if (!input) return;
    for (const k of Object.keys(record)) {
      if (k.startsWith('$') || (def.lines && (k === def.lines.x3 || k === 'lines'))) continue;
      const f = def.fields.find((m) => m.x3 === k);
      // unmapped fields are refused by the mapping itself; read-only ones are never sent
      if (!f || f.readOnly || (!f.gql && !f.gqlParts) || input.includes(k)) continue;
      throw new ValidationError(
        'x3',
        k,
        `${def.name}: field ${k} (${f.gqlParts?.join(', ') ?? f.gql}) is not in this X3's GraphQL input type ${graphqlInputName(def)}: nothing was sent`,
      );
    }
    return;
  }
  const face = def.faces?.[style];
  if (!face) return;
  const known = new Set(face.fields);
  const lineKnown = new Set(face.lineFields);
  const where =
    style === 'soap' ? `SOAP publication ${def.soap.publication}` : `REST representation ${def.rest.representation}`;
  for (const [k, v] of Object.entries(record)) {
    if (k.startsWith('$')) continue;
    if (def.lines && (k === def.lines.x3 || k === 'lines')) {
      if (!Array.isArray(v)) continue;
      v.forEach((line, i) => {
        if (!line || typeof line !== 'object') return;
        for (const lk of Object.keys(line as object)) {
          if (!lk.startsWith('$') && !lineKnown.has(lk) && lineKnown.size)
            throw new ValidationError(
              'x3',
              `${def.lines!.x3}[${i}].${lk}`,
              `${def.name}: line field ${lk} is not in this X3's ${where}: nothing was sent`,
            );
        }
      });
      continue;
    }
    if (!known.has(k))
      throw new ValidationError('x3', k, `${def.name}: field ${k} is not in this X3's ${where}: nothing was sent`);
  }
}
