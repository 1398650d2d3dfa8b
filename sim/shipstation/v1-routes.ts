// V1 API (ssapi.shipstation.com): orders, shipments, fulfillments, customers, products,
// stores, warehouses and webhooks, with HTTP Basic auth and Pacific timestamps.
import express, { type Request, type Response, type Router } from 'express';
import { asyncRoute, type SimContext } from './context';
import { v1Error } from './gate';
import { bool, isObject, num, str } from './input';
import { instantToWall, parseShipDate } from './time';
import { V1_EVENTS, type OrderRecord, type ShipmentRecord, type FulfillmentRecord, type V1Event } from './types';
import {
  QueryError,
  boolParam,
  contains,
  dateRange,
  instantRange,
  instantRangeNamed,
  intParam,
  pageEnvelope,
  sortItems,
  textParam,
  wallRange,
} from './v1-query';
import { v1Customer, v1Fulfillment, v1Order, v1Product, v1Shipment, v1Store, v1Warehouse, v1Webhook } from './v1-views';

/** SellerID reported in `GET /webhooks`. */
const SELLER_ID = 100000;

type Filter<T> = ((item: T) => boolean) | null;

function applyFilters<T>(items: T[], filters: Filter<T>[]): T[] {
  const active = filters.filter((f): f is (item: T) => boolean => f !== null);
  return items.filter((item) => active.every((f) => f(item)));
}

function batchIds(
  ctx: SimContext,
  id: string | null,
  resource: 'orders' | 'shipments' | 'fulfillments',
): Set<number> | null {
  if (id === null) return null;
  const batch = ctx.store.batches.get(id);
  return new Set(batch && batch.resource === resource ? batch.ids : []);
}

function methodNotAllowed(req: Request, res: Response): void {
  v1Error(res, 405, `The requested resource does not support http method '${req.method}'.`);
}

export function v1Router(ctx: SimContext): Router {
  const router = express.Router();
  const { store } = ctx;
  const mode = () => ctx.config.v1DateFilterMode;
  /** Sort key for an instant field: wall clock or instant, matching the filter mode. */
  const instantKey = (value: number) => (mode() === 'wallclock' ? instantToWall(value) : value);

  // ---------- orders ----------
  const listOrders = (req: Request, res: Response, extra: Filter<OrderRecord>[] = []) => {
    const status = textParam(req, 'orderStatus');
    const storeId = intParam(req, 'storeId');
    const orderNumber = textParam(req, 'orderNumber');
    const customerName = textParam(req, 'customerName');
    const itemKeyword = textParam(req, 'itemKeyword');
    const batch = batchIds(ctx, textParam(req, 'importBatch'), 'orders');
    const tagId = intParam(req, 'tagId');
    const orders = applyFilters(
      [...store.orders.values()],
      [
        (o) => o.active,
        status === null ? null : (o) => o.orderStatus === status,
        storeId === null ? null : (o) => o.advancedOptions.storeId === storeId,
        orderNumber === null ? null : (o) => o.orderNumber.toLowerCase().startsWith(orderNumber.toLowerCase()),
        customerName === null
          ? null
          : (o) => contains(o.shipTo.name, customerName) || contains(o.billTo.name, customerName),
        itemKeyword === null
          ? null
          : (o) =>
              o.items.some(
                (i) =>
                  contains(i.sku, itemKeyword) ||
                  contains(i.name, itemKeyword) ||
                  i.options.some((opt) => contains(opt.value, itemKeyword)),
              ),
        batch === null ? null : (o) => batch.has(o.orderId),
        tagId === null ? null : (o) => (o.tagIds ?? []).includes(tagId),
        instantRange<OrderRecord>(req, 'createDate', (o) => o.createDate, mode()),
        instantRange<OrderRecord>(req, 'modifyDate', (o) => o.modifyDate, mode()),
        wallRange<OrderRecord>(req, 'orderDate', (o) => o.orderDate),
        wallRange<OrderRecord>(req, 'paymentDate', (o) => o.paymentDate),
        ...extra,
      ],
    );
    const sorted = sortItems(req, orders, {
      keys: {
        OrderDate: (o) => o.orderDate,
        ModifyDate: (o) => instantKey(o.modifyDate),
        CreateDate: (o) => instantKey(o.createDate),
      },
      fallback: (o) => o.orderId,
    });
    res.json(pageEnvelope(req, 'orders', sorted, v1Order));
  };

  router
    .route('/orders')
    .get(asyncRoute((req, res) => listOrders(req, res)))
    .all(methodNotAllowed);

  router
    .route('/orders/listbytag')
    .get(
      asyncRoute((req, res) => {
        if (textParam(req, 'orderStatus') === null || intParam(req, 'tagId') === null) {
          v1Error(res, 400, 'The request is invalid.', { ExceptionMessage: 'orderStatus and tagId are required.' });
          return;
        }
        listOrders(req, res);
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/orders/createorder')
    .post(
      asyncRoute((req, res) => {
        const result = store.upsertOrder(req.body, { lockedStatus: ctx.config.lockedOrderStatus });
        if (!result.ok) {
          v1Error(res, result.status, result.message, result.modelState ? { ModelState: result.modelState } : {});
          return;
        }
        if (result.notify) store.announceOrders([result.order.orderId]);
        res.status(200).json(v1Order(result.order));
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/orders/createorders')
    .post(
      asyncRoute((req, res) => {
        if (!Array.isArray(req.body)) {
          v1Error(res, 400, 'The request is invalid.', {
            ModelState: { apiOrders: ['An array of orders is required.'] },
          });
          return;
        }
        if (req.body.length > 100) {
          v1Error(res, 400, 'The request is invalid.', {
            ExceptionMessage: 'A maximum of 100 orders can be sent per request.',
          });
          return;
        }
        const announce: number[] = [];
        const results = (req.body as unknown[]).map((raw) => {
          const result = store.upsertOrder(raw, { lockedStatus: ctx.config.lockedOrderStatus });
          const input = isObject(raw) ? raw : {};
          if (!result.ok) {
            return {
              orderId: 0,
              orderNumber: str(input.orderNumber),
              orderKey: str(input.orderKey),
              success: false,
              errorMessage: result.message,
            };
          }
          if (result.notify) announce.push(result.order.orderId);
          return {
            orderId: result.order.orderId,
            orderNumber: result.order.orderNumber,
            orderKey: result.order.orderKey,
            success: true,
            errorMessage: null,
          };
        });
        // Orders created together share one ORDER_NOTIFY (one import action).
        store.announceOrders(announce);
        res.json({ hasErrors: results.some((r) => !r.success), results });
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/orders/markasshipped')
    .post(
      asyncRoute((req, res) => {
        const body = isObject(req.body) ? req.body : {};
        const orderId = num(body.orderId);
        const carrierCode = str(body.carrierCode);
        if (orderId === null || !carrierCode) {
          v1Error(res, 400, 'The request is invalid.', {
            ModelState: {
              ...(orderId === null ? { 'apiShipment.orderId': ['The orderId field is required.'] } : {}),
              ...(!carrierCode ? { 'apiShipment.carrierCode': ['The carrierCode field is required.'] } : {}),
            },
          });
          return;
        }
        const shipDate = body.shipDate === undefined || body.shipDate === null ? null : parseShipDate(body.shipDate);
        if (body.shipDate !== undefined && body.shipDate !== null && shipDate === null) {
          v1Error(res, 400, 'The request is invalid.', {
            ModelState: { 'apiShipment.shipDate': ['The value is not a valid date.'] },
          });
          return;
        }
        const result = store.markShipped({ orderId, carrierCode, shipDate, trackingNumber: str(body.trackingNumber) });
        if ('ok' in result) {
          v1Error(res, result.status, result.message);
          return;
        }
        res.json({ orderId: result.orderId, orderNumber: result.orderNumber });
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/orders/createlabelfororder')
    .post(
      asyncRoute((req, res) => {
        const body = isObject(req.body) ? req.body : {};
        const orderId = num(body.orderId);
        const carrierCode = str(body.carrierCode);
        const serviceCode = str(body.serviceCode);
        if (orderId === null || !carrierCode || !serviceCode) {
          v1Error(res, 400, 'The request is invalid.', {
            ExceptionMessage: 'orderId, carrierCode and serviceCode are required.',
          });
          return;
        }
        const order = store.orders.get(orderId);
        if (!order || !order.active) {
          v1Error(res, 404, `Order ${orderId} not found.`);
          return;
        }
        const labelData = Buffer.from(`%PDF-1.4 sim label for order ${order.orderNumber}\n`).toString('base64');
        if (bool(body.testLabel)) {
          res.json({ shipmentId: 0, shipmentCost: 0, insuranceCost: 0, trackingNumber: '', labelData, formData: null });
          return;
        }
        const result = store.createLabel(orderId, {
          carrierCode,
          serviceCode,
          packageCode: str(body.packageCode) ?? undefined,
          shipDate: parseShipDate(body.shipDate) ?? undefined,
        });
        if ('ok' in result) {
          v1Error(res, result.status, result.message);
          return;
        }
        res.json({
          shipmentId: result.shipmentId,
          shipmentCost: result.shipmentCost,
          insuranceCost: result.insuranceCost,
          trackingNumber: result.trackingNumber,
          labelData,
          formData: null,
        });
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/orders/:orderId')
    .get(
      asyncRoute((req, res) => {
        const order = store.orders.get(Number(req.params.orderId));
        if (!order || !order.active) {
          v1Error(res, 404, `Order ${req.params.orderId} not found.`);
          return;
        }
        res.json(v1Order(order));
      }),
    )
    .delete(
      asyncRoute((req, res) => {
        if (!store.deleteOrder(Number(req.params.orderId))) {
          v1Error(res, 404, `Order ${req.params.orderId} not found.`);
          return;
        }
        res.json({ success: true, message: 'The requested order has been deleted.' });
      }),
    )
    .all(methodNotAllowed);

  // ---------- shipments (labels created in ShipStation) ----------
  router
    .route('/shipments')
    .get(
      asyncRoute((req, res) => {
        const includeItems = boolParam(req, 'includeShipmentItems') ?? false;
        const recipientName = textParam(req, 'recipientName');
        const country = textParam(req, 'recipientCountryCode');
        const orderNumber = textParam(req, 'orderNumber');
        const orderId = intParam(req, 'orderId');
        const carrierCode = textParam(req, 'carrierCode');
        const serviceCode = textParam(req, 'serviceCode');
        const trackingNumber = textParam(req, 'trackingNumber');
        const storeId = intParam(req, 'storeId');
        const batch = batchIds(ctx, textParam(req, 'batchId'), 'shipments');
        const shipments = applyFilters(
          [...store.shipments.values()],
          [
            recipientName === null ? null : (s) => contains(s.shipTo.name, recipientName),
            country === null ? null : (s) => (s.shipTo.country ?? '').toUpperCase() === country.toUpperCase(),
            orderNumber === null ? null : (s) => s.orderNumber === orderNumber,
            orderId === null ? null : (s) => s.orderId === orderId,
            carrierCode === null ? null : (s) => s.carrierCode === carrierCode,
            serviceCode === null ? null : (s) => s.serviceCode === serviceCode,
            trackingNumber === null ? null : (s) => s.trackingNumber === trackingNumber,
            storeId === null ? null : (s) => s.storeId === storeId,
            batch === null ? null : (s) => batch.has(s.shipmentId),
            instantRange<ShipmentRecord>(req, 'createDate', (s) => s.createDate, mode()),
            dateRange<ShipmentRecord>(req, 'shipDate', (s) => s.shipDate),
            instantRange<ShipmentRecord>(req, 'voidDate', (s) => s.voidDate, mode()),
          ],
        );
        const sorted = sortItems(req, shipments, {
          keys: { ShipDate: (s) => s.shipDate, CreateDate: (s) => instantKey(s.createDate) },
          fallback: (s) => s.createDate * 1000 + (s.shipmentId % 1000),
        });
        res.json(pageEnvelope(req, 'shipments', sorted, (s) => v1Shipment(s, includeItems)));
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/shipments/voidlabel')
    .post(
      asyncRoute((req, res) => {
        const shipmentId = num(isObject(req.body) ? req.body.shipmentId : undefined);
        const shipment = shipmentId === null ? undefined : store.shipments.get(shipmentId);
        if (!shipment) {
          v1Error(res, 404, `Shipment ${shipmentId ?? ''} not found.`);
          return;
        }
        if (shipment.voided) {
          res.json({ approved: false, message: 'Label has already been voided' });
          return;
        }
        store.voidLabel(shipment.shipmentId);
        res.json({ approved: true, message: 'Label voided successfully' });
      }),
    )
    .all(methodNotAllowed);

  // ---------- fulfillments (marked as shipped / provider) ----------
  router
    .route('/fulfillments')
    .get(
      asyncRoute((req, res) => {
        const fulfillmentId = intParam(req, 'fulfillmentId');
        const orderId = intParam(req, 'orderId');
        const orderNumber = textParam(req, 'orderNumber');
        const trackingNumber = textParam(req, 'trackingNumber');
        const recipientName = textParam(req, 'recipientName');
        const storeId = intParam(req, 'storeId');
        const batch = batchIds(ctx, textParam(req, 'batchId'), 'fulfillments');
        const items = applyFilters(
          [...store.fulfillments.values()],
          [
            fulfillmentId === null ? null : (f) => f.fulfillmentId === fulfillmentId,
            orderId === null ? null : (f) => f.orderId === orderId,
            orderNumber === null ? null : (f) => f.orderNumber === orderNumber,
            trackingNumber === null ? null : (f) => f.trackingNumber === trackingNumber,
            recipientName === null ? null : (f) => contains(f.shipTo.name, recipientName),
            storeId === null ? null : (f) => f.storeId === storeId,
            batch === null ? null : (f) => batch.has(f.fulfillmentId),
            instantRange<FulfillmentRecord>(req, 'createDate', (f) => f.createDate, mode()),
            dateRange<FulfillmentRecord>(req, 'shipDate', (f) => f.shipDate),
          ],
        );
        const sorted = sortItems(req, items, {
          keys: { ShipDate: (f) => f.shipDate, CreateDate: (f) => instantKey(f.createDate) },
          fallback: (f) => f.createDate * 1000 + (f.fulfillmentId % 1000),
        });
        res.json(pageEnvelope(req, 'fulfillments', sorted, v1Fulfillment));
      }),
    )
    .all(methodNotAllowed);

  // ---------- customers ----------
  router
    .route('/customers')
    .get(
      asyncRoute((req, res) => {
        const stateCode = textParam(req, 'stateCode');
        const countryCode = textParam(req, 'countryCode');
        const marketplaceId = intParam(req, 'marketplaceId');
        const tagId = intParam(req, 'tagId');
        const items = applyFilters(
          [...store.customers.values()],
          [
            stateCode === null ? null : (c) => (c.state ?? '').toUpperCase() === stateCode.toUpperCase(),
            countryCode === null ? null : (c) => (c.countryCode ?? '').toUpperCase() === countryCode.toUpperCase(),
            marketplaceId === null
              ? null
              : (c) => c.marketplaceUsernames.some((m) => m.marketplaceId === marketplaceId),
            tagId === null ? null : (c) => c.tags.some((t) => t.tagId === tagId),
          ],
        );
        const sorted = sortItems(req, items, {
          keys: {
            Name: (c) => c.name.toLowerCase(),
            ModifyDate: (c) => instantKey(c.modifyDate),
            CreateDate: (c) => instantKey(c.createDate),
          },
          fallback: (c) => c.customerId,
        });
        res.json(pageEnvelope(req, 'customers', sorted, v1Customer));
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/customers/:customerId')
    .get(
      asyncRoute((req, res) => {
        const customer = store.customers.get(Number(req.params.customerId));
        if (!customer) {
          v1Error(res, 404, `Customer ${req.params.customerId} not found.`);
          return;
        }
        res.json(v1Customer(customer));
      }),
    )
    .all(methodNotAllowed);

  // ---------- products ----------
  router
    .route('/products')
    .get(
      asyncRoute((req, res) => {
        const sku = textParam(req, 'sku');
        const name = textParam(req, 'name');
        const categoryId = intParam(req, 'productCategoryId');
        const typeId = intParam(req, 'productTypeId');
        const tagId = intParam(req, 'tagId');
        const showInactive = boolParam(req, 'showInactive') ?? false;
        const items = applyFilters(
          [...store.products.values()],
          [
            showInactive ? null : (p) => p.active,
            sku === null ? null : (p) => p.sku.toLowerCase() === sku.toLowerCase(),
            name === null ? null : (p) => contains(p.name, name),
            categoryId === null ? null : (p) => p.productCategory?.categoryId === categoryId,
            typeId === null ? null : (p) => p.productType?.productTypeId === typeId,
            tagId === null ? null : (p) => (p.tags ?? []).some((t) => t.tagId === tagId),
            // startDate/endDate: "created after/before", same Pacific semantics as other dates.
            instantRangeNamed(req, 'startDate', 'endDate', (p) => p.createDate, mode()),
          ],
        );
        const sorted = sortItems(req, items, {
          keys: {
            SKU: (p) => p.sku.toLowerCase(),
            ModifyDate: (p) => instantKey(p.modifyDate),
            CreateDate: (p) => instantKey(p.createDate),
          },
          fallback: (p) => p.productId,
        });
        res.json(pageEnvelope(req, 'products', sorted, v1Product));
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/products/:productId')
    .get(
      asyncRoute((req, res) => {
        const product = store.products.get(Number(req.params.productId));
        if (!product) {
          v1Error(res, 404, `Product ${req.params.productId} not found.`);
          return;
        }
        res.json(v1Product(product));
      }),
    )
    .put(
      asyncRoute((req, res) => {
        const productId = Number(req.params.productId);
        const existing = store.products.get(productId);
        if (!existing) {
          v1Error(res, 404, `Product ${req.params.productId} not found.`);
          return;
        }
        const body = isObject(req.body) ? req.body : null;
        const modelState: Record<string, string[]> = {};
        if (!body) modelState.product = ['A JSON object is required.'];
        else {
          if (num(body.productId) !== null && num(body.productId) !== productId) {
            modelState['product.productId'] = ['The productId in the body does not match the URL.'];
          }
          if (!str(body.sku)) modelState['product.sku'] = ['The sku field is required.'];
          if (!str(body.name)) modelState['product.name'] = ['The name field is required.'];
        }
        if (!body || Object.keys(modelState).length > 0) {
          v1Error(res, 400, 'The request is invalid.', { ModelState: modelState });
          return;
        }
        // No partial updates: the body replaces the product (omitted fields are cleared).
        store.upsertProduct({ ...body, productId }, { productId });
        res.json({ success: true, message: 'The requested product has been updated' });
      }),
    )
    .all(methodNotAllowed);

  // ---------- stores / warehouses (bare arrays) ----------
  router
    .route('/stores')
    .get(
      asyncRoute((req, res) => {
        const showInactive = boolParam(req, 'showInactive') ?? false;
        const marketplaceId = intParam(req, 'marketplaceId');
        res.json(
          [...store.stores.values()]
            .filter((s) => (showInactive || s.active) && (marketplaceId === null || s.marketplaceId === marketplaceId))
            .map(v1Store),
        );
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/warehouses')
    .get(asyncRoute((_req, res) => void res.json([...store.warehouses.values()].map(v1Warehouse))))
    .all(methodNotAllowed);

  // ---------- webhooks ----------
  router
    .route('/webhooks')
    .get(
      asyncRoute(
        (_req, res) => void res.json({ webhooks: [...store.v1Webhooks.values()].map((h) => v1Webhook(h, SELLER_ID)) }),
      ),
    )
    .all(methodNotAllowed);

  router
    .route('/webhooks/subscribe')
    .post(
      asyncRoute((req, res) => {
        const body = isObject(req.body) ? req.body : {};
        const targetUrl = str(body.target_url);
        const event = str(body.event);
        const modelState: Record<string, string[]> = {};
        if (!targetUrl) modelState.target_url = ['The target_url field is required.'];
        else if (!/^https?:\/\/[^\s]+$/i.test(targetUrl))
          modelState.target_url = ['The target_url must be an absolute http(s) URL.'];
        if (!event) modelState.event = ['The event field is required.'];
        else if (!(V1_EVENTS as readonly string[]).includes(event))
          modelState.event = [`'${event}' is not a valid event.`];
        const storeId = body.store_id === undefined || body.store_id === null ? null : num(body.store_id);
        if (body.store_id !== undefined && body.store_id !== null && storeId === null)
          modelState.store_id = ['The store_id must be a number.'];
        if (Object.keys(modelState).length > 0) {
          v1Error(res, 400, 'The request is invalid.', { ModelState: modelState });
          return;
        }
        const hook = store.addV1Webhook({
          url: targetUrl as string,
          hookType: event as V1Event,
          name: str(body.friendly_name),
          storeId,
        });
        res.json({ id: hook.webhookId });
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/webhooks/:webhookId')
    .delete(
      asyncRoute((req, res) => {
        const id = Number(req.params.webhookId);
        if (!store.v1Webhooks.delete(id)) {
          v1Error(res, 404, `Webhook ${req.params.webhookId} not found.`);
          return;
        }
        res.status(200).end();
      }),
    )
    .all(methodNotAllowed);

  return router;
}

/** V1 error handler: bad JSON and query errors are 400s, anything else a 500. */
export function v1ErrorHandler(err: unknown, _req: Request, res: Response, next: (err?: unknown) => void): void {
  if (res.headersSent) {
    next(err);
    return;
  }
  if (err instanceof QueryError) {
    v1Error(res, 400, 'The request is invalid.', { ExceptionMessage: err.message });
    return;
  }
  if (isObject(err) && (err.type === 'entity.parse.failed' || err.status === 400)) {
    v1Error(res, 400, 'The request is invalid.', { ExceptionMessage: 'The request body is not valid JSON.' });
    return;
  }
  v1Error(res, 500, 'An error has occurred.', { ExceptionMessage: err instanceof Error ? err.message : String(err) });
}
