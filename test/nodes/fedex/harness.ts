/**
 * node-red-node-test-helper for the FedEx node tests: the real FedEx nodes, the real audit-config
 * (in-memory SQLite) and the FedEx simulator.
 */
import auditConfigNode = require('../../../nodes/audit/audit-config');
import fedexConfigNode = require('../../../nodes/fedex/fedex-config');
import fedexShipNode = require('../../../nodes/fedex/fedex-ship');
import fedexTrackNode = require('../../../nodes/fedex/fedex-track');
import fedexWebhookNode = require('../../../nodes/fedex/fedex-webhook');
import type { NodeAPI } from 'node-red';
import { positioned as positionedWith, serveHttpNode as serveWith } from '../../support/node-helper';
import type { FedexSim } from '../../../sim/fedex/server';
import { SIM_ACCOUNT, SIM_CLIENT_ID, SIM_CLIENT_SECRET, WEBHOOK_TOKEN } from '../../unit/fedex/sim';

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

export {
  catchNode,
  collect,
  during,
  eventually,
  helper,
  startStopServer,
  statusTexts,
  type TestHelper,
  type TestNode,
} from '../../support/node-helper';

/** RED.httpNode of the loaded modules on a real port, so the simulator can post to it. */
export const serveHttpNode = (): Promise<{ url: string; close(): Promise<void> }> => serveWith(RED);

export const positioned = (flow: Array<Record<string, unknown>>): Array<Record<string, unknown>> =>
  positionedWith(flow, ['fedex-config', 'audit-config']);
