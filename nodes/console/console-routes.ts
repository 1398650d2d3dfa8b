/**
 * Admin HTTP routes of the operator console (the sidebar tab), on RED.httpAdmin:
 *
 *   GET  /sage-x3-shipping/console/overview                    audit-configs with their attention counts
 *   GET  /sage-x3-shipping/console/:configId/attention         Needs attention lists (?limit=)
 *   GET  /sage-x3-shipping/console/:configId/activity          AuditQuery filters + nodeId + search/searchBy
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

function sendError(res: Response, err: unknown, status = 500): void {
  res.status(status).json({ error: err instanceof Error ? err.message : String(err) });
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

  app.get(
    `${CONSOLE_ADMIN_BASE}/:configId/attention`,
    read,
    handle(async (req, res) => {
      const cfg = configOr404(RED, req, res);
      if (!cfg) return;
      const limit = Number(req.query.limit ?? 50);
      const attention = await needsAttention(cfg.getStore(), {
        ...cfg.ledgerResolveOptions,
        limit: Number.isFinite(limit) ? limit : 50,
      });
      res.json(attention);
    }),
  );

  app.get(
    `${CONSOLE_ADMIN_BASE}/:configId/activity`,
    read,
    handle(async (req, res) => {
      const cfg = configOr404(RED, req, res);
      if (!cfg) return;
      let request;
      try {
        request = parseActivityRequest(req.query as Record<string, unknown>);
      } catch (err) {
        sendError(res, err, 400);
        return;
      }
      res.json(await activity(cfg.getStore(), request));
    }),
  );

  app.get(
    `${CONSOLE_ADMIN_BASE}/:configId/timeline`,
    read,
    handle(async (req, res) => {
      const cfg = configOr404(RED, req, res);
      if (!cfg) return;
      const { kind, value } = req.query;
      if (!SEARCH_KINDS.includes(kind as SearchKind) || typeof value !== 'string' || !value.trim()) {
        res.status(400).json({ error: `timeline: "kind" (${SEARCH_KINDS.join(', ')}) and "value" are required` });
        return;
      }
      res.json(await documentTimeline(cfg.getStore(), { kind: kind as SearchKind, value: value.trim() }));
    }),
  );

  app.post(
    `${CONSOLE_ADMIN_BASE}/:configId/replay`,
    write,
    handle(async (req, res) => {
      const cfg = configOr404(RED, req, res);
      if (!cfg) return;
      const body = (req.body ?? {}) as { ids?: unknown; nodeIds?: unknown };
      let ids: string[] | undefined;
      let nodeIds: string[] | undefined;
      try {
        ids = stringList(body.ids, 'ids');
        nodeIds = stringList(body.nodeIds, 'nodeIds');
        if (!ids?.length && !nodeIds?.length) throw new Error('replay: give "ids" or "nodeIds"');
      } catch (err) {
        sendError(res, err, 400);
        return;
      }
      const replayed: EmittedReplay[] = [];
      const skipped: ReplaySkip[] = [];
      try {
        // one entry at a time: each is claimed for replay on its own (replay.ts), so a failure
        // of one leaves the others replayed once
        for (const id of ids ?? []) {
          const r = await replayAndEmit(cfg, { id });
          replayed.push(...r.replayed);
          skipped.push(...r.skipped);
        }
        for (const nodeId of nodeIds ?? []) {
          const failed = await cfg
            .getStore()
            .query({ status: 'failed', nodeId, order: 'asc', limit: MAX_REPLAY_LIMIT });
          for (const entry of failed.entries) {
            const r = await replayAndEmit(cfg, { id: entry.id });
            replayed.push(...r.replayed);
            skipped.push(...r.skipped);
          }
        }
      } catch (err) {
        if (err instanceof NoReplayTargetError) {
          sendError(res, err, 409);
          return;
        }
        throw err;
      }
      res.json({ replayed, skipped });
    }),
  );
}
