/**
 * A full redeploy while x3-update is creating a sales order (issue 12, hardening item 1): the
 * x3-config connection and the audit store outlive the create, so the ledger records its outcome.
 */
import { strict as assert } from 'assert';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import type { AuditConfigNode } from '../../../nodes/audit/config-api';
import type { X3ConfigNode } from '../../../nodes/x3/config-api';
import configNode = require('../../../nodes/x3/x3-config');
import updateNode = require('../../../nodes/x3/x3-update');
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { catchNode, helper, positioned, startStopServer, useUserDir } from './harness';

const CREDS = {
  clientId: 'sim-connected-app',
  clientSecret: 'sim-connected-app-secret',
  user: 'admin',
  username: 'admin',
  password: 'admin-password',
};
const LEDGER_KEY = 'x3.create:SEED:salesOrder:CUSORDREF=SS-2001';

/** The schema read x3-update starts at deploy, done before X3 is slowed down. */
async function schemaRead(): Promise<void> {
  const conn = (helper.getNode('cfg') as unknown as X3ConfigNode).getConnection();
  await conn.resolve(conn.entity('salesOrder'));
}

function flow(sim: X3Sim, config: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return positioned([
    { id: 'tab', type: 'tab', label: 'x3' },
    { id: 'cfg', type: 'x3-config', url: sim.url, folder: 'SEED', api: 'graphql', auth: 'connected-app', ...config },
    { id: 'audit', type: 'audit-config', path: 'audit.db' },
    {
      id: 'upd',
      type: 'x3-update',
      z: 'tab',
      server: 'cfg',
      audit: 'audit',
      entity: 'salesOrder',
      operation: 'create',
      recordProperty: 'x3Draft.salesOrder',
      externalRefField: 'CUSORDREF',
      externalRefValue: '{{payload.orderNumber}}',
      wires: [['out']],
    },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'catch', type: 'catch', z: 'tab', scope: ['upd'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ]);
}

describe('x3-update node: redeploy while a create is in flight', function () {
  this.timeout(60_000);
  useUserDir({ x3ConfigRetry: { baseDelayMs: 1, maxDelayMs: 2 } });
  startStopServer();
  let sim: X3Sim;
  beforeEach(async () => {
    sim = await startX3Sim({ port: 0, host: '127.0.0.1', records: { customer: 3, product: 4, salesOrder: 3 } });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('a full redeploy 0.5 s into a slow create: the ledger holds succeeded, one sales order in X3', async () => {
    await helper.load([configNode, updateNode, catchNode, auditConfigNode], flow(sim), { cfg: CREDS });
    const customer = sim.store.list('customer')[0].key;
    const product = sim.store.list('product')[0].key;
    await schemaRead();
    // every X3 answer takes 1.5 s: the lookup by CUSORDREF, then the create
    sim.config.latencyMs = 1500;
    helper.getNode('upd').receive({
      payload: { orderNumber: 'SS-2001' },
      x3Draft: {
        salesOrder: { SALFCY: 'NA012', BPCORD: customer, ORDDAT: '2025-02-01', lines: [{ ITMREF: product, QTY: 1 }] },
      },
    });
    await new Promise((r) => setTimeout(r, 500));

    await helper.setFlows(flow(sim), 'full', { cfg: CREDS });

    const audit = helper.getNode('audit') as unknown as AuditConfigNode;
    const entry = await audit.getStore().get(LEDGER_KEY);
    assert.ok(entry, 'the ledger has the order');
    assert.equal(entry.state, 'succeeded', `ledger state ${entry.state}, not left claimed or unknown`);
    assert.equal(sim.store.list('salesOrder').filter((r) => r.values.CUSORDREF === 'SS-2001').length, 1);
  });
});

describe('x3-update node: a redeploy whose drain budget runs out with msgs queued', function () {
  this.timeout(60_000);
  // the budget runs out at once; the grace leaves the create in flight time to record its outcome
  useUserDir({ x3ConfigRetry: { baseDelayMs: 1, maxDelayMs: 2 }, shippingCloseDrain: { budgetMs: 0, graceMs: 8000 } });
  startStopServer();
  let sim: X3Sim;
  beforeEach(async () => {
    sim = await startX3Sim({ port: 0, host: '127.0.0.1', records: { customer: 3, product: 4, salesOrder: 3 } });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('a msg still queued behind the create in flight starts no create once the budget ran out', async () => {
    // one document at a time: the second order waits for the first one's slot
    const serial = flow(sim, { maxConcurrent: 1 });
    await helper.load([configNode, updateNode, catchNode, auditConfigNode], serial, { cfg: CREDS });
    const customer = sim.store.list('customer')[0].key;
    const product = sim.store.list('product')[0].key;
    await schemaRead();
    sim.config.latencyMs = 1500;
    const order = (orderNumber: string) => ({
      payload: { orderNumber },
      x3Draft: {
        salesOrder: { SALFCY: 'NA012', BPCORD: customer, ORDDAT: '2025-02-01', lines: [{ ITMREF: product, QTY: 1 }] },
      },
    });
    helper.getNode('upd').receive(order('SS-2001'));
    helper.getNode('upd').receive(order('SS-2002'));
    await new Promise((r) => setTimeout(r, 500));

    // the close drains (the grace covers the first create), so this resolves once the old node is done
    await helper.setFlows(serial, 'full', { cfg: CREDS });

    const audit = helper.getNode('audit') as unknown as AuditConfigNode;
    const first = await audit.getStore().get(LEDGER_KEY);
    assert.equal(first?.state, 'succeeded', 'the create in flight recorded its outcome');
    assert.equal(sim.store.list('salesOrder').filter((r) => r.values.CUSORDREF === 'SS-2001').length, 1);
    // the queued msg was cut off before it claimed or sent anything: a replay creates it once
    assert.equal(await audit.getStore().get('x3.create:SEED:salesOrder:CUSORDREF=SS-2002'), undefined);
    assert.equal(sim.store.list('salesOrder').filter((r) => r.values.CUSORDREF === 'SS-2002').length, 0);
  });
});
