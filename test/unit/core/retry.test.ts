import assert from 'node:assert/strict';
import sinon from 'sinon';
import { backoffDelay, parseRetryAfter, sleep } from '../../../nodes/core/retry';

/** Deterministic uniform sampler so "many samples" covers the whole [0, 1) range the same way each run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('core/retry', () => {
  describe('backoffDelay (full jitter)', () => {
    const policy = { baseDelayMs: 500, maxDelayMs: 30_000 };

    it('stays within [0, min(max, base*2^n)) over many samples, for every attempt', () => {
      const random = seeded(42);
      for (let attempt = 0; attempt <= 12; attempt++) {
        const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
        let lowest = Infinity;
        let highest = -Infinity;
        for (let i = 0; i < 5000; i++) {
          const d = backoffDelay(attempt, policy, random);
          assert.ok(Number.isInteger(d), `delay ${d} is a whole number of ms`);
          assert.ok(d >= 0 && d < ceiling, `attempt ${attempt}: ${d} not in [0, ${ceiling})`);
          lowest = Math.min(lowest, d);
          highest = Math.max(highest, d);
        }
        // Full jitter spreads over the whole range, not just near the ceiling.
        assert.ok(lowest < ceiling * 0.05, `attempt ${attempt}: lowest ${lowest} should be near 0`);
        assert.ok(highest > ceiling * 0.95, `attempt ${attempt}: highest ${highest} should be near ${ceiling}`);
      }
    });

    it('uses the extremes of random() without reaching the ceiling', () => {
      assert.equal(
        backoffDelay(0, policy, () => 0),
        0,
      );
      assert.equal(
        backoffDelay(0, policy, () => 0.999999),
        499,
      );
      assert.equal(
        backoffDelay(3, policy, () => 0.999999),
        3999,
      );
      assert.equal(
        backoffDelay(20, policy, () => 0.999999),
        29_999,
      );
    });

    it('treats a negative attempt as the first retry', () => {
      assert.equal(
        backoffDelay(-3, policy, () => 0.5),
        250,
      );
    });

    it('defaults to Math.random', () => {
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(2, policy);
        assert.ok(d >= 0 && d < 2000);
      }
    });
  });

  describe('parseRetryAfter', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');

    it('reads delta-seconds', () => {
      assert.equal(parseRetryAfter('2', now), 2000);
      assert.equal(parseRetryAfter(' 30 ', now), 30_000);
      assert.equal(parseRetryAfter('0', now), 0);
      assert.equal(parseRetryAfter(5, now), 5000);
      assert.equal(parseRetryAfter('1.5', now), 1500);
    });

    it('reads an HTTP-date relative to now', () => {
      assert.equal(parseRetryAfter('Sun, 01 Mar 2026 12:00:45 GMT', now), 45_000);
      assert.equal(parseRetryAfter(new Date(now + 7000).toUTCString(), now), 7000);
    });

    it('never returns a negative wait for a date in the past', () => {
      assert.equal(parseRetryAfter('Sun, 01 Mar 2026 11:59:00 GMT', now), 0);
    });

    it('returns undefined for missing or unreadable values', () => {
      assert.equal(parseRetryAfter(undefined, now), undefined);
      assert.equal(parseRetryAfter('', now), undefined);
      assert.equal(parseRetryAfter('soon', now), undefined);
      assert.equal(parseRetryAfter('-5', now), undefined);
      assert.equal(parseRetryAfter({}, now), undefined);
    });
  });

  describe('sleep', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ shouldAdvanceTime: false });
    });
    afterEach(() => clock.restore());

    it('resolves after the given time on the (fake) clock', async () => {
      let done = false;
      const p = sleep(1000).then(() => {
        done = true;
      });
      await clock.tickAsync(999);
      assert.equal(done, false);
      await clock.tickAsync(1);
      await p;
      assert.equal(done, true);
    });

    it('rejects when the signal aborts and leaves no timer behind', async () => {
      const ctrl = new AbortController();
      const p = sleep(10_000, ctrl.signal);
      assert.equal(clock.countTimers(), 1);
      ctrl.abort(new Error('stop'));
      await assert.rejects(p, /stop/);
      assert.equal(clock.countTimers(), 0);
    });

    it('rejects at once for an already aborted signal', async () => {
      const ctrl = new AbortController();
      ctrl.abort(new Error('gone'));
      await assert.rejects(sleep(10, ctrl.signal), /gone/);
      assert.equal(clock.countTimers(), 0);
    });
  });
});
