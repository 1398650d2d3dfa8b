/**
 * What a fedex-config node offers the FedEx nodes that use it, and how its settings become client
 * options (shared by the node and its "Test connection" endpoint).
 */
import type { Node, NodeDef } from 'node-red';
import type { AuditStore } from '../audit/types';
import type { NotConfiguredError } from '../shared/not-configured';
import type { ConfigUsers } from '../shared/config-users';
import { catalogueText, type Catalogue } from '../shared/i18n';
import type { AuditFallback } from '../shared/use-audit';
import type { ConfigKind } from '../shared/use-config';
import { number } from '../shared/settings';
import { FEDEX_URLS, type FedexClient, type FedexClientOptions, type FedexEnvironment, type GrantType } from './client';

export const FEDEX_CONFIG_TYPE = 'fedex-config';

export interface FedexConfigCredentials {
  clientId?: string;
  clientSecret?: string;
  childKey?: string;
  childSecret?: string;
  webhookSecret?: string;
}

export interface FedexConfigDef extends NodeDef {
  environment?: string;
  url?: string;
  accountNumber?: string;
  grantType?: string;
  transactionLimit?: string | number;
  transactionWindowSeconds?: string | number;
  tokenMarginSeconds?: string | number;
  lockoutMinutes?: string | number;
  timeoutSeconds?: string | number;
  /** audit-config through which several Node-RED instances share one token and one budget. */
  shareVia?: string;
}

export interface FedexConfigApi extends ConfigUsers {
  /** The one client (token cache, limiter) every node of this config shares. */
  readonly client: FedexClient;
  readonly accountNumber: string;
  /** Set when neither the API credentials nor the webhook token are entered (logged once by the config). */
  readonly notConfigured?: NotConfiguredError;
  /** The AIV security token (webhook signatures); undefined when not set. */
  webhookSecret(): string | undefined;
  /**
   * An in-memory audit store shared by this config's nodes that have no audit-config: fedex-ship
   * and fedex-track then still see the same tracked shipments (until a restart).
   */
  fallbackStore(): AuditStore;
}

export type FedexConfigNode = Node & FedexConfigApi;

/** How the FedEx nodes find and use a fedex-config (shared/use-config.ts). */
export const FEDEX_CONFIG: ConfigKind<FedexConfigApi> = {
  type: FEDEX_CONFIG_TYPE,
  offers: (node) => !!node.client,
  problem: (config) => config.notConfigured,
  missingStatus: (RED) => catalogueText(RED, 'fedex-config', 'fedex-config.users.missingStatus'),
  missingMessage: (RED) => catalogueText(RED, 'fedex-config', 'fedex-config.users.missing'),
};

function positive(v: unknown, fallback: number): number {
  return number(v, fallback, { above: 0 });
}

export function baseUrlOf(def: Partial<FedexConfigDef>): string {
  const env = (def.environment ?? 'sandbox') as FedexEnvironment;
  if (env === 'custom') {
    const url = (def.url ?? '').trim();
    if (!url) throw new Error('fedex-config: the custom environment needs a URL');
    return url.replace(/\/+$/, '');
  }
  return FEDEX_URLS[env === 'production' ? 'production' : 'sandbox'];
}

/** Where the stored secrets of a fedex-config may be sent (undefined: the settings are invalid). */
export function secretScopeOf(def: Partial<FedexConfigDef>): string[] | undefined {
  try {
    return [baseUrlOf(def)];
  } catch {
    return undefined;
  }
}

const GRANTS: GrantType[] = ['client_credentials', 'csp_credentials', 'client_pc_credentials'];

export function clientOptionsOf(def: Partial<FedexConfigDef>, creds: FedexConfigCredentials): FedexClientOptions {
  const grantType = GRANTS.includes(def.grantType as GrantType) ? (def.grantType as GrantType) : 'client_credentials';
  return {
    baseURL: baseUrlOf(def),
    accountNumber: (def.accountNumber ?? '').trim(),
    credentials: {
      clientId: creds.clientId ?? '',
      clientSecret: creds.clientSecret ?? '',
      childKey: creds.childKey,
      childSecret: creds.childSecret,
    },
    grantType,
    transactionLimit: positive(def.transactionLimit, 1400),
    transactionWindowMs: positive(def.transactionWindowSeconds, 10) * 1000,
    refreshMarginMs: positive(def.tokenMarginSeconds, 300) * 1000,
    lockoutMs: positive(def.lockoutMinutes, 10) * 60_000,
    timeoutMs: positive(def.timeoutSeconds, 30) * 1000,
  };
}

/**
 * Without an audit-config, fedex-ship and fedex-track share their FedEx config's in-memory store
 * (the ledger and the tracked shipments fedex-track follows).
 */
export function fedexAuditFallback(RED: Catalogue, config: FedexConfigNode): AuditFallback {
  return {
    warning: catalogueText(RED, 'fedex-config', 'fedex-config.users.auditFallback'),
    store: () => config.fallbackStore(),
  };
}
