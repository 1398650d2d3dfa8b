// Simulated ShipStation: a V1 listener (role of https://ssapi.shipstation.com) and a V2
// listener (role of https://api.shipstation.com, paths under /v2, plus /jwks) sharing one
// account. Run standalone: `npx tsx sim/shipstation/server.ts --port 8103 [--v2-port 8104]`.
import express, { type Request, type Response } from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultConfig, applyConfigPatch, DEFAULT_V1_CREDENTIAL, DEFAULT_V2_CREDENTIAL } from './config';
import type { SimContext } from './context';
import { controlRouter, simSnapshot } from './control-routes';
import { generateDataset } from './data';
import { apiGate, v1Error, v2Error } from './gate';
import type { Json } from './input';
import { createRandom } from './random';
import { FixedWindowLimiter } from './rate-limit';
import { createSigningKey, toJwk, type Jwk } from './signing';
import { ShipStationStore, type LabelOptions, type ValidationFailure } from './store';
import type {
  DeliveryRecord,
  FulfillmentRecord,
  OrderRecord,
  RequestLogEntry,
  ShipmentRecord,
  ShipStationSimConfig,
  ShipStationSimOptions,
} from './types';
import { v1ErrorHandler, v1Router } from './v1-routes';
import { v2ErrorHandler, v2Router } from './v2-routes';
import { WebhookDispatcher } from './webhooks';

export type { ShipStationSimOptions, ShipStationSimConfig } from './types';
export { generateDataset } from './data';

/** Live, typed view of the simulated account and its logs (mutating it changes the sim). */
export interface ShipStationSimState {
  store: ShipStationStore;
  requests: RequestLogEntry[];
  deliveries: DeliveryRecord[];
  counters: SimContext['counters'];
}

export interface ShipStationSim {
  /** Same as v1Url (the V1 listener also serves `/__sim`). */
  url: string;
  /** Base of the V1 API, e.g. `http://127.0.0.1:8103` (paths `/orders`, `/shipments`, ...). */
  v1Url: string;
  /** Host root of the V2 API, e.g. `http://127.0.0.1:8104` (paths `/v2/...`). */
  v2Url: string;
  /** JWKS with the public key(s) that sign V2 webhooks. */
  jwksUrl: string;
  port: number;
  v1Port: number;
  v2Port: number;
  config: ShipStationSimConfig;
  state: ShipStationSimState;
  close(): Promise<void>;
  /** Same as `POST /__sim/reset`. */
  reset(): void;
  configure(patch: Partial<ShipStationSimConfig>): ShipStationSimConfig;
  /** Same as `POST /__sim/seed` without `generate`. */
  seed(doc: unknown, opts?: { announce?: boolean }): { orders: number[]; errors: string[] };
  /** Import an order like a store would (fires ORDER_NOTIFY / shipment_created_v2). */
  createOrder(body: unknown): OrderRecord;
  /** Buy a label for an order (fires SHIP_NOTIFY / label_created_v2). */
  shipOrder(orderId: number, opts?: LabelOptions): ShipmentRecord;
  touchOrder(orderId: number, patch?: Json): OrderRecord;
  fulfillOrder(orderId: number, opts?: { carrierCode?: string; trackingNumber?: string }): FulfillmentRecord;
  rejectOrder(orderId: number): OrderRecord;
  /** Wait until every queued webhook delivery has been attempted. */
  flushWebhooks(): Promise<void>;
  jwks(): { keys: Jwk[] };
  rotateSigningKey(): Promise<string>;
  /** What `GET /__sim/state` returns. */
  snapshot(): Record<string, unknown>;
}

function listen(app: express.Express, port: number, host: string): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startShipStationSim(options: ShipStationSimOptions = {}): Promise<ShipStationSim> {
  const {
    v1Port = 0,
    v2Port = 0,
    host = '127.0.0.1',
    now = Date.now,
    seed = 1,
    orders: initialOrders = 0,
    ...knobs
  } = options;
  const config = defaultConfig();
  const optionErrors = applyConfigPatch(
    config,
    Object.fromEntries(Object.entries(knobs).filter(([, v]) => v !== undefined)),
  );
  if (optionErrors.length > 0) throw new Error(`invalid ShipStation sim options: ${optionErrors.join('; ')}`);

  const random = createRandom(seed);
  const store = new ShipStationStore(now, random);
  const limiter = new FixedWindowLimiter(now);
  let keySeq = 1;
  const signingKeys = [await createSigningKey(`sim-key-${keySeq}`)];
  let v1Base = '';
  let v2Base = '';
  const ctx: SimContext = {
    store,
    config,
    now,
    random,
    limiter,
    signingKeys,
    v1Base: () => v1Base,
    v2Base: () => v2Base,
    requests: [],
    counters: { requests: 0, rateLimited429: 0, forced429: 0, errors5xx: 0, requestSeq: 0 },
    webhooks: undefined as unknown as WebhookDispatcher,
  };
  ctx.webhooks = new WebhookDispatcher({
    store,
    config: () => config,
    now,
    v1Base: () => v1Base,
    v2Base: () => v2Base,
    signingKey: () => signingKeys[signingKeys.length - 1],
  });
  store.onEvent((event) => ctx.webhooks.handle(event));

  const loadInitialData = (): void => {
    if (initialOrders > 0) {
      const result = store.seed(generateDataset({ orders: initialOrders, seed }) as unknown as Json, {
        lockedStatus: config.lockedOrderStatus,
      });
      if (result.errors.length > 0) throw new Error(`generated data rejected: ${result.errors.join('; ')}`);
    }
  };
  loadInitialData();

  const reset = (): void => {
    ctx.webhooks.cancelPending();
    store.reset();
    ctx.webhooks.reset();
    limiter.reset();
    ctx.requests.length = 0;
    Object.assign(ctx.counters, { requests: 0, rateLimited429: 0, forced429: 0, errors5xx: 0, requestSeq: 0 });
    config.burst429 = 0;
    loadInitialData();
  };
  const rotateSigningKey = async (): Promise<string> => {
    keySeq += 1;
    signingKeys.push(await createSigningKey(`sim-key-${keySeq}`));
    // Keep the previous key published so deliveries signed just before the rotation verify.
    while (signingKeys.length > 2) signingKeys.shift();
    return signingKeys[signingKeys.length - 1].kid;
  };
  const jwks = () => ({ keys: signingKeys.map(toJwk) });
  const urls = () => ({ v1Url: v1Base, v2Url: v2Base, jwksUrl: `${v2Base}/jwks` });
  const actions = { reset, rotateSigningKey, urls };

  // V1 host: /__sim, then every other path is the authenticated, rate-limited V1 API.
  const v1App = express();
  v1App.disable('x-powered-by');
  v1App.set('etag', false);
  v1App.use('/__sim', controlRouter(ctx, actions));
  v1App.use(apiGate(ctx, 'v1'));
  v1App.use(express.json({ limit: '5mb' }));
  v1App.use(v1Router(ctx));
  v1App.use((req: Request, res: Response) =>
    v1Error(res, 404, `No HTTP resource was found that matches the request URI '${v1Base}${req.originalUrl}'.`),
  );
  v1App.use(v1ErrorHandler);

  // V2 host: /__sim, /jwks (public), /v2/* behind api-key; anything else is not V2.
  const v2App = express();
  v2App.disable('x-powered-by');
  v2App.set('etag', false);
  v2App.use('/__sim', controlRouter(ctx, actions));
  v2App.get('/jwks', (_req, res) => void res.json(jwks()));
  v2App.use('/v2', apiGate(ctx, 'v2'), express.json({ limit: '5mb' }), v2Router(ctx));
  v2App.use((req: Request, res: Response) =>
    v2Error(res, 404, 'validation', 'unspecified', `No resource matches ${req.method} ${req.path}.`),
  );
  v2App.use(v2ErrorHandler);

  const v1Server = await listen(v1App, v1Port, host);
  let v2Server: http.Server;
  try {
    v2Server = await listen(v2App, v2Port, host);
  } catch (err) {
    await closeServer(v1Server);
    throw err;
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const v1Actual = (v1Server.address() as AddressInfo).port;
  const v2Actual = (v2Server.address() as AddressInfo).port;
  v1Base = `http://${urlHost}:${v1Actual}`;
  v2Base = `http://${urlHost}:${v2Actual}`;

  const orThrow = <T extends object>(result: T | ValidationFailure): T => {
    if ('ok' in result && result.ok === false) throw new Error(result.message);
    return result as T;
  };

  return {
    url: v1Base,
    v1Url: v1Base,
    v2Url: v2Base,
    jwksUrl: `${v2Base}/jwks`,
    port: v1Actual,
    v1Port: v1Actual,
    v2Port: v2Actual,
    config,
    state: {
      store,
      requests: ctx.requests,
      deliveries: ctx.webhooks.deliveries,
      counters: ctx.counters,
    },
    async close() {
      ctx.webhooks.close();
      await Promise.all([closeServer(v1Server), closeServer(v2Server)]);
    },
    reset,
    configure(patch) {
      const errors = applyConfigPatch(config, patch);
      if (errors.length > 0) throw new Error(errors.join('; '));
      return config;
    },
    seed(doc, opts = {}) {
      return store.seed(doc as Json, { lockedStatus: config.lockedOrderStatus, announce: opts.announce });
    },
    createOrder(body) {
      const result = store.upsertOrder(body, { lockedStatus: config.lockedOrderStatus });
      if (!result.ok) throw new Error(`${result.message} ${JSON.stringify(result.modelState ?? {})}`);
      if (result.notify) store.announceOrders([result.order.orderId]);
      return result.order;
    },
    shipOrder(orderId, opts = {}) {
      return orThrow(store.createLabel(orderId, opts));
    },
    touchOrder(orderId, patch = {}) {
      const order = store.touchOrder(orderId, patch);
      if (!order) throw new Error(`order ${orderId} not found`);
      return order;
    },
    fulfillOrder(orderId, opts = {}) {
      return orThrow(
        store.markShipped({
          orderId,
          carrierCode: opts.carrierCode ?? 'usps',
          trackingNumber: opts.trackingNumber ?? `SIM3PL${String(orderId).slice(-6)}`,
          provider: true,
        }),
      );
    },
    rejectOrder(orderId) {
      return orThrow(store.rejectFulfillment(orderId));
    },
    flushWebhooks: () => ctx.webhooks.idle(),
    jwks,
    rotateSigningKey,
    snapshot: () => simSnapshot(ctx, urls()),
  };
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith('--')) continue;
    const [key, inline] = arg.slice(2).split('=', 2);
    out[key] = inline ?? (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true');
  }
  return out;
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  const v1Port = Number(args.port ?? process.env.SHIPSTATION_SIM_PORT ?? 8103);
  const v2Port = Number(args['v2-port'] ?? process.env.SHIPSTATION_SIM_V2_PORT ?? v1Port + 1);
  startShipStationSim({
    v1Port,
    v2Port,
    host: args.host ?? '127.0.0.1',
    orders: Number(args.orders ?? 25),
    seed: Number(args.seed ?? 1),
    rateWindowMs: args['window-ms'] ? Number(args['window-ms']) : undefined,
    v1Credentials: [
      {
        key: process.env.SHIPSTATION_SIM_V1_KEY ?? DEFAULT_V1_CREDENTIAL.key,
        secret: process.env.SHIPSTATION_SIM_V1_SECRET ?? DEFAULT_V1_CREDENTIAL.secret,
        name: 'default-v1',
      },
    ],
    v2Credentials: [{ apiKey: process.env.SHIPSTATION_SIM_V2_KEY ?? DEFAULT_V2_CREDENTIAL.apiKey, name: 'default-v2' }],
  })
    .then((sim) => {
      // Credentials are not printed; the defaults are in sim/shipstation/README.md.
      process.stdout.write(
        `ShipStation sim: V1 ${sim.v1Url}  V2 ${sim.v2Url}/v2  JWKS ${sim.jwksUrl}  inspect ${sim.url}/__sim/state\n`,
      );
      const stop = (): void => {
        sim.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((err: unknown) => {
      process.stderr.write(`ShipStation sim failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
