/**
 * A job waiting in a limiter's queue: how it joins the queue, and how it is started. The job may
 * throw before returning its promise, and either way the limiter hears that the job settled (to
 * start the next one) before the caller gets the job's outcome.
 */

export interface QueuedJob {
  job: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Starts `item.job`; `settled` runs first when it ends (ok or not), then the caller's promise settles. */
export function runJob(item: QueuedJob, settled: () => void): void {
  let result: Promise<unknown>;
  try {
    result = Promise.resolve(item.job());
  } catch (err) {
    result = Promise.reject(err);
  }
  result.then(
    (value) => {
      settled();
      item.resolve(value);
    },
    (err: unknown) => {
      settled();
      item.reject(err);
    },
  );
}

/** Queues `job` and `kick`s the limiter; the promise settles with the job's outcome once it ran. */
export function enqueueJob<T>(queue: QueuedJob[], job: () => Promise<T>, kick: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    queue.push({ job, resolve: resolve as (value: unknown) => void, reject });
    kick();
  });
}
