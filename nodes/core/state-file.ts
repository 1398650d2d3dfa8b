import fs from 'node:fs';
import path from 'node:path';

/**
 * Small JSON state that must survive a restart (poll watermarks, rotated refresh tokens),
 * written atomically: a crash mid-write leaves the previous version, never half a file.
 */
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
