/**
 * ShipStation's part of a node's status: the shared budget left on the config's limiter
 * ("5000 orders · v1 12/40"), as the StatusBoard suffix, redrawn (throttled by the board) when
 * any node on the config spends a request.
 */
import type { Node } from 'node-red';
import { StatusBoard } from '../shared/node-status';
import type { BudgetEvent, ShipStationClient } from './client';
import type { ApiVersion } from './resource-url';

/** A busy poll spends many requests a second: at most one redraw a second. */
const BUDGET_THROTTLE_MS = 1000;

export function budgetText(client: ShipStationClient, version: ApiVersion): string {
  const b = client.budget(version);
  if (b.remaining === undefined) return `${version} budget ${b.limit ?? '?'}/min`;
  return `${version} ${b.remaining}/${b.limit ?? '?'}${b.queued ? ` +${b.queued} queued` : ''}`;
}

/** A status board showing `version`'s budget; `close` stops following the budget and clears the status. */
export class BudgetStatus extends StatusBoard {
  private readonly listener = (e: BudgetEvent): void => {
    if (e.version === this.version) this.refresh();
  };

  constructor(
    node: Node,
    private readonly client: ShipStationClient,
    private readonly version: ApiVersion,
  ) {
    super(node, { throttleMs: BUDGET_THROTTLE_MS, suffix: () => budgetText(client, version) });
    client.on('budget', this.listener);
  }

  close(): void {
    this.client.off('budget', this.listener);
    this.clear();
  }
}
