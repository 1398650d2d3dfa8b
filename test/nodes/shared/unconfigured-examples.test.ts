/**
 * An example flow imported and deployed before it is filled in (empty X3 URL, no credentials,
 * no webhook token): each node says "not configured" in its status, the log gets at most one
 * line per config node instead of one [error] per node per deploy, and a msg sent to such a node
 * reaches Catch naming what is missing.
 */
import assert from 'node:assert/strict';
import { loadExamples, mergeExamples, type FlowNode } from '../../../sim/example-wiring';
import { collect, helper, settle, startStopServer, useUserDir, type TestNode } from '../../support/node-helper';

const pkg = require('../../../package.json') as { 'node-red': { nodes: Record<string, string> } };
const ourModules: unknown[] = Object.values(pkg['node-red'].nodes).map((js) =>
  require(`../../../${js.replace(/^dist\//, 'nodes/').replace(/\.js$/, '.ts')}`),
);
// catch is preloaded by the helper for the catch nodes in the flow
const coreModules: unknown[] = [
  '@node-red/nodes/core/common/20-inject.js',
  '@node-red/nodes/core/common/21-debug.js',
  '@node-red/nodes/core/common/90-comment.js',
  '@node-red/nodes/core/common/60-link.js',
  '@node-red/nodes/core/function/10-switch.js',
  '@node-red/nodes/core/function/15-change.js',
  '@node-red/nodes/core/function/10-function.js',
  '@node-red/nodes/core/function/90-exec.js',
  '@node-red/nodes/core/storage/10-file.js',
].map((m) => require(m));

const CONFIG_TYPES = new Set(['x3-config', 'fedex-config', 'shipstation-config', 'audit-config']);
/** Ours and usable without settings: the audit store defaults to a SQLite file in the user dir. */
const WORKS_UNCONFIGURED = new Set(['audit-sink']);

interface LogLine {
  level: number;
  type?: string;
  id?: string;
  msg?: unknown;
}

function ourLogLines(types: Set<string>): LogLine[] {
  return helper
    .log()
    .getCalls()
    .map((c) => c.args[0] as LogLine)
    .filter((l) => l.level <= 30 && l.type !== undefined && types.has(l.type));
}

function lastStatusText(node: TestNode): string | undefined {
  // the helper spies on Node.prototype.status: one spy for every node
  const mine = node.status.getCalls().filter((c) => (c.thisValue as { id?: string }).id === node.id);
  return (mine.at(-1)?.args[0] as { text?: string } | undefined)?.text;
}

describe('example flows deployed before they are configured', function () {
  useUserDir({ prefix: 'sx3s-nr-unconfigured-' });
  startStopServer();

  for (const example of loadExamples()) {
    it(`${example.name}: "not configured" on each node, at most one log line per config node`, async function () {
      const flow = mergeExamples([example]) as FlowNode[];
      await helper.load([...ourModules, ...coreModules], flow);
      await settle(5);

      const ourTypes = new Set(Object.keys(pkg['node-red'].nodes));
      const lines = ourLogLines(ourTypes);
      const shown = lines.map((l) => `[${l.level === 20 ? 'error' : 'warn'}] ${l.type} ${l.id}: ${String(l.msg)}`);
      assert.deepEqual(
        lines.filter((l) => l.level < 30).map((l) => `${l.type}: ${String(l.msg)}`),
        [],
        'no [error] lines',
      );
      for (const l of lines)
        assert.ok(CONFIG_TYPES.has(String(l.type)), `a line from a user node: ${shown.join('\n')}`);
      const perConfig = new Map<string, number>();
      for (const l of lines) perConfig.set(String(l.id), (perConfig.get(String(l.id)) ?? 0) + 1);
      for (const [id, n] of perConfig) assert.ok(n <= 1, `${n} lines from config ${id}:\n${shown.join('\n')}`);

      for (const n of flow) {
        if (!ourTypes.has(n.type) || CONFIG_TYPES.has(n.type) || WORKS_UNCONFIGURED.has(n.type)) continue;
        assert.equal(lastStatusText(helper.getNode(n.id)), 'not configured', `${n.type} ${n.id} status`);
      }
    });
  }

  it('a msg to a node of an unconfigured config goes to Catch, naming what is missing', async function () {
    const example = loadExamples().find((e) => e.name.startsWith('01'));
    assert.ok(example);
    const flow = mergeExamples([example]) as FlowNode[];
    await helper.load([...ourModules, ...coreModules], flow);
    const update = flow.find((n) => n.type === 'x3-update');
    const catcher = flow.find((n) => n.type === 'catch');
    assert.ok(update && catcher);
    const caught = collect(helper.getNode(catcher.id), 1);
    helper.getNode(update.id).receive({ payload: { id: 'SDH001' } });
    const [msg] = await caught;
    const error = msg.error as { message?: string };
    assert.match(String(error.message), /x3-config "Sage X3" is not configured: the X3 server URL, /);
    assert.equal((msg._error as { code?: string } | undefined)?.code, 'NOT_CONFIGURED');
  });
});
