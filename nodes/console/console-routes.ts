/**
 * Admin HTTP routes of the operator console (the sidebar tab), on RED.httpAdmin:
 *
 *   GET  /sage-x3-shipping/console/overview                    audit-configs with their attention counts
 *   GET  /sage-x3-shipping/console/:configId/attention         Needs attention lists (?limit=)
 *   GET  /sage-x3-shipping/console/:configId/activity          AuditQuery filters (+ nodeId, x3Entity, nodeIds:
 *                                                              a flow's nodes, comma-separated) + search/searchBy
 *   GET  /sage-x3-shipping/console/:configId/entities          the X3 entities present in the trail
 *   GET  /sage-x3-shipping/console/:configId/timeline          ?kind=x3Key|trackingNumber|shipstationOrderNumber&value=
 *   POST /sage-x3-shipping/console/:configId/replay            {ids: [...]} or {nodeIds: [...]} (every failed
 *                                                              entry of those nodes, e.g. one flow's)
 *   GET  /sage-x3-shipping/console/health                      per config node, poller and webhook route
 *   GET  /sage-x3-shipping/console/metrics                     Prometheus text format
 *
 * Reads need sage-x3-shipping.read, replay needs sage-x3-shipping.write (an unknown outcome is
 * resolved through the audit route /sage-x3-shipping/audit/:configId/ledger/resolve, which needs
 * audit-config.write). Registered once per admin app; the config is looked up on every request.
 */
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { getAuditConfig, type AuditConfigNode } from '../audit/config-api';
import { MAX_REPLAY_LIMIT, type ReplaySkip } from '../audit/replay';
import { NoReplayTargetError, replayAndEmit, type EmittedReplay } from '../audit/replay-emit';
import { ADMIN_PREFIX } from '../shared/admin';
import { activity, parseActivityRequest, SEARCH_KINDS, type SearchKind } from './activity';
import { needsAttention } from './attention';
import { auditConfigs, collectHealth } from './health';
import { documentTimeline } from './timeline';
import { metricsText } from './metrics-text';

export const CONSOLE_ADMIN_BASE = `${ADMIN_PREFIX}/console`;
export const CONSOLE_READ = 'sage-x3-shipping.read';
export const CONSOLE_WRITE = 'sage-x3-shipping.write';

const registered = new WeakSet<object>();

function configOr404(RED: NodeAPI, req: Request, res: Response): AuditConfigNode | undefined {
  const cfg = getAuditConfig(RED, req.params.configId);
  if (!cfg) res.status(404).json({ error: `no deployed audit-config with id ${req.params.configId}` });
  return cfg;
}

/** A malformed request: answered 400 with its message. */
class BadRequest extends Error {}

function sendError(res: Response, err: unknown): void {
  const status = err instanceof BadRequest ? 400 : err instanceof NoReplayTargetError ? 409 : 500;
  res.status(status).json({ error: err instanceof Error ? err.message : String(err) });
}

/** Runs a parser of request input; what it throws is the client's mistake (400), not ours. */
function parseOr400<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new BadRequest(err instanceof Error ? err.message : String(err));
  }
}

function stringList(v: unknown, name: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !x))
    throw new Error(`"${name}" must be a list of ids`);
  return v as string[];
}

export function registerConsoleRoutes(RED: NodeAPI): void {
  const app = RED.httpAdmin;
  if (!app || registered.has(app)) return;
  registered.add(app);
  const read = RED.auth.needsPermission(CONSOLE_READ);
  const write = RED.auth.needsPermission(CONSOLE_WRITE);
  const handle =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response): void => {
      Promise.resolve()
        .then(() => fn(req, res))
        .catch((err: unknown) => sendError(res, err));
    };
  /** A route of one deployed audit-config (`:configId`), 404 when there is none. */
  const configRoute = (
    method: 'get' | 'post',
    path: string,
    permission: typeof read,
    fn: (cfg: AuditConfigNode, req: Request, res: Response) => Promise<void>,
  ): void => {
    app[method](
      `${CONSOLE_ADMIN_BASE}/:configId/${path}`,
      permission,
      handle(async (req, res) => {
        const cfg = configOr404(RED, req, res);
        if (cfg) await fn(cfg, req, res);
      }),
    );
  };

  app.get(
    `${CONSOLE_ADMIN_BASE}/overview`,
    read,
    handle(async (_req, res) => {
      const configs = await Promise.all(
        auditConfigs(RED).map(async (cfg) => {
          try {
            const { counts } = await needsAttention(cfg.getStore(), { ...cfg.ledgerResolveOptions, countsOnly: true });
            return { id: cfg.id, name: cfg.name || '', counts };
          } catch (err) {
            return { id: cfg.id, name: cfg.name || '', error: err instanceof Error ? err.message : String(err) };
          }
        }),
      );
      res.json({ configs });
    }),
  );

  app.get(
    `${CONSOLE_ADMIN_BASE}/health`,
    read,
    handle(async (_req, res) => void res.json(await collectHealth(RED))),
  );

  app.get(
    `${CONSOLE_ADMIN_BASE}/metrics`,
    read,
    handle(async (_req, res) => {
      res.type('text/plain; version=0.0.4; charset=utf-8').send(await metricsText(RED));
    }),
  );

  configRoute('get', 'attention', read, async (cfg, req, res) => {
    const limit = Number(req.query.limit ?? 50);
    const attention = await needsAttention(cfg.getStore(), {
      ...cfg.ledgerResolveOptions,
      limit: Number.isFinite(limit) ? limit : 50,
    });
    res.json(attention);
  });

  configRoute('get', 'activity', read, async (cfg, req, res) => {
    const request = parseOr400(() => parseActivityRequest(req.query as Record<string, unknown>));
    res.json(await activity(cfg.getStore(), request));
  });

  configRoute('get', 'entities', read, async (cfg, _req, res) => {
    res.json({ entities: await cfg.getStore().listX3Entities() });
  });

  configRoute('get', 'timeline', read, async (cfg, req, res) => {
    const { kind, value } = req.query;
    if (!SEARCH_KINDS.includes(kind as SearchKind) || typeof value !== 'string' || !value.trim()) {
      throw new BadRequest(`timeline: "kind" (${SEARCH_KINDS.join(', ')}) and "value" are required`);
    }
    res.json(await documentTimeline(cfg.getStore(), { kind: kind as SearchKind, value: value.trim() }));
  });

  configRoute('post', 'replay', write, async (cfg, req, res) => {
    const body = (req.body ?? {}) as { ids?: unknown; nodeIds?: unknown };
    const { ids, nodeIds } = parseOr400(() => {
      const lists = { ids: stringList(body.ids, 'ids'), nodeIds: stringList(body.nodeIds, 'nodeIds') };
      if (!lists.ids?.length && !lists.nodeIds?.length) throw new Error('replay: give "ids" or "nodeIds"');
      return lists;
    });
    const replayed: EmittedReplay[] = [];
    const skipped: ReplaySkip[] = [];
    // one entry at a time: each is claimed for replay on its own (replay.ts), so a failure
    // of one leaves the others replayed once
    for (const id of ids ?? []) {
      const r = await replayAndEmit(cfg, { id });
      replayed.push(...r.replayed);
      skipped.push(...r.skipped);
    }
    for (const nodeId of nodeIds ?? []) {
      const failed = await cfg.getStore().query({ status: 'failed', nodeId, order: 'asc', limit: MAX_REPLAY_LIMIT });
      for (const entry of failed.entries) {
        const r = await replayAndEmit(cfg, { id: entry.id });
        replayed.push(...r.replayed);
        skipped.push(...r.skipped);
      }
    }
    res.json({ replayed, skipped });
  });
}
