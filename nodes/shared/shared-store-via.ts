/**
 * How a config node (fedex-config, shipstation-config) shares its token and request budgets with
 * the other Node-RED instances: through the store of the audit-config its "Share through" names,
 * looked up at each call (config nodes start in any order: the audit-config may start after it).
 * On PostgreSQL every instance on that database shares them; on an embedded store they hold for
 * this instance alone.
 */
import type { NodeAPI } from 'node-red';
import { getAuditConfig, PROCESS_INSTANCE_ID } from '../audit/config-api';
import type { AuditStore } from '../audit/types';

export type SharedStoreVia = Pick<
  AuditStore,
  'readState' | 'writeState' | 'acquireLease' | 'releaseLease' | 'takeBudget'
>;

export function sharedStoreVia(
  RED: NodeAPI,
  auditId: string | undefined,
): { store: SharedStoreVia; owner: string } | undefined {
  if (!auditId) return undefined;
  const store = (): AuditStore => {
    const audit = getAuditConfig(RED, auditId);
    if (!audit) throw new Error('the audit-config this configuration shares its budget through is not deployed');
    return audit.getStore();
  };
  return {
    owner: PROCESS_INSTANCE_ID,
    store: {
      readState: (name) => store().readState(name),
      writeState: (name, value, fence) => store().writeState(name, value, fence),
      acquireLease: (name, owner, ttlMs) => store().acquireLease(name, owner, ttlMs),
      releaseLease: (name, owner, epoch) => store().releaseLease(name, owner, epoch),
      takeBudget: (budget, limits, want, nowMs) => store().takeBudget(budget, limits, want, nowMs),
    },
  };
}
