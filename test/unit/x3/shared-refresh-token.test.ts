import { strict as assert } from 'assert';
import { ApiError } from '../../../nodes/core/errors';
import { openPgStore, type PgAuditStore } from '../../../nodes/audit/pg-store';
import type { X3Connection } from '../../../nodes/x3/connection';
import { memoryRefreshTokenStore, type RefreshTokenStore } from '../../../nodes/x3/oauth2';
import { sharedRefreshTokenStore } from '../../../nodes/x3/shared-refresh-token';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster, type PgCluster } from '../../support/pg-cluster';
import { connect, OAUTH_CREDS } from './fixtures';

describe('the rotated X3 refresh token shared by the instances of one x3-config', function () {
  let cluster: PgCluster | undefined;
  let sim: X3Sim;
  const stores: PgAuditStore[] = [];
  const conns: X3Connection[] = [];
  before(async function () {
    this.timeout(180_000);
    cluster = await sharedPgCluster();
    if (!cluster) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
  });
  beforeEach(async () => {
    sim = await startX3Sim({ port: 0, host: '127.0.0.1', records: { customer: 2, product: 2, salesOrder: 1 } });
  });
  afterEach(async () => {
    for (const c of conns.splice(0)) await c.close();
    for (const s of stores.splice(0)) await s.close();
    await sim.close();
  });

  const shared = async (): Promise<() => RefreshTokenStore> => {
    const schema = isolatedSchema('x3oauth');
    return () => {
      const store = openPgStore({ connection: (cluster as PgCluster).url, schema, poolSize: 2 });
      stores.push(store);
      return sharedRefreshTokenStore({
        store,
        owner: `instance-${stores.length}`,
        configId: 'x3cfg',
        configured: OAUTH_CREDS.refreshToken,
        clientSecret: OAUTH_CREDS.clientSecret as string,
        pollMs: 20,
      });
    };
  };

  const instance = (refreshTokenStore: RefreshTokenStore): X3Connection => {
    const c = connect(sim, { auth: 'oauth2' }, OAUTH_CREDS, { refreshTokenStore });
    conns.push(c);
    return c;
  };

  const read = (c: X3Connection): Promise<unknown> => {
    const key = String(sim.store.list('customer')[0].values.BPCNUM);
    return c.client('graphql').read(c.entity('customer'), key);
  };

  it('three instances refreshing at once each get a token; the chain of rotations is never broken', async () => {
    const open = await shared();
    const all = [instance(open()), instance(open()), instance(open())];
    await Promise.all(all.map(read));
    assert.equal(sim.logs.tokens.length, 3, 'one refresh per instance, one after another');
    for (let i = 1; i < 3; i++) {
      assert.equal(sim.logs.tokens[i].previousRefreshTokenId, sim.logs.tokens[i - 1].refreshTokenId);
    }
    const row = await stores[0].readState('x3-oauth2:x3cfg');
    assert.deepEqual(Object.keys(row as object).sort(), ['data', 'iv', 'tag', 'v'], 'sealed in the database');
  });

  it('without sharing, a second instance spends a token the first already rotated (the failure this prevents)', async () => {
    const a = instance(memoryRefreshTokenStore(OAUTH_CREDS.refreshToken));
    const b = instance(memoryRefreshTokenStore(OAUTH_CREDS.refreshToken));
    await read(a);
    await assert.rejects(
      read(b),
      (err: unknown) => err instanceof ApiError && err.code === 'X3_REFRESH_TOKEN_REJECTED',
    );
  });
});
