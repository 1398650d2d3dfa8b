/**
 * Group commit for the ledger, off the event loop.
 *
 * The ledger's transactions are committed with synchronous=NORMAL (in WAL mode: written to the
 * WAL, not fsynced), then made durable here by fsyncing the WAL file on libuv's thread pool before
 * the caller is told the commit happened. That is what synchronous=FULL does (the WAL is synced
 * before a commit is reported), except that the event loop does not stop for every fsync and one
 * fsync covers every commit made while the previous one ran.
 *
 * Why an fsync of our own descriptor is enough: fsync flushes the file (its inode), whatever
 * descriptor wrote the pages; the WAL is written strictly in order, and recovery only replays
 * frames up to the last valid commit, so a synced commit never comes back without the commits
 * before it. WAL frames are only overwritten (the WAL restarts from its start) after a
 * checkpoint copied all of them into the database file and synced it, and the WAL file is only
 * deleted when the last connection closes, after such a checkpoint.
 */
import { close, fstat, fsync, open, stat, type Stats } from 'fs';
import { dirname } from 'path';
import { fsCall as call, type FsyncFn } from '../core/dir-sync';

export type { FsyncFn };

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class WalSync {
  private fd: number | undefined;
  private identity: { dev: number; ino: number } | undefined;
  private running = false;
  /** Callers whose writes the fsync in flight covers. */
  private current: Waiter[] = [];
  /** Callers whose writes may be newer than the fsync in flight: the next fsync is theirs. */
  private waiting: Waiter[] = [];
  /** Highest write number announced so far, and the highest the fsync in flight covers. */
  private latest = 0;
  private runCovers = 0;
  private closing = false;
  /**
   * Called when an fsync finished, before the next one starts: the group commit commits the
   * ledger writes that queued up meanwhile, so the next fsync covers them too.
   */
  onSettled: (() => void) | undefined;

  /**
   * @param walPath the database's WAL file (`<db>-wal`)
   * @param dbPath the database file, synced instead when the WAL file does not exist
   */
  constructor(
    private readonly walPath: string,
    private readonly dbPath: string,
    private readonly sync: FsyncFn = fsync,
  ) {}

  /**
   * Resolves once write number `write` (the caller numbers its writes, increasing, and calls this
   * right after each one reached the WAL file) and every write before it are on stable storage.
   */
  flush(write: number): Promise<void> {
    if (this.closing) return Promise.reject(new Error('audit store is closed'));
    this.latest = Math.max(this.latest, write);
    return new Promise<void>((resolve, reject) => {
      // An fsync started after the write covers it; one that may have started before it does
      // not: the caller waits for the next.
      if (this.running && write <= this.runCovers) this.current.push({ resolve, reject });
      else {
        this.waiting.push({ resolve, reject });
        if (!this.running) this.run();
      }
    });
  }

  /** true while an fsync runs (a ledger write committed now waits for the next one anyway). */
  get busy(): boolean {
    return this.running;
  }

  /** Closes the descriptor once the fsyncs asked for so far are done. */
  close(): void {
    this.closing = true;
    if (!this.running) this.release();
  }

  private run(): void {
    this.current = this.waiting;
    this.waiting = [];
    this.runCovers = this.latest;
    this.running = true;
    this.syncOnce().then(
      () => this.done(undefined),
      (err: unknown) => this.done(err),
    );
  }

  private done(err: unknown): void {
    const batch = this.current;
    this.current = [];
    this.running = false;
    for (const w of batch) {
      if (err === undefined) w.resolve();
      else w.reject(durabilityError(err));
    }
    if (!this.closing) this.onSettled?.();
    if (this.running) return; // onSettled started the next fsync
    if (this.waiting.length > 0) this.run();
    else if (this.closing) this.release();
  }

  private async syncOnce(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.fd === undefined && !(await this.openWal())) return this.syncDatabaseFile();
      const fd = this.fd as number;
      // The identity check runs beside the fsync, not before it: one thread-pool round trip.
      const [, current] = await Promise.all([
        call<void>((cb) => this.sync(fd, cb)),
        call<Stats>((cb) => stat(this.walPath, cb)).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        }),
      ]);
      if (current && this.identity?.dev === current.dev && this.identity.ino === current.ino) return;
      // The file at the path is not the one we synced (the WAL is only recreated after every
      // connection closed, but a stale descriptor would sync nothing): start again on the new one.
      this.release();
      if (attempt >= 2) throw new Error(`${this.walPath} keeps being replaced`);
    }
  }

  /** Opens the WAL file; false when there is none. */
  private async openWal(): Promise<boolean> {
    let fd: number;
    try {
      // r+: Windows only flushes a handle opened for writing; nothing is ever written through it.
      fd = await call<number>((cb) => open(this.walPath, 'r+', cb));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    try {
      const opened = await call<Stats>((cb) => fstat(fd, cb));
      // A newly created WAL is only durable once its directory entry is (SQLite's FULL does the
      // same on the first sync of a new WAL). Directories cannot be opened or synced on Windows.
      await syncDirectory(dirname(this.walPath), this.sync);
      this.fd = fd;
      this.identity = { dev: opened.dev, ino: opened.ino };
      return true;
    } catch (err) {
      close(fd, () => undefined);
      throw err;
    }
  }

  /** No WAL file: nothing is waiting in one; the commits are in the database file. */
  private async syncDatabaseFile(): Promise<void> {
    const fd = await call<number>((cb) => open(this.dbPath, 'r+', cb));
    try {
      await call<void>((cb) => this.sync(fd, cb));
    } finally {
      close(fd, () => undefined);
    }
  }

  private release(): void {
    if (this.fd !== undefined) close(this.fd, () => undefined);
    this.fd = undefined;
    this.identity = undefined;
  }
}

async function syncDirectory(dir: string, sync: FsyncFn): Promise<void> {
  let fd: number;
  try {
    fd = await call<number>((cb) => open(dir, 'r', cb));
  } catch {
    return;
  }
  try {
    await call<void>((cb) => sync(fd, cb));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // some platforms and file systems refuse fsync on a directory: nothing more can be done there
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'EBADF') throw err;
  } finally {
    close(fd, () => undefined);
  }
}

function durabilityError(err: unknown): Error {
  const reason = err instanceof Error ? err.message : String(err);
  return new Error(`the audit ledger could not be made durable (fsync of the write-ahead log failed: ${reason})`, {
    cause: err,
  });
}
