/**
 * The commodities of an international shipment, from X3: one per delivery line, grouped by
 * product and harmonized code, priced from the delivery line or its sales order line, described,
 * classified and weighed from the product master (read by customs-data.ts). Each value keeps the
 * X3 field it came from, so customs-validation.ts can name the field to fix.
 */
import type { CommodityInput, CustomsFieldMap } from './customs-options';
import type { WeightUnit } from './vocabulary';
import type { X3Record } from './x3-documents';
import { isObject, num, text } from './x3-fields';

/** What the X3 reads gave: the sales order (header + lines) and the products by code. */
export interface CustomsData {
  order?: X3Record;
  /** Sales orders by number, when the delivery's lines come from several. */
  orders?: Map<string, X3Record>;
  products: Map<string, X3Record>;
}

export type CommodityField =
  'description' | 'quantity' | 'unitPrice' | 'harmonizedCode' | 'countryOfManufacture' | 'weight' | 'partNumber';

/** A commodity before validation: any value may be missing; `sources` says where each was read. */
export interface CommodityDraft {
  description?: string;
  quantity?: number;
  quantityUnits: string;
  unitPrice?: number;
  customsValue?: number;
  weight?: number;
  harmonizedCode?: string;
  countryOfManufacture?: string;
  partNumber?: string;
  /** "line 1000, product ITM000001": where the commodity is in X3. */
  label: string;
  sources: Partial<Record<CommodityField, string>>;
}

/** X3 units -> FedEx's quantity units (X3's UN is "each"); others pass as they are. */
const QUANTITY_UNITS: Record<string, string> = { UN: 'EA', EA: 'EA', EACH: 'EA', PCE: 'PCS', PC: 'PCS', PCS: 'PCS' };

export function quantityUnitOf(unit: string | undefined): string {
  const u = (unit ?? '').trim().toUpperCase();
  return u === '' ? 'EA' : (QUANTITY_UNITS[u] ?? u);
}

const LB_PER_KG = 2.20462;

/** A product's unit weight in the packages' unit (grams become kilograms first). */
export function weightIn(value: number, unit: string | undefined, target: WeightUnit): number {
  const u = (unit ?? '').trim().toUpperCase();
  let kg: number | undefined;
  if (['KG', 'KGS', 'KILO', 'KILOGRAM'].includes(u)) kg = value;
  else if (['G', 'GR', 'GRAM', 'GRAMS'].includes(u)) kg = value / 1000;
  else if (['LB', 'LBS', '#', 'POUND', 'POUNDS'].includes(u)) return target === 'LB' ? value : value / LB_PER_KG;
  if (kg === undefined) return value;
  return target === 'KG' ? kg : kg * LB_PER_KG;
}

export const round2 = (n: number): number => Math.round(n * 100) / 100;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export function linesOf(record: X3Record, fields: CustomsFieldMap): X3Record[] | undefined {
  const raw = record[fields.lines] ?? record.lines;
  if (!Array.isArray(raw)) return undefined;
  return raw.filter(isObject);
}

function orderLineFor(
  data: CustomsData,
  fields: CustomsFieldMap,
  orderNumber: string | undefined,
  lineNumber: string | undefined,
  product: string | undefined,
): X3Record | undefined {
  const order = (orderNumber && data.orders?.get(orderNumber)) || data.order;
  const lines = order ? order[fields.orderLines] : undefined;
  if (!Array.isArray(lines)) return undefined;
  const rows = lines.filter(isObject);
  if (lineNumber !== undefined) {
    const hit = rows.find((l) => text(l[fields.orderLineNumber]) === lineNumber);
    if (hit) return hit;
  }
  return product ? rows.find((l) => text(l[fields.lineProduct]) === product) : undefined;
}

/** The currency of the shipment's values: the order's, the document's, else the setting. */
export function currencyOf(
  record: X3Record,
  data: CustomsData,
  fields: CustomsFieldMap,
  fallback: string,
): { currency?: string; source: string } {
  const order = data.order ?? (data.orders ? [...data.orders.values()][0] : undefined);
  const fromOrder = order ? text(order[fields.orderCurrency]) : undefined;
  if (fromOrder) return { currency: fromOrder.toUpperCase(), source: `sales order ${fields.orderCurrency}` };
  const own = text(record[fields.documentCurrency]);
  if (own) return { currency: own.toUpperCase(), source: fields.documentCurrency };
  if (fallback) return { currency: fallback.toUpperCase(), source: 'setting currency' };
  return { source: `sales order ${fields.orderCurrency}` };
}

/**
 * One draft per delivery line, then grouped by product and harmonized code. `grossWeight` (in
 * `unit`) is shared by quantity among the lines when a product has no unit weight.
 */
export function deriveCommodities(
  record: X3Record,
  data: CustomsData,
  fields: CustomsFieldMap,
  unit: WeightUnit,
  grossWeight: number,
): CommodityDraft[] {
  const lines = linesOf(record, fields) ?? [];
  const drafts: CommodityDraft[] = lines.map((line, i) => {
    const product = text(line[fields.lineProduct]);
    const lineNo = text(line[fields.lineOrderLine]);
    const lineLabel = text(line.SDDLIN) ?? lineNo ?? String(i + 1);
    const label = `line ${lineLabel}${product ? `, product ${product}` : ''}`;
    const master = product ? data.products.get(product) : undefined;
    const sources: Partial<Record<CommodityField, string>> = {};
    const productField = (f: string): string =>
      master
        ? `product master ${f} of ${product ?? '?'}`
        : `product master ${f} of ${product ?? '?'} (product not read)`;

    const description =
      text(master?.[fields.productDescription]) ?? text(line[fields.lineDescription]) ?? product ?? undefined;
    sources.description =
      master?.[fields.productDescription] !== undefined
        ? productField(fields.productDescription)
        : `${fields.lineDescription} (${label})`;

    const quantity = num(line[fields.lineQuantity]);
    sources.quantity = `${fields.lineQuantity} (${label})`;

    let unitPrice = fields.lineUnitPrice ? num(line[fields.lineUnitPrice]) : undefined;
    sources.unitPrice = `${fields.lineUnitPrice} (${label})`;
    if (unitPrice === undefined) {
      const orderLine = orderLineFor(data, fields, text(line[fields.lineOrder]), lineNo, product);
      unitPrice = orderLine ? num(orderLine[fields.orderLinePrice]) : undefined;
      sources.unitPrice = `sales order line ${fields.orderLinePrice} (${label})`;
    }

    const harmonizedCode = text(master?.[fields.productHarmonizedCode]);
    sources.harmonizedCode = productField(fields.productHarmonizedCode);
    const origin = text(master?.[fields.productOrigin]);
    sources.countryOfManufacture = productField(fields.productOrigin);

    const unitWeight = num(master?.[fields.productWeight]);
    const weight =
      unitWeight !== undefined && unitWeight > 0 && quantity !== undefined
        ? weightIn(unitWeight, text(master?.[fields.productWeightUnit]), unit) * quantity
        : undefined;
    if (weight !== undefined) sources.weight = productField(fields.productWeight);
    sources.partNumber = `${fields.lineProduct} (${label})`;

    return {
      description,
      quantity,
      quantityUnits: quantityUnitOf(text(line[fields.lineUnit])),
      unitPrice,
      customsValue: unitPrice !== undefined && quantity !== undefined ? round2(unitPrice * quantity) : undefined,
      weight,
      harmonizedCode,
      countryOfManufacture: origin?.toUpperCase(),
      partNumber: product,
      label,
      sources,
    };
  });
  // The gross weight less what the products weigh, shared by quantity among the lines without one.
  const known = drafts.reduce((s, d) => s + (d.weight ?? 0), 0);
  const open = drafts.filter((d) => d.weight === undefined);
  const openQty = open.reduce((s, d) => s + (d.quantity ?? 0), 0);
  const rest = Math.max(0, grossWeight - known);
  for (const d of open) {
    if (openQty > 0 && d.quantity !== undefined) {
      d.weight = (rest * d.quantity) / openQty;
      d.sources.weight = 'the document gross weight (share by quantity)';
    }
  }
  return groupCommodities(drafts);
}

/** Lines of one product and harmonized code become one commodity (quantities and values added). */
export function groupCommodities(drafts: CommodityDraft[]): CommodityDraft[] {
  const out: CommodityDraft[] = [];
  const byKey = new Map<string, CommodityDraft>();
  for (const d of drafts) {
    if (!d.partNumber) {
      out.push(d);
      continue;
    }
    const key = `${d.partNumber}\u0000${d.harmonizedCode ?? ''}\u0000${d.quantityUnits}`;
    const seen = byKey.get(key);
    if (!seen) {
      const copy = { ...d, sources: { ...d.sources } };
      byKey.set(key, copy);
      out.push(copy);
      continue;
    }
    const sum = (a: number | undefined, b: number | undefined): number | undefined =>
      a === undefined || b === undefined ? undefined : a + b;
    seen.quantity = sum(seen.quantity, d.quantity);
    seen.customsValue = sum(seen.customsValue, d.customsValue);
    seen.weight = sum(seen.weight, d.weight);
    if (seen.unitPrice === undefined || d.unitPrice === undefined) seen.unitPrice = undefined;
    else if (seen.quantity) seen.unitPrice = round2((seen.customsValue ?? 0) / seen.quantity);
    seen.label = `${seen.label}; ${d.label}`;
  }
  for (const d of out) if (d.weight !== undefined) d.weight = round3(d.weight);
  return out;
}

/** msg.fedex.commodities -> drafts (the msg is then the source of every value). */
export function commoditiesFromMsg(list: CommodityInput[]): CommodityDraft[] {
  return list.map((c, i) => {
    const at = (f: string): string => `msg.fedex.commodities[${i}].${f}`;
    const quantity = num(c.quantity);
    const unitPrice = num(c.unitPrice);
    return {
      description: text(c.description),
      quantity,
      quantityUnits: quantityUnitOf(text(c.quantityUnits)),
      unitPrice,
      customsValue: unitPrice !== undefined && quantity !== undefined ? round2(unitPrice * quantity) : undefined,
      weight: num(c.weight),
      harmonizedCode: text(c.harmonizedCode),
      countryOfManufacture: text(c.countryOfManufacture)?.toUpperCase(),
      partNumber: text(c.partNumber),
      label: `msg.fedex.commodities[${i}]`,
      sources: {
        description: at('description'),
        quantity: at('quantity'),
        unitPrice: at('unitPrice'),
        harmonizedCode: at('harmonizedCode'),
        countryOfManufacture: at('countryOfManufacture'),
        weight: at('weight'),
        partNumber: at('partNumber'),
      },
    };
  });
}
