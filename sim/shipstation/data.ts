// Deterministic test data: N orders with customers, SKU items and ship-to addresses, whose
// modifyDates deliberately land in the two hard hours of US Pacific time in 2026:
// - 2026-03-08 02:00-03:00 local does not exist (spring forward at 10:00Z),
// - 2026-11-01 01:00-02:00 local happens twice (PDT 08:00-09:00Z, then PST 09:00-10:00Z).
// The output is a plain seed document, the same shape `POST /__sim/seed` accepts.
import { createRandom } from './random';
import { DEFAULT_STORE_ID, SECOND_STORE_ID } from './store';
import { formatPacific7, formatUtcIso } from './time';

export interface GenerateOptions {
  orders: number;
  seed?: number;
}

export interface SeedDocument {
  products: Record<string, unknown>[];
  orders: Record<string, unknown>[];
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Instants placed on purpose; orders 0.. take these first. */
export const KEY_INSTANTS: readonly { at: string; why: string }[] = [
  { at: '2026-11-01T08:20:00.000Z', why: '01:20 PDT, first pass of the repeated hour' },
  { at: '2026-11-01T09:10:00.000Z', why: '01:10 PST, second pass: later instant, earlier wall clock' },
  { at: '2026-11-01T08:50:00.000Z', why: '01:50 PDT' },
  { at: '2026-11-01T09:40:00.000Z', why: '01:40 PST' },
  { at: '2026-03-08T09:50:00.000Z', why: '01:50 PST, just before the spring gap' },
  { at: '2026-03-08T10:10:00.000Z', why: '03:10 PDT, just after the gap (02:xx never exists)' },
  { at: '2026-11-01T10:30:00.000Z', why: '02:30 PST, after the fall-back' },
  { at: '2026-03-08T11:00:00.000Z', why: '04:00 PDT' },
];

/** Ranges the remaining orders are spread over (UTC). */
const WINDOWS: readonly [string, string][] = [
  ['2026-03-08T06:00:00.000Z', '2026-03-08T14:00:00.000Z'],
  ['2026-10-31T20:00:00.000Z', '2026-11-01T14:00:00.000Z'],
];

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Radia', 'Edsger'];
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Perlman',
  'Dijkstra',
];
const ADDRESSES: readonly { street1: string; city: string; state: string; postalCode: string; country: string }[] = [
  { street1: '100 Main St', city: 'Austin', state: 'TX', postalCode: '78701', country: 'US' },
  { street1: '2200 Mission College Blvd', city: 'Santa Clara', state: 'CA', postalCode: '95054', country: 'US' },
  { street1: '1 Infinite Loop', city: 'Cupertino', state: 'CA', postalCode: '95014', country: 'US' },
  { street1: '350 5th Ave', city: 'New York', state: 'NY', postalCode: '10118', country: 'US' },
  { street1: '233 S Wacker Dr', city: 'Chicago', state: 'IL', postalCode: '60606', country: 'US' },
  { street1: '400 Broad St', city: 'Seattle', state: 'WA', postalCode: '98109', country: 'US' },
  { street1: '290 Bremner Blvd', city: 'Toronto', state: 'ON', postalCode: 'M5V 3L9', country: 'CA' },
  { street1: '221B Baker St', city: 'London', state: '', postalCode: 'NW1 6XE', country: 'GB' },
];
const PRODUCTS: readonly { sku: string; name: string; price: number; weightOz: number }[] = [
  { sku: 'SKU-1001', name: 'Coffee Mug', price: 12.5, weightOz: 14 },
  { sku: 'SKU-1002', name: 'Espresso Cup Set', price: 24, weightOz: 20 },
  { sku: 'SKU-1003', name: 'Pour-over Kettle', price: 39.99, weightOz: 32 },
  { sku: 'SKU-1004', name: 'Burr Grinder', price: 89, weightOz: 56 },
  { sku: 'SKU-1005', name: 'Paper Filters (100)', price: 6.75, weightOz: 6 },
  { sku: 'SKU-1006', name: 'Bean Canister', price: 18.2, weightOz: 18 },
  { sku: 'SKU-1007', name: 'Milk Frother', price: 29.95, weightOz: 12 },
  { sku: 'SKU-1008', name: 'Travel Tumbler', price: 22, weightOz: 10 },
  { sku: 'SKU-1009', name: 'Cold Brew Jar', price: 27.5, weightOz: 40 },
  { sku: 'SKU-1010', name: 'Tasting Spoon', price: 4.25, weightOz: 2 },
  { sku: 'SKU-1011', name: 'Scale with Timer', price: 45, weightOz: 24 },
  { sku: 'SKU-1012', name: 'Gift Card Sleeve', price: 1, weightOz: 1 },
];

type Status =
  | 'awaiting_shipment'
  | 'awaiting_payment'
  | 'on_hold'
  | 'shipped'
  | 'shipped_marked'
  | 'cancelled'
  | 'pending_fulfillment';
const STATUS_WEIGHTS: readonly [Status, number][] = [
  ['awaiting_shipment', 60],
  ['awaiting_payment', 10],
  ['on_hold', 8],
  ['shipped', 12],
  ['shipped_marked', 4],
  ['cancelled', 3],
  ['pending_fulfillment', 3],
];

export function generateDataset(options: GenerateOptions): SeedDocument {
  const seed = options.seed ?? 1;
  const random = createRandom(seed);
  const weighted = (): Status => {
    let roll = random.next() * 100;
    for (const [status, weight] of STATUS_WEIGHTS) {
      roll -= weight;
      if (roll < 0) return status;
    }
    return 'awaiting_shipment';
  };

  const products = PRODUCTS.map((p, i) => ({
    sku: p.sku,
    name: p.name,
    price: p.price,
    defaultCost: Math.round(p.price * 40) / 100,
    weightOz: p.weightOz,
    length: 6,
    width: 4,
    height: 4,
    warehouseLocation: `Aisle ${1 + (i % 4)}, Bin ${10 + i}`,
    active: true,
    onHand: 50 + ((i * 37) % 200),
    createDate: '2026-01-05T17:00:00.000Z',
    modifyDate: '2026-01-05T17:00:00.000Z',
  }));

  const customerCount = Math.max(1, Math.min(options.orders, 20));
  const customers = Array.from({ length: customerCount }, (_, i) => {
    const first = FIRST_NAMES[i % FIRST_NAMES.length];
    const last = LAST_NAMES[(i * 3 + Math.floor(i / FIRST_NAMES.length)) % LAST_NAMES.length];
    const address = ADDRESSES[i % ADDRESSES.length];
    return {
      name: `${first} ${last}`,
      email: `${first}.${last}${i}@example.com`.toLowerCase(),
      phone: `512-555-${String(1000 + i).slice(-4)}`,
      address,
    };
  });

  const orders: Record<string, unknown>[] = [];
  for (let i = 0; i < options.orders; i += 1) {
    let modify: number;
    if (i < KEY_INSTANTS.length) modify = Date.parse(KEY_INSTANTS[i].at);
    else {
      const [from, to] = WINDOWS[i % WINDOWS.length];
      const start = Date.parse(from);
      modify = start + Math.floor((random.next() * (Date.parse(to) - start)) / 1000) * 1000;
    }
    // Roughly half the orders were edited after creation; the rest keep modifyDate = createDate.
    const edited = random.next() < 0.5;
    const create = edited ? modify - random.int(10, 36 * 60) * MINUTE : modify;
    const orderDate = create - random.int(1, 120) * MINUTE;
    const status = weighted();
    const customer = customers[i % customers.length];
    const shipTo = {
      name: customer.name,
      company: i % 5 === 0 ? 'Example Corp' : null,
      street1: customer.address.street1,
      street2: i % 3 === 0 ? `Suite ${100 + i}` : null,
      street3: null,
      city: customer.address.city,
      state: customer.address.state,
      postalCode: customer.address.postalCode,
      country: customer.address.country,
      phone: customer.phone,
      residential: i % 5 !== 0,
    };
    const lineCount = random.int(1, 3);
    const used = new Set<number>();
    const items = [];
    for (let line = 0; line < lineCount; line += 1) {
      let p = random.int(0, PRODUCTS.length - 1);
      while (used.has(p)) p = (p + 1) % PRODUCTS.length;
      used.add(p);
      const product = PRODUCTS[p];
      items.push({
        lineItemKey: `line-${i + 1}-${line + 1}`,
        sku: product.sku,
        name: product.name,
        quantity: random.int(1, 4),
        unitPrice: product.price,
        weight: { value: product.weightOz, units: 'ounces' },
        options: line === 0 && i % 4 === 0 ? [{ name: 'Color', value: 'Black' }] : [],
        warehouseLocation: products[p].warehouseLocation,
      });
    }
    const orderStatus = status === 'shipped_marked' ? 'shipped' : status;
    const order: Record<string, unknown> = {
      orderNumber: `SS-${10001 + i}`,
      orderKey: `sim-${seed}-${i + 1}`,
      orderDate: formatPacific7(orderDate),
      paymentDate: status === 'awaiting_payment' ? null : formatPacific7(orderDate + 2 * MINUTE),
      orderStatus,
      customerUsername: customer.email,
      customerEmail: customer.email,
      billTo: { ...shipTo, phone: null },
      shipTo,
      items,
      amountPaid: null,
      taxAmount: Math.round(items.length * 1.5 * 100) / 100,
      shippingAmount: 5.99,
      requestedShippingService: 'USPS Priority Mail',
      carrierCode: null,
      serviceCode: null,
      packageCode: 'package',
      confirmation: 'none',
      gift: i % 11 === 0,
      giftMessage: i % 11 === 0 ? 'Enjoy!' : null,
      customerNotes: i % 7 === 0 ? 'Please leave at the back door.' : null,
      internalNotes: null,
      weight: { value: items.reduce((sum, it) => sum + it.weight.value * it.quantity, 0), units: 'ounces' },
      advancedOptions: { storeId: i % 5 === 4 ? SECOND_STORE_ID : DEFAULT_STORE_ID, source: 'sim' },
      createDate: formatUtcIso(create),
      modifyDate: formatUtcIso(modify),
    };
    const subtotal = items.reduce((sum, it) => sum + it.unitPrice * it.quantity, 0);
    order.amountPaid =
      status === 'awaiting_payment' ? 0 : Math.round((subtotal + (order.taxAmount as number) + 5.99) * 100) / 100;
    if (status === 'shipped') {
      order.shipments = [
        {
          carrierCode: 'stamps_com',
          serviceCode: 'usps_priority_mail',
          createDate: formatUtcIso(Math.max(create, modify - 5 * MINUTE)),
        },
      ];
    } else if (status === 'shipped_marked') {
      order.fulfillments = [
        {
          carrierCode: 'usps',
          trackingNumber: `9400111899560${String(100000 + i)}`,
          createDate: formatUtcIso(Math.max(create, modify - HOUR / 12)),
        },
      ];
    }
    orders.push(order);
  }
  return { products, orders };
}
