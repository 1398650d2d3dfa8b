/**
 * shipstation-fetch: polls ShipStation V1 for orders modified since a persisted watermark (the
 * core Watermark in a state file), and on input fetches a resource_url, one order/shipment,
 * shipment or fulfilment lists by date range, customers or products. Emits one msg per record
 * with V1 timestamps in UTC and, when "map to X3" is on, the X3 drafts on msg.x3Draft.
 * Polls run one at a time (core PollLoop); closing aborts the running poll: a closed instance
 * sends nothing more and never writes the watermark file, which its successor (a redeploy) owns
 * or which went with the deleted node. With a shared (PostgreSQL) audit store the timed poll runs
 * on the lease holder only, its watermark in the store (shared/use-election.ts); an
 * orders-modified msg on a standby is forwarded: the holder polls and sends the orders.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { PollLoop } from '../core/poll-loop';
import { reportHealth } from '../console/health-registry';
import { pollerReport } from '../console/poller-health';
import { stateFile } from '../core/state-file';
import type { Watermark, WatermarkData, WatermarkStore } from '../core/watermark';
import { commonText } from '../shared/i18n';
import { registerNode } from '../shared/register-node';
import { useAudit } from '../shared/use-audit';
import { useElection } from '../shared/use-election';
import { failMessage, handleInput, userDir, type Msg } from '../shared/red';
import { bool, number } from '../shared/settings';
import type { ResourcePage } from './client';
import { useShipStationConfig } from './use-shipstation-config';
import { isFetchOperation, planFetch, type FetchOperation } from './fetch-plan';
import { mappingOf, mapToX3Of, type MappingDef } from './mapping-settings';
import { createOrderWatermark, DEFAULT_OVERLAP_MS, pollModifiedOrders } from './order-poller';
import { emitRecord } from './record-emit';
import { normaliseRecord, recordKind } from './records';

interface FetchDef extends NodeDef, MappingDef {
  server?: string;
  operation?: string;
  interval?: string | number;
  pollOnStart?: boolean | string;
  initial?: string;
  overlapMinutes?: string | number;
  storeId?: string;
  orderStatus?: string;
  audit?: string;
}

type Json = Record<string, unknown>;

/** Who a poll's records go to: the input msg they are built on and its send, or the timer's. */
interface PollTarget {
  base: () => Json;
  send: (m: NodeMessage) => void;
}

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

export = function (RED: NodeAPI): void {
  function setup(node: Node, def: FetchDef): void {
    const ctx = useShipStationConfig(RED, node, def.server, 'v1');
    if (!ctx) return;
    const { client, work, board: status } = ctx;
    const audit = useAudit(RED, node, work, def.audit);
    const operation: FetchOperation = isFetchOperation(def.operation) ? def.operation : 'orders-modified';
    const mapToX3 = mapToX3Of(def);
    const mapping = mappingOf(def);
    const intervalMs = number(def.interval, 300, { min: 0 }) * 1000;
    const initial = def.initial?.trim() || 'now';
    const state = stateFile<WatermarkData>(userDir(RED), 'shipstation-fetch', node.id);
    let watermark: Watermark | undefined;
    let closed = false;
    const filters: Json = {};
    if (def.storeId?.trim()) filters.storeId = def.storeId.trim();
    if (def.orderStatus?.trim()) filters.orderStatus = def.orderStatus.trim();

    const fileStore: WatermarkStore = {
      read: () => state.read(),
      write: (d) => {
        if (!closed) state.write(d);
      },
    };
    const newWatermark = (store: WatermarkStore): Watermark =>
      createOrderWatermark({
        store,
        overlapMs: number(def.overlapMinutes, DEFAULT_OVERLAP_MS / 60_000, { min: 0 }) * 60_000,
        initial,
      });
    const getWatermark = (): Watermark => {
      watermark ??= newWatermark(fileStore);
      return watermark;
    };
    // a reset asked for on a shared store: applied by the holder to the watermark it loads
    let pendingReset: string | undefined;
    const election =
      operation === 'orders-modified'
        ? useElection({
            RED,
            node,
            audit,
            kind: 'shipstation-fetch',
            scope: JSON.stringify(filters),
            board: status,
            onRequest: (request) => {
              if (request.reset) pendingReset = request.reset;
              loop.poll(timedTarget()).catch((err: unknown) => loopFailed(err));
            },
          })
        : undefined;

    /** One record out: msg built, mapped, audited, sent (or reported when its mapping fails). */
    const emit = async (
      base: Json,
      record: Json,
      version: ResourcePage['version'],
      collection: string | undefined,
      send: (m: NodeMessage) => void,
      resourceUrl?: string,
    ): Promise<void> => {
      // a poll still running when the node closes must not emit from a dead node
      if (closed) throw new Error(RED._('shipstation-fetch.errors.closed'));
      await emitRecord(base, record, {
        version,
        kind: recordKind(version, collection, record),
        resourceUrl,
        mapToX3,
        mapping,
        verb: 'fetch',
        nodeId: node.id,
        record: (entry) => audit.record(entry),
        send: (m) => send(m as NodeMessage),
        fail: (err, m) => node.error(failMessage(m as Msg, err, 'shipstation'), m),
      });
    };

    const timedTarget = (): PollTarget => ({ base: () => ({}), send: (m) => node.send(m) });
    const loopFailed = (err: unknown): void => {
      const msg: Json = {};
      status.set({ fill: 'red', shape: 'ring', text: RED._('shipstation-fetch.status.pollFailed') });
      node.error(failMessage(msg as Msg, err, 'shipstation'), msg);
    };
    const loop = new PollLoop<PollTarget>({
      intervalMs,
      run: async (target, signal) => {
        let current = getWatermark();
        const shared = election?.lease && election.state ? { lease: election.lease, state: election.state } : undefined;
        if (shared) {
          await shared.lease.check();
          const fence = shared.lease.fence();
          if (!fence) return;
          const loaded = await shared.state.load(fence);
          current = newWatermark(loaded.store);
          // after a takeover: what the dead holder sent on but may not have finished comes out again
          if (loaded.catchUpFrom && !pendingReset) current.reset(loaded.catchUpFrom);
          if (pendingReset) current.reset(pendingReset);
          pendingReset = undefined;
        }
        status.set({ fill: 'blue', shape: 'dot', text: RED._('shipstation-fetch.status.polling') });
        const result = await pollModifiedOrders({
          client,
          watermark: current,
          filters,
          // a holder whose watermark write was refused (lease lost) sends nothing more
          emit: async (order) => {
            await shared?.state.settle();
            await emit(target.base(), order, 'v1', 'orders', target.send);
          },
          signal,
        });
        await shared?.state.settle();
        status.set({
          fill: 'green',
          shape: 'dot',
          text: RED._('shipstation-fetch.status.polled', { emitted: result.emitted, fetched: result.fetched }),
        });
      },
      timedContext: timedTarget,
      onTimedError: loopFailed,
    });
    if (operation === 'orders-modified') {
      const onStart = bool(def.pollOnStart, true);
      loop.start(onStart ? 0 : intervalMs);
    }
    status.set({
      fill: 'grey',
      shape: 'ring',
      text:
        operation === 'orders-modified'
          ? RED._('shipstation-fetch.status.every', { seconds: intervalMs / 1000 })
          : operation,
    });

    handleInput(node, async (msg, send, done) => {
      const op: FetchOperation = isFetchOperation(msg.operation) ? msg.operation : operation;
      const payload = msg.payload;
      const input: Json =
        obj(payload) ?? (typeof payload === 'string' && op === 'resource' ? { resource_url: payload } : {});
      const base = (): Json => {
        const clone = RED.util.cloneMessage(msg) as Json;
        delete clone.error;
        return clone;
      };
      const sendOne = (m: NodeMessage): void => send(m);
      try {
        const resetTo =
          msg.reset === true && op === 'orders-modified'
            ? typeof input.initial === 'string'
              ? input.initial
              : initial
            : undefined;
        const plan = planFetch(op, input);
        let count = 0;
        if (plan.kind === 'poll' && election?.state && election.lease && !election.lease.leader) {
          // a standby: the holder polls at its next lease tick and sends the orders itself
          await election.state.forward({ reset: resetTo });
          status.set({ fill: 'grey', shape: 'ring', text: commonText(RED, 'status.standbyForwarded') });
          done();
          return;
        }
        if (resetTo !== undefined) {
          if (election?.lease) pendingReset = resetTo;
          else getWatermark().reset(resetTo);
        }
        if (plan.kind === 'poll') {
          await loop.poll({ base, send: sendOne });
        } else if (plan.kind === 'get') {
          const res = await client.request<Json>(plan.version, { method: 'GET', url: plan.path });
          const record = normaliseRecord(plan.version, res.data, { now: Date.now() });
          await emit(base(), record, plan.version, undefined, sendOne);
          count = 1;
        } else {
          const pages =
            plan.kind === 'resource'
              ? client.resourcePages(plan.resourceUrl)
              : client.pages(plan.version, plan.path, plan.params);
          for await (const page of pages) {
            for (const raw of page.records) {
              if (
                plan.kind === 'list' &&
                plan.exact &&
                String(raw[plan.exact.field] ?? '').toLowerCase() !== plan.exact.value.toLowerCase()
              )
                continue;
              const record = normaliseRecord(page.version, raw, { now: Date.now() });
              await emit(
                base(),
                record,
                page.version,
                page.collection,
                sendOne,
                plan.kind === 'resource' ? plan.resourceUrl : undefined,
              );
              count += 1;
            }
          }
        }
        if (plan.kind !== 'poll')
          status.set({ fill: 'green', shape: 'dot', text: RED._('shipstation-fetch.status.done', { op, count }) });
        done();
      } catch (err) {
        status.set({ fill: 'red', shape: 'ring', text: RED._('shipstation-fetch.status.failed', { op }) });
        done(failMessage(msg, err, 'shipstation'));
      }
    });

    const unreport =
      operation === 'orders-modified'
        ? reportHealth(node.id, () =>
            pollerReport(
              { id: node.id, type: 'shipstation-fetch', name: node.name },
              loop.state(),
              watermark?.current(),
            ),
          )
        : () => undefined;

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      unreport();
      const stopped = loop.close().then(() => election?.close());
      const released = ctx.release();
      if (removed) {
        try {
          state.remove();
        } catch {
          // best effort: a stale state file only matters if the same node id comes back
        }
      }
      void Promise.all([stopped, released])
        .then(() => audit.close())
        .finally(() => done());
    });
  }

  registerNode(RED, 'shipstation-fetch', setup);
};
