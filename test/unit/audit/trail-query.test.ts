/**
 * The trail's query builder (trail-query.ts), written once for SQLite and PostgreSQL: the SQL
 * and parameters of each dialect, and the plan each database chooses for the console's entity
 * and flow filters on a trail large enough for a scan to show (the indexes of the migrations).
 */
import { strict as assert } from 'assert';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { migrate } from '../../../nodes/audit/migrations';
import { openPgStore } from '../../../nodes/audit/pg-store';
import { POSTGRES_DIALECT as PG_DIALECT, SQLITE_DIALECT } from '../../../nodes/audit/sql-dialect';
import { trailQuerySql, type BoundSql } from '../../../nodes/audit/trail-query';
import type { AuditQuery } from '../../../nodes/audit/types';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster, type PgCluster } from '../../support/pg-cluster';

const FILTERED: AuditQuery = {
  status: ['failed', 'unknown'],
  x3Entity: 'salesDelivery',
  nodeIds: ['n1', 'n2'],
  from: '2025-01-01T00:00:00Z',
  limit: 20,
  offset: 40,
};

/** The page query with each parameter spliced in as a literal (for EXPLAIN only). */
function literal(q: BoundSql, dialect: 'sqlite' | 'pg'): string {
  const quote = (v: unknown): string => (typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
  return dialect === 'sqlite'
    ? q.sql.replace(
        /\?/g,
        (() => {
          let i = 0;
          return () => quote(q.params[i++]);
        })(),
      )
    : q.sql.replace(/\$(\d+)/g, (_, n: string) => quote(q.params[Number(n) - 1]));
}

describe('trail query builder', () => {
  it('writes one WHERE clause for both dialects: ? in SQLite, $1..$n in PostgreSQL, same parameters', () => {
    const lite = trailQuerySql(FILTERED, SQLITE_DIALECT);
    const pg = trailQuerySql(FILTERED, PG_DIALECT);
    const params = ['failed', 'unknown', '2025-01-01T00:00:00.000Z', 'salesDelivery', 'n1', 'n2'];
    assert.deepEqual(lite.count.params, params);
    assert.deepEqual(pg.count.params, params);
    // SQLite is told to check status inside the entity or node index (it has no statistics)
    assert.match(lite.count.sql, /\+e\.status IN \(\?, \?\) AND .* AND e\.x3_entity = \? AND e\.node_id IN \(\?, \?\)/);
    assert.match(
      pg.count.sql,
      /e\.status IN \(\$1, \$2\) AND e\.time >= \$3 AND e\.x3_entity = \$4 AND e\.node_id IN \(\$5, \$6\)/,
    );
    assert.deepEqual(pg.page?.params, [...params, 20, 40]);
    assert.match(pg.page?.sql ?? '', /LIMIT \$7 OFFSET \$8\s*\) ORDER BY time DESC, seq DESC$/);
    assert.match(lite.page?.sql ?? '', /LIMIT \? OFFSET \?\s*\) ORDER BY time DESC, seq DESC$/);
    assert.equal(
      lite.count.sql.replace(/\?/g, '#').replace('+e.status', 'e.status'),
      pg.count.sql.replace(/\$\d+/g, '#'),
      'the same statement but for its placeholders',
    );
  });

  it('an empty node list selects nothing; no page statement for limit 0', () => {
    const q = trailQuerySql({ nodeIds: [], limit: 0 }, SQLITE_DIALECT);
    assert.match(q.count.sql, /WHERE 1 = 0$/);
    assert.equal(q.page, undefined);
    assert.throws(() => trailQuerySql({ nodeIds: Array(501).fill('n') }, PG_DIALECT), /at most 500 node ids/);
  });

  it('SQLite seeks the entity and node indexes for the Activity filters', () => {
    const db = new Database(':memory:');
    try {
      migrate(db);
      const plan = (q: AuditQuery): string => {
        const { count, page } = trailQuerySql({ limit: 50, ...q }, SQLITE_DIALECT);
        return [count, page as BoundSql]
          .map((s) =>
            (db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.params) as Array<{ detail: string }>)
              .map((r) => r.detail)
              .join('; '),
          )
          .join(' | ');
      };
      // the count and the page's seqs come from an index alone; only the page's rows are read
      for (const q of [
        { x3Entity: 'salesDelivery' },
        { x3Entity: 'salesDelivery', status: 'failed' as const },
        { nodeIds: ['a', 'b', 'c'] },
        { nodeIds: ['a', 'b'], x3Entity: 'salesOrder', status: ['failed' as const, 'unknown' as const] },
      ]) {
        const p = plan(q);
        assert.match(p, /^SEARCH e USING COVERING INDEX audit_entries_(entity|node)_time/, p);
        assert.match(p, /SEARCH audit_entries USING INTEGER PRIMARY KEY \(rowid=\?\)/, p);
        assert.match(p, /SEARCH e USING COVERING INDEX audit_entries_(entity|node)_time \((x3_entity|node_id)=\?\)/, p);
        assert.doesNotMatch(p, /SCAN e\b|SEARCH e USING INDEX/, p);
      }
      const next = db.prepare(
        `EXPLAIN QUERY PLAN SELECT MIN(e.x3_entity) AS v FROM audit_entries e WHERE e.x3_entity > ?`,
      );
      assert.match(
        (next.all('') as Array<{ detail: string }>).map((r) => r.detail).join(';'),
        /audit_entries_entity_time/,
      );
    } finally {
      db.close();
    }
  });

  describe('on PostgreSQL', function () {
    let cluster: PgCluster | undefined;
    const schema = isolatedSchema('tq');
    let client: Client | undefined;

    before(async function () {
      // initdb + a server start, and 200,000 rows generated in the server: not a test of speed
      this.timeout(300_000);
      cluster = await sharedPgCluster();
      if (!cluster) {
        console.log(`      ${PG_SKIP_MESSAGE}`);
        this.skip();
      }
      const store = openPgStore({ connection: cluster.url, schema });
      await store.ready();
      await store.close();
      client = new Client({ connectionString: cluster.url });
      await client.connect();
      await client.query(`SET search_path TO ${schema}`);
      // 200,000 entries of 12 nodes; purchase orders are rare (1 in 1,000), like a quiet flow
      await client.query(`
        INSERT INTO audit_entries (id, time, system, operation, status, x3_entity, node_id, msg)
        SELECT 'e' || i, to_char(timestamp '2025-01-01' + i * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'x3', 'x3.update', CASE WHEN i % 100 = 0 THEN 'failed' ELSE 'succeeded' END,
               CASE WHEN i % 1000 = 7 THEN 'purchaseOrder' ELSE (ARRAY['salesDelivery','salesOrder','customer'])[i % 3 + 1] END,
               'node-' || (i % 12), repeat('x', 200)
        FROM generate_series(1, 200000) AS i`);
      await client.query('VACUUM ANALYZE audit_entries');
    });

    after(async function () {
      if (!client) return;
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    });

    const plan = async (q: AuditQuery): Promise<string> => {
      const { count, page } = trailQuerySql({ limit: 50, ...q }, PG_DIALECT);
      const out: string[] = [];
      for (const s of [count, page as BoundSql]) {
        const r = await (client as Client).query<{ 'QUERY PLAN': string }>(`EXPLAIN ${literal(s, 'pg')}`);
        out.push(r.rows.map((x) => x['QUERY PLAN']).join('\n'));
      }
      return out.join('\n---\n');
    };

    it('the builder runs on PostgreSQL and counts what it pages', async () => {
      const { count, page } = trailQuerySql(
        { x3Entity: 'purchaseOrder', nodeIds: ['node-7', 'node-3'], limit: 5 },
        PG_DIALECT,
      );
      const n = await (client as Client).query<{ n: string }>(count.sql, count.params);
      const rows = await (client as Client).query<{ x3_entity: string; node_id: string; time: string }>(
        (page as BoundSql).sql,
        (page as BoundSql).params,
      );
      // i = 7 + 1000k (k < 200) has i % 12 = 7, 11, 3 as k % 3 = 0, 1, 2: 67 + 66 of them
      assert.equal(Number(n.rows[0].n), 133);
      assert.equal(rows.rows.length, 5);
      assert.ok(rows.rows.every((r) => r.x3_entity === 'purchaseOrder' && ['node-7', 'node-3'].includes(r.node_id)));
      const times = rows.rows.map((r) => r.time);
      assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    });

    it('seeks the entity index for a rare entity and the node index for a quiet flow, never a full scan', async () => {
      const rare = await plan({ x3Entity: 'purchaseOrder' });
      assert.match(rare, /audit_entries_entity_time/, rare);
      assert.doesNotMatch(rare, /Seq Scan/, rare);
      const flow = await plan({ nodeIds: ['node-3'], status: 'failed' });
      assert.doesNotMatch(flow, /Seq Scan/, flow);
      const listed = (
        await (client as Client).query<{ 'QUERY PLAN': string }>(
          "EXPLAIN SELECT MIN(e.x3_entity) AS v FROM audit_entries e WHERE e.x3_entity > 'customer'",
        )
      ).rows
        .map((x) => x['QUERY PLAN'])
        .join('\n');
      assert.match(listed, /Index Only Scan using audit_entries_entity_time/, listed);
    });
  });
});
