import { strict as assert } from 'node:assert';
import { type FedexSim, startFedexSim } from '../../../sim/fedex/server';
import { sampleTrackRequest } from '../../../sim/fedex/samples';
import { FedexSimClient, type TokenBody } from '../../../sim/fedex/sim-client';

const T0 = Date.parse('2025-03-14T15:00:00Z');

type Envelope = { transactionId: string; errors: Array<{ code: string; message: string }> };

describe('FedEx sim: OAuth token lifecycle', () => {
  let clock: number;
  let sim: FedexSim;
  let client: FedexSimClient;

  beforeEach(async () => {
    clock = T0;
    sim = await startFedexSim({
      now: () => clock,
      webhooks: { pollMs: 0 },
      clients: [
        {
          clientId: 'proj-a',
          clientSecret: 'secret-a',
          accountNumbers: ['740561073'],
          children: [{ childKey: 'child-1', childSecret: 'child-secret-1', accountNumbers: ['700000001'] }],
        },
      ],
    });
    client = new FedexSimClient(sim.url, 'proj-a', 'secret-a');
  });
  afterEach(() => sim.close());

  const track = (token: string | undefined) =>
    client.call<Envelope>('POST', '/track/v1/trackingnumbers', token, sampleTrackRequest(['794953535000']));

  it('issues a bearer token (expires_in 3599, scope CXS) that works until the hour is over', async () => {
    const r = await client.requestToken();
    assert.equal(r.status, 200);
    const body = r.body as TokenBody;
    assert.equal(body.token_type, 'bearer');
    assert.equal(body.expires_in, 3599);
    assert.equal(body.scope, 'CXS');
    assert.match(body.access_token, /^eyJ/);

    assert.equal((await track(body.access_token)).status, 200);
    clock = T0 + 3599_000;
    assert.equal((await track(body.access_token)).status, 200);
    clock = T0 + 3600_000;
    const expired = await track(body.access_token);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.errors[0].code, 'NOT.AUTHORIZED.ERROR');
    assert.match(expired.body.errors[0].message, /^Access token expired/);

    // A fresh token works again.
    assert.equal((await track(await client.token())).status, 200);
    assert.equal(sim.state.tokensIssued.length, 2);
    assert.ok(!JSON.stringify(sim.state).includes(body.access_token), 'tokens never appear in inspection state');
  });

  it('follows a configured token lifetime', async () => {
    sim.config.tokenLifetimeSec = 60;
    const r = await client.requestToken();
    assert.equal((r.body as TokenBody).expires_in, 59);
    const token = (r.body as TokenBody).access_token;
    clock += 59_999;
    assert.equal((await track(token)).status, 200);
    clock += 1;
    assert.equal((await track(token)).status, 401);
  });

  it('rejects JSON bodies and missing or duplicate parameters with 400 BAD.REQUEST.ERROR', async () => {
    const json = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'proj-a', client_secret: 'secret-a' }),
    });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as Envelope).errors[0].code, 'BAD.REQUEST.ERROR');

    const missing = await client.requestToken({ grant_type: '' });
    assert.equal(missing.status, 400);
    const dup = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=proj-a&client_id=proj-a&client_secret=secret-a',
    });
    assert.equal(dup.status, 400);
    const badGrant = await client.requestToken({ grant_type: 'password' });
    assert.equal(badGrant.status, 400);
    assert.deepEqual(
      sim.state.tokenRequests.map((t) => t.outcome),
      ['bad_request', 'bad_request', 'bad_request', 'unsupported_grant_type'],
    );
  });

  it('answers 401 NOT.AUTHORIZED.ERROR to wrong credentials', async () => {
    const r = await new FedexSimClient(sim.url, 'proj-a', 'wrong').requestToken();
    assert.equal(r.status, 401);
    const env = r.body as Envelope;
    assert.equal(env.errors[0].code, 'NOT.AUTHORIZED.ERROR');
    assert.match(env.errors[0].message, /client credentials were not valid/);
    assert.ok(env.transactionId);
    assert.equal((await new FedexSimClient(sim.url, 'nobody', 'x').requestToken()).status, 401);
  });

  it('supports csp_credentials / client_pc_credentials with child_Key and child_secret', async () => {
    const ok = await client.requestToken({
      grant_type: 'csp_credentials',
      child_Key: 'child-1',
      child_secret: 'child-secret-1',
    });
    assert.equal(ok.status, 200);
    assert.equal((ok.body as TokenBody).scope, 'CXS-TP');
    const pc = await client.requestToken({
      grant_type: 'client_pc_credentials',
      child_Key: 'child-1',
      child_secret: 'child-secret-1',
    });
    assert.equal(pc.status, 200);
    assert.equal((await client.requestToken({ grant_type: 'csp_credentials' })).status, 400);
    assert.equal(
      (await client.requestToken({ grant_type: 'csp_credentials', child_Key: 'child-1', child_secret: 'nope' })).status,
      401,
    );
    // Lower-case "child_key" is not FedEx's parameter name.
    assert.equal(
      (
        await client.requestToken({
          grant_type: 'csp_credentials',
          child_key: 'child-1',
          child_secret: 'child-secret-1',
        })
      ).status,
      400,
    );
  });

  it('401s a missing or unknown bearer token', async () => {
    const none = await track(undefined);
    assert.equal(none.status, 401);
    assert.equal(none.body.errors[0].code, 'NOT.AUTHORIZED.ERROR');
    assert.equal((await track('eyJnot-a-token')).status, 401);
  });
});

describe('FedEx sim: token thresholds and lockout', () => {
  let clock: number;
  let sim: FedexSim;
  let client: FedexSimClient;

  beforeEach(async () => {
    clock = T0;
    sim = await startFedexSim({ now: () => clock, webhooks: { pollMs: 0 } });
    client = new FedexSimClient(sim.url);
  });
  afterEach(() => sim.close());

  it('locks the IP out after more than 3 token requests per second: 403 on token and API calls for lockoutMs', async () => {
    sim.config.tokenRateRules = [{ limit: 3, windowMs: 1000 }];
    sim.config.lockoutMs = 60_000;
    const token = await client.token();
    clock += 2000;
    for (let i = 0; i < 3; i++) assert.equal((await client.requestToken()).status, 200);
    const breach = await client.requestToken();
    assert.equal(breach.status, 403);
    assert.equal(breach.text, 'Forbidden', 'a bare 403, not the JSON envelope');

    const api = await client.call('POST', '/track/v1/trackingnumbers', token, sampleTrackRequest(['794953535000']));
    assert.equal(api.status, 403, 'API calls from the locked-out IP are refused too');

    const [lockout] = sim.state.lockouts;
    assert.equal(lockout.until - lockout.startedAt, 60_000);
    assert.deepEqual(lockout.rule, { limit: 3, windowMs: 1000 });

    clock = lockout.until - 1;
    assert.equal(
      (await client.call('POST', '/track/v1/trackingnumbers', token, sampleTrackRequest(['794953535000']))).status,
      403,
    );
    clock = lockout.until;
    assert.equal(
      (await client.call('POST', '/track/v1/trackingnumbers', token, sampleTrackRequest(['794953535000']))).status,
      200,
    );
    assert.equal((await client.requestToken()).status, 200);
    assert.equal(sim.state.tokenRequests.filter((t) => t.outcome === 'locked_out').length, 1);
  });

  it('by default tolerates 15 token requests in 5 s, locks out on the 16th for 10 minutes and extends on a new breach', async () => {
    for (let i = 0; i < 15; i++) {
      assert.equal((await client.requestToken()).status, 200, `request ${i + 1}`);
      clock += 300;
    }
    clock -= 300;
    assert.equal((await client.requestToken()).status, 403);
    const firstUntil = sim.state.lockouts[0].until;
    assert.equal(firstUntil - sim.state.lockouts[0].startedAt, 10 * 60_000);

    // Five minutes later a client hammers again: the penalty restarts from now.
    clock += 5 * 60_000;
    for (let i = 0; i < 16; i++) assert.equal((await client.requestToken()).status, 403);
    assert.equal(sim.state.lockouts.length, 1);
    assert.equal(sim.state.lockouts[0].extensions, 1);
    assert.equal(sim.state.lockouts[0].until, clock + 10 * 60_000);
    clock = firstUntil + 1;
    assert.equal((await client.requestToken()).status, 403, 'still locked: the penalty was extended');
    clock = sim.state.lockouts[0].until;
    assert.equal((await client.requestToken()).status, 200);
  });

  it('also locks out on the 2-minute average rule (more than 120 requests in 120 s)', async () => {
    for (let i = 0; i < 120; i++) {
      assert.equal((await client.requestToken()).status, 200, `request ${i + 1}`);
      clock += 900;
    }
    assert.equal((await client.requestToken()).status, 403);
    assert.deepEqual(sim.state.lockouts[0].rule, { limit: 120, windowMs: 120_000 });
  });
});
