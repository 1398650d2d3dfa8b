/**
 * An AuditQuery as SQL over the trail (audit_entries aliased `e`): the WHERE clause with its
 * parameters, every value bound, never spliced in, and the page size bounds.
 */
import { requireStatus, requireSystem, toIso } from './entry-input';
import type { AuditQuery } from './types';

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 10_000;

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_QUERY_LIMIT;
  return Math.max(0, Math.min(MAX_QUERY_LIMIT, Math.floor(limit)));
}

export function buildWhere(q: AuditQuery): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const eq = (column: string, value: string | undefined): void => {
    if (value === undefined || value === '') return;
    clauses.push(`e.${column} = ?`);
    params.push(value);
  };
  eq('id', q.id);
  if (q.status !== undefined) {
    const statuses = Array.isArray(q.status) ? q.status : [q.status];
    statuses.forEach(requireStatus);
    if (statuses.length === 0) clauses.push('1 = 0');
    else {
      clauses.push(`e.status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
  }
  if (q.system !== undefined) requireSystem(q.system);
  eq('system', q.system);
  eq('operation', q.operation);
  if (q.from) {
    clauses.push('e.time >= ?');
    params.push(toIso(q.from, 'from'));
  }
  if (q.to) {
    clauses.push('e.time <= ?');
    params.push(toIso(q.to, 'to'));
  }
  eq('x3_key', q.x3Key);
  eq('ss_order_number', q.shipstationOrderNumber);
  eq('ss_order_id', q.shipstationOrderId);
  eq('idempotency_key', q.idempotencyKey);
  eq('node_id', q.nodeId);
  if (q.trackingNumber) {
    clauses.push('e.seq IN (SELECT entry_seq FROM audit_tracking WHERE tracking_number = ?)');
    params.push(q.trackingNumber);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
