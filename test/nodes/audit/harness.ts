/**
 * The audit node tests' harness: the shared typed test helper plus the flow pieces they share.
 */
import { positioned as positionedWith, useUserDir as useUserDirWith } from '../../support/node-helper';

export {
  catchNode,
  collect,
  completeNode,
  helper,
  recorder,
  settle,
  startStopServer,
  type TestHelper,
  type TestNode,
} from '../../support/node-helper';

/** A fresh Node-RED user dir per test, set as RED.settings.userDir. */
export const useUserDir = (): { dir: () => string } => useUserDirWith({ prefix: 'sx3s-nr-audit-' });

/** Editor coordinates for flow nodes (Node-RED treats a node without x/y as a config node). */
export const positioned = (flow: Array<Record<string, unknown>>): Array<Record<string, unknown>> =>
  positionedWith(flow, ['audit-config']);
