/**
 * The audit trail's own batching, beside group-commit.ts (which batches ledger and tracked
 * shipment writes): record() calls made in the same task (a node recording a batch of tracking
 * events, many flows at once) share one transaction, committed when the task's microtasks run.
 * Each promise still resolves only after its entry is committed; a failed commit rejects them all.
 * The commit may be synchronous (SQLite) or return a promise (PostgreSQL).
 */
interface Pending<T> {
  item: T;
  resolve: (item: T) => void;
  reject: (err: unknown) => void;
}

export class EntryBatch<T> {
  private pending: Array<Pending<T>> = [];

  /** `commit` writes the items in one transaction, or throws (rejects) and writes none. */
  constructor(private readonly commit: (items: T[]) => void | Promise<void>) {}

  add(item: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1) queueMicrotask(() => this.flush());
    });
  }

  /** Queues the item `make` builds; what `make` throws (a closed store, bad input) rejects the promise. */
  addFrom(make: () => T): Promise<T> {
    let item: T;
    try {
      item = make();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.add(item);
  }

  /** Commits what is queued now (before closing); an asynchronous commit is waited for. */
  flush(): void | Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const settle = (err?: unknown): void => {
      for (const p of batch) {
        if (err === undefined) p.resolve(p.item);
        else p.reject(err);
      }
    };
    try {
      const done = this.commit(batch.map((p) => p.item));
      if (done)
        return done.then(
          () => settle(),
          (err: unknown) => settle(err ?? new Error('commit failed')),
        );
      settle();
    } catch (err) {
      settle(err ?? new Error('commit failed'));
    }
  }
}
