/**
 * Small JSON state that must survive a restart (poll watermarks, rotated refresh tokens),
 * written atomically: a crash mid-write leaves the previous version, never half a file.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface StateFile<T> {
  readonly path: string;
  read(): T | undefined;
  write(value: T): void;
  remove(): void;
}

export const STATE_DIR_NAME = '.sage-x3-shipping';

export function stateFile<T>(userDir: string, kind: string, id: string): StateFile<T> {
  const safe = `${kind}-${id}`.replace(/[^A-Za-z0-9._-]/g, '_');
  const dir = path.join(userDir, STATE_DIR_NAME);
  const file = path.join(dir, `${safe}.json`);
  return {
    path: file,
    read(): T | undefined {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new Error(`state file ${file} is unreadable: ${(err as Error).message}`, { cause: err });
      }
    },
    write(value: T): void {
      // Serialise first: a value that cannot be written must not leave a temp file behind.
      const text = JSON.stringify(value);
      if (text === undefined) throw new Error(`state file ${file}: nothing to write`);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        const fd = fs.openSync(tmp, 'w', 0o600);
        try {
          fs.writeSync(fd, text);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(tmp, file);
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
      syncDir(dir);
    },
    remove(): void {
      fs.rmSync(file, { force: true });
    },
  };
}

/**
 * An append-only companion of a state file (same name, `.journal` instead of `.json`): one JSON
 * record per line. A state that changes one key at a time appends the change here and rewrites
 * the whole state file only now and then (compaction), instead of serialising all of it on every
 * change. An appended record is durable once `sync()` resolves: the appends of one turn of the
 * event loop share one fsync, run off the event loop (group commit), so a burst of write-backs
 * pays one disk flush, not one each, and the loop is not blocked while the disk works.
 */
export interface StateJournal<R> {
  readonly path: string;
  /** Writes the record (in the page cache: not yet durable). */
  append(record: R): void;
  /** Resolves when every record appended before the call is on disk; rejects when that failed. */
  sync(): Promise<void>;
  /** The records in append order, and whether the last line was torn (a crash mid-append). */
  read(): { records: R[]; torn: boolean };
  /** Empties the journal (after its records went into the state file). */
  clear(): void;
  /** Releases the open file (the owner is closing), flushing what is not yet durable; a later append opens it again. */
  close(): void;
}

interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function waiters(): Waiters {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // a failed fsync nobody asked about is not an unhandled rejection; those who ask see it
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export function stateJournal<R>(file: StateFile<unknown>): StateJournal<R> {
  const journal = file.path.replace(/\.json$/, '') + '.journal';
  const dir = path.dirname(journal);
  // The file stays open between appends: opening, checking and closing it for every record cost
  // more than the write (a profile of example 01 put them at a third of the journal's time).
  let fd: number | undefined;
  /** Records written since the last fsync began, and who waits for them. */
  let unsynced: Waiters | undefined;
  let scheduled = false;
  /** The records whose fsync is running now, and the descriptor to close once it is done. */
  let running: Waiters | undefined;
  let closeAfter: number | undefined;
  const closeQuietly = (f: number): void => {
    try {
      fs.closeSync(f);
    } catch {
      // already gone
    }
  };
  const flush = (): void => {
    scheduled = false;
    const batch = unsynced;
    unsynced = undefined;
    if (!batch) return;
    const f = fd;
    if (f === undefined) return batch.resolve(); // released: release() synced it
    running = batch;
    fs.fsync(f, (err) => {
      if (running === batch) running = undefined;
      if (closeAfter === f && !running) {
        closeAfter = undefined;
        closeQuietly(f);
      }
      if (err) batch.reject(err);
      else batch.resolve();
    });
  };
  const release = (): void => {
    if (fd === undefined) return;
    const open = fd;
    fd = undefined;
    const batch = unsynced;
    unsynced = undefined;
    if (batch) {
      try {
        fs.fsyncSync(open);
        batch.resolve();
      } catch (err) {
        batch.reject(err);
      }
    }
    if (running) closeAfter = open;
    else closeQuietly(open);
  };
  return {
    path: journal,
    append(record: R): void {
      const line = `${JSON.stringify(record)}\n`;
      if (fd === undefined) {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        fd = fs.openSync(journal, 'a', 0o600);
        let created: boolean;
        try {
          created = fs.fstatSync(fd).size === 0;
        } catch (err) {
          release();
          throw err;
        }
        // a new journal's directory entry must be durable too
        if (created) syncDir(dir);
      }
      try {
        fs.writeSync(fd, line);
      } catch (err) {
        // the next append opens the file afresh
        release();
        throw err;
      }
      unsynced ??= waiters();
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    sync(): Promise<void> {
      if (unsynced) return unsynced.promise;
      return running?.promise ?? Promise.resolve();
    },
    read(): { records: R[]; torn: boolean } {
      let text: string;
      try {
        text = fs.readFileSync(journal, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], torn: false };
        throw new Error(`state journal ${journal} is unreadable: ${(err as Error).message}`, { cause: err });
      }
      const lines = text.split('\n');
      const tail = lines.pop() ?? '';
      const records: R[] = [];
      let torn = tail !== '';
      for (const l of lines) {
        if (!l) continue;
        try {
          records.push(JSON.parse(l) as R);
        } catch {
          torn = true;
        }
      }
      return { records, torn };
    },
    clear(): void {
      release();
      fs.rmSync(journal, { force: true });
    },
    close: release,
  };
}

/** Makes the rename itself durable; not possible on every platform (Windows), so best effort. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // a directory cannot be opened or synced here; the rename is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
