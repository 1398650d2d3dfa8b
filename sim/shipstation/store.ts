// In-memory ShipStation account: orders, labels, fulfillments, customers, products, webhooks.
// One store backs both APIs, so a V1 order is the V2 shipment with the same number and a V1
// shipment is the V2 label, as ShipStation's migration guide describes.
import type { Random } from './random';
import { arr, bool, boolOrNull, isObject, num, obj, round2, str, type Json } from './input';
import { parseSeedInstant, parseShipDate, parseV1TimestampInput, pacificDate, type Instant } from './time';
import type {
  Address,
  AdvancedOptions,
  CustomerRecord,
  FulfillmentRecord,
  InventoryRecord,
  NotifyBatch,
  OrderItemRecord,
  OrderRecord,
  ProductRecord,
  ShipmentRecord,
  StoreRecord,
  V1WebhookRecord,
  V2WebhookRecord,
  WarehouseRecord,
  Weight,
} from './types';

/** Statuses `createorder` may still change (reference §1.6); everything else is locked. */
export const OPEN_STATUSES = ['awaiting_payment', 'awaiting_shipment', 'on_hold'];
/** Statuses a client may set through `createorder` (V1 docs). */
export const SETTABLE_STATUSES = ['awaiting_payment', 'awaiting_shipment', 'shipped', 'on_hold', 'cancelled'];

export const DEFAULT_STORE_ID = 12345;
export const SECOND_STORE_ID = 67890;
export const DEFAULT_WAREHOUSE_ID = 98765;
export const INVENTORY_WAREHOUSE_ID = 'se-1001';
export const INVENTORY_LOCATION_ID = 'se-2001';
export const FULFILLMENT_PROVIDER = { id: 1001, name: 'Sim 3PL', code: 'sim_3pl' };

/** What happened, for the webhook dispatcher (one event = one "import action"). */
export type DomainEvent =
  | { kind: 'orders-imported'; orderIds: number[] }
  | { kind: 'labels-created'; shipmentIds: number[] }
  | { kind: 'fulfillments-shipped'; fulfillmentIds: number[] }
  | { kind: 'fulfillments-rejected'; orderIds: number[] };

export interface ValidationFailure {
  ok: false;
  status: number;
  message: string;
  /** ASP.NET-style ModelState, field -> messages. */
  modelState?: Record<string, string[]>;
}

export type UpsertResult = { ok: true; order: OrderRecord; created: boolean; notify: boolean } | ValidationFailure;

export interface LabelOptions {
  carrierCode?: string;
  serviceCode?: string;
  packageCode?: string;
  trackingNumber?: string;
  shipDate?: string;
  shipmentCost?: number;
  createDate?: Instant;
  voided?: boolean;
}

export interface MarkShippedInput {
  orderId: number;
  carrierCode: string;
  shipDate?: string | null;
  trackingNumber?: string | null;
  provider?: boolean;
  createDate?: Instant;
}

export function emptyAddress(): Address {
  return {
    name: null,
    company: null,
    street1: null,
    street2: null,
    street3: null,
    city: null,
    state: null,
    postalCode: null,
    country: null,
    phone: null,
    residential: null,
    addressVerified: null,
  };
}

function addressFrom(value: unknown): Address {
  const a = obj(value);
  return {
    name: str(a.name),
    company: str(a.company),
    street1: str(a.street1),
    street2: str(a.street2),
    street3: str(a.street3),
    city: str(a.city),
    state: str(a.state),
    postalCode: str(a.postalCode),
    country: str(a.country),
    phone: str(a.phone),
    residential: boolOrNull(a.residential),
    addressVerified: str(a.addressVerified) ?? 'Address not yet validated',
  };
}

function weightFrom(value: unknown): Weight | null {
  if (!isObject(value)) return null;
  const v = num(value.value);
  return v === null ? null : { value: v, units: str(value.units) ?? 'ounces' };
}

function advancedFrom(value: unknown): AdvancedOptions {
  const a = obj(value);
  return {
    warehouseId: num(a.warehouseId) ?? DEFAULT_WAREHOUSE_ID,
    nonMachinable: bool(a.nonMachinable),
    saturdayDelivery: bool(a.saturdayDelivery),
    containsAlcohol: bool(a.containsAlcohol),
    mergedOrSplit: bool(a.mergedOrSplit),
    mergedIds: arr(a.mergedIds)
      .map(num)
      .filter((n): n is number => n !== null),
    parentId: num(a.parentId),
    storeId: num(a.storeId) ?? DEFAULT_STORE_ID,
    customField1: str(a.customField1),
    customField2: str(a.customField2),
    customField3: str(a.customField3),
    source: str(a.source),
    billToParty: str(a.billToParty),
    billToAccount: str(a.billToAccount),
    billToPostalCode: str(a.billToPostalCode),
    billToCountryCode: str(a.billToCountryCode),
    billToMyOtherAccount: str(a.billToMyOtherAccount),
  };
}

export function orderTotal(order: OrderRecord): number {
  const items = order.items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
  return round2(items + (order.taxAmount ?? 0) + (order.shippingAmount ?? 0));
}

export class ShipStationStore {
  readonly orders = new Map<number, OrderRecord>();
  readonly shipments = new Map<number, ShipmentRecord>();
  readonly fulfillments = new Map<number, FulfillmentRecord>();
  readonly customers = new Map<number, CustomerRecord>();
  readonly products = new Map<number, ProductRecord>();
  readonly stores = new Map<number, StoreRecord>();
  readonly warehouses = new Map<number, WarehouseRecord>();
  readonly inventory = new Map<string, InventoryRecord>();
  readonly v1Webhooks = new Map<number, V1WebhookRecord>();
  readonly v2Webhooks = new Map<string, V2WebhookRecord>();
  readonly batches = new Map<string, NotifyBatch>();
  private ids = ShipStationStore.initialIds();
  private listeners: ((event: DomainEvent) => void)[] = [];

  constructor(
    private readonly now: () => number,
    private readonly random: Random,
  ) {
    this.reset();
  }

  private static initialIds() {
    return {
      order: 100000001,
      item: 120000001,
      shipment: 30000001,
      fulfillment: 40000001,
      customer: 50000001,
      customerUser: 60000001,
      product: 7000001,
      v1Webhook: 300001,
      v2Webhook: 28529731,
      tracking: 1,
    };
  }

  onEvent(listener: (event: DomainEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(event: DomainEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  reset(): void {
    for (const map of [
      this.orders,
      this.shipments,
      this.fulfillments,
      this.customers,
      this.products,
      this.stores,
      this.warehouses,
      this.inventory,
      this.v1Webhooks,
      this.v2Webhooks,
      this.batches,
    ]) {
      map.clear();
    }
    this.ids = ShipStationStore.initialIds();
    const t = this.now();
    this.stores.set(DEFAULT_STORE_ID, {
      storeId: DEFAULT_STORE_ID,
      storeName: 'Sim Manual Store',
      marketplaceId: 0,
      marketplaceName: 'ShipStation',
      createDate: t,
      modifyDate: t,
      active: true,
    });
    this.stores.set(SECOND_STORE_ID, {
      storeId: SECOND_STORE_ID,
      storeName: 'Sim WooCommerce Store',
      marketplaceId: 36,
      marketplaceName: 'WooCommerce',
      createDate: t,
      modifyDate: t,
      active: true,
    });
    this.warehouses.set(DEFAULT_WAREHOUSE_ID, {
      warehouseId: DEFAULT_WAREHOUSE_ID,
      warehouseName: 'Main warehouse',
      originAddress: {
        ...emptyAddress(),
        name: 'Main warehouse',
        company: 'Sim Shipping Co',
        street1: '2815 Exposition Blvd',
        city: 'Austin',
        state: 'TX',
        postalCode: '78703',
        country: 'US',
        phone: '512-555-0100',
        residential: false,
      },
      createDate: t,
      isDefault: true,
    });
  }

  // ---------- lookups ----------

  orderByKey(orderKey: string): OrderRecord | undefined {
    for (const order of this.orders.values()) if (order.orderKey === orderKey) return order;
    return undefined;
  }

  productBySku(sku: string): ProductRecord | undefined {
    for (const product of this.products.values()) if (product.sku === sku) return product;
    return undefined;
  }

  shipmentsOfOrder(orderId: number): ShipmentRecord[] {
    return [...this.shipments.values()].filter((s) => s.orderId === orderId);
  }

  fulfillmentsOfOrder(orderId: number): FulfillmentRecord[] {
    return [...this.fulfillments.values()].filter((f) => f.orderId === orderId);
  }

  newBatch(batch: NotifyBatch): string {
    const id = this.random.guid();
    this.batches.set(id, batch);
    return id;
  }

  // ---------- products, customers ----------

  upsertProduct(
    input: Json,
    opts: { productId?: number; createDate?: Instant; modifyDate?: Instant } = {},
  ): ProductRecord {
    const t = this.now();
    const existing = opts.productId !== undefined ? this.products.get(opts.productId) : undefined;
    const productId = existing?.productId ?? num(input.productId) ?? this.ids.product++;
    if (productId >= this.ids.product) this.ids.product = productId + 1;
    const category = obj(input.productCategory);
    const type = obj(input.productType);
    const product: ProductRecord = {
      productId,
      sku: str(input.sku) ?? '',
      name: str(input.name) ?? '',
      price: num(input.price),
      defaultCost: num(input.defaultCost),
      length: num(input.length),
      width: num(input.width),
      height: num(input.height),
      weightOz: num(input.weightOz),
      internalNotes: str(input.internalNotes),
      fulfillmentSku: str(input.fulfillmentSku),
      upc: str(input.upc),
      createDate: existing?.createDate ?? opts.createDate ?? t,
      modifyDate: opts.modifyDate ?? t,
      // PUT replaces the whole product; an omitted `active` means inactive there, like any
      // other omitted field.
      active: input.active === undefined && !existing ? true : bool(input.active),
      productCategory:
        num(category.categoryId) !== null
          ? { categoryId: num(category.categoryId) as number, name: str(category.name) ?? '' }
          : null,
      productType:
        num(type.productTypeId) !== null
          ? { productTypeId: num(type.productTypeId) as number, name: str(type.name) ?? '' }
          : null,
      warehouseLocation: str(input.warehouseLocation),
      defaultCarrierCode: str(input.defaultCarrierCode),
      defaultServiceCode: str(input.defaultServiceCode),
      defaultPackageCode: str(input.defaultPackageCode),
      defaultIntlCarrierCode: str(input.defaultIntlCarrierCode),
      defaultIntlServiceCode: str(input.defaultIntlServiceCode),
      defaultIntlPackageCode: str(input.defaultIntlPackageCode),
      defaultConfirmation: str(input.defaultConfirmation),
      defaultIntlConfirmation: str(input.defaultIntlConfirmation),
      customsDescription: str(input.customsDescription),
      customsValue: num(input.customsValue),
      customsTariffNo: str(input.customsTariffNo),
      customsCountryCode: str(input.customsCountryCode),
      noCustoms: boolOrNull(input.noCustoms),
      tags: Array.isArray(input.tags)
        ? input.tags.filter(isObject).map((tag) => ({ tagId: num(tag.tagId) ?? 0, name: str(tag.name) ?? '' }))
        : null,
      aliases: Array.isArray(input.aliases) ? input.aliases : null,
    };
    this.products.set(productId, product);
    const onHand = num(input.onHand);
    if (!this.inventoryKeyFor(product.sku) || onHand !== null) {
      this.setInventory(product.sku, onHand ?? 0, product.defaultCost ?? product.price ?? 0);
    }
    return product;
  }

  private inventoryKeyFor(sku: string): string | undefined {
    for (const [key, row] of this.inventory) if (row.sku === sku) return key;
    return undefined;
  }

  setInventory(sku: string, onHand: number, cost: number, locationId = INVENTORY_LOCATION_ID): InventoryRecord {
    const key = `${sku}\u0000${locationId}`;
    const row: InventoryRecord = this.inventory.get(key) ?? {
      sku,
      inventoryWarehouseId: INVENTORY_WAREHOUSE_ID,
      inventoryLocationId: locationId,
      onHand: 0,
      allocated: 0,
      averageCost: { amount: cost, currency: 'usd' },
    };
    row.onHand = onHand;
    this.inventory.set(key, row);
    return row;
  }

  /** Units of a SKU held by orders that still wait to ship (V2 inventory `allocated`). */
  allocatedFor(sku: string): number {
    let total = 0;
    for (const order of this.orders.values()) {
      if (!order.active || !['awaiting_shipment', 'on_hold', 'pending_fulfillment'].includes(order.orderStatus))
        continue;
      for (const item of order.items) if (item.sku === sku && !item.adjustment) total += item.quantity;
    }
    return total;
  }

  private consumeInventory(order: OrderRecord): void {
    for (const item of order.items) {
      if (!item.sku || item.adjustment) continue;
      const key = this.inventoryKeyFor(item.sku);
      const row = key ? this.inventory.get(key) : undefined;
      if (row) row.onHand -= item.quantity;
    }
  }

  private customerFor(input: Json, shipTo: Address, storeId: number, at: Instant): number | null {
    const email = (str(input.customerEmail) ?? str(input.customerUsername))?.toLowerCase() ?? null;
    const name = shipTo.name;
    if (!email && !name) return null;
    for (const customer of this.customers.values()) {
      if (email ? customer.email?.toLowerCase() === email : customer.name === name && !customer.email) {
        return customer.customerId;
      }
    }
    const customerId = this.ids.customer++;
    const store = this.stores.get(storeId);
    this.customers.set(customerId, {
      customerId,
      createDate: at,
      modifyDate: at,
      name: name ?? email ?? '',
      company: shipTo.company,
      street1: shipTo.street1,
      street2: shipTo.street2,
      city: shipTo.city,
      state: shipTo.state,
      postalCode: shipTo.postalCode,
      countryCode: shipTo.country,
      phone: shipTo.phone,
      email,
      addressVerified: shipTo.addressVerified,
      marketplaceUsernames: [
        {
          customerUserId: this.ids.customerUser++,
          customerId,
          createDate: at,
          modifyDate: at,
          marketplaceId: store?.marketplaceId ?? 0,
          marketplace: store?.marketplaceName ?? 'ShipStation',
          username: str(input.customerUsername) ?? email ?? name ?? '',
        },
      ],
      tags: [],
    });
    return customerId;
  }

  seedCustomer(input: Json): CustomerRecord {
    const t = parseSeedInstant(input.createDate) ?? this.now();
    const customerId = num(input.customerId) ?? this.ids.customer++;
    if (customerId >= this.ids.customer) this.ids.customer = customerId + 1;
    const customer: CustomerRecord = {
      customerId,
      createDate: t,
      modifyDate: parseSeedInstant(input.modifyDate) ?? t,
      name: str(input.name) ?? '',
      company: str(input.company),
      street1: str(input.street1),
      street2: str(input.street2),
      city: str(input.city),
      state: str(input.state),
      postalCode: str(input.postalCode),
      countryCode: str(input.countryCode),
      phone: str(input.phone),
      email: str(input.email),
      addressVerified: str(input.addressVerified),
      marketplaceUsernames: [],
      tags: arr(input.tags)
        .filter(isObject)
        .map((tag) => ({ tagId: num(tag.tagId) ?? 0, name: str(tag.name) ?? '' })),
    };
    this.customers.set(customerId, customer);
    return customer;
  }

  // ---------- orders ----------

  private itemsFrom(value: unknown, previous: OrderItemRecord[], at: Instant): OrderItemRecord[] {
    return arr(value)
      .filter(isObject)
      .map((raw) => {
        const sku = str(raw.sku);
        const lineItemKey = str(raw.lineItemKey);
        const match = previous.find((p) =>
          lineItemKey ? p.lineItemKey === lineItemKey : sku !== null && p.sku === sku,
        );
        const weight = weightFrom(raw.weight);
        const unitPrice = num(raw.unitPrice) ?? 0;
        const adjustment = bool(raw.adjustment);
        let productId = num(raw.productId);
        if (sku && !adjustment && (productId === null || !this.products.has(productId))) {
          // ShipStation builds its product catalogue from imported order lines.
          const product =
            this.productBySku(sku) ??
            this.upsertProduct(
              { sku, name: str(raw.name) ?? sku, price: unitPrice, weightOz: weight?.value ?? null },
              { createDate: at, modifyDate: at },
            );
          productId = product.productId;
        }
        return {
          orderItemId: match?.orderItemId ?? this.ids.item++,
          lineItemKey,
          sku,
          name: str(raw.name) ?? '',
          imageUrl: str(raw.imageUrl),
          weight,
          quantity: num(raw.quantity) ?? 1,
          unitPrice,
          taxAmount: num(raw.taxAmount),
          shippingAmount: num(raw.shippingAmount),
          warehouseLocation: str(raw.warehouseLocation),
          options: arr(raw.options)
            .filter(isObject)
            .map((o) => ({ name: str(o.name) ?? '', value: str(o.value) ?? '' })),
          productId,
          fulfillmentSku: str(raw.fulfillmentSku),
          adjustment,
          upc: str(raw.upc),
          createDate: match?.createDate ?? at,
          modifyDate: at,
        };
      });
  }

  private validateOrderBody(body: Json, allowAnyStatus: boolean): ValidationFailure | null {
    const modelState: Record<string, string[]> = {};
    const add = (field: string, message: string): void => {
      (modelState[`apiOrder.${field}`] ??= []).push(message);
    };
    const orderNumber = str(body.orderNumber);
    if (!orderNumber) add('orderNumber', 'The orderNumber field is required.');
    else if (orderNumber.length > 50)
      add('orderNumber', 'The field orderNumber must be a string with a maximum length of 50.');
    if (body.orderDate === undefined || body.orderDate === null) add('orderDate', 'The orderDate field is required.');
    else if (parseV1TimestampInput(body.orderDate) === null) add('orderDate', 'The value is not a valid date.');
    const status = str(body.orderStatus);
    if (!status) add('orderStatus', 'The orderStatus field is required.');
    else if (!allowAnyStatus && !SETTABLE_STATUSES.includes(status))
      add('orderStatus', `'${status}' is not a valid order status.`);
    if (!isObject(body.billTo)) add('billTo', 'The billTo field is required.');
    if (!isObject(body.shipTo)) add('shipTo', 'The shipTo field is required.');
    for (const field of ['paymentDate', 'shipByDate', 'holdUntilDate']) {
      const value = body[field];
      if (value !== undefined && value !== null && parseV1TimestampInput(value) === null) {
        add(field, 'The value is not a valid date.');
      }
    }
    if (Object.keys(modelState).length === 0) return null;
    return { ok: false, status: 400, message: 'The request is invalid.', modelState };
  }

  /**
   * `POST /orders/createorder`: create, or replace the whole order found by `orderKey`.
   * Omitted fields are cleared on update (no partial updates, reference §1.6) and orders
   * outside awaiting_payment/awaiting_shipment/on_hold are locked.
   */
  upsertOrder(
    input: unknown,
    opts: { lockedStatus: number; seed?: boolean; createDate?: Instant; modifyDate?: Instant },
  ): UpsertResult {
    if (!isObject(input))
      return {
        ok: false,
        status: 400,
        message: 'The request is invalid.',
        modelState: { apiOrder: ['A JSON object is required.'] },
      };
    const invalid = this.validateOrderBody(input, opts.seed === true);
    if (invalid) return invalid;
    const t = opts.modifyDate ?? this.now();
    const orderKey = str(input.orderKey);
    // Upsert is keyed by orderKey only; without one a new order (and key) is created.
    const existing = orderKey
      ? this.orderByKey(orderKey)
      : opts.seed && num(input.orderId) !== null
        ? this.orders.get(num(input.orderId) as number)
        : undefined;
    if (existing && !OPEN_STATUSES.includes(existing.orderStatus) && !opts.seed) {
      return {
        ok: false,
        status: opts.lockedStatus,
        message: `Order ${existing.orderNumber} is ${existing.orderStatus} and cannot be modified through the API.`,
      };
    }
    const shipTo = addressFrom(input.shipTo);
    const advancedOptions = advancedFrom(input.advancedOptions);
    const orderId = existing?.orderId ?? (opts.seed ? num(input.orderId) : null) ?? this.ids.order++;
    if (orderId >= this.ids.order) this.ids.order = orderId + 1;
    const createDate = existing?.createDate ?? opts.createDate ?? t;
    const status = str(input.orderStatus) as string;
    const order: OrderRecord = {
      orderId,
      orderNumber: str(input.orderNumber) as string,
      orderKey: existing?.orderKey ?? orderKey ?? this.random.guid(),
      orderDate: parseV1TimestampInput(input.orderDate),
      createDate,
      // modifyDate equals createDate until the first change (reference §1.6).
      modifyDate: existing ? t : (opts.modifyDate ?? createDate),
      paymentDate: parseV1TimestampInput(input.paymentDate),
      shipByDate: parseV1TimestampInput(input.shipByDate),
      orderStatus: status,
      customerId: existing?.customerId ?? this.customerFor(input, shipTo, advancedOptions.storeId, createDate),
      customerUsername: str(input.customerUsername),
      customerEmail: str(input.customerEmail),
      billTo: addressFrom(input.billTo),
      shipTo,
      items: this.itemsFrom(input.items, existing?.items ?? [], existing ? t : createDate),
      amountPaid: num(input.amountPaid),
      taxAmount: num(input.taxAmount),
      shippingAmount: num(input.shippingAmount),
      customerNotes: str(input.customerNotes),
      internalNotes: str(input.internalNotes),
      gift: bool(input.gift),
      giftMessage: str(input.giftMessage),
      paymentMethod: str(input.paymentMethod),
      requestedShippingService: str(input.requestedShippingService),
      carrierCode: str(input.carrierCode),
      serviceCode: str(input.serviceCode),
      packageCode: str(input.packageCode),
      confirmation: str(input.confirmation) ?? 'none',
      shipDate: parseShipDate(input.shipDate),
      holdUntilDate: parseV1TimestampInput(input.holdUntilDate),
      weight: weightFrom(input.weight),
      dimensions: isObject(input.dimensions) ? input.dimensions : null,
      insuranceOptions: isObject(input.insuranceOptions)
        ? input.insuranceOptions
        : { provider: null, insureShipment: false, insuredValue: 0 },
      internationalOptions: isObject(input.internationalOptions)
        ? input.internationalOptions
        : { contents: null, customsItems: null, nonDelivery: null },
      advancedOptions,
      tagIds: Array.isArray(input.tagIds) ? input.tagIds.map(num).filter((n): n is number => n !== null) : null,
      userId: str(input.userId),
      externallyFulfilled: bool(input.externallyFulfilled),
      externallyFulfilledBy: str(input.externallyFulfilledBy),
      externallyFulfilledById: num(input.externallyFulfilledById),
      externallyFulfilledByName: str(input.externallyFulfilledByName),
      active: true,
    };
    this.orders.set(orderId, order);
    // ORDER_NOTIFY: a new order in any status but awaiting_payment, or an awaiting_payment
    // order moving to any status but cancelled; never for other edits (reference §1.8).
    const notify = existing
      ? existing.orderStatus === 'awaiting_payment' && status !== 'awaiting_payment' && status !== 'cancelled'
      : status !== 'awaiting_payment';
    return { ok: true, order, created: !existing, notify };
  }

  /** Announce orders that became "new paid orders" in one import action. */
  announceOrders(orderIds: number[]): void {
    if (orderIds.length > 0) this.emit({ kind: 'orders-imported', orderIds });
  }

  /** A modification that is not an import (UI edit, status change): bumps modifyDate only. */
  touchOrder(orderId: number, patch: Json = {}): OrderRecord | undefined {
    const order = this.orders.get(orderId);
    if (!order) return undefined;
    const before = order.orderStatus;
    const status = str(patch.orderStatus);
    if (status) order.orderStatus = status;
    if (patch.internalNotes !== undefined) order.internalNotes = str(patch.internalNotes);
    if (patch.customerNotes !== undefined) order.customerNotes = str(patch.customerNotes);
    order.modifyDate = this.now();
    if (before === 'awaiting_payment' && status && status !== 'awaiting_payment' && status !== 'cancelled') {
      this.announceOrders([orderId]);
    }
    return order;
  }

  deleteOrder(orderId: number): boolean {
    const order = this.orders.get(orderId);
    if (!order || !order.active) return false;
    order.active = false;
    order.modifyDate = this.now();
    return true;
  }

  private nextTrackingNumber(carrierCode: string): string {
    const n = String(this.ids.tracking++).padStart(8, '0');
    if (carrierCode.startsWith('ups')) return `1Z999AA1${n}`;
    if (carrierCode.startsWith('fedex')) return `7946${n}`;
    return `94001118995617${n}`;
  }

  /** A label bought in ShipStation for an order: a V1 shipment / V2 label. Fires SHIP_NOTIFY. */
  createLabel(orderId: number, opts: LabelOptions = {}, announce = true): ShipmentRecord | ValidationFailure {
    const order = this.orders.get(orderId);
    if (!order || !order.active) return { ok: false, status: 404, message: `Order ${orderId} not found.` };
    if (order.orderStatus === 'cancelled') {
      return { ok: false, status: 400, message: `Order ${order.orderNumber} is cancelled.` };
    }
    const t = opts.createDate ?? this.now();
    const carrierCode = opts.carrierCode ?? order.carrierCode ?? 'stamps_com';
    const shipment: ShipmentRecord = {
      shipmentId: this.ids.shipment++,
      orderId,
      orderKey: order.orderKey,
      orderNumber: order.orderNumber,
      userId: order.userId,
      customerEmail: order.customerEmail,
      createDate: t,
      shipDate: opts.shipDate ?? pacificDate(t),
      shipmentCost: opts.shipmentCost ?? round2(5 + (order.items.length % 4) * 1.75),
      insuranceCost: 0,
      trackingNumber: opts.trackingNumber ?? this.nextTrackingNumber(carrierCode),
      isReturnLabel: false,
      batchNumber: null,
      carrierCode,
      serviceCode: opts.serviceCode ?? order.serviceCode ?? 'usps_first_class_mail',
      packageCode: opts.packageCode ?? order.packageCode ?? 'package',
      confirmation: order.confirmation ?? 'none',
      warehouseId: order.advancedOptions.warehouseId,
      voided: opts.voided === true,
      voidDate: opts.voided === true ? t : null,
      marketplaceNotified: true,
      notifyErrorMessage: null,
      shipTo: { ...order.shipTo },
      weight: order.weight,
      dimensions: order.dimensions,
      insuranceOptions: { ...order.insuranceOptions },
      advancedOptions: { ...order.advancedOptions },
      shipmentItems: order.items.map((item) => ({ ...item })),
      storeId: order.advancedOptions.storeId,
    };
    this.shipments.set(shipment.shipmentId, shipment);
    if (!shipment.voided) {
      if (order.orderStatus !== 'shipped') this.consumeInventory(order);
      order.orderStatus = 'shipped';
      order.shipDate = shipment.shipDate;
      order.carrierCode = shipment.carrierCode;
      order.serviceCode = shipment.serviceCode;
      order.packageCode = shipment.packageCode;
      order.modifyDate = announce ? this.now() : order.modifyDate;
    }
    if (announce) this.emit({ kind: 'labels-created', shipmentIds: [shipment.shipmentId] });
    return shipment;
  }

  /** `POST /shipments/voidlabel`: the label stays listed with voided=true. */
  voidLabel(shipmentId: number): ShipmentRecord | undefined {
    const shipment = this.shipments.get(shipmentId);
    if (!shipment) return undefined;
    shipment.voided = true;
    shipment.voidDate = this.now();
    const order = this.orders.get(shipment.orderId);
    if (
      order &&
      order.orderStatus === 'shipped' &&
      this.shipmentsOfOrder(order.orderId).every((s) => s.voided) &&
      this.fulfillmentsOfOrder(order.orderId).length === 0
    ) {
      order.orderStatus = 'awaiting_shipment';
      order.shipDate = null;
      order.modifyDate = this.now();
    }
    return shipment;
  }

  /**
   * Mark as shipped without a label (`/orders/markasshipped`, V2 `POST /v2/fulfillments`) or a
   * fulfillment provider shipping a delegated order (`provider: true`). Creates a fulfillment;
   * only the provider path is announced (FULFILLMENT_SHIPPED), never SHIP_NOTIFY.
   */
  markShipped(input: MarkShippedInput, announce = true): FulfillmentRecord | ValidationFailure {
    const order = this.orders.get(input.orderId);
    if (!order || !order.active) return { ok: false, status: 404, message: `Order ${input.orderId} not found.` };
    if (input.provider) {
      if (order.orderStatus !== 'pending_fulfillment') {
        return { ok: false, status: 400, message: `Order ${order.orderNumber} is not pending fulfillment.` };
      }
    } else if (
      !['awaiting_payment', 'awaiting_shipment', 'on_hold', 'pending_fulfillment'].includes(order.orderStatus)
    ) {
      return {
        ok: false,
        status: 400,
        message: `Order ${order.orderNumber} is ${order.orderStatus} and cannot be marked as shipped.`,
      };
    }
    const t = input.createDate ?? this.now();
    const shipDate = input.shipDate ?? pacificDate(t);
    const fulfillment: FulfillmentRecord = {
      fulfillmentId: this.ids.fulfillment++,
      orderId: order.orderId,
      orderNumber: order.orderNumber,
      userId: order.userId,
      customerEmail: order.customerEmail,
      trackingNumber: input.trackingNumber ?? null,
      createDate: t,
      shipDate,
      voidDate: null,
      deliveryDate: null,
      carrierCode: input.carrierCode,
      sellerFillProviderId: input.provider ? FULFILLMENT_PROVIDER.id : null,
      sellerFillProviderName: input.provider ? FULFILLMENT_PROVIDER.name : null,
      fulfillmentServiceCode: input.provider ? 'standard' : null,
      fulfillmentProviderCode: input.provider ? FULFILLMENT_PROVIDER.code : null,
      fulfillmentFee: input.provider ? 3.5 : 0,
      voidRequested: false,
      voided: false,
      marketplaceNotified: true,
      notifyErrorMessage: null,
      shipTo: { ...order.shipTo },
      storeId: order.advancedOptions.storeId,
    };
    this.fulfillments.set(fulfillment.fulfillmentId, fulfillment);
    this.consumeInventory(order);
    order.orderStatus = 'shipped';
    order.shipDate = shipDate;
    order.carrierCode = input.carrierCode;
    if (input.provider) {
      order.externallyFulfilled = true;
      order.externallyFulfilledBy = FULFILLMENT_PROVIDER.name;
      order.externallyFulfilledById = FULFILLMENT_PROVIDER.id;
      order.externallyFulfilledByName = FULFILLMENT_PROVIDER.name;
    }
    order.modifyDate = announce ? this.now() : order.modifyDate;
    if (announce && input.provider)
      this.emit({ kind: 'fulfillments-shipped', fulfillmentIds: [fulfillment.fulfillmentId] });
    return fulfillment;
  }

  /** A fulfillment provider rejects a delegated order (FULFILLMENT_REJECTED). */
  rejectFulfillment(orderId: number): OrderRecord | ValidationFailure {
    const order = this.orders.get(orderId);
    if (!order || !order.active) return { ok: false, status: 404, message: `Order ${orderId} not found.` };
    if (order.orderStatus !== 'pending_fulfillment') {
      return { ok: false, status: 400, message: `Order ${order.orderNumber} is not pending fulfillment.` };
    }
    order.orderStatus = 'rejected_fulfillment';
    order.modifyDate = this.now();
    this.emit({ kind: 'fulfillments-rejected', orderIds: [orderId] });
    return order;
  }

  // ---------- webhooks ----------

  addV1Webhook(input: {
    url: string;
    hookType: V1WebhookRecord['hookType'];
    name: string | null;
    storeId: number | null;
  }): V1WebhookRecord {
    const hook: V1WebhookRecord = { webhookId: this.ids.v1Webhook++, active: true, ...input };
    this.v1Webhooks.set(hook.webhookId, hook);
    return hook;
  }

  addV2Webhook(input: Omit<V2WebhookRecord, 'webhookId'>): V2WebhookRecord {
    const hook: V2WebhookRecord = { webhookId: `se-${this.ids.v2Webhook++}`, ...input };
    this.v2Webhooks.set(hook.webhookId, hook);
    return hook;
  }

  // ---------- seeding ----------

  /**
   * Loads explicit records (`POST /__sim/seed`, data.ts). Timestamps may be ISO instants
   * (`...Z`) or Pacific wall times. Seeding fires no webhooks unless `announce` is set.
   */
  seed(input: Json, opts: { lockedStatus: number; announce?: boolean }): { orders: number[]; errors: string[] } {
    const errors: string[] = [];
    const created: number[] = [];
    for (const product of arr(input.products).filter(isObject)) {
      this.upsertProduct(product, {
        createDate: parseSeedInstant(product.createDate) ?? undefined,
        modifyDate: parseSeedInstant(product.modifyDate) ?? undefined,
      });
    }
    for (const customer of arr(input.customers).filter(isObject)) this.seedCustomer(customer);
    for (const [index, raw] of arr(input.orders).entries()) {
      if (!isObject(raw)) {
        errors.push(`orders[${index}]: not an object`);
        continue;
      }
      const createDate = parseSeedInstant(raw.createDate) ?? undefined;
      const modifyDate = parseSeedInstant(raw.modifyDate) ?? createDate;
      const result = this.upsertOrder(raw, { lockedStatus: opts.lockedStatus, seed: true, createDate, modifyDate });
      if (!result.ok) {
        errors.push(`orders[${index}]: ${result.message} ${JSON.stringify(result.modelState ?? {})}`);
        continue;
      }
      const order = result.order;
      // The seeded modifyDate wins over the stamps that labels/fulfillments would set.
      const finalStatus = order.orderStatus;
      for (const label of arr(raw.shipments).filter(isObject)) {
        const labelResult = this.createLabel(
          order.orderId,
          {
            carrierCode: str(label.carrierCode) ?? undefined,
            serviceCode: str(label.serviceCode) ?? undefined,
            trackingNumber: str(label.trackingNumber) ?? undefined,
            shipDate: parseShipDate(label.shipDate) ?? undefined,
            createDate: parseSeedInstant(label.createDate) ?? undefined,
            voided: bool(label.voided),
          },
          false,
        );
        if ('ok' in labelResult) errors.push(`orders[${index}].shipments: ${labelResult.message}`);
      }
      for (const f of arr(raw.fulfillments).filter(isObject)) {
        // markShipped checks the pre-shipment status; the seeded final status is restored below.
        order.orderStatus = bool(f.provider) ? 'pending_fulfillment' : 'awaiting_shipment';
        const fr = this.markShipped(
          {
            orderId: order.orderId,
            carrierCode: str(f.carrierCode) ?? 'usps',
            trackingNumber: str(f.trackingNumber),
            shipDate: parseShipDate(f.shipDate),
            provider: bool(f.provider),
            createDate: parseSeedInstant(f.createDate) ?? undefined,
          },
          false,
        );
        if ('ok' in fr) errors.push(`orders[${index}].fulfillments: ${fr.message}`);
      }
      order.orderStatus = finalStatus;
      if (modifyDate !== undefined) order.modifyDate = modifyDate;
      created.push(order.orderId);
    }
    if (opts.announce) {
      this.announceOrders(created.filter((id) => this.orders.get(id)?.orderStatus !== 'awaiting_payment'));
    }
    return { orders: created, errors };
  }
}
