/**
 * The label store: every label and shipping document fedex-ship receives, written once as a file
 * under one directory, `<dir>/<X3 folder>/<entity>/<document key>/<name>.<ext>`, with its own
 * retention. The ledger and the audit trail keep a LabelRef (relative path, content type, size,
 * sha256) instead of the bytes, so the database stays small and a share X3 can read holds the
 * files. Each path segment is reduced to safe characters, so no key (`../`, slashes, unicode)
 * can name a file outside the directory; a segment that had to change gets a short hash of the
 * original, so two keys never share a file.
 */
import { createHash, randomBytes } from 'crypto';
import fs, { promises as fsp } from 'fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'path';
import { DirSync, fsCall, type FsyncFn } from '../core/dir-sync';

/** What the ledger and the audit trail keep of a stored file. */
export interface LabelRef {
  /** relative to the store directory, '/'-separated */
  path: string;
  contentType: string;
  size: number;
  /** hex SHA-256 of the bytes */
  sha256: string;
}

export interface LabelFile {
  /** X3 folder ('-' when none) */
  folder?: string;
  entity: string;
  documentKey: string;
  /** file name without extension (the tracking number) */
  name: string;
  /** extension without the dot */
  ext: string;
  contentType: string;
}

export interface LabelStoreUsage {
  files: number;
  bytes: number;
}

/** The size/age report of the store (admin route, audit-config status). */
export interface LabelStoreReport extends LabelStoreUsage {
  /** UTC ISO write time of the oldest / newest file; absent when the store is empty */
  oldestAt?: string;
  newestAt?: string;
  /** whole days since the oldest file was written: how close it is to label retention */
  oldestAgeDays?: number;
}

export interface LabelStoreOptions {
  /** absolute directory; created on first write */
  dir: string;
  /** file times are set from this clock, so retention follows simulated time in tests */
  now?: () => number;
  /** For tests: the fsync that makes files and directories durable. */
  fsync?: FsyncFn;
}

const MAX_SEGMENT = 80;

/** One path segment of safe characters ([A-Za-z0-9._-]), never '.', '..' or hidden. */
export function safeSegment(raw: string): string {
  const text = String(raw ?? '').normalize('NFC');
  let s = text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.]+/, '_');
  if (s.length > MAX_SEGMENT) s = s.slice(0, MAX_SEGMENT);
  if (!s) s = '_';
  // changed (or empty): the original is told apart by a hash, so 'A/B' and 'A_B' differ
  if (s !== text) s = `${s}~${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
  return s;
}

/** File extension of a FedEx document type / format. */
export function extensionOf(format: string | undefined): string {
  const f = (format ?? '').toUpperCase();
  if (f === 'PDF') return 'pdf';
  if (f === 'PNG') return 'png';
  if (f === 'ZPLII' || f === 'ZPL') return 'zpl';
  if (f === 'EPL2' || f === 'EPL') return 'epl';
  return 'bin';
}

export class LabelStore {
  readonly dir: string;
  /** the store's own clock, when not the system's (which stamps a written file by itself) */
  private readonly clock: (() => number) | undefined;
  private readonly now: () => number;
  private readonly sync: FsyncFn;
  private readonly dirSync: DirSync;
  /** folders made by a put whose entries in their parents are not durable yet */
  private readonly newFolders = new Map<string, Promise<void>>();

  constructor(options: LabelStoreOptions) {
    if (!isAbsolute(options.dir)) throw new Error(`label store directory must be absolute: ${options.dir}`);
    this.dir = resolve(options.dir);
    this.clock = options.now;
    this.now = options.now ?? Date.now;
    this.sync = options.fsync ?? ((fd, cb) => fs.fsync(fd, cb));
    this.dirSync = new DirSync(this.sync);
  }

  /** The relative path a file gets (safe segments only). */
  relativePath(file: LabelFile): string {
    return [
      safeSegment(file.folder || '-'),
      safeSegment(file.entity),
      safeSegment(file.documentKey),
      `${safeSegment(file.name)}.${safeSegment(file.ext)}`,
    ].join('/');
  }

  /**
   * Writes the bytes once, atomically (temp file, fsync, rename, folder fsync): a crash leaves
   * either no file or the whole file, and a put resolves only once the file, its name and every
   * folder made for it are on stable storage. The same bytes again reuse the file; other bytes
   * under the same name (never expected) get a name of their own instead of replacing it.
   */
  async put(file: LabelFile, data: Buffer): Promise<LabelRef> {
    // hashed from the bytes in hand; a stored file is read back only when it may hold the same bytes
    const sha256 = createHash('sha256').update(data).digest('hex');
    let rel = this.relativePath(file);
    const folder = dirname(this.absolute(rel));
    const made = await this.makeFolder(folder);
    // a folder this put made holds no file yet: there is no name to look up
    let same: boolean | undefined;
    if (!made.includes(folder)) {
      same = await this.holds(rel, data.length, sha256);
      if (same === false) rel = rel.replace(/(\.[^./]+)$/, `-${sha256.slice(0, 12)}$1`);
    }
    const ref: LabelRef = { path: rel, contentType: file.contentType, size: data.length, sha256 };
    if (same === true || (same === false && (await this.holds(rel, data.length, sha256)) === true)) return ref;
    const tmp = join(folder, `.tmp-${randomBytes(6).toString('hex')}`);
    await this.writeDurably(tmp, data);
    await fsCall((cb) => fs.rename(tmp, this.absolute(rel), cb));
    // the rename is durable with its folder's fsync, shared by the files renamed there meanwhile;
    // the folders on the way may have been made just now, by this put or another one
    await Promise.all([this.dirSync.flush(folder), ...this.foldersBeingMade(folder)]);
    return ref;
  }

  /**
   * Makes the folder (and its parents) when missing; returns the folders made, top down. Each
   * made folder's entry in its parent is synced at once, beside the file's write.
   */
  private async makeFolder(folder: string): Promise<string[]> {
    const made: string[] = [];
    try {
      await fsCall((cb) => fs.mkdir(folder, cb));
      made.push(folder);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOENT') throw err;
      if (code === 'ENOENT') {
        const first = await fsp.mkdir(dirname(folder), { recursive: true });
        for (let d = dirname(folder); first !== undefined; d = dirname(d)) {
          made.unshift(d);
          if (d === first || dirname(d) === d) break;
        }
        try {
          await fsCall((cb) => fs.mkdir(folder, cb));
          made.push(folder);
        } catch (again) {
          if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
        }
      }
    }
    if (made.length > 0) {
      const parents = [...new Set(made.map((d) => dirname(d)))];
      const durable = Promise.all(parents.map((p) => this.dirSync.flush(p))).then(() => undefined);
      // awaited by the puts into these folders; settled here so a failure is never unhandled
      durable.catch(() => undefined);
      for (const d of made) this.newFolders.set(d, durable);
      void durable
        .finally(() => {
          for (const d of made) if (this.newFolders.get(d) === durable) this.newFolders.delete(d);
        })
        .catch(() => undefined);
    }
    return made;
  }

  /** The syncs still running for `folder` and the folders above it, made by some put. */
  private foldersBeingMade(folder: string): Array<Promise<void>> {
    const waits: Array<Promise<void>> = [];
    if (this.newFolders.size === 0) return waits;
    for (let d = folder; ; d = dirname(d)) {
      const w = this.newFolders.get(d);
      if (w) waits.push(w);
      if (d === this.dir || dirname(d) === d) return waits;
    }
  }

  /** One open, the bytes, their fsync, one close; a temp file left by a failure is removed. */
  private async writeDurably(tmp: string, data: Buffer): Promise<void> {
    const fd = await fsCall<number>((cb) => fs.open(tmp, 'wx', 0o640, cb));
    let written = false;
    try {
      for (let at = 0; at < data.length;) {
        at += await fsCall<number>((cb) => fs.write(fd, data, at, data.length - at, null, cb));
      }
      // a store clock of its own (simulated time): the file's time is set from it, before the sync
      if (this.clock) {
        const t = this.clock() / 1000;
        await fsCall((cb) => fs.futimes(fd, t, t, cb));
      }
      await fsCall((cb) => this.sync(fd, cb));
      written = true;
    } finally {
      await fsCall((cb) => fs.close(fd, cb)).catch((err: unknown) => {
        if (written) throw err;
      });
      if (!written) await fsp.unlink(tmp).catch(() => undefined);
    }
  }

  /** The stored bytes, or undefined when the file is gone (retention) or no longer matches. */
  async read(ref: Pick<LabelRef, 'path' | 'sha256'>): Promise<Buffer | undefined> {
    let data: Buffer;
    try {
      data = await fsp.readFile(this.absolute(ref.path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return createHash('sha256').update(data).digest('hex') === ref.sha256 ? data : undefined;
  }

  /** Deletes files last written before the cutoff, then the folders left empty. */
  async purgeOlderThan(cutoffMs: number): Promise<LabelStoreUsage> {
    const removed: LabelStoreUsage = { files: 0, bytes: 0 };
    await this.walk(this.dir, async (path, size, mtimeMs) => {
      if (mtimeMs >= cutoffMs) return;
      await fsp.unlink(path);
      removed.files += 1;
      removed.bytes += size;
    });
    return removed;
  }

  /** Number and total size of the stored files. */
  async usage(): Promise<LabelStoreUsage> {
    const u: LabelStoreUsage = { files: 0, bytes: 0 };
    await this.walk(this.dir, async (_path, size) => {
      u.files += 1;
      u.bytes += size;
    });
    return u;
  }

  /** Number, size and age of the stored files (one walk, like usage). */
  async report(): Promise<LabelStoreReport> {
    const r: LabelStoreReport = { files: 0, bytes: 0 };
    let oldest = Infinity;
    let newest = -Infinity;
    await this.walk(this.dir, async (_path, size, mtimeMs) => {
      r.files += 1;
      r.bytes += size;
      oldest = Math.min(oldest, mtimeMs);
      newest = Math.max(newest, mtimeMs);
    });
    if (r.files > 0) {
      r.oldestAt = new Date(Math.round(oldest)).toISOString();
      r.newestAt = new Date(Math.round(newest)).toISOString();
      r.oldestAgeDays = Math.floor((this.now() - Math.round(oldest)) / 86_400_000);
    }
    return r;
  }

  private absolute(rel: string): string {
    const parts = rel.split('/');
    if (parts.some((p) => !p || p === '.' || p === '..')) throw new Error(`unsafe label path "${rel}"`);
    const abs = resolve(this.dir, ...parts);
    const back = relative(this.dir, abs);
    if (!back || back.startsWith('..') || isAbsolute(back) || back.split(sep).includes('..')) {
      throw new Error(`label path "${rel}" leaves the label store`);
    }
    return abs;
  }

  /** Whether the file at `rel` holds these bytes; undefined when there is none. */
  private async holds(rel: string, size: number, sha256: string): Promise<boolean | undefined> {
    let st: { size: number };
    try {
      st = await fsp.stat(this.absolute(rel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    // another size is other bytes: no need to read it
    if (st.size !== size) return false;
    return (await this.hashOf(rel)) === sha256;
  }

  private async hashOf(rel: string): Promise<string | undefined> {
    try {
      return createHash('sha256')
        .update(await fsp.readFile(this.absolute(rel)))
        .digest('hex');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Visits every stored file (temp files included once they are old); removes emptied folders. */
  private async walk(
    dir: string,
    visit: (path: string, size: number, mtimeMs: number) => Promise<void>,
  ): Promise<boolean> {
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw err;
    }
    let left = entries.length;
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (await this.walk(path, visit)) left -= 1;
      } else if (e.isFile()) {
        const st = await fsp.stat(path);
        await visit(path, st.size, st.mtimeMs);
        if (!(await exists(path))) left -= 1;
      }
    }
    if (left === 0 && dir !== this.dir) {
      await fsp.rmdir(dir).catch(() => undefined);
      return !(await exists(dir));
    }
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.stat(path);
    return true;
  } catch {
    return false;
  }
}
