import { strict as assert } from 'assert';
import type { X3Sim } from '../../../sim/x3/server';
import { at, gql, http, mintJwt, rest, startTestSim, validJwt, type Clock } from './x3-helpers';

const QUERY = '{ x3MasterData { customer { query(first: 1) { totalCount } } } }';

describe('X3 sim: connected-app JWT', () => {
  let sim: X3Sim;
  let clock: Clock;
  beforeEach(async () => {
    ({ sim, clock } = await startTestSim());
  });
  afterEach(() => sim.close());

  const call = (token: string) => gql(sim, QUERY, undefined, { auth: `Bearer ${token}` });
  const claims = (over: Record<string, unknown> = {}): Record<string, unknown> => {
    const iat = Math.floor(clock.t / 1000) - 30;
    return { iss: sim.auth.connectedApp.clientId, sub: 'admin', aud: '', iat, exp: iat + 300, ...over };
  };

  it('accepts a well-formed token and logs its remaining lifetime', async () => {
    const res = await call(validJwt(sim, clock.t));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.errors, undefined);
    const entry = sim.logs.auth.at(-1)!;
    assert.equal(entry.method, 'jwt');
    assert.equal(entry.ok, true);
    assert.equal(entry.user, 'admin');
    assert.equal(entry.remainingSeconds, 270);
    assert.equal(entry.nearExpiry, false);
    assert.match(entry.tokenId ?? '', /^[0-9a-f]{12}$/);
    assert.equal(sim.logs.jwtSeen.length, 1);
  });

  const rejections: Array<[string, (c: Record<string, unknown>) => Record<string, unknown>, number, string?]> = [
    ['wrong iss', (c) => ({ ...c, iss: 'other-app' }), 41],
    ['sub not an allowed user', (c) => ({ ...c, sub: 'intruder' }), 42],
    ['missing sub', (c) => ({ ...c, sub: undefined }), 42],
    ['wrong aud', (c) => ({ ...c, aud: 'http://server:8124/xtrem/api' }), 45],
    ['expired', (c) => ({ ...c, iat: Number(c.iat) - 600, exp: Number(c.iat) - 1 }), 50],
    ['exp more than 600 s ahead', (c) => ({ ...c, exp: Number(c.iat) + 30 + 601 }), 50],
    ['iat in the future', (c) => ({ ...c, iat: Number(c.iat) + 31 + 5 }), 21],
    ['missing exp', (c) => ({ ...c, exp: undefined }), 50],
  ];
  for (const [name, mutate, code] of rejections) {
    it(`rejects a token with ${name} (Error ${code})`, async () => {
      const res = await call(mintJwt(mutate(claims()), sim.auth.connectedApp.secret));
      assert.equal(res.status, 401);
      assert.equal(res.text, `Error ${code}: Invalid token`);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal(sim.logs.auth.at(-1)?.ok, false);
    });
  }

  it('rejects a bad signature and a non-HS256 alg', async () => {
    assert.equal((await call(mintJwt(claims(), 'wrong-secret'))).text, 'Error 50: Invalid token');
    assert.equal((await call(mintJwt(claims(), sim.auth.connectedApp.secret, { alg: 'none' }))).status, 401);
    assert.equal((await call('not.a.jwt')).status, 401);
  });

  it('accepts exactly 600 s of validity and an iat equal to server time', async () => {
    const nowSec = Math.floor(clock.t / 1000);
    const res = await call(mintJwt(claims({ iat: nowSec, exp: nowSec + 600 }), sim.auth.connectedApp.secret));
    assert.equal(res.status, 200, res.text);
  });

  it('uses the configured audience and the server clock skew', async () => {
    const skewed = (
      await startTestSim(
        { clockSkewMs: 120_000, auth: { connectedApp: { audience: 'http://x3:8124/xtrem/api' } } },
        clock,
      )
    ).sim;
    try {
      const iat = Math.floor(clock.t / 1000);
      const token = (aud: string) =>
        mintJwt(
          { iss: skewed.auth.connectedApp.clientId, sub: 'admin', aud, iat, exp: iat + 100 },
          skewed.auth.connectedApp.secret,
        );
      const wrongAud = await gql(skewed, QUERY, undefined, { auth: `Bearer ${token('')}` });
      assert.equal(wrongAud.text, 'Error 45: Invalid token');
      // the X3 server clock runs 120 s ahead: a 100 s token minted on the client clock is already expired there
      const expired = await gql(skewed, QUERY, undefined, { auth: `Bearer ${token('http://x3:8124/xtrem/api')}` });
      assert.equal(expired.text, 'Error 50: Invalid token');
      assert.equal(skewed.logs.auth.at(-1)?.reason, 'expired');
    } finally {
      await skewed.close();
    }
  });

  it('flags near-expiry tokens and shows the re-mint cadence in jwtSeen', async () => {
    const first = validJwt(sim, clock.t);
    await call(first);
    clock.advance(250_000); // 20 s left of the 270
    await call(first);
    assert.equal(sim.logs.auth.at(-1)?.nearExpiry, true);
    assert.equal(sim.logs.auth.at(-1)?.remainingSeconds, 20);
    await call(validJwt(sim, clock.t));
    assert.deepEqual(
      sim.logs.jwtSeen.map((j) => j.firstSeenAt),
      ['2025-01-31T10:00:00Z', '2025-01-31T10:04:10Z'],
    );
    clock.advance(30_000);
    assert.equal((await call(first)).status, 401);
  });

  it('answers forced401Count on the next N calls whatever the credentials, on every face', async () => {
    sim.config.forced401Count = 2;
    assert.equal((await call(validJwt(sim, clock.t))).status, 401);
    const r = await rest(sim, 'GET', 'BPCUSTOMER?representation=BPCUSTOMER.$query');
    assert.equal(r.status, 401);
    assert.ok(Array.isArray((r.json as { $diagnoses?: unknown[] }).$diagnoses));
    assert.equal((await call(validJwt(sim, clock.t))).status, 200);
    assert.equal(sim.config.forced401Count, 0);
    assert.deepEqual(
      sim.logs.auth.map((a) => a.reason ?? 'ok'),
      ['forced401', 'forced401', 'ok'],
    );
  });
});

describe('X3 sim: OAuth2 token endpoint and Basic', () => {
  let sim: X3Sim;
  let clock: Clock;
  beforeEach(async () => {
    ({ sim, clock } = await startTestSim());
  });
  afterEach(() => sim.close());

  interface TokenBody {
    access_token?: string;
    refresh_token?: string;
    expires_in?: number;
    token_type?: string;
    error?: string;
  }
  const form = (params: Record<string, string>) =>
    http<TokenBody>(sim, 'POST', '/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      raw: new URLSearchParams(params).toString(),
    });
  const refresh = (token: string, over: Record<string, string> = {}) =>
    form({
      grant_type: 'refresh_token',
      refresh_token: token,
      client_id: sim.auth.oauth2.clientId,
      client_secret: sim.auth.oauth2.clientSecret,
      ...over,
    });

  it('rotates refresh tokens: the old one is invalid once used', async () => {
    const first = await refresh(sim.auth.oauth2.initialRefreshToken);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.expires_in, 300);
    assert.equal(first.json.token_type, 'Bearer');
    assert.notEqual(first.json.refresh_token, sim.auth.oauth2.initialRefreshToken);
    const reused = await refresh(sim.auth.oauth2.initialRefreshToken);
    assert.equal(reused.status, 400);
    assert.equal(reused.json.error, 'invalid_grant');
    const second = await refresh(first.json.refresh_token!);
    assert.equal(second.status, 200);
    assert.equal(sim.logs.tokens.length, 2);
    assert.equal(sim.logs.tokens[1].previousRefreshTokenId, sim.logs.tokens[0].refreshTokenId);
    assert.ok(!JSON.stringify(sim.logs.tokens).includes(second.json.access_token!), 'tokens never appear in logs');
  });

  it('accepts JSON bodies and Basic client authentication, rejects a bad client', async () => {
    const json = await http<TokenBody>(sim, 'POST', '/token', {
      body: { grant_type: 'refresh_token', refresh_token: sim.auth.oauth2.initialRefreshToken },
      headers: {
        authorization: `Basic ${Buffer.from(`${sim.auth.oauth2.clientId}:${sim.auth.oauth2.clientSecret}`).toString('base64')}`,
      },
    });
    assert.equal(json.status, 200, json.text);
    const bad = await refresh(json.json.refresh_token!, { client_secret: 'nope' });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error, 'invalid_client');
  });

  it('access tokens last 300 s on the server clock', async () => {
    const tok = (await refresh(sim.auth.oauth2.initialRefreshToken)).json.access_token!;
    const use = () => gql(sim, QUERY, undefined, { auth: `Bearer ${tok}` });
    assert.equal((await use()).status, 200);
    assert.equal(sim.logs.auth.at(-1)?.remainingSeconds, 300);
    clock.advance(299_000);
    assert.equal((await use()).status, 200);
    assert.equal(sim.logs.auth.at(-1)?.nearExpiry, true);
    clock.advance(1000);
    const expired = await use();
    assert.equal(expired.status, 401);
    assert.equal(sim.logs.auth.at(-1)?.reason, 'expired');
  });

  it('serves the X3 Cloud shape: GET /v1/folders then the folder dataService URL', async () => {
    const tok = (await refresh(sim.auth.oauth2.initialRefreshToken)).json.access_token!;
    const folders = await http<{ folders: Array<{ name: string; $urls: { dataService: string } }> }>(
      sim,
      'GET',
      '/v1/folders',
      {
        headers: { authorization: `Bearer ${tok}` },
      },
    );
    assert.equal(folders.status, 200);
    assert.deepEqual(
      folders.json.folders.map((f) => f.name),
      ['SEED'],
    );
    const url = folders.json.folders[0].$urls.dataService;
    assert.equal(url, `${sim.url}/v1/service/SEED/graphQL`);
    const res = await http<{ data?: unknown }>(sim, 'POST', url, {
      headers: { authorization: `Bearer ${tok}` },
      body: { query: QUERY },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(typeof at(res.json.data, 'x3MasterData.customer.query.totalCount'), 'number');
    assert.equal(
      (
        await http(sim, 'POST', '/v1/service/NOPE/graphQL', {
          headers: { authorization: `Bearer ${tok}` },
          body: { query: QUERY },
        })
      ).status,
      400,
    );
  });

  it('refresh tokens expire after 30 days', async () => {
    clock.advance(30 * 24 * 3600 * 1000);
    assert.equal((await refresh(sim.auth.oauth2.initialRefreshToken)).json.error, 'invalid_grant');
  });

  it('exchanges a one-time authorization code', async () => {
    const { code } = (await http<{ code: string }>(sim, 'POST', '/__sim/oauth2/code')).json;
    const params = {
      grant_type: 'authorization_code',
      code,
      client_id: sim.auth.oauth2.clientId,
      client_secret: sim.auth.oauth2.clientSecret,
      redirect_uri: 'http://localhost/cb',
    };
    const ok = await form(params);
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.json.refresh_token);
    assert.equal((await form(params)).json.error, 'invalid_grant');
  });

  it('keeps the refresh token when rotation is off', async () => {
    const noRotate = (await startTestSim({ auth: { oauth2: { rotateRefreshTokens: false } } }, clock)).sim;
    try {
      const body = {
        grant_type: 'refresh_token',
        refresh_token: noRotate.auth.oauth2.initialRefreshToken,
        client_id: noRotate.auth.oauth2.clientId,
        client_secret: noRotate.auth.oauth2.clientSecret,
      };
      const a = await http<TokenBody>(noRotate, 'POST', '/token', { body });
      const b = await http<TokenBody>(noRotate, 'POST', '/token', { body });
      assert.equal(a.json.refresh_token, noRotate.auth.oauth2.initialRefreshToken);
      assert.equal(b.status, 200);
    } finally {
      await noRotate.close();
    }
  });

  it('checks Basic credentials and disabled methods', async () => {
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    assert.equal((await gql(sim, QUERY, undefined, { auth: basic('WSUSER', 'ws-password') })).status, 200);
    const bad = await rest(
      sim,
      'GET',
      'BPCUSTOMER?representation=BPCUSTOMER.$query',
      undefined,
      basic('WSUSER', 'wrong'),
    );
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /^Basic/);
    assert.equal((await http(sim, 'GET', '/api1/x3/erp/SEED/BPCUSTOMER?representation=BPCUSTOMER.$query')).status, 401);
    const jwtOnly = (await startTestSim({ auth: { methods: ['jwt'] } }, clock)).sim;
    try {
      assert.equal((await gql(jwtOnly, QUERY, undefined, { auth: basic('admin', 'admin-password') })).status, 401);
      assert.equal(
        (await gql(jwtOnly, QUERY, undefined, { auth: `Bearer ${validJwt(jwtOnly, clock.t)}` })).status,
        200,
      );
    } finally {
      await jwtOnly.close();
    }
  });
});
