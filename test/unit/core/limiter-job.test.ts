/** core/limiter-job.ts: a queued job is started once, and the limiter hears it settled before the caller does. */
import assert from 'node:assert/strict';
import { enqueueJob, runJob, type QueuedJob } from '../../../nodes/core/limiter-job';

function queued(job: () => Promise<unknown>, log: string[]): { item: QueuedJob; outcome: Promise<unknown> } {
  let item!: QueuedJob;
  const outcome = new Promise<unknown>((resolve, reject) => {
    item = {
      job,
      resolve: (v) => {
        log.push('resolved');
        resolve(v);
      },
      reject: (e) => {
        log.push('rejected');
        reject(e);
      },
    };
  });
  return { item, outcome };
}

describe('core/limiter-job', () => {
  it('starts the job at once and settles the limiter before the caller with its value', async () => {
    const log: string[] = [];
    let calls = 0;
    const { item, outcome } = queued(async () => {
      calls += 1;
      return 42;
    }, log);
    runJob(item, () => log.push('settled'));
    assert.equal(calls, 1, 'started synchronously');
    assert.equal(await outcome, 42);
    assert.deepEqual(log, ['settled', 'resolved']);
  });

  it('a job that rejects: settled, then the caller gets the error', async () => {
    const log: string[] = [];
    const boom = new Error('boom');
    const { item, outcome } = queued(() => Promise.reject(boom), log);
    runJob(item, () => log.push('settled'));
    await assert.rejects(outcome, boom);
    assert.deepEqual(log, ['settled', 'rejected']);
  });

  it('a job that throws before returning a promise is a rejection, not a crash of the limiter', async () => {
    const log: string[] = [];
    const boom = new TypeError('sync');
    const { item, outcome } = queued(() => {
      throw boom;
    }, log);
    assert.doesNotThrow(() => runJob(item, () => log.push('settled')));
    await assert.rejects(outcome, boom);
    assert.deepEqual(log, ['settled', 'rejected']);
  });

  it('enqueueJob: queues the job, kicks the limiter once, and settles with the job once it is run', async () => {
    const queue: QueuedJob[] = [];
    let kicks = 0;
    const outcome = enqueueJob(
      queue,
      async () => 'done',
      () => {
        kicks += 1;
      },
    );
    assert.equal(kicks, 1);
    assert.equal(queue.length, 1, 'queued, not started');
    runJob(queue.shift() as QueuedJob, () => undefined);
    assert.equal(await outcome, 'done');
  });
});
