import assert from 'node:assert/strict';
import sinon from 'sinon';
import { ApiError } from '../../../nodes/core/errors';
import { createRateLimiter, type RequestLimiter } from '../../../nodes/core/limiter';
import { TokenCache, type TokenGrant, type TokenStatus } from '../../../nodes/core/token-cache';

interface Issued {
  token: string;
  /** fake-clock ms when the issuer created it */
  issuedAt: number;
  expiresInMs: number;
}

/** A token issuer on the fake clock: answers after `latencyMs`, counts requests, can be told to fail. */
class FakeIssuer {
  issued: Issued[] = [];
  starts: number[] = [];
  latencyMs = 0;
  lifetimeMs = 300_000;
  failWith?: unknown;

  fetch = (): Promise<TokenGrant> => {
    this.starts.push(Date.now());
    return new Promise<TokenGrant>((resolve, reject) => {
      const answer = (): void => {
        if (this.failWith !== undefined) {
          reject(this.failWith);
          return;
        }
        const issued = { token: `tok-${this.issued.length + 1}`, issuedAt: Date.now(), expiresInMs: this.lifetimeMs };
        this.issued.push(issued);
        resolve({ token: issued.token, expiresInMs: issued.expiresInMs });
      };
      if (this.latencyMs > 0) setTimeout(answer, this.latencyMs);
      else answer();
    });
  };

  get calls(): number {
    return this.starts.length;
  }

  find(token: string): Issued {
    const found = this.issued.find((i) => i.token === token);
    assert.ok(found, `unknown token ${token}`);
    return found;
  }
}

describe('core/token-cache', () => {
  let clock: sinon.SinonFakeTimers;
  let issuer: FakeIssuer;
  const caches: TokenCache[] = [];
  const limiters: RequestLimiter[] = [];

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-03-01T00:00:00Z'), shouldAdvanceTime: false });
    issuer = new FakeIssuer();
  });

  afterEach(async () => {
    for (const c of caches.splice(0)) c.close();
    // Bottleneck yields through setTimeout(0), so stopping needs the fake clock to move.
    for (const l of limiters.splice(0)) {
      const stopped = l.stop();
      await clock.tickAsync(1000);
      await stopped;
    }
    clock.restore();
  });

  function cache(options: Partial<ConstructorParameters<typeof TokenCache>[0]> = {}): TokenCache {
    const c = new TokenCache({ system: 'x3', fetchToken: issuer.fetch, ...options });
    caches.push(c);
    return c;
  }

  it('1,000 concurrent get() callers share exactly one token request', async () => {
    issuer.latencyMs = 200;
    const c = cache({ refreshAfterMs: 240_000 });
    const pending = Array.from({ length: 1000 }, () => c.get());
    assert.equal(issuer.calls, 1);
    await clock.tickAsync(200);
    const tokens = await Promise.all(pending);
    assert.equal(issuer.calls, 1);
    assert.deepEqual(new Set(tokens), new Set(['tok-1']));
    // Later callers are served from the cache.
    assert.equal(await c.get(), 'tok-1');
    assert.equal(issuer.calls, 1);
  });

  it('refreshAfterMs 240 s with a 300 s token: every 10 s for 30 min, no token older than 240 s, one fetch per 240 s', async () => {
    issuer.latencyMs = 150;
    const c = cache({ refreshAfterMs: 240_000 });
    const start = Date.now();
    let maxAge = 0;
    while (Date.now() - start < 30 * 60_000) {
      const p = c.get();
      await clock.tickAsync(150); // lets a refresh, if one was needed, answer
      const token = await p;
      const issued = issuer.find(token);
      const age = Date.now() - issued.issuedAt;
      maxAge = Math.max(maxAge, age);
      assert.ok(age < 240_000, `token ${token} is ${age} ms old`);
      assert.ok(Date.now() < issued.issuedAt + issued.expiresInMs, 'never an expired token');
      await clock.tickAsync(10_000 - 150);
    }
    // 30 min / 240 s = 7.5 -> a fetch at 0, 240, ..., 1680 s, i.e. 8.
    assert.equal(issuer.calls, 8);
    const gaps = issuer.starts.slice(1).map((t, i) => t - issuer.starts[i]);
    for (const gap of gaps) assert.ok(gap >= 240_000 && gap <= 250_000, `refresh gap ${gap} ms`);
    assert.ok(maxAge >= 230_000, `the cache is really used (max age ${maxAge})`);
  });

  it('refreshMarginMs: a 3600 s token with a 300 s margin is replaced 300 s before it expires', async () => {
    issuer.lifetimeMs = 3_600_000;
    issuer.latencyMs = 2000;
    const c = cache({ refreshMarginMs: 300_000 });
    const start = Date.now();
    while (Date.now() - start < 4 * 3_600_000) {
      const p = c.get();
      await clock.tickAsync(2000);
      const token = await p;
      const issued = issuer.find(token);
      const left = issued.issuedAt + issued.expiresInMs - Date.now();
      // Lifetime is counted from when we sent the request, so at most the latency is lost.
      assert.ok(left > 300_000 - 2000 - 60_000, `token ${token} has only ${left} ms left`);
      await clock.tickAsync(60_000 - 2000);
    }
    // 4 h of a 55-minute refresh cycle: fetched at 0, 55, 110, 165, 220 min.
    assert.equal(issuer.calls, 5);
    const gaps = issuer.starts.slice(1).map((t, i) => t - issuer.starts[i]);
    for (const gap of gaps) assert.ok(gap >= 3_300_000 - 2000 && gap <= 3_360_000, `refresh gap ${gap}`);
  });

  it('never hands out a token after its expiry even when the issuer is slow to answer', async () => {
    issuer.lifetimeMs = 60_000;
    issuer.latencyMs = 5000;
    const c = cache(); // no margin at all: the lifetime must be counted from the send time
    const first = c.get();
    await clock.tickAsync(5000);
    const token = await first;
    const issued = issuer.find(token);
    // The issuer made the token at t0+5 s (answer time); we count from t0 (send time): expires t0+60 s.
    await clock.tickAsync(54_999);
    assert.equal(await c.get(), token);
    await clock.tickAsync(1);
    const next = c.get();
    assert.equal(issuer.calls, 2, 'refreshed no later than its real expiry');
    await clock.tickAsync(5000);
    assert.notEqual(await next, token);
    assert.ok(issued.issuedAt + issued.expiresInMs > Date.now() - 5000);
  });

  it('invalidate(token) after many concurrent 401s forces exactly one refresh', async () => {
    issuer.latencyMs = 100;
    const c = cache({ refreshAfterMs: 240_000 });
    const p0 = c.get();
    await clock.tickAsync(100);
    const old = await p0;
    // 500 requests were sent with the old token and all come back 401.
    const retried: Array<Promise<string>> = [];
    for (let i = 0; i < 500; i++) {
      c.invalidate(old);
      retried.push(c.get());
    }
    await clock.tickAsync(100);
    const fresh = await Promise.all(retried);
    assert.equal(issuer.calls, 2);
    assert.deepEqual(new Set(fresh), new Set(['tok-2']));
  });

  it('invalidating an older token does not drop the new one', async () => {
    const c = cache({ refreshAfterMs: 240_000 });
    const old = await c.get();
    c.invalidate(old);
    const fresh = await c.get();
    assert.notEqual(fresh, old);
    // A slow request that was sent with the old token reports its 401 only now.
    c.invalidate(old);
    assert.equal(await c.get(), fresh);
    assert.equal(issuer.calls, 2);
    // An invalidate arriving while the refresh is in flight does not start a second one either.
    issuer.latencyMs = 100;
    c.invalidate(fresh);
    const p = c.get();
    c.invalidate(fresh);
    c.invalidate(old);
    const q = c.get();
    await clock.tickAsync(100);
    assert.equal(await p, await q);
    assert.equal(issuer.calls, 3);
  });

  it('a failed token request holds further requests back for the backoff, then tries again', async () => {
    issuer.failWith = new Error('connect ECONNREFUSED');
    const statuses: TokenStatus[] = [];
    const c = cache({
      refreshAfterMs: 240_000,
      failureBackoff: { baseDelayMs: 1000, maxDelayMs: 60_000 },
      random: () => 0.5,
    });
    c.on('status', (s: TokenStatus) => statuses.push(s));
    await assert.rejects(c.get(), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 'TOKEN_REQUEST_FAILED');
      assert.equal(err.retryable, true);
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
    assert.equal(issuer.calls, 1);
    // wait = base + full jitter (0.5 * 1000) = 1500 ms
    const status = c.getStatus();
    assert.equal(status.state, 'failed');
    assert.equal(status.retryAt, Date.now() + 1500);
    assert.deepEqual(
      statuses.map((s) => s.state),
      ['refreshing', 'failed'],
    );
    for (let i = 0; i < 20; i++) await assert.rejects(c.get(), /ECONNREFUSED/);
    await clock.tickAsync(1499);
    await assert.rejects(c.get(), /ECONNREFUSED/);
    assert.equal(issuer.calls, 1, 'no request during the backoff');
    await clock.tickAsync(1);
    await assert.rejects(c.get(), /ECONNREFUSED/);
    assert.equal(issuer.calls, 2);
    // The second failure waits longer: base + 0.5 * 2000.
    assert.equal(c.getStatus().retryAt, Date.now() + 2000);
    issuer.failWith = undefined;
    await clock.tickAsync(2000);
    assert.equal(await c.get(), 'tok-1');
    assert.equal(c.getStatus().state, 'ok');
    assert.equal(issuer.calls, 3);
  });

  it('a fetchToken that throws synchronously does not wedge the cache', async () => {
    let fail = true;
    const c = cache({
      fetchToken: () => {
        if (fail) throw new Error('bad config');
        return Promise.resolve({ token: 'sync-ok', expiresInMs: 300_000 });
      },
      failureBackoff: { baseDelayMs: 1000, maxDelayMs: 1000 },
      random: () => 0,
    });
    await assert.rejects(c.get(), /bad config/);
    fail = false;
    await clock.tickAsync(1000);
    assert.equal(await c.get(), 'sync-ok');
  });

  it('keeps serving a still-valid token when a proactive refresh fails', async () => {
    const c = cache({
      refreshAfterMs: 240_000,
      failureBackoff: { baseDelayMs: 5000, maxDelayMs: 5000 },
      random: () => 0,
    });
    const token = await c.get();
    await clock.tickAsync(240_000);
    issuer.failWith = new Error('issuer down');
    assert.equal(await c.get(), token, 'the 300 s token is still valid at 240 s');
    assert.equal(c.getStatus().state, 'failed');
    assert.equal(issuer.calls, 2);
    await clock.tickAsync(5000);
    assert.equal(await c.get(), token);
    assert.equal(issuer.calls, 3);
    // Past its expiry the old token is never returned.
    await clock.tickAsync(60_000);
    await assert.rejects(c.get(), /issuer down/);
  });

  it('lockoutOf: state locked with lockedUntil, and no token request until the lockout passes', async () => {
    issuer.failWith = new ApiError({ system: 'fedex', code: 'FORBIDDEN', status: 403, message: 'locked' });
    const c = cache({
      refreshMarginMs: 60_000,
      lockoutOf: (err) => (err instanceof ApiError && err.status === 403 ? 600_000 : undefined),
    });
    const lockedAt = Date.now();
    await assert.rejects(c.get(), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 'AUTH_LOCKED_OUT');
      assert.equal(err.retryAfterMs, 600_000);
      return true;
    });
    const status = c.getStatus();
    assert.equal(status.state, 'locked');
    assert.equal(status.lockedUntil, lockedAt + 600_000);
    issuer.failWith = undefined;
    for (let t = 0; t < 599; t++) {
      await assert.rejects(c.get(), /AUTH_LOCKED_OUT|locked us out/);
      await clock.tickAsync(1000);
    }
    await clock.tickAsync(999);
    await assert.rejects(c.get(), (err: unknown) => err instanceof ApiError && err.retryAfterMs === 1);
    assert.equal(issuer.calls, 1, 'not a single request during the lockout');
    await clock.tickAsync(1);
    assert.equal(await c.get(), 'tok-1');
    assert.equal(issuer.calls, 2);
    assert.equal(c.getStatus().state, 'ok');
  });

  it('a token-request limiter (3 per second) is never exceeded, even when tokens are invalidated in a loop', async () => {
    const limiter = createRateLimiter({ max: 3, windowMs: 1000, minTimeMs: 334 });
    limiters.push(limiter);
    const c = cache({ refreshMarginMs: 60_000, limiter });
    issuer.lifetimeMs = 3_600_000;
    issuer.latencyMs = 10;
    let running = true;
    const hammer = async (): Promise<void> => {
      while (running) {
        const token = await c.get();
        c.invalidate(token); // every call gets a 401
      }
    };
    const workers = Array.from({ length: 50 }, () => hammer());
    await clock.tickAsync(10_000);
    running = false;
    await clock.tickAsync(2000);
    await Promise.all(workers);
    const starts = issuer.starts;
    assert.ok(starts.length >= 25, `the limiter was under pressure (${starts.length} requests in ~12 s)`);
    for (let i = 0; i < starts.length; i++) {
      const inWindow = starts.filter((t) => t >= starts[i] && t < starts[i] + 1000).length;
      assert.ok(inWindow <= 3, `${inWindow} token requests started within 1 s of ${starts[i]}`);
    }
  });

  it('clear() forgets the token; close() refuses further calls and drops a late answer', async () => {
    issuer.latencyMs = 100;
    const c = cache({ refreshAfterMs: 240_000 });
    const p = c.get();
    await clock.tickAsync(100);
    const first = await p;
    c.clear();
    const q = c.get();
    await clock.tickAsync(100);
    assert.notEqual(await q, first);
    c.clear();
    const late = c.get();
    c.close();
    await clock.tickAsync(100);
    await assert.rejects(late, (err: unknown) => err instanceof ApiError && err.code === 'CLOSED');
    await assert.rejects(c.get(), (err: unknown) => err instanceof ApiError && err.code === 'CLOSED');
  });
});
