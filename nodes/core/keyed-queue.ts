/**
 * Ordering and bounding of concurrent work in one process. `KeyedQueue` runs the work given for
 * one key one after another (a failure does not stop the next), work for other keys in parallel:
 * two msgs for the same document never race for its ledger entry. `Semaphore` caps how much
 * runs at once, the rest waiting in arrival order: a burst is queued instead of started at once.
 */

/** One promise chain per key; a key is forgotten as soon as its last work settles. */
export class KeyedQueue {
  private readonly chains = new Map<string, Promise<unknown>>();

  /** Runs `fn` once every earlier work for `key` has settled; its result is `fn`'s. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(fn);
    this.chains.set(key, run);
    const cleanup = (): void => {
      if (this.chains.get(key) === run) this.chains.delete(key);
    };
    run.then(cleanup, cleanup);
    return run;
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.chains.size;
  }
}

/** A counting semaphore: at most `size` holders, the rest wait in arrival order. */
export class Semaphore {
  private used = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.used >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    else this.used += 1;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // the slot passes straight to the next waiter
      if (next) next();
      else this.used -= 1;
    }
  }
}
