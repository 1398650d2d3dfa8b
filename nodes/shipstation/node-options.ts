import type { Node, NodeAPI } from 'node-red';
import { getAuditConfig } from '../audit/config-api';
import { openSqliteStore } from '../audit/sqlite-store';
import type { AuditEntryInput, AuditStore } from '../audit/types';
import { bool, text } from '../shared/settings';
import type { X3MappingOptions } from './mapping';

/** Settings several ShipStation nodes share: the X3 mapping fields and the audit store. */

export interface MappingDef {
  mapToX3?: boolean | string;
  x3SalesSite?: string;
  x3ShippingSite?: string;
  x3OrderType?: string;
  x3Currency?: string;
  x3CustomerPrefix?: string;
  x3TrackingField?: string;
  x3StatusField?: string;
}

/** "map to X3" is on unless explicitly switched off. */
export function mapToX3Of(def: MappingDef): boolean {
  return bool(def.mapToX3, true);
}

export function mappingOf(def: MappingDef): X3MappingOptions {
  return {
    salesSite: text(def.x3SalesSite),
    shippingSite: text(def.x3ShippingSite),
    orderType: text(def.x3OrderType),
    currency: text(def.x3Currency),
    customerPrefix: text(def.x3CustomerPrefix),
    trackingField: text(def.x3TrackingField),
    statusField: text(def.x3StatusField),
  };
}

export interface NodeAudit {
  store?: AuditStore;
  /** true when the store is the in-process fallback (lost on restart). */
  fallback: boolean;
  record(entry: AuditEntryInput): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * The audit store a node writes to: its audit-config's, or — for nodes that need a ledger
 * (webhook pointers, seen ids) — an in-process SQLite store with a warning, since delivery is
 * then only exactly-once until a restart.
 */
export function nodeAudit(RED: NodeAPI, node: Node, auditId: unknown, needsLedger: boolean): NodeAudit {
  const cfg = getAuditConfig(RED, auditId);
  let store: AuditStore | undefined;
  let fallback = false;
  if (cfg) {
    try {
      store = cfg.getStore();
    } catch (err) {
      node.warn(`audit store unavailable: ${(err as Error).message}`);
    }
  }
  if (!store && needsLedger) {
    store = openSqliteStore({ path: ':memory:' });
    fallback = true;
    node.warn(
      'no audit-config selected: webhook pointers and seen ids are kept in memory only, so they are lost on restart (select an audit-config for durable, exactly-once delivery)',
    );
  }
  return {
    store,
    fallback,
    async record(entry) {
      if (!store) return undefined;
      try {
        if (cfg && !fallback) return (await cfg.recordSafe(entry))?.id;
        return (await store.record(entry)).id;
      } catch (err) {
        node.warn(`audit entry not recorded: ${(err as Error).message}`);
        return undefined;
      }
    },
    async close() {
      if (fallback && store) await store.close().catch(() => undefined);
    },
  };
}
