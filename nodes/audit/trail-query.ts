/**
 * An AuditQuery as SQL over the trail (audit_entries aliased `e`), written once for both
 * backends: the dialect (sql-dialect.ts) says how a parameter is written (`?` in SQLite, `$n` in
 * PostgreSQL). Every value is bound, never spliced in; the page size is bounded.
 */
import { requireStatus, requireSystem, toIso } from './entry-input';
import type { SqlDialect } from './sql-dialect';
import type { AuditQuery } from './types';

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 10_000;
/** The most node ids one query takes (the nodes of one flow): a longer list is refused, not cut. */
export const MAX_QUERY_NODE_IDS = 500;

export interface BoundSql {
  sql: string;
  params: unknown[];
}

export interface TrailQuerySql {
  /** `n`: the number of entries matching the filters */
  count: BoundSql;
  /** the page of entries, or undefined when the limit is 0 */
  page?: BoundSql;
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_QUERY_LIMIT;
  return Math.max(0, Math.min(MAX_QUERY_LIMIT, Math.floor(limit)));
}

export function buildWhere(q: AuditQuery, dialect: SqlDialect): BoundSql {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return dialect.param(params.length);
  };
  const eq = (column: string, value: string | undefined): void => {
    if (value === undefined || value === '') return;
    clauses.push(`e.${column} = ${bind(value)}`);
  };
  // an empty list selects nothing (a flow without nodes has no entries), never everything
  const oneOf = (column: string, values: readonly string[]): void => {
    if (values.length === 0) clauses.push('1 = 0');
    else clauses.push(`${column} IN (${values.map(bind).join(', ')})`);
  };
  eq('id', q.id);
  if (q.status !== undefined) {
    const statuses = Array.isArray(q.status) ? q.status : [q.status];
    statuses.forEach(requireStatus);
    const inEntityOrNodeIndex = Boolean(q.x3Entity || q.nodeId || q.nodeIds);
    oneOf(inEntityOrNodeIndex ? dialect.notSeeked('e.status') : 'e.status', statuses);
  }
  if (q.system !== undefined) requireSystem(q.system);
  eq('system', q.system);
  eq('operation', q.operation);
  if (q.from) clauses.push(`e.time >= ${bind(toIso(q.from, 'from'))}`);
  if (q.to) clauses.push(`e.time <= ${bind(toIso(q.to, 'to'))}`);
  eq('x3_entity', q.x3Entity);
  eq('x3_key', q.x3Key);
  eq('ss_order_number', q.shipstationOrderNumber);
  eq('ss_order_id', q.shipstationOrderId);
  eq('idempotency_key', q.idempotencyKey);
  eq('node_id', q.nodeId);
  if (q.nodeIds !== undefined) {
    if (q.nodeIds.length > MAX_QUERY_NODE_IDS) {
      throw new Error(`audit query: at most ${MAX_QUERY_NODE_IDS} node ids (got ${q.nodeIds.length})`);
    }
    oneOf('e.node_id', q.nodeIds);
  }
  if (q.trackingNumber) {
    clauses.push(`e.seq IN (SELECT entry_seq FROM audit_tracking WHERE tracking_number = ${bind(q.trackingNumber)})`);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/**
 * The count and the page of a query, newest first unless `order` is 'asc'. The page picks its
 * seqs first, from the filter's index alone where it holds every column the filters name
 * (migration 5: entity and node indexes carry time, status and each other), so ordering many
 * matches never reads their rows: only the page's rows are read.
 */
export function trailQuerySql(q: AuditQuery, dialect: SqlDialect): TrailQuerySql {
  const where = buildWhere(q, dialect);
  const limit = clampLimit(q.limit);
  const offset = Math.max(0, Math.floor(q.offset ?? 0));
  const dir = q.order === 'asc' ? 'ASC' : 'DESC';
  const count = { sql: `SELECT COUNT(*) AS n FROM audit_entries e ${where.sql}`, params: where.params };
  if (limit === 0) return { count };
  const n = where.params.length;
  const page = {
    sql: `SELECT * FROM audit_entries WHERE seq IN (
            SELECT e.seq FROM audit_entries e ${where.sql} ORDER BY e.time ${dir}, e.seq ${dir}
            LIMIT ${dialect.param(n + 1)} OFFSET ${dialect.param(n + 2)}
          ) ORDER BY time ${dir}, seq ${dir}`,
    params: [...where.params, limit, offset],
  };
  return { count, page };
}

/** The most distinct X3 entities listX3Entities() returns (a catalogue has a handful). */
export const MAX_LISTED_ENTITIES = 200;

/** The smallest X3 entity after `$1` (index audit_entries_entity_time: one seek). */
export function nextEntitySql(dialect: SqlDialect): string {
  return `SELECT MIN(e.x3_entity) AS v FROM audit_entries e WHERE e.x3_entity > ${dialect.param(1)}`;
}

/**
 * The distinct X3 entities of the trail, in order, walked one index seek per entity (a loose
 * index scan) instead of a DISTINCT that reads every entry: cheap however large the trail.
 */
export async function distinctEntities(next: (after: string) => Promise<string | null | undefined>): Promise<string[]> {
  const out: string[] = [];
  let after = '';
  while (out.length < MAX_LISTED_ENTITIES) {
    const v = await next(after);
    if (v === null || v === undefined) break;
    out.push(v);
    after = v;
  }
  return out;
}
