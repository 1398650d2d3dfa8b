import assert from 'node:assert/strict';
import type { FedexConfigNode } from '../../../nodes/fedex/config-api';
import type { FedexSim } from '../../../sim/fedex/server';
import { startCaptureServer } from '../../support/capture-server';
import { SIM_ACCOUNT, SIM_CLIENT_ID, SIM_CLIENT_SECRET, startSim } from '../../unit/fedex/sim';
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

  it('"Test connection" never sends the stored secret to a URL other than the deployed one', async () => {
    const capture = await startCaptureServer();
    try {
      await helper.load(
        modules,
        [configNode(sim)],
        credentials({ childKey: 'ck-1', childSecret: 'stored-child-secret' }),
      );
      const secrets = [SIM_CLIENT_SECRET, 'stored-child-secret'];
      const attempts = [
        // the deployed node, another URL
        { id: 'fx', environment: 'custom', url: capture.url },
        // production instead of the deployed custom URL
        { id: 'fx', environment: 'production' },
        // a node that is not deployed, and an id of another type
        { id: 'not-deployed', environment: 'custom', url: capture.url },
      ];
      for (const a of attempts) {
        const res = await helper
          .request()
          .post('/sage-x3-shipping/fedex/test')
          .send({
            ...a,
            accountNumber: SIM_ACCOUNT,
            credentials: {
              clientId: SIM_CLIENT_ID,
              clientSecret: '__PWRD__',
              childKey: 'ck-1',
              childSecret: '__PWRD__',
            },
          });
        if (a.id === 'not-deployed') {
          // nothing is stored for it: the test runs with what was typed and fails on the missing secret
          assert.equal(res.status, 200);
          assert.equal(res.body.ok, false);
        } else {
          assert.equal(res.status, 400, JSON.stringify(a));
          assert.equal(res.body.ok, false);
          assert.match(res.body.message, /type clientSecret, childSecret again/);
        }
        for (const secret of secrets) assert.ok(!JSON.stringify(res.body).includes(secret));
      }
      assert.equal(capture.requests.length, 0);
      assert.equal(sim.state.tokenRequests.length, 0);

      // typed again, the secret goes where the user asked, and only the typed one
      const typed = await helper
        .request()
        .post('/sage-x3-shipping/fedex/test')
        .send({
          id: 'fx',
          environment: 'custom',
          url: capture.url,
          credentials: { clientId: SIM_CLIENT_ID, clientSecret: 'typed-secret-9', childKey: '', childSecret: '' },
        });
      assert.equal(typed.status, 200);
      assert.ok(capture.requests.length > 0, 'the test called the URL it was given');
      assert.match(capture.text(), /typed-secret-9/);
      for (const secret of secrets) assert.ok(!capture.text().includes(secret), 'no stored secret sent');

      // the deployed URL, written with another spelling, still uses the stored secret
      const same = await helper
        .request()
        .post('/sage-x3-shipping/fedex/test')
        .send({
          id: 'fx',
          environment: 'custom',
          url: `${sim.url.replace('http://', 'HTTP://')}/`,
          credentials: { clientId: SIM_CLIENT_ID, clientSecret: '__PWRD__' },
        })
        .expect(200);
      assert.equal(same.body.ok, true, JSON.stringify(same.body));
    } finally {
      await capture.close();
    }
  });

  it('warns when the credentials are missing', async () => {
    await helper.load(modules, [configNode(sim)], { fx: {} });
    const cfg = helper.getNode('fx');
    assert.ok(
      cfg.warn.getCalls().some((c) => /enter the FedEx API key \(client id\) and secret key/.test(String(c.args[0]))),
    );
  });
});
