import { strict as assert } from 'assert';
import fs, { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DirSync } from '../../../nodes/core/dir-sync';

describe('dir-sync: a directory fsync shared by the changes made before it began', () => {
  let root: string;
  /** the fsyncs asked for, held until released (or failed) */
  let held: Array<(err?: NodeJS.ErrnoException) => void>;
  const fsync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void => {
    held.push((err) => (err ? cb(err) : fs.fsync(fd, cb)));
  };
  /** waits for the thread pool (mocha's timeout is the bound) */
  const until = async (done: () => boolean): Promise<void> => {
    while (!done()) await new Promise((r) => setTimeout(r, 1));
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sx3s-dirsync-'));
    held = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('callers before the fsync began share it; a caller after it waits for the next one', async function () {
    if (process.platform === 'win32') this.skip();
    const sync = new DirSync(fsync);
    const done: string[] = [];
    // both ask before the directory is even open: one fsync covers both
    void sync.flush(root).then(() => done.push('a'));
    void sync.flush(root).then(() => done.push('b'));
    await until(() => held.length === 1);
    // the fsync has begun: a change made now is not covered by it
    void sync.flush(root).then(() => done.push('c'));
    await new Promise((r) => setImmediate(r));
    assert.equal(held.length, 1);
    assert.deepEqual(done, []);
    held.shift()!();
    await until(() => done.length === 2 && held.length === 1);
    assert.deepEqual(done, ['a', 'b'], 'c waits for an fsync that began after it asked');
    held.shift()!();
    await until(() => done.length === 3);
    assert.deepEqual(done, ['a', 'b', 'c']);
  });

  it('a failed fsync rejects everyone it covered; one the platform refuses for directories does not', async function () {
    if (process.platform === 'win32') this.skip();
    const sync = new DirSync(fsync);
    const failed = sync.flush(root);
    await until(() => held.length === 1);
    held.shift()!(Object.assign(new Error('I/O error'), { code: 'EIO' }));
    await assert.rejects(failed, /could not make .* durable.*I\/O error/);
    const refused = sync.flush(root);
    await until(() => held.length === 1);
    held.shift()!(Object.assign(new Error('invalid argument'), { code: 'EINVAL' }));
    await refused;
    // a directory that cannot be opened (gone) is an error too: nothing was made durable
    await assert.rejects(new DirSync(fsync).flush(join(root, 'missing')), /ENOENT/);
  });
});
