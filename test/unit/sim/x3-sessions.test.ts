import { strict as assert } from 'assert';
import type { X3Sim } from '../../../sim/x3/server';
import { BASIC_ADMIN, http, startTestSim, validJwt, type Clock } from './x3-helpers';

const CUSTOMERS = '/api1/x3/erp/SEED/BPCUSTOMER?representation=BPCUSTOMER.$query&count=1';

describe('X3 sim: Syracuse sessions', () => {
  let sim: X3Sim;
  let clock: Clock;
  beforeEach(async () => {
    ({ sim, clock } = await startTestSim({ records: { customer: 2 }, sessionIdleSeconds: 60 }));
  });
  afterEach(() => sim.close());

  const get = (headers: Record<string, string>) => http(sim, 'GET', CUSTOMERS, { headers });
  const cookieOf = (res: { headers: Headers }): string => (res.headers.get('set-cookie') ?? '').split(';')[0];

  it('opens a session per Basic request without a cookie, and reuses one whose cookie comes back', async () => {
    const first = await get({ authorization: BASIC_ADMIN });
    assert.equal(first.status, 200, first.text);
    const cookie = cookieOf(first);
    assert.match(cookie, /^syracuse\.sid=/);
    await get({ authorization: BASIC_ADMIN });
    assert.deepEqual(sim.sessions(), { created: 2, reused: 0, expired: 0, loggedOut: 0, active: 2 });
    const again = await get({ authorization: BASIC_ADMIN, cookie });
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('set-cookie'), null);
    // the cookie alone is enough while the session lives
    assert.equal((await get({ cookie })).status, 200);
    assert.equal(sim.sessions().created, 2);
    assert.equal(sim.sessions().reused, 2);
  });

  it('expires an idle session: its cookie alone is refused, with Basic a new session opens', async () => {
    const cookie = cookieOf(await get({ authorization: BASIC_ADMIN }));
    clock.advance(59_000);
    assert.equal((await get({ cookie })).status, 200);
    clock.advance(61_000);
    assert.equal((await get({ cookie })).status, 401);
    assert.equal(sim.sessions().expired, 1);
    const renewed = await get({ authorization: BASIC_ADMIN, cookie });
    assert.equal(renewed.status, 200);
    assert.notEqual(cookieOf(renewed), cookie);
    assert.equal(sim.sessions().created, 2);
  });

  it('ends a session on logout', async () => {
    const cookie = cookieOf(await get({ authorization: BASIC_ADMIN }));
    assert.equal((await http(sim, 'POST', '/logout', { headers: { cookie } })).status, 204);
    assert.equal((await get({ cookie })).status, 401);
    assert.deepEqual(sim.sessions(), { created: 1, reused: 0, expired: 0, loggedOut: 1, active: 0 });
  });

  it('opens no session for bearer tokens; counts are in /__sim/state and cleared by reset', async () => {
    const res = await get({ authorization: `Bearer ${validJwt(sim, clock.t)}` });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('set-cookie'), null);
    await get({ authorization: BASIC_ADMIN });
    const state = await http<{ sessions: { created: number } }>(sim, 'GET', '/__sim/state');
    assert.equal(state.json.sessions.created, 1);
    sim.reset();
    assert.equal(sim.sessions().created, 0);
  });
});
