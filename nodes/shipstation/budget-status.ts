import type { Node, NodeStatus } from 'node-red';
import type { BudgetEvent, ShipStationClient } from './client';
import type { ApiVersion } from './resource-url';

/**
 * A node's status = its own state plus the shared budget left on the config's limiter
 * ("5000 orders · v1 12/40"), refreshed when any node on the config spends a request; at most
 * one status update per second so a busy poll does not flood Status nodes.
 */
export class BudgetStatus {
  private own: NodeStatus = { fill: 'grey', shape: 'ring', text: 'idle' };
  private timer?: NodeJS.Timeout;
  private lastRender = 0;
  private readonly listener = (e: BudgetEvent): void => {
    if (e.version === this.version) this.schedule();
  };

  constructor(
    private readonly node: Node,
    private readonly client: ShipStationClient,
    private version: ApiVersion,
    private readonly throttleMs = 1000,
  ) {
    client.on('budget', this.listener);
  }

  setVersion(version: ApiVersion): void {
    this.version = version;
  }

  set(status: NodeStatus): void {
    this.own = status;
    this.render();
  }

  budgetText(): string {
    const b = this.client.budget(this.version);
    if (b.remaining === undefined) return `${this.version} budget ${b.limit ?? '?'}/min`;
    return `${this.version} ${b.remaining}/${b.limit ?? '?'}${b.queued ? ` +${b.queued} queued` : ''}`;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.throttleMs - (Date.now() - this.lastRender));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.render();
    }, wait);
  }

  private render(): void {
    this.lastRender = Date.now();
    const text = this.own.text ? `${String(this.own.text)} · ${this.budgetText()}` : this.budgetText();
    this.node.status({ ...this.own, text });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.client.off('budget', this.listener);
    this.node.status({});
  }
}
