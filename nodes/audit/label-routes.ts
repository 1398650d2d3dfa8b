/**
 * Admin HTTP endpoints of the label store (for the operator console and operators' scripts), on
 * RED.httpAdmin, per audit-config (the store, the ledger and the printers its nodes registered):
 *
 *   GET  /sage-x3-shipping/labels/:configId/report                    files, bytes, oldest/newest
 *   GET  /sage-x3-shipping/labels/:configId/file?key=..&trackingNumber=..  the label's bytes
 *   GET  /sage-x3-shipping/labels/:configId/printers                  [{nodeId, printer}]
 *   POST /sage-x3-shipping/labels/:configId/reprint                   body {key, trackingNumber?, printer?}
 *   GET  /sage-x3-shipping/labels/:configId/adopted?after=..&limit=..   adopted shipments (no label)
 *   POST /sage-x3-shipping/labels/:configId/adopted/reship            body {key, node?}: cancel the
 *        adopted shipment, then ship its document again through the ledger (fedex/ship-reship.ts)
 *
 * Reads need audit-config.read, a reprint or a reship audit-config.write. Registered once per admin app;
 * each request finds the config node by id, so a redeploy is picked up without re-registering.
 */
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { ADMIN_PREFIX } from '../shared/admin';
import { auditRoutesApp, configOr404 } from './admin-routes';
import type { AuditConfigNode } from './config-api';
import {
  choosePrinter,
  chooseReshipper,
  downloadLabel,
  LabelAdminError,
  listAdopted,
  reprintLabel,
} from './label-admin';
import { labelPrintersOf, reshippersOf } from './label-printers';
import { ApiError } from '../core/errors';
import { RawPrintError } from './raw-print';

export const LABELS_ADMIN_BASE = `${ADMIN_PREFIX}/labels`;

const registered = new WeakSet<object>();

function sendError(res: Response, err: unknown): void {
  const status =
    err instanceof LabelAdminError
      ? err.status
      : err instanceof RawPrintError
        ? 502
        : err instanceof ApiError
          ? (err.status ?? 502)
          : 500;
  const body: Record<string, unknown> = { error: err instanceof Error ? err.message : String(err) };
  if (err instanceof RawPrintError || err instanceof ApiError) body.code = err.code;
  res.status(status).json(body);
}

export function registerLabelAdminRoutes(RED: NodeAPI): void {
  const routes = auditRoutesApp(RED, registered);
  if (!routes) return;
  const { app, read, write } = routes;
  const run = (req: Request, res: Response, work: (cfg: AuditConfigNode) => Promise<unknown>): void => {
    const cfg = configOr404(RED, req, res);
    if (!cfg) return;
    Promise.resolve()
      .then(() => work(cfg))
      .then((body) => {
        if (body !== undefined) res.json(body);
      })
      .catch((err: unknown) => sendError(res, err));
  };

  app.get(`${LABELS_ADMIN_BASE}/:configId/report`, read, (req: Request, res: Response) =>
    run(req, res, async (cfg) => {
      if (!cfg.labelStore) throw new LabelAdminError('this audit-config keeps no label files', 409);
      return { dir: cfg.labelStore.dir, ...(await cfg.labelStore.report()) };
    }),
  );

  app.get(`${LABELS_ADMIN_BASE}/:configId/file`, read, (req: Request, res: Response) =>
    run(req, res, async (cfg) => {
      const file = await downloadLabel(cfg.getStore(), cfg.labelStore, req.query.key, req.query.trackingNumber);
      res.status(200);
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Disposition', `attachment; filename="${file.fileName}"`);
      res.setHeader('Cache-Control', 'no-store');
      res.end(file.data);
      return undefined;
    }),
  );

  app.get(`${LABELS_ADMIN_BASE}/:configId/printers`, read, (req: Request, res: Response) =>
    run(req, res, async (cfg) =>
      labelPrintersOf(cfg.id).map((p) => ({ nodeId: p.nodeId, printer: p.service.printerName })),
    ),
  );

  app.post(`${LABELS_ADMIN_BASE}/:configId/reprint`, write, (req: Request, res: Response) =>
    run(req, res, async (cfg) => {
      const body = (req.body ?? {}) as { key?: unknown; trackingNumber?: unknown; printer?: unknown };
      const printer = choosePrinter(labelPrintersOf(cfg.id), body.printer);
      return { ok: true, reprint: await reprintLabel(cfg.getStore(), printer, body) };
    }),
  );

  app.get(`${LABELS_ADMIN_BASE}/:configId/adopted`, read, (req: Request, res: Response) =>
    run(req, res, async (cfg) => ({ shipments: await listAdopted(cfg.getStore(), req.query) })),
  );

  app.post(`${LABELS_ADMIN_BASE}/:configId/adopted/reship`, write, (req: Request, res: Response) =>
    run(req, res, async (cfg) => {
      const body = (req.body ?? {}) as { key?: unknown; node?: unknown };
      const node = chooseReshipper(reshippersOf(cfg.id), body.node);
      if (typeof body.key !== 'string' || !body.key) throw new LabelAdminError('"key" is required', 400);
      return { ok: true, reship: await node.reship(body.key) };
    }),
  );
}
