/**
 * The packed package, installed as the palette manager installs it, loads in a real Node-RED:
 * every node set in package.json is registered with no load error, on Node-RED 4 (Node 20)
 * and Node-RED 5 (Node 22 from the `node` package on npm).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  installedModuleDir,
  node22Binary,
  nodeRed5RedJs,
  packageJson,
  startNodeRed,
  type Runtime,
} from '../support/nodered';

interface NodeSet {
  id: string;
  name: string;
  module: string;
  types: string[];
  enabled: boolean;
  loaded: boolean;
  err?: string;
}

function expectedTypes(moduleDir: string): string[] {
  const pkg = packageJson();
  const installed = path.join(moduleDir, 'node_modules', pkg.name);
  const types: string[] = [];
  for (const js of Object.values(pkg['node-red'].nodes)) {
    const html = fs.readFileSync(path.join(installed, js.replace(/\.js$/, '.html')), 'utf8');
    for (const m of html.matchAll(/registerType\(\s*['"]([^'"]+)['"]/g)) types.push(m[1]);
  }
  return types;
}

/** Each registered type's help file, read from the installed package. */
function helpFiles(moduleDir: string): { type: string; help: string }[] {
  const pkg = packageJson();
  const installed = path.join(moduleDir, 'node_modules', pkg.name);
  return Object.values(pkg['node-red'].nodes).flatMap((js) => {
    const editor = fs.readFileSync(path.join(installed, js.replace(/\.js$/, '.html')), 'utf8');
    const file = path.join(installed, path.dirname(js), 'locales', 'en-US', path.basename(js, '.js') + '.html');
    const help = fs.readFileSync(file, 'utf8');
    return [...editor.matchAll(/registerType\(\s*['"]([^'"]+)['"]/g)].map((m) => ({ type: m[1], help }));
  });
}

async function checkRuntime(runtime: Runtime, moduleDir: string): Promise<void> {
  const pkg = packageJson();
  const res = await runtime.request<NodeSet[]>('GET', '/nodes');
  assert.equal(res.status, 200);
  const ours = res.body.filter((s) => s.module === pkg.name);
  assert.equal(ours.length, Object.keys(pkg['node-red'].nodes).length, `node sets loaded: ${JSON.stringify(ours)}`);
  for (const set of ours) {
    assert.equal(set.err, undefined, `${set.id} failed to load: ${set.err}`);
    // the admin API never reports `loaded` (Node-RED strips it); a set that failed has `err`
    assert.ok(set.enabled, `${set.id} not enabled`);
  }
  const registered = new Set(ours.flatMap((s) => s.types));
  for (const type of expectedTypes(moduleDir)) assert.ok(registered.has(type), `${type} not registered`);
  assert.doesNotMatch(runtime.log(), /\[(error|warn)\].*sage-x3-shipping/i, runtime.log());

  // The editor loads each <script src="resources/..."> of a node set before registering its
  // nodes, and a script that does not load leaves them out of the palette: each must resolve.
  const editor = await runtime.request<string>('GET', '/nodes', undefined, { accept: 'text/html' });
  assert.equal(editor.status, 200);
  const srcs = new Set(
    [...editor.body.matchAll(/<script src="(resources\/[^"]+)"/g)]
      .map((m) => m[1])
      .filter((src) => src.startsWith(`resources/${pkg.name}/`)),
  );
  assert.ok(srcs.size >= 2, `editor resources loaded by our node sets: ${[...srcs].join(', ')}`);
  for (const src of srcs) {
    const res = await runtime.request<string>('GET', `/${src}`, undefined, { accept: '*/*' });
    assert.equal(res.status, 200, src);
    assert.match(String(res.body), /window\.SageX3Shipping/, src);
  }

  // Help lives in locales/<lang>/<node set>.html beside each node file, as in Node-RED's own
  // nodes: the editor's node html carries it once per type, for an English editor and, through
  // Node-RED's fallback to en-US, for any other language.
  for (const lang of ['en-US', 'fr']) {
    const html = await runtime.request<string>('GET', '/nodes', undefined, {
      accept: 'text/html',
      'accept-language': lang,
    });
    assert.equal(html.status, 200);
    for (const { type, help } of helpFiles(moduleDir)) {
      assert.ok(help.includes(`data-help-name="${type}"`), `locales help of ${type}`);
      const blocks = html.body.split(`data-help-name="${type}"`).length - 1;
      assert.equal(blocks, 1, `${lang}: help blocks for ${type}`);
      assert.ok(html.body.includes(help), `${lang}: the help of ${type} is not its locales file`);
    }
  }
}

describe('smoke: packed package in a real Node-RED', function () {
  this.timeout(15 * 60_000);
  let moduleDir: string;

  before(function () {
    moduleDir = installedModuleDir();
  });

  it('loads every node set on Node-RED 4 (Node 20)', async function () {
    const runtime = await startNodeRed({ moduleDir });
    try {
      await checkRuntime(runtime, moduleDir);
    } finally {
      await runtime.stop();
    }
  });

  it('loads every node set on Node-RED 5 (Node 22)', async function () {
    const runtime = await startNodeRed({ moduleDir, redJs: nodeRed5RedJs(), nodeBinary: node22Binary() });
    try {
      const settings = await runtime.request<{ version: string }>('GET', '/settings');
      assert.match(settings.body.version, /^5\./);
      await checkRuntime(runtime, moduleDir);
    } finally {
      await runtime.stop();
    }
  });
});
