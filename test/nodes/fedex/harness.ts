/**
 * node-red-node-test-helper for the FedEx node tests: the real FedEx nodes, the real audit-config
 * (in-memory SQLite) and the FedEx simulator.
 */
import type { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'supertest';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import fedexConfigNode = require('../../../nodes/fedex/fedex-config');
import fedexShipNode = require('../../../nodes/fedex/fedex-ship');
import fedexTrackNode = require('../../../nodes/fedex/fedex-track');
import fedexWebhookNode = require('../../../nodes/fedex/fedex-webhook');
import type { NodeAPI } from 'node-red';
import type { FedexSim } from '../../../sim/fedex/server';
import { SIM_ACCOUNT, SIM_CLIENT_ID, SIM_CLIENT_SECRET, WEBHOOK_TOKEN } from '../../unit/fedex/sim';

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

/** Every FedEx node module plus audit-config; the first one keeps the RED object for httpNode tests. */
export const modules = [
  (r: NodeAPI) => {
    RED = r;
    return fedexConfigNode(r);
  },
  fedexShipNode,
  fedexTrackNode,
  fedexWebhookNode,
  auditConfigNode,
];

export const TAB = { id: 'tab', type: 'tab', label: 'fedex' };

export function configNode(sim: FedexSim, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'fx', type: 'fedex-config', environment: 'custom', url: sim.url, accountNumber: SIM_ACCOUNT, ...extra };
}

export const AUDIT = { id: 'audit', type: 'audit-config', path: ':memory:' };

export const OUR_ADDRESS_FIELDS = {
  ourCompany: 'Acme Pumps Warehouse',
  ourPhone: '9015551234',
  ourStreet1: '10 Main St',
  ourCity: 'Memphis',
  ourState: 'TN',
  ourPostal: '38116',
  ourCountry: 'US',
};

export function credentials(extra: Record<string, string> = {}): Record<string, unknown> {
  return { fx: { clientId: SIM_CLIENT_ID, clientSecret: SIM_CLIENT_SECRET, webhookSecret: WEBHOOK_TOKEN, ...extra } };
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

const CONFIG_TYPES = new Set(['tab', 'fedex-config', 'audit-config']);

/** Flow nodes need a position, or Node-RED takes them for config nodes. */
export function positioned(flow: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return flow.map((n) => (CONFIG_TYPES.has(String(n.type)) || 'x' in n ? n : { ...n, x: 100, y: 100 }));
}

/** Polls until `check` holds (status is redrawn at most twice a second). */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function statusTexts(node: TestNode): string[] {
  return node.status.getCalls().map((c) => String((c.args[0] as { text?: string } | undefined)?.text ?? ''));
}
