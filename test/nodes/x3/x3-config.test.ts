import { strict as assert } from 'assert';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import configNode = require('../../../nodes/x3/x3-config');
import pollNode = require('../../../nodes/x3/x3-poll');
import { STATE_DIR_NAME } from '../../../nodes/core/state-file';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import type { X3ConfigNode } from '../../../nodes/x3/config-api';
import { startCaptureServer } from '../../support/capture-server';
import { helper, positioned, recorder, startStopServer, statusTexts, useUserDir, waitFor } from './harness';

const TAB = { id: 'tab', type: 'tab', label: 'x3' };
const TEST = '/sage-x3-shipping/x3/test';

describe('x3-config node', () => {
  const userDir = useUserDir();
  startStopServer();
  let sim: X3Sim;
  beforeEach(async () => {
    sim = await startX3Sim({ port: 0, host: '127.0.0.1', records: { customer: 2 } });
  });
  afterEach(async () => {
    await sim.close();
  });

  const config = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: 'cfg',
    type: 'x3-config',
    url: sim.url,
    folder: 'SEED',
    api: 'graphql',
    auth: 'connected-app',
    ...extra,
  });

  it('"Test connection" reports success, or X3\'s own error text, and uses the stored password for "__PWRD__"', async () => {
    await helper.load([configNode], [config({ auth: 'basic', api: 'rest' })], {
      cfg: { username: 'admin', password: 'admin-password' },
    });
    const settings = { url: sim.url, folder: 'SEED', api: 'rest', auth: 'basic' };
    let res = await helper
      .request()
      .post(TEST)
      .send({ id: 'cfg', settings, credentials: { username: 'admin', password: '__PWRD__' } })
      .expect(200);
    assert.equal(res.body.ok, true);
    assert.match(res.body.message, /^REST OK \(folder SEED, read customer C\d+\); SOAP OK \(pool SEED\)$/);

    res = await helper
      .request()
      .post(TEST)
      .send({ id: 'cfg', settings, credentials: { username: 'admin', password: 'not-the-password' } })
      .expect(200);
    assert.equal(res.body.ok, false);
    assert.match(res.body.message, /X3 refused the credentials \(HTTP 401\): Invalid user or password/);
    assert.doesNotMatch(JSON.stringify(res.body), /not-the-password|admin-password/);

    res = await helper
      .request()
      .post(TEST)
      .send({
        settings: { ...settings, api: 'graphql', auth: 'connected-app' },
        credentials: { clientId: 'sim-connected-app', clientSecret: 'wrong', user: 'admin' },
      })
      .expect(200);
    assert.equal(res.body.ok, false);
    assert.match(res.body.message, /Error 50: Invalid token/);

    res = await helper
      .request()
      .post(TEST)
      .send({
        settings: { ...settings, folder: 'NOPE', api: 'graphql' },
        credentials: { username: 'admin', password: 'admin-password' },
      })
      .expect(200);
    assert.equal(res.body.ok, false);
    assert.match(res.body.message, /NOPE/);

    res = await helper
      .request()
      .post(TEST)
      .send({ settings: { folder: 'SEED' } })
      .expect(200);
    assert.deepEqual(res.body, {
      ok: false,
      message: 'x3-config: the X3 server URL is required (e.g. https://x3.example.com:8124)',
    });
  });

  it('OAuth2: the rotated refresh token is kept in the user dir and removed when the config node is deleted', async () => {
    const flow = positioned([
      TAB,
      config({ auth: 'oauth2', tokenUrl: `${sim.url}/token` }),
      {
        id: 'poll',
        type: 'x3-poll',
        z: 'tab',
        server: 'cfg',
        entity: 'customer',
        initial: 'all',
        interval: 3600,
        wires: [['out']],
      },
      { id: 'out', type: 'helper', z: 'tab' },
    ]);
    await helper.load([configNode, pollNode], flow, {
      cfg: {
        clientId: 'sim-oauth-client',
        clientSecret: 'sim-oauth-secret',
        refreshToken: 'sim-initial-refresh-token',
      },
    });
    const out = recorder(helper.getNode('out'));
    await waitFor(() => out.length === 2, 'customers');
    const file = join(userDir.dir(), STATE_DIR_NAME, 'x3-oauth2-cfg.json');
    assert.ok(existsSync(file));
    assert.doesNotMatch(readFileSync(file, 'utf8'), /sim-initial-refresh-token/);
    // a redeploy keeps it
    await helper.setFlows(flow, 'full', {
      cfg: { clientId: 'sim-oauth-client', clientSecret: 'sim-oauth-secret', refreshToken: '__PWRD__' },
    });
    assert.ok(existsSync(file));
    // deleting the config node removes it
    await helper.setFlows(positioned([TAB]), 'full');
    assert.equal(existsSync(file), false);
  });

  it('"Test connection" never sends the stored secrets to a URL other than the deployed node\'s', async () => {
    const capture = await startCaptureServer();
    try {
      await helper.load(
        [configNode],
        [
          config({ auth: 'basic', api: 'rest' }),
          { ...config({ auth: 'oauth2', tokenUrl: `${sim.url}/token` }), id: 'cfg2' },
        ],
        {
          cfg: { username: 'admin', password: 'admin-password' },
          cfg2: {
            clientId: 'sim-oauth-client',
            clientSecret: 'sim-oauth-secret',
            refreshToken: 'sim-initial-refresh-token',
          },
        },
      );
      const secrets = ['admin-password', 'sim-oauth-secret', 'sim-initial-refresh-token'];
      const basic = { url: sim.url, folder: 'SEED', api: 'rest', auth: 'basic' };
      const oauth2 = { url: sim.url, folder: 'SEED', api: 'graphql', auth: 'oauth2', tokenUrl: `${sim.url}/token` };
      const attempts: Array<{ id: string; settings: Record<string, unknown>; credentials: Record<string, string> }> = [
        {
          id: 'cfg',
          settings: { ...basic, url: capture.url },
          credentials: { username: 'admin', password: '__PWRD__' },
        },
        { id: 'cfg', settings: { ...basic, soapPath: `${capture.url}/soap` }, credentials: { username: 'admin' } },
        {
          id: 'cfg',
          settings: { ...basic, rejectUnauthorized: false },
          credentials: { username: 'admin', password: '__PWRD__' },
        },
        {
          id: 'cfg2',
          settings: { ...oauth2, tokenUrl: `${capture.url}/token` },
          credentials: { clientId: 'sim-oauth-client', clientSecret: '__PWRD__', refreshToken: '__PWRD__' },
        },
        {
          id: 'cfg2',
          settings: { ...oauth2, url: capture.url },
          credentials: { clientId: 'sim-oauth-client', clientSecret: '__PWRD__', refreshToken: 'typed-refresh' },
        },
        // an x3-config id whose settings the request copies, but of another config node's stored secrets
        {
          id: 'cfg',
          settings: { ...oauth2, tokenUrl: `${capture.url}/token` },
          credentials: { clientId: 'c', password: '__PWRD__' },
        },
      ];
      for (const a of attempts) {
        const res = await helper.request().post(TEST).send(a);
        assert.equal(res.status, 400, JSON.stringify(a));
        assert.equal(res.body.ok, false);
        assert.match(res.body.message, /Stored secrets are sent only to the URL the deployed node uses.*again to test/);
        for (const secret of secrets) assert.ok(!JSON.stringify(res.body).includes(secret));
      }
      assert.equal(capture.requests.length, 0);
    } finally {
      await capture.close();
    }
  });

  it('OAuth2 "Test connection" never writes the deployed node\'s refresh-token file', async () => {
    const flow = positioned([
      TAB,
      config({ auth: 'oauth2', tokenUrl: `${sim.url}/token` }),
      {
        id: 'poll',
        type: 'x3-poll',
        z: 'tab',
        server: 'cfg',
        entity: 'customer',
        initial: 'all',
        interval: 3600,
        wires: [['out']],
      },
      { id: 'out', type: 'helper', z: 'tab' },
    ]);
    await helper.load([configNode, pollNode], flow, {
      cfg: {
        clientId: 'sim-oauth-client',
        clientSecret: 'sim-oauth-secret',
        refreshToken: 'sim-initial-refresh-token',
      },
    });
    const out = recorder(helper.getNode('out'));
    await waitFor(() => out.length === 2, 'customers');
    const file = join(userDir.dir(), STATE_DIR_NAME, 'x3-oauth2-cfg.json');
    const before = readFileSync(file, 'utf8');
    const grants = sim.logs.tokens.length;
    const settings = { url: sim.url, folder: 'SEED', api: 'graphql', auth: 'oauth2', tokenUrl: `${sim.url}/token` };

    // the deployed chain: the test borrows the deployed node's access token, spends no refresh token
    const same = await helper
      .request()
      .post(TEST)
      .send({
        id: 'cfg',
        settings,
        credentials: { clientId: 'sim-oauth-client', clientSecret: '__PWRD__', refreshToken: '__PWRD__' },
      })
      .expect(200);
    assert.equal(same.body.ok, true, same.body.message);
    assert.equal(sim.logs.tokens.length, grants, 'no token request');

    // a refresh token pasted in the dialog (a new pairing) rotates at X3 but stays in memory
    const code = ((await (await fetch(`${sim.url}/__sim/oauth2/code`, { method: 'POST' })).json()) as { code: string })
      .code;
    const paired = (await (
      await fetch(`${sim.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'authorization_code',
          code,
          client_id: 'sim-oauth-client',
          client_secret: 'sim-oauth-secret',
        }),
      })
    ).json()) as { refresh_token: string };
    const pasted = await helper
      .request()
      .post(TEST)
      .send({
        id: 'cfg',
        settings,
        credentials: { clientId: 'sim-oauth-client', clientSecret: '__PWRD__', refreshToken: paired.refresh_token },
      })
      .expect(200);
    assert.equal(pasted.body.ok, true, pasted.body.message);
    assert.equal(sim.logs.tokens.at(-1)?.grantType, 'refresh_token', 'the test rotated the pasted token at X3');
    assert.equal(sim.logs.tokens.length, grants + 2);

    assert.equal(readFileSync(file, 'utf8'), before, 'the refresh-token file is untouched');
    // and the deployed chain still works: a forced refresh spends the token in the file
    const cache = (helper.getNode('cfg') as unknown as X3ConfigNode).getConnection().tokenCache!;
    cache.clear();
    await cache.get();
    assert.notEqual(readFileSync(file, 'utf8'), before, 'the deployed node rotated its own chain');
  });

  it('shows a token failure on the nodes that use it', async () => {
    const flow = positioned([
      TAB,
      config({ auth: 'oauth2', tokenUrl: `${sim.url}/token` }),
      {
        id: 'poll',
        type: 'x3-poll',
        z: 'tab',
        server: 'cfg',
        entity: 'customer',
        initial: 'all',
        interval: 3600,
        wires: [[]],
      },
    ]);
    await helper.load([configNode, pollNode], flow, {
      cfg: { clientId: 'sim-oauth-client', clientSecret: 'bad-secret', refreshToken: 'sim-initial-refresh-token' },
    });
    await waitFor(
      () => statusTexts(helper.getNode('poll')).some((t) => /^auth failed, retry \d\d:\d\d:\d\dZ$/.test(t)),
      'auth status',
    );
  });

  it('reports invalid settings on the config node and on its users', async () => {
    await helper.load(
      [configNode, pollNode],
      positioned([
        TAB,
        config({ url: 'ftp://x3' }),
        { id: 'poll', type: 'x3-poll', z: 'tab', server: 'cfg', wires: [[]] },
      ]),
      { cfg: { clientId: 'a', clientSecret: 'b' } },
    );
    assert.ok(
      helper
        .getNode('cfg')
        .error.getCalls()
        .some((c) => /must start with http/.test(String(c.args[0]))),
    );
    assert.ok(
      helper
        .getNode('poll')
        .error.getCalls()
        .some((c) => /must start with http/.test(String(c.args[0]))),
    );
    assert.match(statusTexts(helper.getNode('poll')).pop()!, /configuration error/);
  });
});
