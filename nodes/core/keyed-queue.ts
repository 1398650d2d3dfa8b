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
    return this.runAll([key], fn);
  }

  /**
   * Runs `fn` once every earlier work for any of `keys` has settled (a msg touching several
   * documents). Its place in each key's line is taken at once, on arrival: later work for any of
   * those keys waits for it, and since work only ever waits for work that arrived before it,
   * two multi-key works never wait for each other. No key: `fn` runs at once.
   */
  runAll<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const before = unique.map((k) => this.chains.get(k)).filter((p): p is Promise<unknown> => p !== undefined);
    const run =
      before.length === 0
        ? Promise.resolve().then(fn)
        : before.length === 1
          ? before[0].catch(() => undefined).then(fn)
          : Promise.all(before.map((p) => p.catch(() => undefined))).then(fn);
    for (const k of unique) this.chains.set(k, run);
    const cleanup = (): void => {
      for (const k of unique) if (this.chains.get(k) === run) this.chains.delete(k);
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
