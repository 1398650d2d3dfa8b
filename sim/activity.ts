/**
 * Business activity driven through the simulators' own inspection APIs (HTTP, so the demo and
 * the end-to-end tests use the same path): new X3 sales deliveries and purchase orders ready to
 * ship with FedEx, new ShipStation orders, labels bought in ShipStation, and the X3 stock the
 * ShipStation products need. Nothing here talks to Node-RED.
 */

export interface SimUrls {
  x3Url: string;
  fedexUrl: string;
  shipstationV1Url: string;
}

type Obj = Record<string, unknown>;

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** X3 records of one entity in dictionary form (GET /__sim/records/:entity). */
export function x3Records(x3Url: string, entity: string): Promise<Obj[]> {
  return call<Obj[]>('GET', `${x3Url}/__sim/records/${entity}`);
}

/** The SKUs the ShipStation simulator's products use (sim/shipstation/data.ts). */
export const SHIPSTATION_SKUS = [
  'SKU-1001',
  'SKU-1002',
  'SKU-1003',
  'SKU-1004',
  'SKU-1005',
  'SKU-1006',
  'SKU-1007',
  'SKU-1008',
  'SKU-1009',
  'SKU-1010',
  'SKU-1011',
  'SKU-1012',
];

const PLACES: Array<[city: string, state: string, zip: string]> = [
  ['Chicago', 'IL', '60601'],
  ['Dallas', 'TX', '75201'],
  ['Atlanta', 'GA', '30303'],
  ['Denver', 'CO', '80202'],
  ['Seattle', 'WA', '98101'],
  ['Boston', 'MA', '02108'],
  ['Phoenix', 'AZ', '85004'],
  ['Miami', 'FL', '33131'],
];
const COMPANIES = [
  'Acme Tools',
  'Globex Supply',
  'Initech Parts',
  'Umbrella Industrial',
  'Stark Fittings',
  'Wayne Outfitters',
];
const PEOPLE = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Ken Thompson'];

function place(i: number): { lines: string[]; city: string; state: string; zip: string; tel: string } {
  const [city, state, zip] = PLACES[i % PLACES.length];
  return {
    lines: [`${100 + ((i * 37) % 9800)} Industrial Pkwy`, '', ''],
    city,
    state,
    zip,
    tel: `+1 312-555-${String(1000 + (i % 9000)).padStart(4, '0')}`,
  };
}

export interface X3DocumentOptions {
  /** Key prefix; keys are `<prefix><8 digits>` from `start` (X3 keys are at most 15 characters here). */
  prefix: string;
  start: number;
  count: number;
  /** Packages per document (default 1) and gross weight in LB (default 4.5). */
  packages?: number;
  weight?: number;
}

/**
 * New sales deliveries ready to ship with FedEx (carrier FEDEX, not validated, no tracking
 * number), each referring to an existing sales order of the X3 sim, seeded through
 * POST /__sim/seed (stamped with the sim clock, as if an X3 user had just saved them).
 */
export async function createX3Deliveries(x3Url: string, options: X3DocumentOptions): Promise<string[]> {
  const orders = await x3Records(x3Url, 'salesOrder');
  if (!orders.length) throw new Error('the X3 simulator has no sales orders to deliver');
  const records: Obj[] = [];
  for (let i = 0; i < options.count; i++) {
    const n = options.start + i;
    const order = orders[n % orders.length];
    const p = place(n);
    const lines = Array.isArray(order.lines) ? (order.lines as Obj[]) : [];
    records.push({
      SDHNUM: `${options.prefix}${String(n).padStart(8, '0')}`,
      STOFCY: order.STOFCY,
      SALFCY: order.SALFCY,
      BPCORD: order.BPCORD,
      SOHNUM: order.SOHNUM,
      SHIDAT: new Date().toISOString().slice(0, 10),
      DLVDAT: new Date().toISOString().slice(0, 10),
      CFMFLG: 1,
      BPCINV: order.BPCINV,
      BPAADD: 'MAIN',
      BPDNAM: [`${COMPANIES[n % COMPANIES.length]} ${n}`, PEOPLE[n % PEOPLE.length]],
      BPDADDLIG: p.lines,
      BPDPOSCOD: p.zip,
      BPDCTY: p.city,
      BPDSAT: p.state,
      BPDCRY: 'US',
      BPDCRYNAM: 'United States',
      BPDTEL: p.tel,
      BPDWEB: `receiving${n}@example.com`,
      BPTNUM: 'FEDEX',
      MDL: 'GRD',
      BOLNUM: '',
      LBENUM: '',
      PACNBR: options.packages ?? 1,
      GROWEI: options.weight ?? 4.5,
      WEU: 'LB',
      YTRACKNUM: '',
      YTRKSTA: '',
      lines: lines.slice(0, 1).map((l) => ({
        SDDLIN: 1000,
        SOHNUM: order.SOHNUM,
        SOPLIN: l.SOPLIN,
        ITMREF: l.ITMREF,
        ITMDES1: l.ITMDES1,
        SAU: l.SAU,
        QTY: 1,
      })),
    });
  }
  const res = await call<{ keys?: string[] }>('POST', `${x3Url}/__sim/seed`, { entity: 'salesDelivery', records });
  return res?.keys ?? records.map((r) => r.SDHNUM as string);
}

/** New open purchase orders shipped inbound by FedEx from the supplier (no tracking number yet). */
export async function createX3PurchaseOrders(x3Url: string, options: X3DocumentOptions): Promise<string[]> {
  const products = await x3Records(x3Url, 'product');
  const records: Obj[] = [];
  for (let i = 0; i < options.count; i++) {
    const n = options.start + i;
    const p = place(n + 3);
    const product = products[n % Math.max(1, products.length)] ?? {};
    records.push({
      POHNUM: `${options.prefix}${String(n).padStart(8, '0')}`,
      POHFCY: 'NA011',
      BPSNUM: 'US001',
      ORDDAT: new Date().toISOString().slice(0, 10),
      ORDREF: `REQ-${n}`,
      CUR: 'USD',
      PRHFCY: 'NA011',
      BPONAM: [`${COMPANIES[(n + 2) % COMPANIES.length]} Supply ${n}`, 'Shipping dept.'],
      BPOADDLIG: p.lines,
      BPOPOSCOD: p.zip,
      BPOCTY: p.city,
      BPOSAT: p.state,
      BPOCRY: 'US',
      BPOCRYNAM: 'United States',
      BPOTEL: p.tel,
      BPOWEB: `shipping${n}@example.com`,
      BPTNUM: 'FEDEX',
      RCPFLG: 1,
      APPFLG: 3,
      CLEFLG: 1,
      YTRACKNUM: '',
      YTRKSTA: '',
      lines: [
        {
          POPLIN: 1000,
          ITMREF: product.ITMREF ?? 'ITM000001',
          ITMDES: product.DES1AXX ?? 'Part',
          UOM: 'UN',
          QTYUOM: 10,
          NETPRI: 5,
        },
      ],
    });
  }
  const res = await call<{ keys?: string[] }>('POST', `${x3Url}/__sim/seed`, { entity: 'purchaseOrder', records });
  return res?.keys ?? records.map((r) => r.POHNUM as string);
}

/**
 * Stock rows for the ShipStation SKUs at the given X3 sites, so that a delivery created from a
 * ShipStation shipment finds stock to issue (in real life the goods are in the warehouse before
 * ShipStation ships them).
 */
export async function stockShipStationSkus(x3Url: string, sites: string[], quantity = 100_000): Promise<void> {
  const records = sites.flatMap((site) =>
    SHIPSTATION_SKUS.map((sku) => ({ STOFCY: site, ITMREF: sku, STU: 'UN', QTYSTU: quantity })),
  );
  await call('POST', `${x3Url}/__sim/seed`, { entity: 'stock', records });
}

export interface ShipStationOrderOptions {
  prefix: string;
  start: number;
  count: number;
  /** Distinct customers the orders are spread over (default 5). */
  customers?: number;
  /** Store id (default the sim's manual store 12345). */
  storeId?: number;
}

/** A ShipStation order as a store import would create it (createorder body). */
export function shipStationOrderBody(prefix: string, n: number, customers = 5, storeId = 12345): Obj {
  const c = n % customers;
  const p = place(c);
  const name = PEOPLE[c % PEOPLE.length];
  const address = {
    name,
    company: c % 2 === 0 ? `${COMPANIES[c % COMPANIES.length]}` : null,
    street1: p.lines[0],
    street2: null,
    street3: null,
    city: p.city,
    state: p.state,
    postalCode: p.zip,
    country: 'US',
    phone: `512-555-${String(2000 + c).slice(-4)}`,
    residential: false,
  };
  const sku1 = SHIPSTATION_SKUS[n % SHIPSTATION_SKUS.length];
  const sku2 = SHIPSTATION_SKUS[(n + 5) % SHIPSTATION_SKUS.length];
  return {
    orderNumber: `${prefix}${n}`,
    orderKey: `${prefix.toLowerCase()}key-${n}`,
    orderDate: new Date().toISOString(),
    paymentDate: new Date().toISOString(),
    orderStatus: 'awaiting_shipment',
    customerUsername: `${prefix.toLowerCase()}buyer${c}@example.com`,
    customerEmail: `${prefix.toLowerCase()}buyer${c}@example.com`,
    billTo: { ...address, phone: null },
    shipTo: address,
    items: [
      {
        lineItemKey: `${n}-1`,
        sku: sku1,
        name: `Item ${sku1}`,
        quantity: 1 + (n % 3),
        unitPrice: 12.5,
        weight: { value: 14, units: 'ounces' },
      },
      {
        lineItemKey: `${n}-2`,
        sku: sku2,
        name: `Item ${sku2}`,
        quantity: 1,
        unitPrice: 4.25,
        weight: { value: 2, units: 'ounces' },
      },
    ],
    amountPaid: 29.25,
    taxAmount: 1.5,
    shippingAmount: 5.99,
    advancedOptions: { storeId },
  };
}

/** New ShipStation orders (each fires ORDER_NOTIFY); returns {orderId, orderNumber}. */
export async function createShipStationOrders(
  v1Url: string,
  options: ShipStationOrderOptions,
): Promise<Array<{ orderId: number; orderNumber: string }>> {
  const out: Array<{ orderId: number; orderNumber: string }> = [];
  for (let i = 0; i < options.count; i++) {
    const order = await call<Obj>(
      'POST',
      `${v1Url}/__sim/orders`,
      shipStationOrderBody(options.prefix, options.start + i, options.customers, options.storeId),
    );
    out.push({ orderId: Number(order.orderId), orderNumber: String(order.orderNumber) });
  }
  return out;
}

/** Buys a label for a ShipStation order (fires SHIP_NOTIFY); returns the V1 shipment. */
export function shipShipStationOrder(v1Url: string, orderId: number, body: Obj = {}): Promise<Obj> {
  return call<Obj>('POST', `${v1Url}/__sim/orders/${orderId}/ship`, {
    carrierCode: 'fedex',
    serviceCode: 'fedex_ground',
    ...body,
  });
}

/** A ShipStation order as the V1 API shows it (no auth, no rate limit). */
export function shipStationOrder(v1Url: string, orderId: number): Promise<Obj> {
  return call<Obj>('GET', `${v1Url}/__sim/orders/${orderId}`);
}

export function simState<T = Obj>(url: string): Promise<T> {
  return call<T>('GET', `${url}/__sim/state`);
}

export function simConfig(url: string, knobs: Obj): Promise<Obj> {
  return call<Obj>('POST', `${url}/__sim/config`, knobs);
}
