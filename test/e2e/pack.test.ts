/**
 * What `npm pack` / `npm publish` ship from a clean clone: the prepack build must put every node
 * set package.json declares into the tarball, or the palette installs a package with no nodes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { packageJson, packTarball, ROOT, tarballFiles } from '../support/nodered';

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

  it('contains the help and message catalogue of every node set (locales/en-US beside the node file)', function () {
    const files = new Set(tarballFiles(packTarball()));
    const missing: string[] = [];
    for (const js of Object.values(packageJson()['node-red'].nodes)) {
      const base = `${path.posix.dirname(js)}/locales/en-US/${path.posix.basename(js, '.js')}`;
      for (const f of [`${base}.html`, `${base}.json`]) if (!files.has(f)) missing.push(f);
    }
    assert.deepEqual(missing, [], `missing from the tarball (${files.size} files)`);
  });

  it('contains every editor resource an editor file loads (the generated FedEx options included)', function () {
    const files = new Set(tarballFiles(packTarball()));
    const wanted = new Set<string>();
    for (const js of Object.values(packageJson()['node-red'].nodes)) {
      const html = fs.readFileSync(path.join(ROOT, js.replace(/^dist\//, 'nodes/').replace(/\.js$/, '.html')), 'utf8');
      for (const m of html.matchAll(/<script src="resources\/([^/"]+)\/([^"]+)"/g)) {
        assert.equal(m[1], packageJson().name, 'resources are served under the package name');
        wanted.add(`resources/${m[2]}`);
      }
    }
    assert.ok(wanted.has('resources/editor.js') && wanted.has('resources/fedex-options.js'), [...wanted].join(', '));
    assert.deepEqual(
      [...wanted].filter((f) => !files.has(f)),
      [],
      'missing from the tarball',
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
