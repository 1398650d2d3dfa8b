/**
 * fedex-webhook: receives FedEx Advanced Integrated Visibility pushes on a POST route of
 * RED.httpNode and emits one tracking update per tracking result (webhook-intake.ts).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { registerWebhookRoute, type WebhookRoute } from '../shared/webhook-route';
import { attachConfig, bindAudit, shortTime, ThrottledStatus } from './node-support';
import { x3FromCorrelation } from './tracking';
import { FedexWebhookIntake } from './webhook-intake';

interface FedexWebhookDef extends NodeDef {
  fedex?: string;
  audit?: string;
  path?: string;
  emitAll?: boolean | string;
}

const DEFAULT_WEBHOOK_PATH = '/fedex/webhook';

export = function (RED: NodeAPI): void {
  function FedexWebhookNode(this: Node, def: FedexWebhookDef): void {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: Node, def: FedexWebhookDef): void {
    const ctx = attachConfig(RED, node, def.fedex);
    if (!ctx) return;
    const config = ctx.config;
    const status = new ThrottledStatus(ctx.board);
    let intake: FedexWebhookIntake;
    try {
      const audit = bindAudit(RED, node, def.audit, ctx);
      intake = new FedexWebhookIntake({
        store: audit.store,
        secret: () => config.webhookSecret(),
        scope: `fedex-webhook:${node.id}`,
        emitAll: def.emitAll === true || def.emitAll === 'true',
        record: audit.record,
        nodeId: node.id,
        onUpdate: ({ update, eventId, correlation }) => {
          const msg: NodeMessage & Record<string, unknown> = {
            payload: update,
            topic: update.trackingNumber,
            fedex: { eventId },
          };
          const x3 = x3FromCorrelation(correlation);
          if (x3) msg.x3 = x3;
          node.send(msg);
          status.set(render);
        },
        onResultError: (tn, code, message) => node.warn(`FedEx webhook: ${tn}: ${code} ${message}`),
        onError: (err) => node.error(`FedEx webhook processing failed: ${(err as Error).message}`),
      });
    } catch (err) {
      ctx.board.set({ fill: 'red', shape: 'ring', text: 'audit store unavailable' });
      node.error(`fedex-webhook: ${(err as Error).message}`);
      void ctx.release();
      return;
    }
    if (!config.webhookSecret()) {
      node.warn('the FedEx config has no webhook security token: every webhook request is refused (401)');
    }

    const path = (def.path ?? '').trim() || DEFAULT_WEBHOOK_PATH;
    let route: WebhookRoute | undefined;
    const render = () => {
      const c = intake.counters;
      return {
        fill: c.rejected && !c.received ? ('yellow' as const) : ('green' as const),
        shape: 'dot' as const,
        text: `${route?.fullPath ?? path} · ${c.emitted} events${c.rejected ? ` · ${c.rejected} refused` : ''}${c.lastAt ? ` · ${shortTime(c.lastAt)}` : ''}`,
      };
    };
    try {
      route = registerWebhookRoute(RED, node.id, path, (req) => {
        const reply = intake.handle(req);
        // Answered 200: its apply chain is in flight until applied, so the store outlives it.
        if (reply.status === 200) void ctx.work.track(intake.idle());
        else status.set(render);
        return reply;
      });
      status.set(render, true);
    } catch (err) {
      ctx.board.set({ fill: 'red', shape: 'ring', text: 'path in use' });
      node.error(`fedex-webhook: ${(err as Error).message}`);
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      route?.remove();
      status.stop();
      // Events already answered 200 are applied before the store may close.
      void ctx.release().then(() => {
        ctx.board.clear();
        done();
      });
    });
  }

  RED.nodes.registerType('fedex-webhook', FedexWebhookNode);
};
