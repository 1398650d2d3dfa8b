/**
 * ShipStation's part of a node's status: the shared budget left on the config's limiter
 * ("5000 orders · v1 12/40"), as the StatusBoard suffix, redrawn (throttled by the board) when
 * any node on the config spends a request.
 */
import type { Node } from 'node-red';
import { catalogueText, type Catalogue } from '../shared/i18n';
import { StatusBoard } from '../shared/node-status';
import type { BudgetEvent, ShipStationClient } from './client';
import type { ApiVersion } from './resource-url';

/** A busy poll spends many requests a second: at most one redraw a second. */
const BUDGET_THROTTLE_MS = 1000;

export function budgetText(RED: Catalogue, client: ShipStationClient, version: ApiVersion): string {
  const b = client.budget(version);
  const limit = b.limit ?? '?';
  if (b.remaining === undefined) {
    return catalogueText(RED, 'shipstation-config', 'shipstation-config.budget.unknown', { version, limit });
  }
  const left = catalogueText(RED, 'shipstation-config', 'shipstation-config.budget.left', {
    version,
    remaining: b.remaining,
    limit,
  });
  if (!b.queued) return left;
  return catalogueText(RED, 'shipstation-config', 'shipstation-config.budget.queued', { left, queued: b.queued });
}

/** A status board showing `version`'s budget; `close` stops following the budget and clears the status. */
export class BudgetStatus extends StatusBoard {
  private readonly listener = (e: BudgetEvent): void => {
    if (e.version === this.version) this.refresh();
  };

  constructor(
    RED: Catalogue,
    node: Node,
    private readonly client: ShipStationClient,
    private readonly version: ApiVersion,
  ) {
    super(RED, node, { throttleMs: BUDGET_THROTTLE_MS, suffix: () => budgetText(RED, client, version) });
    client.on('budget', this.listener);
  }

  close(): void {
    this.client.off('budget', this.listener);
    this.clear();
  }
}
