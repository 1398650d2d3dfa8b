/**
 * How a polling node (x3-poll, shipstation-fetch, fedex-track) runs on several instances of one
 * flow: when its audit-config's store is shared (PostgreSQL), the node polls only while it holds
 * the poller's lease (core/leader-lease.ts) and shows `standby` otherwise; its watermark lives in
 * the store (core/shared-poll-state.ts); a msg injected into a standby is forwarded to the holder.
 * With an embedded store (one instance) there is nothing to elect: `lease` is undefined and the
 * node polls as it always did.
 */
import type { Node, NodeAPI, NodeStatus } from 'node-red';
import { LeaderLease } from '../core/leader-lease';
import { SharedPollState, type PollRequest } from '../core/shared-poll-state';
import type { AuditStore } from '../audit/types';
import { commonText } from './i18n';
import type { AuditBinding } from './use-audit';

export interface Election {
  readonly lease?: LeaderLease;
  readonly state?: SharedPollState;
  /** Stops renewing and releases the lease (a standby takes over at its next tick). */
  close(): Promise<void>;
}

export interface ElectionOptions {
  RED: NodeAPI;
  node: Node;
  audit: AuditBinding;
  /** The node type: lease and state rows are `<kind>:<node id>`. */
  kind: string;
  /** What the stored position belongs to (a changed entity/folder/server starts over). */
  scope: string;
  /** The node's status board (node-status.ts): `standby` is shown there. */
  board: { set(status: NodeStatus): void };
  /** The holder got a request a standby forwarded. */
  onRequest: (request: PollRequest) => void;
  /** Became the holder (true) or a standby (false). */
  onLeader?: (leader: boolean) => void;
}

export function useElection(options: ElectionOptions): Election {
  const { RED, node, audit, board } = options;
  let store: AuditStore | undefined;
  try {
    store = audit.config ? audit.store() : undefined;
  } catch {
    store = undefined;
  }
  if (!store?.shared || !audit.config) return { close: async () => undefined };
  const shared = store;
  const name = `${options.kind}:${node.id}`;
  const state = new SharedPollState(shared, name, options.scope);
  const lease: LeaderLease = new LeaderLease({
    store: shared,
    name,
    owner: audit.owner,
    leaseMs: audit.config.leaseMs,
    onChange: (leader) => {
      if (!leader) board.set({ fill: 'grey', shape: 'ring', text: commonText(RED, 'status.standby') });
      options.onLeader?.(leader);
    },
    onError: (err) =>
      board.set({
        fill: 'red',
        shape: 'ring',
        text: commonText(RED, 'status.leaseError', { error: (err as Error).message }),
      }),
    onHeld: () => {
      const fence = lease.fence();
      if (!fence) return;
      state.takeRequest(fence).then(
        (request) => request && options.onRequest(request),
        () => undefined,
      );
    },
  });
  lease.start();
  return { lease, state, close: () => lease.close() };
}
