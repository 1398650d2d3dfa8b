/**
 * What an x3-config node offers the x3-poll / x3-update nodes that use it: its one connection
 * (one token cache, one limiter) and register/deregister/track, through which its close drains
 * their work in flight before releasing the connection (shared/config-users.ts).
 */
import type { Node, NodeAPI } from 'node-red';
import type { ConfigUsers } from '../shared/config-users';
import type { X3Connection } from './connection';

export const X3_CONFIG_TYPE = 'x3-config';

export interface X3ConfigApi extends ConfigUsers {
  /** The shared connection; throws the configuration error when the settings are invalid. */
  getConnection(): X3Connection;
}

export type X3ConfigNode = Node & X3ConfigApi;

export function getX3Config(RED: NodeAPI, id: unknown): X3ConfigNode | undefined {
  if (typeof id !== 'string' || !id) return undefined;
  const node = RED.nodes.getNode(id) as (Node & Partial<X3ConfigApi> & { type?: string }) | null;
  if (!node || node.type !== X3_CONFIG_TYPE || typeof node.getConnection !== 'function') return undefined;
  return node as X3ConfigNode;
}
