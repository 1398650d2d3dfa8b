/**
 * node-red-node-test-helper for the ShipStation node tests: the real ShipStation nodes, the real
 * audit-config (SQLite) and the ShipStation simulator.
 */
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'supertest';
import type { NodeAPI } from 'node-red';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import configNodeModule = require('../../../nodes/shipstation/shipstation-config');
import fetchNode = require('../../../nodes/shipstation/shipstation-fetch');
import inNode = require('../../../nodes/shipstation/shipstation-in');
import updateNode = require('../../../nodes/shipstation/shipstation-update');
import type { ShipStationSim } from '../../../sim/shipstation/server';

export interface TestNode extends EventEmitter {
  id: string;
  receive(msg: Record<string, unknown>): void;
  status: { getCalls(): Array<{ args: unknown[] }> };
  warn: { getCalls(): Array<{ args: unknown[] }> };
  error: { getCalls(): Array<{ args: unknown[] }> };
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

// the helper ships no type declarations
export const helper = require('node-red-node-test-helper') as TestHelper;
helper.init(require.resolve('node-red'));

export const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown;

export let RED: NodeAPI | undefined;

export const modules = [
  (r: NodeAPI) => {
    RED = r;
    return configNodeModule(r);
  },
  inNode,
  fetchNode,
  updateNode,
  auditConfigNode,
  catchNode,
];

export const TAB = { id: 'tab', type: 'tab', label: 'shipstation' };
export const V1_CREDS = { apiKey: 'sim-v1-key', apiSecret: 'sim-v1-secret' };
export const V2_KEY = 'sim-v2-key';
export const TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00';

export function configNode(
  sim: ShipStationSim,
  id = 'ss',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    type: 'shipstation-config',
    version: 'v1',
    v1Url: sim.v1Url,
    v2Url: sim.v2Url,
    jwksUrl: sim.jwksUrl,
    ...extra,
  };
}

export function credentials(extra: Record<string, Record<string, string>> = {}): Record<string, unknown> {
  return { ss: { ...V1_CREDS, v2ApiKey: V2_KEY }, ...extra };
}

/** A temporary Node-RED user dir (state files, SQLite audit file), removed after each test. */
export function useUserDir(): { dir: () => string } {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-nodes-'));
    helper.settings({ userDir: dir });
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
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

/** The next `count` msgs a helper node receives. */
export function collect(node: TestNode, count: number, timeoutMs = 15_000): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const got: Array<Record<string, unknown>> = [];
    if (count === 0) {
      resolve(got);
      return;
    }
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${count} msgs arrived`)), timeoutMs);
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

/** RED.httpNode (unmounted in the helper) served on a real port, so the simulator can post to it. */
export async function serveHttpNode(): Promise<{ url: string; close(): Promise<void> }> {
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

const CONFIG_TYPES = new Set(['tab', 'shipstation-config', 'audit-config']);

/** Flow nodes need a position, or Node-RED takes them for config nodes. */
export function positioned(flow: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return flow.map((n) => (CONFIG_TYPES.has(String(n.type)) || 'x' in n ? n : { ...n, x: 100, y: 100 }));
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

/** A V1 call to the simulator as a ShipStation user would make it (subscribing webhooks...). */
export async function v1Call(sim: ShipStationSim, method: string, p: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.v1Url}${p}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${V1_CREDS.apiKey}:${V1_CREDS.apiSecret}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export async function v2Call(sim: ShipStationSim, method: string, p: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.v2Url}${p}`, {
    method,
    headers: { 'api-key': V2_KEY, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** An order body as a sales channel would import it. */
export function importedOrder(n: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderNumber: n,
    orderKey: `key-${n}`,
    orderDate: '2026-11-01T08:20:00Z',
    orderStatus: 'awaiting_shipment',
    customerEmail: 'grace.hopper@example.com',
    billTo: { name: 'Grace Hopper' },
    shipTo: {
      name: 'Grace Hopper',
      street1: '1 Navy Way',
      city: 'Arlington',
      state: 'VA',
      postalCode: '22202',
      country: 'US',
    },
    items: [
      { sku: 'SKU-1001', name: 'Coffee Mug', quantity: 2, unitPrice: 12.5 },
      { sku: 'SKU-1003', name: 'Pour-over Kettle', quantity: 1, unitPrice: 39.99 },
    ],
    advancedOptions: { storeId: 12345 },
    ...extra,
  };
}
