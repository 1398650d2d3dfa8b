import assert from 'node:assert/strict';
import type { FedexConfigNode } from '../../../nodes/fedex/config-api';
import type { FedexSim } from '../../../sim/fedex/server';
import { SIM_ACCOUNT, SIM_CLIENT_ID, startSim } from '../../unit/fedex/sim';
import { configNode, credentials, helper, modules, startStopServer } from './harness';

describe('fedex-config node', function () {
  this.timeout(20_000);
  let sim: FedexSim;
  startStopServer();
  beforeEach(async () => {
    sim = await startSim();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('owns one client per config with the account number and the webhook token', async () => {
    await helper.load(modules, [configNode(sim)], credentials());
    const cfg = helper.getNode('fx') as unknown as FedexConfigNode;
    assert.equal(cfg.accountNumber, SIM_ACCOUNT);
    assert.equal(cfg.client.baseURL, sim.url);
    assert.equal(typeof cfg.webhookSecret(), 'string');
    await cfg.client.testConnection();
    assert.equal(sim.state.tokenRequests.length, 1);
  });

  it('"Test connection" gets a token with the dialog\'s settings, using stored secrets for unchanged fields', async () => {
    await helper.load(modules, [configNode(sim)], credentials());
    const ok = await helper
      .request()
      .post('/sage-x3-shipping/fedex/test')
      .send({
        id: 'fx',
        environment: 'custom',
        url: sim.url,
        accountNumber: SIM_ACCOUNT,
        credentials: { clientId: SIM_CLIENT_ID, clientSecret: '__PWRD__' },
      })
      .expect(200);
    assert.equal(ok.body.ok, true);
    assert.match(ok.body.message, /FedEx accepted the credentials/);

    const bad = await helper
      .request()
      .post('/sage-x3-shipping/fedex/test')
      .send({
        environment: 'custom',
        url: sim.url,
        accountNumber: SIM_ACCOUNT,
        credentials: { clientId: SIM_CLIENT_ID, clientSecret: 'wrong-one-123' },
      })
      .expect(200);
    assert.equal(bad.body.ok, false);
    assert.equal(bad.body.error.code, 'NOT.AUTHORIZED.ERROR');
    assert.doesNotMatch(JSON.stringify(bad.body), /wrong-one-123|sim-fedex-client-secret/);
    assert.deepEqual(
      sim.state.tokenRequests.map((t) => t.status),
      [200, 401],
    );
  });

  it('warns when the credentials are missing', async () => {
    await helper.load(modules, [configNode(sim)], { fx: {} });
    const cfg = helper.getNode('fx');
    assert.ok(
      cfg.warn
        .getCalls()
        .some((c) =>
          /is not configured: the API key \(client id\) and secret key, or the webhook security token/.test(
            String(c.args[0]),
          ),
        ),
    );
  });
});
