/**
 * How a node binds to the audit-config of its `audit` setting, the same way in every node: the
 * config is used through the node's ConfigWork (its close then waits for the node's work
 * before releasing the store) and audit entries go through its recordSafe.
 *
 * The one fallback, when no audit-config is selected: a node that needs a ledger (exactly-once
 * claims, webhook pointers, seen ids) passes an AuditFallback and gets an in-memory store, by
 * default an in-process SQLite store of its own closed with the binding, opened on first need
 * with the node's warning, since exactly-once then only holds until Node-RED restarts. A selected
 * audit-config whose store could not be opened is not replaced: store() throws its reason.
 */
import type { Node, NodeAPI } from 'node-red';
import { getAuditConfig, PROCESS_INSTANCE_ID, type AuditConfigNode } from '../audit/config-api';
import type { LabelStore } from '../audit/label-store';
import { openSqliteStore } from '../audit/sqlite-store';
import type { AuditEntry, AuditEntryInput, AuditStore } from '../audit/types';
import type { ConfigWork } from './config-users';
import { commonText } from './i18n';

export interface AuditFallback {
  /** Logged once, when the fallback store is first opened. */
  warning: string;
  /** A store someone else owns (not closed here); default: an in-memory SQLite store of this node. */
  store?: () => AuditStore;
  /** Audit entries are recorded in the fallback store too (default true); false: only the ledger uses it. */
  trail?: boolean;
}

export interface AuditBinding {
  /** The selected audit-config, the node's work counted there; undefined when none is selected. */
  readonly config?: AuditConfigNode;
  /** false: the in-memory fallback (lost on restart) or no store at all. */
  readonly persistent: boolean;
  /** Ledger owner of this process. */
  readonly owner: string;
  /** The audit-config's label store (none with the fallback: labels stay inline). */
  readonly labels?: LabelStore;
  /**
   * The audit-config's store (throws when it could not be opened), else the fallback (opened on
   * the first call, with its warning), else undefined.
   */
  store(): AuditStore | undefined;
  /** As store(), but an audit-config whose store could not be opened is a warning and undefined. */
  available(): AuditStore | undefined;
  /** The fallback store (opened on the first call, with its warning), or undefined without one. */
  fallback(): AuditStore | undefined;
  /** Records an entry; never throws (a failure is a warning and resolves undefined). */
  record(entry: AuditEntryInput): Promise<AuditEntry | undefined>;
  /** Closes the fallback store when this binding opened it. */
  close(): Promise<void>;
}

/** The audit binding of a node whose `audit` setting is `auditId`. */
export function useAudit(
  RED: NodeAPI,
  node: Node,
  work: ConfigWork,
  auditId: unknown,
  fallback?: AuditFallback,
): AuditBinding {
  const config = work.use(getAuditConfig(RED, auditId));
  let fallbackStore: AuditStore | undefined;
  const ownsFallback = fallback !== undefined && fallback.store === undefined;
  const openFallback = (): AuditStore | undefined => {
    if (!fallback) return undefined;
    if (!fallbackStore) {
      node.warn(fallback.warning);
      fallbackStore = fallback.store ? fallback.store() : openSqliteStore({ path: ':memory:' });
    }
    return fallbackStore;
  };
  const store = (): AuditStore | undefined => (config ? config.getStore() : openFallback());
  return {
    config,
    persistent: config !== undefined,
    owner: config?.instanceId ?? PROCESS_INSTANCE_ID,
    labels: config?.labelStore,
    store,
    available() {
      try {
        return store();
      } catch (err) {
        node.warn(commonText(RED, 'warn.auditStoreUnavailable', { error: (err as Error).message }));
        return undefined;
      }
    },
    fallback: openFallback,
    async record(entry) {
      if (config) return config.recordSafe(entry);
      if (!fallbackStore || fallback?.trail === false) return undefined;
      try {
        return await fallbackStore.record(entry);
      } catch (err) {
        node.warn(commonText(RED, 'warn.auditEntryNotRecorded', { error: (err as Error).message }));
        return undefined;
      }
    },
    async close() {
      const opened = fallbackStore;
      fallbackStore = undefined;
      if (ownsFallback && opened) await opened.close().catch(() => undefined);
    },
  };
}
