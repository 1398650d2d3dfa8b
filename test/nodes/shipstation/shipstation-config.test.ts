import assert from 'node:assert/strict';
import type { ShipStationConfigNode } from '../../../nodes/shipstation/config-api';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';
import { startCaptureServer } from '../../support/capture-server';
import {
  TAB,
  V1_CREDS,
  V2_KEY,
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

  it('"Test connection" never sends the stored keys to a host other than the deployed node\'s', async () => {
    const capture = await startCaptureServer();
    try {
      await helper.load(modules, positioned([TAB, configNode(sim)]), credentials());
      const secrets = [V1_CREDS.apiKey, V1_CREDS.apiSecret, V2_KEY];
      const placeholders = { apiKey: '__PWRD__', apiSecret: '__PWRD__', v2ApiKey: '__PWRD__' };
      for (const urls of [
        { v1Url: capture.url, v2Url: sim.v2Url },
        { v1Url: sim.v1Url, v2Url: capture.url },
        { v1Url: '', v2Url: sim.v2Url }, // empty: ShipStation's own host, not the deployed one
      ]) {
        for (const id of ['ss', 'not-deployed']) {
          const res = await helper
            .request()
            .post('/sage-x3-shipping/shipstation/test')
            .send({ id, ...urls, credentials: placeholders });
          const text = JSON.stringify(res.body);
          for (const secret of secrets) assert.ok(!text.includes(secret));
          if (id === 'ss') {
            assert.equal(res.status, 400, JSON.stringify(urls));
            assert.match(res.body.message, /type apiKey, apiSecret, v2ApiKey again/);
          } else {
            assert.equal(res.body.ok, false, 'nothing stored for a node that is not deployed');
          }
        }
      }
      assert.equal(capture.requests.length, 0);
      assert.equal(sim.state.requests.length, 0);
    } finally {
      await capture.close();
    }
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
