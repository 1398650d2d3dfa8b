/**
 * Node-RED wants a node's credentials declared twice: in the editor's registerType (the .html,
 * where the scorecard's parser wants an inline literal) and in the runtime's (the node file,
 * registerNode's `credentials`). The two cannot be generated from one source without breaking one
 * of those rules, so this test holds them together: every type of the package that declares
 * credentials declares the same keys with the same types on both sides.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { helper, startHelper, stopHelper } from './harness';

const root = path.join(__dirname, '../../../nodes');

/** type -> node file module, for every editor file that declares credentials. */
const TYPES: Record<string, string> = {
  'x3-config': 'x3/x3-config',
  'fedex-config': 'fedex/fedex-config',
  'shipstation-config': 'shipstation/shipstation-config',
  'shipstation-in': 'shipstation/shipstation-in',
  'audit-config': 'audit/audit-config',
};

/** The `credentials: { key: { type: '...' } }` literal of the editor's registerType. */
function editorCredentials(file: string): Record<string, { type: string }> {
  const html = fs.readFileSync(path.join(root, `${file}.html`), 'utf8');
  const block = /\n(\s*)credentials: \{\n([\s\S]*?)\n\1\},/.exec(html)?.[2];
  assert.ok(block, `${file}.html declares credentials`);
  const out: Record<string, { type: string }> = {};
  for (const line of block.split('\n')) {
    const m = /^\s*(\w+): \{ type: '(text|password)' \},?$/.exec(line);
    assert.ok(m, `${file}.html: a credential reads "name: { type: 'text' | 'password' }": ${line}`);
    out[m[1]] = { type: m[2] };
  }
  return out;
}

const runtimeCredentials = (
  require('@node-red/runtime/lib/nodes/credentials') as { getDefinition(type: string): unknown }
).getDefinition;

describe('credentials declared in the editor and the runtime', () => {
  before(async () => {
    await startHelper();
    const modules = Object.values(TYPES).map((m) => require(path.join(root, m)) as unknown);
    await helper.load(modules, []);
  });
  after(stopHelper);

  it('every editor file that declares credentials is in the list', () => {
    const declaring = fs
      .readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.html') && !f.includes('locales'))
      .filter((f) => /registerType\([\s\S]*\n\s*credentials: \{/.test(fs.readFileSync(path.join(root, f), 'utf8')))
      .map((f) =>
        f
          .replace(/\.html$/, '')
          .split(path.sep)
          .join('/'),
      )
      .sort();
    assert.deepEqual(declaring, Object.values(TYPES).sort());
  });

  for (const [type, file] of Object.entries(TYPES)) {
    it(`${type}: the same keys and types on both sides`, () => {
      assert.deepEqual(runtimeCredentials(type), editorCredentials(file));
    });
  }
});
