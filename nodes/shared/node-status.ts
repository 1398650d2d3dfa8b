import type { Node, NodeStatus } from 'node-red';
import type { TokenStatus } from '../core/token-cache';

/**
 * A node's status combines its own state (last poll, count) with its config node's credential
 * state: an auth problem is shown while it lasts, then the node's own status comes back.
 */
export class StatusBoard {
  private own: NodeStatus = {};
  private auth?: NodeStatus;

  constructor(private readonly node: Node) {}

  set(status: NodeStatus): void {
    this.own = status;
    this.render();
  }

  setAuth(status: TokenStatus): void {
    this.auth = authStatus(status);
    this.render();
  }

  clear(): void {
    this.own = {};
    this.auth = undefined;
    this.node.status({});
  }

  private render(): void {
    this.node.status(this.auth ?? this.own);
  }
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19) + 'Z';
}

export function authStatus(status: TokenStatus): NodeStatus | undefined {
  switch (status.state) {
    case 'failed':
      return {
        fill: 'red',
        shape: 'ring',
        text: `auth failed${status.retryAt ? `, retry ${hhmm(status.retryAt)}` : ''}`,
      };
    case 'locked':
      return {
        fill: 'red',
        shape: 'dot',
        text: `auth locked until ${status.lockedUntil ? hhmm(status.lockedUntil) : '?'}`,
      };
    default:
      return undefined;
  }
}

/** Subscribes to a token cache's status events; returns the unsubscribe function for `close`. */
export function followTokenStatus(
  board: StatusBoard,
  source: {
    on(event: 'status', fn: (s: TokenStatus) => void): unknown;
    off(event: 'status', fn: (s: TokenStatus) => void): unknown;
  },
): () => void {
  const listener = (s: TokenStatus): void => board.setAuth(s);
  source.on('status', listener);
  return () => {
    source.off('status', listener);
  };
}
