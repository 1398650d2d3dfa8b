/**
 * node-red-node-test-helper for the ShipStation node tests: the real ShipStation nodes, the real
 * audit-config (SQLite) and the ShipStation simulator.
 */
import type { NodeAPI } from 'node-red';
import {
  catchNode,
  positioned as positionedWith,
  serveHttpNode as serveWith,
  useUserDir as useUserDirWith,
} from '../../support/node-helper';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import configNodeModule = require('../../../nodes/shipstation/shipstation-config');
import fetchNode = require('../../../nodes/shipstation/shipstation-fetch');
import inNode = require('../../../nodes/shipstation/shipstation-in');
import updateNode = require('../../../nodes/shipstation/shipstation-update');
import type { ShipStationSim } from '../../../sim/shipstation/server';

export {
  catchNode,
  collect,
  eventually,
  helper,
  recorder,
  startStopServer,
  statusTexts,
  type TestHelper,
  type TestNode,
} from '../../support/node-helper';

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

/** A temporary Node-RED user dir (state files, SQLite audit file), removed after each test. */
export const useUserDir = (): { dir: () => string } => useUserDirWith({ prefix: 'ss-nodes-' });

/** RED.httpNode of the loaded modules on a real port, so the simulator can post to it. */
export const serveHttpNode = (): Promise<{ url: string; close(): Promise<void> }> => serveWith(RED);

export const positioned = (flow: Array<Record<string, unknown>>): Array<Record<string, unknown>> =>
  positionedWith(flow, ['shipstation-config', 'audit-config']);

export function credentials(extra: Record<string, Record<string, string>> = {}): Record<string, unknown> {
  return { ss: { ...V1_CREDS, v2ApiKey: V2_KEY }, ...extra };
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
