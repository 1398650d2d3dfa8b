/**
 * The X3 entity catalogue: for each business object, its name on every API face (GraphQL
 * package/node/properties, REST api1 class/representation, SOAP publication/groups), its key and
 * update-stamp fields, and the map from GraphQL properties to X3 dictionary names so that a
 * record looks the same whichever API read it.
 *
 * Names follow /work/shared/reference/sage-x3-api.md. Most of them depend on the X3 release and
 * on the customer's screens (the reference marks them uncertain), so every part of a definition
 * can be overridden from x3-config (and x3-poll) settings with `applyEntityOverrides`.
 */
import { ValidationError } from '../core/errors';
import { isObj, type Obj } from '../core/plain-object';

export type ApiStyle = 'graphql' | 'rest' | 'soap';
export const API_STYLES: readonly ApiStyle[] = ['graphql', 'rest', 'soap'];

/** What a node does with an entity; each can be routed to its own API style. */
export type EntityOperation = 'read' | 'create' | 'update';
export const ENTITY_OPERATIONS: readonly EntityOperation[] = ['read', 'create', 'update'];

export const BUILTIN_ENTITIES = ['salesOrder', 'salesDelivery', 'purchaseOrder', 'customer', 'product'] as const;
export type BuiltinEntityName = (typeof BUILTIN_ENTITIES)[number];

/**
 * How a GraphQL property becomes an X3 value:
 * - scalar: as is; number: numeric text -> number (GraphQL decimals come back as strings);
 * - date: YYYY-MM-DD (SOAP's YYYYMMDD is converted both ways);
 * - ref: a reference node, its code read from `refProperty` (default `_id`);
 * - dim: a dimensioned X3 field exposed as a sub-node collection, one element per node in
 *   `dimProperty` (X3 returns an array of strings over REST);
 * - menu: a local menu, GraphQL enum names mapped to X3's 1-based menu numbers.
 */
export type FieldKind = 'scalar' | 'number' | 'date' | 'ref' | 'dim' | 'menu';

export interface FieldMapping {
  /** X3 dictionary name (REST property, SOAP FLD NAME). */
  x3: string;
  /** GraphQL property. */
  gql: string;
  kind?: FieldKind;
  refProperty?: string;
  dimProperty?: string;
  /** GraphQL enum names in X3 menu order (index 0 = menu value 1). */
  menu?: string[];
  /** Maintained by X3 (stamps, statuses): never sent in a write. */
  readOnly?: boolean;
  /** SOAP group (GRP ID) that carries the field in the publication. */
  soapGroup?: string;
  /**
   * A dimensioned field that this X3 shows as one scalar property per element (e.g.
   * `shipToCustomerAddressLine1..3`) instead of a sub-node collection; set by field-resolution.ts.
   */
  gqlParts?: string[];
  /** Given in the user's entity override: field resolution keeps it as it is. */
  overridden?: boolean;
}

export interface LinesDefinition {
  /** Key of the lines array in records: the REST child name (SORDERQ, SDELIVERYD, PORDERQ). */
  x3: string;
  /** GraphQL collection property. */
  gql: string;
  /** SOAP TAB ID. */
  soapTab: string;
  fields: FieldMapping[];
}

export interface EntityDefinition {
  name: string;
  /** X3 key field (also GraphQL `_id`). */
  key: string;
  /** X3 update stamp field. */
  stamp: string;
  /** Classic X3 object (not class-based): api1 cannot write it, SOAP is the default write path. */
  classic: boolean;
  graphql: {
    /** Package: 'Sales' gets the configured prefix ('x3Sales'); a lowercase name is used as is. */
    package: string;
    node: string;
    /** Input type of create/update mutations (default: node name capitalised + '_Input'). */
    inputType?: string;
    /** GraphQL update stamp property. */
    stamp: string;
    /** Selection set text replacing the one built from `fields` (read it with `fields` to map). */
    selection?: string;
    /** Full mutation documents with a `$data` variable; the defaults follow reference 3.6. */
    createMutation?: string;
    updateMutation?: string;
  };
  rest: { class: string; representation: string };
  soap: {
    publication: string;
    /** Group for fields with no `soapGroup`. */
    defaultGroup: string;
  };
  fields: FieldMapping[];
  lines?: LinesDefinition;
  /** What X3's schema showed for this entity (field-resolution.ts); absent = not discovered. */
  faces?: SchemaFaces;
}

/** X3 fields each API face of this X3 has, as discovered; a write naming another is refused. */
export interface SchemaFaces {
  /** GraphQL type of the node, for messages. */
  graphqlType?: string;
  /** X3 fields the GraphQL schema lacks (left out of selections). */
  graphqlMissing?: string[];
  /** X3 fields the node's create/update input type takes, when X3 has mutations for it. */
  graphqlInput?: string[];
  rest?: { fields: string[]; lineFields: string[] };
  soap?: { fields: string[]; lineFields: string[] };
}

/** A record keyed by X3 dictionary names; lines under the lines definition's `x3` name. */
export type X3Record = Record<string, unknown>;

const stamps = (group: string): FieldMapping[] => [
  { x3: 'CREDATTIM', gql: '_createStamp', readOnly: true, soapGroup: group },
  { x3: 'UPDDATTIM', gql: '_updateStamp', readOnly: true, soapGroup: group },
];

const ref = (x3: string, gql: string, soapGroup: string, extra: Partial<FieldMapping> = {}): FieldMapping => ({
  x3,
  gql,
  kind: 'ref',
  soapGroup,
  ...extra,
});

const shipTo = (group: string, p: 'BPD' | 'BPO', g: string): FieldMapping[] => [
  { x3: `${p}NAM`, gql: `${g}CompanyNames`, kind: 'dim', dimProperty: 'companyName', soapGroup: group },
  { x3: `${p}ADDLIG`, gql: `${g}AddressLines`, kind: 'dim', dimProperty: 'addressLine', soapGroup: group },
  { x3: `${p}POSCOD`, gql: `${g}PostalCode`, soapGroup: group },
  { x3: `${p}CTY`, gql: `${g}City`, soapGroup: group },
  { x3: `${p}SAT`, gql: `${g}State`, soapGroup: group },
  ref(`${p}CRY`, `${g}Country`, group),
  { x3: `${p}CRYNAM`, gql: `${g}CountryName`, soapGroup: group },
  { x3: `${p}TEL`, gql: `${g}Telephone`, soapGroup: group },
  { x3: `${p}WEB`, gql: `${g}Email`, soapGroup: group },
];

const YES_NO = ['no', 'yes'];

/** The built-in catalogue (fresh copies: callers may mutate what they get). */
export function builtinEntities(): Record<BuiltinEntityName, EntityDefinition> {
  return {
    salesOrder: {
      name: 'salesOrder',
      key: 'SOHNUM',
      stamp: 'UPDDATTIM',
      classic: true,
      graphql: { package: 'Sales', node: 'salesOrder', stamp: '_updateStamp' },
      rest: { class: 'SORDER', representation: 'SORDER' },
      soap: { publication: 'SOH', defaultGroup: 'SOH0_1' },
      fields: [
        { x3: 'SOHNUM', gql: 'id', soapGroup: 'SOH0_1' },
        ref('SALFCY', 'salesSite', 'SOH0_1'),
        ref('SOHTYP', 'orderType', 'SOH0_1'),
        ref('BPCORD', 'soldToCustomer', 'SOH0_1'),
        { x3: 'ORDDAT', gql: 'orderDate', kind: 'date', soapGroup: 'SOH0_1' },
        { x3: 'CUSORDREF', gql: 'customerOrderReference', soapGroup: 'SOH0_1' },
        ref('CUR', 'currency', 'SOH0_1'),
        ref('BPCINV', 'billToCustomer', 'SOH1_1'),
        ref('BPAADD', 'shipToCustomerAddress', 'SOH1_1'),
        ...shipTo('SOH1_1', 'BPD', 'shipToCustomer'),
        ref('STOFCY', 'shippingSite', 'SOH2_1'),
        { x3: 'DEMDLVDAT', gql: 'requestedDeliveryDate', kind: 'date', soapGroup: 'SOH2_1' },
        { x3: 'SHIDAT', gql: 'shipmentDate', kind: 'date', soapGroup: 'SOH2_1' },
        ref('BPTNUM', 'carrier', 'SOH2_1'),
        ref('MDL', 'deliveryMode', 'SOH2_1'),
        {
          x3: 'ORDSTA',
          gql: 'orderStatus',
          kind: 'menu',
          menu: ['open', 'closed'],
          readOnly: true,
          soapGroup: 'SOH3_1',
        },
        {
          x3: 'DLVSTA',
          gql: 'deliveryStatus',
          kind: 'menu',
          menu: ['notDelivered', 'partlyDelivered', 'delivered'],
          readOnly: true,
          soapGroup: 'SOH3_1',
        },
        {
          x3: 'INVSTA',
          gql: 'invoiceStatus',
          kind: 'menu',
          menu: ['notInvoiced', 'partlyInvoiced', 'invoiced'],
          readOnly: true,
          soapGroup: 'SOH3_1',
        },
        ...stamps('SOH3_1'),
      ],
      lines: {
        x3: 'SORDERQ',
        gql: 'lines',
        soapTab: 'SOH4_1',
        fields: [
          { x3: 'SOPLIN', gql: 'lineNumber', kind: 'number' },
          ref('ITMREF', 'product', 'SOH4_1'),
          { x3: 'ITMDES1', gql: 'productDescription' },
          ref('SAU', 'salesUnit', 'SOH4_1'),
          { x3: 'QTY', gql: 'quantityInSalesUnitOrdered', kind: 'number' },
          { x3: 'GROPRI', gql: 'grossPrice', kind: 'number' },
        ],
      },
    },
    salesDelivery: {
      name: 'salesDelivery',
      key: 'SDHNUM',
      stamp: 'UPDDATTIM',
      classic: true,
      graphql: { package: 'Sales', node: 'salesDelivery', stamp: '_updateStamp' },
      rest: { class: 'SDELIVERY', representation: 'SDELIVERY' },
      soap: { publication: 'SDH', defaultGroup: 'SDH0_1' },
      fields: [
        { x3: 'SDHNUM', gql: 'id', soapGroup: 'SDH0_1' },
        ref('STOFCY', 'shippingSite', 'SDH0_1'),
        ref('SALFCY', 'salesSite', 'SDH0_1'),
        ref('BPCORD', 'soldToCustomer', 'SDH0_1'),
        ref('SOHNUM', 'salesOrder', 'SDH0_1'),
        { x3: 'SHIDAT', gql: 'shipmentDate', kind: 'date', soapGroup: 'SDH0_1' },
        { x3: 'DLVDAT', gql: 'deliveryDate', kind: 'date', soapGroup: 'SDH0_1' },
        { x3: 'CFMFLG', gql: 'isValidated', kind: 'menu', menu: YES_NO, readOnly: true, soapGroup: 'SDH0_1' },
        ref('BPCINV', 'billToCustomer', 'SDH1_1'),
        ref('BPAADD', 'shipToCustomerAddress', 'SDH1_1'),
        ...shipTo('SDH1_1', 'BPD', 'shipToCustomer'),
        ref('BPTNUM', 'carrier', 'SDH2_1'),
        ref('MDL', 'deliveryMode', 'SDH2_1'),
        // GraphQL names of BOLNUM/LBENUM/PACNBR/GROWEI/WEU are not in Sage's public docs [U]:
        // remove or rename them with an entity override if the X3 schema differs.
        { x3: 'BOLNUM', gql: 'billOfLadingNumber', soapGroup: 'SDH2_1' },
        { x3: 'LBENUM', gql: 'labelNumber', soapGroup: 'SDH2_1' },
        { x3: 'PACNBR', gql: 'numberOfPackages', kind: 'number', soapGroup: 'SDH2_1' },
        { x3: 'GROWEI', gql: 'grossWeight', kind: 'number', soapGroup: 'SDH2_1' },
        ref('WEU', 'weightUnit', 'SDH2_1'),
        ref('SIHNUM', 'salesInvoice', 'SDH3_1', { readOnly: true }),
        ...stamps('SDH3_1'),
      ],
      lines: {
        x3: 'SDELIVERYD',
        gql: 'lines',
        soapTab: 'SDH4_1',
        fields: [
          { x3: 'SDDLIN', gql: 'lineNumber', kind: 'number' },
          ref('SOHNUM', 'salesOrder', 'SDH4_1'),
          { x3: 'SOPLIN', gql: 'salesOrderLineNumber', kind: 'number' },
          ref('ITMREF', 'product', 'SDH4_1'),
          { x3: 'ITMDES1', gql: 'productDescription' },
          ref('SAU', 'salesUnit', 'SDH4_1'),
          { x3: 'QTY', gql: 'quantityInSalesUnitDelivered', kind: 'number' },
        ],
      },
    },
    purchaseOrder: {
      name: 'purchaseOrder',
      key: 'POHNUM',
      stamp: 'UPDDATTIM',
      classic: true,
      graphql: { package: 'Purchasing', node: 'purchaseOrder', stamp: '_updateStamp' },
      rest: { class: 'PORDER', representation: 'PORDER' },
      soap: { publication: 'POH', defaultGroup: 'POH0_1' },
      fields: [
        { x3: 'POHNUM', gql: 'id', soapGroup: 'POH0_1' },
        ref('POHFCY', 'purchaseSite', 'POH0_1'),
        ref('BPSNUM', 'orderFromSupplier', 'POH0_1'),
        { x3: 'ORDDAT', gql: 'orderDate', kind: 'date', soapGroup: 'POH0_1' },
        { x3: 'ORDREF', gql: 'internalOrderReference', soapGroup: 'POH0_1' },
        ref('CUR', 'currency', 'POH0_1'),
        ref('PRHFCY', 'receiptSite', 'POH0_1'),
        ...shipTo('POH1_1', 'BPO', 'shipFromSupplier'),
        ref('BPTNUM', 'carrier', 'POH2_1'),
        {
          x3: 'RCPFLG',
          gql: 'receiptStatus',
          kind: 'menu',
          menu: ['no', 'partly', 'totally'],
          readOnly: true,
          soapGroup: 'POH3_1',
        },
        {
          x3: 'APPFLG',
          gql: 'signatureStatus',
          kind: 'menu',
          menu: ['no', 'partly', 'totally', 'notManaged'],
          readOnly: true,
          soapGroup: 'POH3_1',
        },
        { x3: 'CLEFLG', gql: 'isClosed', kind: 'menu', menu: YES_NO, readOnly: true, soapGroup: 'POH3_1' },
        ...stamps('POH3_1'),
      ],
      lines: {
        x3: 'PORDERQ',
        gql: 'purchaseOrderLines',
        soapTab: 'POH4_1',
        fields: [
          { x3: 'POPLIN', gql: 'lineNumber', kind: 'number' },
          ref('ITMREF', 'product', 'POH4_1'),
          { x3: 'ITMDES', gql: 'productDescription' },
          ref('UOM', 'orderUnit', 'POH4_1'),
          { x3: 'QTYUOM', gql: 'quantityInOrderUnitOrdered', kind: 'number' },
          { x3: 'RCPQTYSTU', gql: 'quantityInStockUnitReceived', kind: 'number', readOnly: true },
          { x3: 'NETPRI', gql: 'netPrice', kind: 'number' },
        ],
      },
    },
    customer: {
      name: 'customer',
      key: 'BPCNUM',
      stamp: 'UPDDATTIM',
      classic: false,
      graphql: { package: 'MasterData', node: 'customer', stamp: '_updateStamp' },
      rest: { class: 'BPCUSTOMER', representation: 'BPCUSTOMER' },
      soap: { publication: 'BPC', defaultGroup: 'BPC0_1' },
      fields: [
        // Whether `code` is a scalar or a businessPartner reference is uncertain [U]: override
        // with {"code": {"x3": "BPCNUM", "kind": "ref", "refProperty": "code"}} if needed.
        { x3: 'BPCNUM', gql: 'code', soapGroup: 'BPC0_1' },
        { x3: 'BPCNAM', gql: 'companyName', soapGroup: 'BPC0_1' },
        { x3: 'BPCSHO', gql: 'shortCompanyName', soapGroup: 'BPC0_1' },
        ref('BCGCOD', 'customerCategory', 'BPC0_1'),
        ref('CUR', 'currency', 'BPC0_1'),
        { x3: 'BPCSTA', gql: 'isActive', kind: 'menu', menu: YES_NO, soapGroup: 'BPC0_1' },
        { x3: 'BPAADD', gql: 'defaultAddress', soapGroup: 'BPC1_1' },
        { x3: 'BPAADDLIG', gql: 'addressLines', kind: 'dim', dimProperty: 'addressLine', soapGroup: 'BPC1_1' },
        { x3: 'POSCOD', gql: 'postalCode', soapGroup: 'BPC1_1' },
        { x3: 'CTY', gql: 'city', soapGroup: 'BPC1_1' },
        { x3: 'SAT', gql: 'state', soapGroup: 'BPC1_1' },
        ref('CRY', 'country', 'BPC1_1'),
        { x3: 'TEL', gql: 'telephone', soapGroup: 'BPC1_1' },
        { x3: 'WEB', gql: 'email', soapGroup: 'BPC1_1' },
        ...stamps('BPC3_1'),
      ],
    },
    product: {
      name: 'product',
      key: 'ITMREF',
      stamp: 'UPDDATTIM',
      classic: false,
      graphql: { package: 'MasterData', node: 'product', stamp: '_updateStamp' },
      rest: { class: 'ITMMASTER', representation: 'ITMMASTER' },
      soap: { publication: 'ITM', defaultGroup: 'ITM0_1' },
      fields: [
        { x3: 'ITMREF', gql: 'code', soapGroup: 'ITM0_1' },
        { x3: 'DES1AXX', gql: 'description1', soapGroup: 'ITM0_1' },
        { x3: 'DES2AXX', gql: 'description2', soapGroup: 'ITM0_1' },
        ref('TCLCOD', 'productCategory', 'ITM0_1'),
        {
          x3: 'ITMSTA',
          gql: 'productStatus',
          kind: 'menu',
          menu: ['active', 'inDevelopment', 'onShortage', 'notRenewed', 'obsolete', 'notUsable'],
          soapGroup: 'ITM0_1',
        },
        { x3: 'EANCOD', gql: 'eanCode', soapGroup: 'ITM0_1' },
        ref('STU', 'stockUnit', 'ITM1_1'),
        ref('SAU', 'salesUnit', 'ITM1_1'),
        { x3: 'BASPRI', gql: 'basePrice', kind: 'number', soapGroup: 'ITM1_1' },
        { x3: 'ITMWEI', gql: 'weight', kind: 'number', soapGroup: 'ITM1_1' },
        ref('WEU', 'weightUnit', 'ITM1_1'),
        ...stamps('ITM3_1'),
      ],
    },
  };
}

/** Default API style of each operation: classic documents are written through SOAP. */
export function defaultRoute(entity: EntityDefinition, readStyle: ApiStyle, operation: EntityOperation): ApiStyle {
  if (operation === 'read') return readStyle;
  return entity.classic ? 'soap' : readStyle;
}

/* ---------- overrides ---------- */

const FIELD_KINDS: readonly FieldKind[] = ['scalar', 'number', 'date', 'ref', 'dim', 'menu'];

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || !v.trim()) throw new ValidationError('x3', where, `${where} must be a non-empty string`);
  return v.trim();
}

function parseFieldMapping(gql: string, v: unknown, where: string): FieldMapping {
  if (typeof v === 'string') return { x3: str(v, where), gql, overridden: true };
  if (!isObj(v))
    throw new ValidationError('x3', where, `${where} must be an X3 field name or an object {x3, kind, ...}`);
  const kind = v.kind === undefined ? undefined : String(v.kind);
  if (kind !== undefined && !FIELD_KINDS.includes(kind as FieldKind)) {
    throw new ValidationError('x3', `${where}.kind`, `${where}.kind must be one of ${FIELD_KINDS.join(', ')}`);
  }
  const m: FieldMapping = {
    x3: str(v.x3, `${where}.x3`),
    gql: typeof v.gql === 'string' && v.gql ? v.gql : gql,
    overridden: true,
  };
  if (kind) m.kind = kind as FieldKind;
  if (typeof v.refProperty === 'string') m.refProperty = v.refProperty;
  if (typeof v.dimProperty === 'string') m.dimProperty = v.dimProperty;
  if (Array.isArray(v.menu)) m.menu = v.menu.map(String);
  if (typeof v.readOnly === 'boolean') m.readOnly = v.readOnly;
  if (typeof v.soapGroup === 'string') m.soapGroup = v.soapGroup;
  return m;
}

/**
 * Field overrides: an object keyed by GraphQL property; a string value is the X3 name of a plain
 * field, an object a full mapping, null removes the property from the catalogue.
 */
function mergeFields(base: FieldMapping[], override: unknown, where: string): FieldMapping[] {
  if (override === undefined) return base;
  if (!isObj(override)) throw new ValidationError('x3', where, `${where} must be an object keyed by GraphQL property`);
  let out = [...base];
  for (const [gql, v] of Object.entries(override)) {
    out = out.filter((f) => f.gql !== gql);
    if (v === null) continue;
    const mapping = parseFieldMapping(gql, v, `${where}.${gql}`);
    out = out.filter((f) => f.x3 !== mapping.x3 || f.gql === mapping.gql);
    out.push(mapping);
  }
  return out;
}

function pickStrings<T extends Obj>(target: T, source: unknown, keys: readonly string[], where: string): T {
  if (source === undefined) return target;
  if (!isObj(source)) throw new ValidationError('x3', where, `${where} must be an object`);
  const out: Obj = { ...target };
  for (const k of keys) if (source[k] !== undefined) out[k] = str(source[k], `${where}.${k}`);
  return out as T;
}

/** Applies one override object (for one entity) on a definition; returns a new definition. */
export function overrideEntity(base: EntityDefinition, override: unknown, where: string): EntityDefinition {
  if (override === undefined || override === null) return base;
  if (!isObj(override)) throw new ValidationError('x3', where, `${where} must be an object`);
  const def: EntityDefinition = {
    ...base,
    graphql: pickStrings(
      { ...base.graphql },
      override.graphql,
      ['package', 'node', 'inputType', 'stamp', 'selection', 'createMutation', 'updateMutation'],
      `${where}.graphql`,
    ),
    rest: pickStrings({ ...base.rest }, override.rest, ['class', 'representation'], `${where}.rest`),
    soap: pickStrings({ ...base.soap }, override.soap, ['publication', 'defaultGroup'], `${where}.soap`),
    fields: mergeFields(base.fields, override.fields, `${where}.fields`),
  };
  if (override.key !== undefined) def.key = str(override.key, `${where}.key`);
  if (override.stamp !== undefined) def.stamp = str(override.stamp, `${where}.stamp`);
  if (override.classic !== undefined) def.classic = override.classic === true;
  const soap = isObj(override.soap) ? override.soap : undefined;
  if (soap && soap.groups !== undefined) {
    if (!isObj(soap.groups))
      throw new ValidationError('x3', `${where}.soap.groups`, `${where}.soap.groups must map X3 fields to group ids`);
    const groups = soap.groups;
    def.fields = def.fields.map((f) =>
      typeof groups[f.x3] === 'string' ? { ...f, soapGroup: groups[f.x3] as string } : f,
    );
    for (const [x3, group] of Object.entries(groups)) {
      if (!def.fields.some((f) => f.x3 === x3))
        def.fields.push({ x3, gql: '', soapGroup: str(group, `${where}.soap.groups.${x3}`) });
    }
  }
  if (override.lines === null) delete def.lines;
  else if (override.lines !== undefined) {
    if (!isObj(override.lines)) throw new ValidationError('x3', `${where}.lines`, `${where}.lines must be an object`);
    const lb: LinesDefinition = base.lines ?? {
      x3: 'LINES',
      gql: 'lines',
      soapTab: `${def.soap.publication}4_1`,
      fields: [],
    };
    const merged = pickStrings({ ...lb }, override.lines, ['x3', 'gql', 'soapTab'], `${where}.lines`);
    merged.fields = mergeFields(lb.fields, override.lines.fields, `${where}.lines.fields`);
    def.lines = merged;
  }
  return def;
}

/** A complete definition of a `custom` entity (no built-in base to inherit from). */
export function customEntity(spec: unknown, where = 'custom entity'): EntityDefinition {
  if (!isObj(spec)) throw new ValidationError('x3', where, `${where} must be an object`);
  const base: EntityDefinition = {
    name: typeof spec.name === 'string' && spec.name ? spec.name : 'custom',
    key: str(spec.key, `${where}.key`),
    stamp: 'UPDDATTIM',
    classic: false,
    graphql: { package: '', node: '', stamp: '_updateStamp' },
    rest: { class: '', representation: '' },
    soap: { publication: '', defaultGroup: '' },
    fields: [],
  };
  const def = overrideEntity(base, spec, where);
  if (!def.rest.representation) def.rest.representation = def.rest.class;
  return def;
}

/**
 * The catalogue a config node works with: the built-ins with the config's overrides, plus a
 * `custom` entity when the overrides define one.
 */
export class EntityCatalogue {
  private readonly defs = new Map<string, EntityDefinition>();

  constructor(overrides: unknown = {}) {
    if (!isObj(overrides))
      throw new ValidationError('x3', 'entities', 'entity overrides must be a JSON object keyed by entity name');
    const builtins = builtinEntities();
    for (const name of BUILTIN_ENTITIES)
      this.defs.set(name, overrideEntity(builtins[name], overrides[name], `entities.${name}`));
    for (const [name, spec] of Object.entries(overrides)) {
      if ((BUILTIN_ENTITIES as readonly string[]).includes(name)) continue;
      this.defs.set(name, customEntity({ name, ...(isObj(spec) ? spec : {}) }, `entities.${name}`));
    }
  }

  names(): string[] {
    return [...this.defs.keys()];
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  /**
   * The definition, with a node-level override applied on top; unknown names are an error. A node
   * may define the `custom` entity entirely in its own override when the config does not.
   */
  get(name: string, nodeOverride?: unknown): EntityDefinition {
    const hasOverride =
      nodeOverride !== undefined &&
      nodeOverride !== null &&
      !(isObj(nodeOverride) && !Object.keys(nodeOverride).length);
    const def = this.defs.get(name);
    if (!def) {
      if (name === 'custom' && hasOverride) return customEntity(nodeOverride, 'custom entity override');
      throw new ValidationError(
        'x3',
        'entity',
        `unknown X3 entity "${name}": use one of ${this.names().join(', ')} or define it under "entities" in x3-config`,
      );
    }
    return hasOverride ? overrideEntity(def, nodeOverride, `${name} override`) : def;
  }
}

/* ---------- GraphQL <-> X3 record mapping ---------- */

export function graphqlPackage(def: EntityDefinition, prefix: string): string {
  const p = def.graphql.package;
  return /^[A-Z]/.test(p) ? `${prefix}${p}` : p;
}

export function graphqlInputType(def: EntityDefinition): string {
  const n = def.graphql.node;
  return def.graphql.inputType ?? `${n.charAt(0).toUpperCase()}${n.slice(1)}_Input`;
}

/** Sub-collections are paged too; ask for enough lines that a document comes back whole. */
export const LINES_PAGE_SIZE = 1000;

function fieldSelection(f: FieldMapping): string {
  if (f.gqlParts) return f.gqlParts.join(' ');
  switch (f.kind) {
    case 'ref':
      return `${f.gql} { ${f.refProperty ?? '_id'} }`;
    case 'dim':
      return `${f.gql} { query { edges { node { ${f.dimProperty ?? 'value'} } } } }`;
    default:
      return f.gql;
  }
}

/** The selection set for one record: `_id`, the stamp, every mapped property, lines on request. */
export function graphqlSelection(def: EntityDefinition, withLines: boolean): string {
  if (def.graphql.selection) return def.graphql.selection;
  const parts = new Set<string>(['_id', def.graphql.stamp]);
  for (const f of def.fields) if (f.gql || f.gqlParts) parts.add(fieldSelection(f));
  if (withLines && def.lines) {
    const inner = def.lines.fields
      .filter((f) => f.gql || f.gqlParts)
      .map(fieldSelection)
      .join(' ');
    parts.add(`${def.lines.gql} { query(first: ${LINES_PAGE_SIZE}) { edges { node { ${inner} } } } }`);
  }
  return [...parts].join(' ');
}

/**
 * A dimensioned field without its trailing empty elements: REST and SOAP return every element
 * (["28 Elm St", "", ""]), GraphQL only the filled ones, and records must not depend on the API.
 */
export function trimDim(list: unknown[]): unknown[] {
  let end = list.length;
  while (end > 0 && (list[end - 1] === '' || list[end - 1] === null || list[end - 1] === undefined)) end--;
  return end === list.length ? list : list.slice(0, end);
}

function refCode(v: unknown, path: string): unknown {
  let cur: unknown = v;
  if (path.indexOf('.') < 0) cur = isObj(cur) ? cur[path] : cur;
  else {
    for (const seg of path.split('.')) {
      if (!isObj(cur)) return cur;
      cur = cur[seg];
    }
  }
  // `orderFromSupplier { code { code } }` style references nest the code once more.
  return isObj(cur) && 'code' in cur ? cur.code : cur;
}

function edgesOf(v: unknown): Obj[] {
  const conn = isObj(v) && isObj(v.query) ? v.query : v;
  if (!isObj(conn) || !Array.isArray(conn.edges)) return [];
  return conn.edges.map((e) => (isObj(e) && isObj(e.node) ? e.node : {}));
}

function fromGraphqlValue(f: FieldMapping, v: unknown): unknown {
  // An empty reference is null in GraphQL but '' over REST and SOAP: keep X3's form.
  if (v === null || v === undefined) return f.kind === 'ref' ? '' : f.kind === 'dim' ? [] : null;
  switch (f.kind) {
    case 'ref':
      return refCode(v, f.refProperty ?? '_id') ?? '';
    case 'dim':
      return trimDim(edgesOf(v).map((n) => n[f.dimProperty ?? 'value'] ?? ''));
    case 'number': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      return typeof n === 'number' && Number.isFinite(n) ? n : v;
    }
    case 'menu': {
      const i = typeof v === 'string' && f.menu ? f.menu.indexOf(v) : -1;
      return i >= 0 ? i + 1 : v;
    }
    default:
      return v;
  }
}

/** Per field list, GraphQL property -> mapping (built once: a poll maps every record with it). */
const byGqlCache = new WeakMap<FieldMapping[], Map<string, FieldMapping>>();

/** Maps one node; `skip` is a property handled by the caller (the lines collection). */
function mapNode(fields: FieldMapping[], node: Obj, skip?: string): X3Record {
  const out: X3Record = {};
  let byGql = byGqlCache.get(fields);
  if (!byGql) {
    byGql = new Map(fields.filter((f) => f.gql && !f.gqlParts).map((f) => [f.gql, f]));
    for (const f of fields) for (const p of f.gqlParts ?? []) byGql.set(p, f);
    byGqlCache.set(fields, byGql);
  }
  // for..in rather than Object.entries: a poll maps every record, so no per-property arrays
  for (const prop in node) {
    if (prop === skip || prop === '_id' || prop === '__typename') continue;
    const f = byGql.get(prop);
    if (f?.gqlParts) {
      if (!(f.x3 in out)) out[f.x3] = trimDim(f.gqlParts.map((p) => node[p] ?? ''));
      continue;
    }
    out[f ? f.x3 : prop] = f ? fromGraphqlValue(f, node[prop]) : node[prop];
  }
  return out;
}

/** A GraphQL node -> a record keyed by X3 dictionary names (lines under `lines.x3`). */
export function recordFromGraphql(def: EntityDefinition, node: unknown): X3Record {
  if (!isObj(node)) return {};
  const lines = def.lines ? node[def.lines.gql] : undefined;
  const rec = mapNode(def.fields, node, def.lines?.gql);
  if (rec[def.key] === undefined && node._id !== undefined) rec[def.key] = node._id;
  if (def.lines && lines !== undefined) rec[def.lines.x3] = edgesOf(lines).map((n) => mapNode(def.lines!.fields, n));
  return rec;
}

function toGraphqlValue(f: FieldMapping, v: unknown): unknown {
  if (v === null || v === undefined) return v;
  switch (f.kind) {
    case 'dim': {
      const list = Array.isArray(v) ? v : [v];
      return list.map((item) => ({
        [f.dimProperty ?? 'value']: item === null || item === undefined ? '' : String(item),
      }));
    }
    case 'menu': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
      return f.menu && Number.isInteger(n) && n >= 1 && n <= f.menu.length ? f.menu[n - 1] : v;
    }
    case 'number':
      // Xtrem decimals are passed as strings (reference 3.6).
      return typeof v === 'number' ? String(v) : v;
    case 'ref':
      return isObj(v) ? refCode(v, f.refProperty ?? '_id') : v;
    default:
      return v;
  }
}

function unmapped(def: EntityDefinition, field: string): ValidationError {
  const name = field.replace(/^.*\./, '');
  if (def.faces?.graphqlMissing?.includes(name)) {
    return new ValidationError(
      'x3',
      field,
      `X3 field ${field} of ${def.name} is not in this X3's GraphQL schema (type ${def.faces.graphqlType ?? def.graphql.node}): nothing was sent; map it under "entities.${def.name}.fields" in x3-config if X3 has it under another name, or route this operation to SOAP`,
    );
  }
  return new ValidationError(
    'x3',
    field,
    `X3 field ${field} of ${def.name} has no GraphQL property in the entity catalogue: map it under "entities.${def.name}.fields" in x3-config, or route this operation to SOAP or REST`,
  );
}

function mapToGraphql(def: EntityDefinition, fields: FieldMapping[], rec: X3Record, where: string): Obj {
  const byX3 = new Map(fields.filter((f) => (f.gql && !f.gql.startsWith('_')) || f.gqlParts).map((f) => [f.x3, f]));
  const out: Obj = {};
  for (const [k, v] of Object.entries(rec)) {
    if (k.startsWith('$')) continue;
    const f = byX3.get(k);
    if (!f) throw unmapped(def, where ? `${where}.${k}` : k);
    if (f.readOnly) continue;
    if (f.gqlParts) {
      const list = Array.isArray(v) ? v : [v];
      if (list.length > f.gqlParts.length && list.slice(f.gqlParts.length).some((x) => x !== '' && x != null)) {
        throw new ValidationError(
          'x3',
          where ? `${where}.${k}` : k,
          `${k} of ${def.name} has ${list.length} elements; this X3 has ${f.gqlParts.length} (${f.gqlParts.join(', ')})`,
        );
      }
      f.gqlParts.forEach((p, i) => (out[p] = list[i] === null || list[i] === undefined ? '' : String(list[i])));
      continue;
    }
    out[f.gql] = toGraphqlValue(f, v);
  }
  return out;
}

/** An X3 record (or changes) -> a GraphQL mutation input. */
export function graphqlInput(def: EntityDefinition, rec: X3Record): Obj {
  const lines = def.lines ? (rec[def.lines.x3] ?? rec.lines) : undefined;
  const header: X3Record = { ...rec };
  if (def.lines) {
    delete header[def.lines.x3];
    delete header.lines;
  }
  const out = mapToGraphql(def, def.fields, header, '');
  if (def.lines && Array.isArray(lines)) {
    out[def.lines.gql] = lines.map((line, i) =>
      mapToGraphql(def, def.lines!.fields, isObj(line) ? line : {}, `${def.lines!.x3}[${i}]`),
    );
  }
  return out;
}

/** GraphQL mapping of an X3 field (filters on it need the GraphQL name). */
export function graphqlField(def: EntityDefinition, x3Field: string): FieldMapping {
  if (x3Field === def.key) return { x3: def.key, gql: '_id' };
  if (x3Field === def.stamp) return { x3: def.stamp, gql: def.graphql.stamp };
  const f = def.fields.find((m) => m.x3 === x3Field && m.gql && !m.gqlParts);
  if (!f) throw unmapped(def, x3Field);
  return f;
}

/** Lines of an input record, accepted under the REST child name or plain `lines`. */
export function linesOf(def: EntityDefinition, rec: X3Record): unknown[] | undefined {
  if (!def.lines) return undefined;
  const v = rec[def.lines.x3] ?? rec.lines;
  return Array.isArray(v) ? v : undefined;
}

/** SOAP group of an X3 field in this publication. */
export function soapGroupOf(def: EntityDefinition, x3Field: string): string {
  return def.fields.find((f) => f.x3 === x3Field && f.soapGroup)?.soapGroup ?? def.soap.defaultGroup;
}
