/**
 * What a shipstation-config node offers the ShipStation nodes that use it (one client, the JWKS of
 * V2 webhooks, track), how they find it (SHIPSTATION_CONFIG), and how its settings become client
 * options (shared by the node and its "Test connection" endpoint).
 */
import type { Node, NodeDef } from 'node-red';
import {
  DEFAULT_RESERVE,
  DEFAULT_WINDOW_MS,
  V1_DEFAULT_LIMIT,
  V2_DEFAULT_LIMIT,
  apiBasesOf,
  type ApiVersion,
  type ShipStationClient,
} from './client';
import type { NotConfiguredError } from '../shared/not-configured';
import type { ConfigUsers } from '../shared/config-users';
import { catalogueText } from '../shared/i18n';
import type { ConfigKind } from '../shared/use-config';
import { number } from '../shared/settings';
import type { JwksSource } from './webhook-verify';

/** What a shipstation-config node offers the nodes that use it. */
export const SHIPSTATION_CONFIG_TYPE = 'shipstation-config';

export interface ShipStationConfigApi extends ConfigUsers {
  /** The one client (one limiter per API version) every node on this config shares. */
  readonly client: ShipStationClient;
  /** The API a node uses when it has no reason to pick (orders are always V1). */
  readonly defaultVersion: ApiVersion;
  /** V2 webhook signing keys, cached by key id. */
  readonly jwks: JwksSource;
  /** Set when no API credentials are entered at all (logged once by the config). */
  readonly notConfigured?: NotConfiguredError;
}

export type ShipStationConfigNode = Node & ShipStationConfigApi;

/** How the ShipStation nodes find and use a shipstation-config (shared/use-config.ts). */
export const SHIPSTATION_CONFIG: ConfigKind<ShipStationConfigApi> = {
  type: SHIPSTATION_CONFIG_TYPE,
  offers: (node) => !!node.client,
  problem: (config) => config.notConfigured,
  missingStatus: (RED) => catalogueText(RED, 'shipstation-config', 'shipstation-config.users.missingStatus'),
  missingMessage: (RED, userType) =>
    catalogueText(RED, 'shipstation-config', 'shipstation-config.users.missing', { type: userType }),
};

export interface ShipStationConfigDef extends NodeDef {
  version?: string;
  v1Url?: string;
  v2Url?: string;
  v1Limit?: string | number;
  v2Limit?: string | number;
  reserve?: string | number;
  windowSeconds?: string | number;
  jwksUrl?: string;
  /** audit-config through which several Node-RED instances share the request budgets. */
  shareVia?: string;
}

function positive(v: unknown, fallback: number): number {
  return number(v, fallback, { above: 0 });
}

function nonNegative(v: unknown, fallback: number): number {
  return number(v, fallback, { min: 0 });
}

export function clientSettings(def: Partial<ShipStationConfigDef>): {
  v1Url?: string;
  v2Url?: string;
  v1Limit: number;
  v2Limit: number;
  reserve: number;
  windowMs: number;
} {
  return {
    v1Url: def.v1Url?.trim() || undefined,
    v2Url: def.v2Url?.trim() || undefined,
    v1Limit: positive(def.v1Limit, V1_DEFAULT_LIMIT),
    v2Limit: positive(def.v2Limit, V2_DEFAULT_LIMIT),
    reserve: nonNegative(def.reserve, DEFAULT_RESERVE),
    windowMs: positive(def.windowSeconds, DEFAULT_WINDOW_MS / 1000) * 1000,
  };
}

/**
 * Where the stored keys of a shipstation-config may be sent: the V1 and V2 hosts. The JWKS URL is
 * not part of it: key sets are fetched without credentials.
 */
export function secretScopeOf(def: Partial<ShipStationConfigDef>): string[] {
  const bases = apiBasesOf(clientSettings(def));
  return [bases.v1, bases.v2];
}
