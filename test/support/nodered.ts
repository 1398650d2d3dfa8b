/**
 * A real Node-RED runtime for smoke and end-to-end tests: the package is packed and installed
 * into a fresh user directory the way the palette manager installs it, then Node-RED is started
 * as a child process on a free port.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
const CACHE = path.join(ROOT, '.tmp', 'runtime');

export function packageJson(): {
  name: string;
  version: string;
  'node-red': { nodes: Record<string, string> };
} {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
}

/**
 * The git-tracked files as the working tree has them: a clean clone's content, plus a
 * developer's uncommitted edits to tracked files so a local run tests what they changed.
 * Untracked files (a stale dist/, scratch files) are left out, as a clean clone has none.
 */
function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached'], { cwd: ROOT, encoding: 'utf8' });
  // a tracked file deleted in the working tree is gone for the developer too
  return out
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)))
    .sort();
}

/** Tests and simulators are neither built nor packed: editing them must not force a new pack. */
function affectsPackage(file: string): boolean {
  return !file.startsWith('test/') && !file.startsWith('sim/');
}

/**
 * Packs the package as a publisher does from a clean clone: the tracked files are copied to a
 * temp dir (node_modules linked, the build needs typescript and tsx), and `npm pack` there runs
 * the `prepack` build. Cached by a hash of the files that reach the package, so a test run
 * packs once and a rerun without source changes not at all.
 */
export function packTarball(): string {
  const files = trackedFiles();
  const hash = crypto.createHash('sha256');
  for (const f of files.filter(affectsPackage)) {
    hash
      .update(f)
      .update('\0')
      .update(fs.readFileSync(path.join(ROOT, f)))
      .update('\0');
  }
  const dir = path.join(CACHE, `pack-${hash.digest('hex').slice(0, 16)}`);
  const existing = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.tgz')) : [];
  if (existing.length === 1) return path.join(dir, existing[0]);

  fs.mkdirSync(CACHE, { recursive: true });
  const work = fs.mkdtempSync(path.join(CACHE, 'packing-'));
  try {
    const src = path.join(work, 'src');
    for (const f of files) {
      const target = path.join(src, f);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), target);
    }
    fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(src, 'node_modules'), 'dir');
    const out = path.join(work, 'out');
    fs.mkdirSync(out);
    // the build's own output goes to stdout with the pack listing: the tarball is the one file in `out`
    execFileSync('npm', ['pack', '--pack-destination', out], {
      cwd: src,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 10 * 60_000,
    });
    const tarballs = fs.readdirSync(out).filter((f) => f.endsWith('.tgz'));
    if (tarballs.length !== 1) throw new Error(`npm pack produced ${tarballs.length} tarballs`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(out, dir);
    return path.join(dir, tarballs[0]);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Paths inside a tarball, without npm's leading `package/`. */
export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}

function hashFile(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
}

/**
 * Installs the tarball into a module directory like the palette manager does (`npm install
 * <pkg>` in the user dir, install scripts on: better-sqlite3 builds its native addon). The
 * result is cached by tarball hash: the install takes a minute on a 2-core machine.
 */
export function installedModuleDir(tarball = packTarball()): string {
  const dir = path.join(CACHE, `install-${hashFile(tarball)}`);
  const marker = path.join(dir, '.installed');
  if (fs.existsSync(marker)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-update-notifier', '--omit=dev', tarball], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 10 * 60_000,
  });
  fs.writeFileSync(marker, new Date().toISOString());
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface RuntimeOptions {
  /** Directory whose node_modules holds the installed package. */
  moduleDir: string;
  /** Node-RED's red.js; default the devDependency (Node-RED 4). */
  redJs?: string;
  /** Node binary; default this process's. */
  nodeBinary?: string;
  /** Reuse a user dir (restart tests); default a fresh temp dir. */
  userDir?: string;
  /** Listen on this port (a restart keeps the URL the simulators' webhooks point at); default a free one. */
  port?: number;
  flows?: unknown[];
  credentials?: Record<string, Record<string, string>>;
  env?: Record<string, string>;
  extraSettings?: string;
}

export interface Runtime {
  url: string;
  port: number;
  userDir: string;
  process: ChildProcess;
  log(): string;
  stop(): Promise<void>;
  /** SIGKILL: no close handlers, no flushes — a crash. */
  kill(): Promise<void>;
  request<T = unknown>(
    method: string,
    p: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
}

/**
 * Starts Node-RED with the installed package. The user dir gets a node_modules symlink to the
 * install, so Node-RED loads the package from the user dir exactly as after a palette install.
 */
export async function startNodeRed(options: RuntimeOptions): Promise<Runtime> {
  const userDir = options.userDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sx3s-nr-'));
  const port = options.port ?? (await freePort());
  const nm = path.join(userDir, 'node_modules');
  if (!fs.existsSync(nm)) fs.symlinkSync(path.join(options.moduleDir, 'node_modules'), nm, 'dir');
  const pkg = path.join(userDir, 'package.json');
  if (!fs.existsSync(pkg)) fs.copyFileSync(path.join(options.moduleDir, 'package.json'), pkg);
  if (options.flows) fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(options.flows));
  const settings = path.join(userDir, 'settings.js');
  fs.writeFileSync(
    settings,
    `module.exports = {
  uiPort: ${port},
  uiHost: '127.0.0.1',
  userDir: ${JSON.stringify(userDir)},
  flowFile: 'flows.json',
  credentialSecret: 'e2e-test-secret',
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { tours: false, projects: { enabled: false } },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  ${options.extraSettings ?? ''}
};
`,
  );
  const redJs = options.redJs ?? require.resolve('node-red/red.js');
  const child = spawn(options.nodeBinary ?? process.execPath, [redJs, '--settings', settings, '--userDir', userDir], {
    cwd: userDir,
    env: { ...process.env, NODE_OPTIONS: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;

  const request = async <T>(method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T };
  };

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited early:\n${output}`);
    try {
      const res = await request('GET', '/settings');
      // 401: an adminAuth is set (the settings need a login), the server is up all the same
      if ((res.status === 200 || res.status === 401) && /Started flows|Flows started|Starting flows/.test(output))
        break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Node-RED did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    url,
    port,
    userDir,
    process: child,
    log: () => output,
    request,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Node 22 binary from the `node` package on npm, for Node-RED 5 (needs Node >= 22.9). */
export function node22Binary(): string {
  return execFileSync('npx', ['-y', '-p', 'node@22', 'node', '-p', 'process.execPath'], {
    encoding: 'utf8',
    timeout: 5 * 60_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

/** Node-RED 5 installed once into the cache, for the compatibility smoke test. */
export function nodeRed5RedJs(): string {
  const dir = path.join(CACHE, 'node-red-5');
  const redJs = path.join(dir, 'node_modules', 'node-red', 'red.js');
  if (fs.existsSync(redJs)) return redJs;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'nr5', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--engine-strict=false', 'node-red@5'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 10 * 60_000,
  });
  return redJs;
}

/**
 * A copy of the installed package whose SQLite addon is built for Node 22, for Node-RED 5. The
 * install's better-sqlite3 is built for the Node running the tests (20), and its prebuilt binary
 * would come from github.com, which CI cannot reach; so the addon is compiled from source
 * against the headers of the Node 22 distribution the `node-<platform>-<arch>` npm package ships
 * (the `node` package's binary is a link into that package, whose include/ npx does not keep).
 * Needs python3, make and a C++ compiler; downloads from the npm registry only. Cached beside the
 * install, by Node version.
 */
export function node22ModuleDir(moduleDir: string, nodeBinary: string = node22Binary()): string {
  const version = execFileSync(nodeBinary, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  const dir = `${moduleDir}-node${version}`;
  const marker = path.join(dir, '.rebuilt');
  if (fs.existsSync(marker)) return dir;
  const nodeDir = nodeDistribution(version);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(moduleDir, dir, { recursive: true, verbatimSymlinks: true });
  fs.rmSync(path.join(dir, '.installed'), { force: true });
  const env = {
    ...process.env,
    // npm, node-gyp and the compiled addon all run with, and for, Node 22
    PATH: `${path.dirname(nodeBinary)}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: nodeDir,
    NODE_OPTIONS: '',
  };
  execFileSync('npm', ['rebuild', 'better-sqlite3', '--build-from-source', `--nodedir=${nodeDir}`], {
    cwd: dir,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 15 * 60_000,
  });
  // proof that it loads and opens a database under Node 22, before anything relies on it
  execFileSync(nodeBinary, ['-e', `new (require('better-sqlite3'))(':memory:').prepare('select 1').get()`], {
    cwd: dir,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  fs.writeFileSync(marker, new Date().toISOString());
  return dir;
}

/** The Node distribution (bin, include/node) of `version` from the npm registry, unpacked once. */
function nodeDistribution(version: string): string {
  const name = `node-${process.platform}-${process.arch}`;
  const dir = path.join(CACHE, `${name}-${version}`);
  const headers = path.join(dir, 'package', 'include', 'node', 'common.gypi');
  if (fs.existsSync(headers)) return path.join(dir, 'package');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['pack', `${name}@${version}`, '--pack-destination', dir], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 10 * 60_000,
  });
  execFileSync('tar', ['-xzf', `${name}-${version}.tgz`], { cwd: dir });
  fs.rmSync(path.join(dir, `${name}-${version}.tgz`), { force: true });
  if (!fs.existsSync(headers)) throw new Error(`${name}@${version} has no include/node/common.gypi`);
  return path.join(dir, 'package');
}
