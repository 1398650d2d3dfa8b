/**
 * The audit trail's own batching, beside group-commit.ts (which batches ledger and tracked
 * shipment writes): record() calls made in the same task (a node recording a batch of tracking
 * events, many flows at once) share one transaction, committed when the task's microtasks run.
 * Each promise still resolves only after its entry is committed; a failed commit rejects them all.
 */
interface Pending<T> {
  item: T;
  resolve: (item: T) => void;
  reject: (err: unknown) => void;
}

export class EntryBatch<T> {
  private pending: Array<Pending<T>> = [];

  /** `commit` writes the items in one transaction, or throws and writes none. */
  constructor(private readonly commit: (items: T[]) => void) {}

  add(item: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1) queueMicrotask(() => this.flush());
    });
  }

  /** Commits what is queued now (before closing). */
  flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      this.commit(batch.map((p) => p.item));
      for (const p of batch) p.resolve(p.item);
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
