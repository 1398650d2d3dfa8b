/**
 * The X3 reads customs need beyond the delivery itself: its sales order (prices, currency) and the
 * product master of each line (harmonized code, origin, unit weight). Products are cached for the
 * life of the reader, which fedex-ship creates per deploy: a 40-line delivery of known products
 * costs no product read, and a changed product master is seen after the next deploy. Orders are
 * read per shipment (one read), since their prices are the shipment's. Values given on the msg
 * (msg.fedex.products, msg.fedex.salesOrder) are used as they are, without a read.
 */
import type { CustomsData } from './commodities';
import type { CustomsFieldMap } from './customs-options';
import { linesOf } from './commodities';
import type { X3Record } from './x3-documents';
import { isObject, text } from './x3-fields';

/** The X3 reads the reader uses (x3-config's connection in fedex-ship). */
export interface X3RecordSource {
  read(entity: 'product' | 'salesOrder', key: string, signal?: AbortSignal): Promise<X3Record | undefined>;
}

/** Customs data a msg brings along. */
export interface GivenCustomsData {
  products?: unknown;
  salesOrder?: unknown;
}

/** Products keyed by code: an object {ITM1: {...}} or a list of product records. */
export function productsFrom(value: unknown, keyField = 'ITMREF'): Map<string, X3Record> {
  const out = new Map<string, X3Record>();
  if (Array.isArray(value)) {
    for (const p of value) {
      const code = isObject(p) ? text(p[keyField]) : undefined;
      if (code && isObject(p)) out.set(code, p);
    }
  } else if (isObject(value)) {
    for (const [k, p] of Object.entries(value)) if (isObject(p)) out.set(k, p);
  }
  return out;
}

/**
 * The x3-config entity override that makes its product reads return the customs fields (a field
 * mapping per GraphQL property; x3-config's own product definition otherwise).
 */
export function productReadOverride(fields: CustomsFieldMap): { fields: Record<string, { x3: string }> } | undefined {
  const out: Record<string, { x3: string }> = {};
  if (fields.productHarmonizedCodeGraphql && fields.productHarmonizedCode)
    out[fields.productHarmonizedCodeGraphql] = { x3: fields.productHarmonizedCode };
  if (fields.productOriginGraphql && fields.productOrigin)
    out[fields.productOriginGraphql] = { x3: fields.productOrigin };
  return Object.keys(out).length ? { fields: out } : undefined;
}

export class CustomsDataReader {
  private readonly products = new Map<string, X3Record>();
  private readonly pending = new Map<string, Promise<X3Record | undefined>>();
  /** Product reads sent to X3 (for status and tests). */
  productReads = 0;

  constructor(
    private readonly source: X3RecordSource | undefined,
    private readonly concurrency = 4,
  ) {}

  async load(
    record: X3Record,
    fields: CustomsFieldMap,
    given: GivenCustomsData = {},
    signal?: AbortSignal,
  ): Promise<CustomsData> {
    const lines = linesOf(record, fields) ?? [];
    const products = productsFrom(given.products);
    const wanted = [...new Set(lines.map((l) => text(l[fields.lineProduct])).filter((c): c is string => !!c))].filter(
      (c) => !products.has(c),
    );
    const queue = [...wanted];
    const worker = async (): Promise<void> => {
      for (let code = queue.shift(); code !== undefined; code = queue.shift()) {
        const p = await this.product(code, signal);
        if (p) products.set(code, p);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));

    const data: CustomsData = { products };
    if (isObject(given.salesOrder)) {
      data.order = given.salesOrder;
      return data;
    }
    if (!this.source) return data;
    const numbers = new Set<string>();
    for (const l of lines) {
      const n = text(l[fields.lineOrder]);
      if (n) numbers.add(n);
    }
    const own = text(record[fields.lineOrder]);
    if (own) numbers.add(own);
    // Prices on the delivery lines themselves need no order.
    if (lines.length && lines.every((l) => text(l[fields.lineUnitPrice]) !== undefined)) return data;
    const orders = new Map<string, X3Record>();
    for (const n of numbers) {
      const order = await this.source.read('salesOrder', n, signal);
      if (order) orders.set(n, order);
    }
    if (orders.size) {
      data.orders = orders;
      data.order = orders.get(own ?? '') ?? [...orders.values()][0];
    }
    return data;
  }

  private async product(code: string, signal?: AbortSignal): Promise<X3Record | undefined> {
    const cached = this.products.get(code);
    if (cached) return cached;
    if (!this.source) return undefined;
    let pending = this.pending.get(code);
    if (!pending) {
      this.productReads += 1;
      pending = this.source.read('product', code, signal).finally(() => this.pending.delete(code));
      this.pending.set(code, pending);
    }
    const found = await pending;
    // A missing product is not remembered: it may be created before the next delivery.
    if (found) this.products.set(code, found);
    return found;
  }
}
