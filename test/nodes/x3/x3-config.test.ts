import { strict as assert } from 'assert';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import configNode = require('../../../nodes/x3/x3-config');
import pollNode = require('../../../nodes/x3/x3-poll');
import { STATE_DIR_NAME } from '../../../nodes/core/state-file';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { helper, positioned, recorder, startStopServer, statusTexts, useUserDir, waitFor } from './harness';

const TAB = { id: 'tab', type: 'tab', label: 'x3' };
const TEST = '/sage-x3-shipping/x3-config/test';

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
