import assert from 'node:assert/strict';
import sinon from 'sinon';
import { PollLoop, type PollLoopOptions } from '../../../nodes/core/poll-loop';

/** A poll the test ends by hand: resolve or reject it, and see whether it was aborted. */
interface Gate {
  context: string;
  signal: AbortSignal;
  finish: () => void;
  fail: (err: unknown) => void;
}

function gatedLoop(extra: Partial<PollLoopOptions<string>> = {}): {
  loop: PollLoop<string>;
  runs: Gate[];
  timedErrors: unknown[];
  failures: Array<{ err: unknown; retryInMs: number }>;
} {
  const runs: Gate[] = [];
  const timedErrors: unknown[] = [];
  const failures: Array<{ err: unknown; retryInMs: number }> = [];
  const loop = new PollLoop<string>({
    intervalMs: 0,
    timedContext: () => 'timer',
    run: (context, signal) =>
      new Promise<void>((resolve, reject) => {
        runs.push({ context, signal, finish: resolve, fail: reject });
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      }),
    onTimedError: (err) => timedErrors.push(err),
    onFailure: (err, retryInMs) => failures.push({ err, retryInMs }),
    ...extra,
  });
  return { loop, runs, timedErrors, failures };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('core/poll-loop', () => {
  let clock: sinon.SinonFakeTimers | undefined;
  afterEach(() => {
    clock?.restore();
    clock = undefined;
  });

  it('runs one poll at a time: requests during a poll share one follow-up with the first one’s context', async () => {
    const { loop, runs } = gatedLoop();
    const settled: string[] = [];
    void loop.poll('a').then(() => settled.push('a'));
    void loop.poll('b').then(() => settled.push('b'));
    void loop.poll('c').then(() => settled.push('c'));
    await flush();
    assert.deepEqual(
      runs.map((r) => r.context),
      ['a'],
    );
    runs[0].finish();
    await flush();
    assert.deepEqual(settled, ['a']);
    assert.deepEqual(
      runs.map((r) => r.context),
      ['a', 'b'],
      'one follow-up, run with the first waiter’s context',
    );
    runs[1].finish();
    await flush();
    assert.deepEqual(settled, ['a', 'b', 'c']);
    assert.equal(runs.length, 2);
  });

  it('a failed follow-up rejects every request that shared it', async () => {
    const { loop, runs, failures } = gatedLoop();
    void loop.poll('a');
    const b = loop.poll('b');
    const c = loop.poll('c');
    await flush();
    runs[0].finish();
    await flush();
    const boom = new Error('boom');
    runs[1].fail(boom);
    await assert.rejects(b, /boom/);
    await assert.rejects(c, /boom/);
    assert.deepEqual(
      failures.map((f) => f.err),
      [boom],
    );
  });

  it('polls on its timer and backs off after failures: interval, 2x, 4x, capped, back to the interval after a success', async () => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const contexts: string[] = [];
    let failing = true;
    const timedErrors: unknown[] = [];
    const retries: number[] = [];
    const loop = new PollLoop<string>({
      intervalMs: 10_000,
      maxBackoffMs: 35_000,
      timedContext: () => 'timer',
      run: (context) => {
        contexts.push(context);
        return failing ? Promise.reject(new Error('down')) : Promise.resolve();
      },
      onTimedError: (err) => timedErrors.push(err),
      onFailure: (_err, retryInMs) => retries.push(retryInMs),
    });
    loop.start(0);
    await clock.tickAsync(0);
    assert.equal(contexts.length, 1);
    const at: number[] = [clock.now];
    for (let i = 1; i < 5; i++) {
      await clock.tickAsync(loop.nextDelay() - 1);
      assert.equal(contexts.length, i, `poll ${i + 1} not early`);
      await clock.tickAsync(1);
      assert.equal(contexts.length, i + 1, `poll ${i + 1} on time`);
      at.push(clock.now);
    }
    assert.deepEqual(at, [0, 10_000, 30_000, 65_000, 100_000]);
    assert.deepEqual(retries, [10_000, 20_000, 35_000, 35_000, 35_000]);
    assert.equal(timedErrors.length, 5);
    assert.ok(contexts.every((c) => c === 'timer'));
    failing = false;
    await clock.tickAsync(35_000);
    assert.equal(contexts.length, 6);
    assert.equal(loop.nextDelay(), 10_000, 'a success ends the backoff');
    await clock.tickAsync(10_000);
    assert.equal(contexts.length, 7);
    await loop.close();
    await clock.tickAsync(60_000);
    assert.equal(contexts.length, 7, 'no timed poll after close');
  });

  it('without maxBackoffMs a failure does not lengthen the interval; interval 0 arms no timer', async () => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let runs = 0;
    const loop = new PollLoop<void>({
      intervalMs: 5_000,
      timedContext: () => undefined,
      run: () => {
        runs += 1;
        return Promise.reject(new Error('down'));
      },
      onTimedError: () => undefined,
    });
    loop.start(5_000);
    await clock.tickAsync(15_000);
    assert.equal(runs, 3);
    await loop.close();
    const idle = new PollLoop<void>({
      intervalMs: 0,
      timedContext: () => undefined,
      run: () => {
        runs += 1;
        return Promise.resolve();
      },
      onTimedError: () => undefined,
    });
    idle.start(0);
    await clock.tickAsync(60_000);
    assert.equal(runs, 3);
  });

  it('close aborts the running poll, resolves its waiters without a follow-up, and a stopped poll is no failure', async () => {
    const { loop, runs, failures } = gatedLoop();
    const first = loop.poll('a');
    const waiter = loop.poll('b');
    await flush();
    let closed = false;
    const closing = loop.close().then(() => (closed = true));
    assert.equal(runs[0].signal.aborted, true, 'the running poll hears of the close at once');
    await closing;
    assert.equal(closed, true);
    await first;
    await waiter;
    assert.equal(runs.length, 1, 'no follow-up after close');
    assert.deepEqual(failures, []);
    await loop.poll('c');
    assert.equal(runs.length, 1, 'a closed loop starts nothing');
  });

  it('close waits for a poll that ignores its signal until it ends', async () => {
    const runs: Array<() => void> = [];
    const loop = new PollLoop<void>({
      intervalMs: 0,
      timedContext: () => undefined,
      run: () => new Promise<void>((resolve) => runs.push(resolve)),
      onTimedError: () => undefined,
    });
    void loop.poll();
    await flush();
    let closed = false;
    const closing = loop.close().then(() => (closed = true));
    await flush();
    assert.equal(closed, false, 'still running');
    runs[0]();
    await closing;
    assert.equal(closed, true);
  });
});
