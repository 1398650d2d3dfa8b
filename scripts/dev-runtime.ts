/**
 * A local Node-RED for development and the demo: a git-ignored user dir under .demo/ whose
 * node_modules links to this checkout, so Node-RED loads the freshly built dist/ as it would
 * load the installed package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');

export interface DevRuntimeOptions {
  name: string;
  port: number;
  /** Extra lines inside module.exports of settings.js */
  settings?: string;
  env?: Record<string, string>;
}

export function prepareUserDir(name: string): string {
  const userDir = path.join(ROOT, '.demo', name);
  const modules = path.join(userDir, 'node_modules');
  fs.mkdirSync(modules, { recursive: true });
  const pkgName = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string }).name;
  const link = path.join(modules, pkgName);
  if (!fs.existsSync(link)) fs.symlinkSync(ROOT, link, 'dir');
  const pkg = path.join(userDir, 'package.json');
  if (!fs.existsSync(pkg)) {
    fs.writeFileSync(
      pkg,
      JSON.stringify({ name: `${name}-userdir`, private: true, dependencies: { [pkgName]: `file:${ROOT}` } }, null, 2),
    );
  }
  return userDir;
}

export function startDevNodeRed(options: DevRuntimeOptions): ChildProcess {
  const userDir = prepareUserDir(options.name);
  const settings = path.join(userDir, 'settings.js');
  fs.writeFileSync(
    settings,
    `module.exports = {
  uiPort: ${options.port},
  userDir: ${JSON.stringify(userDir)},
  flowFile: 'flows.json',
  credentialSecret: 'local-demo-only',
  editorTheme: { tours: false, projects: { enabled: false } },
  ${options.settings ?? ''}
};
`,
  );
  return spawn(process.execPath, [require.resolve('node-red/red.js'), '--settings', settings, '--userDir', userDir], {
    stdio: 'inherit',
    env: { ...process.env, ...options.env },
  });
}
