/**
 * How a ShipStation node starts, the same in every one, as useTokenConfig for X3 and FedEx:
 * useConfig, plus the node's status board showing the budget left on the config's limiter for
 * the API version it calls (budget-status.ts); release() in `close`.
 */
import type { Node, NodeAPI } from 'node-red';
import type { ConfigWork } from '../shared/config-users';
import { useConfig } from '../shared/use-config';
import { BudgetStatus } from './budget-status';
import type { ShipStationClient } from './client';
import { SHIPSTATION_CONFIG, type ShipStationConfigNode } from './config-api';
import type { ApiVersion } from './resource-url';

export interface ShipStationContext {
  config: ShipStationConfigNode;
  client: ShipStationClient;
  board: BudgetStatus;
  /** Operations run through it are in flight for this node and every config it uses. */
  work: ConfigWork;
  /** Stops following the budget, then waits for the work in flight (bounded). */
  release(): Promise<void>;
}

/** The shipstation-config with this id and the node's budget board; undefined (red status) when it cannot be used. */
export function useShipStationConfig(
  RED: NodeAPI,
  node: Node,
  id: unknown,
  version: ApiVersion,
): ShipStationContext | undefined {
  const used = useConfig(RED, node, SHIPSTATION_CONFIG, id);
  if (!used) return undefined;
  const { config, work } = used;
  const board = new BudgetStatus(RED, node, config.client, version);
  return {
    config,
    client: config.client,
    board,
    work,
    release: async () => {
      board.close();
      await work.close();
    },
  };
}
