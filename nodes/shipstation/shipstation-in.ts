/**
 * shipstation-in: receives ShipStation webhooks (pointer payloads), stores each pointer durably
 * in the audit store before answering 200, then fetches the full resource through the config's
 * shared limiter and emits one msg per order / shipment / fulfilment. The security, durability
 * and de-duplication rules are in the node's help; the moving parts live in webhook-intake.ts
 * (checks) and pointer-inbox.ts (storing, fetch, retry, recovery).
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { toErrorInfo } from '../core/errors';
import { getAuditConfig } from '../audit/config-api';
import { ConfigWork } from '../shared/config-users';
import { failMessage, type Msg } from '../shared/red';
import { registerWebhookRoute, type WebhookRequest, type WebhookRoute } from '../shared/webhook-route';
import { configLabel, NotConfiguredError, rejectInputs } from '../shared/not-configured';
import { BudgetStatus } from './budget-status';
import { getShipStationConfig } from './config-api';
import { mappingOf, mapToX3Of, nodeAudit, numberOf, type MappingDef } from './node-options';
import { PointerInbox } from './pointer-inbox';
import { recordMessage } from './record-message';
import { correlationOf, normaliseRecord, recordIdentity, recordKind } from './records';
import type { ApiVersion } from './resource-url';
import { acceptedEvents, checkWebhook, type IntakeRejection, type WebhookPointer } from './webhook-intake';

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
  function ShipStationInNode(this: Node<InCredentials>, def: InDef): void {
    RED.nodes.createNode(this, def);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this;
    const cfg = getShipStationConfig(RED, def.server);
    if (!cfg) {
      node.status({ fill: 'red', shape: 'ring', text: 'no shipstation-config' });
      node.error('shipstation-in: select a shipstation-config (missing, disabled or deleted)');
      return;
    }
    if (cfg.notConfigured) {
      // the config logged it once for all its nodes
      rejectInputs(node, cfg.notConfigured);
      return;
    }
    const version: ApiVersion = def.version === 'v2' ? 'v2' : 'v1';
    const token = node.credentials?.token?.trim() || undefined;
    const path = (def.path?.trim() || '/shipstation/webhook').replace(/\/+$/, '') || '/shipstation/webhook';
    if (version === 'v1' && !token) {
      // the node's own setting, so its own line (a warning: an imported example is not broken)
      const problem = new NotConfiguredError('shipstation', configLabel(node, def), [
        'a secret webhook token (V1 webhooks are unsigned): generate one in the node settings',
      ]);
      rejectInputs(node, problem);
      node.warn(problem.message);
      return;
    }
    const client = cfg.client;
    const work = new ConfigWork(RED, node);
    work.use(cfg);
    const status = new BudgetStatus(node, client, version);
    const audit = nodeAudit(RED, node, def.audit, true);
    work.use(getAuditConfig(RED, def.audit));
    const store = audit.store!;
    const events = acceptedEvents(version, def.events);
    const mapToX3 = mapToX3Of(def);
    const mapping = mappingOf(def);
    const includeItems = !(def.includeItems === false || def.includeItems === 'false');
    const scope = `shipstation-in:${node.id}`;
    let emittedTotal = 0;
    let lastError: string | undefined;

    const showStatus = (): void => {
      const q = queue.state();
      if (lastError && q.waitingRetry > 0) {
        status.set({ fill: 'yellow', shape: 'ring', text: `${q.waitingRetry} retrying: ${lastError}`.slice(0, 48) });
      } else if (q.processing || q.queued > 0) {
        status.set({ fill: 'blue', shape: 'dot', text: `fetching ${q.queued + (q.processing ? 1 : 0)}` });
      } else {
        status.set({ fill: 'green', shape: 'dot', text: emittedTotal ? `${emittedTotal} emitted` : 'listening' });
      }
    };

    const emitRecords = async (pointer: WebhookPointer, _entryId: string, signal: AbortSignal): Promise<number> => {
      let emitted = 0;
      const pages = client.resourcePages(pointer.resourceUrl, pointer.version, (target) => {
        // SHIP_NOTIFY points at shipments without their items; the X3 delivery needs the lines
        if (includeItems && target.version === 'v1' && /\/shipments$/i.test(target.url.pathname)) {
          for (const key of [...target.url.searchParams.keys()]) {
            if (key.toLowerCase() === 'includeshipmentitems') target.url.searchParams.delete(key);
          }
          target.url.searchParams.set('includeShipmentItems', 'true');
        }
      });
      for await (const page of pages) {
        for (const raw of page.records) {
          const kind = recordKind(page.version, page.collection, raw);
          const record = normaliseRecord(page.version, raw, { now: Date.now() });
          const ident = recordIdentity(kind, page.version, record);
          // closing: a msg sent now may meet a stopped flow; unseen, the record comes at the next start
          if (signal.aborted) throw new Error('shipstation-in closed');
          if (!(await store.markSeen(scope, `${ident.id}@${ident.stamp}`))) continue;
          const built = recordMessage({}, record, {
            version: page.version,
            kind,
            resourceUrl: pointer.resourceUrl,
            event: pointer.resourceType,
            mapToX3,
            mapping,
          });
          const correlation = correlationOf(kind, page.version, record);
          const stored = { topic: built.msg.topic, payload: record, shipstation: built.msg.shipstation };
          if (built.error) {
            const err = failMessage(built.msg as Msg, built.error, 'shipstation');
            const info = toErrorInfo(built.error, 'shipstation');
            await audit.record({
              system: 'shipstation',
              operation: `${kind}.receive`,
              status: 'failed',
              correlation,
              error: { code: info.code, message: info.message },
              msg: stored,
              nodeId: node.id,
            });
            node.error(err, built.msg);
          } else {
            await audit.record({
              system: 'shipstation',
              operation: `${kind}.receive`,
              status: 'succeeded',
              correlation,
              msg: { ...stored, x3Draft: built.msg.x3Draft },
              nodeId: node.id,
            });
            node.send(built.msg);
          }
          emitted += 1;
        }
      }
      return emitted;
    };

    const queue = new PointerInbox({
      store,
      scope,
      nodeId: node.id,
      fetch: emitRecords,
      maxAttempts: numberOf(def.maxAttempts, 10),
      backoff: {
        baseDelayMs: numberOf(def.retrySeconds, 10, 0.001) * 1000,
        maxDelayMs: numberOf(def.retryMaxSeconds, 600, 0.001) * 1000,
      },
      onRetry: (_id, attempt, delayMs, err) => {
        lastError = (err as Error).message;
        node.warn(
          `ShipStation resource fetch failed (attempt ${attempt}), retrying in ${Math.round(delayMs / 1000)} s: ${lastError}`,
        );
      },
      onGiveUp: (entryId, pointer, err) => {
        // the pointer inbox records the failure in the audit trail
        const msg: Record<string, unknown> = {
          topic: pointer.resourceType,
          payload: { resource_url: pointer.resourceUrl, resource_type: pointer.resourceType },
          shipstation: { version: pointer.version, event: pointer.resourceType, resourceUrl: pointer.resourceUrl },
          audit: { id: entryId, status: 'failed' },
        };
        node.error(failMessage(msg as Msg, err, 'shipstation'), msg);
      },
      onDone: (_id, emitted) => {
        emittedTotal += emitted;
        lastError = undefined;
      },
      onSettleError: (_id, err) =>
        node.warn(`ShipStation webhook outcome not stored (fetched again after a restart): ${(err as Error).message}`),
      onChange: () => showStatus(),
    });

    const reject = async (r: IntakeRejection, ip: string | undefined): Promise<void> => {
      if (!r.security) return;
      await audit.record({
        system: 'shipstation',
        operation: 'security',
        status: 'failed',
        error: { code: r.code, message: `${r.message}${ip ? ` (from ${ip})` : ''}`, status: r.status },
        nodeId: node.id,
      });
      node.warn(`ShipStation webhook refused: ${r.message}`);
    };

    const routes: WebhookRoute[] = [];
    const receive = async (tokenInPath: boolean, req: WebhookRequest) => {
      const checked = await checkWebhook(req, {
        version,
        token,
        tokenInPath,
        events,
        bases: client.bases,
        jwks: cfg.jwks,
        maxAgeMs: numberOf(def.maxAgeSeconds, 300, 1) * 1000,
      });
      if (!checked.ok) {
        await reject(checked, req.ip);
        return { status: checked.status, body: { error: checked.message } };
      }
      try {
        await queue.receive(checked.pointer);
      } catch (err) {
        // not on disk = not accepted: ShipStation may deliver it again
        node.error(`ShipStation webhook not stored, answered 503: ${(err as Error).message}`);
        return { status: 503, body: { error: 'could not record the webhook' } };
      }
      return { status: 200, body: { received: true } };
    };
    // A webhook being stored (before its 200) keeps the store and the key cache open through a
    // redeploy; once stored, so does its fetch (the client and the store outlive it).
    const handler = (tokenInPath: boolean) => async (req: WebhookRequest) => {
      const reply = await work.track(receive(tokenInPath, req));
      if (reply.status === 200) void work.track(queue.idle());
      return reply;
    };

    try {
      routes.push(registerWebhookRoute(RED, node.id, path, handler(false)));
      // the token is a parameter, not part of the route: express would match it case-insensitively
      if (token) routes.push(registerWebhookRoute(RED, `${node.id}:token`, `${path}/:token`, handler(true)));
    } catch (err) {
      for (const r of routes) r.remove();
      routes.length = 0;
      status.set({ fill: 'red', shape: 'ring', text: 'route not registered' });
      node.error(`shipstation-in: ${(err as Error).message}`);
    }
    showStatus();

    queue.recover().then(
      (n) => {
        if (n === 0) return;
        node.log(`picked up ${n} ShipStation webhook(s) recorded before the restart`);
        void work.track(queue.idle());
      },
      (err: unknown) => node.warn(`could not read pending webhooks from the audit store: ${(err as Error).message}`),
    );

    node.on('close', (_removed: boolean, done: () => void) => {
      for (const r of routes) r.remove();
      // Pointers answered 200 are stored: the fetch in progress is given up, and it and the
      // others are fetched at the next start.
      void queue
        .close()
        .catch(() => undefined)
        .then(() => work.close())
        .then(() => {
          status.close();
          return audit.close();
        })
        .finally(() => done());
    });
  }

  RED.nodes.registerType<Node<InCredentials>, InDef, unknown, InCredentials>('shipstation-in', ShipStationInNode, {
    credentials: { token: { type: 'password' } },
  });
};
