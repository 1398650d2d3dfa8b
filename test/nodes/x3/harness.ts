/**
 * node-red-node-test-helper for the X3 node tests: typed helper, a per-test user dir, flows,
 * and waits that also work under sinon fake timers (they yield to real I/O with setImmediate).
 */
import { mkdtempSync, rmSync } from 'fs';
import type { EventEmitter } from 'events';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Test } from 'supertest';

export interface TestNode extends EventEmitter {
  id: string;
  receive(msg: Record<string, unknown>): void;
  status: { getCalls(): Array<{ args: unknown[] }> };
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

/** A fresh Node-RED user dir per test (RED.settings.userDir); extra runtime settings merged in. */
export function useUserDir(extra: Record<string, unknown> = {}): { dir: () => string } {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sx3s-nr-x3-'));
    helper.settings({ userDir: dir, ...extra });
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

/** All msgs a helper node receives from now on. */
export function recorder(node: TestNode): Array<Record<string, unknown>> {
  const got: Array<Record<string, unknown>> = [];
  node.on('input', (msg: Record<string, unknown>) => got.push(msg));
  return got;
}

/** Real elapsed ms, unaffected by fake Date. */
const realNow = (): number => Number(process.hrtime.bigint() / 1_000_000n);

/**
 * Waits until `cond()` holds, yielding to real I/O between checks; `tick` (a fake clock's
 * tick(0)) fires timers due now, such as the limiter's zero-delay scheduling.
 */
export async function waitFor(cond: () => boolean, what: string, tick?: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = realNow() + timeoutMs;
  while (!cond()) {
    if (realNow() > deadline) throw new Error(`timed out waiting for ${what}`);
    tick?.();
    await new Promise((r) => setImmediate(r));
  }
}

/** Status texts a node has shown so far. */
export function statusTexts(node: TestNode): string[] {
  return node.status.getCalls().map((c) => String((c.args[0] as { text?: unknown } | undefined)?.text ?? ''));
}

const CONFIG_TYPES = new Set(['tab', 'x3-config', 'audit-config']);

/** Editor coordinates for flow nodes (Node-RED treats a node without x/y as a config node). */
export function positioned(flow: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return flow.map((n) => (CONFIG_TYPES.has(String(n.type)) || 'x' in n ? n : { ...n, x: 100, y: 100 }));
}

/** Lets queued msg deliveries (setImmediate) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

interface FakeClock {
  now: number;
  tick(ms: number): unknown;
}

/**
 * A tick for waitFor under sinon fake timers that fires only timers already due, or due 1 ms
 * from now: fake-timers schedules a zero-delay timer created inside a timer callback 1 ms
 * later, and the rate limiter chains such timers. Longer timers (the next poll) are left alone,
 * so waiting does not move the clock.
 */
export function dueTicker(clock: FakeClock): () => void {
  return () => {
    const map = (clock as unknown as { timers?: Map<number, { callAt: number }> | Record<string, { callAt: number }> })
      .timers;
    const timers = map instanceof Map ? [...map.values()] : Object.values(map ?? {});
    if (timers.some((t) => t.callAt <= clock.now)) clock.tick(0);
    else if (timers.some((t) => t.callAt <= clock.now + 1)) clock.tick(1);
  };
}
