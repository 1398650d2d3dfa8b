import { strict as assert } from 'assert';
import net from 'net';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import { isAuditConfigNode, type AuditConfigNode } from '../../../nodes/audit/config-api';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster, type PgCluster } from '../../support/pg-cluster';
import { helper, startStopServer, useUserDir, type TestNode } from './harness';

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

describe('audit-config node on PostgreSQL', function () {
  let cluster: PgCluster | undefined;
  before(async function () {
    this.timeout(180_000);
    cluster = await sharedPgCluster();
    if (!cluster) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
  });
  useUserDir();
  startStopServer();

  const cfg = (id: string): AuditConfigNode => {
    const n: unknown = helper.getNode(id);
    assert.ok(isAuditConfigNode(n), 'an audit-config node');
    return n;
  };

  it('two configs on one database (as two instances) share one ledger: a key is won once', async () => {
    const schema = isolatedSchema('cfg');
    const def = { type: 'audit-config', backend: 'postgres', connection: (cluster as PgCluster).url, schema };
    await helper.load(auditConfigNode, [
      { id: 'a', ...def },
      { id: 'b', ...def },
    ]);
    const a = cfg('a').getStore();
    const b = cfg('b').getStore();
    const meta = (owner: string) => ({ owner, system: 'fedex' as const, operation: 'ship.create' });
    const [ra, rb] = await Promise.all([a.claim('doc-1', meta('A')), b.claim('doc-1', meta('B'))]);
    assert.equal([ra, rb].filter((r) => r.claimed).length, 1);
    const e = await cfg('a').recordSafe({ system: 'flow', operation: 'x', status: 'received' });
    assert.ok(e && (await b.getEntry(e.id)), 'an entry recorded by one is read by the other');
  });

  it('an unreachable server is reported once opened, the password never logged, and calls fail with the reason', async () => {
    const port = await closedPort();
    await helper.load(
      auditConfigNode,
      [{ id: 'c', type: 'audit-config', backend: 'postgres', connection: `postgres://u@127.0.0.1:${port}/db` }],
      { c: { password: 'pg-SECRET-pw' } },
    );
    const node = cfg('c') as unknown as TestNode & AuditConfigNode;
    await until(() => node.error.called, 'an error is logged');
    const logged = [...node.error.getCalls(), ...node.warn.getCalls()].map((c) => String(c.args[0])).join('\n');
    assert.match(logged, /audit store could not be opened: .*ECONNREFUSED/);
    assert.ok(!logged.includes('pg-SECRET-pw'));
    await assert.rejects(node.getStore().get('k'), (err: Error) => !err.message.includes('pg-SECRET-pw'));
    assert.equal(await node.recordSafe({ system: 'flow', operation: 'x', status: 'received' }), undefined);
  });
});
