/**
 * Simulated Sage X3: GraphQL (/xtrem/api), REST api1, classic SOAP, OAuth2 token endpoint and
 * the /__sim inspection API over one in-memory store. See sim/x3/README.md.
 *
 * Standalone: npx tsx sim/x3/server.ts --port 8101 [--host 127.0.0.1] [--records 50] [--seed 1] [--schema current|alternative|xtremX3-2023]
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'net';
import type { Server } from 'http';
import { AuthService } from './auth';
import {
  DEFAULT_PUBLICATIONS,
  resolveAuth,
  resolveKnobs,
  type AuthSettings,
  type SoapPublications,
  type X3SimKnobs,
  type X3SimOptions,
} from './config';
import { diagnoses, type SimContext } from './context';
import { DEFAULT_LOOKUPS, generateX3Data, loadX3Data, STOCK_SITES } from './data';
import { buildEntityDefs, ENTITY_NAMES } from './entities';
import { applySchemaVariant, isSchemaVariant, SCHEMA_VARIANTS, variantPrefix } from './schema-variants';
import { FaultInjector, LicenceMeter } from './faults';
import { graphqlRouter } from './graphql-route';
import { buildX3Schema } from './graphql-schema';
import { inspectRouter } from './inspect-route';
import { SimLogs } from './logs';
import { QueryEngine } from './query';
import { restRouter } from './rest-route';
import { LOGOUT_PATH, SessionRegistry, type SessionStats } from './sessions';
import { soapRouter, SOAP_PATH } from './soap-route';
import { X3Store, type Lookups } from './store';
import { toX3Stamp } from './values';

export type { X3SimOptions, X3SimKnobs } from './config';
export type { X3Store, StoredRecord } from './store';
export type { SimLogs } from './logs';
export type { SessionStats } from './sessions';

export interface X3Sim {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** The folder names (X3 endpoints / SOAP pool aliases). */
  folders: string[];
  store: X3Store;
  /** Live knobs; mutate directly or through POST /__sim/config. */
  config: X3SimKnobs;
  logs: SimLogs;
  /** The effective auth settings (contains secrets: for tests that mint tokens). */
  auth: AuthSettings;
  publications: SoapPublications;
  /** Syracuse sessions opened, reused, expired and ended (also in GET /__sim/state). */
  sessions(): SessionStats;
  /** Same as POST /__sim/reset. */
  reset(): void;
  close(): Promise<void>;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function startX3Sim(options: X3SimOptions = {}): Promise<X3Sim> {
  const now = options.now ?? Date.now;
  const knobs = resolveKnobs(options);
  if (options.licence) Object.assign(knobs.licence, options.licence);
  const serverNow = (): number => now() + knobs.clockSkewMs;
  const folders = options.folders ?? [options.folder ?? 'SEED'];
  const authSettings = resolveAuth(options.auth);
  const publications: SoapPublications = { ...DEFAULT_PUBLICATIONS, ...(options.soap?.publications ?? {}) };
  const logs = new SimLogs();
  const variant = options.schemaVariant ?? 'current';
  const prefix = options.graphqlPackagePrefix ?? variantPrefix(variant);
  const defs = applySchemaVariant(buildEntityDefs(options.customFields), variant);
  const store = new X3Store(defs, serverNow, logs);
  const engine = new QueryEngine(store);
  const auth = new AuthService(authSettings, serverNow, knobs, logs);
  const sessions = new SessionRegistry(serverNow, () => knobs.sessionIdleSeconds * 1000);
  const faults = new FaultInjector(knobs);
  const licence = new LicenceMeter(knobs, serverNow);
  const schema = buildX3Schema({ store, engine, knobs, prefix });

  const ctx: SimContext = {
    store,
    engine,
    knobs,
    auth,
    sessions,
    logs,
    faults,
    licence,
    folders,
    publications,
    restRepresentations: options.restRepresentations ?? {},
    schema,
    serverNow,
    sleep: options.sleep ?? defaultSleep,
  };

  const loadInitialData = (): void => {
    for (const [kind, table] of Object.entries(DEFAULT_LOOKUPS))
      Object.assign(store.lookups[kind as keyof Lookups], table);
    const counts = options.records ?? {};
    if (ENTITY_NAMES.some((n) => (counts[n] ?? 0) > 0)) {
      const full = Object.fromEntries(ENTITY_NAMES.map((n) => [n, counts[n] ?? 0]));
      loadX3Data(store, generateX3Data({ seed: options.dataSeed ?? 1, counts: full, now: serverNow() }));
    }
  };

  const reset = (): void => {
    store.clear();
    logs.clear();
    const fresh = resolveKnobs(options);
    if (options.licence) Object.assign(fresh.licence, options.licence);
    Object.assign(knobs, fresh);
    auth.reset();
    sessions.reset();
    faults.reset();
    licence.reset();
    loadInitialData();
  };
  loadInitialData();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.post(
    authSettings.oauth2.tokenPath,
    express.urlencoded({ extended: false }),
    express.json(),
    async (req: Request, res: Response) => {
      const at = toX3Stamp(serverNow());
      if (knobs.latencyMs > 0) await ctx.sleep(knobs.latencyMs);
      const body = typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
      const result = auth.token(body, req.get('authorization'));
      logs.addRequest({
        at,
        face: 'token',
        method: 'POST',
        path: authSettings.oauth2.tokenPath,
        status: result.status,
        delayMs: knobs.latencyMs,
      });
      res.status(result.status).set('Cache-Control', 'no-store').json(result.body);
    },
  );

  // Syracuse logout: ends the session named by the cookie (204 either way; nothing to leak)
  app.post(LOGOUT_PATH, (req: Request, res: Response) => {
    sessions.logout(req.get('cookie'));
    logs.addRequest({
      at: toX3Stamp(serverNow()),
      face: 'session',
      method: 'POST',
      path: LOGOUT_PATH,
      status: 204,
      delayMs: 0,
    });
    res.status(204).end();
  });

  app.use(
    inspectRouter(ctx, {
      reset,
      publicSettings: () => ({
        folders,
        graphqlPackagePrefix: prefix,
        schemaVariant: variant,
        publications,
        tokenPath: authSettings.oauth2.tokenPath,
        authMethods: authSettings.methods,
        soapPath: SOAP_PATH,
      }),
    }),
  );
  app.use(graphqlRouter(ctx));
  app.use(restRouter(ctx));
  app.use(soapRouter(ctx));

  app.use((req: Request, res: Response) => {
    res.status(404).json(diagnoses(`Not found: ${req.method} ${req.path}`));
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status =
      typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number'
        ? (error as { status: number }).status
        : 500;
    const message = status < 500 ? (error as Error).message : 'Internal server error';
    if (status >= 500) console.error('[x3-sim]', error);
    if (req.path === '/xtrem/api') res.status(status).json({ errors: [{ message }] });
    else res.status(status).json(diagnoses(message));
  });

  const host = options.host ?? '127.0.0.1';
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, host, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    folders,
    store,
    config: knobs,
    logs,
    auth: authSettings,
    publications,
    sessions: () => sessions.stats(),
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const records = Number(argValue(args, 'records') ?? 50);
  const products = Math.max(10, Math.ceil(records / 2));
  const variant = argValue(args, 'schema') ?? 'current';
  if (!isSchemaVariant(variant)) throw new Error(`--schema must be one of ${SCHEMA_VARIANTS.join(', ')}`);
  const sim = await startX3Sim({
    schemaVariant: variant,
    port: Number(argValue(args, 'port') ?? 8101),
    host: argValue(args, 'host') ?? '127.0.0.1',
    dataSeed: Number(argValue(args, 'seed') ?? 1),
    records: {
      customer: Math.max(10, Math.ceil(records / 2)),
      product: products,
      salesOrder: records,
      salesDelivery: records,
      purchaseOrder: Math.ceil(records / 2),
      // every product at every site the generated orders ship from
      stock: products * STOCK_SITES.length,
    },
  });
  const a = sim.auth;
  // demo credentials of a local simulator, printed on purpose so the demo can be configured
  console.log(
    [
      `Sage X3 simulator listening on ${sim.url}`,
      `  folder (x-xtrem-endpoint / REST endpoint / SOAP poolAlias): ${sim.folders.join(', ')}`,
      `  GraphQL: POST ${sim.url}/xtrem/api`,
      `  REST:    ${sim.url}/api1/x3/erp/${sim.folders[0]}/SDELIVERY?representation=SDELIVERY.$query`,
      `  SOAP:    POST ${sim.url}${SOAP_PATH}`,
      `  Basic users: ${Object.entries(a.basicUsers)
        .map(([u, p]) => `${u} / ${p}`)
        .join(', ')}`,
      `  Connected app: client id ${a.connectedApp.clientId}, secret ${a.connectedApp.secret}, users ${a.connectedApp.allowedUsers.join(', ')}`,
      `  OAuth2: POST ${sim.url}${a.oauth2.tokenPath} client ${a.oauth2.clientId} / ${a.oauth2.clientSecret}, refresh token ${a.oauth2.initialRefreshToken}`,
      `  Inspection: GET ${sim.url}/__sim/state`,
    ].join('\n'),
  );
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
