/**
 * Pieces the FedEx user nodes share: finding their config, binding the audit store (or the
 * config's in-memory fallback, with a warning).
 */
import type { Node, NodeAPI } from 'node-red';
import { getAuditConfig, PROCESS_INSTANCE_ID } from '../audit/config-api';
import type { LabelStore } from '../audit/label-store';
import type { AuditEntryInput, AuditStore } from '../audit/types';
import type { ConfigWork } from '../shared/config-users';
import { StatusBoard, followTokenStatus } from '../shared/node-status';
import { useConfig } from '../shared/use-config';
import { FEDEX_CONFIG, type FedexConfigNode } from './config-api';

export interface AuditBinding {
  store: AuditStore;
  /** Ledger owner of this process. */
  owner: string;
  /** Records an entry; never throws. */
  record(entry: AuditEntryInput): Promise<unknown>;
  /** false: the config's in-memory fallback (lost on restart). */
  persistent: boolean;
  /** The audit-config's label store (none with the in-memory fallback: labels stay inline). */
  labels?: LabelStore;
}

/** The audit store a FedEx node writes to; the node's work (ctx.work) then counts for its audit-config too. */
export function bindAudit(RED: NodeAPI, node: Node, auditId: unknown, ctx: FedexNodeContext): AuditBinding {
  const config = ctx.config;
  const audit = ctx.work.use(getAuditConfig(RED, auditId));
  if (audit) {
    return {
      store: audit.getStore(),
      owner: audit.instanceId,
      record: (e) => audit.recordSafe(e),
      persistent: true,
      labels: audit.labelStore,
    };
  }
  node.warn(
    'no audit-config selected: the ledger and tracked shipments are kept in memory for this FedEx config only, ' +
      'so exactly-once holds until Node-RED restarts. Select an audit-config to keep them.',
  );
  const store = config.fallbackStore();
  return {
    store,
    owner: PROCESS_INSTANCE_ID,
    record: (e) => store.record(e).catch(() => undefined),
    persistent: false,
  };
}

export interface FedexNodeContext {
  config: FedexConfigNode;
  board: StatusBoard;
  /** Operations run through it are in flight for this node, its fedex-config and its audit-config. */
  work: ConfigWork;
  /** Waits for the work in flight (bounded), stops following the token status and deregisters. */
  release(): Promise<void>;
}

/** The config node, registered with and followed for token status; undefined (red status) when missing. */
export function attachConfig(RED: NodeAPI, node: Node, configId: unknown): FedexNodeContext | undefined {
  const used = useConfig(RED, node, FEDEX_CONFIG, configId);
  if (!used) return undefined;
  const { config, work } = used;
  const board = new StatusBoard(node);
  const unfollow = followTokenStatus(board, config.client);
  board.setAuth(config.client.tokenStatus());
  return {
    config,
    board,
    work,
    release: async () => {
      await work.close();
      unfollow();
    },
  };
}
