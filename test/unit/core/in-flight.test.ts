import assert from 'node:assert/strict';
import sinon from 'sinon';
import { InFlight } from '../../../nodes/core/in-flight';
import { deferred } from '../../support/deferred';

describe('core/in-flight', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('returns the tracked work itself and forgets it once settled, rejected or not', async () => {
    const work = new InFlight();
    const ok = deferred<number>();
    const bad = deferred<number>();
    const a = work.track(ok.promise);
    const b = work.track(bad.promise);
    assert.equal(work.size, 2);
    ok.resolve(7);
    bad.reject(new Error('boom'));
    assert.equal(await a, 7);
    await assert.rejects(b, /boom/);
    await clock.tickAsync(0);
    assert.equal(work.size, 0);
  });

  it('drain resolves as soon as the work in flight settles, without aborting it', async () => {
    const work = new InFlight();
    const job = deferred();
    const abort = sinon.spy();
    work.track(job.promise, abort);
    let result: unknown;
    void work.drain({ budgetMs: 10_000, graceMs: 3_000 }).then((r) => (result = r));
    await clock.tickAsync(2_999);
    assert.equal(result, undefined, 'still waiting for the work');
    job.resolve();
    await clock.tickAsync(0);
    assert.deepEqual(result, { settled: true, aborted: 0, pending: 0 });
    assert.equal(abort.callCount, 0);
    assert.equal(clock.countTimers(), 0, 'the budget timer is cleared');
  });

  it('waits for work tracked while draining (a chain handing over to its next step)', async () => {
    const work = new InFlight();
    const first = deferred();
    const second = deferred();
    work.track(first.promise);
    let done = false;
    void work.drain({ budgetMs: 10_000, graceMs: 0 }).then(() => (done = true));
    first.resolve();
    work.track(second.promise);
    await clock.tickAsync(1_000);
    assert.equal(done, false, 'the second step is still in flight');
    second.resolve();
    await clock.tickAsync(0);
    assert.equal(done, true);
  });

  it('after the budget aborts what is left, then gives it the grace to record its outcome', async () => {
    const work = new InFlight();
    const job = deferred();
    const recorded: string[] = [];
    work.track(job.promise, () => {
      recorded.push('aborted');
      // the aborted work records 'unknown' a little later, inside the grace
      setTimeout(() => {
        recorded.push('marked unknown');
        job.resolve();
      }, 500);
    });
    let result: unknown;
    void work.drain({ budgetMs: 10_000, graceMs: 3_000 }).then((r) => (result = r));
    await clock.tickAsync(9_999);
    assert.deepEqual(recorded, []);
    await clock.tickAsync(1);
    assert.deepEqual(recorded, ['aborted']);
    await clock.tickAsync(500);
    assert.deepEqual(recorded, ['aborted', 'marked unknown']);
    assert.deepEqual(result, { settled: true, aborted: 1, pending: 0 });
  });

  it('is bounded: work that ignores the abort is reported pending after budget + grace', async () => {
    const work = new InFlight();
    work.track(new Promise<void>(() => undefined));
    work.track(new Promise<void>(() => undefined), () => {
      throw new Error('abort callbacks may throw');
    });
    let result: unknown;
    void work.drain({ budgetMs: 1_000, graceMs: 500 }).then((r) => (result = r));
    await clock.tickAsync(1_499);
    assert.equal(result, undefined);
    await clock.tickAsync(1);
    assert.deepEqual(result, { settled: false, aborted: 2, pending: 2 });
  });

  it('drains at once when nothing is in flight', async () => {
    const work = new InFlight();
    let result: unknown;
    void work.drain({ budgetMs: 10_000, graceMs: 3_000 }).then((r) => (result = r));
    await clock.tickAsync(0);
    assert.deepEqual(result, { settled: true, aborted: 0, pending: 0 });
  });
});
