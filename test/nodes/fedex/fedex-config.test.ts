import assert from 'node:assert/strict';
import type { FedexConfigNode } from '../../../nodes/fedex/config-api';
import type { FedexSim } from '../../../sim/fedex/server';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../nodes/core/errors';
import { STATE_DIR_NAME } from '../../../nodes/core/state-file';
import { authLockouts } from '../../../nodes/fedex/auth-gate';
import { startCaptureServer } from '../../support/capture-server';
import { useUserDir } from '../../support/node-helper';
import { SIM_ACCOUNT, SIM_CLIENT_ID, SIM_CLIENT_SECRET, startSim } from '../../unit/fedex/sim';
import { configNode, credentials, helper, modules, startStopServer } from './harness';

async function lockSimIp(sim: FedexSim, lockoutMs: number): Promise<void> {
  // breach a strict threshold from this IP, then restore FedEx's real thresholds
  const defaults = sim.config.tokenRateRules;
  sim.config.tokenRateRules = [{ limit: 1, windowMs: 60_000 }];
  sim.config.lockoutMs = lockoutMs;
  for (let i = 0; i < 2; i++) {
    await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: SIM_CLIENT_ID,
        client_secret: SIM_CLIENT_SECRET,
      }).toString(),
    });
  }
  sim.config.tokenRateRules = defaults;
  assert.equal(sim.state.lockouts.length, 1);
}

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

  describe('with a user dir', () => {
    const userDir = useUserDir({ prefix: 'fx-config-' });
    // the lockouts below last ten minutes: no later test may inherit one on a reused port
    afterEach(() => authLockouts.clear());

    it('the auth lockout survives a redeploy: the new node makes no token request until it ends', async () => {
      await helper.load(modules, [configNode(sim)], credentials());
      await lockSimIp(sim, 10 * 60_000);
      const cfg = (): FedexConfigNode => helper.getNode('fx') as unknown as FedexConfigNode;
      // the plugin learns of the lockout from a "Test connection" (it gives up at once)
      const res = await helper
        .request()
        .post('/sage-x3-shipping/fedex/test')
        .send({ id: 'fx', environment: 'custom', url: sim.url, credentials: { clientId: SIM_CLIENT_ID } })
        .expect(200);
      assert.equal(res.body.ok, false);
      assert.equal(res.body.error.status, 403);
      const requests = sim.state.tokenRequests.length;
      assert.equal(cfg().client.tokenStatus().state, 'locked');
      // redeploy: the config node (and with it every client of the host) is closed and created again
      await helper.setFlows([configNode(sim, { name: 'redeployed' })], 'full', credentials());
      assert.equal(cfg().name, 'redeployed');
      assert.equal(cfg().client.tokenStatus().state, 'locked', 'the new node knows the lockout');
      await assert.rejects(
        cfg().client.testConnection(),
        (e: unknown) => e instanceof ApiError && e.code === 'AUTH_LOCKED_OUT',
      );
      assert.equal(sim.state.tokenRequests.length, requests, 'no token request during the lockout');
      const file = path.join(userDir.dir(), STATE_DIR_NAME, 'fedex-lockouts.json');
      const ends = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number>;
      assert.ok(
        ends[new URL(sim.url).origin] > Date.now() + 9 * 60_000,
        'the end is kept in the user dir for a restart',
      );
    });
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
