/**
 * Admin HTTP endpoints of the audit trail (for the editor sidebar), on RED.httpAdmin:
 *
 *   GET  /sage-x3-shipping/audit/:configId/entries           list/filter (query string = AuditQuery)
 *   GET  /sage-x3-shipping/audit/:configId/entries/:entryId  one entry
 *   GET  /sage-x3-shipping/audit/:configId/ledger?key=...     one ledger entry
 *   POST /sage-x3-shipping/audit/:configId/ledger/resolve     body: {key, state, reason, result?}
 *                                                             settles an unknown outcome or a stale
 *                                                             claim (ledger-resolve.ts)
 *   POST /sage-x3-shipping/audit/:configId/replay            body: ReplayFilter (+ optional "target",
 *                                                             an audit-sink id); emits on the sinks
 *
 * Reads need audit-config.read, replay and resolve need audit-config.write. Express cannot remove admin
 * routes, so they are registered once per admin app and find the config node by id on every
 * request: a redeployed or deleted config is picked up (or answered 404) without re-registering.
 */
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { ADMIN_PREFIX } from '../shared/admin';
import { getAuditConfig, type AuditConfigNode, type ReplayTarget } from './config-api';
import { parseAuditQuery } from './query-parse';
import { LedgerResolveError, parseLedgerResolve, resolveLedgerEntry } from './ledger-resolve';
import { parseReplayFilter } from './replay';
import { NoReplayTargetError, replayAndEmit } from './replay-emit';

export const AUDIT_ADMIN_BASE = `${ADMIN_PREFIX}/audit`;

const registered = new WeakSet<object>();

/** The `:configId` audit-config of a request; undefined after answering 404 when none is deployed. */
export function configOr404(RED: NodeAPI, req: Request, res: Response): AuditConfigNode | undefined {
  const cfg = getAuditConfig(RED, req.params.configId);
  if (!cfg) res.status(404).json({ error: `no deployed audit-config with id ${req.params.configId}` });
  return cfg;
}

type Permission = ReturnType<NodeAPI['auth']['needsPermission']>;

/**
 * The admin app to register a set of audit-config routes on, with its read and write permission
 * checks; undefined when there is no admin app or this set (`registered`) is already on it.
 */
export function auditRoutesApp(
  RED: NodeAPI,
  registered: WeakSet<object>,
): { app: NonNullable<NodeAPI['httpAdmin']>; read: Permission; write: Permission } | undefined {
  const app = RED.httpAdmin;
  if (!app || registered.has(app)) return undefined;
  registered.add(app);
  return {
    app,
    read: RED.auth.needsPermission('audit-config.read'),
    write: RED.auth.needsPermission('audit-config.write'),
  };
}

function sendError(res: Response, err: unknown, status = 500): void {
  res.status(status).json({ error: err instanceof Error ? err.message : String(err) });
}

export function registerAuditAdminRoutes(RED: NodeAPI): void {
  const routes = auditRoutesApp(RED, registered);
  if (!routes) return;
  const { app, read, write } = routes;

  app.get(`${AUDIT_ADMIN_BASE}/:configId/entries`, read, (req: Request, res: Response) => {
    const cfg = configOr404(RED, req, res);
    if (!cfg) return;
    let q;
    try {
      q = parseAuditQuery(req.query);
    } catch (err) {
      sendError(res, err, 400);
      return;
    }
    Promise.resolve()
      .then(() => cfg.getStore().query({ limit: 50, ...q }))
      .then((page) => res.json(page))
      .catch((err: unknown) => sendError(res, err));
  });

  app.get(`${AUDIT_ADMIN_BASE}/:configId/entries/:entryId`, read, (req: Request, res: Response) => {
    const cfg = configOr404(RED, req, res);
    if (!cfg) return;
    Promise.resolve()
      .then(() => cfg.getStore().getEntry(req.params.entryId))
      .then((entry) => {
        if (entry) res.json(entry);
        else res.status(404).json({ error: `no audit entry ${req.params.entryId}` });
      })
      .catch((err: unknown) => sendError(res, err));
  });

  app.get(`${AUDIT_ADMIN_BASE}/:configId/ledger`, read, (req: Request, res: Response) => {
    const cfg = configOr404(RED, req, res);
    if (!cfg) return;
    const key = req.query.key;
    if (typeof key !== 'string' || !key) {
      res.status(400).json({ error: 'ledger: "key" query parameter is required' });
      return;
    }
    Promise.resolve()
      .then(() => cfg.getStore().get(key))
      .then((entry) => {
        if (entry) res.json(entry);
        else res.status(404).json({ error: `no ledger entry ${key}` });
      })
      .catch((err: unknown) => sendError(res, err));
  });

  app.post(`${AUDIT_ADMIN_BASE}/:configId/ledger/resolve`, write, (req: Request, res: Response) => {
    const cfg = configOr404(RED, req, res);
    if (!cfg) return;
    Promise.resolve()
      .then(() => resolveLedgerEntry(cfg.getStore(), parseLedgerResolve(req.body), cfg.ledgerResolveOptions))
      .then((outcome) => res.json({ before: outcome.before, after: outcome.after, auditId: outcome.auditEntry.id }))
      .catch((err: unknown) => sendError(res, err, err instanceof LedgerResolveError ? err.status : 500));
  });

  app.post(`${AUDIT_ADMIN_BASE}/:configId/replay`, write, (req: Request, res: Response) => {
    const cfg = configOr404(RED, req, res);
    if (!cfg) return;
    const body: unknown = req.body;
    let filter;
    let explicit: ReplayTarget | undefined;
    try {
      filter = parseReplayFilter(body);
      const targetId = (body as { target?: unknown }).target;
      if (targetId !== undefined && targetId !== '') {
        explicit = cfg.replayTargets().find((t) => t.id === targetId);
        if (!explicit) throw new Error(`"target" ${String(targetId)} is not an audit-sink of this audit-config`);
      }
    } catch (err) {
      sendError(res, err, 400);
      return;
    }
    Promise.resolve()
      .then(() => replayAndEmit(cfg, filter, explicit))
      .then((result) => res.json(result))
      .catch((err: unknown) => sendError(res, err, err instanceof NoReplayTargetError ? 409 : 500));
  });
}
