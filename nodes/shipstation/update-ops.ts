/**
 * The X3 -> ShipStation writes of shipstation-update (all V1: orders exist only there):
 *  - upsertOrder: POST /orders/createorder, upsert by orderKey, whole-object replacement;
 *  - updateProduct: PUT /products/{productId}, a whole product (merged over the current one so
 *    fields the caller did not send are not cleared);
 *  - markShipped: POST /orders/markasshipped.
 * ShipStation locks orders once shipped or cancelled (only awaiting_payment, awaiting_shipment
 * and on_hold can be updated, reference §1.6): the current order is read first and a locked one
 * is refused with ORDER_LOCKED before anything is sent.
 */
import { ApiError, ValidationError } from '../core/errors';
import { utcToPacific } from '../core/time';
import type { ShipStationClient } from './client';
import { convertV1Timestamps, toV1RequestBody } from './timestamps';

type Json = Record<string, unknown>;

export const UPDATABLE_STATUSES = ['awaiting_payment', 'awaiting_shipment', 'on_hold'];
const READ_ONLY_ORDER_FIELDS = ['createDate', 'modifyDate', 'orderTotal', 'customerId', 'labelMessages'];

function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

export function orderLockedError(order: Json, action: string): ApiError {
  const status = String(order.orderStatus);
  const label = `order ${String(order.orderNumber ?? '?')} (orderId ${String(order.orderId ?? '?')})`;
  return new ApiError({
    system: 'shipstation',
    code: 'ORDER_LOCKED',
    status: 409,
    retryable: false,
    message: `${label} is ${status}: ShipStation does not allow ${action} of a ${status} order, so nothing was sent`,
  });
}

/** The existing order an upsert would update: by orderId, else by orderNumber + orderKey. */
export async function findExistingOrder(client: ShipStationClient, body: Json): Promise<Json | undefined> {
  const orderId = str(body.orderId);
  if (orderId) {
    try {
      return await client.getOrder(orderId);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }
  const orderNumber = str(body.orderNumber);
  const orderKey = str(body.orderKey);
  if (!orderNumber || !orderKey) return undefined;
  for await (const page of client.pages('v1', '/orders', { orderNumber })) {
    const hit = page.records.find((o) => o.orderKey === orderKey);
    if (hit) return hit;
  }
  return undefined;
}

export async function upsertOrder(client: ShipStationClient, input: Json): Promise<{ order: Json; created: boolean }> {
  const orderNumber = str(input.orderNumber);
  if (!orderNumber) throw new ValidationError('shipstation', 'orderNumber', 'orderNumber is required');
  if (orderNumber.length > 50)
    throw new ValidationError('shipstation', 'orderNumber', 'orderNumber is longer than 50 characters');
  if (!str(input.orderKey)) {
    throw new ValidationError(
      'shipstation',
      'orderKey',
      'orderKey is required: createorder upserts by orderKey, and without one a retry would create a duplicate order',
    );
  }
  const existing = await findExistingOrder(client, input);
  if (existing && !UPDATABLE_STATUSES.includes(String(existing.orderStatus)))
    throw orderLockedError(existing, 'changes');
  const body = toV1RequestBody(input) as Json;
  for (const f of READ_ONLY_ORDER_FIELDS) delete body[f];
  const written = await client.createOrder(body);
  return { order: convertV1Timestamps(written), created: !existing };
}

/** A product by productId or by exact SKU. */
export async function findProduct(client: ShipStationClient, input: Json): Promise<Json> {
  const productId = str(input.productId);
  if (productId) return client.getProduct(productId);
  const sku = str(input.sku);
  if (!sku) throw new ValidationError('shipstation', 'productId', 'productId or sku is required to update a product');
  for await (const page of client.pages('v1', '/products', { sku, showInactive: true })) {
    const hit = page.records.find((p) => String(p.sku).toLowerCase() === sku.toLowerCase());
    if (hit) return hit;
  }
  throw new ApiError({
    system: 'shipstation',
    code: 'NOT_FOUND',
    status: 404,
    message: `no ShipStation product with SKU ${sku}`,
  });
}

export async function updateProduct(client: ShipStationClient, input: Json, merge = true): Promise<Json> {
  let body: Json;
  if (merge) {
    const current = await findProduct(client, input);
    body = { ...(toV1RequestBody(current) as Json), ...(toV1RequestBody(input) as Json), productId: current.productId };
  } else {
    if (!str(input.productId))
      throw new ValidationError('shipstation', 'productId', 'productId is required to replace a product');
    body = toV1RequestBody(input) as Json;
  }
  for (const f of ['createDate', 'modifyDate']) delete body[f];
  if (!str(body.sku))
    throw new ValidationError('shipstation', 'sku', 'sku is required (V1 replaces the whole product)');
  if (!str(body.name))
    throw new ValidationError('shipstation', 'name', 'name is required (V1 replaces the whole product)');
  const result = await client.updateProduct(String(body.productId), body);
  if (result && typeof result === 'object' && result.success === false) {
    throw new ApiError({
      system: 'shipstation',
      code: 'UPDATE_REFUSED',
      status: 400,
      message: String(result.message ?? 'product update refused'),
    });
  }
  return convertV1Timestamps(body);
}

/** Pacific calendar date for markasshipped (`yyyy-MM-dd`); an instant is converted. */
function shipDateOf(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  if (/^\d{4}-\d\d-\d\d$/.test(s)) return s;
  try {
    return utcToPacific(s, 'yyyy-MM-dd');
  } catch {
    throw new ValidationError('shipstation', 'shipDate', `shipDate "${s}" is not a date`);
  }
}

export interface MarkShippedResult {
  /** the order as it was before (UTC timestamps) */
  order: Json;
  /** what was sent to markasshipped */
  request: Json;
  response: Json;
}

export async function markShipped(client: ShipStationClient, input: Json): Promise<MarkShippedResult> {
  let order: Json | undefined;
  const orderId = str(input.orderId);
  if (orderId) order = await client.getOrder(orderId);
  else {
    const orderNumber = str(input.orderNumber);
    if (!orderNumber)
      throw new ValidationError(
        'shipstation',
        'orderId',
        'orderId or orderNumber is required to mark an order shipped',
      );
    const matches: Json[] = [];
    for await (const page of client.pages('v1', '/orders', { orderNumber })) {
      matches.push(...page.records.filter((o) => o.orderNumber === orderNumber));
    }
    if (matches.length === 0)
      throw new ApiError({
        system: 'shipstation',
        code: 'NOT_FOUND',
        status: 404,
        message: `no ShipStation order ${orderNumber}`,
      });
    if (matches.length > 1) {
      throw new ValidationError(
        'shipstation',
        'orderId',
        `${matches.length} ShipStation orders have number ${orderNumber}: give the orderId`,
      );
    }
    order = matches[0];
  }
  const statusNow = String(order.orderStatus);
  if (statusNow === 'shipped' || statusNow === 'cancelled') throw orderLockedError(order, 'marking as shipped');
  const carrierCode = str(input.carrierCode);
  if (!carrierCode)
    throw new ValidationError('shipstation', 'carrierCode', 'carrierCode is required to mark an order shipped');
  const body: Json = { orderId: order.orderId, carrierCode };
  const shipDate = shipDateOf(input.shipDate);
  if (shipDate) body.shipDate = shipDate;
  if (str(input.trackingNumber)) body.trackingNumber = str(input.trackingNumber);
  if (typeof input.notifyCustomer === 'boolean') body.notifyCustomer = input.notifyCustomer;
  if (typeof input.notifySalesChannel === 'boolean') body.notifySalesChannel = input.notifySalesChannel;
  const response = await client.markAsShipped(body);
  return { order: convertV1Timestamps(order), request: body, response };
}
