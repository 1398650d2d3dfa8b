/**
 * fedex-ship: one FedEx shipment (labels, tracking numbers) per X3 document, exactly once
 * (ship-service.ts); or, with operation "cancel", voids the document's shipment.
 */
import type { Node, NodeAPI } from 'node-red';
import { ValidationError } from '../core/errors';
import { replayLedgerKey } from '../audit/msg-audit';
import { failMessage, handleInput, type Msg } from '../shared/red';
import { registerNode } from '../shared/register-node';
import { number } from '../shared/settings';
import type { ShipOverrides } from './mapping';
import type { X3Info, X3Record } from './x3-documents';
import { useAudit } from '../shared/use-audit';
import { useTokenConfig } from '../shared/use-token-config';
import { FEDEX_CONFIG, fedexAuditFallback } from './config-api';
import { SHIP_OPERATION, ShipService, type ShipOutcome } from './ship-service';
import { CANCEL_OPERATION } from './ship-cancel';
import { shipSettingsOf, type FedexShipDef } from './ship-settings';
import { findConfig } from '../shared/use-config';
import { X3_CONFIG } from '../x3/config-api';
import { CustomsDataReader, productReadOverride } from './customs-data';
import { printShipment, shipPrinterOf, type ShipPrintDef } from './ship-print';
import type { LabelPrintService } from '../audit/label-print-service';
import {
  deregisterLabelPrinter,
  deregisterReshipper,
  registerLabelPrinter,
  registerReshipper,
  type RegisteredReshipper,
} from '../audit/label-printers';
import { cancelAndShipAgain } from './ship-reship';

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function x3Of(msg: Msg): X3Info {
  const x3 = obj(msg.x3) ?? {};
  const s = (v: unknown): string | undefined =>
    typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined;
  return { entity: s(x3.entity) ?? s(msg.topic), key: s(x3.key), folder: s(x3.folder), updatedAt: s(x3.updatedAt) };
}

/** What the audit trail keeps to replay this msg (no credentials are ever on a msg). */
function auditSnapshot(msg: Msg): Record<string, unknown> {
  const snap: Record<string, unknown> = { _msgid: msg._msgid, payload: msg.payload };
  for (const k of ['topic', 'x3', 'fedex']) if (msg[k] !== undefined) snap[k] = msg[k];
  return snap;
}

export = function (RED: NodeAPI): void {
  function setup(node: Node, def: FedexShipDef & ShipPrintDef): void {
    const ctx = useTokenConfig(RED, node, FEDEX_CONFIG, def.fedex, (c) => c.client);
    if (!ctx) return;
    let service: ShipService;
    let printer: LabelPrintService | undefined;
    let reshipper: RegisteredReshipper | undefined;
    let persistent = true;
    try {
      const audit = useAudit(RED, node, ctx.work, def.audit, fedexAuditFallback(RED, ctx.config));
      persistent = audit.persistent;
      // International shipments read their sales order and products through an x3-config, when
      // one is set; the product cache lives as long as this node (one deploy).
      const x3 = ctx.work.use(def.x3 ? findConfig(RED, X3_CONFIG, def.x3) : undefined);
      if (def.x3 && !x3) node.warn(RED._('fedex-ship.warn.customsX3Missing'));
      const settings = shipSettingsOf(def);
      const productOverride = productReadOverride(settings.customs.fields);
      const customsData = new CustomsDataReader(
        x3 && {
          read: (entity, key, signal) => {
            const conn = x3.getConnection();
            const edef = conn.entity(entity, entity === 'product' ? productOverride : undefined);
            return conn.clientFor(edef, 'read').read(edef, key, { withLines: entity === 'salesOrder', signal });
          },
        },
      );
      service = new ShipService({
        customsData,
        client: ctx.config.client,
        store: audit.store()!,
        owner: audit.owner,
        settings,
        record: (e) => audit.record(e),
        nodeId: node.id,
        labels: audit.labels,
        reconcileDelayMs: number(def.reconcileDelaySeconds, 30, { min: 0 }) * 1000,
        reconcileWindowMs: number(def.reconcileWindowSeconds, 600, { min: 0 }) * 1000,
        reconcileLookups: Math.max(1, Math.floor(number(def.reconcileLookups, 3, { min: 0 }))),
      });
      printer = shipPrinterOf(def, {
        store: audit.store()!,
        owner: audit.owner,
        labels: audit.labels,
        record: (e) => audit.record(e),
        nodeId: node.id,
      });
      if (printer) registerLabelPrinter({ nodeId: node.id, auditConfigId: audit.config?.id, service: printer });
      if (audit.config) {
        const store = audit.store()!;
        // the operator's "cancel and ship again" (label admin route) runs as this node's work
        reshipper = {
          nodeId: node.id,
          auditConfigId: audit.config.id,
          reship: (key) => ctx.work.run((signal) => cancelAndShipAgain({ service, store, printer }, key, signal)),
        };
        registerReshipper(reshipper);
      }
    } catch (err) {
      ctx.board.set({ fill: 'red', shape: 'ring', text: RED._('fedex-ship.status.badSettings') });
      node.error(RED._('fedex-ship.errors.settings', { error: (err as Error).message }));
      void ctx.release();
      return;
    }
    const defaultOperation = def.operation === 'cancel' ? 'cancel' : 'ship';
    let lastError: string | undefined;

    const render = () => {
      const c = service.counters;
      const ok = c.created + c.adopted;
      const parts = [RED._('fedex-ship.status.shipped', { count: ok })];
      if (c.stored) parts.push(RED._('fedex-ship.status.stored', { count: c.stored }));
      if (c.cancelled) parts.push(RED._('fedex-ship.status.cancelled', { count: c.cancelled }));
      if (c.failed + c.unknown) parts.push(RED._('fedex-ship.status.failed', { count: c.failed + c.unknown }));
      if (c.lastTrackingNumber) parts.push(c.lastTrackingNumber);
      const failedLast = lastError !== undefined;
      return {
        fill: failedLast ? ('red' as const) : persistent ? ('green' as const) : ('yellow' as const),
        shape: failedLast ? ('ring' as const) : ('dot' as const),
        text: failedLast ? `${lastError} · ${parts.join(' · ')}` : parts.join(' · '),
      };
    };
    ctx.board.set(render());

    // The whole claim -> create -> complete of a msg is in flight for this node, its fedex-config and
    // its audit-config: a redeploy lets it finish (or abort it as unknown) before the client and
    // the store are released.
    handleInput(node, async (msg, send, done) => {
      await ctx.work.run(async (signal) => {
        const input = obj(msg.fedex) ?? {};
        const operation =
          input.operation === 'cancel' || input.operation === 'ship' ? input.operation : defaultOperation;
        try {
          if (operation === 'cancel') {
            const payload = obj(msg.payload);
            const outcome = await service.cancel({
              record: payload,
              x3: msg.x3 ? x3Of(msg) : undefined,
              idempotencyKey: replayLedgerKey(msg, CANCEL_OPERATION) ?? replayLedgerKey(msg, SHIP_OPERATION),
              trackingNumber:
                typeof msg.payload === 'string'
                  ? msg.payload.trim()
                  : typeof payload?.trackingNumber === 'string'
                    ? payload.trackingNumber
                    : undefined,
              auditMsg: auditSnapshot(msg),
              signal,
            });
            msg.payload = {
              trackingNumber: outcome.trackingNumber,
              cancelled: outcome.cancelled,
              message: outcome.message,
            };
            msg.fedex = { operation: 'cancel', alerts: outcome.alerts, idempotencyKey: outcome.key };
          } else {
            const record = obj(msg.payload);
            if (!record)
              throw new ValidationError(
                'fedex',
                'payload',
                'msg.payload must be the X3 record (an object keyed by X3 field names)',
              );
            const outcome: ShipOutcome = await service.ship({
              record: record as X3Record,
              x3: x3Of(msg),
              overrides: input as ShipOverrides,
              idempotencyKey: replayLedgerKey(msg, SHIP_OPERATION),
              reship: input.reship === true,
              customsGiven: { products: input.products, salesOrder: input.salesOrder },
              view: { msg },
              auditMsg: auditSnapshot(msg),
              signal,
            });
            msg.payload = outcome.result.payload;
            msg.fedex = {
              transactionId: outcome.result.transactionId,
              alerts: outcome.result.alerts,
              idempotencyKey: outcome.key,
              outcome: outcome.outcome,
              ...(outcome.result.adopted ? { adopted: true } : {}),
            };
            // part of the same work as the shipment: a redeploy drains both; a print that fails
            // keeps its ledger record (failed/unknown) and never fails the label already bought
            if (printer) {
              const print = await printShipment(printer, outcome.key, outcome.result, signal);
              (msg.fedex as Record<string, unknown>).print = print;
              for (const f of print.failed) node.warn(`label ${f.trackingNumber} not printed: ${f.message}`);
            }
          }
          lastError = undefined;
          ctx.board.update(render);
          send(msg);
          done();
        } catch (err) {
          const info = failMessage(msg, err, 'fedex');
          lastError = (err as { code?: string }).code ?? 'error';
          ctx.board.set(render());
          done(info);
        }
      });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (printer) deregisterLabelPrinter(node.id, printer);
      if (reshipper) deregisterReshipper(reshipper);
      // Labels being bought finish (their outcome would otherwise be unknown), within the budget.
      void ctx.release().then(() => {
        ctx.board.clear();
        done();
      });
    });
  }

  registerNode(RED, 'fedex-ship', setup);
};
