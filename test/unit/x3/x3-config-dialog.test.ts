/**
 * Every setting x3-config reads can be set in its edit dialog: a default in the editor's
 * `defaults` equal to the runtime's, an input, a label in the catalogue, and it is sent with "Test
 * connection"; the help explains the session settings. A setting only the README mentions is one a user cannot set
 * without hand-editing the flow file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseX3Settings } from '../../../nodes/x3/settings';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const html = fs.readFileSync(path.join(ROOT, 'nodes/x3/x3-config.html'), 'utf8');
const help = fs.readFileSync(path.join(ROOT, 'nodes/x3/locales/en-US/x3-config.html'), 'utf8');
const labels = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes/x3/locales/en-US/x3-config.json'), 'utf8')) as {
    'x3-config': { label: Record<string, string> };
  }
)['x3-config'].label;

/** The keys parseX3Settings reads from the node's config, seen through a proxy. */
function settingsRead(): string[] {
  const seen = new Set<string>();
  const raw = new Proxy<Record<string, unknown>>(
    { url: 'https://x3.example.com:8124', folder: 'SEED' },
    {
      get(target, key) {
        if (typeof key === 'string') seen.add(key);
        return target[key as string];
      },
    },
  );
  parseX3Settings(raw);
  return [...seen];
}

/** The `defaults` of the editor's registerType, as literal values. */
function editorDefaults(): Record<string, unknown> {
  const block = /defaults: \{\n([\s\S]*?)\n {6}\},\n {6}credentials:/.exec(html)?.[1];
  assert.ok(block, 'defaults block found');
  const out: Record<string, unknown> = {};
  for (const m of block.matchAll(/^\s+(\w+): \{ value: ('[^']*'|-?\d+|true|false)/gm)) {
    out[m[1]] = m[2].startsWith("'") ? m[2].slice(1, -1) : JSON.parse(m[2]);
  }
  return out;
}

describe('x3-config edit dialog', () => {
  const keys = settingsRead();
  const defaults = editorDefaults();

  it('reads the session settings (the scan sees what the runtime reads)', () => {
    assert.ok(keys.includes('sessionTimeoutSeconds'));
    assert.ok(keys.includes('sessionLogoutPath'));
  });

  it('offers every setting the runtime reads: default, input, label, test connection', () => {
    const testSettings = /var SETTINGS = \[([\s\S]*?)\];/.exec(html)?.[1] ?? '';
    for (const key of keys) {
      assert.ok(key in defaults, `${key}: no default in the editor`);
      assert.match(html, new RegExp(`id="node-config-input-${key}"`), `${key}: no input`);
      assert.ok(labels[key], `${key}: no label in the catalogue`);
      assert.match(html, new RegExp(`data-i18n="x3-config\\.label\\.${key}"`), `${key}: label not shown`);
      if (key !== 'rejectUnauthorized') assert.match(testSettings, new RegExp(`'${key}'`), `${key}: not tested`);
    }
  });

  it('the help names the session settings by their labels', () => {
    for (const key of ['sessionTimeoutSeconds', 'sessionLogoutPath']) {
      assert.ok(labels[key], `${key}: no label`);
      const named = labels[key].replace(/ \(s\)$/, '');
      assert.ok(help.includes(named), `${key}: the help does not name "${named}"`);
    }
  });

  it("the editor's defaults are the runtime's", () => {
    const fromEditor = parseX3Settings({ ...defaults, url: 'https://x3.example.com:8124', folder: 'SEED' });
    const fromNothing = parseX3Settings({ url: 'https://x3.example.com:8124', folder: 'SEED' });
    assert.deepEqual(fromEditor, fromNothing);
  });
});
