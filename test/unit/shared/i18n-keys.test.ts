/**
 * Every catalogue key the code asks for exists in the catalogue Node-RED will look it up in: a
 * missing key shows users the key itself, and nothing else would notice. A static scan of
 * nodes/**\/*.ts for RED._('key'), catalogueText(RED, 'node-set', 'key') and commonText(RED, 'key'),
 * resolved the way Node-RED resolves them (a bare key in the calling node set's catalogue, so only
 * in a node file; `namespace:key` in that namespace).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { COMMON_CATALOGUE, PACKAGE_NAME } from '../../../nodes/shared/i18n';
import { nodeSets, ROOT, type NodeSet } from '../../support/catalogues';

/** Sections of a catalogue the runtime reads (the others are the editor's). */
const RUNTIME_SECTIONS = ['status', 'log', 'warn', 'errors', 'users', 'budget'];

interface KeyUse {
  file: string;
  line: number;
  namespace: string;
  key: string;
}

interface Scan {
  uses: KeyUse[];
  problems: string[];
}

function lineOf(source: string, index: number): number {
  return source.slice(0, index).split('\n').length;
}

/** The catalogue key uses in one source file (`rel` relative to the repository root). */
export function scanSource(rel: string, source: string, sets: NodeSet[]): Scan {
  const own = sets.find((s) => path.relative(ROOT, s.source) === rel);
  // the definitions: the one place that builds a qualified key
  if (rel === 'nodes/shared/i18n.ts') return { uses: [], problems: [] };
  const uses: KeyUse[] = [];
  const problems: string[] = [];
  const at = (index: number): string => `${rel}:${lineOf(source, index)}`;
  const literal = String.raw`(?:'([^'\\]*)'|"([^"\\]*)"|` + '`([^`$\\\\]*)`' + ')';
  const call = (name: string): RegExp => new RegExp(String.raw`\b${name}\(`, 'g');

  for (const m of source.matchAll(call(String.raw`RED\._`))) {
    const rest = source.slice(m.index + m[0].length);
    const lit = new RegExp(String.raw`^\s*${literal}`).exec(rest);
    if (!lit) {
      problems.push(`${at(m.index)}: RED._ with a key that is not a string literal`);
      continue;
    }
    const key = lit[1] ?? lit[2] ?? lit[3];
    const colon = key.indexOf(':');
    if (colon >= 0) {
      uses.push({
        file: rel,
        line: lineOf(source, m.index),
        namespace: key.slice(0, colon),
        key: key.slice(colon + 1),
      });
    } else if (own) {
      uses.push({ file: rel, line: lineOf(source, m.index), namespace: own.namespace, key });
    } else {
      problems.push(`${at(m.index)}: bare key "${key}" outside a node file (use catalogueText/commonText)`);
    }
  }
  for (const m of source.matchAll(call('catalogueText'))) {
    const rest = source.slice(m.index + m[0].length);
    const args = new RegExp(String.raw`^\s*[\w.]+\s*,\s*${literal}\s*,\s*${literal}`).exec(rest);
    if (!args) {
      problems.push(`${at(m.index)}: catalogueText without a literal node set and key`);
      continue;
    }
    const set = args[1] ?? args[2] ?? args[3];
    const key = args[4] ?? args[5] ?? args[6];
    uses.push({ file: rel, line: lineOf(source, m.index), namespace: `${PACKAGE_NAME}/${set}`, key });
  }
  for (const m of source.matchAll(call('commonText'))) {
    const rest = source.slice(m.index + m[0].length);
    const args = new RegExp(String.raw`^\s*[\w.]+\s*,\s*${literal}`).exec(rest);
    if (!args) {
      problems.push(`${at(m.index)}: commonText without a literal key`);
      continue;
    }
    const key = `common.${args[1] ?? args[2] ?? args[3]}`;
    uses.push({ file: rel, line: lineOf(source, m.index), namespace: `${PACKAGE_NAME}/${COMMON_CATALOGUE}`, key });
  }
  return { uses, problems };
}

function lookup(catalogue: unknown, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>(
      (node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined),
      catalogue,
    );
}

/** Problems with `uses` against the en-US catalogues. */
export function checkUses(uses: KeyUse[], catalogues: Map<string, unknown>): string[] {
  const problems: string[] = [];
  for (const u of uses) {
    const catalogue = catalogues.get(u.namespace);
    if (catalogue === undefined) {
      problems.push(`${u.file}:${u.line}: no catalogue ${u.namespace} (key ${u.key})`);
      continue;
    }
    if (typeof lookup(catalogue, u.key) !== 'string') {
      problems.push(`${u.file}:${u.line}: ${u.namespace} has no text "${u.key}"`);
    }
  }
  return problems;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Leaves of the runtime sections (`<type>.<section>` and the top-level `common`), as dotted keys. */
function runtimeLeaves(catalogue: unknown): string[] {
  const leaves = (node: unknown, prefix: string): string[] =>
    typeof node === 'string'
      ? [prefix]
      : node && typeof node === 'object'
        ? Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => leaves(v, `${prefix}.${k}`))
        : [];
  return Object.entries(catalogue as Record<string, Record<string, unknown>>).flatMap(([top, sections]) =>
    top === 'common'
      ? leaves(sections, top)
      : Object.entries(sections).flatMap(([section, v]) =>
          RUNTIME_SECTIONS.includes(section) ? leaves(v, `${top}.${section}`) : [],
        ),
  );
}

describe('message catalogue keys', () => {
  const sets = nodeSets();
  const catalogues = new Map<string, unknown>(
    sets.map((s) => [
      s.namespace,
      JSON.parse(fs.readFileSync(path.join(s.localesDir, 'en-US', s.catalogueFile), 'utf8')) as unknown,
    ]),
  );
  const scans = walk(path.join(ROOT, 'nodes')).map((file) =>
    scanSource(path.relative(ROOT, file), fs.readFileSync(file, 'utf8'), sets),
  );
  const uses = scans.flatMap((s) => s.uses);

  it('finds the texts of the node files and of nodes/shared (the scan sees them)', () => {
    const files = new Set(uses.map((u) => u.file));
    for (const f of ['nodes/x3/x3-poll.ts', 'nodes/shared/node-status.ts', 'nodes/x3/config-api.ts']) {
      assert.ok(files.has(f), `no catalogue key found in ${f}`);
    }
  });

  it('every key used in code is in the catalogue Node-RED looks it up in, and every key is a literal', () => {
    const problems = [...scans.flatMap((s) => s.problems), ...checkUses(uses, catalogues)];
    assert.deepEqual(problems, []);
  });

  it('every runtime text of a catalogue is used, and is written with __name__ substitutions', () => {
    const used = new Set(uses.map((u) => `${u.namespace}:${u.key}`));
    const unused: string[] = [];
    const mustache: string[] = [];
    for (const [namespace, catalogue] of catalogues) {
      for (const key of runtimeLeaves(catalogue)) {
        if (!used.has(`${namespace}:${key}`)) unused.push(`${namespace}:${key}`);
        if (/\{\{/.test(lookup(catalogue, key) as string)) mustache.push(`${namespace}:${key}`);
      }
    }
    assert.deepEqual(unused, []);
    assert.deepEqual(mustache, []);
  });

  it('reports a key missing from its catalogue, a bare key in shared code and a computed key', () => {
    const source = [
      "node.status({ text: RED._('x3-poll.status.nope') });",
      "node.warn(RED._('x3-poll.status.polling'));",
      'node.warn(RED._(`x3-poll.status.${name}`));',
      "commonText(RED, 'status.missing');",
    ].join('\n');
    const inNode = scanSource('nodes/x3/x3-poll.ts', source, sets);
    assert.deepEqual(inNode.problems, ['nodes/x3/x3-poll.ts:3: RED._ with a key that is not a string literal']);
    assert.deepEqual(checkUses(inNode.uses, catalogues), [
      `nodes/x3/x3-poll.ts:1: ${PACKAGE_NAME}/x3-poll has no text "x3-poll.status.nope"`,
      `nodes/x3/x3-poll.ts:4: ${PACKAGE_NAME}/${COMMON_CATALOGUE} has no text "common.status.missing"`,
    ]);
    const shared = scanSource('nodes/shared/somewhere.ts', "RED._('x3-poll.status.polling')", sets);
    assert.deepEqual(shared.problems, [
      'nodes/shared/somewhere.ts:1: bare key "x3-poll.status.polling" outside a node file (use catalogueText/commonText)',
    ]);
  });
});
