import assert from 'node:assert/strict';
import { ApiError } from '../../../nodes/core/errors';
import type { TokenStatus } from '../../../nodes/core/token-cache';
import { authLockouts } from '../../../nodes/fedex/auth-gate';
import { describeFedexError, type FedexClient } from '../../../nodes/fedex/client';
import { buildShipment } from '../../../nodes/fedex/mapping';
import type { FedexSim } from '../../../sim/fedex/server';
import { salesDelivery, settings, x3Of } from './fixtures';
import { driveVirtualTime, httpInFlight, installClock } from '../shipstation/virtual-time';
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, simClient, startSim, tokenRequestsOk } from './sim';

function request(doc: string): Record<string, unknown> {
  return buildShipment({
    record: salesDelivery(doc),
    x3: x3Of('salesDelivery', doc),
    settings: settings(),
    accountNumber: '740561073',
    now: Date.now(),
  }).request;
}

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

describe('fedex/client against the FedEx simulator', function () {
  this.timeout(20_000);
  let sim: FedexSim;
  let client: FedexClient | undefined;

  beforeEach(async () => {
    sim = await startSim();
  });
  afterEach(async () => {
    authLockouts.clear(); // a lockout outlives its client: none may reach a later test on a reused port
    await client?.close();
    client = undefined;
    await sim.close();
  });

  it('1,000 concurrent calls through one client make exactly one (form-encoded) token request', async () => {
    client = simClient(sim);
    const c = client;
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        c.trackByNumbers([String(794_900_000_000 + i)], { includeDetailedScans: false }),
      ),
    );
    assert.equal(answers.length, 1000);
    assert.equal(sim.state.tokenRequests.length, 1);
    assert.equal(sim.state.tokenRequests[0].outcome, 'issued');
    assert.equal(sim.state.tokenRequests[0].grantType, 'client_credentials');
    assert.equal(client.stats.tokenRequests, 1);
    assert.equal(client.tokenStatus().state, 'ok');
  });

  it('refreshes the token ahead of its expiry (refresh margin), not per call', async () => {
    let now = Date.now();
    await sim.close();
    sim = await startSim({ now: () => now, tokenLifetimeSec: 3600 });
    client = simClient(sim, { now: () => now, refreshMarginMs: 5 * 60_000 });
    await client.trackByNumbers(['794900000001']);
    now += 50 * 60_000; // 50 min: still more than the margin left
    await client.trackByNumbers(['794900000001']);
    assert.equal(tokenRequestsOk(sim), 1);
    now += 6 * 60_000; // 56 min: inside the 5-minute margin
    await client.trackByNumbers(['794900000001']);
    assert.equal(tokenRequestsOk(sim), 2);
  });

  it("reads FedEx's error envelope into an ApiError (code, message, transaction id) and does not retry a 400", async () => {
    client = simClient(sim);
    const bad = request('SD1');
    (bad.requestedShipment as Record<string, unknown>).serviceType = 'SMART_POST';
    await assert.rejects(client.createShipment(bad), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.system, 'fedex');
      assert.equal(e.status, 400);
      assert.ok(e.code.length > 0);
      assert.match(e.message, /POST \/ship\/v1\/shipments: /);
      assert.ok(e.requestId);
      assert.equal(e.retryable, false);
      return true;
    });
    assert.equal(sim.state.creates.length, 1);
    assert.deepEqual(
      describeFedexError(401, { transactionId: 't', errors: [{ code: 'NOT.AUTHORIZED.ERROR', message: 'no' }] }),
      {
        code: 'NOT.AUTHORIZED.ERROR',
        message: 'NOT.AUTHORIZED.ERROR: no',
        requestId: 't',
      },
    );
  });

  it('rides out a 429 burst with backoff: every call succeeds', async () => {
    client = simClient(sim);
    sim.config.burst429 = 12;
    const c = client;
    const out = await Promise.all(Array.from({ length: 6 }, (_, i) => c.createShipment(request(`SD${i}`))));
    assert.equal(out.length, 6);
    assert.equal(sim.state.limits.filter((l) => l.status === 429).length, 12);
    assert.equal(sim.state.shipments.length, 6);
  });

  it('paces transactions to the quota so FedEx never answers 429', async () => {
    await sim.close();
    // virtual time: the client's limiter and the simulator's quota window read one fake clock,
    // which moves only while no request is in flight, so a slow machine cannot bunch arrivals
    const clock = installClock(Date.now());
    try {
      const now = (): number => clock.now;
      sim = await startSim({ quotaLimit: 20, quotaWindowMs: 250, now });
      client = simClient(sim, { transactionLimit: 20, transactionWindowMs: 250, windowGuardMs: 40, now });
      const c = client;
      const started = clock.now;
      await driveVirtualTime(
        clock,
        Promise.all(Array.from({ length: 50 }, (_, i) => c.trackByNumbers([String(794_900_000_000 + i)]))),
        () => httpInFlight() > 0,
      );
      assert.equal(sim.state.limits.length, 0, JSON.stringify(sim.state.limits));
      assert.equal(sim.state.trackCalls.length, 50);
      // 20 calls per window of 250 ms + the 40 ms guard: the last 10 go two windows after the first
      const starts = sim.state.trackCalls.map((t) => t.at - started);
      assert.deepEqual(
        [0, 20, 40].map((i) => starts[i]),
        [0, 290, 580],
      );
      assert.ok(clock.now - started >= 2 * 290, 'the limiter held calls back');
    } finally {
      clock.restore();
    }
  });

  it('recognises the auth lockout (bare 403), shows its end, makes no token request before it passes, then carries on', async () => {
    await lockSimIp(sim, 60);
    client = simClient(sim, { lockoutMs: 90 });
    const statuses: TokenStatus[] = [];
    client.on('status', (s: TokenStatus) => statuses.push(s));
    const c = client;
    const started = Date.now();
    const out = await Promise.all(Array.from({ length: 5 }, (_, i) => c.createShipment(request(`SD${i}`))));
    assert.equal(out.length, 5);
    const ours = sim.state.tokenRequests.filter((t) => t.at >= started);
    assert.deepEqual(
      ours.map((t) => t.status),
      [403, 200],
      'one refused request, then one after the lockout',
    );
    assert.ok(ours[1].at - ours[0].at >= 90, 'no token request during the lockout');
    const locked = statuses.find((s) => s.state === 'locked');
    assert.ok(locked?.lockedUntil && locked.lockedUntil >= ours[0].at + 90);
    assert.equal(statuses[statuses.length - 1].state, 'ok');
    assert.equal(sim.state.shipments.length, 5);
    // the lockout was never extended by a request during it
    assert.equal(sim.state.lockouts[0].extensions, 0);
  });

  it('"Test connection" during a lockout answers at once with its end instead of asking FedEx', async () => {
    await lockSimIp(sim, 5_000);
    client = simClient(sim, { lockoutMs: 5_000, authRetries: 0 });
    await assert.rejects(client.testConnection(), (e: unknown) => e instanceof ApiError && e.status === 403);
    const requests = sim.state.tokenRequests.length;
    await assert.rejects(
      client.testConnection(),
      (e: unknown) =>
        e instanceof ApiError && e.code === 'AUTH_LOCKED_OUT' && /locked this IP out until/.test(e.message),
    );
    assert.equal(sim.state.tokenRequests.length, requests);
  });

  it('a bare 403 on a business call (IP penalty) holds every call of the host until it is over', async () => {
    client = simClient(sim, { lockoutMs: 80 });
    await client.testConnection();
    await lockSimIp(sim, 50);
    const before = sim.state.requests.length;
    const c = client;
    const out = await Promise.all(Array.from({ length: 3 }, (_, i) => c.createShipment(request(`SD${i}`))));
    assert.equal(out.length, 3);
    const forbidden = sim.state.requests
      .slice(before)
      .filter((r) => r.status === 403 && r.path === '/ship/v1/shipments');
    assert.ok(forbidden.length >= 1 && forbidden.length <= 3);
    assert.equal(sim.state.shipments.length, 3);
  });

  it("fails fast with the issuer's error on bad credentials, without echoing the secret", async () => {
    client = simClient(sim, { credentials: { clientId: SIM_CLIENT_ID, clientSecret: 'wrong-secret-value' } });
    await assert.rejects(client.trackByNumbers(['794900000001']), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 401);
      assert.equal(e.code, 'NOT.AUTHORIZED.ERROR');
      assert.doesNotMatch(JSON.stringify(e) + e.message, /wrong-secret-value/);
      return true;
    });
    assert.equal(client.tokenStatus().state, 'failed');
  });

  it('refuses more than 30 numbers in one Track call before sending', async () => {
    client = simClient(sim);
    const numbers = Array.from({ length: 31 }, (_, i) => String(794_900_000_000 + i));
    await assert.rejects(client.trackByNumbers(numbers), /tracking numbers has more than 30 entries/);
    assert.equal(sim.state.requests.length, 0);
  });
});
