// Record, option and state types of the simulated ShipStation.
import type { Instant, WallTime } from './time';

export interface Address {
  name: string | null;
  company: string | null;
  street1: string | null;
  street2: string | null;
  street3: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
  phone: string | null;
  residential: boolean | null;
  addressVerified: string | null;
}

export interface Weight {
  value: number;
  units: string;
}

export interface ItemOption {
  name: string;
  value: string;
}

export interface OrderItemRecord {
  orderItemId: number;
  lineItemKey: string | null;
  sku: string | null;
  name: string;
  imageUrl: string | null;
  weight: Weight | null;
  quantity: number;
  unitPrice: number;
  taxAmount: number | null;
  shippingAmount: number | null;
  warehouseLocation: string | null;
  options: ItemOption[];
  productId: number | null;
  fulfillmentSku: string | null;
  adjustment: boolean;
  upc: string | null;
  createDate: Instant;
  modifyDate: Instant;
}

export interface AdvancedOptions {
  warehouseId: number | null;
  nonMachinable: boolean;
  saturdayDelivery: boolean;
  containsAlcohol: boolean;
  mergedOrSplit: boolean;
  mergedIds: number[];
  parentId: number | null;
  storeId: number;
  customField1: string | null;
  customField2: string | null;
  customField3: string | null;
  source: string | null;
  billToParty: string | null;
  billToAccount: string | null;
  billToPostalCode: string | null;
  billToCountryCode: string | null;
  billToMyOtherAccount: string | null;
}

/** A V1 order; the same record is a V2 "shipment" (`se-<orderId>`). */
export interface OrderRecord {
  orderId: number;
  orderNumber: string;
  orderKey: string;
  orderDate: WallTime | null;
  createDate: Instant;
  modifyDate: Instant;
  paymentDate: WallTime | null;
  shipByDate: WallTime | null;
  orderStatus: string;
  customerId: number | null;
  customerUsername: string | null;
  customerEmail: string | null;
  billTo: Address;
  shipTo: Address;
  items: OrderItemRecord[];
  amountPaid: number | null;
  taxAmount: number | null;
  shippingAmount: number | null;
  customerNotes: string | null;
  internalNotes: string | null;
  gift: boolean;
  giftMessage: string | null;
  paymentMethod: string | null;
  requestedShippingService: string | null;
  carrierCode: string | null;
  serviceCode: string | null;
  packageCode: string | null;
  confirmation: string | null;
  shipDate: string | null;
  holdUntilDate: WallTime | null;
  weight: Weight | null;
  dimensions: Record<string, unknown> | null;
  insuranceOptions: Record<string, unknown>;
  internationalOptions: Record<string, unknown>;
  advancedOptions: AdvancedOptions;
  tagIds: number[] | null;
  userId: string | null;
  externallyFulfilled: boolean;
  externallyFulfilledBy: string | null;
  externallyFulfilledById: number | null;
  externallyFulfilledByName: string | null;
  /** Soft delete (`DELETE /orders/{id}`): hidden from lists, kept in the store. */
  active: boolean;
}

/** A V1 shipment (a purchased label); the same record is a V2 label (`se-<shipmentId>`). */
export interface ShipmentRecord {
  shipmentId: number;
  orderId: number;
  orderKey: string;
  orderNumber: string;
  userId: string | null;
  customerEmail: string | null;
  createDate: Instant;
  shipDate: string;
  shipmentCost: number;
  insuranceCost: number;
  trackingNumber: string;
  isReturnLabel: boolean;
  batchNumber: string | null;
  carrierCode: string;
  serviceCode: string;
  packageCode: string;
  confirmation: string;
  warehouseId: number | null;
  voided: boolean;
  voidDate: Instant | null;
  marketplaceNotified: boolean;
  notifyErrorMessage: string | null;
  shipTo: Address;
  weight: Weight | null;
  dimensions: Record<string, unknown> | null;
  insuranceOptions: Record<string, unknown>;
  advancedOptions: Record<string, unknown>;
  shipmentItems: OrderItemRecord[];
  storeId: number;
}

/** A V1 fulfillment (marked as shipped / provider shipment); also a V2 fulfillment. */
export interface FulfillmentRecord {
  fulfillmentId: number;
  orderId: number;
  orderNumber: string;
  userId: string | null;
  customerEmail: string | null;
  trackingNumber: string | null;
  createDate: Instant;
  shipDate: string;
  voidDate: Instant | null;
  deliveryDate: Instant | null;
  carrierCode: string | null;
  sellerFillProviderId: number | null;
  sellerFillProviderName: string | null;
  fulfillmentServiceCode: string | null;
  fulfillmentProviderCode: string | null;
  fulfillmentFee: number;
  voidRequested: boolean;
  voided: boolean;
  marketplaceNotified: boolean;
  notifyErrorMessage: string | null;
  shipTo: Address;
  storeId: number;
}

export interface MarketplaceUsername {
  customerUserId: number;
  customerId: number;
  createDate: Instant;
  modifyDate: Instant;
  marketplaceId: number;
  marketplace: string;
  username: string;
}

export interface CustomerRecord {
  customerId: number;
  createDate: Instant;
  modifyDate: Instant;
  name: string;
  company: string | null;
  street1: string | null;
  street2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  countryCode: string | null;
  phone: string | null;
  email: string | null;
  addressVerified: string | null;
  marketplaceUsernames: MarketplaceUsername[];
  tags: { tagId: number; name: string }[];
}

export interface ProductRecord {
  productId: number;
  sku: string;
  name: string;
  price: number | null;
  defaultCost: number | null;
  length: number | null;
  width: number | null;
  height: number | null;
  weightOz: number | null;
  internalNotes: string | null;
  fulfillmentSku: string | null;
  upc: string | null;
  createDate: Instant;
  modifyDate: Instant;
  active: boolean;
  productCategory: { categoryId: number; name: string } | null;
  productType: { productTypeId: number; name: string } | null;
  warehouseLocation: string | null;
  defaultCarrierCode: string | null;
  defaultServiceCode: string | null;
  defaultPackageCode: string | null;
  defaultIntlCarrierCode: string | null;
  defaultIntlServiceCode: string | null;
  defaultIntlPackageCode: string | null;
  defaultConfirmation: string | null;
  defaultIntlConfirmation: string | null;
  customsDescription: string | null;
  customsValue: number | null;
  customsTariffNo: string | null;
  customsCountryCode: string | null;
  noCustoms: boolean | null;
  tags: { tagId: number; name: string }[] | null;
  aliases: unknown[] | null;
}

export interface StoreRecord {
  storeId: number;
  storeName: string;
  marketplaceId: number;
  marketplaceName: string;
  createDate: Instant;
  modifyDate: Instant;
  active: boolean;
}

export interface WarehouseRecord {
  warehouseId: number;
  warehouseName: string;
  originAddress: Address;
  createDate: Instant;
  isDefault: boolean;
}

export interface InventoryRecord {
  sku: string;
  inventoryWarehouseId: string;
  inventoryLocationId: string;
  onHand: number;
  allocated: number;
  averageCost: { amount: number; currency: string };
}

export const V1_EVENTS = [
  'ORDER_NOTIFY',
  'ITEM_ORDER_NOTIFY',
  'SHIP_NOTIFY',
  'ITEM_SHIP_NOTIFY',
  'FULFILLMENT_SHIPPED',
  'FULFILLMENT_REJECTED',
] as const;
export type V1Event = (typeof V1_EVENTS)[number];

/** Events of the 2025 V2 spec (ShipEngine-inherited) plus the documented `*_v2` events. */
export const V2_EVENTS = [
  'batch',
  'carrier_connected',
  'order_source_refresh_complete',
  'rate',
  'report_complete',
  'sales_orders_imported',
  'track',
  'batch_processed_v2',
  'track_event_v2',
  'shipment_created_v2',
  'label_created_v2',
  'fulfillment_shipped_v2',
  'fulfillment_rejected_v2',
] as const;
export type V2Event = (typeof V2_EVENTS)[number];

export interface V1WebhookRecord {
  webhookId: number;
  hookType: V1Event;
  url: string;
  name: string | null;
  storeId: number | null;
  active: boolean;
}

export interface V2WebhookRecord {
  webhookId: string;
  event: V2Event;
  url: string;
  headers: { key: string; value: string }[];
  name: string | null;
  storeId: number | null;
}

/** A webhook pointer batch: the records a `resource_url` lists (read live when fetched). */
export interface NotifyBatch {
  resource: 'orders' | 'shipments' | 'fulfillments';
  ids: number[];
}

export interface RequestLogEntry {
  seq: number;
  at: string;
  method: string;
  path: string;
  api: 'v1' | 'v2' | 'jwks';
  /** Which scheme the client used; never the credential itself. */
  auth: 'basic' | 'api-key' | 'bearer' | 'none' | 'other';
  /** Name of the matched credential (`v1Credentials[i].name`), null when none matched. */
  credential: string | null;
  status: number;
  rateLimited: boolean;
}

export interface DeliveryRecord {
  id: number;
  at: string;
  version: 'v1' | 'v2';
  webhookId: number | string;
  resourceType: string;
  /** Target URL with query-string values masked (they often carry a secret token). */
  target: string;
  payload: unknown;
  status: number | null;
  error: string | null;
  redelivery: boolean;
  signed: boolean;
}

export interface V1Credential {
  key: string;
  secret: string;
  name?: string;
}

export interface V2Credential {
  apiKey: string;
  name?: string;
}

export type V2SignatureFault = 'none' | 'bad-signature' | 'missing-headers' | 'stale-timestamp' | 'unknown-kid';

/** Knobs that can change at run time (`POST /__sim/config`). */
export interface ShipStationSimConfig {
  v1Credentials: V1Credential[];
  v2Credentials: V2Credential[];
  /** V1 requests per window per key+secret pair (reference: 40/min). */
  v1RateLimit: number;
  /** V2 requests per window per api key (reference: 200/min). */
  v2RateLimit: number;
  /** Rate window length in ms (60 000 in production; shrink it in tests). */
  rateWindowMs: number;
  /** Send `Retry-After` on V1 429s too (undocumented [U]; off by default). */
  v1RetryAfter: boolean;
  /** Send `X-Rate-Limit-*` headers on V2 (undocumented [U]; off by default). */
  v2RateLimitHeaders: boolean;
  latencyMs: number;
  /** Probability (0..1) that an API request answers 500. */
  error5xxRate: number;
  /** The next N API requests (V1 or V2) answer 429. */
  burst429: number;
  /** Status for `createorder` on a shipped/cancelled order (the reference gives none [U]). */
  lockedOrderStatus: number;
  /** How V1 date filters compare: Pacific wall clock (default, like a DB of local times) or instants. */
  v1DateFilterMode: 'wallclock' | 'instant';
  /** Delay before a webhook is POSTed (real ShipStation: "within a few minutes"). */
  webhookDelayMs: number;
  webhookTimeoutMs: number;
  /** V2: one webhook per event (409 `webhook_event_type_conflict` on a second) [U]. */
  v2WebhookOneUrlPerEvent: boolean;
  /** Deliberately broken V2 signatures, to test receivers. */
  v2SignatureFault: V2SignatureFault;
  /** Max entries kept in the request log and the delivery log. */
  logLimit: number;
}

export interface ShipStationSimOptions extends Partial<ShipStationSimConfig> {
  /** Port of the V1 listener (ssapi.shipstation.com role); 0 = free port. */
  v1Port?: number;
  /** Port of the V2 listener (api.shipstation.com role); 0 = free port. */
  v2Port?: number;
  host?: string;
  /** Clock used for every timestamp, rate window and signature. */
  now?: () => number;
  /** Seed of the PRNG behind generated data, 5xx faults and batch GUIDs. */
  seed?: number;
  /** Generate this many deterministic orders at start (see data.ts). */
  orders?: number;
}
