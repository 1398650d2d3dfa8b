/**
 * A node whose config holds a client with a token (FedEx OAuth, X3 JWT/OAuth2): useConfig, plus
 * a StatusBoard that shows the token's state from the start and follows it, so a token failure is
 * visible on every node of the config, not only on the one whose request met it.
 */
import type { Node, NodeAPI } from 'node-red';
import type { TokenStatus } from '../core/token-cache';
import type { ConfigUsers, ConfigWork } from './config-users';
import { followTokenStatus, StatusBoard } from './node-status';
import { useConfig, type ConfigKind } from './use-config';

/** What the board follows: the config's client. */
export interface TokenStatusSource {
  on(event: 'status', fn: (s: TokenStatus) => void): unknown;
  off(event: 'status', fn: (s: TokenStatus) => void): unknown;
  tokenStatus(): TokenStatus;
}

export interface TokenConfigContext<C extends ConfigUsers> {
  config: Node & C;
  board: StatusBoard;
  /** Operations run through it are in flight for this node and every config it uses. */
  work: ConfigWork;
  /** Waits for the work in flight (bounded) and stops following the token status. */
  release(): Promise<void>;
}

/** The config node, its work counted there and its token status followed; undefined (red status) when it cannot be used. */
export function useTokenConfig<C extends ConfigUsers>(
  RED: NodeAPI,
  node: Node,
  kind: ConfigKind<C>,
  id: unknown,
  tokens: (config: Node & C) => TokenStatusSource,
): TokenConfigContext<C> | undefined {
  const used = useConfig(RED, node, kind, id);
  if (!used) return undefined;
  const { config, work } = used;
  const board = new StatusBoard(RED, node);
  const source = tokens(config);
  const unfollow = followTokenStatus(board, source);
  board.setAuth(source.tokenStatus());
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
