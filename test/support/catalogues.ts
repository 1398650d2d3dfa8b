/**
 * The package's message catalogues in Node-RED's own i18n (@node-red/util), registered the way
 * the registry registers them (registry/lib/loader.js loadNodeLocales: one catalogue per node set,
 * namespace `<package>/<key of node-red.nodes>`, `locales/<lang>/<node file's basename>.json`
 * beside the node file), and RED._ as the registry builds it for a node set (registry/lib/util.js
 * createNodeApi). node-red-node-test-helper hands nodes a RED whose `_` returns the key itself;
 * with these, tests see the texts a user sees, and a key missing from its catalogue shows as a key.
 */
import path from 'node:path';
import nodeRedUtil from '@node-red/util';

export const ROOT = path.resolve(__dirname, '..', '..');

interface PackageJson {
  name: string;
  'node-red': { nodes: Record<string, string> };
}

const pkg = require(path.join(ROOT, 'package.json')) as PackageJson;

export interface NodeSet {
  /** The key in package.json `node-red.nodes` (the node type here). */
  name: string;
  namespace: string;
  /** The node file in nodes/ (TypeScript source of the dist file package.json names). */
  source: string;
  localesDir: string;
  catalogueFile: string;
}

export function nodeSets(): NodeSet[] {
  return Object.entries(pkg['node-red'].nodes).map(([name, dist]) => {
    const source = path.join(ROOT, dist.replace(/^dist\//, 'nodes/').replace(/\.js$/, '.ts'));
    return {
      name,
      namespace: `${pkg.name}/${name}`,
      source,
      localesDir: path.join(path.dirname(source), 'locales'),
      catalogueFile: path.basename(source).replace(/\.ts$/, '.json'),
    };
  });
}

export type Translate = (key: string, substitutions?: Record<string, string | number>) => string;

interface RuntimeI18n {
  init(settings: Record<string, unknown>): void;
  registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
  _: Translate;
}
const i18n = nodeRedUtil.i18n as unknown as RuntimeI18n;

let loaded: Promise<void> | undefined;

/** Registers every node set's catalogue (once per process). */
export function loadCatalogues(): Promise<void> {
  loaded ??= (async () => {
    // a no-op when Node-RED's runtime already initialised it
    i18n.init({});
    await Promise.all(nodeSets().map((s) => i18n.registerMessageCatalog(s.namespace, s.localesDir, s.catalogueFile)));
  })();
  return loaded;
}

/** RED._ of a node set (`name`), or, without one, a RED._ that only resolves `namespace:key`. */
export function translator(name?: string): Translate {
  const namespace = name ? `${pkg.name}/${name}` : undefined;
  return (key, substitutions) => i18n._(key.includes(':') || !namespace ? key : `${namespace}:${key}`, substitutions);
}

/** The node set whose node file exports `fn`, if `fn` is one of the package's node modules. */
export function nodeSetOf(fn: unknown): NodeSet | undefined {
  return nodeSets().find((s) => require.cache[s.source]?.exports === fn);
}
