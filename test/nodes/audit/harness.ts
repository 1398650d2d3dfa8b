/**
 * node-red-node-test-helper, typed for the audit node tests, plus the flow pieces they share.
 */
import { mkdtempSync, rmSync } from 'fs';
import type { EventEmitter } from 'events';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Test } from 'supertest';

export interface TestNode extends EventEmitter {
  id: string;
  receive(msg: Record<string, unknown>): void;
  status: { (s: unknown): void; lastCall?: { args: unknown[] }; getCalls(): Array<{ args: unknown[] }> };
  warn: { getCalls(): Array<{ args: unknown[] }> };
  error: { getCalls(): Array<{ args: unknown[] }> };
  [key: string]: unknown;
}

interface RequestAgent {
  get(path: string): Test;
  post(path: string): Test;
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
  request(): RequestAgent;
}

// the helper ships no type declarations
export const helper = require('node-red-node-test-helper') as TestHelper;
helper.init(require.resolve('node-red'));

export const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown;
export const completeNode = require('@node-red/nodes/core/common/24-complete.js') as unknown;

/** A fresh Node-RED user dir per test, set as RED.settings.userDir. */
export function useUserDir(): { dir: () => string } {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sx3s-nr-audit-'));
    helper.settings({ userDir: dir });
  });
  afterEach(() => {
    helper.settings({});
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir: () => dir };
}

export function startStopServer(): void {
  beforeEach(async () => {
    await new Promise((r) => helper.startServer(r));
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise((r) => helper.stopServer(r));
  });
}

/** Resolves with the next `count` msgs a helper node receives. */
export function collect(node: TestNode, count: number): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve) => {
    const got: Array<Record<string, unknown>> = [];
    const on = (msg: Record<string, unknown>): void => {
      got.push(msg);
      if (got.length === count) {
        node.off('input', on);
        resolve(got);
      }
    };
    node.on('input', on);
  });
}

/** All msgs a helper node receives from now on. */
export function recorder(node: TestNode): Array<Record<string, unknown>> {
  const got: Array<Record<string, unknown>> = [];
  node.on('input', (msg: Record<string, unknown>) => got.push(msg));
  return got;
}

/** Lets queued deliveries (setImmediate) run. */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(() => setImmediate(r)));

const CONFIG_TYPES = new Set(['tab', 'audit-config']);

/**
 * Gives flow nodes editor coordinates: Node-RED treats a node without x/y as a config node
 * (a Catch node's scope then looks like a config dependency).
 */
export function positioned(flow: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return flow.map((n) => (CONFIG_TYPES.has(String(n.type)) || 'x' in n ? n : { ...n, x: 100, y: 100 }));
}
