/**
 * Node-RED finds a node's editor file, locales and icons only beside its runtime .js, so the
 * build copies them next to the compiled output in dist/. It also writes the editor resource
 * generated from the sources (resources/fedex-options.js: the FedEx vocabulary of schemas.ts),
 * so the edit dialogs never retype what the runtime checks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fedexOptionsScript } from '../nodes/fedex/editor-options';

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'nodes');
const dist = path.join(root, 'dist');

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

let copied = 0;
for (const file of walk(src)) {
  const rel = path.relative(src, file);
  const inLocales = rel.split(path.sep).includes('locales');
  if (file.endsWith('.html') || (inLocales && /\.(json|html)$/.test(file))) {
    const target = path.join(dist, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
    copied += 1;
  }
}

// Icons are looked up in an `icons/` folder beside each node file.
const icons = fs.existsSync(path.join(root, 'icons')) ? fs.readdirSync(path.join(root, 'icons')) : [];
for (const system of fs.readdirSync(dist, { withFileTypes: true })) {
  if (!system.isDirectory()) continue;
  const dir = path.join(dist, system.name);
  const hasNodes = fs.readdirSync(dir).some((f) => f.endsWith('.html'));
  if (!hasNodes) continue;
  fs.mkdirSync(path.join(dir, 'icons'), { recursive: true });
  for (const icon of icons) {
    fs.copyFileSync(path.join(root, 'icons', icon), path.join(dir, 'icons', icon));
    copied += 1;
  }
}
console.log(`copied ${copied} editor, locale and icon files into dist/`);

// Served to the editor from the package root (resources/), so generated there; not tracked by git.
const resources = path.join(root, 'resources');
fs.mkdirSync(resources, { recursive: true });
fs.writeFileSync(path.join(resources, 'fedex-options.js'), fedexOptionsScript());
console.log('wrote resources/fedex-options.js');
