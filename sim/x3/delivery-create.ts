/**
 * Creating a sales delivery (SDH `save`) the way X3 does: from a sales order (header copied from
 * the order, lines matched to order lines, quantities limited to what is left to deliver) or, with
 * no order number, as a direct delivery. Creating it issues the stock of each line at the shipping
 * site and, for an order, raises the lines' delivered quantities and the order's DLVSTA.
 *
 * Every check runs before the first write, so a refused delivery changes nothing.
 */
import type { EntityDef, FieldSpec } from './entities';
import type { RecordInput, WriteOptions, WriteResult, X3Store } from './store';
import { coerceField, isEmptyValue, X3BusinessError, type RecordValues } from './values';

export interface DeliveryRules {
  /** Knob `allowNegativeStock`: deliveries may take stock below zero. */
  allowNegativeStock: boolean;
}

/** Header fields a delivery takes from its order. */
const FROM_ORDER = [
  'STOFCY',
  'SALFCY',
  'BPCORD',
  'BPCINV',
  'BPAADD',
  'BPDNAM',
  'BPDADDLIG',
  'BPDPOSCOD',
  'BPDCTY',
  'BPDSAT',
  'BPDCRY',
  'BPDCRYNAM',
  'BPDTEL',
  'BPDWEB',
  'BPTNUM',
  'MDL',
] as const;

/** Order fields the delivery must agree with when the caller sends them. */
const MUST_MATCH_ORDER = ['STOFCY', 'SALFCY', 'BPCORD'] as const;

/** Order delivery status (SORDER.DLVSTA local menu). */
export const DLVSTA = { notDelivered: 1, partlyDelivered: 2, delivered: 3 } as const;

/** Quantities are decimals: compare and store them rounded to 6 places. */
function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : String(v).trim();
}

function field(fields: readonly FieldSpec[], x3: string): FieldSpec {
  const f = fields.find((x) => x.x3 === x3);
  if (!f) throw new Error(`dictionary lacks ${x3}`);
  return f;
}

function rawLines(def: EntityDef, input: RecordInput): RecordInput[] {
  const ld = def.lines!;
  const raw = input[ld.restName] ?? input.lines;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new X3BusinessError(`${ld.restName}: array of lines expected`);
  return raw.map((l, i) => {
    if (typeof l !== 'object' || l === null)
      throw new X3BusinessError(`${ld.restName}: line ${i + 1} is not an object`);
    return l as RecordInput;
  });
}

/** Delivery status of an order from its lines' ordered and delivered quantities. */
export function orderDeliveryStatus(lines: readonly RecordValues[]): number {
  const delivered = lines.map((l) => Number(l.DLVQTY ?? 0));
  if (delivered.every((q) => q <= 0)) return DLVSTA.notDelivered;
  if (lines.every((l, i) => round(delivered[i]) >= round(Number(l.QTY ?? 0)))) return DLVSTA.delivered;
  return DLVSTA.partlyDelivered;
}

interface StockIssue {
  site: string;
  product: string;
  quantity: number;
}

/**
 * Creates the delivery described by `input` (X3 names, lines under `SDELIVERYD` or `lines`, as
 * the SOAP face produces them) and applies its effects on the order and the stock.
 */
export function createSalesDelivery(
  store: X3Store,
  rules: DeliveryRules,
  input: RecordInput,
  opts: WriteOptions,
): WriteResult {
  const def = store.defs.salesDelivery;
  const ld = def.lines!;
  const lines = rawLines(def, input);
  const header: RecordInput = { ...input };
  delete header[ld.restName];
  delete header.lines;

  const orderNumber = text(header.SOHNUM) || lines.map((l) => text(l.SOHNUM)).find((s) => s !== '') || '';
  const today = store.nowStamp().slice(0, 10);
  if (isEmptyValue(coerceField(field(def.fields, 'SHIDAT'), header.SHIDAT ?? ''))) header.SHIDAT = today;
  if (isEmptyValue(coerceField(field(def.fields, 'DLVDAT'), header.DLVDAT ?? ''))) header.DLVDAT = header.SHIDAT;

  const planned = orderNumber ? planFromOrder(store, orderNumber, header, lines) : planDirect(store, header, lines);

  checkStock(store, rules, planned.issues);
  const result = store.insert('salesDelivery', planned.delivery, opts);

  if (planned.order) {
    const { key, lines: orderLines } = planned.order;
    store.update(
      'salesOrder',
      key,
      { DLVSTA: orderDeliveryStatus(orderLines), [store.defs.salesOrder.lines!.restName]: orderLines },
      { ...opts, trusted: true },
    );
  }
  issueStock(store, planned.issues, String(result.record.values.SHIDAT ?? today), opts);
  return result;
}

interface Plan {
  delivery: RecordInput;
  issues: StockIssue[];
  /** The order's lines with their new delivered quantities. */
  order?: { key: string; lines: RecordValues[] };
}

function quantityOf(def: EntityDef, line: RecordInput, index: number): number {
  const spec = field(def.lines!.fields, 'QTY');
  if (isEmptyValue(line.QTY === undefined ? null : String(line.QTY)))
    throw new X3BusinessError(`QTY: mandatory field (${spec.title}), line ${index + 1}`);
  const qty = Number(coerceField(spec, line.QTY));
  if (!(qty > 0)) throw new X3BusinessError(`QTY: quantity must be greater than 0, line ${index + 1}`);
  return round(qty);
}

function planFromOrder(store: X3Store, orderNumber: string, header: RecordInput, lines: RecordInput[]): Plan {
  const def = store.defs.salesDelivery;
  const order = store.get('salesOrder', orderNumber);
  if (!order) throw new X3BusinessError(`SOHNUM: SORDER ${orderNumber}: record does not exist`, 'not-found');
  if (order.values.ORDSTA === 2)
    throw new X3BusinessError(`Order ${orderNumber}: closed order, delivery not allowed`, 'forbidden');

  const delivery: RecordInput = {};
  for (const name of FROM_ORDER) {
    const v = order.values[name];
    delivery[name] = Array.isArray(v) ? [...v] : v;
  }
  // X3 defaults the shipping site from the sales site when the order has none
  if (text(delivery.STOFCY) === '') delivery.STOFCY = order.values.SALFCY;
  for (const name of MUST_MATCH_ORDER) {
    const given = text(header[name]);
    const expected = text(delivery[name]);
    if (given !== '' && given !== expected)
      throw new X3BusinessError(`${name}: ${given} differs from order ${orderNumber} (${expected})`);
  }
  // fields the caller sends win over the order's (e.g. the address the parcel really went to);
  // empty ones do not blank the order's values
  const copied = new Set<string>(FROM_ORDER);
  for (const [name, v] of Object.entries(header)) {
    const empty = Array.isArray(v) ? v.every((x) => text(x) === '') : text(v) === '';
    if (copied.has(name) && empty) continue;
    delivery[name] = v;
  }
  delivery.SOHNUM = orderNumber;
  const site = text(delivery.STOFCY);

  const orderLines = order.lines.map((l) => ({ ...l }));
  const remaining = (l: RecordValues): number => round(Number(l.QTY ?? 0) - Number(l.DLVQTY ?? 0));
  // an order number alone delivers everything still open, as entering it in the X3 screen does
  const requested: RecordInput[] =
    lines.length > 0
      ? lines
      : orderLines.filter((l) => remaining(l) > 0).map((l) => ({ SOPLIN: l.SOPLIN, QTY: remaining(l) }));
  if (requested.length === 0) throw new X3BusinessError(`Order ${orderNumber}: nothing left to deliver`);

  const soplinSpec = field(def.lines!.fields, 'SOPLIN');
  const deliveryLines: RecordInput[] = [];
  const issues = new Map<string, StockIssue>();
  requested.forEach((line, i) => {
    const lineOrder = text(line.SOHNUM);
    if (lineOrder !== '' && lineOrder !== orderNumber)
      throw new X3BusinessError(
        `SOHNUM, line ${i + 1}: order ${lineOrder} differs from the delivery's order ${orderNumber}`,
      );
    const qty = quantityOf(def, line, i);
    const product = text(line.ITMREF);
    let target: RecordValues | undefined;
    if (!isEmptyValue(line.SOPLIN === undefined ? null : String(line.SOPLIN))) {
      const soplin = coerceField(soplinSpec, line.SOPLIN);
      target = orderLines.find((l) => l.SOPLIN === soplin);
      if (!target)
        throw new X3BusinessError(`Order ${orderNumber} line ${String(soplin)}: line does not exist`, 'not-found');
      if (product !== '' && product !== target.ITMREF)
        throw new X3BusinessError(
          `Order ${orderNumber} line ${String(soplin)}: product ${product} differs from the order line's product ${String(target.ITMREF)}`,
        );
    } else if (product !== '') {
      const candidates = orderLines.filter((l) => l.ITMREF === product);
      if (candidates.length === 0)
        throw new X3BusinessError(`Order ${orderNumber}: product ${product} is not on the order`, 'not-found');
      target = candidates.find((l) => remaining(l) > 0) ?? candidates[0];
    } else {
      throw new X3BusinessError(`SOPLIN: order line or product (ITMREF) required, line ${i + 1}`);
    }
    const left = remaining(target);
    if (qty > left)
      throw new X3BusinessError(
        `Order ${orderNumber} line ${String(target.SOPLIN)}: quantity ${qty} exceeds the quantity remaining to deliver (${left})`,
      );
    const unit = text(line.SAU);
    if (unit !== '' && unit !== target.SAU)
      throw new X3BusinessError(
        `SAU, line ${i + 1}: unit ${unit} differs from the order line's sales unit ${String(target.SAU)}`,
      );
    target.DLVQTY = round(Number(target.DLVQTY ?? 0) + qty);

    const built: RecordInput = { ...line };
    built.SDDLIN = isEmptyValue(line.SDDLIN === undefined ? null : String(line.SDDLIN)) ? (i + 1) * 1000 : line.SDDLIN;
    built.SOHNUM = orderNumber;
    built.SOPLIN = target.SOPLIN;
    built.ITMREF = target.ITMREF;
    built.SAU = target.SAU;
    built.QTY = qty;
    if (isEmptyValue(text(line.ITMDES1))) built.ITMDES1 = target.ITMDES1;
    deliveryLines.push(built);
    addIssue(issues, site, String(target.ITMREF), qty);
  });

  delivery[def.lines!.restName] = deliveryLines;
  if (delivery.GROWEI === undefined) delivery.GROWEI = grossWeight(store, deliveryLines);
  return { delivery, issues: [...issues.values()], order: { key: orderNumber, lines: orderLines } };
}

/** A delivery without an order: the caller gives customer, site and product lines. */
function planDirect(store: X3Store, header: RecordInput, lines: RecordInput[]): Plan {
  const def = store.defs.salesDelivery;
  const site = text(header.STOFCY);
  if (site === '') throw new X3BusinessError(`STOFCY: mandatory field (${field(def.fields, 'STOFCY').title})`);
  if (lines.length === 0) throw new X3BusinessError(`${def.lines!.restName}: at least one line is required`);
  const issues = new Map<string, StockIssue>();
  const deliveryLines = lines.map((line, i) => {
    const qty = quantityOf(def, line, i);
    const product = text(line.ITMREF);
    if (product === '') throw new X3BusinessError(`ITMREF: mandatory field (Product), line ${i + 1}`);
    if (!store.get('product', product))
      throw new X3BusinessError(`ITMREF, line ${i + 1}: ITMMASTER ${product}: record does not exist`, 'not-found');
    addIssue(issues, site, product, qty);
    return { ...line, QTY: qty };
  });
  const delivery: RecordInput = { ...header, [def.lines!.restName]: deliveryLines };
  if (delivery.GROWEI === undefined) delivery.GROWEI = grossWeight(store, deliveryLines);
  return { delivery, issues: [...issues.values()] };
}

function addIssue(issues: Map<string, StockIssue>, site: string, product: string, quantity: number): void {
  const key = `${site}~${product}`;
  const issue = issues.get(key) ?? { site, product, quantity: 0 };
  issue.quantity = round(issue.quantity + quantity);
  issues.set(key, issue);
}

/** Product weight times quantity, as X3 proposes the delivery's gross weight. */
function grossWeight(store: X3Store, lines: readonly RecordInput[]): number {
  const total = lines.reduce((sum, l) => {
    const p = store.get('product', text(l.ITMREF));
    return sum + Number(l.QTY ?? 0) * Number(p?.values.ITMWEI ?? 0);
  }, 0);
  return Math.round(total * 100) / 100;
}

function stockKey(site: string, product: string): string {
  return `${site}~${product}`;
}

function checkStock(store: X3Store, rules: DeliveryRules, issues: readonly StockIssue[]): void {
  if (rules.allowNegativeStock) return;
  for (const issue of issues) {
    const row = store.get('stock', stockKey(issue.site, issue.product));
    const available = round(Number(row?.values.QTYSTU ?? 0));
    if (issue.quantity > available)
      throw new X3BusinessError(
        `${issue.product}: insufficient stock at site ${issue.site} (available ${available}, required ${issue.quantity})`,
      );
  }
}

function issueStock(store: X3Store, issues: readonly StockIssue[], shipDate: string, opts: WriteOptions): void {
  const write: WriteOptions = { via: opts.via, user: opts.user, trusted: true };
  for (const issue of issues) {
    const key = stockKey(issue.site, issue.product);
    const row = store.get('stock', key);
    if (row) {
      const qty = round(Number(row.values.QTYSTU ?? 0) - issue.quantity);
      store.update('stock', key, { QTYSTU: qty, LASISSDAT: shipDate }, write);
    } else {
      // only reachable with allowNegativeStock: the issue opens the row below zero
      const product = store.get('product', issue.product);
      store.insert(
        'stock',
        {
          STOFCY: issue.site,
          ITMREF: issue.product,
          STU: product?.values.STU ?? 'UN',
          QTYSTU: -issue.quantity,
          LASISSDAT: shipDate,
        },
        write,
      );
    }
  }
}
