/**
 * shipstation-in: receives ShipStation webhooks (pointer payloads), stores each pointer durably
 * in the audit store before answering 200, then fetches the full resource through the config's
 * shared limiter and emits one msg per order / shipment / fulfilment. The security, durability
 * and de-duplication rules are in the node's help; the work is in pointer-webhook-service.ts
 * (checks in webhook-checks.ts, storing, fetch, retry and recovery in pointer-inbox.ts).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { useAudit } from '../shared/use-audit';
import { registerNode } from '../shared/register-node';
import { failMessage, type Msg } from '../shared/red';
import { registerWebhookRoute, type WebhookRequest, type WebhookRoute } from '../shared/webhook-route';
import { configLabel, NotConfiguredError, notConfiguredStatus, rejectInputs } from '../shared/not-configured';
import { bool, number } from '../shared/settings';
import { mappingOf, mapToX3Of, type MappingDef } from './mapping-settings';
import { useShipStationConfig } from './use-shipstation-config';
import { PointerWebhookService } from './pointer-webhook-service';
import type { ApiVersion } from './resource-url';
import { acceptedEvents } from './webhook-checks';

interface InDef extends NodeDef, MappingDef {
  server?: string;
  path?: string;
  version?: string;
  events?: string;
  audit?: string;
  maxAttempts?: string | number;
  retrySeconds?: string | number;
  retryMaxSeconds?: string | number;
  includeItems?: boolean | string;
  maxAgeSeconds?: string | number;
}

interface InCredentials {
  token?: string;
}

export = function (RED: NodeAPI): void {
  function setup(node: Node<InCredentials>, def: InDef): void {
    const version: ApiVersion = def.version === 'v2' ? 'v2' : 'v1';
    const ctx = useShipStationConfig(RED, node, def.server, version);
    if (!ctx) return;
    const { config: cfg, work, board: status } = ctx;
    const token = node.credentials?.token?.trim() || undefined;
    const path = (def.path?.trim() || '/shipstation/webhook').replace(/\/+$/, '') || '/shipstation/webhook';
    if (version === 'v1' && !token) {
      // the node's own setting, so its own line (a warning: an imported example is not broken)
      const problem = new NotConfiguredError('shipstation', configLabel(node, def), [
        'a secret webhook token (V1 webhooks are unsigned): generate one in the node settings',
      ]);
      rejectInputs(node, problem, notConfiguredStatus(RED));
      node.warn(problem.message);
      void ctx.release();
      return;
    }
    const client = cfg.client;
    const audit = useAudit(RED, node, work, def.audit, {
      warning: RED._('shipstation-in.warn.auditFallback'),
    });
    const service = new PointerWebhookService({
      client,
      jwks: cfg.jwks,
      store: (audit.available() ?? audit.fallback())!,
      record: (entry) => audit.record(entry),
      nodeId: node.id,
      scope: `shipstation-in:${node.id}`,
      version,
      token,
      events: acceptedEvents(version, def.events),
      maxAgeMs: number(def.maxAgeSeconds, 300, { min: 1 }) * 1000,
      mapToX3: mapToX3Of(def),
      mapping: mappingOf(def),
      includeItems: bool(def.includeItems, true),
      maxAttempts: number(def.maxAttempts, 10, { min: 0 }),
      backoff: {
        baseDelayMs: number(def.retrySeconds, 10, { min: 0.001 }) * 1000,
        maxDelayMs: number(def.retryMaxSeconds, 600, { min: 0.001 }) * 1000,
      },
      onRecord: (msg) => node.send(msg as NodeMessage),
      onFailed: (err, msg) => node.error(failMessage(msg as Msg, err, 'shipstation'), msg),
      warn: (text) => node.warn(text),
      error: (text) => node.error(text),
      onChange: () => showStatus(),
    });

    const showStatus = (): void => {
      const q = service.state();
      if (q.lastError && q.waitingRetry > 0) {
        status.set({
          fill: 'yellow',
          shape: 'ring',
          text: RED._('shipstation-in.status.retrying', { count: q.waitingRetry, error: q.lastError }).slice(0, 48),
        });
      } else if (q.processing || q.queued > 0) {
        status.set({
          fill: 'blue',
          shape: 'dot',
          text: RED._('shipstation-in.status.fetching', { count: q.queued + (q.processing ? 1 : 0) }),
        });
      } else {
        status.set({
          fill: 'green',
          shape: 'dot',
          text: q.emitted
            ? RED._('shipstation-in.status.emitted', { count: q.emitted })
            : RED._('shipstation-in.status.listening'),
        });
      }
    };

    const routes: WebhookRoute[] = [];
    // A webhook being stored (before its 200) keeps the store and the key cache open through a
    // redeploy; once stored, so does its fetch (the client and the store outlive it).
    const handler = (tokenInPath: boolean) => async (req: WebhookRequest) => {
      const reply = await work.track(service.handle(req, tokenInPath));
      if (reply.status === 200) void work.track(service.idle());
      return reply;
    };

    try {
      routes.push(registerWebhookRoute(RED, node.id, path, handler(false)));
      // the token is a parameter, not part of the route: express would match it case-insensitively
      if (token) routes.push(registerWebhookRoute(RED, `${node.id}:token`, `${path}/:token`, handler(true)));
    } catch (err) {
      for (const r of routes) r.remove();
      routes.length = 0;
      status.set({ fill: 'red', shape: 'ring', text: RED._('shipstation-in.status.routeNotRegistered') });
      node.error(RED._('shipstation-in.errors.route', { error: (err as Error).message }));
    }
    showStatus();

    service.recover().then(
      (n) => {
        if (n === 0) return;
        node.log(RED._('shipstation-in.log.pending', { count: n }));
        void work.track(service.idle());
      },
      (err: unknown) => node.warn(RED._('shipstation-in.warn.pending', { error: (err as Error).message })),
    );

    node.on('close', (_removed: boolean, done: () => void) => {
      for (const r of routes) r.remove();
      void service
        .close()
        .catch(() => undefined)
        .then(() => ctx.release())
        .then(() => audit.close())
        .finally(() => done());
    });
  }

  registerNode(RED, 'shipstation-in', setup, {
    credentials: { token: { type: 'password' } },
  });
};
