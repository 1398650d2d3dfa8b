/**
 * A config node whose required settings are still empty (an imported example deployed before
 * it was filled in): one warning from the config node per deploy, a "not configured" status on
 * every node using it, and each msg those nodes receive goes to Catch with the reason, instead
 * of one [error] per node per deploy.
 */
import type { Node, NodeStatus } from 'node-red';
import { ApiError, isApiError, type SystemName } from '../core/errors';
import { commonText, type Catalogue } from './i18n';
import { failMessage, type DoneFn, type Msg } from './red';

/** The status of a node whose config's required settings are empty. */
export function notConfiguredStatus(RED: Catalogue): NodeStatus {
  return { fill: 'red', shape: 'ring', text: commonText(RED, 'status.notConfigured') };
}

/** The settings a config node lacks, named for the user; never carries a value. */
export class NotConfiguredError extends ApiError {
  constructor(
    system: SystemName,
    /** How the user knows the config node, e.g. `x3-config "Sage X3"`. */
    readonly config: string,
    readonly missing: readonly string[],
  ) {
    super({ system, code: 'NOT_CONFIGURED', message: `${config} is not configured: ${missing.join(', ')}` });
    this.name = 'NotConfiguredError';
  }
}

/** `x3-config "Sage X3"`: the type and the name the user gave the node (or its id). */
export function configLabel(node: Node, def: { name?: unknown }): string {
  const name = typeof def.name === 'string' && def.name.trim() ? def.name.trim() : node.id;
  return `${node.type} "${name}"`;
}

/**
 * A user node that cannot work with its config: shows `status` and fails every msg it receives
 * with `problem` (to Catch, `msg.error` set) rather than dropping it. It logs nothing itself: the
 * config node already did, once.
 */
export function rejectInputs(node: Node, problem: Error, status: NodeStatus): void {
  node.status(status);
  const system: SystemName = isApiError(problem) ? problem.system : 'plugin';
  node.on('input', (msg: object, _send: unknown, done: DoneFn) => {
    done(failMessage(msg as Msg, problem, system));
  });
}

/** Status for a user node whose config reported `problem`: "not configured" or a settings error. */
export function configProblemStatus(RED: Catalogue, problem: Error): NodeStatus {
  return problem instanceof NotConfiguredError
    ? notConfiguredStatus(RED)
    : { fill: 'red', shape: 'ring', text: commonText(RED, 'status.configurationError') };
}
