/**
 * Pieces the FedEx user nodes share: finding their config, and the audit fallback (the config's
 * in-memory store, with a warning).
 */
import type { Node, NodeAPI } from 'node-red';
import type { ConfigWork } from '../shared/config-users';
import { StatusBoard, followTokenStatus } from '../shared/node-status';
import type { AuditFallback } from '../shared/use-audit';
import { useConfig } from '../shared/use-config';
import { FEDEX_CONFIG, type FedexConfigNode } from './config-api';

/**
 * Without an audit-config, fedex-ship and fedex-track share their FedEx config's in-memory store
 * (the ledger and the tracked shipments fedex-track follows).
 */
export function fedexFallback(config: FedexConfigNode): AuditFallback {
  return {
    warning:
      'no audit-config selected: the ledger and tracked shipments are kept in memory for this FedEx config only, ' +
      'so exactly-once holds until Node-RED restarts. Select an audit-config to keep them.',
    store: () => config.fallbackStore(),
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
