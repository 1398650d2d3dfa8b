// `/__sim/*`: inspection and test controls. Not part of ShipStation; no auth, no rate limit.
import express, { type Request, type Response, type Router } from 'express';
import { asyncRoute, type SimContext } from './context';
import { applyConfigPatch, publicConfig } from './config';
import { generateDataset } from './data';
import { isObject, num, str, type Json } from './input';
import { parseShipDate } from './time';
import { formatUtcIso } from './time';
import { v1Order, v1Shipment, v1Fulfillment } from './v1-views';
import { maskUrl } from './webhooks';

export interface ControlActions {
  reset(): void;
  rotateSigningKey(): Promise<string>;
  urls(): { v1Url: string; v2Url: string; jwksUrl: string };
}

export function simSnapshot(
  ctx: SimContext,
  urls: { v1Url: string; v2Url: string; jwksUrl: string },
): Record<string, unknown> {
  const { store } = ctx;
  return {
    now: formatUtcIso(ctx.now()),
    urls,
    config: publicConfig(ctx.config),
    counts: {
      orders: store.orders.size,
      customers: store.customers.size,
      products: store.products.size,
      shipments: store.shipments.size,
      fulfillments: store.fulfillments.size,
      v1Webhooks: store.v1Webhooks.size,
      v2Webhooks: store.v2Webhooks.size,
      deliveries: ctx.webhooks.deliveries.length,
      requests: ctx.counters.requests,
    },
    rateLimited429: ctx.counters.rateLimited429,
    forced429: ctx.counters.forced429,
    errors5xx: ctx.counters.errors5xx,
    webhooks: {
      v1: [...store.v1Webhooks.values()].map((h) => ({
        id: h.webhookId,
        event: h.hookType,
        storeId: h.storeId,
        name: h.name,
        target: maskUrl(h.url),
      })),
      v2: [...store.v2Webhooks.values()].map((h) => ({
        id: h.webhookId,
        event: h.event,
        storeId: h.storeId,
        name: h.name,
        target: maskUrl(h.url),
        headers: h.headers.map((x) => x.key),
      })),
    },
    requests: ctx.requests,
    deliveries: ctx.webhooks.deliveries,
  };
}

function fail(res: Response, status: number, error: string | string[]): void {
  res.status(status).json({ error: Array.isArray(error) ? error.join('; ') : error });
}

export function controlRouter(ctx: SimContext, actions: ControlActions): Router {
  const router = express.Router();
  router.use(express.json({ limit: '20mb' }));
  const { store } = ctx;
  const orderId = (req: Request): number => Number(req.params.orderId);
  const body = (req: Request): Json => (isObject(req.body) ? req.body : {});

  router.get('/state', (_req, res) => void res.json(simSnapshot(ctx, actions.urls())));

  router.post('/reset', (_req, res) => {
    actions.reset();
    res.json({ ok: true });
  });

  router.post('/config', (req, res) => {
    const errors = applyConfigPatch(ctx.config, req.body);
    if (errors.length > 0) return fail(res, 400, errors);
    res.json(publicConfig(ctx.config));
  });

  router.post('/seed', (req, res) => {
    const b = body(req);
    const result: { orders: number[]; errors: string[] } = { orders: [], errors: [] };
    const announce = b.announce === true;
    if (isObject(b.generate)) {
      const count = num(b.generate.orders) ?? 0;
      const generated = store.seed(
        generateDataset({ orders: count, seed: num(b.generate.seed) ?? 1 }) as unknown as Json,
        {
          lockedStatus: ctx.config.lockedOrderStatus,
          announce,
        },
      );
      result.orders.push(...generated.orders);
      result.errors.push(...generated.errors);
    }
    const explicit = store.seed(b, { lockedStatus: ctx.config.lockedOrderStatus, announce });
    result.orders.push(...explicit.orders);
    result.errors.push(...explicit.errors);
    res.status(result.errors.length > 0 ? 400 : 200).json(result);
  });

  /** Creates an order as a store import would (fires ORDER_NOTIFY unless awaiting_payment). */
  router.post('/orders', (req, res) => {
    const result = store.upsertOrder(req.body, { lockedStatus: ctx.config.lockedOrderStatus });
    if (!result.ok)
      return fail(res, result.status, `${result.message} ${JSON.stringify(result.modelState ?? {})}`.trim());
    if (result.notify) store.announceOrders([result.order.orderId]);
    res.json(v1Order(result.order));
  });

  /** Buys a label for the order: creates a V1 shipment / V2 label, fires SHIP_NOTIFY. */
  router.post('/orders/:orderId/ship', (req, res) => {
    const b = body(req);
    const result = store.createLabel(orderId(req), {
      carrierCode: str(b.carrierCode) ?? undefined,
      serviceCode: str(b.serviceCode) ?? undefined,
      packageCode: str(b.packageCode) ?? undefined,
      trackingNumber: str(b.trackingNumber) ?? undefined,
      shipDate: parseShipDate(b.shipDate) ?? undefined,
    });
    if ('ok' in result) return fail(res, result.status, result.message);
    res.json(v1Shipment(result, true));
  });

  /** A non-import edit: bumps modifyDate (optionally status/notes); no webhook except awaiting_payment -> paid. */
  router.post('/orders/:orderId/touch', (req, res) => {
    const order = store.touchOrder(orderId(req), body(req));
    if (!order) return fail(res, 404, `order ${req.params.orderId} not found`);
    res.json(v1Order(order));
  });

  /** The fulfillment provider ships a pending_fulfillment order (FULFILLMENT_SHIPPED). */
  router.post('/orders/:orderId/fulfill', (req, res) => {
    const b = body(req);
    const result = store.markShipped({
      orderId: orderId(req),
      carrierCode: str(b.carrierCode) ?? 'usps',
      trackingNumber: str(b.trackingNumber) ?? `SIM3PL${String(orderId(req)).slice(-6)}`,
      shipDate: parseShipDate(b.shipDate),
      provider: true,
    });
    if ('ok' in result) return fail(res, result.status, result.message);
    res.json(v1Fulfillment(result));
  });

  /** The fulfillment provider rejects a pending_fulfillment order (FULFILLMENT_REJECTED). */
  router.post('/orders/:orderId/reject', (req, res) => {
    const result = store.rejectFulfillment(orderId(req));
    if ('ok' in result) return fail(res, result.status, result.message);
    res.json(v1Order(result));
  });

  /** A carrier tracking update for a label (V2 `track_event_v2`, data inline). */
  router.post('/labels/:shipmentId/track', (req, res) => {
    const shipment = store.shipments.get(Number(req.params.shipmentId));
    if (!shipment) return fail(res, 404, `label ${req.params.shipmentId} not found`);
    const b = body(req);
    const data = {
      tracking_number: shipment.trackingNumber,
      status_code: str(b.status_code) ?? 'IT',
      carrier_code: shipment.carrierCode,
      status_description: str(b.description) ?? 'In Transit',
      events: [
        {
          occurred_at: formatUtcIso(ctx.now()),
          description: str(b.description) ?? 'In Transit',
          status_code: str(b.status_code) ?? 'IT',
        },
      ],
    };
    ctx.webhooks.sendTrack(shipment.shipmentId, data);
    res.json({ ok: true });
  });

  router.post('/webhooks/redeliver', (req, res) => {
    const b = body(req);
    const version = b.version === 'v1' || b.version === 'v2' ? b.version : undefined;
    res.json({ redelivered: ctx.webhooks.redeliver(num(b.count) ?? 1, version) });
  });

  router.post(
    '/webhooks/flush',
    asyncRoute(async (_req, res) => {
      await ctx.webhooks.idle();
      res.json({ deliveries: ctx.webhooks.deliveries });
    }),
  );

  router.post(
    '/webhooks/rotate-key',
    asyncRoute(async (_req, res) => {
      res.json({ kid: await actions.rotateSigningKey() });
    }),
  );

  router.get('/orders/:orderId', (req, res) => {
    const order = store.orders.get(orderId(req));
    if (!order) return fail(res, 404, `order ${req.params.orderId} not found`);
    res.json(v1Order(order));
  });

  router.use((err: unknown, _req: Request, res: Response, next: (err?: unknown) => void) => {
    if (res.headersSent) return next(err);
    fail(
      res,
      isObject(err) && err.type === 'entity.parse.failed' ? 400 : 500,
      err instanceof Error ? err.message : String(err),
    );
  });

  return router;
}
