/**
 * shipstation-update: the X3 -> ShipStation writes — update a product, create or update an order
 * (createorder, upsert by orderKey), mark an order shipped. Shipped or cancelled orders are
 * refused before any write (update-ops.ts). Emits the object as written.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ApiError, toErrorInfo, ValidationError } from '../core/errors';
import { runExactlyOnce } from '../audit/exactly-once';
import { replayLedgerKey } from '../audit/msg-audit';
import { useAudit } from '../shared/use-audit';
import { registerNode } from '../shared/register-node';
import { failMessage, handleInput, type DoneFn, type Msg, type SendFn } from '../shared/red';
import { bool } from '../shared/settings';
import { markShipped, updateProduct, upsertOrder } from './update-ops';
import { useShipStationConfig } from './use-shipstation-config';

interface UpdateDef extends NodeDef {
  server?: string;
  operation?: string;
  mergeProduct?: boolean | string;
  audit?: string;
}

const UPDATE_OPERATIONS = ['product', 'order', 'markShipped'] as const;
type UpdateOperation = (typeof UPDATE_OPERATIONS)[number];

function isOperation(v: unknown): v is UpdateOperation {
  return typeof v === 'string' && (UPDATE_OPERATIONS as readonly string[]).includes(v);
}

type Json = Record<string, unknown>;

const LEDGER_OPERATION = 'order.markShipped';

export = function (RED: NodeAPI): void {
  function setup(node: Node, def: UpdateDef): void {
    // Writes in flight (a mark-as-shipped under its ledger claim) keep the client and the store open.
    const ctx = useShipStationConfig(RED, node, def.server, 'v1');
    if (!ctx) return;
    const { client, work, board: status } = ctx;
    const audit = useAudit(RED, node, work, def.audit);
    const store = audit.available();
    const defaultOperation: UpdateOperation = isOperation(def.operation) ? def.operation : 'order';
    const merge = bool(def.mergeProduct, true);
    status.set({ fill: 'grey', shape: 'ring', text: defaultOperation });

    handleInput(node, (msg, send, done) => work.run(() => handle(msg, send, done)));

    async function handle(msg: Msg, send: SendFn, done: DoneFn): Promise<void> {
      const op: UpdateOperation = isOperation(msg.operation) ? msg.operation : defaultOperation;
      const payload = msg.payload;
      const auditOp = op === 'product' ? 'product.update' : op === 'order' ? 'order.upsert' : LEDGER_OPERATION;
      try {
        if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
          throw new ValidationError(
            'shipstation',
            'payload',
            `msg.payload must be the ${op === 'product' ? 'product' : 'order'} object`,
          );
        }
        const input = payload as Json;
        status.set({ fill: 'blue', shape: 'dot', text: op });
        let written: Json;
        let info: Json;
        if (op === 'product') {
          written = await updateProduct(client, input, merge);
          info = {
            version: 'v1',
            resourceType: 'product',
            operation: 'update',
            id: `product:${String(written.productId)}`,
          };
        } else if (op === 'order') {
          const { order, created } = await upsertOrder(client, input);
          written = order;
          info = {
            version: 'v1',
            resourceType: 'order',
            operation: created ? 'create' : 'update',
            id: `order:${String(order.orderId)}`,
          };
        } else {
          written = await markShippedOnce(input, msg);
          info = {
            version: 'v1',
            resourceType: 'order',
            operation: 'markShipped',
            id: `order:${String(written.orderId)}`,
          };
        }
        msg.payload = written;
        msg.shipstation = info;
        await audit.record({
          system: 'shipstation',
          operation: auditOp,
          status: 'succeeded',
          correlation: {
            shipstationOrderId: written.orderId !== undefined ? String(written.orderId) : undefined,
            shipstationOrderNumber: typeof written.orderNumber === 'string' ? written.orderNumber : undefined,
          },
          msg: { payload: written, shipstation: info },
          nodeId: node.id,
        });
        status.set({
          fill: 'green',
          shape: 'dot',
          text: RED._('shipstation-update.status.done', { op, operation: String(info.operation) }),
        });
        send(msg);
        done();
      } catch (err) {
        const e = toErrorInfo(err, 'shipstation');
        await audit.record({
          system: 'shipstation',
          operation: auditOp,
          status: e.ambiguous ? 'unknown' : 'failed',
          error: { code: e.code, message: e.message, ...(e.status ? { status: e.status } : {}) },
          msg: { payload: msg.payload, operation: op },
          nodeId: node.id,
        });
        status.set({
          fill: 'red',
          shape: 'ring',
          text:
            e.code === 'ORDER_LOCKED'
              ? RED._('shipstation-update.status.orderLocked')
              : RED._('shipstation-update.status.failed', { op }),
        });
        done(failMessage(msg, err, 'shipstation'));
      }
    }

    /**
     * Marking shipped creates a fulfilment (and may notify the buyer): with an audit store the
     * ledger makes it happen once per (order, tracking number), across retries and replays.
     */
    async function markShippedOnce(input: Json, msg: Json): Promise<Json> {
      const run = async (): Promise<Json> => {
        const r = await markShipped(client, input);
        return { ...r.request, ...r.response, orderNumber: r.response.orderNumber ?? r.order.orderNumber };
      };
      if (!store) {
        // an audit-config is selected but its store is down: without the ledger a retry or a
        // replay could create a second fulfilment, so nothing is marked shipped until it is back
        if (audit.config) {
          throw new ApiError({
            system: 'shipstation',
            code: 'LEDGER_UNAVAILABLE',
            message:
              'the audit store holding the mark-as-shipped ledger is not available: the order is not marked shipped',
            retryable: true,
          });
        }
        return run();
      }
      const target = String(input.orderId ?? input.orderNumber ?? '');
      const key =
        replayLedgerKey(msg, LEDGER_OPERATION) ??
        `shipstation:markShipped:${target}:${String(input.trackingNumber ?? '')}`;
      const outcome = await runExactlyOnce(
        {
          store,
          key,
          meta: { owner: audit.owner, system: 'shipstation', operation: LEDGER_OPERATION },
          isOutcomeUnknown: (err) => err instanceof ApiError && err.ambiguous,
        },
        run,
      );
      switch (outcome.outcome) {
        case 'executed':
          return outcome.result;
        case 'stored':
          return outcome.result as Json;
        default:
          throw new ApiError({
            system: 'shipstation',
            code: outcome.outcome === 'unknown' ? 'OUTCOME_UNKNOWN' : 'IN_PROGRESS',
            message:
              outcome.outcome === 'unknown'
                ? `an earlier mark-as-shipped of order ${target} may have been applied: check the order in ShipStation before retrying`
                : `mark-as-shipped of order ${target} is ${outcome.outcome} in the ledger`,
          });
      }
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      void ctx
        .release()
        .then(() => audit.close())
        .finally(() => done());
    });
  }

  registerNode(RED, 'shipstation-update', setup);
};
