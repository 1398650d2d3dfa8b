/**
 * What an audit-config node offers the other nodes of the package. A connector node that has an
 * `audit` setting binds it with useAudit() (nodes/shared/use-audit.ts), which records its outcomes
 * through recordSafe() and keeps its exactly-once path in getStore() (claim/complete/fail/
 * markUnknown) with instanceId as the ledger owner.
 */
import { randomUUID } from 'crypto';
import type { Node, NodeAPI } from 'node-red';
import type { ConfigUsers } from '../shared/config-users';
import { catalogueText } from '../shared/i18n';
import type { ConfigKind } from '../shared/use-config';
import type { LabelStore } from './label-store';
import type { LedgerResolveOptions } from './ledger-resolve';
import type { AuditEntry, AuditEntryInput, AuditStore } from './types';

export const AUDIT_CONFIG_TYPE = 'audit-config';

/**
 * Random per process start. A ledger claim whose owner differs was made by an earlier process
 * (or, with a shared store, by another instance): if it is still 'claimed', that attempt may
 * have been interrupted and its outcome is unknown.
 */
export const PROCESS_INSTANCE_ID: string = randomUUID();

/** An audit-sink (or any node) that can emit replayed msgs on its output. */
export interface ReplayTarget {
  readonly id: string;
  emitReplays(msgs: Array<Record<string, unknown>>): void;
}

export interface AuditConfigApi extends ConfigUsers {
  readonly instanceId: string;
  readonly retentionDays: number;
  /** Where fedex-ship writes labels and documents; the ledger keeps their references. */
  readonly labelStore?: LabelStore;
  /** How an operator's ledger resolve tells a stale claim from a running one (ledger-resolve.ts). */
  readonly ledgerResolveOptions: LedgerResolveOptions;
  readonly maskPersonalData: boolean;
  /**
   * Leader lease of the pollers (x3-poll, shipstation-fetch, fedex-track) when the store is shared
   * by several instances: a standby takes over within this long after the leader died.
   */
  readonly leaseMs: number;
  /** The store; throws (with the reason) when it could not be opened. */
  getStore(): AuditStore;
  /** Records an entry; never throws: a failure is logged as a warning and resolves undefined. */
  recordSafe(entry: AuditEntryInput): Promise<AuditEntry | undefined>;
  registerReplayTarget(target: ReplayTarget): void;
  deregisterReplayTarget(target: ReplayTarget): void;
  /** Registered targets, ordered by id (the first is the default replay target). */
  replayTargets(): ReplayTarget[];
}

export type AuditConfigNode = Node & AuditConfigApi;

export function isAuditConfigNode(node: unknown): node is AuditConfigNode {
  if (!node || typeof node !== 'object') return false;
  const n = node as Partial<AuditConfigNode> & { type?: unknown };
  return (
    n.type === AUDIT_CONFIG_TYPE &&
    typeof n.getStore === 'function' &&
    typeof n.recordSafe === 'function' &&
    typeof n.instanceId === 'string'
  );
}

/** The audit-config node with this id, or undefined when unset, deleted, disabled or another type. */
export function getAuditConfig(RED: NodeAPI, id: unknown): AuditConfigNode | undefined {
  if (typeof id !== 'string' || !id) return undefined;
  const node: unknown = RED.nodes.getNode(id);
  return isAuditConfigNode(node) ? node : undefined;
}

/**
 * How an audit-sink finds and uses its audit-config (shared/use-config.ts). A store that could not
 * be opened is no reason to refuse msgs: the sink passes them on and reports each one.
 */
export const AUDIT_CONFIG: ConfigKind<AuditConfigApi> = {
  type: AUDIT_CONFIG_TYPE,
  offers: (node) => isAuditConfigNode(node),
  problem: () => undefined,
  missingStatus: (RED) => catalogueText(RED, 'audit-config', 'audit-config.users.missingStatus'),
  missingMessage: (RED, userType) =>
    catalogueText(RED, 'audit-config', 'audit-config.users.missing', { type: userType }),
};
