/**
 * audit-config: the audit store (trail + exactly-once ledger + tracked shipments + seen ids)
 * shared by every node that references it. Opens the backend, runs the daily retention purge,
 * and releases the store on close.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { serveConfigUsers } from '../shared/config-users';
import { registerNode } from '../shared/register-node';
import { bool, number } from '../shared/settings';
import { registerAuditAdminRoutes } from './admin-routes';
import { AUDIT_CONFIG_TYPE, PROCESS_INSTANCE_ID, type AuditConfigApi, type ReplayTarget } from './config-api';
import { DEFAULT_STALE_CLAIM_MS } from './ledger-resolve';
import { DEFAULT_LEASE_MS } from '../core/leader-lease';
import { isAbsolute, resolve } from 'path';
import { LabelStore } from './label-store';
import { registerLabelAdminRoutes } from './label-routes';
import { DEFAULT_LABEL_RETENTION_DAYS, DEFAULT_LEDGER_RETENTION_DAYS, runLedgerRetention } from './ledger-retention';
import { startRetentionPurge, type RetentionSchedule } from './retention';
import { acquireAuditStore, resolveSqlitePath, type AuditBackend } from './store-factory';
import type { AuditStore } from './types';
import { countingStore } from '../console/entry-metrics';
import { liveCounts } from '../console/live';
import { metricsReply } from '../console/metrics-endpoint';
import { metricsText } from '../console/metrics-text';
import { text } from '../shared/settings';
import { registerWebhookRoute, type WebhookRoute } from '../shared/webhook-route';

interface AuditConfigDef extends NodeDef {
  backend?: string;
  path?: string;
  connection?: string;
  tls?: string;
  tlsCa?: string;
  schema?: string;
  retentionDays?: string | number;
  staleClaimMinutes?: string | number;
  leaseSeconds?: string | number;
  ledgerRetentionDays?: string | number;
  labelDir?: string;
  labelRetentionDays?: string | number;
  maskPersonalData?: boolean | string;
  metricsPath?: string;
}

interface AuditConfigCredentials {
  password?: string;
  metricsToken?: string;
}

type AuditConfigInstance = Node<AuditConfigCredentials> & {
  -readonly [K in keyof AuditConfigApi]: AuditConfigApi[K];
};

const DEFAULT_RETENTION_DAYS = 90;

function retentionDaysOf(v: unknown, fallback = DEFAULT_RETENTION_DAYS): number {
  return number(v, fallback, { min: 0 });
}

/** Default label directory: beside the audit database, in the Node-RED user directory. */
const DEFAULT_LABEL_DIR = 'sage-x3-shipping-labels';

function staleClaimMsOf(v: unknown): number {
  const minutes = number(v, undefined, { above: 0 });
  return minutes !== undefined ? minutes * 60_000 : DEFAULT_STALE_CLAIM_MS;
}

export = function (RED: NodeAPI): void {
  function setUp(node: AuditConfigInstance, def: AuditConfigDef): void {
    const backend: AuditBackend = def.backend === 'postgres' ? 'postgres' : 'sqlite';
    const userDir = (RED.settings as { userDir?: string }).userDir;

    node.instanceId = PROCESS_INSTANCE_ID;
    node.retentionDays = retentionDaysOf(def.retentionDays);
    node.maskPersonalData = bool(def.maskPersonalData, false);
    node.leaseMs = number(def.leaseSeconds, DEFAULT_LEASE_MS / 1000, { above: 0 }) * 1000;
    node.ledgerResolveOptions = {
      staleClaimMs: staleClaimMsOf(def.staleClaimMinutes),
      // the embedded file belongs to this runtime alone: a claim of another owner was made by an
      // earlier process; a shared (PostgreSQL) store has other live instances, so age decides
      liveOwners: backend === 'sqlite' ? [PROCESS_INSTANCE_ID] : undefined,
    };

    let store: AuditStore | undefined;
    let openError: Error | undefined;
    try {
      store = acquireAuditStore({
        backend,
        path: def.path,
        baseDir: userDir,
        connection: def.connection,
        password: node.credentials?.password,
        tls: def.tls === 'verify' || def.tls === 'no-verify' ? def.tls : 'off',
        tlsCaFile: def.tlsCa,
        schema: def.schema,
        maskPersonalData: node.maskPersonalData,
        onError: (err) => node.warn(RED._('audit-config.warn.connectionLost', { error: err.message })),
      });
      // a shared store connects in the background: say at once when it cannot be reached (its
      // calls keep failing with the reason, and each tries to connect again)
      if ('ready' in store && typeof store.ready === 'function') {
        (store.ready as () => Promise<void>)().catch((err: unknown) =>
          node.error(RED._('audit-config.errors.openShared', { error: (err as Error).message })),
        );
      }
    } catch (err) {
      openError = err instanceof Error ? err : new Error(String(err));
      const where = backend === 'sqlite' ? ` (${resolveSqlitePath(def.path, userDir)})` : '';
      node.error(RED._('audit-config.errors.open', { where, error: openError.message }));
    }

    // the entries every node records are counted for the metrics endpoint (console/entry-metrics.ts)
    // and each one pushes the console's live counts (console/live.ts)
    const live = liveCounts({
      configId: node.id,
      store: () => node.getStore(),
      publish: (topic, data) => RED.comms.publish(topic, data, false),
      attention: () => node.ledgerResolveOptions,
    });
    if (store) store = countingStore(store, live.poke);

    node.getStore = (): AuditStore => {
      if (store) return store;
      throw new Error(
        RED._('audit-config.errors.unavailable', {
          error: openError?.message ?? RED._('audit-config.errors.closed'),
        }),
      );
    };

    // Every entry being written counts as in flight: the store does not close under it.
    node.recordSafe = (entry) =>
      users.track(
        (async () => {
          try {
            return await node.getStore().record(entry);
          } catch (err) {
            node.warn(
              RED._('audit-config.warn.notRecorded', {
                system: entry.system,
                operation: entry.operation,
                status: entry.status,
                error: (err as Error).message,
              }),
            );
            return undefined;
          }
        })(),
      );

    const targets = new Map<string, ReplayTarget>();
    node.registerReplayTarget = (t) => void targets.set(t.id, t);
    node.deregisterReplayTarget = (t) => {
      if (targets.get(t.id) === t) targets.delete(t.id);
    };
    node.replayTargets = () => [...targets.values()].sort((a, b) => a.id.localeCompare(b.id));

    // on audit-config because the ledger and the trail it serves hold the references, and every
    // node that ships or replays a document already reaches the same config
    const labelDir = (def.labelDir ?? '').trim() || DEFAULT_LABEL_DIR;
    // without a user directory (embedded runtimes, tests) a relative folder has no home: labels
    // then stay inline in the ledger rather than landing in the process's working directory
    node.labelStore =
      isAbsolute(labelDir) || userDir
        ? new LabelStore({ dir: isAbsolute(labelDir) ? labelDir : resolve(userDir as string, labelDir) })
        : undefined;
    const ledgerRetentionDays = retentionDaysOf(def.ledgerRetentionDays, DEFAULT_LEDGER_RETENTION_DAYS);
    const labelRetentionDays = retentionDaysOf(def.labelRetentionDays, DEFAULT_LABEL_RETENTION_DAYS);

    let retention: RetentionSchedule | undefined;
    if (store) {
      const opened = store;
      retention = startRetentionPurge({
        store,
        retentionDays: node.retentionDays,
        onPurged: (n, cutoff) => {
          if (n > 0) node.log(RED._('audit-config.log.retention', { count: n, cutoff }));
        },
        also: async (nowMs) => {
          const r = await runLedgerRetention(
            {
              store: opened,
              labels: node.labelStore,
              retentionDays: node.retentionDays,
              ledgerRetentionDays,
              labelRetentionDays,
            },
            nowMs,
          );
          if (r.labelsMoved || r.ledgerPurged || r.labelFilesPurged.files) {
            node.log(
              RED._('audit-config.log.ledgerRetention', {
                moved: r.labelsMoved,
                purged: r.ledgerPurged,
                files: r.labelFilesPurged.files,
                bytes: r.labelFilesPurged.bytes,
              }),
            );
          }
        },
        onError: (err) => node.warn(RED._('audit-config.warn.purge', { error: (err as Error).message })),
      });
    }

    const metricsRoute = serveMetrics(node, def);
    // the route goes at once: a scrape during the drain would read a store about to close
    node.on('close', () => metricsRoute?.remove());

    // The store closes last: after the ledger writes and audit entries its nodes have in flight.
    const users = serveConfigUsers(RED, node, async () => {
      retention?.stop();
      live.close();
      targets.clear();
      const s = store;
      store = undefined;
      openError = undefined;
      await s
        ?.close()
        .catch((err: unknown) => node.warn(RED._('audit-config.warn.close', { error: (err as Error).message })));
    });
    node.track = users.track;
  }

  /** The Prometheus scrape on httpNode when a path is set; never without its bearer token. */
  function serveMetrics(node: AuditConfigInstance, def: AuditConfigDef): WebhookRoute | undefined {
    const path = text(def.metricsPath, '');
    if (!path) return undefined;
    const token = node.credentials?.metricsToken ?? '';
    if (!token) {
      node.warn(RED._('audit-config.warn.metricsNoToken', { path }));
      return undefined;
    }
    try {
      return registerWebhookRoute(
        RED,
        node.id,
        path,
        (req) => metricsReply(req.headers, token, () => metricsText(RED)),
        {
          method: 'GET',
        },
      );
    } catch (err) {
      node.error(RED._('audit-config.errors.metricsRoute', { path, error: (err as Error).message }));
      return undefined;
    }
  }

  registerNode(RED, AUDIT_CONFIG_TYPE, setUp, {
    credentials: { password: { type: 'password' }, metricsToken: { type: 'password' } },
  });
  registerAuditAdminRoutes(RED);
  registerLabelAdminRoutes(RED);
};
