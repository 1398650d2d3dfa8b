/**
 * ShipStation -> Sage X3 drafts, keyed by X3 dictionary field names (sim/x3/README.md,
 * reference sage-x3-api.md §4/§7), ready to be the record of an x3-update node:
 *
 *   order        -> { customer (BPCUSTOMER), products (ITMMASTER)[], salesOrder (SORDER + lines),
 *                     salesOrderStatus }
 *   shipment     -> { delivery (SDELIVERY + lines), salesOrderStatus }
 *   fulfillment  -> { delivery, salesOrderStatus }
 *
 * The ShipStation order number is the X3 customer order reference (CUSORDREF), the link between
 * the two systems: shipments find their X3 order through it. Every order line keeps its SKU as
 * ITMREF, so an X3 write that meets an unknown product names that SKU. Values are never silently
 * invented: empty ShipStation fields are left out (an X3 update does not clear them), long texts
 * are cut to the X3 field length, and keys that cannot fit (order number, SKU-less line) fail
 * with a ValidationError naming the field.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../core/errors';
import type { RecordKind } from './records';
import type { ApiVersion } from './resource-url';
import { pacificDateOf } from './timestamps';

export interface X3MappingOptions {
  /** SALFCY / sales site of the order (X3 mandatory; the flow may set it instead). */
  salesSite?: string;
  /** STOFCY / shipping site. */
  shippingSite?: string;
  /** SOHTYP (X3 default SON). */
  orderType?: string;
  /** CUR on the customer and the order (X3 default USD). */
  currency?: string;
  /** BPCNUM = prefix + ShipStation customerId (default "SS"). */
  customerPrefix?: string;
  /** Site-specific custom fields for the tracking number and shipping status. */
  trackingField?: string;
  statusField?: string;
  /** Drop ShipStation adjustment lines (discounts...), which have no X3 product (default true). */
  skipAdjustmentLines?: boolean;
}

export const DEFAULT_MAPPING: Required<
  Omit<X3MappingOptions, 'salesSite' | 'shippingSite' | 'orderType' | 'currency'>
> = {
  customerPrefix: 'SS',
  trackingField: 'YTRACKNUM',
  statusField: 'YTRKSTA',
  skipAdjustmentLines: true,
};

export type X3Record = Record<string, unknown>;

export interface X3OrderDraft {
  customer: X3Record;
  products: X3Record[];
  salesOrder: X3Record;
  salesOrderStatus: X3Record;
}

export interface X3ShipmentDraft {
  delivery: X3Record;
  salesOrderStatus: X3Record;
}

export interface X3CustomerDraft {
  customer: X3Record;
}

export interface X3ProductDraft {
  product: X3Record;
}

export type X3Draft = X3OrderDraft | X3ShipmentDraft | X3CustomerDraft | X3ProductDraft;

/** X3 field lengths the drafts respect (sim/x3 entities). */
const LEN = {
  BPCNUM: 15,
  BPCNAM: 35,
  BPCSHO: 10,
  ADDLINE: 50,
  NAME: 35,
  POSCOD: 10,
  CTY: 40,
  SAT: 35,
  CRY: 3,
  TEL: 20,
  WEB: 80,
  CUSORDREF: 30,
  ITMREF: 20,
  DES: 30,
};

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function txt(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function cut(v: unknown, max: number): string | undefined {
  const s = txt(v);
  return s === undefined ? undefined : s.slice(0, max);
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** Drops undefined values so an X3 update never clears a field ShipStation left empty. */
function compact<T extends Json>(record: T): T {
  for (const k of Object.keys(record)) if (record[k] === undefined) delete record[k];
  return record;
}

function options(o: X3MappingOptions | undefined): X3MappingOptions & typeof DEFAULT_MAPPING {
  const out = { ...DEFAULT_MAPPING };
  for (const [k, v] of Object.entries(o ?? {})) if (v !== undefined && v !== '') (out as Json)[k] = v;
  return out as X3MappingOptions & typeof DEFAULT_MAPPING;
}

/** ShipStation address (V1 camelCase) in one neutral shape. */
interface Address {
  name?: string;
  company?: string;
  lines: string[];
  postalCode?: string;
  city?: string;
  state?: string;
  country?: string;
  phone?: string;
  email?: string;
}

/** Where each field of an address is: V1 camelCase, V2 snake_case (V1 has no email in it). */
interface AddressFields {
  name: string;
  company: string;
  lines: readonly string[];
  postalCode: string;
  city: string;
  state: string;
  country: string;
  phone: string;
  email?: string;
}

const V1_ADDRESS: AddressFields = {
  name: 'name',
  company: 'company',
  lines: ['street1', 'street2', 'street3'],
  postalCode: 'postalCode',
  city: 'city',
  state: 'state',
  country: 'country',
  phone: 'phone',
};

const V2_ADDRESS: AddressFields = {
  name: 'name',
  company: 'company_name',
  lines: ['address_line1', 'address_line2', 'address_line3'],
  postalCode: 'postal_code',
  city: 'city_locality',
  state: 'state_province',
  country: 'country_code',
  phone: 'phone',
  email: 'email',
};

function addressOf(a: unknown, f: AddressFields, email?: unknown): Address {
  const r = obj(a);
  return {
    name: txt(r[f.name]),
    company: txt(r[f.company]),
    lines: f.lines.map((k) => txt(r[k])).filter((s): s is string => !!s),
    postalCode: txt(r[f.postalCode]),
    city: txt(r[f.city]),
    state: txt(r[f.state]),
    country: txt(r[f.country]),
    phone: txt(r[f.phone]),
    email: txt(f.email ? r[f.email] : email),
  };
}

/** A V1 address; the email comes from beside it (the order's customerEmail). */
function v1Address(a: unknown, email?: unknown): Address {
  return addressOf(a, V1_ADDRESS, email);
}

function v2Address(a: unknown): Address {
  return addressOf(a, V2_ADDRESS);
}

function isEmptyAddress(a: Address): boolean {
  return !a.name && !a.company && a.lines.length === 0 && !a.city && !a.postalCode;
}

/** Ship-to fields of an X3 sales order or delivery (BPD...). */
function shipToFields(a: Address): X3Record {
  const names = a.company ? [a.company, a.name] : [a.name];
  return compact({
    BPDNAM: names.filter((n): n is string => !!n).map((n) => n.slice(0, LEN.NAME)),
    BPDADDLIG: a.lines.slice(0, 3).map((l) => l.slice(0, LEN.ADDLINE)),
    BPDPOSCOD: cut(a.postalCode, LEN.POSCOD),
    BPDCTY: cut(a.city, LEN.CTY),
    BPDSAT: cut(a.state, LEN.SAT),
    BPDCRY: cut(a.country, LEN.CRY),
    BPDTEL: cut(a.phone, LEN.TEL),
    BPDWEB: cut(a.email, LEN.WEB),
  });
}

const WEIGHT_TO_X3: Record<string, { unit: string; factor: number }> = {
  ounce: { unit: 'LB', factor: 1 / 16 },
  ounces: { unit: 'LB', factor: 1 / 16 },
  pound: { unit: 'LB', factor: 1 },
  pounds: { unit: 'LB', factor: 1 },
  gram: { unit: 'KG', factor: 1 / 1000 },
  grams: { unit: 'KG', factor: 1 / 1000 },
  kilogram: { unit: 'KG', factor: 1 },
  kilograms: { unit: 'KG', factor: 1 },
};

function weightOf(w: unknown): { value: number; unit: string } | undefined {
  const r = obj(w);
  const value = num(r.value);
  const unitName = txt(r.units) ?? txt(r.unit);
  if (value === undefined || value <= 0 || !unitName) return undefined;
  const conv = WEIGHT_TO_X3[unitName.toLowerCase()];
  if (!conv) return undefined;
  return { value: Math.round(value * conv.factor * 10_000) / 10_000, unit: conv.unit };
}

/** The neutral order both API versions are read into. */
interface NeutralOrder {
  orderNumber?: string;
  orderDate?: string;
  shipByDate?: string;
  customerId?: string;
  email?: string;
  billTo: Address;
  shipTo: Address;
  items: Array<{
    sku?: string;
    name?: string;
    quantity?: number;
    unitPrice?: number;
    weight?: unknown;
    upc?: string;
    adjustment: boolean;
  }>;
}

function neutralV1Order(o: Json): NeutralOrder {
  const email = o.customerEmail;
  return {
    orderNumber: txt(o.orderNumber),
    orderDate: pacificDateOf(o, 'orderDate') ?? pacificDateOf(o, 'createDate'),
    shipByDate: pacificDateOf(o, 'shipByDate'),
    customerId: txt(o.customerId),
    email: txt(email),
    billTo: v1Address(o.billTo, email),
    shipTo: v1Address(o.shipTo, email),
    items: linesOf(o.items, 'v1'),
  };
}

/** Order lines: V1 and V2 name the price differently; a UPC and adjustment lines are V1's only. */
function linesOf(items: unknown, version: 'v1' | 'v2'): NeutralOrder['items'] {
  return (Array.isArray(items) ? items : []).map((raw) => {
    const i = obj(raw);
    const v1 = version === 'v1';
    return {
      sku: txt(i.sku),
      name: txt(i.name),
      quantity: num(i.quantity),
      unitPrice: num(v1 ? i.unitPrice : i.unit_price),
      weight: i.weight,
      upc: v1 ? txt(i.upc) : undefined,
      adjustment: v1 && i.adjustment === true,
    };
  });
}

function neutralV2Order(s: Json): NeutralOrder {
  const shipTo = v2Address(s.ship_to);
  return {
    orderNumber: txt(s.shipment_number),
    orderDate: pacificDateOf(s, 'created_at'),
    shipByDate: pacificDateOf(s, 'ship_by_date'),
    customerId: undefined,
    email: shipTo.email,
    billTo: shipTo,
    shipTo,
    items: linesOf(s.items, 'v2'),
  };
}

/**
 * BPCNUM: prefix + ShipStation customerId when there is one (V1); otherwise a stable code from
 * the e-mail (or name and postal code), so the same buyer always maps to the same X3 customer.
 */
export function customerCode(
  order: { customerId?: string; email?: string; billTo?: Address; shipTo?: Address },
  prefix: string,
): string {
  if (order.customerId) {
    const code = `${prefix}${order.customerId}`;
    if (code.length > LEN.BPCNUM) {
      throw new ValidationError(
        'shipstation',
        'customerId',
        `X3 customer code ${code} is longer than ${LEN.BPCNUM} characters: use a shorter customer prefix`,
      );
    }
    return code;
  }
  const a = order.billTo && !isEmptyAddress(order.billTo) ? order.billTo : order.shipTo;
  const basis =
    order.email?.toLowerCase() ??
    (a ? [a.name, a.company, a.postalCode, a.country].filter(Boolean).join('|').toLowerCase() : '');
  if (!basis) {
    throw new ValidationError(
      'shipstation',
      'customerEmail',
      'the order has no customer id, e-mail or address to derive an X3 customer code from',
    );
  }
  const room = Math.max(4, LEN.BPCNUM - prefix.length);
  return `${prefix}${createHash('sha256').update(basis).digest('hex').slice(0, room).toUpperCase()}`.slice(
    0,
    LEN.BPCNUM,
  );
}

function orderDrafts(n: NeutralOrder, o: X3MappingOptions & typeof DEFAULT_MAPPING): X3OrderDraft {
  const orderNumber = n.orderNumber;
  if (!orderNumber)
    throw new ValidationError('shipstation', 'orderNumber', 'the ShipStation order has no order number (X3 CUSORDREF)');
  if (orderNumber.length > LEN.CUSORDREF) {
    throw new ValidationError(
      'shipstation',
      'orderNumber',
      `order number "${orderNumber}" is longer than the ${LEN.CUSORDREF} characters of X3 CUSORDREF`,
    );
  }
  const bpcnum = customerCode(n, o.customerPrefix);
  const billTo = isEmptyAddress(n.billTo) ? n.shipTo : n.billTo;
  const displayName = billTo.company ?? billTo.name ?? n.shipTo.company ?? n.shipTo.name ?? n.email;
  const customer = compact({
    BPCNUM: bpcnum,
    BPCNAM: cut(displayName, LEN.BPCNAM) ?? bpcnum,
    BPCSHO: cut(displayName, LEN.BPCSHO),
    CUR: o.currency,
    BPAADDLIG: billTo.lines.length ? billTo.lines.slice(0, 3).map((l) => l.slice(0, LEN.ADDLINE)) : undefined,
    POSCOD: cut(billTo.postalCode, LEN.POSCOD),
    CTY: cut(billTo.city, LEN.CTY),
    SAT: cut(billTo.state, LEN.SAT),
    CRY: cut(billTo.country, LEN.CRY),
    TEL: cut(billTo.phone, LEN.TEL),
    WEB: cut(n.email, LEN.WEB),
  });

  const products = new Map<string, X3Record>();
  const lines: X3Record[] = [];
  n.items.forEach((item, index) => {
    if (item.adjustment && o.skipAdjustmentLines) return;
    const where = `items[${index}]`;
    if (!item.sku) {
      throw new ValidationError(
        'shipstation',
        `${where}.sku`,
        `order ${orderNumber} line ${index + 1} (${item.name ?? 'no name'}) has no SKU: an X3 order line needs a product (ITMREF)`,
      );
    }
    if (item.quantity === undefined || item.quantity <= 0) {
      throw new ValidationError(
        'shipstation',
        `${where}.quantity`,
        `order ${orderNumber} line ${index + 1} (SKU ${item.sku}) has no positive quantity`,
      );
    }
    lines.push(
      compact({
        SOPLIN: (lines.length + 1) * 1000,
        ITMREF: item.sku,
        ITMDES1: cut(item.name, LEN.DES),
        QTY: item.quantity,
        GROPRI: item.unitPrice,
      }),
    );
    if (!products.has(item.sku)) {
      const weight = weightOf(item.weight);
      products.set(
        item.sku,
        compact({
          ITMREF: item.sku,
          DES1AXX: cut(item.name, LEN.DES) ?? item.sku.slice(0, LEN.DES),
          BASPRI: item.unitPrice,
          EANCOD: cut(item.upc, 20),
          ITMWEI: weight?.value,
          WEU: weight?.unit,
        }),
      );
    }
  });
  if (lines.length === 0) {
    throw new ValidationError('shipstation', 'items', `order ${orderNumber} has no product lines to import into X3`);
  }

  const salesOrder = compact({
    SALFCY: o.salesSite,
    SOHTYP: o.orderType,
    BPCORD: bpcnum,
    ORDDAT: n.orderDate,
    CUSORDREF: orderNumber,
    CUR: o.currency,
    BPCINV: bpcnum,
    ...shipToFields(n.shipTo),
    STOFCY: o.shippingSite,
    DEMDLVDAT: n.shipByDate,
    lines,
  });
  return { customer, products: [...products.values()], salesOrder, salesOrderStatus: { CUSORDREF: orderNumber } };
}

export function mapOrderToX3(order: Json, version: ApiVersion = 'v1', mapping?: X3MappingOptions): X3OrderDraft {
  const o = options(mapping);
  const n = version === 'v1' ? neutralV1Order(order) : neutralV2Order(order);
  const drafts = orderDrafts(n, o);
  const status = txt(version === 'v1' ? order.orderStatus : order.shipment_status);
  if (status) drafts.salesOrderStatus[o.statusField] = status.slice(0, 30);
  return drafts;
}

interface NeutralShipment {
  orderNumber?: string;
  trackingNumber?: string;
  shipDate?: string;
  voided: boolean;
  shipTo: Address;
  weight?: unknown;
  items: Array<{ sku?: string; name?: string; quantity?: number }>;
}

function shipmentDrafts(
  s: NeutralShipment,
  o: X3MappingOptions & typeof DEFAULT_MAPPING,
  what: string,
): X3ShipmentDraft {
  if (!s.orderNumber) {
    throw new ValidationError(
      'shipstation',
      'orderNumber',
      `the ShipStation ${what} has no order number to find its X3 order (CUSORDREF) by`,
    );
  }
  const status = s.voided ? 'voided' : 'shipped';
  const salesOrderStatus = compact({
    CUSORDREF: s.orderNumber,
    [o.trackingField]: cut(s.trackingNumber, 40),
    [o.statusField]: status,
    SHIDAT: s.voided ? undefined : s.shipDate,
  });
  const weight = weightOf(s.weight);
  const lines = s.items
    .filter((i) => i.sku)
    .map((i, index) =>
      compact({
        SDDLIN: (index + 1) * 1000,
        ITMREF: i.sku,
        ITMDES1: cut(i.name, LEN.DES),
        QTY: i.quantity,
      }),
    );
  const delivery = compact({
    STOFCY: o.shippingSite,
    SALFCY: o.salesSite,
    SHIDAT: s.shipDate,
    ...shipToFields(s.shipTo),
    PACNBR: 1,
    GROWEI: weight?.value,
    WEU: weight?.unit,
    [o.trackingField]: cut(s.trackingNumber, 40),
    [o.statusField]: status,
    lines: lines.length ? lines : undefined,
  });
  return { delivery, salesOrderStatus };
}

export function mapShipmentToX3(
  shipment: Json,
  version: ApiVersion = 'v1',
  mapping?: X3MappingOptions,
): X3ShipmentDraft {
  const o = options(mapping);
  if (version === 'v1') {
    const items = Array.isArray(shipment.shipmentItems) ? shipment.shipmentItems : [];
    return shipmentDrafts(
      {
        orderNumber: txt(shipment.orderNumber),
        trackingNumber: txt(shipment.trackingNumber),
        shipDate: pacificDateOf(shipment, 'shipDate'),
        voided: shipment.voided === true,
        shipTo: v1Address(shipment.shipTo, shipment.customerEmail),
        weight: shipment.weight,
        items: items.map((raw) => {
          const i = obj(raw);
          return { sku: txt(i.sku), name: txt(i.name), quantity: num(i.quantity) };
        }),
      },
      o,
      'shipment',
    );
  }
  // V2 label: no order number on the label itself; external ids are the V1 order key.
  return shipmentDrafts(
    {
      orderNumber: txt(shipment.shipment_number),
      trackingNumber: txt(shipment.tracking_number),
      shipDate: pacificDateOf(shipment, 'ship_date'),
      voided: shipment.voided === true,
      shipTo: v2Address(shipment.ship_to),
      weight: undefined,
      items: [],
    },
    o,
    'label',
  );
}

export function mapFulfillmentToX3(f: Json, version: ApiVersion = 'v1', mapping?: X3MappingOptions): X3ShipmentDraft {
  const o = options(mapping);
  const v1 = version === 'v1';
  return shipmentDrafts(
    {
      orderNumber: txt(v1 ? f.orderNumber : f.shipment_number),
      trackingNumber: txt(v1 ? f.trackingNumber : f.tracking_number),
      shipDate: pacificDateOf(f, v1 ? 'shipDate' : 'ship_date'),
      voided: f.voided === true,
      shipTo: v1 ? v1Address(f.shipTo, f.customerEmail) : v2Address(f.ship_to),
      items: [],
    },
    o,
    'fulfillment',
  );
}

/** A ShipStation customer (V1 `/customers`) as an X3 customer, for the master-data sync. */
export function mapCustomerToX3(c: Json, mapping?: X3MappingOptions): X3CustomerDraft {
  const o = options(mapping);
  const address: Address = {
    name: txt(c.name),
    company: txt(c.company),
    lines: [c.street1, c.street2].map(txt).filter((s): s is string => !!s),
    postalCode: txt(c.postalCode),
    city: txt(c.city),
    state: txt(c.state),
    country: txt(c.countryCode),
    phone: txt(c.phone),
    email: txt(c.email),
  };
  const bpcnum = customerCode(
    { customerId: txt(c.customerId), email: address.email, billTo: address },
    o.customerPrefix,
  );
  const displayName = address.company ?? address.name ?? address.email;
  return {
    customer: compact({
      BPCNUM: bpcnum,
      BPCNAM: cut(displayName, LEN.BPCNAM) ?? bpcnum,
      BPCSHO: cut(displayName, LEN.BPCSHO),
      CUR: o.currency,
      BPAADDLIG: address.lines.length ? address.lines.map((l) => l.slice(0, LEN.ADDLINE)) : undefined,
      POSCOD: cut(address.postalCode, LEN.POSCOD),
      CTY: cut(address.city, LEN.CTY),
      SAT: cut(address.state, LEN.SAT),
      CRY: cut(address.country, LEN.CRY),
      TEL: cut(address.phone, LEN.TEL),
      WEB: cut(address.email, LEN.WEB),
    }),
  };
}

/** A ShipStation product (V1 camelCase or V2 snake_case) as an X3 product. */
export function mapProductToX3(p: Json, version: ApiVersion = 'v1'): X3ProductDraft {
  const sku = txt(p.sku);
  if (!sku) throw new ValidationError('shipstation', 'sku', 'the ShipStation product has no SKU (X3 ITMREF)');
  const v1 = version === 'v1';
  const price = v1 ? num(p.price) : num(obj(p.price).amount);
  const weight = v1 ? weightOf({ value: p.weightOz, units: 'ounces' }) : weightOf(p.weight);
  return {
    product: compact({
      ITMREF: sku,
      DES1AXX: cut(p.name, LEN.DES) ?? sku.slice(0, LEN.DES),
      BASPRI: price,
      EANCOD: cut(p.upc, 20),
      ITMWEI: weight?.value,
      WEU: weight?.unit,
    }),
  };
}

/** Draft for a record of a given kind, or undefined for kinds X3 does not take (tracking...). */
export function mapRecordToX3(
  kind: RecordKind,
  version: ApiVersion,
  record: Json,
  mapping?: X3MappingOptions,
): X3Draft | undefined {
  switch (kind) {
    case 'order':
      return mapOrderToX3(record, version, mapping);
    case 'shipment':
      return mapShipmentToX3(record, version, mapping);
    case 'fulfillment':
      return mapFulfillmentToX3(record, version, mapping);
    case 'customer':
      return mapCustomerToX3(record, mapping);
    case 'product':
      return mapProductToX3(record, version);
    default:
      return undefined;
  }
}
