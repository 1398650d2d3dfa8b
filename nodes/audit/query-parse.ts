/**
 * Turns untrusted input (msg.payload of a "query"/"export" msg, or an admin request's query
 * string) into an AuditQuery, with an error naming the bad field.
 */
import { MAX_QUERY_NODE_IDS } from './trail-query';
import type { AuditQuery, AuditStatus } from './types';
import { isAuditStatus, isAuditSystem } from './vocabulary';

export const MAX_PAGE_SIZE = 1000;

/** The text filters a query and a replay filter share (beside id, system, status and the time bounds). */
export const TEXT_FILTERS = [
  'operation',
  'x3Key',
  'trackingNumber',
  'shipstationOrderNumber',
  'shipstationOrderId',
  'idempotencyKey',
  'nodeId',
] as const;

const STRING_FIELDS = ['id', 'x3Entity', ...TEXT_FILTERS] as const;

function intField(raw: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = raw[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`query: "${name}" must be an integer >= ${min}`);
  return Math.min(n, max);
}

/**
 * `nodeIds` (the nodes of one flow) as a list or as one comma-separated string (a query
 * string); bounded, so a request cannot make a statement of unbounded size.
 */
function nodeIdList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = typeof v === 'string' ? (v === '' ? [] : v.split(',').map((s) => s.trim())) : v;
  if (!Array.isArray(list) || list.some((id) => typeof id !== 'string' || id === '')) {
    throw new Error('query: "nodeIds" must be a list of node ids');
  }
  if (list.length > MAX_QUERY_NODE_IDS) throw new Error(`query: "nodeIds" takes at most ${MAX_QUERY_NODE_IDS} ids`);
  return list as string[];
}

export function parseAuditQuery(input: unknown, maxLimit: number = MAX_PAGE_SIZE): AuditQuery {
  if (input === undefined || input === null || input === '') return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new Error('query must be an object of filters');
  const raw = input as Record<string, unknown>;
  const q: AuditQuery = {};
  for (const name of STRING_FIELDS) {
    const v = raw[name];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v === 'number' && Number.isFinite(v)) q[name] = String(v);
    else if (typeof v === 'string') q[name] = v;
    else throw new Error(`query: "${name}" must be a string`);
  }
  const nodeIds = nodeIdList(raw.nodeIds);
  if (nodeIds) q.nodeIds = nodeIds;
  if (raw.system !== undefined && raw.system !== '') {
    if (!isAuditSystem(raw.system)) throw new Error(`query: unknown "system" ${String(raw.system)}`);
    q.system = raw.system;
  }
  if (raw.status !== undefined && raw.status !== '') {
    const list = Array.isArray(raw.status)
      ? raw.status
      : typeof raw.status === 'string'
        ? raw.status.split(',').map((s) => s.trim())
        : [raw.status];
    for (const s of list) if (!isAuditStatus(s)) throw new Error(`query: unknown "status" ${String(s)}`);
    q.status = list.length === 1 ? (list[0] as AuditStatus) : (list as AuditStatus[]);
  }
  for (const name of ['from', 'to'] as const) {
    const v = raw[name];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' || Number.isNaN(new Date(v).getTime())) {
      throw new Error(`query: "${name}" must be a date (UTC ISO 8601)`);
    }
    q[name] = new Date(v).toISOString();
  }
  const limit = intField(raw, 'limit', 0, maxLimit);
  if (limit !== undefined) q.limit = limit;
  const offset = intField(raw, 'offset', 0, Number.MAX_SAFE_INTEGER);
  if (offset !== undefined) q.offset = offset;
  if (raw.order !== undefined && raw.order !== '') {
    if (raw.order !== 'asc' && raw.order !== 'desc') throw new Error('query: "order" must be asc or desc');
    q.order = raw.order;
  }
  return q;
}
