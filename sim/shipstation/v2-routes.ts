// V2 API (api.shipstation.com/v2): shipments (= V1 orders), labels (= V1 shipments),
// fulfillments, products, inventory, lookups and environment webhooks; `api-key` auth.
import express, { type Request, type Response, type Router } from 'express';
import { asyncRoute, type SimContext } from './context';
import { v2Error } from './gate';
import { arr, bool, isObject, num, str } from './input';
import { INVENTORY_LOCATION_ID, INVENTORY_WAREHOUSE_ID } from './store';
import { parseShipDate, parseV2DateParam, wallToInstant, type Instant } from './time';
import { V2_EVENTS, type FulfillmentRecord, type OrderRecord, type ShipmentRecord, type V2Event } from './types';
import {
  parseSeId,
  se,
  v2Fulfillment,
  v2Inventory,
  v2InventoryLocation,
  v2InventoryWarehouse,
  v2Label,
  v2Product,
  v2Shipment,
  v2ShipmentStatus,
  v2Tracking,
  v2Warehouse,
  v2Webhook,
} from './v2-views';

class V2QueryError extends Error {}

function q(req: Request, name: string): string | null {
  const value = req.query[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first : null;
}

function intQ(req: Request, name: string): number | null {
  const raw = q(req, name);
  if (raw === null) return null;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new V2QueryError(`${name} must be an integer.`);
  return n;
}

function isoRange<T>(req: Request, startName: string, endName: string, valueOf: (item: T) => Instant | null) {
  const parse = (name: string): Instant | null => {
    const raw = q(req, name);
    if (raw === null) return null;
    const instant = parseV2DateParam(raw);
    if (instant === null) throw new V2QueryError(`${name} must be an ISO 8601 date-time.`);
    return instant;
  };
  const start = parse(startName);
  const end = parse(endName);
  if (start === null && end === null) return null;
  return (item: T) => {
    const v = valueOf(item);
    return v !== null && (start === null || v >= start) && (end === null || v <= end);
  };
}

type Filter<T> = ((item: T) => boolean) | null;
const applyFilters = <T>(items: T[], filters: Filter<T>[]): T[] =>
  items.filter((item) => filters.every((f) => f === null || f(item)));

export function v2Router(ctx: SimContext): Router {
  const router = express.Router();
  const { store } = ctx;

  /** `{<key>, total, page, pages, links}`; past the end -> empty page; `pages` 0 when empty. */
  const page = <T>(
    req: Request,
    key: string,
    items: T[],
    view: (item: T) => unknown,
    opts: { defaultSize?: number; maxSize?: number; sizeParam?: string } = {},
  ): Record<string, unknown> => {
    const sizeParam = opts.sizeParam ?? 'page_size';
    const pageNo = intQ(req, 'page') ?? 1;
    const size = intQ(req, sizeParam) ?? opts.defaultSize ?? 25;
    if (pageNo < 1) throw new V2QueryError('page must be greater than or equal to 1.');
    if (size < 1 || (opts.maxSize !== undefined && size > opts.maxSize)) {
      throw new V2QueryError(`${sizeParam} must be between 1 and ${opts.maxSize ?? 'any'}.`);
    }
    const total = items.length;
    const pages = Math.ceil(total / size);
    const href = (n: number): { href: string } => {
      const url = new URL(`${ctx.v2Base()}${req.baseUrl}${req.path}`);
      for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string') url.searchParams.set(k, v);
      url.searchParams.set('page', String(n));
      url.searchParams.set(sizeParam, String(size));
      return { href: url.toString() };
    };
    return {
      [key]: items.slice((pageNo - 1) * size, pageNo * size).map(view),
      total,
      page: pageNo,
      pages,
      links: {
        first: href(1),
        last: href(Math.max(1, pages)),
        prev: pageNo > 1 ? href(pageNo - 1) : {},
        next: pageNo < pages ? href(pageNo + 1) : {},
      },
    };
  };

  const sortByDate = <T>(
    req: Request,
    items: T[],
    keys: Record<string, (item: T) => number>,
    fallbackKey: string,
  ): T[] => {
    const sortBy = q(req, 'sort_by') ?? fallbackKey;
    const key = keys[sortBy];
    if (!key) throw new V2QueryError(`sort_by must be one of ${Object.keys(keys).join(', ')}.`);
    const dir = (q(req, 'sort_dir') ?? 'desc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw new V2QueryError('sort_dir must be asc or desc.');
    const sorted = [...items].sort((a, b) => key(a) - key(b));
    return dir === 'desc' ? sorted.reverse() : sorted;
  };

  const notFound = (res: Response, what: string, id: string): void =>
    v2Error(res, 404, 'validation', 'invalid_identifier', `${what} ${id} was not found.`);

  const orderFromSeId = (id: string): OrderRecord | undefined => {
    const n = parseSeId(id);
    const order = n === null ? undefined : store.orders.get(n);
    return order && order.active ? order : undefined;
  };

  // ---------- shipments ----------
  router.get(
    '/shipments',
    asyncRoute((req, res) => {
      const batchId = q(req, 'batch_id');
      const importBatch = q(req, 'import_batch_id');
      const batch = importBatch ? store.batches.get(importBatch) : undefined;
      const batchSet = importBatch ? new Set(batch && batch.resource === 'orders' ? batch.ids : []) : null;
      const status = q(req, 'shipment_status');
      const number = q(req, 'shipment_number');
      const shipToName = q(req, 'ship_to_name');
      const keyword = q(req, 'item_keyword');
      const storeId = intQ(req, 'store_id');
      const external = q(req, 'external_shipment_id');
      // With batch_id, status and date filters are ignored (reference §2.7); the sim's orders
      // never belong to a V2 label batch, so such a query is simply empty.
      const ignoreStatusDates = batchId !== null;
      const items = applyFilters(
        [...store.orders.values()],
        [
          (o) => o.active,
          batchId === null ? null : () => false,
          batchSet === null ? null : (o) => batchSet.has(o.orderId),
          status === null || ignoreStatusDates ? null : (o) => v2ShipmentStatus(o.orderStatus) === status,
          number === null ? null : (o) => o.orderNumber === number,
          shipToName === null ? null : (o) => (o.shipTo.name ?? '').toLowerCase().includes(shipToName.toLowerCase()),
          keyword === null
            ? null
            : (o) => o.items.some((i) => `${i.sku ?? ''} ${i.name}`.toLowerCase().includes(keyword.toLowerCase())),
          storeId === null ? null : (o) => o.advancedOptions.storeId === storeId,
          external === null ? null : (o) => o.orderKey === external,
          ignoreStatusDates
            ? null
            : isoRange<OrderRecord>(req, 'created_at_start', 'created_at_end', (o) => o.createDate),
          ignoreStatusDates
            ? null
            : isoRange<OrderRecord>(req, 'modified_at_start', 'modified_at_end', (o) => o.modifyDate),
          ignoreStatusDates
            ? null
            : isoRange<OrderRecord>(req, 'payment_date_start', 'payment_date_end', (o) =>
                o.paymentDate === null ? null : wallToInstant(o.paymentDate),
              ),
        ],
      );
      const sorted = sortByDate(
        req,
        items,
        { created_at: (o) => o.createDate, modified_at: (o) => o.modifyDate },
        'created_at',
      );
      res.json(page(req, 'shipments', sorted, (o) => v2Shipment(store, o)));
    }),
  );

  router.get(
    '/shipments/external_shipment_id/:externalId',
    asyncRoute((req, res) => {
      const order = store.orderByKey(req.params.externalId);
      if (!order || !order.active) return notFound(res, 'Shipment with external_shipment_id', req.params.externalId);
      res.json(v2Shipment(store, order));
    }),
  );

  router.get(
    '/shipments/:shipmentId',
    asyncRoute((req, res) => {
      const order = orderFromSeId(req.params.shipmentId);
      if (!order) return notFound(res, 'Shipment', req.params.shipmentId);
      res.json(v2Shipment(store, order));
    }),
  );

  router.put(
    '/shipments/:shipmentId/cancel',
    asyncRoute((req, res) => {
      const order = orderFromSeId(req.params.shipmentId);
      if (!order) return notFound(res, 'Shipment', req.params.shipmentId);
      if (store.shipmentsOfOrder(order.orderId).some((s) => !s.voided)) {
        v2Error(
          res,
          400,
          'business_rules',
          'invalid_status',
          'Any label associated with the shipment needs to be voided first.',
        );
        return;
      }
      order.orderStatus = 'cancelled';
      order.modifyDate = ctx.now();
      res.status(204).end();
    }),
  );

  // ---------- labels ----------
  router.get(
    '/labels',
    asyncRoute((req, res) => {
      const labelStatus = q(req, 'label_status');
      const serviceCode = q(req, 'service_code');
      const carrierId = q(req, 'carrier_id');
      const tracking = q(req, 'tracking_number');
      const batchId = q(req, 'batch_id');
      const shipmentId = q(req, 'shipment_id');
      const warehouseId = q(req, 'warehouse_id');
      const items = applyFilters(
        [...store.shipments.values()],
        [
          labelStatus === null ? null : (s) => (s.voided ? 'voided' : 'completed') === labelStatus,
          serviceCode === null ? null : (s) => s.serviceCode === serviceCode,
          carrierId === null ? null : (s) => `se-${s.carrierCode}` === carrierId,
          tracking === null ? null : (s) => s.trackingNumber === tracking,
          batchId === null ? null : () => false,
          shipmentId === null ? null : (s) => se(s.orderId) === shipmentId,
          warehouseId === null ? null : (s) => s.warehouseId !== null && se(s.warehouseId) === warehouseId,
          isoRange<ShipmentRecord>(req, 'created_at_start', 'created_at_end', (s) => s.createDate),
        ],
      );
      const sorted = sortByDate(
        req,
        items,
        { created_at: (s) => s.createDate, modified_at: (s) => s.voidDate ?? s.createDate },
        'created_at',
      );
      res.json(page(req, 'labels', sorted, (s) => v2Label(ctx.v2Base(), s)));
    }),
  );

  const labelFrom = (id: string): ShipmentRecord | undefined => {
    const n = parseSeId(id);
    return n === null ? undefined : store.shipments.get(n);
  };

  router.get(
    '/labels/:labelId',
    asyncRoute((req, res) => {
      const label = labelFrom(req.params.labelId);
      // The spec documents an empty body for this 404.
      if (!label) return void res.status(404).end();
      res.json(v2Label(ctx.v2Base(), label));
    }),
  );

  router.get(
    '/labels/:labelId/track',
    asyncRoute((req, res) => {
      const label = labelFrom(req.params.labelId);
      if (!label) return notFound(res, 'Label', req.params.labelId);
      res.json(v2Tracking(label));
    }),
  );

  router.put(
    '/labels/:labelId/void',
    asyncRoute((req, res) => {
      const label = labelFrom(req.params.labelId);
      if (!label) return notFound(res, 'Label', req.params.labelId);
      if (label.voided) {
        res.json({ approved: false, message: 'Label has already been voided.', reason_code: 'label_already_voided' });
        return;
      }
      store.voidLabel(label.shipmentId);
      res.json({
        approved: true,
        message: 'Request for refund submitted.  This label has been voided.',
        reason_code: null,
      });
    }),
  );

  router.get(
    '/downloads/:dir/:subdir/:filename',
    asyncRoute((req, res) => {
      const id = parseSeId(req.params.subdir);
      if (id === null || !store.shipments.has(id)) return void res.status(404).end();
      res.type('application/pdf').send(Buffer.from(`%PDF-1.4\n% sim label ${req.params.subdir}\n%%EOF\n`));
    }),
  );

  // ---------- fulfillments ----------
  router.get(
    '/fulfillments',
    asyncRoute((req, res) => {
      const shipmentId = q(req, 'shipment_id');
      const number = q(req, 'shipment_number');
      const fulfillmentId = q(req, 'fulfillment_id');
      const tracking = q(req, 'tracking_number');
      const batchId = q(req, 'batch_id');
      const provider = q(req, 'fulfillment_provider_code');
      const shipToName = q(req, 'ship_to_name');
      const country = q(req, 'ship_to_country_code');
      const batch = batchId ? store.batches.get(batchId) : undefined;
      const batchSet = batchId ? new Set(batch && batch.resource === 'fulfillments' ? batch.ids : []) : null;
      const items = applyFilters(
        [...store.fulfillments.values()],
        [
          shipmentId === null ? null : (f) => se(f.orderId) === shipmentId,
          number === null ? null : (f) => f.orderNumber === number,
          fulfillmentId === null ? null : (f) => se(f.fulfillmentId) === fulfillmentId,
          tracking === null ? null : (f) => f.trackingNumber === tracking,
          batchSet === null ? null : (f) => batchSet.has(f.fulfillmentId),
          provider === null ? null : (f) => f.fulfillmentProviderCode === provider,
          shipToName === null ? null : (f) => (f.shipTo.name ?? '').toLowerCase().includes(shipToName.toLowerCase()),
          country === null ? null : (f) => (f.shipTo.country ?? '').toUpperCase() === country.toUpperCase(),
          isoRange<FulfillmentRecord>(req, 'create_date_start', 'create_date_end', (f) => f.createDate),
          isoRange<FulfillmentRecord>(req, 'ship_date_start', 'ship_date_end', (f) =>
            Date.parse(`${f.shipDate}T00:00:00Z`),
          ),
        ],
      );
      const sorted = sortByDate(
        req,
        items,
        { created_at: (f) => f.createDate, ship_date: (f) => Date.parse(`${f.shipDate}T00:00:00Z`) },
        'created_at',
      );
      res.json(page(req, 'fulfillments', sorted, v2Fulfillment));
    }),
  );

  router.post(
    '/fulfillments',
    asyncRoute((req, res) => {
      const body = isObject(req.body) ? req.body : null;
      if (!body || !Array.isArray(body.fulfillments) || body.fulfillments.length === 0) {
        v2Error(
          res,
          400,
          'validation',
          'field_value_required',
          'fulfillments is required and must be a non-empty array.',
        );
        return;
      }
      // Partial success: 200 with per-item results and has_errors (reference §2.5).
      const results = arr(body.fulfillments).map((raw) => {
        const item = isObject(raw) ? raw : {};
        const shipmentId = str(item.shipment_id);
        const carrierCode = str(item.carrier_code);
        const fail = (message: string) => ({
          shipment_id: shipmentId,
          fulfillment_id: null,
          success: false,
          error_message: message,
        });
        if (!shipmentId) return fail('shipment_id is required.');
        if (!carrierCode) return fail('carrier_code is required.');
        const order = orderFromSeId(shipmentId);
        if (!order) return fail(`Shipment ${shipmentId} was not found.`);
        const shipDate = item.ship_date === undefined || item.ship_date === null ? null : parseShipDate(item.ship_date);
        const result = store.markShipped({
          orderId: order.orderId,
          carrierCode,
          shipDate,
          trackingNumber: str(item.tracking_number),
        });
        if ('ok' in result) return fail(result.message);
        return {
          shipment_id: shipmentId,
          fulfillment_id: se(result.fulfillmentId),
          success: true,
          error_message: null,
        };
      });
      res.json({ has_errors: results.some((r) => !r.success), fulfillments: results });
    }),
  );

  // ---------- products ----------
  router.get(
    '/products',
    asyncRoute((req, res) => {
      const sku = q(req, 'sku');
      const name = q(req, 'name');
      const active = q(req, 'active');
      const items = applyFilters(
        [...store.products.values()],
        [
          sku === null ? null : (p) => p.sku === sku,
          name === null ? null : (p) => p.name.toLowerCase().includes(name.toLowerCase()),
          active === null ? null : (p) => p.active === bool(active),
        ],
      ).sort((a, b) => a.productId - b.productId);
      res.json(page(req, 'products', items, v2Product, { defaultSize: 100, maxSize: 100 }));
    }),
  );

  // ---------- inventory ----------
  router.get(
    '/inventory',
    asyncRoute((req, res) => {
      const skus =
        q(req, 'sku')
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean) ?? null;
      const warehouseId = q(req, 'inventory_warehouse_id');
      const locationId = q(req, 'inventory_location_id');
      const groupBy = q(req, 'group_by');
      if (groupBy !== null && groupBy !== 'warehouse' && groupBy !== 'location') {
        throw new V2QueryError('group_by must be warehouse or location.');
      }
      const rows = [...store.inventory.values()]
        .filter(
          (r) =>
            (skus === null || skus.includes(r.sku)) &&
            (warehouseId === null || r.inventoryWarehouseId === warehouseId) &&
            (locationId === null || r.inventoryLocationId === locationId),
        )
        .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
      // Allocation is per SKU; the sim holds it on the SKU's first location.
      const seen = new Set<string>();
      const views = rows.map((row) => {
        const allocated = seen.has(row.sku) ? 0 : store.allocatedFor(row.sku);
        seen.add(row.sku);
        const view = v2Inventory(row, allocated);
        if (groupBy === 'warehouse') delete view.inventory_location_id;
        return view;
      });
      res.json(page(req, 'inventory', views, (v) => v, { defaultSize: 100, sizeParam: 'limit' }));
    }),
  );

  router.post(
    '/inventory',
    asyncRoute((req, res) => {
      const body = isObject(req.body) ? req.body : {};
      const type = str(body.transaction_type);
      const sku = str(body.sku);
      const quantity = num(body.quantity);
      const locationId = str(body.inventory_location_id);
      const missing = [
        ['transaction_type', type],
        ['sku', sku],
        ['quantity', quantity],
        ['inventory_location_id', locationId],
      ].find(([, v]) => v === null)?.[0];
      if (missing) return v2Error(res, 400, 'validation', 'field_value_required', `${missing} is required.`);
      if (!['increment', 'decrement', 'adjust', 'modify'].includes(type as string)) {
        return v2Error(
          res,
          400,
          'validation',
          'invalid_field_value',
          'transaction_type must be increment, decrement, adjust or modify.',
        );
      }
      if (!Number.isInteger(quantity) || (quantity as number) < 0) {
        return v2Error(res, 400, 'validation', 'invalid_field_value', 'quantity must be a non-negative integer.');
      }
      if (locationId !== INVENTORY_LOCATION_ID) {
        return v2Error(
          res,
          400,
          'validation',
          'invalid_identifier',
          `inventory_location_id ${locationId} was not found.`,
        );
      }
      const key = `${sku}\u0000${locationId}`;
      const row = store.inventory.get(key);
      const q2 = quantity as number;
      const cost = isObject(body.cost) ? num(body.cost.amount) : null;
      switch (type) {
        case 'increment':
          store.setInventory(sku as string, (row?.onHand ?? 0) + q2, cost ?? row?.averageCost.amount ?? 0, locationId);
          break;
        case 'decrement':
          if (!row || row.onHand < q2) {
            return v2Error(
              res,
              400,
              'business_rules',
              'invalid_field_value',
              `Not enough inventory of ${sku} to decrement ${q2}.`,
            );
          }
          row.onHand -= q2;
          break;
        case 'adjust':
          store.setInventory(sku as string, q2, cost ?? row?.averageCost.amount ?? 0, locationId);
          break;
        case 'modify': {
          if (!row)
            return v2Error(res, 400, 'validation', 'invalid_identifier', `No inventory of ${sku} at ${locationId}.`);
          const newCost = isObject(body.new_cost) ? num(body.new_cost.amount) : null;
          if (newCost !== null)
            row.averageCost = {
              amount: newCost,
              currency: str(isObject(body.new_cost) ? body.new_cost.currency : null) ?? 'usd',
            };
          break;
        }
      }
      res.status(204).end();
    }),
  );

  router.get(
    '/inventory_warehouses',
    asyncRoute((req, res) => {
      res.json(page(req, 'inventory_warehouses', [v2InventoryWarehouse(ctx.now())], (v) => v, { defaultSize: 100 }));
    }),
  );

  router.get(
    '/inventory_locations',
    asyncRoute((req, res) => {
      const warehouse = q(req, 'inventory_warehouse_id');
      const rows = warehouse === null || warehouse === INVENTORY_WAREHOUSE_ID ? [v2InventoryLocation(ctx.now())] : [];
      res.json(page(req, 'inventory_locations', rows, (v) => v, { defaultSize: 100 }));
    }),
  );

  // ---------- lookups ----------
  router.get(
    '/warehouses',
    asyncRoute((_req, res) => void res.json({ warehouses: [...store.warehouses.values()].map(v2Warehouse) })),
  );

  router.get(
    '/carriers',
    asyncRoute((_req, res) => {
      const carriers = ['stamps_com', 'ups', 'fedex'].map((code) => ({
        carrier_id: `se-${code}`,
        carrier_code: code,
        account_number: 'SIM123',
        requires_funded_amount: code === 'stamps_com',
        balance: 100,
        nickname: code,
        friendly_name: code === 'stamps_com' ? 'USPS' : code.toUpperCase(),
        primary: code === 'stamps_com',
        has_multi_package_supporting_services: code !== 'stamps_com',
        supports_label_messages: true,
        services: [],
        packages: [],
        options: [],
      }));
      res.json({ carriers, request_id: ctx.random.guid(), errors: [] });
    }),
  );

  router.get(
    '/users',
    asyncRoute((req, res) => {
      const users = [
        { user_id: 'se-1', username: 'sim.user', name: 'Sim User', email: 'sim.user@example.com', active: true },
      ];
      res.json(page(req, 'users', users, (u) => u));
    }),
  );

  // ---------- environment webhooks ----------
  router.get(
    '/environment/webhooks',
    asyncRoute((_req, res) => void res.json([...store.v2Webhooks.values()].map(v2Webhook))),
  );

  const parseHeaders = (value: unknown): { key: string; value: string }[] | null => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) return null;
    const out: { key: string; value: string }[] = [];
    for (const h of value) {
      if (!isObject(h) || !str(h.key) || str(h.value) === null) return null;
      out.push({ key: str(h.key) as string, value: str(h.value) as string });
    }
    return out;
  };

  router.post(
    '/environment/webhooks',
    asyncRoute((req, res) => {
      const body = isObject(req.body) ? req.body : {};
      const event = str(body.event);
      const url = str(body.url);
      if (!event) return v2Error(res, 400, 'validation', 'field_value_required', 'event is required.');
      if (!(V2_EVENTS as readonly string[]).includes(event)) {
        return v2Error(res, 400, 'validation', 'invalid_field_value', `event '${event}' is not a valid webhook event.`);
      }
      if (!url) return v2Error(res, 400, 'validation', 'field_value_required', 'url is required.');
      if (!/^https?:\/\/\S+$/i.test(url))
        return v2Error(res, 400, 'validation', 'invalid_field_value', 'url must be an absolute http(s) URL.');
      const headers = parseHeaders(body.headers);
      if (headers === null)
        return v2Error(res, 400, 'validation', 'invalid_field_value', 'headers must be an array of {key, value}.');
      if (ctx.config.v2WebhookOneUrlPerEvent && [...store.v2Webhooks.values()].some((h) => h.event === event)) {
        return v2Error(
          res,
          409,
          'business_rules',
          'webhook_event_type_conflict',
          `A webhook for the event '${event}' already exists.`,
        );
      }
      const storeId = body.store_id === undefined || body.store_id === null ? null : num(body.store_id);
      const hook = store.addV2Webhook({ event: event as V2Event, url, headers, name: str(body.name), storeId });
      res.status(200).json(v2Webhook(hook));
    }),
  );

  router.get(
    '/environment/webhooks/:webhookId',
    asyncRoute((req, res) => {
      const hook = store.v2Webhooks.get(req.params.webhookId);
      if (!hook) return notFound(res, 'Webhook', req.params.webhookId);
      res.json(v2Webhook(hook));
    }),
  );

  router.put(
    '/environment/webhooks/:webhookId',
    asyncRoute((req, res) => {
      const hook = store.v2Webhooks.get(req.params.webhookId);
      if (!hook) return notFound(res, 'Webhook', req.params.webhookId);
      const body = isObject(req.body) ? req.body : {};
      const url = body.url === undefined ? hook.url : str(body.url);
      if (!url || !/^https?:\/\/\S+$/i.test(url))
        return v2Error(res, 400, 'validation', 'invalid_field_value', 'url must be an absolute http(s) URL.');
      const headers = body.headers === undefined ? hook.headers : parseHeaders(body.headers);
      if (headers === null)
        return v2Error(res, 400, 'validation', 'invalid_field_value', 'headers must be an array of {key, value}.');
      hook.url = url;
      hook.headers = headers;
      if (body.name !== undefined) hook.name = str(body.name);
      if (body.store_id !== undefined) hook.storeId = num(body.store_id);
      res.status(204).end();
    }),
  );

  router.delete(
    '/environment/webhooks/:webhookId',
    asyncRoute((req, res) => {
      if (!store.v2Webhooks.delete(req.params.webhookId)) return notFound(res, 'Webhook', req.params.webhookId);
      res.status(204).end();
    }),
  );

  router.use((req, res) => {
    v2Error(res, 404, 'validation', 'unspecified', `No resource matches ${req.method} ${req.baseUrl}${req.path}.`);
  });

  return router;
}

export function v2ErrorHandler(err: unknown, _req: Request, res: Response, next: (err?: unknown) => void): void {
  if (res.headersSent) {
    next(err);
    return;
  }
  if (err instanceof V2QueryError) {
    v2Error(res, 400, 'validation', 'invalid_field_value', err.message);
    return;
  }
  if (isObject(err) && (err.type === 'entity.parse.failed' || err.status === 400)) {
    v2Error(res, 400, 'validation', 'invalid_object', 'The request body is not valid JSON.');
    return;
  }
  res.status(500).end();
}
