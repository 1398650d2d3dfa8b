/** node-red-node-test-helper, typed for the shared adapter tests (the helper ships no declarations). */
import type { EventEmitter } from 'node:events';
import type sinon from 'sinon';
import type { Test } from 'supertest';

export interface TestNode extends EventEmitter {
  id: string;
  receive(msg: Record<string, unknown>): void;
  status: sinon.SinonSpy;
  warn: sinon.SinonSpy;
  error: sinon.SinonSpy;
  log: sinon.SinonSpy;
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
}

export const helper = require('node-red-node-test-helper') as TestHelper;
helper.init(require.resolve('node-red'));

export const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown;

export async function startHelper(): Promise<void> {
  await new Promise<void>((resolve, reject) => helper.startServer((err) => (err ? reject(err) : resolve())));
}

export async function stopHelper(): Promise<void> {
  await helper.unload();
  await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
}
