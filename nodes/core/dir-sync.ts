/**
 * Directory fsync, shared (group commit): a rename into a directory, or a directory made in it,
 * is durable once the directory itself is fsynced, and one fsync covers every change made in the
 * directory before that fsync begins. So callers that changed the same directory while its fsync
 * was being prepared (the directory being opened) share it; a caller that comes once the fsync
 * began waits for the next one. Nobody resolves before an fsync that started after its change.
 * Directories cannot be opened or synced on every platform (Windows, some file systems): there
 * the change is as durable as the platform makes it.
 */
import fs from 'fs';

export type FsyncFn = (fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => void;

/** A callback-style fs call as a promise: no FileHandle object, one thread-pool round trip. */
export function fsCall<T = void>(fn: (cb: (err: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface DirState {
  /** waiters the fsync being prepared covers (their change happened before it can start) */
  batch: Waiter[];
  /** false once the fsync of `batch` was issued: later waiters need the next one */
  joinable: boolean;
  /** waiters for the next fsync */
  next: Waiter[];
}

/** fsync of a directory refused by the platform or file system: nothing more can be done there. */
const UNSUPPORTED = new Set(['EINVAL', 'EPERM', 'EISDIR', 'EBADF', 'ENOTSUP', 'EACCES']);

export class DirSync {
  private readonly dirs = new Map<string, DirState>();

  /** @param sync the fsync used (tests observe or hold it) */
  constructor(private readonly sync: FsyncFn = (fd, cb) => fs.fsync(fd, cb)) {}

  /** Resolves once every change made in `dir` before this call is on stable storage. */
  flush(dir: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      const state = this.dirs.get(dir);
      if (!state) {
        const fresh: DirState = { batch: [waiter], joinable: true, next: [] };
        this.dirs.set(dir, fresh);
        this.run(dir, fresh);
      } else if (state.joinable) state.batch.push(waiter);
      else state.next.push(waiter);
    });
  }

  private run(dir: string, state: DirState): void {
    fs.open(dir, 'r', (openErr, fd) => {
      state.joinable = false;
      if (openErr) return this.settle(dir, state, UNSUPPORTED.has(openErr.code ?? '') ? undefined : openErr);
      this.sync(fd, (syncErr) => {
        fs.close(fd, () => undefined);
        this.settle(dir, state, syncErr && !UNSUPPORTED.has(syncErr.code ?? '') ? syncErr : undefined);
      });
    });
  }

  private settle(dir: string, state: DirState, err: NodeJS.ErrnoException | null | undefined): void {
    const batch = state.batch;
    for (const w of batch) {
      if (err) w.reject(new Error(`could not make ${dir} durable: ${err.message}`, { cause: err }));
      else w.resolve();
    }
    if (state.next.length === 0) {
      this.dirs.delete(dir);
      return;
    }
    state.batch = state.next;
    state.next = [];
    state.joinable = true;
    this.run(dir, state);
  }
}
