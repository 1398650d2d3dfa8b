import assert from 'node:assert/strict';
import type { ShipStationConfigNode } from '../../../nodes/shipstation/config-api';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';
import {
  TAB,
  configNode,
  credentials,
  eventually,
  helper,
  modules,
  positioned,
  startStopServer,
  statusTexts,
  useUserDir,
} from './harness';

describe('shipstation-config node', function () {
  this.timeout(30_000);
  let sim: ShipStationSim;
  useUserDir();
  startStopServer();

  before(async () => {
    sim = await startShipStationSim({ orders: 3 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  it('"Test connection" calls V1 and V2 with the dialog settings, taking unchanged secrets from the deployed node', async () => {
    await helper.load(modules, positioned([TAB, configNode(sim)]), credentials());
    const res = await helper
      .request()
      .post('/sage-x3-shipping/shipstation/test')
      .send({
        id: 'ss',
        v1Url: sim.v1Url,
        v2Url: sim.v2Url,
        credentials: { apiKey: '__PWRD__', apiSecret: '__PWRD__', v2ApiKey: '__PWRD__' },
      })
      .expect(200);
    assert.equal(res.body.ok, true);
    assert.match(res.body.message, /^V1 .*: connected, 2 stores, budget 39\/40\nV2 .*: connected/);
    const bad = await helper
      .request()
      .post('/sage-x3-shipping/shipstation/test')
      .send({ v1Url: sim.v1Url, credentials: { apiKey: 'sim-v1-key', apiSecret: 'not-the-secret' } })
      .expect(200);
    assert.equal(bad.body.ok, false);
    assert.equal(bad.body.error.status, 401);
    assert.ok(!JSON.stringify(bad.body).includes('not-the-secret'));
  });

  it('gives every node one shared client, and their status shows the budget left', async () => {
    const flow = positioned([
      TAB,
      configNode(sim),
      { id: 'f1', type: 'shipstation-fetch', z: 'tab', server: 'ss', operation: 'order', wires: [[]] },
      { id: 'f2', type: 'shipstation-fetch', z: 'tab', server: 'ss', operation: 'order', wires: [[]] },
    ]);
    await helper.load(modules, flow, credentials());
    const cfg = helper.getNode('ss') as unknown as ShipStationConfigNode;
    helper.getNode('f1').receive({ payload: { orderId: 100000001 } });
    helper.getNode('f2').receive({ payload: { orderId: 100000002 } });
    await eventually(() => cfg.client.budget('v1').remaining === 38);
    await eventually(() => statusTexts(helper.getNode('f2')).some((t) => t.includes('v1 38/40')), 3000);
  });

  it('never sends a credential in a status, log or error', async () => {
    sim.configure({ v1Credentials: [] });
    const flow = positioned([
      TAB,
      configNode(sim),
      { id: 'f', type: 'shipstation-fetch', z: 'tab', server: 'ss', operation: 'order', wires: [[]] },
    ]);
    await helper.load(modules, flow, credentials());
    helper.getNode('f').receive({ payload: { orderId: 100000001 } });
    await eventually(() => helper.getNode('f').error.getCalls().length > 0);
    const seen = JSON.stringify([
      helper
        .getNode('f')
        .error.getCalls()
        .map((c) => c.args),
      statusTexts(helper.getNode('f')),
    ]);
    assert.match(seen, /401|denied/);
    for (const secret of ['sim-v1-secret', 'sim-v2-key', Buffer.from('sim-v1-key:sim-v1-secret').toString('base64')]) {
      assert.ok(!seen.includes(secret), secret);
    }
  });
});
