/**
 * Group commit for the store's small writes (ledger transitions, tracked shipments).
 *
 * Writes asked for during one turn of the event loop (the answers of many FedEx calls arrive in
 * the same poll phase) run in ONE immediate transaction, each inside its own savepoint so that one
 * refused write (a ledger transition from the wrong state) leaves the others alone. One commit
 * then writes each touched page to the WAL once instead of once per write, and one fsync covers
 * every ledger write of the batch. Each promise still resolves only after its write is committed,
 * and a ledger write only once it is durable.
 *
 * When: a ledger write while no fsync runs is committed at the end of the current task, so its
 * fsync starts at once; one asked for while an fsync runs would wait for the next fsync anyway,
 * so the writes gather until that fsync ends and are committed then, together. Other writes are
 * committed with them or at the end of the loop turn, whichever comes first.
 *
 * Anything that reads calls `drain()` first, so a read always sees the writes asked for before it.
 */
import type { Database as Db, Transaction } from 'better-sqlite3';
import type { WalSync } from './wal-sync';

/**
 * How ledger writes are made durable: `wal-fsync` (WAL fsynced off the event loop by WalSync),
 * `sqlite-full` (no WAL: SQLite's synchronous=FULL for the commit), `none`.
 */
export type LedgerDurability = 'wal-fsync' | 'sqlite-full' | 'none';

interface QueuedWrite {
  fn: () => unknown;
  /** Set for ledger writes: the ledger key, made durable before the promise resolves. */
  ledgerKey: string | undefined;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  ok: boolean;
  value: unknown;
  error: unknown;
}

// Captured when the module loads: a test's fake clock must not hold the store's commits back.
const nextTurn = setImmediate;

export class GroupCommit {
  private queue: QueuedWrite[] = [];
  private scheduled = false;
  private soon = false;
  private ledgerQueued = false;
  /** Commits made so far, and the ledger keys whose last commit may not be durable yet. */
  private commits = 0;
  private readonly notDurable = new Map<string, number>();
  private readonly runBatch: Transaction<(batch: QueuedWrite[]) => void>;
  private readonly inSavepoint: Transaction<(fn: () => unknown) => unknown>;

  constructor(
    private readonly db: Db,
    private readonly durability: LedgerDurability,
    private readonly walSync: WalSync | undefined,
  ) {
    // Created once: better-sqlite3 builds a wrapper object per db.transaction() call.
    this.inSavepoint = db.transaction((fn: () => unknown) => fn());
    if (walSync) walSync.onSettled = () => this.ledgerQueued && this.drain();
    this.runBatch = db.transaction((batch: QueuedWrite[]) => {
      for (const w of batch) {
        try {
          w.value = this.inSavepoint(w.fn);
          w.ok = true;
        } catch (err) {
          // Some errors (disk full, I/O) make SQLite roll the whole transaction back: then no
          // write of the batch happened, and none may be reported as done.
          if (!db.inTransaction) throw err;
          w.error = err;
        }
      }
    });
  }

  /** Queues a write; `ledgerKey` marks a ledger write (durable before it resolves). */
  write<T>(fn: () => T, ledgerKey?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        fn,
        ledgerKey,
        resolve: resolve as (value: unknown) => void,
        reject,
        ok: false,
        value: undefined,
        error: undefined,
      });
      if (ledgerKey !== undefined) {
        this.ledgerQueued = true;
        if (this.walSync && !this.walSync.busy && !this.soon) {
          this.soon = true;
          queueMicrotask(() => {
            this.soon = false;
            if (!this.walSync?.busy) this.drain();
          });
        }
      }
      if (!this.scheduled) {
        this.scheduled = true;
        nextTurn(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  /** Runs the queued writes now (before a read, or when closing). */
  drain(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.ledgerQueued = false;
    const ledger = this.durability !== 'none' && batch.some((w) => w.ledgerKey !== undefined);
    try {
      const full = ledger && this.durability === 'sqlite-full';
      if (full) this.db.pragma('synchronous = FULL');
      try {
        this.runBatch.immediate(batch);
      } finally {
        if (full && this.db.open) this.db.pragma('synchronous = NORMAL');
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    this.commits += 1;
    const durableLater: QueuedWrite[] = [];
    for (const w of batch) {
      if (!w.ok) w.reject(w.error);
      else if (w.ledgerKey !== undefined && this.walSync) {
        // Whatever the outcome (a lost claim reports the winner's entry), the caller acts on it
        // only once it is durable.
        this.notDurable.set(w.ledgerKey, this.commits);
        durableLater.push(w);
      } else w.resolve(w.value);
    }
    if (durableLater.length > 0) {
      this.flush(this.commits).then(
        () => {
          for (const w of durableLater) w.resolve(w.value);
        },
        (err: unknown) => {
          for (const w of durableLater) w.reject(err);
        },
      );
    }
  }

  /** Resolves once the ledger writes made so far on `key` are durable (at once when none waits). */
  durable(key: string): Promise<void> {
    this.drain();
    const commit = this.notDurable.get(key);
    return commit === undefined ? Promise.resolve() : this.flush(commit);
  }

  close(): void {
    this.drain();
    this.walSync?.close();
  }

  /** Makes commit number `upTo` (and those before it) durable. */
  private flush(upTo: number): Promise<void> {
    const walSync = this.walSync;
    if (!walSync) return Promise.resolve();
    return walSync.flush(upTo).then(() => {
      for (const [key, commit] of this.notDurable) if (commit <= upTo) this.notDurable.delete(key);
    });
  }
}
