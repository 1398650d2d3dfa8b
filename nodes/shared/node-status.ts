/**
 * The one status helper of every node. A node's status combines its own state (last poll,
 * counts) with its config node's credential state: an auth problem is shown while it lasts, then
 * the node's own status comes back. A suffix hook appends what the config shares (ShipStation's
 * rate budget left), and redraws from busy paths are throttled (nodes handle thousands of msgs;
 * each redraw reaches every Status node and the editor).
 */
import type { Node, NodeStatus } from 'node-red';
import type { TokenStatus } from '../core/token-cache';
import { commonText, type Catalogue } from './i18n';

export interface StatusOptions {
  /** update() and refresh() redraw at most this often; set() draws at once. Default 500 ms. */
  throttleMs?: number;
  /** Appended to the node's own text (" · " between): what changes without the node doing anything. */
  suffix?: () => string;
}

/** `hh:mm:ssZ`: the time of day (UTC) every status shows. */
export function shortTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19) + 'Z';
}

export class StatusBoard {
  private own: NodeStatus = {};
  private auth?: NodeStatus;
  private pending?: () => NodeStatus;
  private timer?: NodeJS.Timeout;
  private last = 0;
  private readonly throttleMs: number;
  private readonly suffix?: () => string;

  constructor(
    private readonly RED: Catalogue,
    private readonly node: Node,
    options: StatusOptions = {},
  ) {
    this.throttleMs = options.throttleMs ?? 500;
    this.suffix = options.suffix;
  }

  /** Shows `status` now. */
  set(status: NodeStatus): void {
    this.pending = undefined;
    this.own = status;
    this.render();
  }

  /** Shows the status `status()` gives when the throttle interval allows: at once or on its end. */
  update(status: () => NodeStatus): void {
    this.pending = status;
    this.schedule();
  }

  /** Redraws the current status (throttled): the suffix changed. */
  refresh(): void {
    this.schedule();
  }

  setAuth(status: TokenStatus): void {
    this.auth = authStatus(this.RED, status);
    this.render();
  }

  /** Stops pending redraws and empties the status (close). */
  clear(): void {
    this.stop();
    this.own = {};
    this.auth = undefined;
    this.node.status({});
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private schedule(): void {
    const wait = this.last + this.throttleMs - Date.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), wait);
      this.timer.unref?.();
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) this.own = pending();
    this.render();
  }

  private render(): void {
    this.last = Date.now();
    if (this.auth) {
      this.node.status(this.auth);
      return;
    }
    const suffix = this.suffix?.();
    if (suffix === undefined) {
      this.node.status(this.own);
      return;
    }
    const text = this.own.text ? `${String(this.own.text)} · ${suffix}` : suffix;
    this.node.status({ ...this.own, text });
  }
}

export function authStatus(RED: Catalogue, status: TokenStatus): NodeStatus | undefined {
  switch (status.state) {
    case 'failed':
      return {
        fill: 'red',
        shape: 'ring',
        text: status.retryAt
          ? commonText(RED, 'status.authFailedRetry', { time: shortTime(status.retryAt) })
          : commonText(RED, 'status.authFailed'),
      };
    case 'locked':
      return {
        fill: 'red',
        shape: 'dot',
        text: commonText(RED, 'status.authLocked', { time: status.lockedUntil ? shortTime(status.lockedUntil) : '?' }),
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
