/** `/__sim/*`: inspection and control API for tests, e2e and the demo (no auth, no secrets). */
import express, { type Request, type Response, type Router } from 'express';
import { applyKnobs } from './config';
import type { SimContext } from './context';
import { generateX3Data, loadX3Data } from './data';
import { ENTITY_NAMES, isEntityName, keyFromValues, type EntityName } from './entities';
import { recordToPlain, type RecordInput } from './store';
import { X3BusinessError } from './values';

export interface InspectHooks {
  reset(): void;
  /** Non-secret settings shown in the state. */
  publicSettings(): Record<string, unknown>;
}

function bad(res: Response, message: string): void {
  res.status(400).json({ error: message });
}

export function inspectRouter(ctx: SimContext, hooks: InspectHooks): Router {
  const router = express.Router();
  router.use('/__sim', express.json({ limit: '200mb' }));

  router.get('/__sim/state', (_req: Request, res: Response) => {
    // stock is listed once it holds records, so sims that never use stock report what they always did
    const counts = Object.fromEntries(
      ENTITY_NAMES.filter((n) => n !== 'stock' || ctx.store.count(n) > 0).map((n) => [n, ctx.store.count(n)]),
    );
    res.json({
      now: new Date(ctx.serverNow()).toISOString(),
      counts,
      config: {
        ...ctx.knobs,
        licence: { ...ctx.knobs.licence },
        licenceUsedBytes: ctx.licence.usedBytes(),
        ...hooks.publicSettings(),
      },
      tokens: ctx.logs.tokens,
      jwtSeen: ctx.logs.jwtSeen,
      auth: ctx.logs.auth,
      writes: ctx.logs.writes,
      requests: ctx.logs.requests,
      sessions: ctx.sessions.stats(),
    });
  });

  router.get('/__sim/attachments', (_req: Request, res: Response) => {
    res.json(ctx.store.attachments);
  });

  router.get('/__sim/records/:entity', (req: Request, res: Response) => {
    const entity = req.params.entity;
    if (!isEntityName(entity)) return bad(res, `unknown entity '${entity}' (${ENTITY_NAMES.join(', ')})`);
    const def = ctx.store.defs[entity];
    res.json(ctx.store.list(entity).map((r) => recordToPlain(def, r)));
  });

  router.post('/__sim/seed', (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      if (body.generate !== undefined) {
        const gen = body.generate as Record<string, unknown>;
        const counts: Partial<Record<EntityName, number>> = {};
        for (const n of ENTITY_NAMES) counts[n] = typeof gen[n] === 'number' ? (gen[n] as number) : 0;
        const data = generateX3Data({
          seed: typeof body.seed === 'number' ? body.seed : 1,
          counts,
          now: ctx.serverNow(),
        });
        // generated keys restart at 1: skip records that already exist so seeding twice is harmless
        for (const n of ENTITY_NAMES)
          data.records[n] = data.records[n].filter((r) => !ctx.store.get(n, keyFromValues(ctx.store.defs[n], r)));
        loadX3Data(ctx.store, data);
        return void res.json({
          keys: Object.fromEntries(
            ENTITY_NAMES.map((n) => [n, data.records[n].map((r) => keyFromValues(ctx.store.defs[n], r))]),
          ),
        });
      }
      const entity = body.entity;
      if (!isEntityName(entity)) return bad(res, `entity must be one of ${ENTITY_NAMES.join(', ')}`);
      if (!Array.isArray(body.records)) return bad(res, 'records must be an array');
      const keys: string[] = [];
      for (const r of body.records as unknown[]) {
        if (typeof r !== 'object' || r === null) return bad(res, 'each record must be an object');
        keys.push(ctx.store.insert(entity, r as RecordInput, { via: 'sim', trusted: true }).record.key);
      }
      res.json({ keys });
    } catch (e) {
      if (e instanceof X3BusinessError) return bad(res, e.message);
      throw e;
    }
  });

  router.post('/__sim/touch', (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const entity = body.entity;
    if (!isEntityName(entity)) return bad(res, `entity must be one of ${ENTITY_NAMES.join(', ')}`);
    let keys: string[];
    if (Array.isArray(body.keys)) keys = body.keys.map(String);
    else {
      const count = typeof body.count === 'number' ? body.count : 1;
      keys = ctx.store
        .list(entity)
        .slice(0, count)
        .map((r) => r.key);
    }
    const fields = typeof body.fields === 'object' && body.fields !== null ? (body.fields as RecordInput) : {};
    try {
      const touched = ctx.store.touch(entity, keys, fields);
      res.json({ keys: touched, stamp: ctx.store.nowStamp() });
    } catch (e) {
      if (e instanceof X3BusinessError) return bad(res, e.message);
      throw e;
    }
  });

  router.post('/__sim/reset', (_req: Request, res: Response) => {
    hooks.reset();
    res.json({ ok: true });
  });

  router.post('/__sim/config', (req: Request, res: Response) => {
    const body = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad(res, 'JSON object expected');
    try {
      applyKnobs(ctx.knobs, body as Record<string, unknown>);
    } catch (e) {
      return bad(res, (e as Error).message);
    }
    res.json({ ...ctx.knobs, licence: { ...ctx.knobs.licence } });
  });

  router.post('/__sim/oauth2/code', (_req: Request, res: Response) => {
    res.json({ code: ctx.auth.issueAuthorizationCode() });
  });

  return router;
}
