/**
 * node-red-node-test-helper, typed (it ships no declarations), and the flow helpers every node
 * test shares. System harnesses in test/nodes/<system>/harness.ts add their own fixtures.
 */
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { NodeAPI } from 'node-red';
import type sinon from 'sinon';
import type { Test } from 'supertest';
import { loadCatalogues, nodeSetOf, translator } from './catalogues';

/** Node-RED's Node methods are sinon spies under the helper. */
export type SpyLike = sinon.SinonSpy;

export interface TestNode extends EventEmitter {
  id: string;
  receive(msg: Record<string, unknown>): void;
  status: SpyLike;
  warn: SpyLike;
  error: SpyLike;
  log: SpyLike;
  [key: string]: unknown;
}

export interface TestHelper {
  init(nodeRedPath: string, settings?: Record<string, unknown>): void;
  settings(s: Record<string, unknown>): Record<string, unknown>;
  load(nodes: unknown, flow: Array<Record<string, unknown>>, credentials?: Record<string, unknown>): Promise<void>;
  setFlows(
    flow: Array<Record<string, unknown>>,
    type?: 'full' | 'flows' | 'nodes',
    credentials?: Record<string, unknown>,
  ): Promise<void>;
  unload(): Promise<void>;
  startServer(done: (err?: unknown) => void): void;
  stopServer(done: (err?: unknown) => void): void;
  getNode(id: string): TestNode;
  request(): { get(path: string): Test; post(path: string): Test };
  log(): SpyLike;
}

export const helper = require('node-red-node-test-helper') as TestHelper;
helper.init(require.resolve('node-red'));
withCatalogues(helper);

/**
 * The helper gives every node module one RED whose `_` returns the key: each module of ours gets
 * its own RED with Node-RED's real `_` for its node set instead (support/catalogues.ts), and a
 * test's own module one that resolves `namespace:key`. Node-RED's core modules are left as they
 * are (the helper recognises them by identity).
 */
function withCatalogues(h: TestHelper): void {
  const load = h.load.bind(h);
  const core = (): unknown[] => Object.values((h as unknown as { _nodeModules?: object })._nodeModules ?? {});
  const bind =
    (fn: unknown): unknown =>
    (red: NodeAPI): unknown =>
      (fn as (red: NodeAPI) => unknown)(
        Object.create(red, { _: { value: translator(nodeSetOf(fn)?.name) } }) as NodeAPI,
      );
  h.load = async (nodes, flow, credentials) => {
    await loadCatalogues();
    const list = (Array.isArray(nodes) ? nodes : [nodes]) as unknown[];
    const wrapped = list.map((fn) => (typeof fn === 'function' && !core().includes(fn) ? bind(fn) : fn));
    return load(wrapped, flow, credentials);
  };
}

export const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown;
export const completeNode = require('@node-red/nodes/core/common/24-complete.js') as unknown;

export async function startHelper(): Promise<void> {
  await new Promise<void>((resolve, reject) => helper.startServer((err) => (err ? reject(err) : resolve())));
}

export async function stopHelper(): Promise<void> {
  await helper.unload();
  await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
}

/** Starts the helper's server before each test and unloads the flow and stops it after. */
export function startStopServer(): void {
  beforeEach(startHelper);
  afterEach(stopHelper);
}

/** A fresh Node-RED user dir per test (state files, SQLite audit file), removed afterwards. */
export function useUserDir(options: { prefix?: string; settings?: Record<string, unknown> } = {}): {
  dir: () => string;
} {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix ?? 'sx3s-nr-'));
    helper.settings({ userDir: dir, ...options.settings });
  });
  afterEach(() => {
    helper.settings({});
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { dir: () => dir };
}

/** The next `count` msgs a node receives; rejects after `timeoutMs`. */
export function collect(node: TestNode, count: number, timeoutMs = 15_000): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const got: Array<Record<string, unknown>> = [];
    if (count === 0) {
      resolve(got);
      return;
    }
    const timer = setTimeout(() => {
      node.off('input', on);
      reject(new Error(`only ${got.length} of ${count} msgs arrived`));
    }, timeoutMs);
    const on = (msg: Record<string, unknown>): void => {
      got.push(msg);
      if (got.length === count) {
        clearTimeout(timer);
        node.off('input', on);
        resolve(got);
      }
    };
    node.on('input', on);
  });
}

/** Every msg the node receives from now on. */
export function recorder(node: TestNode): Array<Record<string, unknown>> {
  const got: Array<Record<string, unknown>> = [];
  node.on('input', (msg: Record<string, unknown>) => void got.push(msg));
  return got;
}

/** Resolves after `ms` with every msg the node received meanwhile (to prove nothing arrives). */
export function during(node: TestNode, ms: number): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve) => {
    const got: Array<Record<string, unknown>> = [];
    const on = (msg: Record<string, unknown>): void => void got.push(msg);
    node.on('input', on);
    setTimeout(() => {
      node.off('input', on);
      resolve(got);
    }, ms);
  });
}

/** Lets queued deliveries (setImmediate) run. */
export async function settle(rounds = 2): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Polls until `check` holds (real time; each wait is short). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function statusTexts(node: TestNode): string[] {
  return node.status.getCalls().map((c) => String((c.args[0] as { text?: string } | undefined)?.text ?? ''));
}

/**
 * Flow nodes need editor coordinates: Node-RED takes a node without x/y for a config node
 * (a Catch node's scope then looks like a config dependency).
 */
export function positioned(
  flow: Array<Record<string, unknown>>,
  configTypes: Iterable<string> = [],
): Array<Record<string, unknown>> {
  const config = new Set(['tab', ...configTypes]);
  return flow.map((n) => (config.has(String(n.type)) || 'x' in n ? n : { ...n, x: 100, y: 100 }));
}

/** RED.httpNode (unmounted in the helper) served on a real port, so a simulator can post to it. */
export async function serveHttpNode(RED: NodeAPI | undefined): Promise<{ url: string; close(): Promise<void> }> {
  if (!RED) throw new Error('load the modules first');
  const server = http.createServer(RED.httpNode as unknown as http.RequestListener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
