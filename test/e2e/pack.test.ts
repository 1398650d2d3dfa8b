/**
 * What `npm pack` / `npm publish` ship from a clean clone: the prepack build must put every node
 * set package.json declares into the tarball, or the palette installs a package with no nodes.
 */
import assert from 'node:assert/strict';
import { packageJson, packTarball, tarballFiles } from '../support/nodered';

describe('package: npm pack from a clean clone', function () {
  this.timeout(10 * 60_000);

  it('contains the built runtime, editor file and icons of every node set in package.json', function () {
    const files = new Set(tarballFiles(packTarball()));
    const missing: string[] = [];
    for (const js of Object.values(packageJson()['node-red'].nodes)) {
      for (const f of [js, js.replace(/\.js$/, '.html')]) if (!files.has(f)) missing.push(f);
    }
    assert.deepEqual(missing, [], `missing from the tarball (${files.size} files)`);
    assert.ok(
      [...files].some((f) => /^dist\/[^/]+\/icons\/.+\.svg$/.test(f)),
      'no icons beside the node files',
    );
  });

  it('ships no sources, tests or simulators', function () {
    const files = tarballFiles(packTarball());
    const stray = files.filter(
      (f) => /^(nodes|test|sim|scripts)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')),
    );
    assert.deepEqual(stray, []);
  });
});
