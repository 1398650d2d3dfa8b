/**
 * x3-update: writes to X3 — update (with the guarded tracking-number write-back), create and
 * upsert (found by key or external reference, created under an exactly-once ledger claim),
 * ensure (records exist). The logic lives in update-ops.ts; this file reads the settings, picks
 * the ledger, records the outcome in the audit trail and reports.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ApiError, toErrorInfo, ValidationError } from '../core/errors';
import { Semaphore } from '../core/keyed-queue';
import { stateFile } from '../core/state-file';
import { parseMapping } from '../core/template';
import { correlationFromMsg } from '../audit/correlation';
import { replayLedgerKey } from '../audit/msg-audit';
import type { AuditCorrelation, AuditEntryInput } from '../audit/types';
import { failMessage, userDir, type DoneFn, type Msg, type SendFn } from '../shared/red';
import { registerNode } from '../shared/register-node';
import { number } from '../shared/settings';
import { useAudit } from '../shared/use-audit';
import { commonText } from '../shared/i18n';
import { useTokenConfig } from '../shared/use-token-config';
import { X3_CONFIG } from './config-api';
import type { EntityDefinition } from './entities';
import { parseEntityOverride } from './entity-override';
import { describeMessages } from './soap';
import {
  documentKeys,
  runUpdate,
  UPDATE_OPERATIONS,
  type LedgerAccess,
  type UpdateOperation,
  type UpdateSettings,
} from './update-ops';
import { fileLastWrittenStore, sharedLastWrittenStore } from './write-back';
import { newerStoredStatus } from '../fedex/tracking';
import { ReadBatcher } from './read-batch';

interface UpdateDef extends NodeDef {
  server?: string;
  entity?: string;
  entityOverride?: string;
  operation?: string;
  key?: string;
  externalRefField?: string;
  externalRefValue?: string;
  mapping?: string;
  recordProperty?: string;
  trackingField?: string;
  trackingValue?: string;
  trackingMode?: string;
  separator?: string;
  statusField?: string;
  statusValue?: string;
  idempotencyKey?: string;
  /** Seconds after a dead process sent a create before X3 is asked whether it exists. */
  takeoverGrace?: string | number;
  warnings?: string;
  subprogram?: string;
  subprogramGroup?: string;
  labelField?: string;
  labelValue?: string;
  labelPathPrefix?: string;
  labelSubprogram?: string;
  labelSubprogramGroup?: string;
  labelSubprogramParams?: string;
  audit?: string;
}

function settingsOf(def: UpdateDef): UpdateSettings {
  const operation = (UPDATE_OPERATIONS as readonly string[]).includes(def.operation ?? '')
    ? (def.operation as UpdateOperation)
    : 'update';
  const settings: UpdateSettings = {
    operation,
    keyTemplate: def.key?.trim() ?? '',
    externalRefField: def.externalRefField?.trim() ?? '',
    externalRefTemplate: def.externalRefValue?.trim() ?? '',
    mapping: parseMapping(def.mapping ?? '', 'field mapping'),
    recordProperty: (def.recordProperty ?? '').trim().replace(/^msg\./, ''),
    idempotencyTemplate: def.idempotencyKey?.trim() ?? '',
  };
  const grace = number(def.takeoverGrace, undefined, { min: 0 });
  if (grace !== undefined) settings.takeoverGraceMs = grace * 1000;
  if (def.trackingField?.trim()) {
    settings.tracking = {
      field: def.trackingField.trim(),
      template: def.trackingValue?.trim() || '{{payload.trackingNumber}}',
      mode: def.trackingMode === 'append' ? 'append' : 'replace',
      separator: def.separator ?? ',',
    };
  }
  if (def.subprogram?.trim()) {
    settings.subprogram = { publication: def.subprogram.trim(), group: def.subprogramGroup?.trim() || 'GRP1' };
  }
  if (def.labelField?.trim() || def.labelSubprogram?.trim()) {
    settings.label = {
      field: def.labelField?.trim() || undefined,
      template: def.labelValue?.trim() || '{{label.x3Path}}',
      pathPrefix: def.labelPathPrefix?.trim() ?? '',
    };
    if (def.labelSubprogram?.trim()) {
      settings.label.subprogram = {
        publication: def.labelSubprogram.trim(),
        group: def.labelSubprogramGroup?.trim() || 'GRP1',
        parameters: parseMapping(def.labelSubprogramParams ?? '', 'label subprogram parameters'),
      };
    }
  }
  if (def.statusField?.trim()) {
    settings.status = { field: def.statusField.trim(), template: def.statusValue?.trim() || '{{payload.status}}' };
  }
  return settings;
}

export = function (RED: NodeAPI): void {
  function setup(node: Node, def: UpdateDef): void {
    // Writes and creates in flight keep the connection and the audit store open through a redeploy.
    const ctx = useTokenConfig(RED, node, X3_CONFIG, def.server, (c) => c.getConnection());
    if (!ctx) return;
    const { board, work } = ctx;
    const conn = ctx.config.getConnection();
    let fixedEntity: EntityDefinition | undefined;
    let override: unknown;
    let settings: UpdateSettings;
    try {
      override = parseEntityOverride(def.entityOverride);
      // No entity in the settings: each msg names it in msg.topic (x3-poll sets it).
      if (def.entity) fixedEntity = conn.entity(def.entity, override);
      settings = settingsOf(def);
    } catch (err) {
      board.set({ fill: 'red', shape: 'ring', text: commonText(RED, 'status.configurationError') });
      node.error(RED._('x3-update.errors.settings', { error: (err as Error).message }));
      void ctx.release();
      return;
    }
    // the schema is read at deploy; a failure here is reported by the first msg
    if (fixedEntity) conn.resolve(fixedEntity).catch(() => undefined);
    const audit = useAudit(RED, node, work, def.audit, {
      warning: RED._('x3-update.warn.auditFallback'),
      trail: false,
    });
    const lastWrittenFile = stateFile<{ entries: Record<string, [string, number]> }>(
      userDir(RED),
      'x3-update-writeback',
      node.id,
    );
    // several instances on a shared store: what any of them wrote back counts as ours
    const sharedStore = audit.config ? audit.available() : undefined;
    const lastWritten = sharedStore?.shared
      ? sharedLastWrittenStore(sharedStore, node.id)
      : fileLastWrittenStore(lastWrittenFile);

    const ledger = (): LedgerAccess | undefined => {
      if (settings.operation !== 'create' && settings.operation !== 'upsert') return undefined;
      return { store: audit.store()!, owner: audit.owner };
    };

    const operationName = `x3.${settings.operation}`;
    // ends a msg waiting out another process's claim (update-ops takeover grace) when closing
    const closing = new AbortController();
    // Msgs for one document one after another (the guarded write-back re-reads then writes, and
    // X3 has no optimistic locking), also those of the other x3-update nodes on this X3,
    // different documents in parallel, at most the x3-config's maxConcurrent at once: a burst
    // waits here, in arrival order, not in the HTTP layer.
    const documents = conn.documents;
    const slots = new Semaphore(conn.settings.maxConcurrent);
    // the re-reads of the documents started together go to X3 as one query (read-batch.ts)
    const reads = new ReadBatcher();
    board.set({});

    node.on('input', (msg: Msg, send: SendFn, done: DoneFn) => {
      const replayKey = replayLedgerKey(msg, 'x3.create');
      // throttled, as the done status below: a burst of write-backs redraws a few times a second,
      // not twice per msg (each redraw is a status event to every Status node and the editor)
      board.update(() => ({ fill: 'blue', shape: 'dot', text: settings.operation }));
      let entityName = fixedEntity?.name ?? (typeof msg.topic === 'string' ? msg.topic.trim() : '');
      // the msg's outcome in the audit trail, with where in X3 it was written
      const auditOutcome = async (
        outcome: Pick<AuditEntryInput, 'status' | 'error' | 'msg' | 'idempotencyKey'>,
        where: Pick<AuditCorrelation, 'x3Entity' | 'x3Key'>,
      ): Promise<void> => {
        if (!audit.config) return;
        await audit.record({
          system: 'x3',
          operation: operationName,
          correlation: { ...correlationFromMsg(msg), x3Folder: conn.folder, ...where },
          ...outcome,
          nodeId: node.id,
        });
      };
      const write = async (): Promise<void> => {
        // A msg still queued when a close's drain budget runs out starts nothing: a create begun
        // now would outlive the connection and the store (a claim left 'claimed'). Not applied:
        // its failure in the audit trail can be replayed.
        if (work.signal.aborted) {
          throw new ApiError({
            system: 'x3',
            code: 'CANCELED',
            message: 'x3-update: the node closed before this msg was processed (nothing was sent to X3)',
            retryable: true,
          });
        }
        if (!entityName) {
          throw new ValidationError(
            'x3',
            'topic',
            'x3-update: no X3 entity: choose one in the node or send its name in msg.topic (e.g. salesDelivery)',
          );
        }
        const entity = fixedEntity ?? conn.entity(entityName, override);
        entityName = entity.name;
        const outcome = await runUpdate(
          {
            gateway: conn,
            // the entity as this X3 names it: selections and writes follow its schema
            def: await conn.resolve(entity),
            settings,
            lastWritten,
            reads,
            ledger: ledger(),
            getProperty: (m, path) => RED.util.getMessageProperty(m, path),
            replayKey,
            signal: closing.signal,
            // the tracked shipments of this audit store order the statuses fedex-track and fedex-webhook emit
            newerStatus: sharedStore ? (view) => newerStoredStatus(sharedStore, view.payload) : undefined,
          },
          msg,
        );
        const items = outcome.items;
        const messages = items.flatMap((i) => i.messages);
        const warnings = messages.filter((m) => m.type !== 'information');
        const base = { entity: entity.name, operation: settings.operation, folder: conn.folder, api: outcome.api };
        if (settings.operation === 'ensure') {
          msg.x3 = { ...base, keys: items.map((i) => i.key), records: items.map((i) => i.record) };
        } else if (outcome.bulk) {
          msg.payload = items.map((i) => i.record);
          msg.x3 = { ...base, keys: items.map((i) => i.key), created: items.map((i) => i.created === true), messages };
        } else {
          const item = items[0];
          msg.payload = item.record;
          msg.x3 = {
            ...base,
            key: item.key,
            changed: item.changed,
            ...(item.created !== undefined ? { created: item.created } : {}),
            ...(item.newerStatus ? { newerStatus: item.newerStatus } : {}),
            ...(messages.length ? { messages } : {}),
          };
        }
        if (warnings.length && def.warnings === 'error') {
          throw new ApiError({
            system: 'x3',
            code: 'X3_WARNING',
            message: `X3 answered the ${settings.operation} of ${entity.name} ${items.map((i) => i.key).join(', ')} with warnings (the write was applied): ${describeMessages(warnings)}`,
            retryable: false,
            details: { messages },
          });
        }
        for (const m of warnings) node.warn(RED._('x3-update.warn.x3Message', { type: m.type, text: m.text }));
        const keys = items.map((i) => i.key);
        // the texts are looked up only when the status is drawn (the catalogue lookup cost more
        // than the rest of the status)
        board.update(() => {
          const verb =
            settings.operation === 'ensure'
              ? RED._('x3-update.status.found')
              : items.some((i) => i.created)
                ? RED._('x3-update.status.created')
                : items.some((i) => i.changed.length)
                  ? RED._('x3-update.status.updated')
                  : RED._('x3-update.status.unchanged');
          return {
            fill: 'green',
            shape: 'dot',
            text: RED._('x3-update.status.done', {
              verb,
              what: keys.length === 1 ? keys[0] : RED._('x3-update.status.records', { count: keys.length }),
            }),
          };
        });
        await auditOutcome(
          { status: 'succeeded', msg, idempotencyKey: items.length === 1 ? items[0].idempotencyKey : undefined },
          { x3Entity: entity.name, ...(keys.length === 1 ? { x3Key: keys[0] } : {}) },
        );
        send(msg);
      };
      let keys: string[] = [];
      try {
        const entity = fixedEntity ?? (entityName ? conn.entity(entityName, override) : undefined);
        if (entity) {
          keys = documentKeys(
            {
              gateway: conn,
              def: entity,
              settings,
              lastWritten,
              getProperty: (m, path) => RED.util.getMessageProperty(m, path),
              replayKey,
            },
            msg,
          );
        }
      } catch {
        // an unknown entity fails in write() with its reason
      }
      const run = documents.runAll(keys, () => slots.run(write));
      const settled = run.then(
        () => done(),
        async (err: unknown) => {
          const info = toErrorInfo(err, 'x3');
          board.set({ fill: 'red', shape: 'ring', text: info.code });
          const failed = failMessage(msg, err, 'x3');
          const { error: _error, ...replayable } = msg;
          void _error;
          await auditOutcome(
            {
              status: 'failed',
              error: {
                code: info.code,
                message: info.message,
                ...(info.status !== undefined ? { status: info.status } : {}),
              },
              msg: replayable,
              idempotencyKey: replayKey,
            },
            entityName ? { x3Entity: entityName } : {},
          );
          done(failed);
        },
      );
      void work.track(settled);
    });

    node.on('close', (removed: boolean, done: () => void) => {
      // a msg waiting out another process's claim gives up; writes in flight finish first
      closing.abort(new Error(RED._('x3-update.errors.closing')));
      void ctx
        .release()
        .then(() => {
          if (removed) lastWritten.remove();
          else lastWritten.close();
          board.clear();
          return audit.close();
        })
        .catch(() => undefined)
        .finally(() => done());
    });
  }

  registerNode(RED, 'x3-update', setup);
};
