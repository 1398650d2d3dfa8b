import { strict as assert } from 'assert';
import { ApiError } from '../../../nodes/core/errors';
import type { X3Connection } from '../../../nodes/x3/connection';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { fakeClock, type Clock } from '../sim/x3-helpers';
import { BASIC_CREDS, connect, JWT_CREDS } from './fixtures';

describe('x3-config: Syracuse session reused by Basic-authenticated calls', () => {
  let sim: X3Sim;
  let clock: Clock;
  let conn: X3Connection | undefined;
  beforeEach(async () => {
    clock = fakeClock();
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      now: clock.now,
      records: { customer: 4, product: 5, salesOrder: 3, salesDelivery: 12 },
      sessionIdleSeconds: 600,
    });
  });
  afterEach(async () => {
    await conn?.close();
    conn = undefined;
    await sim.close();
  });

  const keys = (): string[] => sim.store.list('salesDelivery').map((r) => r.key);

  it('a burst of REST reads and SOAP reads opens one session and reuses it', async () => {
    conn = connect(sim, { auth: 'basic', api: 'rest', maxConcurrent: 4 }, BASIC_CREDS, { now: clock.now });
    const def = conn.entity('salesDelivery');
    const c = conn;
    await Promise.all(
      keys().flatMap((k) => [c.client('rest').read(def, k), c.client('soap').read(def, k, { withLines: false })]),
    );
    const s = sim.sessions();
    assert.equal(s.created, 1, JSON.stringify(s));
    assert.equal(s.reused, keys().length * 2 - 1);
  });

  it('opens a new session once the old one has timed out, without failing a call', async () => {
    conn = connect(sim, { auth: 'basic', api: 'rest', sessionTimeoutSeconds: 3600 }, BASIC_CREDS, {
      now: clock.now,
    });
    const def = conn.entity('salesDelivery');
    const [a, b] = keys();
    assert.ok(await conn.client('soap').read(def, a));
    // the client still believes in the session (its timeout is longer than X3's)
    clock.advance(601_000);
    assert.ok(await conn.client('soap').read(def, b));
    assert.ok(await conn.client('rest').read(def, a));
    const s = sim.sessions();
    assert.equal(s.created, 2, JSON.stringify(s));
    assert.equal(s.expired, 1);
    assert.equal(s.reused, 1);
  });

  it('drops a session unused longer than its timeout before X3 does, and logs out on close', async () => {
    conn = connect(sim, { auth: 'basic', api: 'rest', sessionTimeoutSeconds: 300 }, BASIC_CREDS, {
      now: clock.now,
    });
    const def = conn.entity('salesDelivery');
    assert.ok(await conn.client('rest').read(def, keys()[0]));
    clock.advance(301_000);
    assert.ok(await conn.client('rest').read(def, keys()[1]));
    assert.equal(sim.sessions().created, 2);
    assert.equal(sim.sessions().expired, 0);
    await conn.close();
    conn = undefined;
    const s = sim.sessions();
    assert.equal(s.loggedOut, 1, JSON.stringify(s));
    // the first session is left to X3's timeout; the one in use is ended
    assert.equal(s.active, 1);
  });

  it('connected app: bearer calls open no session; SOAP with Basic reuses one', async () => {
    conn = connect(sim, {}, JWT_CREDS, { now: clock.now });
    const def = conn.entity('salesDelivery');
    for (const k of keys().slice(0, 3)) {
      assert.ok(await conn.client('graphql').read(def, k));
      assert.ok(await conn.client('soap').read(def, k));
    }
    assert.deepEqual({ created: sim.sessions().created, reused: sim.sessions().reused }, { created: 1, reused: 2 });
  });

  it('bad credentials still fail with 401, and no cookie or password reaches the message', async () => {
    conn = connect(sim, { auth: 'basic', api: 'rest' }, BASIC_CREDS, { now: clock.now });
    const def = conn.entity('salesDelivery');
    assert.ok(await conn.client('rest').read(def, keys()[0]));
    await conn.close();
    conn = connect(sim, { auth: 'basic', api: 'rest' }, { ...BASIC_CREDS, password: 'wrong-password' });
    const err = await conn
      .client('rest')
      .read(def, keys()[0])
      .then(
        () => assert.fail('expected a 401'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 401);
    assert.doesNotMatch(err.message, /wrong-password|syracuse\.sid/);
  });
});
