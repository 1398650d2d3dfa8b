/**
 * How a node gets the config node it was given and becomes its user, the same way in every node:
 * find it by id and type (missing, disabled or deleted -> red status, one error, and each msg to
 * Catch), refuse to work when the config cannot serve (not configured, invalid settings: the
 * config logged that once for all its users), otherwise run through a ConfigWork whose
 * operations the config's close drains before releasing its client or store.
 */
import type { Node, NodeAPI } from 'node-red';
import { ConfigWork, type ConfigUsers } from './config-users';
import type { Catalogue } from './i18n';
import { configProblemStatus, rejectInputs } from './not-configured';

/** What a node needs to know about one config node type (declared beside its config API). */
export interface ConfigKind<C extends ConfigUsers> {
  type: string;
  /** The deployed node offers this kind's API (a node of the type that failed to set up does not). */
  offers(node: Node & Partial<C>): boolean;
  /** Why the config cannot serve its users, if it cannot. */
  problem(config: Node & C): Error | undefined;
  /** The status text of a user whose config is missing. */
  missingStatus(RED: Catalogue): string;
  /** The error a user whose config is missing logs (and fails its msgs with). */
  missingMessage(RED: Catalogue, userType: string): string;
}

/** The config node of `kind` with this id, or undefined when unset, deleted, disabled or another type. */
export function findConfig<C extends ConfigUsers>(
  RED: NodeAPI,
  kind: ConfigKind<C>,
  id: unknown,
): (Node & C) | undefined {
  if (typeof id !== 'string' || !id) return undefined;
  const node = RED.nodes.getNode(id) as (Node & Partial<C> & { type?: string }) | null;
  if (!node || node.type !== kind.type || !kind.offers(node)) return undefined;
  return node as Node & C;
}

/** A node's config and the ConfigWork it runs its operations through (close it in `close`). */
export interface UsedConfig<C extends ConfigUsers> {
  config: Node & C;
  work: ConfigWork;
}

/** The config a node uses, its work counted there; undefined (the node then only fails its msgs) when it cannot be used. */
export function useConfig<C extends ConfigUsers>(
  RED: NodeAPI,
  node: Node,
  kind: ConfigKind<C>,
  id: unknown,
): UsedConfig<C> | undefined {
  const config = findConfig(RED, kind, id);
  if (!config) {
    const missing = new Error(kind.missingMessage(RED, node.type));
    rejectInputs(node, missing, { fill: 'red', shape: 'ring', text: kind.missingStatus(RED) });
    node.error(missing.message);
    return undefined;
  }
  const problem = kind.problem(config);
  if (problem) {
    // the config logged it once for all its nodes
    rejectInputs(node, problem, configProblemStatus(RED, problem));
    return undefined;
  }
  const work = new ConfigWork(RED);
  work.use(config);
  return { config, work };
}
