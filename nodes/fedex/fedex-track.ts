/**
 * fedex-track: tracks the numbers in msg.payload, or (no numbers) the open shipments of the audit
 * store, 30 per Track call; output 1 one tracking update per changed shipment, output 2 one msg
 * per number FedEx could not report on. With a shared (PostgreSQL) audit store the open-shipment
 * runs are made by the holder of the node's lease only (shared/use-election.ts): a msg without
 * numbers on a standby is forwarded, and the holder runs it and sends its updates.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { failMessage, handleInput, type Msg } from '../shared/red';
import { registerNode } from '../shared/register-node';
import { bool, number } from '../shared/settings';
import { shortTime } from '../shared/node-status';
import { commonText } from '../shared/i18n';
import { useAudit, type AuditBinding } from '../shared/use-audit';
import { useElection } from '../shared/use-election';
import { useTokenConfig } from '../shared/use-token-config';
import { FEDEX_CONFIG, fedexAuditFallback } from './config-api';
import { isWholeRunFailure, numbersOf, runError, TrackService, type TrackRun } from './track-service';
import { x3FromCorrelation } from './tracking';

interface FedexTrackDef extends NodeDef {
  fedex?: string;
  audit?: string;
  includeDetailedScans?: boolean | string;
  emitAll?: boolean | string;
  openLimit?: string | number;
}

export = function (RED: NodeAPI): void {
  function setup(node: Node, def: FedexTrackDef): void {
    const ctx = useTokenConfig(RED, node, FEDEX_CONFIG, def.fedex, (c) => c.client);
    if (!ctx) return;
    let service: TrackService;
    let audit: AuditBinding;
    try {
      audit = useAudit(RED, node, ctx.work, def.audit, fedexAuditFallback(RED, ctx.config));
      service = new TrackService({
        client: ctx.config.client,
        store: audit.store()!,
        includeDetailedScans: bool(def.includeDetailedScans, true),
        openLimit: Math.floor(number(def.openLimit, 300, { above: 0 })),
        record: (e) => audit.record(e),
        nodeId: node.id,
        scope: `fedex-track:${node.id}`,
        emitResumed: ({ update, correlation }) => {
          const out: NodeMessage & Record<string, unknown> = { payload: update, topic: update.trackingNumber };
          const x3 = x3FromCorrelation(correlation);
          if (x3) out.x3 = x3;
          node.send([out, null]);
        },
        onError: (err) => node.error(RED._('fedex-track.errors.resumed', { error: (err as Error).message })),
      });
    } catch (err) {
      ctx.board.set({ fill: 'red', shape: 'ring', text: RED._('fedex-track.status.auditUnavailable') });
      node.error(RED._('fedex-track.errors.audit', { error: (err as Error).message }));
      void ctx.release();
      return;
    }
    const emitAll = bool(def.emitAll, false);
    ctx.board.set({ fill: 'grey', shape: 'ring', text: RED._('fedex-track.status.ready') });

    /** One run for `msg` (its numbers, or none: the open shipments), its msgs sent on `send`. */
    const track = async (msg: Msg, send: (out: NodeMessage[][]) => void): Promise<TrackRun> => {
      // in flight for the config and the audit store: a redeploy lets it apply what it fetched
      const run = await ctx.work.run((signal) => service.run(numbersOf(msg.payload), signal));
      const updates: NodeMessage[] = [];
      for (const u of run.updates) {
        if (!u.changed && !emitAll) continue;
        const out = RED.util.cloneMessage(msg) as NodeMessage & Record<string, unknown>;
        out.payload = u.update;
        const x3 = x3FromCorrelation(u.correlation);
        if (x3) out.x3 = x3;
        else delete out.x3;
        updates.push(out);
      }
      const failures: NodeMessage[] = run.failures.map((f) => {
        const out = RED.util.cloneMessage(msg) as NodeMessage & Record<string, unknown>;
        out.payload = { trackingNumber: f.trackingNumber, error: f.error };
        const x3 = x3FromCorrelation(f.correlation);
        if (x3) out.x3 = x3;
        else delete out.x3;
        return out;
      });
      const counts = {
        requested: run.requested,
        calls: run.calls,
        updates: updates.length,
        failures: run.failures.length,
        time: shortTime(Date.now()),
      };
      ctx.board.update(() => ({
        fill: run.failures.length ? 'yellow' : 'green',
        shape: 'dot',
        text:
          run.calls === 1 ? RED._('fedex-track.status.runOneCall', counts) : RED._('fedex-track.status.run', counts),
      }));
      if (updates.length || failures.length) send([updates, failures]);
      return run;
    };

    const election = useElection({
      RED,
      node,
      audit,
      kind: 'fedex-track',
      scope: 'open-shipments',
      board: ctx.board,
      onRequest: () => {
        const msg = { _msgid: RED.util.generateId(), payload: null } as unknown as Msg;
        track(msg, (out) => node.send(out)).then(
          (run) => {
            if (isWholeRunFailure(run)) node.error(failMessage(msg, runError(run), 'fedex'), msg);
          },
          (err: unknown) => node.error(failMessage(msg, err, 'fedex'), msg),
        );
      },
    });

    handleInput(node, async (msg, send, done) => {
      try {
        if (numbersOf(msg.payload).length === 0 && election.lease && election.state && !election.lease.leader) {
          // a standby: the holder runs the open shipments at its next lease tick
          await election.state.forward({});
          ctx.board.set({ fill: 'grey', shape: 'ring', text: commonText(RED, 'status.standbyForwarded') });
          done();
          return;
        }
        const run = await track(msg, (out) => send(out));
        // A run in which every Track call failed (auth, quota) is the flow's problem, not a number's.
        if (isWholeRunFailure(run)) {
          const err = runError(run);
          done(failMessage(msg, err, 'fedex'));
          return;
        }
        done();
      } catch (err) {
        ctx.board.set({
          fill: 'red',
          shape: 'ring',
          text: (err as { code?: string }).code ?? RED._('fedex-track.status.error'),
        });
        done(failMessage(msg, err, 'fedex'));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      // first: a run still in flight keeps what it records for the next start instead of sending it
      const stopped = service.close().catch(() => undefined);
      void Promise.all([stopped, election.close(), ctx.release()]).then(() => {
        ctx.board.clear();
        done();
      });
    });

    // statuses a run recorded while the previous deploy was stopping
    service.recover().then(
      (n) => {
        if (n > 0) node.log(RED._('fedex-track.log.pending', { count: n }));
      },
      (err: unknown) => node.warn(RED._('fedex-track.warn.pending', { error: (err as Error).message })),
    );
  }

  registerNode(RED, 'fedex-track', setup);
};
