/**
 * What an x3-config node offers the x3-poll / x3-update nodes that use it: its one connection
 * (one token cache, one limiter) and track, through which its close drains
 * their work in flight before releasing the connection (shared/config-users.ts).
 */
import type { Node } from 'node-red';
import type { ConfigUsers } from '../shared/config-users';
import { catalogueText } from '../shared/i18n';
import type { ConfigKind } from '../shared/use-config';
import type { X3Connection } from './connection';

export const X3_CONFIG_TYPE = 'x3-config';

export interface X3ConfigApi extends ConfigUsers {
  /** The shared connection; throws the configuration error when the settings are invalid. */
  getConnection(): X3Connection;
}

export type X3ConfigNode = Node & X3ConfigApi;

/** How the X3 nodes find and use an x3-config (shared/use-config.ts). */
export const X3_CONFIG: ConfigKind<X3ConfigApi> = {
  type: X3_CONFIG_TYPE,
  offers: (node) => typeof node.getConnection === 'function',
  problem: (config) => {
    try {
      config.getConnection();
      return undefined;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  },
  missingStatus: (RED) => catalogueText(RED, 'x3-config', 'x3-config.users.missingStatus'),
  missingMessage: (RED, userType) => catalogueText(RED, 'x3-config', 'x3-config.users.missing', { type: userType }),
};
