/**
 * x3-poll: emits X3 records changed since a persisted watermark, every `interval` seconds and on
 * any input msg, never two polls at once. Paging streams page by page; the watermark (core
 * Watermark in a state file keyed by node id) moves only after a page's records were sent.
 * Closing aborts the running poll: a closed instance sends nothing more and never writes the
 * watermark file, which its successor (a redeploy) already owns. With a shared (PostgreSQL)
 * audit store, only the holder of the poller's lease polls and the watermark lives in the store
 * (shared/use-election.ts); the others are on standby.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { toErrorInfo } from '../core/errors';
import { PollLoop } from '../core/poll-loop';
import { stateFile } from '../core/state-file';
import { toEpochMs } from '../core/time';
import { Watermark, type WatermarkData, type WatermarkStore } from '../core/watermark';
import { commonText } from '../shared/i18n';
import { registerNode } from '../shared/register-node';
import { shortTime } from '../shared/node-status';
import { failMessage, userDir, type DoneFn, type Msg, type SendFn } from '../shared/red';
import { bool, number } from '../shared/settings';
import { useAudit } from '../shared/use-audit';
import { useElection } from '../shared/use-election';
import { useTokenConfig } from '../shared/use-token-config';
import { X3_CONFIG } from './config-api';
import type { EntityDefinition } from './entities';
import { parseEntityOverride } from './entity-override';
import { pollOnce, type PolledRecord } from './poller';
import { reportHealth } from '../console/health-registry';
import { pollerReport } from '../console/poller-health';

interface PollDef extends NodeDef {
  server?: string;
  entity?: string;
  entityOverride?: string;
  interval?: string | number;
  overlap?: string | number;
  initial?: string;
  initialDate?: string;
  pageSize?: string | number;
  output?: string;
  filter?: string;
  withLines?: boolean | string;
  audit?: string;
}

interface StoredWatermark {
  /** What the position belongs to: changing entity, folder or server starts over. */
  scope: string;
  data: WatermarkData;
}

const MAX_BACKOFF_MS = 15 * 60_000;

export = function (RED: NodeAPI): void {
  function setup(node: Node, def: PollDef): void {
    const ctx = useTokenConfig(RED, node, X3_CONFIG, def.server, (c) => c.getConnection());
    if (!ctx) return;
    const { board, work } = ctx;
    const conn = ctx.config.getConnection();
    let entity: EntityDefinition;
    try {
      entity = conn.entity(def.entity || 'salesDelivery', parseEntityOverride(def.entityOverride));
    } catch (err) {
      board.set({ fill: 'red', shape: 'ring', text: commonText(RED, 'status.configurationError') });
      node.error(RED._('x3-poll.errors.settings', { error: (err as Error).message }));
      void ctx.release();
      return;
    }
    // the schema is read at deploy; a failure here is reported by the first poll
    conn.resolve(entity).catch(() => undefined);

    const intervalMs = number(def.interval, 60, { min: 1 }) * 1000;
    const overlapMs = number(def.overlap, 120, { min: 0 }) * 1000;
    const pageSize = Math.floor(number(def.pageSize, 100, { min: 1 }));
    const perPage = def.output === 'page';
    const withLines = bool(def.withLines, false);
    const filter = def.filter?.trim() || undefined;
    // "now" is X3's now (its newest stamp), not this host's clock: X3's clock may be behind.
    const initial =
      def.initial === 'all'
        ? 'all'
        : def.initial === 'date' && def.initialDate?.trim()
          ? def.initialDate.trim()
          : 'source';
    const audit = useAudit(RED, node, work, def.audit);
    const client = conn.clientFor(entity, 'read');

    const scope = JSON.stringify([conn.settings.url, conn.folder, entity.name, entity.key, entity.stamp]);
    const file = stateFile<StoredWatermark>(userDir(RED), 'x3-poll', node.id);
    let closed = false;
    const store: WatermarkStore = {
      read: () => {
        const stored = file.read();
        return stored && stored.scope === scope ? stored.data : undefined;
      },
      write: (data) => {
        if (!closed) file.write({ scope, data });
      },
    };
    let watermark: Watermark;
    // a reset asked for on a shared store: applied by the holder to the watermark it loads
    let pendingReset: string | undefined;
    const election = useElection({
      RED,
      node,
      audit,
      kind: 'x3-poll',
      scope,
      board,
      onRequest: (request) => {
        if (request.reset) pendingReset = request.reset;
        loop.poll().catch((err: unknown) => node.error(failMessage({} as Msg, err, 'x3')));
      },
    });
    try {
      if (initial !== 'source' && initial !== 'all') toEpochMs(initial);
      // with a shared store the holder loads the stored watermark before each poll
      watermark = new Watermark({
        store: election.lease ? { read: () => undefined, write: () => undefined } : store,
        overlapMs,
        initial,
      });
    } catch (err) {
      board.set({ fill: 'red', shape: 'ring', text: commonText(RED, 'status.configurationError') });
      node.error(RED._('x3-poll.errors.settings', { error: (err as Error).message }));
      void election.close();
      void ctx.release();
      return;
    }

    const sendRecords = async (records: PolledRecord[]): Promise<void> => {
      // the poll stops too (aborted); this guards a page that was already in hand
      if (closed) return;
      const base = { topic: entity.name };
      const out: NodeMessage[] = perPage
        ? [
            {
              ...base,
              payload: records.map((r) => r.record),
              x3: { entity: entity.name, folder: conn.folder, keys: records.map((r) => r.key), count: records.length },
            } as NodeMessage,
          ]
        : records.map(
            (r) =>
              ({
                ...base,
                payload: r.record,
                x3: { entity: entity.name, key: r.key, updatedAt: r.updatedAt, folder: conn.folder },
              }) as NodeMessage,
          );
      node.send([out]);
      if (audit.config) {
        await Promise.all(
          records.map((r) =>
            audit.record({
              system: 'x3',
              operation: 'x3.poll',
              status: 'received',
              correlation: { x3Folder: conn.folder, x3Entity: entity.name, x3Key: r.key },
              msg: {
                topic: entity.name,
                payload: r.record,
                x3: { entity: entity.name, key: r.key, updatedAt: r.updatedAt, folder: conn.folder },
              },
              nodeId: node.id,
            }),
          ),
        );
      }
    };

    const loop = new PollLoop<void>({
      intervalMs,
      maxBackoffMs: MAX_BACKOFF_MS,
      run: async (_context, signal) => {
        const { lease, state } = election;
        if (lease && state) {
          const grant = await lease.check();
          const fence = lease.fence();
          if (!grant || !fence) return;
          const loaded = await state.load(fence);
          watermark = new Watermark({ store: loaded.store, overlapMs, initial });
          // after a takeover: what the dead holder sent on but may not have finished comes out again
          if (loaded.catchUpFrom && !pendingReset) watermark.reset(loaded.catchUpFrom);
          if (pendingReset) watermark.reset(pendingReset);
          pendingReset = undefined;
        }
        board.set({ fill: 'blue', shape: 'dot', text: RED._('x3-poll.status.polling') });
        // the entity as this X3 names it (discovered once per deploy, again after a mismatch)
        const resolved = await conn.resolve(entity);
        const result = await pollOnce({
          client,
          def: resolved,
          watermark,
          pageSize,
          filter,
          withLines,
          // a holder whose watermark write was refused (lease lost) sends no further page
          emit: async (records) => {
            await state?.settle();
            await sendRecords(records);
          },
          signal,
        });
        await state?.settle();
        board.set({
          fill: 'green',
          shape: 'dot',
          text: RED._('x3-poll.status.polled', { count: result.count, time: shortTime(Date.now()) }),
        });
      },
      timedContext: () => undefined,
      onFailure: (err, retryInMs) =>
        board.set({
          fill: 'red',
          shape: 'ring',
          text: RED._('x3-poll.status.retry', {
            code: toErrorInfo(err, 'x3').code,
            time: shortTime(Date.now() + retryInMs),
          }),
        }),
      onTimedError: (err) => {
        const msg: Msg = { topic: entity.name, payload: null, _msgid: RED.util.generateId() } as unknown as Msg;
        node.error(failMessage(msg, err, 'x3'), msg);
      },
    });

    node.on('input', (msg: Msg, _send: SendFn, done: DoneFn) => {
      const reset = msg.reset;
      let resetTo: string | undefined;
      if (typeof reset === 'string' && reset.trim()) {
        try {
          const to = reset.trim() === 'now' ? 'source' : reset.trim();
          if (to !== 'source' && to !== 'all') toEpochMs(to);
          resetTo = to;
          if (!election.lease) watermark.reset(to);
        } catch (err) {
          done(failMessage(msg, new Error(RED._('x3-poll.errors.reset', { error: (err as Error).message })), 'x3'));
          return;
        }
      }
      if (election.lease && election.state && !election.lease.leader) {
        // a standby: the holder polls for it at its next lease tick
        election.state.forward({ reset: resetTo }).then(
          () => done(),
          (err: unknown) => done(failMessage(msg, err, 'x3')),
        );
        return;
      }
      if (election.lease && resetTo) pendingReset = resetTo;
      loop.poll().then(
        () => done(),
        (err: unknown) => done(failMessage(msg, err, 'x3')),
      );
    });

    const unreport = reportHealth(node.id, () =>
      pollerReport({ id: node.id, type: 'x3-poll', name: node.name }, loop.state(), watermark.current()),
    );

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      unreport();
      const stopped = loop.close().then(() => election.close());
      const released = ctx.release();
      void Promise.all([stopped, released]).then(() => {
        board.clear();
        done();
      });
    });

    board.set({ fill: 'grey', shape: 'ring', text: RED._('x3-poll.status.waiting') });
    loop.start(0);
  }

  registerNode(RED, 'x3-poll', setup);
};
