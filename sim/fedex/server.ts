/**
 * Simulated FedEx REST API (OAuth, Ship, Freight LTL, Track, AIV webhooks) for tests and demos.
 * Behaviour follows /work/shared/reference/fedex-api.md and FedEx's OpenAPI specs; see README.md.
 *
 *   const sim = await startFedexSim({ port: 0, now: () => clock });
 *   npx tsx sim/fedex/server.ts --port 8102
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { clientIp, isLockedOut, issueToken, requireBearer, sendLockout, tokenRequestLockedOut } from './auth';
import { ConfigError, applyConfigPatch, configPatchFromOptions, defaultConfig } from './config';
import { FedexHttpError, MSG, envelope } from './errors';
import { asyncHandler, customerTransactionId } from './http-helpers';
import { chargeQuota, delay, injectedFault } from './limits';
import { adminRouter } from './routes/admin';
import { documentsRouter } from './routes/documents';
import { shipRouter } from './routes/ship';
import { trackRouter } from './routes/track';
import { SimRuntime, pushCapped } from './runtime';
import type { FedexSim, FedexSimOptions, TokenOutcome } from './types';
import { WebhookDispatcher } from './webhooks';

export type * from './types';
export { signBody as signWebhookBody } from './webhooks';

const TRACK_PATHS = new Set(['/track/v1/trackingnumbers', '/track/v1/referencenumbers']);
const BUSINESS_PATHS = new Set([
  '/ship/v1/shipments',
  '/ship/v1/shipments/packages/validate',
  '/ship/v1/shipments/results',
  '/ship/v1/shipments/cancel',
  '/ship/v1/freight/shipments',
  ...TRACK_PATHS,
]);

function isJsonParseError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { type?: unknown }).type === 'entity.parse.failed';
}

function buildApp(rt: SimRuntime, webhooks: WebhookDispatcher): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(
    '/__sim',
    adminRouter(rt, webhooks, () => webhooks.restartTimer()),
  );

  // Inspection record of every API request (not /__sim).
  app.use((req, res, next) => {
    const at = rt.now();
    res.on('finish', () => {
      const auth = res.locals.auth as { clientId?: string } | undefined;
      pushCapped(rt.state.requests, {
        at,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        clientId: auth?.clientId,
        customerTransactionId: customerTransactionId(req),
      });
    });
    next();
  });

  /* ---- OAuth: thresholds/lockout first, then faults, then credentials ---- */
  app.post(
    '/oauth/token',
    express.urlencoded({ extended: false, limit: '100kb' }),
    asyncHandler(async (req: Request, res: Response) => {
      const ip = clientIp(req);
      const record = (outcome: TokenOutcome, status: number, grantType?: string, clientId?: string) =>
        pushCapped(rt.state.tokenRequests, { at: rt.now(), ip, outcome, status, grantType, clientId });
      const formGrant = typeof req.body?.grant_type === 'string' ? (req.body.grant_type as string) : undefined;
      const formClient = typeof req.body?.client_id === 'string' ? (req.body.client_id as string) : undefined;
      if (tokenRequestLockedOut(rt, ip)) {
        record('locked_out', 403, formGrant, formClient);
        sendLockout(res);
        return;
      }
      await delay(rt.config.latencyMs);
      const fault = injectedFault(rt, req.path, false);
      if (fault) {
        record('fault', fault.status, formGrant, formClient);
        res.status(fault.status).json(envelope(fault.errors, customerTransactionId(req)));
        return;
      }
      const result = issueToken(rt, req);
      record(result.outcome, result.status, result.grantType, result.clientId);
      res.status(result.status).json(result.body);
    }),
  );

  /* ---- everything else: a locked-out IP gets the bare 403 ---- */
  app.use((req, res, next) => {
    if (isLockedOut(rt, clientIp(req))) {
      sendLockout(res);
      return;
    }
    next();
  });
  app.use((_req, _res, next) => {
    delay(rt.config.latencyMs).then(() => next(), next);
  });

  app.use(documentsRouter(rt));

  /* ---- business calls: faults → bearer → quota → JSON body → route ---- */
  const isBusiness = (req: Request) => BUSINESS_PATHS.has(req.path);
  const bearer = requireBearer(rt);
  const jsonBody = express.json({ limit: '10mb' });
  app.use((req, res, next) => {
    if (!isBusiness(req)) {
      next();
      return;
    }
    const fault = injectedFault(rt, req.path, true);
    if (fault) {
      next(fault);
      return;
    }
    bearer(req, res, (err?: unknown) => {
      if (err) {
        next(err);
        return;
      }
      const quota = chargeQuota(
        rt,
        (res.locals.auth as { clientId: string }).clientId,
        req.path,
        TRACK_PATHS.has(req.path),
      );
      if (quota) {
        next(quota);
        return;
      }
      if ((req.method === 'POST' || req.method === 'PUT') && !req.is('application/json')) {
        next(
          new FedexHttpError(400, [
            {
              code: 'INVALID.INPUT.EXCEPTION',
              message: MSG.invalidInput,
              parameterList: [{ key: 'content-type', value: 'must be application/json' }],
            },
          ]),
        );
        return;
      }
      // FedEx has the whole request once its body is read: it is processed even if the caller hangs up.
      jsonBody(req, res, (err?: unknown) => {
        if (err) next(err);
        else delay(rt.config.routeLatencyMs[req.path] ?? 0).then(() => next(), next);
      });
    });
  });
  app.use(shipRouter(rt));
  app.use(trackRouter(rt));

  app.use((req, _res, next) => {
    next(new FedexHttpError(404, [{ code: 'NOT.FOUND.ERROR', message: MSG.notFound }]));
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const ctid = customerTransactionId(req);
    if (err instanceof FedexHttpError) {
      for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
      res.status(err.status).json(envelope(err.errors, ctid));
      return;
    }
    if (isJsonParseError(err)) {
      res.status(400).json(
        envelope(
          [
            {
              code: 'INVALID.INPUT.EXCEPTION',
              message: MSG.invalidInput,
              parameterList: [{ key: 'body', value: 'malformed JSON' }],
            },
          ],
          ctid,
        ),
      );
      return;
    }
    res.status(500).json(envelope([{ code: 'INTERNAL.SERVER.ERROR', message: MSG.internal }], ctid));
  });
  return app;
}

export async function startFedexSim(options: FedexSimOptions = {}): Promise<FedexSim> {
  const config = defaultConfig();
  applyConfigPatch(config, configPatchFromOptions(options));
  const rt = new SimRuntime(config, options.now ?? Date.now);
  const webhooks = new WebhookDispatcher(rt);
  for (const t of options.webhookTargets ?? []) webhooks.register(t);
  const app = buildApp(rt, webhooks);
  const host = options.host ?? '127.0.0.1';

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, host, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  rt.baseUrl = url;
  webhooks.start();

  return {
    url,
    port,
    state: rt.state,
    config,
    now: () => rt.now(),
    flushWebhooks: () => webhooks.flush(),
    reset: () => {
      rt.reset();
      webhooks.clearQueues();
    },
    findShipment: (tn) => rt.findShipment(tn),
    close: async () => {
      await webhooks.close();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/* ---------------------------------------------------------------- CLI ------------------ */

function parseArgs(argv: string[]): FedexSimOptions {
  const opts: FedexSimOptions = {};
  const num = (v: string | undefined, name: string): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n)) throw new ConfigError(`${name} needs a number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--port':
        opts.port = num(v, a);
        i++;
        break;
      case '--host':
        opts.host = v;
        i++;
        break;
      case '--seed':
        opts.seed = num(v, a);
        i++;
        break;
      case '--tracking-speed':
        opts.trackingSpeed = num(v, a);
        i++;
        break;
      case '--journey-seconds':
        opts.journeySeconds = num(v, a);
        i++;
        break;
      case '--client': {
        // id:secret:account[,account…]
        const [clientId, clientSecret, accounts] = (v ?? '').split(':');
        if (!clientId || !clientSecret || !accounts)
          throw new ConfigError('--client needs id:secret:account[,account]');
        opts.clients = [...(opts.clients ?? []), { clientId, clientSecret, accountNumbers: accounts.split(',') }];
        i++;
        break;
      }
      case '--config': {
        // A JSON file with any knobs (same shape as POST /__sim/config).
        Object.assign(opts, JSON.parse(readFileSync(v ?? '', 'utf8')) as FedexSimOptions);
        i++;
        break;
      }
      default:
        throw new ConfigError(`unknown argument ${a}`);
    }
  }
  return opts;
}

if (require.main === module) {
  (async () => {
    const opts = parseArgs(process.argv.slice(2));
    const sim = await startFedexSim({ port: 8102, ...opts });
    const ids = sim.config.clients.map((c) => `${c.clientId} (accounts ${c.accountNumbers.join(', ')})`).join('; ');
    process.stdout.write(
      `FedEx simulator listening on ${sim.url}\nclients: ${ids}\ninspection: ${sim.url}/__sim/state\n`,
    );
    const stop = () => {
      void sim.close().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  })().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
