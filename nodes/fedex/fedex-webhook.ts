/**
 * fedex-webhook: receives FedEx Advanced Integrated Visibility pushes on a POST route of
 * RED.httpNode and emits one tracking update per tracking result (tracking-webhook-service.ts).
 * It needs an audit-config: events are stored there before FedEx gets its 200; without one every push is
 * answered 503, so FedEx keeps it (retries, then its missed-events queue) instead of losing it.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { AuditStore } from '../audit/types';
import { bool } from '../shared/settings';
import { registerNode } from '../shared/register-node';
import { registerWebhookRoute, type WebhookRoute } from '../shared/webhook-route';
import { shortTime } from '../shared/node-status';
import { useAudit } from '../shared/use-audit';
import { useTokenConfig } from '../shared/use-token-config';
import { FEDEX_CONFIG } from './config-api';
import { x3FromCorrelation } from './tracking';
import { TrackingWebhookService } from './tracking-webhook-service';

interface FedexWebhookDef extends NodeDef {
  fedex?: string;
  audit?: string;
  path?: string;
  emitAll?: boolean | string;
}

const DEFAULT_WEBHOOK_PATH = '/fedex/webhook';

export = function (RED: NodeAPI): void {
  function setup(node: Node, def: FedexWebhookDef): void {
    const ctx = useTokenConfig(RED, node, FEDEX_CONFIG, def.fedex, (c) => c.client);
    if (!ctx) return;
    const config = ctx.config;
    let intake: TrackingWebhookService | undefined;
    // its work (storing a push, applying what is stored) keeps the audit store open through a redeploy
    const audit = useAudit(RED, node, ctx.work, def.audit);
    try {
      if (!audit.config) throw new Error(RED._('fedex-webhook.errors.noAudit'));
      const store: AuditStore = audit.config.getStore();
      intake = new TrackingWebhookService({
        store,
        secret: () => config.webhookSecret(),
        scope: `fedex-webhook:${node.id}`,
        emitAll: bool(def.emitAll, false),
        record: (e) => audit.record(e),
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
          ctx.board.update(render);
        },
        onResultError: (tn, code, message) =>
          node.warn(RED._('fedex-webhook.warn.result', { trackingNumber: tn, code, message })),
        onError: (err) => node.error(RED._('fedex-webhook.errors.processing', { error: (err as Error).message })),
      });
    } catch (err) {
      // the route still answers (503): FedEx keeps the events until this is fixed
      ctx.board.set({
        fill: 'red',
        shape: 'ring',
        text: audit.config ? RED._('fedex-webhook.status.auditUnavailable') : RED._('fedex-webhook.status.noAudit'),
      });
      node.error(RED._('fedex-webhook.errors.unavailable', { error: (err as Error).message }));
    }
    if (!config.webhookSecret()) {
      node.warn(RED._('fedex-webhook.warn.noToken'));
    }

    const path = (def.path ?? '').trim() || DEFAULT_WEBHOOK_PATH;
    let route: WebhookRoute | undefined;
    const render = () => {
      const c = intake?.counters ?? { received: 0, emitted: 0, rejected: 0, lastAt: undefined };
      return {
        fill: c.rejected && !c.received ? ('yellow' as const) : ('green' as const),
        shape: 'dot' as const,
        text: [
          RED._('fedex-webhook.status.events', { path: route?.fullPath ?? path, count: c.emitted }),
          ...(c.rejected ? [RED._('fedex-webhook.status.refused', { count: c.rejected })] : []),
          ...(c.lastAt ? [shortTime(c.lastAt)] : []),
        ].join(' · '),
      };
    };
    try {
      route = registerWebhookRoute(RED, node.id, path, async (req) => {
        if (!intake) return { status: 503, body: { error: 'webhook events cannot be stored (no audit store)' } };
        const reply = await ctx.work.track(intake.handle(req));
        // stored and answered 200: applying it is in flight, so the store outlives it
        if (reply.status === 200) void ctx.work.track(intake.idle());
        else ctx.board.update(render);
        return reply;
      });
      if (intake) ctx.board.set(render());
    } catch (err) {
      ctx.board.set({ fill: 'red', shape: 'ring', text: RED._('fedex-webhook.status.pathInUse') });
      node.error(RED._('fedex-webhook.errors.route', { error: (err as Error).message }));
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      route?.remove();
      // Events answered 200 are stored: the one being applied is settled, the rest wait for the next start.
      void (intake?.close() ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => ctx.release())
        .then(() => {
          ctx.board.clear();
          done();
        });
    });

    intake?.recover().then(
      (n) => {
        if (n > 0) node.log(RED._('fedex-webhook.log.pending', { count: n }));
      },
      (err: unknown) => node.warn(RED._('fedex-webhook.warn.pending', { error: (err as Error).message })),
    );
  }

  registerNode(RED, 'fedex-webhook', setup);
};
