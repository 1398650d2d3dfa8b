/**
 * A full redeploy while a label is being bought (issue 12, hardening item 1). Node-RED stops
 * fedex-ship, fedex-config and audit-config in one loop without waiting between them; the config
 * nodes must outlive the create and the ledger writes of their users.
 */
import assert from 'node:assert/strict';
import type { FedexSim } from '../../../sim/fedex/server';
import type { AuditConfigNode } from '../../../nodes/audit/config-api';
import type { FedexConfigNode } from '../../../nodes/fedex/config-api';
import { ShipService } from '../../../nodes/fedex/ship-service';
import { useUserDir } from '../../support/node-helper';
import { salesDelivery, x3Of } from '../../unit/fedex/fixtures';
import { startSim } from '../../unit/fedex/sim';
import { catchNode, collect, credentials, helper, modules, startStopServer } from './harness';
import { deliveryMsg, shipFlow } from './ship-harness';

const DOC = 'SD00000042';
const CREATE_PATH = '/ship/v1/shipments';

function flow(sim: FedexSim) {
  // a file in the user dir: the redeployed audit-config opens the same ledger
  return shipFlow(sim, {}, { audit: { id: 'audit', type: 'audit-config', path: 'audit.sqlite' } });
}

/** The document's ledger key as the deployed fedex-config (environment, account) makes it. */
function ledgerKey(doc: string): string {
  const fx = helper.getNode('fx') as unknown as FedexConfigNode;
  return ShipService.documentKeys(salesDelivery(doc), x3Of('salesDelivery', doc), undefined, fx.client).key;
}

function audit(): AuditConfigNode {
  return helper.getNode('audit') as unknown as AuditConfigNode;
}

describe('fedex-ship node: redeploy while a label is being bought', function () {
  this.timeout(60_000);
  let sim: FedexSim;
  useUserDir({ prefix: 'sx3s-drain-' });
  startStopServer();
  beforeEach(async () => {
    // creating a label takes 3 s at FedEx; everything else answers at once
    sim = await startSim({ routeLatencyMs: { [CREATE_PATH]: 3000 } });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('a full redeploy 0.5 s into a 3 s create: the ledger holds succeeded with the label, one shipment', async () => {
    await helper.load([...modules, catchNode], flow(sim), credentials());
    helper.getNode('ship').receive(deliveryMsg(DOC));
    await new Promise((r) => setTimeout(r, 500));

    await helper.setFlows(flow(sim), 'full', credentials());

    const entry = await audit().getStore().get(ledgerKey(DOC));
    assert.ok(entry, 'the ledger has the document');
    assert.equal(entry.state, 'succeeded', `ledger state ${entry.state}, not left claimed or unknown`);
    assert.equal(sim.state.shipments.length, 1, 'FedEx created exactly one shipment');
    const payload = (entry.result as { payload: { masterTrackingNumber: string; labels: unknown[] } }).payload;
    assert.equal(payload.masterTrackingNumber, sim.state.shipments[0].masterTrackingNumber);
    assert.ok(payload.labels.length > 0, 'the label bytes were kept');

    // the next run for the document answers from the ledger: still one shipment
    const got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(deliveryMsg(DOC));
    const [msg] = await got;
    assert.equal((msg.fedex as Record<string, unknown>).outcome, 'stored');
    assert.equal(sim.state.shipments.length, 1);
  });
});

describe('fedex-ship node: redeploy while a create outlasts the drain budget', function () {
  this.timeout(60_000);
  let sim: FedexSim;
  // a budget shorter than the create: the close cannot wait for it
  useUserDir({ prefix: 'sx3s-drain-', settings: { shippingCloseDrain: { budgetMs: 200, graceMs: 2000 } } });
  startStopServer();
  beforeEach(async () => {
    sim = await startSim({ routeLatencyMs: { [CREATE_PATH]: 3000 } });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('the create is aborted and the entry is marked unknown before the store closes, never left claimed', async () => {
    await helper.load([...modules, catchNode], flow(sim), credentials());
    helper.getNode('ship').receive(deliveryMsg(DOC));
    await new Promise((r) => setTimeout(r, 500));

    await helper.setFlows(flow(sim), 'full', credentials());

    const entry = await audit().getStore().get(ledgerKey(DOC));
    assert.ok(entry, 'the ledger has the document');
    assert.equal(entry.state, 'unknown', `ledger state ${entry.state}: an aborted create is never left claimed`);
  });
});
