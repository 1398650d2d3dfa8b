/**
 * audit-sink: records any msg it receives in the audit trail and passes it on; msg.topic
 * "replay", "query" and "export" are commands (see the node's help). The recording rules live in
 * sink-record.ts, replay/export in replay.ts.
 */
import { promises as fs } from 'fs';
import { dirname, isAbsolute, join, resolve } from 'path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { registerNode } from '../shared/register-node';
import { StatusBoard } from '../shared/node-status';
import { useConfig } from '../shared/use-config';
import { AUDIT_CONFIG, type ReplayTarget } from './config-api';
import { MAX_PAGE_SIZE, parseAuditQuery } from './query-parse';
import { exportJsonLines, parseReplayFilter, replayEntries } from './replay';
import { entryFromMsg, type SinkSettings } from './sink-record';
import type { AuditStore } from './types';
import { isAuditSystem } from './vocabulary';
import { bool, number } from '../shared/settings';
import { DEFAULT_ALERT_THRESHOLDS } from '../console/alerts';
import { alertInput } from '../console/alert-source';
import { watchAlerts } from '../console/alert-watch';

interface AuditSinkDef extends NodeDef {
  audit?: string;
  system?: string;
  operation?: string;
  exportFile?: string;
  alerts?: boolean | string;
  webhookSilentHours?: string | number;
  unknownOutcomeMinutes?: string | number;
  pollerFailures?: string | number;
}

type SendFn = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;

/** Largest export emitted as a string payload (a file export has no limit). */
const MAX_STRING_EXPORT = 10_000;
const DEFAULT_QUERY_PAGE = 100;
const STATUS_THROTTLE_MS = 1000;

export = function (RED: NodeAPI): void {
  function setUp(node: Node, def: AuditSinkDef): void {
    const used = useConfig(RED, node, AUDIT_CONFIG, def.audit);
    if (!used) return;
    const { config: cfg, work } = used;
    // one status update per second at most: a busy sink must not flood Status nodes
    const board = new StatusBoard(RED, node, { throttleMs: STATUS_THROTTLE_MS });
    const settings: SinkSettings = {
      nodeId: node.id,
      system: isAuditSystem(def.system) ? def.system : undefined,
      operation: def.operation?.trim() || undefined,
    };
    const userDir = (RED.settings as { userDir?: string }).userDir;
    const counts = { recorded: 0, failed: 0, replayed: 0 };
    let notRecorded = false;

    const status = (): NodeStatus => {
      if (notRecorded) return { fill: 'red', shape: 'ring', text: RED._('audit-sink.status.notRecorded') };
      const parts = [RED._('audit-sink.status.recorded', { count: counts.recorded })];
      if (counts.failed) parts.push(RED._('audit-sink.status.failed', { count: counts.failed }));
      if (counts.replayed) parts.push(RED._('audit-sink.status.replayed', { count: counts.replayed }));
      return { fill: counts.failed ? 'yellow' : 'green', shape: 'dot', text: parts.join(', ') };
    };
    const scheduleStatus = (): void => board.update(status);

    const target: ReplayTarget = {
      id: node.id,
      emitReplays(msgs) {
        for (const m of msgs) node.send(m as NodeMessage);
        counts.replayed += msgs.length;
        scheduleStatus();
      },
    };
    cfg.registerReplayTarget(target);

    const record = async (msg: NodeMessageInFlow, send: SendFn): Promise<void> => {
      const entry = entryFromMsg(msg as Record<string, unknown>, settings);
      // a replay's marker (replayOf, idempotencyKey, ...) must reach the connector downstream;
      // any other msg.audit is replaced, so no step's ledger key leaks into the next step
      const priorAudit = msg.audit && typeof msg.audit === 'object' ? (msg.audit as Record<string, unknown>) : {};
      const prior = typeof priorAudit.replayOf === 'string' ? priorAudit : {};
      let recordError: Error | undefined;
      try {
        const stored = await cfg.getStore().record(entry);
        msg.audit = { ...prior, id: stored.id, status: stored.status };
        counts.recorded += 1;
        if (stored.status === 'failed') counts.failed += 1;
        notRecorded = false;
      } catch (err) {
        recordError = err instanceof Error ? err : new Error(String(err));
        msg.audit = { ...prior, status: entry.status };
        notRecorded = true;
      }
      scheduleStatus();
      // the flow goes on even when the trail cannot be written; the error is reported (catchable)
      send(msg);
      if (recordError) throw new Error(RED._('audit-sink.errors.notRecorded', { error: recordError.message }));
    };

    const replay = async (msg: NodeMessageInFlow, send: SendFn, store: AuditStore): Promise<void> => {
      const filter = parseReplayFilter(msg.payload);
      const result = await replayEntries(store, filter, { owner: cfg.instanceId, nodeId: node.id });
      for (const item of result.replayed) send(item.msg as NodeMessage);
      counts.replayed += result.replayed.length;
      const errors = result.skipped.filter((s) => s.reason === 'error');
      if (errors.length) node.warn(RED._('audit-sink.warn.replay', { count: errors.length, detail: errors[0].detail }));
      scheduleStatus();
    };

    const query = async (msg: NodeMessageInFlow, send: SendFn, store: AuditStore): Promise<void> => {
      const q = { limit: DEFAULT_QUERY_PAGE, ...parseAuditQuery(msg.payload, MAX_PAGE_SIZE) };
      const page = await store.query(q);
      const offset = q.offset ?? 0;
      const next = offset + page.entries.length;
      msg.payload = page.entries;
      msg.page = {
        total: page.total,
        offset,
        limit: q.limit,
        nextOffset: next < page.total && page.entries.length > 0 ? next : undefined,
      };
      send(msg);
    };

    const exportEntries = async (msg: NodeMessageInFlow, send: SendFn, store: AuditStore): Promise<void> => {
      const parsed = parseAuditQuery(msg.payload, Number.MAX_SAFE_INTEGER);
      const { limit, offset: _ignored, ...q } = parsed;
      const file = def.exportFile?.trim();
      if (file) {
        const path = isAbsolute(file) ? file : resolve(join(userDir ?? process.cwd(), file));
        await fs.mkdir(dirname(path), { recursive: true });
        const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
        const handle = await fs.open(tmp, 'w');
        let count: number;
        try {
          count = await exportJsonLines(store, q, async (chunk) => void (await handle.write(chunk)), { max: limit });
        } finally {
          await handle.close();
        }
        // a reader never sees a half-written export
        await fs.rename(tmp, path);
        msg.payload = { file: path, count };
      } else {
        const max = Math.min(limit ?? MAX_STRING_EXPORT, MAX_STRING_EXPORT);
        const chunks: string[] = [];
        const count = await exportJsonLines(store, q, (chunk) => void chunks.push(chunk), { max });
        const total = (await store.query({ ...q, limit: 0 })).total;
        msg.payload = chunks.join('');
        msg.export = { count, total, truncated: count < total && limit === undefined };
      }
      send(msg);
    };

    node.on('input', (msg: NodeMessageInFlow, send: SendFn, done: (err?: Error) => void) => {
      const run = async (): Promise<void> => {
        switch (msg.topic) {
          case 'replay':
            return replay(msg, send, cfg.getStore());
          case 'query':
            return query(msg, send, cfg.getStore());
          case 'export':
            return exportEntries(msg, send, cfg.getStore());
          default:
            return record(msg, send);
        }
      };
      // in flight for the audit-config: a redeploy closes its store only after this msg
      work.run(run).then(
        () => done(),
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      );
    });

    const stopAlerts = bool(def.alerts, false)
      ? watchAlerts({
          thresholds: {
            webhookSilentHours: number(def.webhookSilentHours, DEFAULT_ALERT_THRESHOLDS.webhookSilentHours, {
              above: 0,
            }),
            unknownOutcomeMinutes: number(def.unknownOutcomeMinutes, DEFAULT_ALERT_THRESHOLDS.unknownOutcomeMinutes, {
              min: 0,
            }),
            pollerFailures: number(def.pollerFailures, DEFAULT_ALERT_THRESHOLDS.pollerFailures, { min: 1 }),
          },
          input: (since) => alertInput(RED, cfg, since),
          emit: (msg) => node.send([null, msg as NodeMessage]),
          onError: (err) => node.warn(`audit-sink alerts: ${err instanceof Error ? err.message : String(err)}`),
        })
      : () => undefined;

    node.on('close', (_removed: boolean, done: () => void) => {
      stopAlerts();
      cfg.deregisterReplayTarget(target);
      void work.close().finally(() => {
        board.clear();
        done();
      });
    });

    board.set(status());
  }

  registerNode(RED, 'audit-sink', setUp);
};
