/**
 * The example flows as a user gets them from Import > Examples: well-formed, self-explaining,
 * without secrets, production defaults in the shared config nodes, only core nodes besides ours,
 * every node type of the package used (Flow Library scorecard N02), and each one deploys as it
 * is into a real Node-RED with the packed package installed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_IDS, deployFlows, loadExamples, mergeExamples, type ExampleFlow } from '../../sim/example-wiring';
import { SIM_CREDENTIALS } from '../../sim/start-all';
import { moduleDir } from '../support/e2e';
import { packageJson, ROOT, startNodeRed, type Runtime } from '../support/nodered';

const CORE_TYPES = new Set([
  'tab',
  'comment',
  'inject',
  'catch',
  'debug',
  'change',
  'switch',
  'function',
  'link in',
  'link out',
  'file',
  'exec',
]);

/** Node types the package registers, split by editor category (read from the editor files). */
function packageTypes(): { all: Set<string>; nonConfig: Set<string> } {
  const all = new Set<string>();
  const nonConfig = new Set<string>();
  for (const js of Object.values(packageJson()['node-red'].nodes)) {
    const html = fs.readFileSync(path.join(ROOT, js.replace(/^dist\//, 'nodes/').replace(/\.js$/, '.html')), 'utf8');
    for (const m of html.matchAll(/registerType\(\s*['"]([^'"]+)['"]\s*,\s*\{([\s\S]*?)\n\s*\}\);/g)) {
      all.add(m[1]);
      if (!/category:\s*['"]config['"]/.test(m[2])) nonConfig.add(m[1]);
    }
  }
  return { all, nonConfig };
}

describe('example flows', function () {
  let examples: ExampleFlow[];

  before(function () {
    examples = loadExamples();
  });

  it('are the eight integration paths, one tab each, starting with a setup comment', function () {
    assert.equal(examples.length, 8);
    for (const ex of examples) {
      assert.ok(Array.isArray(ex.nodes), ex.name);
      const tabs = ex.nodes.filter((n) => n.type === 'tab');
      assert.equal(tabs.length, 1, `${ex.name}: one tab`);
      const onTab = ex.nodes.filter((n) => n.z === tabs[0].id);
      assert.equal(onTab[0]?.type, 'comment', `${ex.name}: starts with a comment`);
      assert.match(String(onTab[0].info), /Setup/, `${ex.name}: the comment explains the setup`);
      for (const n of ex.nodes.filter((x) => x.type !== 'tab' && !x.z)) {
        assert.ok(
          Object.values(CONFIG_IDS).includes(n.id as never),
          `${ex.name}: unexpected global node ${n.type} ${n.id}`,
        );
      }
    }
  });

  it('carry no secrets and production defaults in the shared config nodes', function () {
    const secrets = [
      SIM_CREDENTIALS.x3.password,
      SIM_CREDENTIALS.x3.clientSecret,
      SIM_CREDENTIALS.fedex.clientSecret,
      SIM_CREDENTIALS.fedex.webhookSecret,
      SIM_CREDENTIALS.shipstation.v1Secret,
      SIM_CREDENTIALS.shipstation.v2Key,
    ];
    for (const ex of examples) {
      const text = JSON.stringify(ex.nodes);
      for (const s of secrets) assert.ok(!text.includes(s), `${ex.name} contains a secret`);
      for (const n of ex.nodes) assert.equal(n.credentials, undefined, `${ex.name}: ${n.type} has credentials`);
    }
    const merged = mergeExamples(examples); // throws when two examples disagree on a shared node
    const byType = (t: string) => merged.filter((n) => n.type === t);
    assert.deepEqual(
      merged
        .filter((n) => !n.z && n.type !== 'tab')
        .map((n) => n.id)
        .sort(),
      Object.values(CONFIG_IDS).sort(),
      'one node per shared config',
    );
    assert.equal(byType('x3-config')[0].url, '');
    assert.equal(byType('fedex-config')[0].environment, 'production');
    assert.equal(byType('shipstation-config')[0].v1Url, '');
    assert.equal(byType('shipstation-config')[0].v2Url, '');
  });

  it('use only core nodes besides ours, and every non-config node type of the package', function () {
    const { all, nonConfig } = packageTypes();
    const used = new Set<string>();
    for (const ex of examples) {
      const ids = new Set(ex.nodes.map((n) => n.id));
      for (const n of ex.nodes) {
        used.add(n.type);
        assert.ok(CORE_TYPES.has(n.type) || all.has(n.type), `${ex.name}: ${n.type} is neither core nor ours`);
        for (const port of (n.wires as string[][] | undefined) ?? []) {
          for (const target of port)
            assert.ok(ids.has(target), `${ex.name}: ${n.type} ${n.id} wired to missing ${target}`);
        }
      }
    }
    for (const t of nonConfig) assert.ok(used.has(t), `no example uses ${t}`);
    assert.ok(nonConfig.size >= 9, `package types read: ${[...nonConfig].join(', ')}`);
  });

  describe('deployed as they are into a real Node-RED', function () {
    this.timeout(15 * 60_000);
    let runtime: Runtime;

    before(async function () {
      runtime = await startNodeRed({ moduleDir: moduleDir() });
    });

    after(async function () {
      await runtime?.stop();
    });

    it('deploys each example alone, then all together', async function () {
      const sets = [...examples.map((e) => mergeExamples([e])), mergeExamples(examples)];
      for (const flows of sets) {
        const before = runtime.log().length;
        await deployFlows(runtime.url, flows);
        const deadline = Date.now() + 60_000;
        while (!/Started flows/.test(runtime.log().slice(before))) {
          assert.ok(Date.now() < deadline, `flows did not start:\n${runtime.log().slice(before)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const out = runtime.log().slice(before);
        assert.doesNotMatch(out, /missing types|Waiting for missing/i, out);
        // not configured yet: a status on each node and one warning per config node, no [error]s
        const ours = out.split('\n').filter((l) => /\[(error|warn)\] \[(x3|fedex|shipstation|audit)-/.test(l));
        assert.deepEqual(
          ours.filter((l) => /\[error\]/.test(l) || !/\[(x3|fedex|shipstation|audit)-config:/.test(l)),
          [],
          out,
        );
        assert.ok(ours.length <= flows.filter((n) => /-config$/.test(n.type)).length, out);
        // RED._ found every text it was asked for: a key it could not resolve is logged as the key
        assert.doesNotMatch(
          out,
          /\b(x3|fedex|shipstation|audit)-[a-z]+\.(status|log|warn|errors|users|budget)\.\w+/,
          out,
        );
        assert.doesNotMatch(out, /:common\.\w+\./, out);
        const res = await runtime.request<{ flows: Array<{ id: string }> }>('GET', '/flows', undefined, {
          'Node-RED-API-Version': 'v2',
        });
        assert.equal(res.status, 200);
        assert.equal(res.body.flows.length, flows.length);
      }
      assert.equal(runtime.process.exitCode, null, 'Node-RED is still running');
      assert.doesNotMatch(runtime.log(), /Uncaught|unhandled/i);
    });
  });
});
