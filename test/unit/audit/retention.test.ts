import { strict as assert } from 'assert';
import sinon from 'sinon';
import { DAY_MS, retentionCutoff, startRetentionPurge } from '../../../nodes/audit/retention';

describe('audit retention purge', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({
      now: Date.parse('2025-06-01T00:00:00Z'),
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
  });
  afterEach(() => clock.restore());

  it('computes the cutoff from the retention days', () => {
    assert.equal(retentionCutoff(90, Date.parse('2025-06-01T00:00:00Z')), '2025-03-03T00:00:00.000Z');
  });

  it('purges after the initial delay, then once a day, until stopped', async () => {
    const cutoffs: string[] = [];
    const store = { purgeBefore: async (c: string) => (cutoffs.push(c), 3) };
    const purged: number[] = [];
    const schedule = startRetentionPurge({
      store,
      retentionDays: 30,
      initialDelayMs: 1000,
      onPurged: (n) => purged.push(n),
    });
    await clock.tickAsync(999);
    assert.equal(cutoffs.length, 0);
    await clock.tickAsync(1);
    assert.deepEqual(cutoffs, ['2025-05-02T00:00:01.000Z']);
    await clock.tickAsync(DAY_MS);
    assert.equal(cutoffs.length, 2);
    assert.equal(cutoffs[1], '2025-05-03T00:00:01.000Z');
    schedule.stop();
    await clock.tickAsync(3 * DAY_MS);
    assert.equal(cutoffs.length, 2);
    assert.deepEqual(purged, [3, 3]);
  });

  it('does nothing when retention is 0, and reports errors without throwing', async () => {
    let calls = 0;
    const off = startRetentionPurge({
      store: { purgeBefore: async () => ++calls },
      retentionDays: 0,
      initialDelayMs: 0,
    });
    await clock.tickAsync(2 * DAY_MS);
    assert.equal(calls, 0);
    assert.equal(await off.runNow(), 0);
    off.stop();
    const errors: unknown[] = [];
    const failing = startRetentionPurge({
      store: { purgeBefore: async () => Promise.reject(new Error('disk full')) },
      retentionDays: 1,
      onError: (e) => errors.push(e),
    });
    assert.equal(await failing.runNow(), 0);
    assert.match(String(errors[0]), /disk full/);
    failing.stop();
  });

  it('never runs two purges at once', async () => {
    let release!: () => void;
    let calls = 0;
    const store = { purgeBefore: () => new Promise<number>((r) => ((calls += 1), (release = () => r(1)))) };
    const s = startRetentionPurge({ store, retentionDays: 1 });
    const a = s.runNow();
    const b = s.runNow();
    assert.equal(calls, 1);
    release();
    assert.deepEqual(await Promise.all([a, b]), [1, 1]);
    s.stop();
  });
});
