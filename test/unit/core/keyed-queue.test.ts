import assert from 'node:assert/strict';
import { KeyedQueue, Semaphore } from '../../../nodes/core/keyed-queue';
import { deferred } from '../../support/deferred';

/** Lets every settled promise's callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('core/keyed-queue', () => {
  describe('KeyedQueue', () => {
    it('runs the work of one key one after another, in the order given', async () => {
      const queue = new KeyedQueue();
      const log: string[] = [];
      const first = deferred<string>();
      const a = queue.run('D1', async () => {
        log.push('a start');
        const v = await first.promise;
        log.push('a end');
        return v;
      });
      const b = queue.run('D1', async () => {
        log.push('b start');
        return 'b';
      });
      await flush();
      assert.deepEqual(log, ['a start']);
      first.resolve('a');
      assert.equal(await a, 'a');
      assert.equal(await b, 'b');
      assert.deepEqual(log, ['a start', 'a end', 'b start']);
    });

    it('runs the work of other keys in parallel', async () => {
      const queue = new KeyedQueue();
      const gate = deferred();
      const started: string[] = [];
      const a = queue.run('D1', async () => {
        started.push('D1');
        await gate.promise;
      });
      const b = queue.run('D2', async () => {
        started.push('D2');
      });
      await b;
      assert.deepEqual(started, ['D1', 'D2']);
      gate.resolve();
      await a;
    });

    it('starts the next work after a failure, and hands the failure to its own caller only', async () => {
      const queue = new KeyedQueue();
      const failed = queue.run('D1', async () => {
        throw new Error('refused');
      });
      const next = queue.run('D1', async () => 'next');
      await assert.rejects(failed, /refused/);
      assert.equal(await next, 'next');
    });

    it('forgets a key once its last work settled, and not before', async () => {
      const queue = new KeyedQueue();
      const gate = deferred();
      const a = queue.run('D1', () => gate.promise);
      const b = queue.run('D1', async () => undefined);
      await flush();
      assert.equal(queue.size, 1);
      gate.resolve();
      await a;
      await b;
      await flush();
      assert.equal(queue.size, 0);
    });
  });

  describe('KeyedQueue.runAll', () => {
    it('holds every key of a msg: waits for each, blocks each, and never deadlocks on keys given in another order', async () => {
      const q = new KeyedQueue();
      const gate = deferred();
      const log: string[] = [];
      const a = q.run('a', async () => {
        await gate.promise;
        log.push('a');
      });
      const ab = q.runAll(['b', 'a'], async () => {
        log.push('ab');
      });
      const ba = q.runAll(['a', 'b', 'a'], async () => {
        log.push('ba');
      });
      const b = q.run('b', async () => {
        log.push('b');
      });
      await flush();
      // 'b' alone waits behind the multi-key work that already holds b
      assert.deepEqual(log, []);
      gate.resolve();
      await Promise.all([a, ab, ba, b]);
      assert.deepEqual(log, ['a', 'ab', 'ba', 'b']);
      assert.equal(q.size, 0);
      assert.equal(await q.runAll([], async () => 'free'), 'free');
    });
  });

  describe('Semaphore', () => {
    it('runs at most `size` at once; the rest start in arrival order as slots free', async () => {
      const slots = new Semaphore(2);
      const gates = [deferred(), deferred(), deferred(), deferred()];
      const started: number[] = [];
      let running = 0;
      let most = 0;
      const runs = gates.map((g, i) =>
        slots.run(async () => {
          started.push(i);
          running += 1;
          most = Math.max(most, running);
          await g.promise;
          running -= 1;
          return i;
        }),
      );
      await flush();
      assert.deepEqual(started, [0, 1]);
      gates[1].resolve();
      await flush();
      assert.deepEqual(started, [0, 1, 2]);
      gates[0].resolve();
      await flush();
      assert.deepEqual(started, [0, 1, 2, 3]);
      gates[2].resolve();
      gates[3].resolve();
      assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3]);
      assert.equal(most, 2);
    });

    it('frees the slot of a work that failed', async () => {
      const slots = new Semaphore(1);
      await assert.rejects(
        slots.run(async () => {
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await slots.run(async () => 'after'), 'after');
      // the slot went back: two more in a row still run (a leaked slot would hang the second)
      const gate = deferred();
      const held = slots.run(() => gate.promise);
      const queued = slots.run(async () => 'queued');
      gate.resolve();
      await held;
      assert.equal(await queued, 'queued');
    });
  });
});
