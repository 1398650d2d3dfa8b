/**
 * shipstation-fetch on input: which call answers an operation. Orders, customers and the V1
 * shipment/fulfilment lists are V1 (V2 has no orders, reference §2.6); a V2 shipment or label is
 * fetched by its `se-` id. Date filters may be given as UTC ISO (converted to Pacific for V1)
 * or as Pacific `yyyy-mm-dd[ hh:mm:ss]` text (sent as they are).
 */
import { ValidationError } from '../core/errors';
import type { ApiVersion } from './resource-url';
import { toV1QueryTime } from './timestamps';

export const FETCH_OPERATIONS = [
  'orders-modified',
  'resource',
  'order',
  'orders',
  'shipment',
  'shipments',
  'fulfillments',
  'customers',
  'customer',
  'products',
  'product',
] as const;

export type FetchOperation = (typeof FETCH_OPERATIONS)[number];

export function isFetchOperation(v: unknown): v is FetchOperation {
  return typeof v === 'string' && (FETCH_OPERATIONS as readonly string[]).includes(v);
}

export type FetchPlan =
  | { kind: 'poll' }
  | { kind: 'resource'; resourceUrl: string }
  | { kind: 'get'; version: ApiVersion; path: string }
  | {
      kind: 'list';
      version: ApiVersion;
      path: string;
      params: Record<string, unknown>;
      /** keep only records matching exactly (V1 orderNumber filters are "starts with") */
      exact?: { field: string; value: string };
    };

type Json = Record<string, unknown>;

function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** A date filter value for V1: instants become Pacific wall clock text. */
export function v1DateParam(name: string, value: unknown): string {
  const s = str(value);
  if (!s) throw new ValidationError('shipstation', name, `${name} is empty`);
  if (/^\d{4}-\d\d-\d\d$/.test(s) || /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s))
    return s.replace('T', ' ');
  try {
    return toV1QueryTime(s);
  } catch {
    throw new ValidationError('shipstation', name, `${name} "${s}" is not a date or date-time`);
  }
}

/** Copies filters, turning every *DateStart/*DateEnd/startDate/endDate into V1 Pacific text. */
function v1Filters(input: Json, allowed: readonly string[]): Json {
  const out: Json = {};
  const lower = new Map(allowed.map((a) => [a.toLowerCase(), a]));
  for (const [k, v] of Object.entries(input)) {
    const name = lower.get(k.toLowerCase());
    if (!name || v === undefined || v === null || v === '') continue;
    out[name] = /(DateStart|DateEnd|^startDate|^endDate)$/.test(name) ? v1DateParam(name, v) : v;
  }
  return out;
}

const SHIPMENT_FILTERS = [
  'recipientName',
  'recipientCountryCode',
  'orderNumber',
  'orderId',
  'carrierCode',
  'serviceCode',
  'trackingNumber',
  'createDateStart',
  'createDateEnd',
  'shipDateStart',
  'shipDateEnd',
  'voidDateStart',
  'voidDateEnd',
  'storeId',
  'includeShipmentItems',
  'sortBy',
  'sortDir',
];
const FULFILLMENT_FILTERS = [
  'fulfillmentId',
  'orderId',
  'orderNumber',
  'trackingNumber',
  'recipientName',
  'createDateStart',
  'createDateEnd',
  'shipDateStart',
  'shipDateEnd',
  'sortBy',
  'sortDir',
];
const CUSTOMER_FILTERS = ['stateCode', 'countryCode', 'marketplaceId', 'tagId', 'sortBy', 'sortDir'];
const PRODUCT_FILTERS = [
  'sku',
  'name',
  'productCategoryId',
  'productTypeId',
  'tagId',
  'startDate',
  'endDate',
  'showInactive',
  'sortBy',
  'sortDir',
];
const ORDER_FILTERS = [
  'customerName',
  'itemKeyword',
  'createDateStart',
  'createDateEnd',
  'modifyDateStart',
  'modifyDateEnd',
  'orderDateStart',
  'orderDateEnd',
  'paymentDateStart',
  'paymentDateEnd',
  'orderNumber',
  'orderStatus',
  'storeId',
  'sortBy',
  'sortDir',
];

function needOne(op: string, input: Json, fields: string[]): never {
  throw new ValidationError(
    'shipstation',
    fields[0],
    `operation "${op}" needs msg.payload.${fields.join(' or msg.payload.')}`,
  );
}

/** Plans an input-triggered fetch. `input` is msg.payload when it is an object. */
export function planFetch(op: FetchOperation, input: Json): FetchPlan {
  const enc = (v: string): string => encodeURIComponent(v);
  switch (op) {
    case 'orders-modified':
      return { kind: 'poll' };
    case 'resource': {
      const url = str(input.resource_url) ?? str(input.resourceUrl);
      if (!url) needOne(op, input, ['resource_url']);
      return { kind: 'resource', resourceUrl: url };
    }
    case 'order': {
      const id = str(input.orderId);
      if (id) return { kind: 'get', version: 'v1', path: `/orders/${enc(id)}` };
      const v2 = str(input.shipment_id);
      if (v2) return { kind: 'get', version: 'v2', path: `/shipments/${enc(v2)}` };
      const number = str(input.orderNumber);
      if (number)
        return {
          kind: 'list',
          version: 'v1',
          path: '/orders',
          params: { orderNumber: number },
          exact: { field: 'orderNumber', value: number },
        };
      return needOne(op, input, ['orderId', 'orderNumber', 'shipment_id']);
    }
    case 'orders':
      return { kind: 'list', version: 'v1', path: '/orders', params: v1Filters(input, ORDER_FILTERS) };
    case 'shipment': {
      const label = str(input.label_id);
      if (label) return { kind: 'get', version: 'v2', path: `/labels/${enc(label)}` };
      const filters = v1Filters(input, ['trackingNumber', 'orderId', 'orderNumber']);
      if (Object.keys(filters).length === 0)
        needOne(op, input, ['trackingNumber', 'orderId', 'orderNumber', 'label_id']);
      const exact =
        typeof filters.orderNumber === 'string' ? { field: 'orderNumber', value: filters.orderNumber } : undefined;
      return {
        kind: 'list',
        version: 'v1',
        path: '/shipments',
        params: { includeShipmentItems: true, ...filters },
        exact,
      };
    }
    case 'shipments':
      return {
        kind: 'list',
        version: 'v1',
        path: '/shipments',
        params: { includeShipmentItems: true, ...v1Filters(input, SHIPMENT_FILTERS) },
      };
    case 'fulfillments':
      return { kind: 'list', version: 'v1', path: '/fulfillments', params: v1Filters(input, FULFILLMENT_FILTERS) };
    case 'customer': {
      const id = str(input.customerId);
      if (!id) needOne(op, input, ['customerId']);
      return { kind: 'get', version: 'v1', path: `/customers/${enc(id)}` };
    }
    case 'customers':
      return { kind: 'list', version: 'v1', path: '/customers', params: v1Filters(input, CUSTOMER_FILTERS) };
    case 'product': {
      const id = str(input.productId);
      if (id) return { kind: 'get', version: 'v1', path: `/products/${enc(id)}` };
      const sku = str(input.sku);
      if (sku)
        return { kind: 'list', version: 'v1', path: '/products', params: { sku }, exact: { field: 'sku', value: sku } };
      return needOne(op, input, ['productId', 'sku']);
    }
    case 'products':
      return { kind: 'list', version: 'v1', path: '/products', params: v1Filters(input, PRODUCT_FILTERS) };
  }
}
