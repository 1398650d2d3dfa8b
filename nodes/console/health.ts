/**
 * The Health view's data, gathered from the running flows (a Node-RED adapter): every config
 * node of the package (config-health.ts), every poller that reports (health-registry.ts), the
 * last delivery of each webhook route and, per audit-config, the errors of the last hour.
 */
import type { NodeAPI } from 'node-red';
import { getAuditConfig, type AuditConfigNode } from '../audit/config-api';
import { configHealth, type ConfigHealth } from './config-health';
import { healthReports, type HealthReport } from './health-registry';

export const WEBHOOK_TYPES = ['fedex-webhook', 'shipstation-in'] as const;

export interface WebhookHealth {
  id: string;
  type: string;
  name?: string;
  /** the audit-config it records to (none: nothing is known of its deliveries) */
  audit?: string;
  /** UTC ISO of the newest entry the route recorded */
  lastReceived: string | null;
  lastStatus: string | null;
}

export interface AuditHealth {
  id: string;
  name?: string;
  errorsLastHour: number | null;
  error?: string;
}

export interface HealthSnapshot {
  /** UTC ISO */
  now: string;
  configs: ConfigHealth[];
  pollers: HealthReport[];
  webhooks: WebhookHealth[];
  audit: AuditHealth[];
}

interface NodeDefLike {
  id: string;
  type: string;
  name?: string;
  audit?: string;
  d?: boolean;
}

/** The deployed audit-configs (id, name). */
export function auditConfigs(RED: NodeAPI): AuditConfigNode[] {
  const out: AuditConfigNode[] = [];
  RED.nodes.eachNode((def) => {
    if (def.type !== 'audit-config') return;
    const cfg = getAuditConfig(RED, def.id);
    if (cfg) out.push(cfg);
  });
  return out.sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id));
}

export async function collectHealth(RED: NodeAPI, now: number = Date.now()): Promise<HealthSnapshot> {
  const defs: NodeDefLike[] = [];
  RED.nodes.eachNode((def) => void defs.push(def as unknown as NodeDefLike));
  const configs: ConfigHealth[] = [];
  for (const def of defs) {
    const report = configHealth(RED.nodes.getNode(def.id), now);
    if (report) configs.push(report);
  }
  const webhooks = await Promise.all(
    defs
      .filter((d) => (WEBHOOK_TYPES as readonly string[]).includes(d.type) && !d.d)
      .map(async (d): Promise<WebhookHealth> => {
        const cfg = getAuditConfig(RED, d.audit);
        const base = { id: d.id, type: d.type, name: d.name || undefined, audit: cfg?.id };
        if (!cfg) return { ...base, lastReceived: null, lastStatus: null };
        try {
          const last = (await cfg.getStore().query({ nodeId: d.id, limit: 1 })).entries[0];
          return { ...base, lastReceived: last?.time ?? null, lastStatus: last?.status ?? null };
        } catch {
          return { ...base, lastReceived: null, lastStatus: null };
        }
      }),
  );
  const audit = await Promise.all(
    defs
      .filter((d) => d.type === 'audit-config')
      .map(async (d): Promise<AuditHealth> => {
        const cfg = getAuditConfig(RED, d.id);
        if (!cfg) return { id: d.id, name: d.name, errorsLastHour: null, error: 'not deployed' };
        try {
          const from = new Date(now - 3_600_000).toISOString();
          const page = await cfg.getStore().query({ status: 'failed', from, limit: 0 });
          return { id: d.id, name: d.name || undefined, errorsLastHour: page.total };
        } catch (err) {
          return {
            id: d.id,
            name: d.name,
            errorsLastHour: null,
            error: err instanceof Error ? err.message : String(err),
          };
        }
      }),
  );
  return { now: new Date(now).toISOString(), configs, pollers: healthReports(), webhooks, audit };
}
