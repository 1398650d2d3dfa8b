import { strict as assert } from 'assert';
import { Client } from 'pg';
import { openPgStore, type PgAuditStore } from '../../../nodes/audit/pg-store';
import { PG_MIGRATIONS } from '../../../nodes/audit/pg-migrations';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster, type PgCluster } from '../../support/pg-cluster';
import { describeAuditStoreContract, manualClock } from './store-contract';

describe('PostgreSQL audit store', function () {
  let cluster: PgCluster | undefined;
  let schemas = new Map<string, string>();

  before(async function () {
    // starting a cluster is initdb + a server start: not a test of speed
    this.timeout(180_000);
    cluster = await sharedPgCluster();
    if (!cluster) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
  });

  const dropSchemas = async (): Promise<void> => {
    if (!cluster || schemas.size === 0) return;
    const c = new Client({ connectionString: cluster.url });
    await c.connect();
    try {
      for (const s of schemas.values()) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    } finally {
      await c.end();
    }
    schemas = new Map();
  };

  // the shared contract (two opens of one name = two pools on one schema, as two instances)
  describeAuditStoreContract('postgres', {
    async open(db, options) {
      let schema = schemas.get(db);
      if (!schema) {
        schema = isolatedSchema(db);
        schemas.set(db, schema);
      }
      const store = openPgStore({ connection: (cluster as PgCluster).url, schema, poolSize: 4, ...options });
      await store.ready();
      return store;
    },
    cleanup: dropSchemas,
  });

  describe('schema', () => {
    const stores: PgAuditStore[] = [];
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      await dropSchemas();
    });

    it('several instances opening one new database at once apply each migration exactly once', async () => {
      const schema = isolatedSchema('mig');
      schemas.set('mig', schema);
      const clock = manualClock();
      const opened = Array.from({ length: 4 }, () =>
        openPgStore({ connection: (cluster as PgCluster).url, schema, poolSize: 2, now: clock.now }),
      );
      stores.push(...opened);
      await Promise.all(opened.map((s) => s.ready()));
      const r = await opened[0].database.query<{ version: number }>('SELECT version FROM schema_version ORDER BY 1');
      assert.deepEqual(
        r.rows.map((x) => x.version),
        PG_MIGRATIONS.map((m) => m.version),
      );
    });

    it('refuses a database migrated by a newer plugin version', async () => {
      const schema = isolatedSchema('newer');
      schemas.set('newer', schema);
      const first = openPgStore({ connection: (cluster as PgCluster).url, schema });
      stores.push(first);
      await first.ready();
      await first.database.query("INSERT INTO schema_version VALUES (999, 'from the future', 'x')");
      const second = openPgStore({ connection: (cluster as PgCluster).url, schema });
      stores.push(second);
      await assert.rejects(second.ready(), /newer than this plugin supports/);
      await assert.rejects(second.get('k'), /newer than this plugin supports/);
    });
  });
});
