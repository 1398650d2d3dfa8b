/**
 * X3 document (msg from x3-poll) -> FedEx ship request. Field names are X3 dictionary names
 * (sim/x3/README.md, reference sage-x3-api.md §4.3); every name and setting has a default and can
 * be overridden in the node or per msg (msg.fedex.options / shipper / recipient / packages).
 *
 * Sales deliveries and sales orders ship outbound from our address to the X3 ship-to address
 * (BPD*). Purchase orders are inbound: the supplier's ship-from address (BPO*) is the shipper and
 * our address the recipient, with the PO number also sent as a P_O_NUMBER reference.
 */
import { ValidationError } from '../core/errors';
import { renderTemplate } from '../core/template';
import {
  FREIGHT_CLASSES,
  LTL_SERVICE_TYPES,
  STATE_REQUIRED_COUNTRIES,
  SUB_PACKAGING_TYPES,
  type DimensionUnit,
  type ImageType,
  type PaymentType,
  type PickupType,
  type WeightUnit,
} from './vocabulary';

export type X3Record = Record<string, unknown>;

export interface X3Info {
  entity?: string;
  key?: string;
  folder?: string;
  updatedAt?: string;
}

/** A party in FedEx terms (our address, or a msg override). */
export interface PartyInput {
  companyName?: string;
  personName?: string;
  phoneNumber?: string;
  emailAddress?: string;
  streetLines?: string[];
  city?: string;
  stateOrProvinceCode?: string;
  postalCode?: string;
  countryCode?: string;
  residential?: boolean;
}

/** "BPDCTY", "BPDNAM[0]" (element of a dimensioned field) or a list of those (street lines). */
export type FieldRef = string | string[];

export interface PartyFieldMap {
  companyName?: FieldRef;
  personName?: FieldRef;
  streetLines?: FieldRef;
  city?: FieldRef;
  stateOrProvinceCode?: FieldRef;
  postalCode?: FieldRef;
  countryCode?: FieldRef;
  phoneNumber?: FieldRef;
  emailAddress?: FieldRef;
  residential?: FieldRef;
}

export interface DocumentFieldMap extends PartyFieldMap {
  /** The document number (key) field. */
  document?: string;
  weight?: string;
  weightUnit?: string;
  packageCount?: string;
  shipDate?: string;
}

export type Direction = 'outbound' | 'inbound';

export interface DocumentProfile {
  entity: string;
  /** X3's short name of the document (its table prefix): short enough for a 30-character reference. */
  code: string;
  direction: Direction;
  /** A purchase order: P_O_NUMBER / PO_NUMBER references are added. */
  purchaseOrder: boolean;
  fields: DocumentFieldMap;
}

const SHIP_TO: PartyFieldMap = {
  companyName: 'BPDNAM[0]',
  personName: 'BPDNAM[1]',
  streetLines: 'BPDADDLIG',
  city: 'BPDCTY',
  stateOrProvinceCode: 'BPDSAT',
  postalCode: 'BPDPOSCOD',
  countryCode: 'BPDCRY',
  phoneNumber: 'BPDTEL',
  emailAddress: 'BPDWEB',
};

const SUPPLIER_SHIP_FROM: PartyFieldMap = {
  companyName: 'BPONAM[0]',
  personName: 'BPONAM[1]',
  streetLines: 'BPOADDLIG',
  city: 'BPOCTY',
  stateOrProvinceCode: 'BPOSAT',
  postalCode: 'BPOPOSCOD',
  countryCode: 'BPOCRY',
  phoneNumber: 'BPOTEL',
  emailAddress: 'BPOWEB',
};

/** Defaults per X3 entity (names as in sim/x3/README.md). */
export const DOCUMENT_PROFILES: Record<string, DocumentProfile> = {
  salesDelivery: {
    entity: 'salesDelivery',
    code: 'SDH',
    direction: 'outbound',
    purchaseOrder: false,
    fields: {
      ...SHIP_TO,
      document: 'SDHNUM',
      weight: 'GROWEI',
      weightUnit: 'WEU',
      packageCount: 'PACNBR',
      shipDate: 'SHIDAT',
    },
  },
  salesOrder: {
    entity: 'salesOrder',
    code: 'SOH',
    direction: 'outbound',
    purchaseOrder: false,
    fields: { ...SHIP_TO, document: 'SOHNUM', shipDate: 'SHIDAT' },
  },
  purchaseOrder: {
    entity: 'purchaseOrder',
    code: 'POH',
    direction: 'inbound',
    purchaseOrder: true,
    fields: { ...SUPPLIER_SHIP_FROM, document: 'POHNUM' },
  },
};

const ENTITY_ALIASES: Record<string, string> = {
  salesdelivery: 'salesDelivery',
  sdelivery: 'salesDelivery',
  sdh: 'salesDelivery',
  salesorder: 'salesOrder',
  sorder: 'salesOrder',
  soh: 'salesOrder',
  purchaseorder: 'purchaseOrder',
  porder: 'purchaseOrder',
  poh: 'purchaseOrder',
};

export interface FreightSettings {
  /** Ship as LTL freight (POST /ship/v1/freight/shipments) instead of parcel. */
  enabled: boolean;
  serviceType: (typeof LTL_SERVICE_TYPES)[number];
  freightClass: (typeof FREIGHT_CLASSES)[number];
  subPackagingType: (typeof SUB_PACKAGING_TYPES)[number];
  role: 'SHIPPER' | 'CONSIGNEE';
  /** FedEx Freight account; default the config's account number. */
  accountNumber: string;
}

export interface DimensionsSetting {
  length: number;
  width: number;
  height: number;
  units: DimensionUnit;
}

export interface ShipSettings {
  /** 'auto': from the X3 entity (purchase orders inbound, sales documents outbound). */
  direction: 'auto' | Direction;
  /** Field-name overrides on top of the entity's profile. */
  fieldMap: DocumentFieldMap;
  /** Our shipping address: the shipper outbound, the recipient inbound. */
  ourAddress: PartyInput;
  serviceType: string;
  packagingType: string;
  pickupType: PickupType;
  labelImageType: ImageType;
  labelStockType: string;
  labelResponse: 'LABEL' | 'URL_ONLY';
  paymentType: PaymentType;
  /** Account billed for RECIPIENT / THIRD_PARTY payment. */
  payorAccountNumber: string;
  weightUnit: WeightUnit;
  /** Weight of one package when X3 gives none. */
  defaultWeight: number;
  /** Package dimensions (all three > 0 to be sent). */
  dimensions?: DimensionsSetting;
  /** 'today', or 'x3': the X3 ship date when it is not in the past. */
  shipDate: 'today' | 'x3';
  customerReferenceTemplate: string;
  poNumberTemplate: string;
  descriptionTemplate: string;
  residential: boolean;
  /** Used when the X3 address has no phone (FedEx requires one). */
  recipientPhoneFallback: string;
  freight: FreightSettings;
}

export const DEFAULT_SHIP_SETTINGS: ShipSettings = {
  direction: 'auto',
  fieldMap: {},
  ourAddress: {},
  serviceType: 'FEDEX_GROUND',
  packagingType: 'YOUR_PACKAGING',
  pickupType: 'DROPOFF_AT_FEDEX_LOCATION',
  labelImageType: 'PDF',
  labelStockType: 'PAPER_4X6',
  labelResponse: 'LABEL',
  paymentType: 'SENDER',
  payorAccountNumber: '',
  weightUnit: 'LB',
  defaultWeight: 1,
  shipDate: 'today',
  // the folder and document type too: the ambiguous-outcome lookup finds a shipment by it, and
  // another folder's delivery with the same number must not answer for this one
  customerReferenceTemplate: '{{x3.folder}} {{x3.code}} {{x3.key}}',
  poNumberTemplate: '{{x3.key}}',
  descriptionTemplate: 'X3 {{x3.key}}',
  residential: false,
  recipientPhoneFallback: '',
  freight: {
    enabled: false,
    serviceType: 'FEDEX_FREIGHT_ECONOMY',
    freightClass: 'CLASS_070',
    subPackagingType: 'PALLET',
    role: 'SHIPPER',
    accountNumber: '',
  },
};

/** One package given explicitly (msg.fedex.packages). */
export interface PackageInput {
  weight: number;
  weightUnit?: WeightUnit;
  length?: number;
  width?: number;
  height?: number;
  dimensionUnit?: DimensionUnit;
}

export interface ShipOverrides {
  options?: Partial<ShipSettings>;
  shipper?: PartyInput;
  recipient?: PartyInput;
  packages?: PackageInput[];
}

export interface MappingInput {
  record: X3Record;
  x3: X3Info;
  settings: ShipSettings;
  overrides?: ShipOverrides;
  accountNumber: string;
  now: number;
  /** Extra values for templates (e.g. the msg). */
  view?: Record<string, unknown>;
}

export interface BuiltShipment {
  kind: 'parcel' | 'ltl';
  request: Record<string, unknown>;
  /** FedEx data path -> where the value came from (X3 field or msg property). */
  sources: Map<string, string>;
  entity: string;
  documentNumber: string;
  direction: Direction;
  /** Rendered CUSTOMER_REFERENCE (the ambiguous-outcome lookup searches by it). */
  customerReference?: string;
  poNumber?: string;
  senderCountryCode?: string;
  shipDate: string;
}

/* ---------------------------------------------------------------- helpers -------------- */

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Per-msg settings: a shallow merge, one level deeper for the nested settings. */
export function mergeSettings(base: ShipSettings, patch: Partial<ShipSettings> | undefined): ShipSettings {
  if (!patch || !isObject(patch)) return base;
  const out: ShipSettings = { ...base, ...patch };
  out.fieldMap = { ...base.fieldMap, ...(isObject(patch.fieldMap) ? patch.fieldMap : {}) };
  out.ourAddress = { ...base.ourAddress, ...(isObject(patch.ourAddress) ? patch.ourAddress : {}) };
  out.freight = { ...base.freight, ...(isObject(patch.freight) ? patch.freight : {}) };
  if (patch.dimensions === undefined) out.dimensions = base.dimensions;
  return out;
}

export function profileFor(entity: string | undefined, record: X3Record): DocumentProfile | undefined {
  if (entity) {
    const name = DOCUMENT_PROFILES[entity] ? entity : ENTITY_ALIASES[entity.toLowerCase()];
    if (name) return DOCUMENT_PROFILES[name];
  }
  if ('SDHNUM' in record) return DOCUMENT_PROFILES.salesDelivery;
  if ('POHNUM' in record) return DOCUMENT_PROFILES.purchaseOrder;
  if ('SOHNUM' in record) return DOCUMENT_PROFILES.salesOrder;
  return undefined;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

interface Resolved {
  value: unknown;
  source: string;
}

/** "FIELD" or "FIELD[n]" (n 0-based, an element of a dimensioned field). */
function resolveOne(record: X3Record, ref: string): Resolved {
  const m = /^([^[\]]+)\[(\d+)\]$/.exec(ref.trim());
  if (!m) return { value: record[ref.trim()], source: ref.trim() };
  const [, field, index] = m;
  const raw = record[field];
  const i = Number(index);
  if (Array.isArray(raw)) return { value: raw[i], source: field };
  return { value: i === 0 ? raw : undefined, source: field };
}

function resolveText(record: X3Record, ref: FieldRef | undefined): { value?: string; source?: string } {
  if (ref === undefined) return {};
  const refs = Array.isArray(ref) ? ref : [ref];
  for (const r of refs) {
    const { value, source } = resolveOne(record, r);
    const t = text(value);
    if (t !== undefined) return { value: t, source };
  }
  return { source: resolveOne(record, refs[0] ?? '').source };
}

function resolveLines(record: X3Record, ref: FieldRef | undefined): { lines: string[]; source?: string } {
  if (ref === undefined) return { lines: [] };
  const refs = Array.isArray(ref) ? ref : [ref];
  const lines: string[] = [];
  let source: string | undefined;
  for (const r of refs) {
    const { value, source: s } = resolveOne(record, r);
    source ??= s;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      const t = text(v);
      if (t !== undefined) lines.push(t);
    }
  }
  return { lines, source };
}

function truthy(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 2 || v === 1;
  const t = text(v)?.toLowerCase();
  // X3 yes/no menus: 2 = yes
  return t === 'true' || t === 'yes' || t === '2' || t === 'y';
}

/** Strips the punctuation phone numbers are written with; keeps a leading +. */
export function normalisePhone(phone: string | undefined): string | undefined {
  if (!phone) return undefined;
  const compact = phone.replace(/[\s\-()./]/g, '');
  return compact === '' ? undefined : compact;
}

interface PartyBuild {
  party: { address: Record<string, unknown>; contact: Record<string, unknown> };
  sources: Map<string, string>;
}

function partyFromX3(record: X3Record, map: PartyFieldMap, settings: ShipSettings): PartyBuild {
  const sources = new Map<string, string>();
  const address: Record<string, unknown> = {};
  const contact: Record<string, unknown> = {};
  const put = (
    target: Record<string, unknown>,
    key: string,
    path: string,
    ref: FieldRef | undefined,
    transform = (s: string) => s,
  ): void => {
    const r = resolveText(record, ref);
    if (r.source) sources.set(path, r.source);
    if (r.value !== undefined) target[key] = transform(r.value);
  };
  const lines = resolveLines(record, map.streetLines);
  address.streetLines = lines.lines;
  if (lines.source) sources.set('address.streetLines', lines.source);
  put(address, 'city', 'address.city', map.city);
  put(address, 'stateOrProvinceCode', 'address.stateOrProvinceCode', map.stateOrProvinceCode, (s) => s.toUpperCase());
  put(address, 'postalCode', 'address.postalCode', map.postalCode);
  put(address, 'countryCode', 'address.countryCode', map.countryCode, (s) => s.toUpperCase());
  if (map.residential !== undefined)
    address.residential = truthy(
      resolveOne(record, Array.isArray(map.residential) ? map.residential[0] : map.residential).value,
    );
  else address.residential = settings.residential;
  put(contact, 'companyName', 'contact.companyName', map.companyName);
  put(contact, 'personName', 'contact.personName', map.personName);
  put(contact, 'phoneNumber', 'contact.phoneNumber', map.phoneNumber, (s) => normalisePhone(s) ?? s);
  const email = resolveText(record, map.emailAddress);
  // X3's "WEB" field holds an e-mail address or a web site: only an address is sent.
  if (email.value && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.value)) {
    contact.emailAddress = email.value;
    if (email.source) sources.set('contact.emailAddress', email.source);
  }
  return { party: { address, contact }, sources };
}

function partyFromInput(input: PartyInput, origin: string): PartyBuild {
  const sources = new Map<string, string>();
  const address: Record<string, unknown> = {};
  const contact: Record<string, unknown> = {};
  applyPartyInput({ address, contact }, input, sources, origin);
  return { party: { address, contact }, sources };
}

/** Copies the given fields of `input` onto a party; `origin` names where they came from. */
function applyPartyInput(
  party: { address: Record<string, unknown>; contact: Record<string, unknown> },
  input: PartyInput | undefined,
  sources: Map<string, string>,
  origin?: string,
): void {
  if (!input || !isObject(input)) return;
  const note = (path: string, key: string): void => {
    if (origin) sources.set(path, `${origin}.${key}`);
    else sources.delete(path);
  };
  if (Array.isArray(input.streetLines)) {
    party.address.streetLines = input.streetLines.map((l) => text(l)).filter((l): l is string => l !== undefined);
    note('address.streetLines', 'streetLines');
  }
  const addr: Array<keyof PartyInput> = ['city', 'stateOrProvinceCode', 'postalCode', 'countryCode'];
  for (const k of addr) {
    const v = text(input[k]);
    if (v === undefined) continue;
    party.address[k] = k === 'countryCode' || k === 'stateOrProvinceCode' ? v.toUpperCase() : v;
    note(`address.${k}`, k);
  }
  if (typeof input.residential === 'boolean') party.address.residential = input.residential;
  for (const k of ['companyName', 'personName', 'emailAddress'] as const) {
    const v = text(input[k]);
    if (v === undefined) continue;
    party.contact[k] = v;
    note(`contact.${k}`, k);
  }
  const phone = normalisePhone(text(input.phoneNumber));
  if (phone) {
    party.contact.phoneNumber = phone;
    note('contact.phoneNumber', 'phoneNumber');
  }
}

function addSources(target: Map<string, string>, prefix: string, from: Map<string, string>): void {
  for (const [k, v] of from) target.set(`${prefix}.${k}`, v);
}

/** X3 units -> FedEx units; grams become kilograms. */
function weightIn(value: number, unit: string | undefined, fallback: WeightUnit): { value: number; units: WeightUnit } {
  const u = (unit ?? '').trim().toUpperCase();
  if (['LB', 'LBS', '#', 'POUND', 'POUNDS'].includes(u)) return { value, units: 'LB' };
  if (['KG', 'KGS', 'KILO', 'KILOGRAM', 'KILOGRAMS'].includes(u)) return { value, units: 'KG' };
  if (['G', 'GR', 'GRAM', 'GRAMS'].includes(u)) return { value: value / 1000, units: 'KG' };
  return { value, units: fallback };
}

const round1 = (n: number): number => Math.max(0.1, Math.round(n * 10) / 10);

interface PackagePlan {
  weights: Array<{ value: number; units: WeightUnit }>;
  dimensions: Array<DimensionsSetting | undefined>;
  sources: Map<string, string>;
}

function planPackages(
  record: X3Record,
  fields: DocumentFieldMap,
  settings: ShipSettings,
  explicit?: PackageInput[],
): PackagePlan {
  const sources = new Map<string, string>();
  const dims = settings.dimensions;
  const defaultDims =
    dims && dims.length > 0 && dims.width > 0 && dims.height > 0 && settings.packagingType === 'YOUR_PACKAGING'
      ? {
          length: Math.ceil(dims.length),
          width: Math.ceil(dims.width),
          height: Math.ceil(dims.height),
          units: dims.units,
        }
      : undefined;
  if (Array.isArray(explicit) && explicit.length > 0) {
    sources.set('', 'msg.fedex.packages');
    return {
      weights: explicit.map((p) => ({
        value: num(p.weight) ?? Number.NaN,
        units: p.weightUnit ?? settings.weightUnit,
      })),
      dimensions: explicit.map((p) => {
        const l = num(p.length);
        const w = num(p.width);
        const h = num(p.height);
        return l !== undefined && w !== undefined && h !== undefined
          ? {
              length: Math.ceil(l),
              width: Math.ceil(w),
              height: Math.ceil(h),
              units: p.dimensionUnit ?? defaultDims?.units ?? 'IN',
            }
          : defaultDims;
      }),
      sources,
    };
  }
  const countRaw = fields.packageCount ? num(record[fields.packageCount]) : undefined;
  const count = countRaw !== undefined && countRaw >= 1 ? Math.floor(countRaw) : 1;
  if (fields.packageCount && countRaw !== undefined) sources.set('', fields.packageCount);
  const total = fields.weight ? num(record[fields.weight]) : undefined;
  let each: { value: number; units: WeightUnit };
  if (total !== undefined && total > 0) {
    const unit = fields.weightUnit ? text(record[fields.weightUnit]) : undefined;
    const w = weightIn(total, unit, settings.weightUnit);
    each = { value: round1(w.value / count), units: w.units };
    if (fields.weight) sources.set('weight', fields.weight);
  } else {
    each = { value: settings.defaultWeight, units: settings.weightUnit };
  }
  return {
    weights: Array.from({ length: count }, () => ({ ...each })),
    dimensions: Array.from({ length: count }, () => defaultDims),
    sources,
  };
}

/** The local calendar day (the shipper's, as FedEx reads shipDatestamp) as YYYY-MM-DD. */
function isoDay(now: number): string {
  const d = new Date(now);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function shipDateFor(record: X3Record, fields: DocumentFieldMap, settings: ShipSettings, now: number): string {
  const today = isoDay(now);
  if (settings.shipDate !== 'x3' || !fields.shipDate) return today;
  const raw = text(record[fields.shipDate]);
  if (!raw) return today;
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(raw);
  const iso = compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : raw.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return today;
  // FedEx moves a past date to today itself; sending today keeps the stored result truthful.
  return iso < today ? today : iso;
}

function render(template: string, view: unknown): string | undefined {
  return text(renderTemplate(template, view));
}

/* ---------------------------------------------------------------- build ---------------- */

export function buildShipment(input: MappingInput): BuiltShipment {
  const { record, x3, overrides } = input;
  const settings = mergeSettings(input.settings, overrides?.options);
  const profile = profileFor(x3.entity, record);
  const fields: DocumentFieldMap = {
    ...(profile?.fields ?? DOCUMENT_PROFILES.salesDelivery.fields),
    ...settings.fieldMap,
  };
  const entity = profile?.entity ?? x3.entity ?? 'document';
  const direction: Direction = settings.direction === 'auto' ? (profile?.direction ?? 'outbound') : settings.direction;
  const purchaseOrder = profile?.purchaseOrder ?? false;

  const documentNumber = text(x3.key) ?? (fields.document ? text(record[fields.document]) : undefined);
  if (!documentNumber) {
    throw new ValidationError(
      'fedex',
      fields.document ?? 'msg.x3.key',
      `the X3 document number is missing: msg.x3.key is not set and the record has no ${fields.document ?? 'key field'}`,
    );
  }
  const code = profile?.code ?? entity;
  const view = { ...input.view, x3: { ...x3, key: documentNumber, entity, code }, payload: record, record };
  const docSource = fields.document ?? 'msg.x3.key';

  // Parties: the X3 address on one side, our address on the other, msg overrides on top.
  const x3Party = partyFromX3(record, fields, settings);
  const ours = partyFromInput(settings.ourAddress, '');
  const shipper = direction === 'outbound' ? ours : x3Party;
  const recipient = direction === 'outbound' ? x3Party : ours;
  applyPartyInput(shipper.party, overrides?.shipper, shipper.sources, 'msg.fedex.shipper');
  applyPartyInput(recipient.party, overrides?.recipient, recipient.sources, 'msg.fedex.recipient');
  if (!recipient.party.contact.phoneNumber && settings.recipientPhoneFallback) {
    recipient.party.contact.phoneNumber = normalisePhone(settings.recipientPhoneFallback);
    recipient.sources.delete('contact.phoneNumber');
  }
  stripUsCountryPrefix(shipper.party);
  stripUsCountryPrefix(recipient.party);

  const plan = planPackages(record, fields, settings, overrides?.packages);
  const customerReference = render(settings.customerReferenceTemplate, view);
  const poNumber = purchaseOrder ? render(settings.poNumberTemplate, view) : undefined;
  const description = render(settings.descriptionTemplate, view);
  const references: Array<{ customerReferenceType: string; value: string }> = [];
  if (customerReference) references.push({ customerReferenceType: 'CUSTOMER_REFERENCE', value: customerReference });
  if (poNumber) references.push({ customerReferenceType: 'P_O_NUMBER', value: poNumber });

  const shipDate = shipDateFor(record, fields, settings, input.now);
  const payment = {
    paymentType: settings.paymentType,
    payor: {
      responsibleParty: {
        accountNumber: { value: settings.paymentType === 'SENDER' ? input.accountNumber : settings.payorAccountNumber },
      },
    },
  };
  const labelSpecification = { imageType: settings.labelImageType, labelStockType: settings.labelStockType };
  const sources = new Map<string, string>();
  const senderCountryCode = text(shipper.party.address.countryCode);

  if (settings.freight.enabled || (LTL_SERVICE_TYPES as readonly string[]).includes(settings.serviceType)) {
    const root = 'freightRequestedShipment';
    addSources(sources, `${root}.shipper`, shipper.sources);
    addSources(sources, `${root}.recipient`, recipient.sources);
    const count = plan.weights.length;
    const unit = plan.weights[0]?.units ?? settings.weightUnit;
    const total = Math.round(plan.weights.reduce((s, w) => s + w.value, 0) * 10) / 10;
    const lineDims = plan.dimensions[0];
    const lineItem: Record<string, unknown> = {
      id: '1',
      description: description ?? documentNumber,
      freightClass: settings.freight.freightClass,
      subPackagingType: settings.freight.subPackagingType,
      pieces: count,
      handlingUnits: count,
      weight: { units: unit, value: total },
    };
    if (lineDims) lineItem.dimensions = lineDims;
    if (poNumber) lineItem.purchaseOrderNumber = poNumber;
    const detail: Record<string, unknown> = {
      role: settings.freight.role,
      fedExFreightAccountNumber: { value: settings.freight.accountNumber || input.accountNumber },
      fedExFreightBillingContactAndAddress: { contact: ours.party.contact, address: ours.party.address },
      totalHandlingUnits: count,
      lineItem: [lineItem],
    };
    if (poNumber) detail.printedReferences = [{ printedReferenceType: 'PO_NUMBER', value: poNumber }];
    const units = plan.weights.map((w, i) => {
      const unitItem: Record<string, unknown> = {
        subPackagingType: settings.freight.subPackagingType,
        weight: w,
        associatedFreightLineItems: [{ id: '1' }],
      };
      if (plan.dimensions[i]) unitItem.dimensions = plan.dimensions[i];
      if (references.length) unitItem.customerReferences = references;
      return unitItem;
    });
    noteReferenceSources(sources, `${root}.requestedPackageLineItems`, units.length, references, docSource);
    notePackageSources(sources, `${root}.requestedPackageLineItems`, plan);
    if (description) sources.set(`${root}.freightShipmentDetail.lineItem[0].description`, docSource);
    if (poNumber) {
      sources.set(`${root}.freightShipmentDetail.lineItem[0].purchaseOrderNumber`, docSource);
      sources.set(`${root}.freightShipmentDetail.printedReferences[0].value`, docSource);
    }
    const request = {
      labelResponseOptions: settings.labelResponse,
      accountNumber: { value: input.accountNumber },
      freightRequestedShipment: {
        shipDatestamp: shipDate,
        serviceType: (LTL_SERVICE_TYPES as readonly string[]).includes(settings.serviceType)
          ? settings.serviceType
          : settings.freight.serviceType,
        packagingType: settings.packagingType,
        pickupType: settings.pickupType,
        shipper: shipper.party,
        recipient: recipient.party,
        shippingChargesPayment: payment,
        labelSpecification,
        freightShipmentDetail: detail,
        requestedPackageLineItems: units,
      },
    };
    return {
      kind: 'ltl',
      request,
      sources,
      entity,
      documentNumber,
      direction,
      customerReference,
      poNumber,
      senderCountryCode,
      shipDate,
    };
  }

  const root = 'requestedShipment';
  addSources(sources, `${root}.shipper`, shipper.sources);
  addSources(sources, `${root}.recipients[0]`, recipient.sources);
  const items = plan.weights.map((w, i) => {
    const item: Record<string, unknown> = { sequenceNumber: i + 1, weight: w };
    if (plan.dimensions[i]) item.dimensions = plan.dimensions[i];
    if (description) item.itemDescription = description;
    if (references.length) item.customerReferences = references;
    return item;
  });
  noteReferenceSources(sources, `${root}.requestedPackageLineItems`, items.length, references, docSource);
  notePackageSources(sources, `${root}.requestedPackageLineItems`, plan);
  for (let i = 0; i < items.length; i++)
    if (description) sources.set(`${root}.requestedPackageLineItems[${i}].itemDescription`, docSource);
  const totalLb = plan.weights.reduce((s, w) => s + (w.units === 'KG' ? w.value * 2.20462 : w.value), 0);
  const request = {
    labelResponseOptions: settings.labelResponse,
    accountNumber: { value: input.accountNumber },
    requestedShipment: {
      shipDatestamp: shipDate,
      pickupType: settings.pickupType,
      serviceType: settings.serviceType,
      packagingType: settings.packagingType,
      // The spec lists it as required (in pounds); FedEx's domestic samples omit it.
      totalWeight: Math.round(totalLb * 10) / 10,
      shipper: shipper.party,
      recipients: [recipient.party],
      shippingChargesPayment: payment,
      labelSpecification,
      requestedPackageLineItems: items,
    },
  };
  return {
    kind: 'parcel',
    request,
    sources,
    entity,
    documentNumber,
    direction,
    customerReference,
    poNumber,
    senderCountryCode,
    shipDate,
  };
}

function noteReferenceSources(
  sources: Map<string, string>,
  itemsPath: string,
  count: number,
  references: Array<{ customerReferenceType: string }>,
  docSource: string,
): void {
  for (let i = 0; i < count; i++) {
    references.forEach((_, j) => sources.set(`${itemsPath}[${i}].customerReferences[${j}].value`, docSource));
  }
}

function notePackageSources(sources: Map<string, string>, itemsPath: string, plan: PackagePlan): void {
  const countSource = plan.sources.get('');
  if (countSource) sources.set(itemsPath, countSource);
  const weightSource = plan.sources.get('weight');
  if (weightSource) {
    for (let i = 0; i < plan.weights.length; i++) sources.set(`${itemsPath}[${i}].weight`, weightSource);
  }
}

/** US/CA/PR numbers written with the +1 / 1 country prefix: FedEx wants the 10 digits. */
function stripUsCountryPrefix(party: { address: Record<string, unknown>; contact: Record<string, unknown> }): void {
  const country = party.address.countryCode;
  const phone = party.contact.phoneNumber;
  if (typeof phone !== 'string' || !(STATE_REQUIRED_COUNTRIES as readonly unknown[]).includes(country)) return;
  const digits = phone.replace(/^\+/, '');
  if (/^1\d{10}$/.test(digits)) party.contact.phoneNumber = digits.slice(1);
  else if (/^\d{10}$/.test(digits)) party.contact.phoneNumber = digits;
}
