/**
 * The flow and the msg of the fedex-ship node tests: one fedex-ship on the simulator's
 * fedex-config and an audit-config, its output on helper 'out', and a catch node on helper
 * 'caught' so a test sees any error the node throws.
 */
import type { FedexSim } from '../../../sim/fedex/server';
import { salesDelivery, x3Of } from '../../unit/fedex/fixtures';
import { AUDIT, OUR_ADDRESS_FIELDS, TAB, configNode, positioned } from './harness';

export interface ShipFlowOptions {
  /** extra fedex-config properties */
  config?: Record<string, unknown>;
  /** the audit-config node; the in-memory one of the harness when left out */
  audit?: Record<string, unknown>;
}

/** `ship` overrides (or adds) properties of the fedex-ship node. */
export function shipFlow(
  sim: FedexSim,
  ship: Record<string, unknown> = {},
  options: ShipFlowOptions = {},
): Array<Record<string, unknown>> {
  return positioned([
    TAB,
    configNode(sim, options.config),
    options.audit ?? { ...AUDIT },
    {
      id: 'ship',
      type: 'fedex-ship',
      z: 'tab',
      fedex: 'fx',
      audit: 'audit',
      reconcileDelaySeconds: '0',
      ...OUR_ADDRESS_FIELDS,
      wires: [['out']],
      ...ship,
    },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ]);
}

/** The msg x3-poll sends for sales delivery `doc` (the simulator's fixture), with `extra` on top. */
export const deliveryMsg = (doc: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  topic: 'salesDelivery',
  payload: salesDelivery(doc),
  x3: x3Of('salesDelivery', doc),
  ...extra,
});
