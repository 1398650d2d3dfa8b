// V1 JSON shapes (camelCase, Pacific timestamps without offset, numeric ids).
import { orderTotal } from './store';
import { formatPacific7, formatPacificTrimmed, formatWall7, type WallTime } from './time';
import type {
  CustomerRecord,
  FulfillmentRecord,
  OrderItemRecord,
  OrderRecord,
  ProductRecord,
  ShipmentRecord,
  StoreRecord,
  V1WebhookRecord,
  WarehouseRecord,
} from './types';

const wall = (value: WallTime | null): string | null => (value === null ? null : formatWall7(value));

export function v1Item(item: OrderItemRecord): Record<string, unknown> {
  return {
    orderItemId: item.orderItemId,
    lineItemKey: item.lineItemKey,
    sku: item.sku,
    name: item.name,
    imageUrl: item.imageUrl,
    weight: item.weight,
    quantity: item.quantity,
    unitPrice: item.unitPrice,
    taxAmount: item.taxAmount,
    shippingAmount: item.shippingAmount,
    warehouseLocation: item.warehouseLocation,
    options: item.options,
    productId: item.productId,
    fulfillmentSku: item.fulfillmentSku,
    adjustment: item.adjustment,
    upc: item.upc,
    // Items use the trimmed .NET form (`2015-07-16T14:00:34.823`), as in the V1 examples.
    createDate: formatPacificTrimmed(item.createDate),
    modifyDate: formatPacificTrimmed(item.modifyDate),
  };
}

export function v1Order(order: OrderRecord): Record<string, unknown> {
  return {
    orderId: order.orderId,
    orderNumber: order.orderNumber,
    orderKey: order.orderKey,
    orderDate: wall(order.orderDate),
    createDate: formatPacific7(order.createDate),
    modifyDate: formatPacific7(order.modifyDate),
    paymentDate: wall(order.paymentDate),
    shipByDate: wall(order.shipByDate),
    orderStatus: order.orderStatus,
    customerId: order.customerId,
    customerUsername: order.customerUsername,
    customerEmail: order.customerEmail,
    billTo: order.billTo,
    shipTo: order.shipTo,
    items: order.items.map(v1Item),
    orderTotal: orderTotal(order),
    amountPaid: order.amountPaid,
    taxAmount: order.taxAmount,
    shippingAmount: order.shippingAmount,
    customerNotes: order.customerNotes,
    internalNotes: order.internalNotes,
    gift: order.gift,
    giftMessage: order.giftMessage,
    paymentMethod: order.paymentMethod,
    requestedShippingService: order.requestedShippingService,
    carrierCode: order.carrierCode,
    serviceCode: order.serviceCode,
    packageCode: order.packageCode,
    confirmation: order.confirmation,
    shipDate: order.shipDate,
    holdUntilDate: wall(order.holdUntilDate),
    weight: order.weight ?? { value: 0, units: 'ounces' },
    dimensions: order.dimensions,
    insuranceOptions: order.insuranceOptions,
    internationalOptions: order.internationalOptions,
    advancedOptions: order.advancedOptions,
    tagIds: order.tagIds,
    userId: order.userId,
    externallyFulfilled: order.externallyFulfilled,
    externallyFulfilledBy: order.externallyFulfilledBy,
    externallyFulfilledById: order.externallyFulfilledById,
    externallyFulfilledByName: order.externallyFulfilledByName,
    labelMessages: null,
  };
}

export function v1Shipment(shipment: ShipmentRecord, includeItems: boolean): Record<string, unknown> {
  return {
    shipmentId: shipment.shipmentId,
    orderId: shipment.orderId,
    orderKey: shipment.orderKey,
    userId: shipment.userId,
    customerEmail: shipment.customerEmail,
    orderNumber: shipment.orderNumber,
    createDate: formatPacific7(shipment.createDate),
    shipDate: shipment.shipDate,
    shipmentCost: shipment.shipmentCost,
    insuranceCost: shipment.insuranceCost,
    trackingNumber: shipment.trackingNumber,
    isReturnLabel: shipment.isReturnLabel,
    batchNumber: shipment.batchNumber,
    carrierCode: shipment.carrierCode,
    serviceCode: shipment.serviceCode,
    packageCode: shipment.packageCode,
    confirmation: shipment.confirmation,
    warehouseId: shipment.warehouseId,
    voided: shipment.voided,
    voidDate: shipment.voidDate === null ? null : formatPacific7(shipment.voidDate),
    marketplaceNotified: shipment.marketplaceNotified,
    notifyErrorMessage: shipment.notifyErrorMessage,
    shipTo: shipment.shipTo,
    weight: shipment.weight,
    dimensions: shipment.dimensions,
    insuranceOptions: shipment.insuranceOptions,
    advancedOptions: shipment.advancedOptions,
    // null unless includeShipmentItems=true (reference §1.7).
    shipmentItems: includeItems ? shipment.shipmentItems.map(v1Item) : null,
    labelData: null,
    formData: null,
  };
}

export function v1Fulfillment(f: FulfillmentRecord): Record<string, unknown> {
  return {
    fulfillmentId: f.fulfillmentId,
    orderId: f.orderId,
    orderNumber: f.orderNumber,
    userId: f.userId,
    customerEmail: f.customerEmail,
    trackingNumber: f.trackingNumber,
    createDate: formatPacific7(f.createDate),
    // Fulfillment ship dates come back as midnight timestamps (`2016-06-07T00:00:00.0000000`).
    shipDate: `${f.shipDate}T00:00:00.0000000`,
    voidDate: f.voidDate === null ? null : formatPacific7(f.voidDate),
    deliveryDate: f.deliveryDate === null ? null : formatPacific7(f.deliveryDate),
    carrierCode: f.carrierCode,
    sellerFillProviderId: f.sellerFillProviderId,
    sellerFillProviderName: f.sellerFillProviderName,
    fulfillmentServiceCode: f.fulfillmentServiceCode,
    fulfillmentProviderCode: f.fulfillmentProviderCode,
    fulfillmentFee: f.fulfillmentFee,
    voidRequested: f.voidRequested,
    voided: f.voided,
    marketplaceNotified: f.marketplaceNotified,
    notifyErrorMessage: f.notifyErrorMessage,
    shipTo: f.shipTo,
  };
}

export function v1Customer(c: CustomerRecord): Record<string, unknown> {
  return {
    customerId: c.customerId,
    createDate: formatPacific7(c.createDate),
    modifyDate: formatPacific7(c.modifyDate),
    name: c.name,
    company: c.company,
    street1: c.street1,
    street2: c.street2,
    city: c.city,
    state: c.state,
    postalCode: c.postalCode,
    countryCode: c.countryCode,
    phone: c.phone,
    email: c.email,
    addressVerified: c.addressVerified,
    marketplaceUsernames: c.marketplaceUsernames.map((m) => ({
      customerUserId: m.customerUserId,
      customerId: m.customerId,
      createDate: formatPacific7(m.createDate),
      modifyDate: formatPacific7(m.modifyDate),
      marketplaceId: m.marketplaceId,
      marketplace: m.marketplace,
      username: m.username,
    })),
    tags: c.tags,
  };
}

export function v1Product(p: ProductRecord): Record<string, unknown> {
  return {
    aliases: p.aliases,
    productId: p.productId,
    sku: p.sku,
    name: p.name,
    price: p.price,
    defaultCost: p.defaultCost,
    length: p.length,
    width: p.width,
    height: p.height,
    weightOz: p.weightOz,
    internalNotes: p.internalNotes,
    fulfillmentSku: p.fulfillmentSku,
    upc: p.upc,
    createDate: formatPacificTrimmed(p.createDate),
    modifyDate: formatPacificTrimmed(p.modifyDate),
    active: p.active,
    productCategory: p.productCategory,
    productType: p.productType,
    warehouseLocation: p.warehouseLocation,
    defaultCarrierCode: p.defaultCarrierCode,
    defaultServiceCode: p.defaultServiceCode,
    defaultPackageCode: p.defaultPackageCode,
    defaultIntlCarrierCode: p.defaultIntlCarrierCode,
    defaultIntlServiceCode: p.defaultIntlServiceCode,
    defaultIntlPackageCode: p.defaultIntlPackageCode,
    defaultConfirmation: p.defaultConfirmation,
    defaultIntlConfirmation: p.defaultIntlConfirmation,
    customsDescription: p.customsDescription,
    customsValue: p.customsValue,
    customsTariffNo: p.customsTariffNo,
    customsCountryCode: p.customsCountryCode,
    noCustoms: p.noCustoms,
    tags: p.tags,
  };
}

/** `GET /webhooks` items are PascalCase (reference §1.8). */
export function v1Webhook(hook: V1WebhookRecord, sellerId: number): Record<string, unknown> {
  return {
    IsLabelAPIHook: false,
    WebHookID: hook.webhookId,
    SellerID: sellerId,
    StoreID: hook.storeId,
    HookType: hook.hookType,
    MessageFormat: 'Json',
    Url: hook.url,
    Name: hook.name,
    BulkCopyBatchID: null,
    BulkCopyRecordID: null,
    Active: hook.active,
    WebhookLogs: [],
    Seller: null,
    Store: null,
  };
}

export function v1Store(s: StoreRecord): Record<string, unknown> {
  return {
    storeId: s.storeId,
    storeName: s.storeName,
    marketplaceId: s.marketplaceId,
    marketplaceName: s.marketplaceName,
    accountName: null,
    email: null,
    integrationUrl: null,
    active: s.active,
    companyName: '',
    phone: '',
    publicEmail: '',
    website: '',
    refreshDate: formatPacificTrimmed(s.modifyDate),
    lastRefreshAttempt: formatPacificTrimmed(s.modifyDate),
    createDate: formatPacificTrimmed(s.createDate),
    modifyDate: formatPacificTrimmed(s.modifyDate),
    autoRefresh: false,
  };
}

export function v1Warehouse(w: WarehouseRecord): Record<string, unknown> {
  return {
    warehouseId: w.warehouseId,
    warehouseName: w.warehouseName,
    originAddress: w.originAddress,
    returnAddress: w.originAddress,
    createDate: formatPacific7(w.createDate),
    isDefault: w.isDefault,
  };
}
