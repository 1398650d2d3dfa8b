import assert from 'node:assert/strict';
import sinon from 'sinon';
import { createHeaderBudgetLimiter, createRateLimiter, type RequestLimiter } from '../../../nodes/core/limiter';
import { SHIPSTATION_RATE_HEADERS } from '../../../nodes/shipstation/rate-headers';

/** Largest number of starts inside any half-open window [t, t + windowMs). */
function maxInWindow(starts: number[], windowMs: number): number {
  let max = 0;
  for (const t of starts) max = Math.max(max, starts.filter((s) => s >= t && s < t + windowMs).length);
  return max;
}

describe('core/limiter', () => {
  let clock: sinon.SinonFakeTimers;
  let limiters: RequestLimiter[];

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-03-01T00:00:00Z'), shouldAdvanceTime: false });
    limiters = [];
  });

  afterEach(async () => {
    for (const l of limiters) {
      const stopped = l.stop();
      await clock.tickAsync(100);
      await stopped;
    }
    clock.restore();
  });

  /** Bottleneck yields through setTimeout(0): move the fake clock in 1 ms steps until `p` settles. */
  async function settle<T>(p: Promise<T>, maxMs = 100): Promise<T> {
    let done = false;
    const watched = p.finally(() => {
      done = true;
    });
    for (let i = 0; i < maxMs && !done; i++) await clock.tickAsync(1);
    return watched;
  }

  function keep<L extends RequestLimiter>(l: L): L {
    limiters.push(l);
    return l;
  }

  describe('createRateLimiter', () => {
    it('never starts more than max jobs per window', async () => {
      const limiter = keep(createRateLimiter({ max: 5, windowMs: 1000 }));
      const starts: number[] = [];
      const t0 = Date.now();
      const jobs = Array.from({ length: 23 }, () =>
        limiter.schedule(async () => {
          starts.push(Date.now() - t0);
        }),
      );
      await clock.tickAsync(6000);
      await Promise.all(jobs);
      assert.equal(starts.length, 23);
      assert.ok(maxInWindow(starts, 1000) <= 5, `starts: ${starts.join(',')}`);
      // And the budget is really used: 5 per second, so the 23rd starts in the fifth second.
      assert.ok(starts[22] >= 4000 && starts[22] < 5000, `last start at ${starts[22]}`);
    });

    it('minTimeMs 334 with max 3 per 1000 ms: never more than 3 starts in any second', async () => {
      const limiter = keep(createRateLimiter({ max: 3, windowMs: 1000, minTimeMs: 334 }));
      const starts: number[] = [];
      const jobs = Array.from({ length: 30 }, () =>
        limiter.schedule(async () => {
          starts.push(Date.now());
        }),
      );
      await clock.tickAsync(15_000);
      await Promise.all(jobs);
      assert.equal(starts.length, 30);
      assert.equal(maxInWindow(starts, 1000), 3);
      // And it is not slower than it must be: 30 jobs at 3 per second take about 10 s.
      assert.ok(starts[29] - starts[0] < 10_500, `took ${starts[29] - starts[0]} ms`);
    });

    it('maxConcurrent limits jobs running at once', async () => {
      const limiter = keep(createRateLimiter({ max: 100, windowMs: 1000, maxConcurrent: 2 }));
      let running = 0;
      let peak = 0;
      const jobs = Array.from({ length: 8 }, () =>
        limiter.schedule(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 100));
          running -= 1;
        }),
      );
      await clock.tickAsync(1000);
      await Promise.all(jobs);
      assert.equal(peak, 2);
    });

    it('pauseUntil holds every job until the time passes', async () => {
      const limiter = keep(createRateLimiter({ max: 100, windowMs: 1000 }));
      const t0 = Date.now();
      limiter.pauseUntil(t0 + 5000);
      limiter.pauseUntil(t0 + 1000); // an earlier pause never shortens a longer one
      const starts: number[] = [];
      const jobs = Array.from({ length: 3 }, () => limiter.schedule(async () => starts.push(Date.now() - t0)));
      await clock.tickAsync(4999);
      assert.deepEqual(starts, []);
      await settle(Promise.all(jobs));
      assert.deepEqual(starts, [5000, 5000, 5000]);
    });

    it('passes results and errors of jobs through', async () => {
      const limiter = keep(createRateLimiter({ max: 10, windowMs: 1000 }));
      const ok = limiter.schedule(async () => 42);
      const bad = limiter.schedule(async () => {
        throw new Error('job failed');
      });
      const checked = assert.rejects(bad, /job failed/);
      await clock.tickAsync(10);
      assert.equal(await ok, 42);
      await checked;
      assert.equal(limiter.snapshot().limit, 10);
    });

    it('stop() drops waiting jobs and releases its timers', async () => {
      const limiter = createRateLimiter({ max: 1, windowMs: 1000 });
      const first = limiter.schedule(async () => 1);
      const waiting = limiter.schedule(async () => 2);
      const dropped = assert.rejects(waiting);
      await clock.tickAsync(10);
      assert.equal(await first, 1);
      assert.ok(clock.countTimers() > 0, 'the waiting job holds a timer');
      const stopped = limiter.stop();
      await clock.tickAsync(100);
      await stopped;
      await dropped;
      assert.equal(clock.countTimers(), 0);
    });

    it('starts every job at the earliest moment the window, minTimeMs and arrival order allow', async () => {
      // Reference model: with FIFO starts, job i may start once it arrived, minTimeMs after job
      // i - 1 and windowMs after job i - max (then fewer than max started in the last windowMs).
      const max = 20;
      const windowMs = 1000;
      const minTimeMs = 45;
      const limiter = keep(createRateLimiter({ max, windowMs, minTimeMs }));
      let seed = 42;
      const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const t0 = Date.now();
      const arrivals: number[] = [];
      for (let i = 0, t = 0; i < 300; i++) arrivals.push((t += Math.floor(random() * 100)));
      const starts: number[] = new Array(arrivals.length);
      const jobs: Array<Promise<void>> = [];
      arrivals.forEach((at, i) =>
        setTimeout(() => {
          jobs.push(limiter.schedule(async () => void (starts[i] = Date.now() - t0)));
        }, at),
      );
      await clock.tickAsync(arrivals[arrivals.length - 1] + 60_000);
      await Promise.all(jobs);
      const expected: number[] = [];
      arrivals.forEach((at, i) => {
        let t = at;
        if (i > 0) t = Math.max(t, expected[i - 1] + minTimeMs);
        if (i >= max) t = Math.max(t, expected[i - max] + windowMs);
        expected.push(t);
      });
      assert.deepEqual(starts, expected);
      assert.ok(maxInWindow(starts, windowMs) <= max);
    });

    it('maxConcurrent and the window together: a finishing job lets the next start only when the window allows', async () => {
      const limiter = keep(createRateLimiter({ max: 4, windowMs: 1000, maxConcurrent: 2 }));
      const t0 = Date.now();
      const starts: number[] = [];
      const jobs = Array.from({ length: 10 }, () =>
        limiter.schedule(async () => {
          starts.push(Date.now() - t0);
          await new Promise((r) => setTimeout(r, 100));
        }),
      );
      await clock.tickAsync(5000);
      await Promise.all(jobs);
      // two at a time, 100 ms each, at most 4 per 1000 ms; a slot is free again 1000 ms after its
      // job ended (the first two ended at 100 ms)
      assert.deepEqual(starts, [0, 0, 100, 100, 1100, 1100, 1200, 1200, 2200, 2200]);
    });

    it('a request delayed on its way never lands in the server window of one started a window later', async () => {
      // The server counts arrivals, 3 per 1000 ms. The first three requests are held up 300 ms on
      // their way (a busy event loop, a slow network), later ones are not: counted from their
      // starts alone, the next three start at 1000 ms and arrive within 1000 ms of the first three.
      const max = 3;
      const windowMs = 1000;
      const limiter = keep(createRateLimiter({ max, windowMs }));
      const arrivals: number[] = [];
      let sent = 0;
      const t0 = Date.now();
      const jobs = Array.from({ length: 9 }, () =>
        limiter.schedule(async () => {
          const delay = sent++ < 3 ? 300 : 0;
          await new Promise((r) => setTimeout(r, delay));
          arrivals.push(Date.now() - t0);
          await new Promise((r) => setTimeout(r, 20)); // the answer's way back
        }),
      );
      await clock.tickAsync(5000);
      await Promise.all(jobs);
      assert.equal(arrivals.length, 9);
      for (const a of arrivals) {
        const inWindow = arrivals.filter((b) => b > a - windowMs && b <= a).length;
        assert.ok(
          inWindow <= max,
          `${inWindow} arrivals in the server window ending at ${a} ms: ${arrivals.join(', ')}`,
        );
      }
    });

    it('a job may schedule another from its synchronous part; a job that throws synchronously rejects', async () => {
      const limiter = keep(createRateLimiter({ max: 3, windowMs: 1000 }));
      let inner: Promise<string> | undefined;
      const outer = limiter.schedule(() => {
        inner = limiter.schedule(async () => 'inner');
        return Promise.resolve('outer');
      });
      const thrower = limiter.schedule((): Promise<never> => {
        throw new Error('thrown before any promise');
      });
      const rejected = assert.rejects(thrower, /thrown before any promise/);
      await clock.tickAsync(1);
      assert.equal(await outer, 'outer');
      assert.equal(await inner, 'inner');
      await rejected;
      assert.deepEqual(limiter.snapshot(), { queued: 0, running: 0, limit: 3 });
    });

    it('a pause set while jobs wait for the window holds them until it ends', async () => {
      const limiter = keep(createRateLimiter({ max: 1, windowMs: 1000 }));
      const t0 = Date.now();
      const starts: number[] = [];
      const jobs = [0, 1].map(() => limiter.schedule(async () => void starts.push(Date.now() - t0)));
      await clock.tickAsync(500);
      limiter.pauseUntil(t0 + 3000);
      await clock.tickAsync(5000);
      await Promise.all(jobs);
      assert.deepEqual(starts, [0, 3000]);
    });

    it('a budget of 10^9 per window runs a burst at once', async () => {
      const limiter = keep(createRateLimiter({ max: 1_000_000_000, windowMs: 10_000 }));
      let started = 0;
      const jobs = Array.from({ length: 5000 }, () => limiter.schedule(async () => void (started += 1)));
      assert.equal(started, 5000, 'every job started in the same turn');
      await Promise.all(jobs);
      assert.equal(limiter.snapshot().queued, 0);
    });

    it('after stop() new jobs are refused', async () => {
      const limiter = createRateLimiter({ max: 1, windowMs: 1000 });
      await limiter.stop();
      await assert.rejects(
        limiter.schedule(async () => 1),
        /stopped/,
      );
      assert.equal(clock.countTimers(), 0);
    });
  });

  describe('createHeaderBudgetLimiter', () => {
    /** The budget servers below announce it in ShipStation's headers. */
    const ss = { headers: SHIPSTATION_RATE_HEADERS };

    /** ShipStation-like server: a budget per fixed 60 s window, announced in every response. */
    class BudgetServer {
      remaining: number;
      lowest: number;
      windowStart = Date.now();
      requests = 0;
      starts: number[] = [];
      constructor(
        private readonly limit: number,
        private readonly windowMs = 60_000,
      ) {
        this.remaining = limit;
        this.lowest = limit;
      }
      private roll(): void {
        while (Date.now() >= this.windowStart + this.windowMs) {
          this.windowStart += this.windowMs;
          this.remaining = this.limit;
        }
      }
      /** One request: counted when it arrives, answered after `latencyMs`. */
      async call(latencyMs: number): Promise<Record<string, string>> {
        this.roll();
        this.requests += 1;
        this.starts.push(Date.now());
        this.remaining -= 1;
        this.lowest = Math.min(this.lowest, this.remaining);
        const left = this.remaining;
        const resetSec = Math.ceil((this.windowStart + this.windowMs - Date.now()) / 1000);
        await new Promise((r) => setTimeout(r, latencyMs));
        return {
          'X-Rate-Limit-Limit': String(this.limit),
          'X-Rate-Limit-Remaining': String(left),
          'X-Rate-Limit-Reset': String(resetSec),
        };
      }
    }

    /**
     * What HttpClient does: the job sends, then the headers are observed once the scheduled
     * promise resolves (Bottleneck resolves it a timer turn after the job ended), naming the job.
     */
    function request(limiter: RequestLimiter, server: BudgetServer, latencyMs: number, nameJob = true): Promise<void> {
      const job = (): Promise<Record<string, string>> => server.call(latencyMs);
      return limiter.schedule(job).then((headers) => limiter.observe(headers, nameJob ? job : undefined));
    }

    it('defaultLimit 40 / reserve 2: the server count never goes below the reserve, even with concurrent requests', async () => {
      const server = new BudgetServer(40);
      const limiter = keep(createHeaderBudgetLimiter({ ...ss, defaultLimit: 40, windowMs: 60_000, reserve: 2 }));
      const all = Array.from({ length: 150 }, (_, i) => request(limiter, server, 20 + (i % 7) * 30));
      await clock.tickAsync(5 * 60_000);
      await Promise.all(all);
      assert.equal(server.requests, 150);
      assert.ok(server.lowest >= 2, `the server count went down to ${server.lowest}`);
      // Not over-cautious either: 38 usable per 60 s window, so the 150th goes out in the 4th window.
      const last = server.starts[149] - server.starts[0];
      assert.ok(last >= 180_000 && last < 182_000, `the last request went out after ${last} ms`);
    });

    it('keeps the reserve for callers that do not name the job, when responses arrive in order', async () => {
      const server = new BudgetServer(40);
      const limiter = keep(createHeaderBudgetLimiter({ ...ss, defaultLimit: 40, windowMs: 60_000, reserve: 2 }));
      const all = Array.from({ length: 100 }, () => request(limiter, server, 200, false));
      await clock.tickAsync(4 * 60_000);
      await Promise.all(all);
      assert.equal(server.requests, 100);
      assert.ok(server.lowest >= 2, `the server count went down to ${server.lowest}`);
    });

    it('accounts for requests spent by someone else on the same key', async () => {
      const server = new BudgetServer(40);
      const limiter = keep(createHeaderBudgetLimiter({ ...ss, defaultLimit: 40, windowMs: 60_000, reserve: 2 }));
      // Another integration spent 30 of this window before our first request.
      for (let i = 0; i < 30; i++) void server.call(0);
      const all = Array.from({ length: 30 }, () => request(limiter, server, 50));
      await clock.tickAsync(3 * 60_000);
      await Promise.all(all);
      assert.ok(server.lowest >= 1, `the server count went down to ${server.lowest}`);
    });

    it('keeps the reserve when jobs arrive in a steady trickle', async () => {
      const server = new BudgetServer(40);
      const limiter = keep(createHeaderBudgetLimiter({ ...ss, defaultLimit: 40, windowMs: 60_000, reserve: 2 }));
      const all: Array<Promise<void>> = [];
      for (let i = 0; i < 120; i++) {
        all.push(request(limiter, server, 500));
        await clock.tickAsync(700);
      }
      await clock.tickAsync(3 * 60_000);
      await Promise.all(all);
      assert.ok(server.lowest >= 2, `the server count went down to ${server.lowest}`);
    });

    it('Remaining: 2, Reset: 30 makes the next job wait 30 s', async () => {
      const limiter = keep(createHeaderBudgetLimiter({ ...ss, defaultLimit: 40, windowMs: 60_000, reserve: 2 }));
      const t0 = Date.now();
      await settle(limiter.schedule(async () => undefined));
      const t1 = Date.now();
      limiter.observe({ 'X-Rate-Limit-Limit': '40', 'X-Rate-Limit-Remaining': '2', 'X-Rate-Limit-Reset': '30' });
      const snap = limiter.snapshot();
      assert.equal(snap.remaining, 2);
      assert.equal(snap.resetAt, t1 + 30_000);
      let startedAt: number | undefined;
      const next = limiter.schedule(async () => {
        startedAt = Date.now() - t1;
      });
      await clock.tickAsync(29_999);
      assert.equal(startedAt, undefined, 'held until the reset');
      await settle(next);
      assert.equal(startedAt, 30_000);
      assert.ok(t1 - t0 < 100);
    });

    it('a higher announced limit is used after the reset', async () => {
      const limiter = keep(createHeaderBudgetLimiter({ ...ss, defaultLimit: 40, windowMs: 60_000, reserve: 2 }));
      await settle(limiter.schedule(async () => undefined));
      limiter.observe({ 'x-rate-limit-limit': '200', 'x-rate-limit-remaining': '2', 'x-rate-limit-reset': '10' });
      assert.equal(limiter.snapshot().limit, 200);
      let started = 0;
      const jobs = Array.from({ length: 198 }, () => limiter.schedule(async () => void (started += 1)));
      await clock.tickAsync(9_999);
      assert.equal(started, 0);
      await settle(Promise.all(jobs), 1000);
      assert.equal(started, 198);
    });

    it('pauseUntil holds jobs', async () => {
      const limiter = keep(createHeaderBudgetLimiter({ ...ss, defaultLimit: 40, windowMs: 60_000, reserve: 2 }));
      const t0 = Date.now();
      limiter.pauseUntil(t0 + 2000);
      let startedAt: number | undefined;
      const job = limiter.schedule(async () => {
        startedAt = Date.now() - t0;
      });
      await clock.tickAsync(1999);
      assert.equal(startedAt, undefined);
      await settle(job);
      assert.equal(startedAt, 2000);
    });

    it('without headers it spends defaultLimit - reserve per window, refilled each window', async () => {
      const limiter = keep(createHeaderBudgetLimiter({ ...ss, defaultLimit: 10, windowMs: 60_000, reserve: 2 }));
      const t0 = Date.now();
      const starts: number[] = [];
      const jobs = Array.from({ length: 20 }, () =>
        limiter
          .schedule(async () => {
            starts.push(Date.now() - t0);
          })
          .then(() => limiter.observe({ 'content-type': 'application/json' })),
      );
      await clock.tickAsync(3 * 60_000);
      await Promise.all(jobs);
      assert.equal(starts.filter((s) => s < 60_000).length, 8);
      assert.equal(starts.filter((s) => s >= 60_000 && s < 120_000).length, 8);
      assert.equal(starts.filter((s) => s >= 120_000).length, 4);
      assert.equal(starts[8], 60_000);
    });

    it('reads custom header names, case-insensitively', async () => {
      const limiter = keep(
        createHeaderBudgetLimiter({
          defaultLimit: 100,
          windowMs: 60_000,
          reserve: 0,
          headers: { limit: 'RateLimit-Limit', remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset' },
        }),
      );
      limiter.observe({ 'ratelimit-limit': ['50'], 'ratelimit-remaining': '0', 'ratelimit-reset': '5' });
      const snap = limiter.snapshot();
      assert.equal(snap.limit, 50);
      assert.equal(snap.remaining, 0);
      let started = false;
      const job = limiter.schedule(async () => void (started = true));
      await clock.tickAsync(4999);
      assert.equal(started, false);
      await settle(job);
      assert.equal(started, true);
    });

    it('stop() releases its timers and drops queued jobs', async () => {
      const limiter = createHeaderBudgetLimiter({ ...ss, defaultLimit: 3, windowMs: 60_000, reserve: 2 });
      assert.ok(clock.countTimers() > 0, 'a refill timer is armed');
      await settle(limiter.schedule(async () => undefined));
      const queued = limiter.schedule(async () => undefined);
      const dropped = assert.rejects(queued);
      const stopped = limiter.stop();
      await clock.tickAsync(100);
      await stopped;
      await dropped;
      assert.equal(clock.countTimers(), 0);
      limiter.observe({ 'x-rate-limit-remaining': '5', 'x-rate-limit-reset': '1' });
      assert.equal(clock.countTimers(), 0, 'no timer armed after stop');
    });
  });
});
