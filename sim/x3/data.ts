/**
 * Deterministic demo/bench data: customers, products, sales orders with lines, deliveries
 * (ship-to address, weight, packages; about one in five validated), purchase orders and stock.
 * Stamps walk back from `now` in small random steps so several records share one second.
 */
import type { EntityName, LookupKind } from './entities';
import { createPrng } from './faults';
import type { Lookups, RecordInput, X3Store } from './store';
import { toX3Stamp } from './values';

export interface GenerateOptions {
  seed?: number;
  /**
   * Records per entity. `stock` counts stock rows: the generated products at the default site
   * (`STOCK_SITES[0]`) first, then at the other sites, so `stock: products` stocks the default
   * site only and the default (`products * STOCK_SITES.length`) stocks every shipping site.
   */
  counts?: Partial<Record<EntityName, number>>;
  /** Newest stamp (epoch ms); defaults to 2025-01-31T12:00:00Z so data is reproducible. */
  now?: number;
}

export interface GeneratedData {
  lookups: Partial<Lookups>;
  records: Record<EntityName, RecordInput[]>;
}

export const DEFAULT_LOOKUPS: Partial<Lookups> = {
  site: { NA011: 'Chicago Distribution', NA012: 'Dallas Warehouse', NA021: 'Atlanta Plant' },
  supplier: {
    US001: 'Midwest Components Inc.',
    US002: 'Pacific Packaging Co.',
    US003: 'Großhandel Müller GmbH',
    US004: 'Smith & Wesson Supplies',
  },
  currency: { USD: 'US Dollar', EUR: 'Euro', CAD: 'Canadian Dollar' },
  country: { US: 'United States', CA: 'Canada', MX: 'Mexico', FR: 'France', DE: 'Germany', GB: 'United Kingdom' },
  unit: { UN: 'Unit', EA: 'Each', LB: 'Pound', KG: 'Kilogram', BOX: 'Box' },
  carrier: { FEDEX: 'FedEx', UPS: 'UPS', USPS: 'US Postal Service' },
  deliveryMode: { GRD: 'Ground', EXP: 'Express', '2DA': 'Two day' },
  orderType: { SON: 'Normal order', SOI: 'Intercompany order' },
  address: { MAIN: 'Main address', SHIP: 'Shipping address' },
  category: { COM: 'Commercial', GEN: 'General', RET: 'Retail' },
  salesInvoice: {},
};

const COMPANIES = [
  'Acme Corporation',
  'Globex Industries',
  "O'Brien & Sons",
  'Initech LLC',
  'Café Müller',
  'Umbrella Retail',
  'Stark Hardware',
  'Wayne Outfitters',
  'Hooli <West>',
  'Vandelay Imports',
  'Soylent Foods',
  'Tyrell Supply',
];
const CONTACTS = ['Attn: Receiving', 'Jane Doe', 'John Smith', 'María García', 'Li Wei', ''];
const STREETS = ['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Elm St', 'Pine Rd', 'Lakeview Blvd', 'Industrial Pkwy'];
const CITIES: Array<[city: string, state: string, zip: string]> = [
  ['Chicago', 'IL', '60601'],
  ['Dallas', 'TX', '75201'],
  ['Atlanta', 'GA', '30303'],
  ['Memphis', 'TN', '38118'],
  ['Denver', 'CO', '80202'],
  ['Seattle', 'WA', '98101'],
  ['Boston', 'MA', '02108'],
  ['Phoenix', 'AZ', '85004'],
  ['San Jose', 'CA', '95113'],
  ['Miami', 'FL', '33131'],
];
const PRODUCTS = ['Widget', 'Gadget', 'Bracket', 'Sprocket', 'Gear', 'Valve', 'Sensor', 'Cable', 'Panel', 'Fan'];
const ADJECTIVES = ['Small', 'Large', 'Heavy-duty', 'Compact', 'Premium', 'Standard', 'Galvanized', 'Résistant'];

const DEFAULT_NOW = Date.UTC(2025, 0, 31, 12, 0, 0);

/** Sites the generated orders ship from; the first is the default stock site. */
export const STOCK_SITES: readonly string[] = ['NA011', 'NA012', 'NA021'];

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function generateX3Data(options: GenerateOptions = {}): GeneratedData {
  const rand = createPrng(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const counts = {
    customer: 20,
    product: 30,
    salesOrder: 50,
    salesDelivery: 50,
    purchaseOrder: 20,
    ...(options.counts ?? {}),
  };
  // deliveries and orders need customers/products to refer to
  if (counts.salesOrder + counts.salesDelivery > 0) counts.customer = Math.max(counts.customer, 1);
  if (counts.salesOrder + counts.salesDelivery + counts.purchaseOrder > 0) counts.product = Math.max(counts.product, 1);
  if (counts.salesDelivery > 0) counts.salesOrder = Math.max(counts.salesOrder, 1);
  const requestedStock = options.counts?.stock;
  if ((requestedStock ?? 0) > 0)
    counts.product = Math.max(counts.product, Math.ceil((requestedStock ?? 0) / STOCK_SITES.length));
  const stockRows = Math.min(
    requestedStock ?? counts.product * STOCK_SITES.length,
    counts.product * STOCK_SITES.length,
  );

  let cursorMs = options.now ?? DEFAULT_NOW;
  /** Stamps walk backwards: 0-2 s steps (0 = same second as the previous record). */
  const nextStamps = (): { CREDATTIM: string; UPDDATTIM: string } => {
    cursorMs -= int(0, 2) * 1000;
    const upd = cursorMs;
    const cre = rand() < 0.6 ? upd : upd - int(60, 86_400) * 1000;
    return { CREDATTIM: toX3Stamp(cre), UPDDATTIM: toX3Stamp(upd) };
  };
  const dateOf = (stamp: string, minusDays = 0): string =>
    new Date(Date.parse(stamp) - minusDays * 86_400_000).toISOString().slice(0, 10);
  const address = (): { lines: string[]; city: string; state: string; zip: string; tel: string } => {
    const [city, state, zip] = pick(CITIES);
    return {
      lines: [`${int(1, 9999)} ${pick(STREETS)}`, rand() < 0.3 ? `Suite ${int(100, 999)}` : '', ''],
      city,
      state,
      zip,
      tel: `+1 ${int(200, 989)}-555-${pad(int(0, 9999), 4)}`,
    };
  };

  const records: Record<EntityName, RecordInput[]> = {
    customer: [],
    product: [],
    salesOrder: [],
    salesDelivery: [],
    purchaseOrder: [],
    stock: [],
  };

  for (let i = 1; i <= counts.customer; i++) {
    const a = address();
    const name = `${pick(COMPANIES)} ${i}`.slice(0, 35);
    records.customer.push({
      BPCNUM: `C${pad(i, 6)}`,
      BPCNAM: name,
      BPCSHO: name.slice(0, 10),
      BCGCOD: pick(['COM', 'RET']),
      CUR: 'USD',
      BPCSTA: rand() < 0.95 ? 2 : 1,
      BPAADD: 'MAIN',
      BPAADDLIG: a.lines,
      POSCOD: a.zip,
      CTY: a.city,
      SAT: a.state,
      CRY: 'US',
      TEL: a.tel,
      WEB: `orders${i}@example.com`,
      ...nextStamps(),
    });
  }
  for (let i = 1; i <= counts.product; i++) {
    const weight = Math.round((0.2 + rand() * 40) * 100) / 100;
    records.product.push({
      ITMREF: `ITM${pad(i, 6)}`,
      DES1AXX: `${pick(ADJECTIVES)} ${pick(PRODUCTS)} ${i}`.slice(0, 30),
      DES2AXX: '',
      TCLCOD: 'GEN',
      ITMSTA: rand() < 0.9 ? 1 : 5,
      EANCOD: `0${pad(int(0, 99_999_999), 8)}${pad(i % 10_000, 4)}`,
      STU: 'UN',
      SAU: 'UN',
      BASPRI: Math.round((5 + rand() * 495) * 100) / 100,
      ITMWEI: weight,
      WEU: 'LB',
      ...nextStamps(),
    });
  }
  const shipTo = (customer: RecordInput): RecordInput => {
    const a = rand() < 0.7 ? null : address();
    return {
      BPAADD: a ? 'SHIP' : 'MAIN',
      BPDNAM: [String(customer.BPCNAM), pick(CONTACTS)],
      BPDADDLIG: a ? a.lines : customer.BPAADDLIG,
      BPDPOSCOD: a ? a.zip : customer.POSCOD,
      BPDCTY: a ? a.city : customer.CTY,
      BPDSAT: a ? a.state : customer.SAT,
      BPDCRY: 'US',
      BPDCRYNAM: 'United States',
      BPDTEL: a ? a.tel : customer.TEL,
      BPDWEB: customer.WEB,
    };
  };
  const productAt = (n: number): RecordInput => records.product[n % records.product.length];

  for (let i = 1; i <= counts.salesOrder; i++) {
    const customer = records.customer[int(0, records.customer.length - 1)];
    const stamps = nextStamps();
    const nLines = int(1, 4);
    const lines: RecordInput[] = [];
    let total = 0;
    for (let l = 1; l <= nLines; l++) {
      const p = productAt(int(0, 1_000_000));
      const qty = int(1, 20);
      total += qty * Number(p.BASPRI);
      lines.push({ SOPLIN: l * 1000, ITMREF: p.ITMREF, ITMDES1: p.DES1AXX, SAU: 'UN', QTY: qty, GROPRI: p.BASPRI });
    }
    const site = pick(['NA011', 'NA012', 'NA021']);
    records.salesOrder.push({
      SALFCY: site,
      SOHTYP: 'SON',
      SOHNUM: `SO${pad(i, 8)}`,
      BPCORD: customer.BPCNUM,
      ORDDAT: dateOf(stamps.CREDATTIM),
      CUSORDREF: rand() < 0.5 ? `PO-${int(10_000, 99_999)}` : '',
      CUR: 'USD',
      BPCINV: customer.BPCNUM,
      ...shipTo(customer),
      STOFCY: site,
      DEMDLVDAT: dateOf(stamps.CREDATTIM, -int(2, 10)),
      BPTNUM: pick(['FEDEX', 'FEDEX', 'UPS']),
      MDL: pick(['GRD', 'EXP', '2DA']),
      ORDSTA: 1,
      DLVSTA: 1,
      INVSTA: 1,
      ORDINVATI: Math.round(total * 100) / 100,
      lines,
      ...stamps,
    });
  }
  const customersByKey = new Map(records.customer.map((c) => [c.BPCNUM, c]));
  const productsByKey = new Map(records.product.map((x) => [x.ITMREF, x]));
  for (let i = 1; i <= counts.salesDelivery; i++) {
    const order = records.salesOrder[(i - 1) % records.salesOrder.length];
    const stamps = nextStamps();
    const orderLines = order.lines as RecordInput[];
    const customer = customersByKey.get(order.BPCORD) ?? records.customer[0];
    const lines = orderLines.map((l, idx) => ({
      SDDLIN: (idx + 1) * 1000,
      SOHNUM: order.SOHNUM,
      SOPLIN: l.SOPLIN,
      ITMREF: l.ITMREF,
      ITMDES1: l.ITMDES1,
      SAU: l.SAU,
      QTY: l.QTY,
    }));
    const weight = orderLines.reduce((w, l) => {
      const p = productsByKey.get(l.ITMREF);
      return w + Number(l.QTY) * Number(p?.ITMWEI ?? 1);
    }, 0);
    const validated = rand() < 0.2;
    records.salesDelivery.push({
      STOFCY: order.STOFCY,
      SDHNUM: `SD${pad(i, 8)}`,
      SALFCY: order.SALFCY,
      BPCORD: order.BPCORD,
      SOHNUM: order.SOHNUM,
      SHIDAT: dateOf(stamps.UPDDATTIM),
      DLVDAT: dateOf(stamps.UPDDATTIM, -int(1, 5)),
      CFMFLG: validated ? 2 : 1,
      BPCINV: order.BPCINV,
      ...shipTo(customer),
      BPTNUM: order.BPTNUM,
      MDL: order.MDL,
      BOLNUM: '',
      LBENUM: '',
      PACNBR: int(1, 3),
      GROWEI: Math.round(Math.max(0.5, weight) * 100) / 100,
      WEU: 'LB',
      lines,
      ...stamps,
    });
  }
  const suppliers = Object.keys(DEFAULT_LOOKUPS.supplier ?? {});
  for (let i = 1; i <= counts.purchaseOrder; i++) {
    const stamps = nextStamps();
    const a = address();
    const supplier = pick(suppliers);
    const nLines = int(1, 3);
    const lines: RecordInput[] = [];
    for (let l = 1; l <= nLines; l++) {
      const p = productAt(int(0, 1_000_000));
      lines.push({
        POPLIN: l * 1000,
        ITMREF: p.ITMREF,
        ITMDES: p.DES1AXX,
        UOM: 'UN',
        QTYUOM: int(5, 200),
        NETPRI: Math.round(Number(p.BASPRI) * 60) / 100,
      });
    }
    const site = pick(['NA011', 'NA012', 'NA021']);
    records.purchaseOrder.push({
      POHFCY: site,
      POHNUM: `PO${pad(i, 8)}`,
      BPSNUM: supplier,
      ORDDAT: dateOf(stamps.CREDATTIM),
      ORDREF: rand() < 0.5 ? `REQ-${int(1000, 9999)}` : '',
      CUR: 'USD',
      PRHFCY: site,
      BPONAM: [(DEFAULT_LOOKUPS.supplier ?? {})[supplier] ?? supplier, 'Shipping dept.'],
      BPOADDLIG: a.lines,
      BPOPOSCOD: a.zip,
      BPOCTY: a.city,
      BPOSAT: a.state,
      BPOCRY: 'US',
      BPOCRYNAM: 'United States',
      BPOTEL: a.tel,
      BPOWEB: `shipping@${supplier.toLowerCase()}.example.com`,
      BPTNUM: 'FEDEX',
      RCPFLG: 1,
      APPFLG: pick([1, 3, 4]),
      CLEFLG: 1,
      lines,
      ...stamps,
    });
  }
  // last, so that adding stock leaves the other generated records unchanged
  for (let i = 0; i < stockRows; i++) {
    const p = records.product[i % records.product.length];
    records.stock.push({
      STOFCY: STOCK_SITES[Math.floor(i / records.product.length)],
      ITMREF: p.ITMREF,
      STU: p.STU,
      QTYSTU: int(50, 500),
      ...nextStamps(),
    });
  }
  return { lookups: DEFAULT_LOOKUPS, records };
}

/** Loads generated (or hand-made) data into the store as seed data (stamps kept). */
export function loadX3Data(store: X3Store, data: GeneratedData): void {
  for (const [kind, table] of Object.entries(data.lookups) as Array<[LookupKind, Record<string, string>]>) {
    Object.assign(store.lookups[kind], table);
  }
  const order: EntityName[] = ['customer', 'product', 'salesOrder', 'salesDelivery', 'purchaseOrder', 'stock'];
  for (const entity of order) {
    // data made before stock existed has no `stock` list
    for (const r of data.records[entity] ?? []) store.insert(entity, r, { via: 'sim', trusted: true });
  }
}
