/**
 * Every admin route the package registers follows the one scheme `/sage-x3-shipping/<area>/...`
 * (shared/admin.ts), so an operator can allow or proxy them all with one rule.
 */
import assert from 'node:assert/strict';
import { ADMIN_AREAS, ADMIN_PREFIX } from '../../../nodes/shared/admin';
import { helper, startHelper, stopHelper } from './harness';

const pkg = require('../../../package.json') as { 'node-red': { nodes: Record<string, string> } };
const ourModules: unknown[] = Object.values(pkg['node-red'].nodes).map((js) =>
  require(`../../../${js.replace(/^dist\//, 'nodes/').replace(/\.js$/, '.ts')}`),
);

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

function adminRoutes(): string[] {
  const app = (helper as unknown as { _httpAdmin: { _router: { stack: Layer[] } } })._httpAdmin;
  return app._router.stack
    .filter((l) => l.route)
    .map((l) => `${Object.keys(l.route!.methods).join(',').toUpperCase()} ${l.route!.path}`);
}

describe('admin routes: one path scheme', () => {
  beforeEach(startHelper);
  afterEach(stopHelper);

  it('registers every admin route under /sage-x3-shipping/<area>/, the Test connection ones included', async () => {
    await helper.load(ourModules, []);
    const routes = adminRoutes();
    const scheme = new RegExp(`^[A-Z,]+ ${ADMIN_PREFIX}/(${ADMIN_AREAS.join('|')})/`);
    assert.deepEqual(
      routes.filter((r) => !scheme.test(r)),
      [],
      `routes outside the scheme: ${routes.join('; ')}`,
    );
    for (const test of ['x3', 'fedex', 'shipstation']) {
      assert.ok(routes.includes(`POST ${ADMIN_PREFIX}/${test}/test`), `no Test connection route for ${test}`);
    }
    assert.ok(
      routes.some((r) => r.startsWith(`GET ${ADMIN_PREFIX}/audit/`)),
      'no audit routes',
    );
  });
});
