/**
 * The Flow Library scorecard's offline rules, checked on the packed tarball (what users get),
 * because `node-red-dev validate` needs the online catalogue. Rules follow node-red-dev v0.1.6.
 * Run with `npm run validate`; exits 1 on any failure.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';

/** The runtime dependencies DESIGN.md allows, each for its job. */
const ALLOWED_DEPENDENCIES = ['undici', 'bottleneck', 'luxon', 'ajv', 'mustache', 'better-sqlite3', 'fast-xml-parser'];

type Outcome = 'pass' | 'warn' | 'fail';
interface Check {
  id: string;
  title: string;
  outcome: Outcome;
  detail: string;
}

interface PackageJson {
  name: string;
  license?: string;
  repository?: unknown;
  bugs?: unknown;
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  'node-red'?: { version?: string; nodes?: Record<string, string> };
}

const root = path.resolve(__dirname, '..');

function pack(): { dir: string; files: string[]; pkg: PackageJson } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sx3s-pack-'));
  // `prepack` builds and prints to stdout, so the tarball is found in `out`, not in npm's JSON
  execFileSync('npm', ['pack', '--pack-destination', out], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const tarball = path.join(out, fs.readdirSync(out).find((f) => f.endsWith('.tgz')) ?? 'no tarball');
  execFileSync('tar', ['-xzf', tarball, '-C', out]);
  const dir = path.join(out, 'package');
  const files = walk(dir).map((f) => path.relative(dir, f).split(path.sep).join('/'));
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
  return { dir, files, pkg };
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

function npmLatest(name: string): string | undefined {
  try {
    return execFileSync('npm', ['view', name, 'version'], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** The Node.js range the newest release of a package declares (engines.node), if any. */
function npmLatestNodeRange(name: string): string | undefined {
  try {
    const out = execFileSync('npm', ['view', `${name}@latest`, 'engines.node'], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}

/** Types registered in an editor file, with their category (scorecard parses the same literals). */
export function registeredTypes(html: string): Array<{ type: string; category?: string }> {
  const out: Array<{ type: string; category?: string }> = [];
  const re = /registerType\(\s*['"]([^'"]+)['"]\s*,\s*\{([\s\S]*?)\n\s*\}\s*\)/g;
  for (const block of html.match(/<script type="text\/javascript">[\s\S]*?<\/script>/g) ?? []) {
    let m: RegExpExecArray | null;
    while ((m = re.exec(block))) {
      const category = /category\s*:\s*['"]([^'"]+)['"]/.exec(m[2])?.[1];
      out.push({ type: m[1], category });
    }
  }
  return out;
}

function main(): void {
  const { dir, files, pkg } = pack();
  const checks: Check[] = [];
  const add = (id: string, title: string, ok: boolean | 'warn', detail: string): void => {
    checks.push({ id, title, outcome: ok === 'warn' ? 'warn' : ok ? 'pass' : 'fail', detail });
  };

  add(
    'P01',
    'License',
    Boolean(pkg.license) && files.includes('LICENSE'),
    `${pkg.license ?? 'none'}; LICENSE file ${files.includes('LICENSE') ? 'packed' : 'missing'}`,
  );
  add(
    'P03',
    'Repository or bugs',
    Boolean(pkg.repository || pkg.bugs),
    pkg.repository ? 'repository set' : 'no repository',
  );
  const scoped = pkg.name.startsWith('@');
  const namingOk = scoped || pkg.name.startsWith('node-red-contrib-') || !/^node-?red/.test(pkg.name);
  add(
    'P04',
    'Naming',
    namingOk ? (scoped ? true : 'warn') : false,
    scoped ? 'scoped' : `${pkg.name}: unscoped node-red-contrib- name (recorded as pass by the tool)`,
  );
  add('P05', 'node-red keyword', (pkg.keywords ?? []).includes('node-red'), (pkg.keywords ?? []).join(', '));

  const nrRange = pkg['node-red']?.version;
  const nrLatest = npmLatest('node-red');
  if (!nrRange) add('P06', 'Node-RED version', false, 'node-red.version missing');
  else if (!nrLatest)
    add('P06', 'Node-RED version', 'warn', `${nrRange} declared; latest Node-RED unknown (registry unreachable)`);
  else add('P06', 'Node-RED version', semver.satisfies(nrLatest, nrRange), `${nrRange} vs latest ${nrLatest}`);

  // Node-RED 5 needs Node >= 22.9: our range must admit that minimum.
  const nodeRange = pkg.engines?.node;
  add(
    'P07',
    'Node.js version',
    Boolean(nodeRange) && semver.satisfies('22.9.0', nodeRange ?? ''),
    `engines.node ${nodeRange ?? 'missing'} vs 22.9.0`,
  );

  const nodes = pkg['node-red']?.nodes ?? {};
  const types: Array<{ type: string; category?: string; file: string }> = [];
  const missing: string[] = [];
  for (const [set, js] of Object.entries(nodes)) {
    const jsRel = js.replace(/^\.\//, '');
    const htmlRel = jsRel.replace(/\.js$/, '.html');
    if (!files.includes(jsRel)) missing.push(`${set}: ${jsRel}`);
    if (!files.includes(htmlRel)) missing.push(`${set}: ${htmlRel}`);
    else
      types.push(
        ...registeredTypes(fs.readFileSync(path.join(dir, htmlRel), 'utf8')).map((t) => ({ ...t, file: htmlRel })),
      );
  }
  add(
    'N00',
    'Node files and editor files packed',
    Object.keys(nodes).length > 0 && missing.length === 0,
    missing.length
      ? `missing: ${missing.join('; ')}`
      : `${Object.keys(nodes).length} node sets, each .js with its .html`,
  );

  const used = new Set<string>();
  for (const f of files.filter((f) => f.startsWith('examples/') && f.endsWith('.json'))) {
    const flow = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Array<{ type?: string }>;
    for (const n of flow) if (n.type) used.add(n.type);
  }
  const unused = types.filter((t) => t.category !== 'config' && !used.has(t.type)).map((t) => t.type);
  add(
    'N02',
    'Examples use every node',
    types.length > 0 && unused.length === 0,
    unused.length
      ? `not in any example: ${unused.join(', ')}`
      : `${types.filter((t) => t.category !== 'config').length} node types all used`,
  );
  add('N01', 'Unique node types', 'warn', 'needs the online Flow Library catalogue; not checked offline');

  const deps = Object.keys(pkg.dependencies ?? {});
  const extra = deps.filter((d) => !ALLOWED_DEPENDENCIES.includes(d));
  add(
    'D01',
    'Dependency count',
    extra.length === 0 ? (deps.length > 6 ? 'warn' : true) : false,
    extra.length
      ? `not allowed: ${extra.join(', ')}`
      : `${deps.length} dependencies (the scorecard recommends 6; the seventh, fast-xml-parser, is deliberate: X3 SOAP)`,
  );

  let badAgent: boolean;
  try {
    const tree = execFileSync('npm', ['ls', 'agent-base', '--omit=dev', '--all', '--json'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    badAgent = /"agent-base"[^}]*"version":\s*"[0-5]\./.test(tree);
  } catch {
    badAgent = false;
  }
  add('D02', 'Known-bad packages', !badAgent, badAgent ? 'agent-base < 6 in the dependency tree' : 'none');

  // A range may stay below the newest major only when that major drops a Node.js version this
  // package still supports (engines.node): depending on it would break those installs.
  const outdated: string[] = [];
  const heldBack: string[] = [];
  const unknown: string[] = [];
  const nodeFloor = semver.minVersion(pkg.engines?.node ?? '0.0.0')?.version ?? '0.0.0';
  for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
    const latest = npmLatest(name);
    if (!latest) unknown.push(name);
    else if (!semver.satisfies(latest, range)) {
      const needs = npmLatestNodeRange(name);
      if (needs && !semver.satisfies(nodeFloor, needs))
        heldBack.push(
          `${name} ${range}: ${latest} needs Node ${needs}, this package supports Node ${pkg.engines?.node}`,
        );
      else outdated.push(`${name} ${range} excludes ${latest}`);
    }
  }
  add(
    'D03',
    'Dependencies up to date',
    outdated.length ? false : unknown.length || heldBack.length ? 'warn' : true,
    outdated.length
      ? outdated.join('; ')
      : [
          ...(heldBack.length ? [`held back for Node support: ${heldBack.join('; ')}`] : []),
          ...(unknown.length ? [`registry unreachable for ${unknown.join(', ')}`] : []),
        ].join('; ') || 'every range admits the latest version',
  );

  const width = Math.max(...checks.map((c) => c.title.length));
  for (const c of checks)
    console.log(`${c.outcome.toUpperCase().padEnd(4)} ${c.id} ${c.title.padEnd(width)}  ${c.detail}`);
  const failed = checks.filter((c) => c.outcome === 'fail');
  console.log(`\n${checks.length - failed.length}/${checks.length} checks without failure`);
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  if (failed.length) process.exit(1);
}

if (require.main === module) main();
