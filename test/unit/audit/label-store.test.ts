import { strict as assert } from 'assert';
import fs, {
  existsSync,
  fstatSync,
  mkdtempSync,
  promises as fsp,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'fs';
import { tmpdir } from 'os';
import { dirname, join, resolve, sep } from 'path';
import sinon from 'sinon';
import { LabelStore, extensionOf, safeSegment } from '../../../nodes/audit/label-store';
import { manualClock } from './store-contract';

describe('label store', () => {
  let root: string;
  let dir: string;
  let clock: ReturnType<typeof manualClock>;
  let store: LabelStore;
  const file = (documentKey: string, name = '794600000001') => ({
    folder: 'SEED',
    entity: 'salesDelivery',
    documentKey,
    name,
    ext: 'pdf',
    contentType: 'application/pdf',
  });
  const pdf = (n: number) => Buffer.from(`%PDF-1.4 label ${n}`);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sx3s-labels-'));
    dir = join(root, 'labels');
    clock = manualClock();
    store = new LabelStore({ dir, now: clock.now });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes <folder>/<entity>/<document key>/<tracking number>.<ext> once and reads it back', async () => {
    const ref = await store.put(file('SDH001'), pdf(1));
    assert.equal(ref.path, 'SEED/salesDelivery/SDH001/794600000001.pdf');
    assert.equal(ref.size, pdf(1).length);
    assert.equal(ref.contentType, 'application/pdf');
    assert.match(ref.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(readFileSync(join(dir, 'SEED', 'salesDelivery', 'SDH001', '794600000001.pdf')), pdf(1));
    assert.deepEqual(await store.read(ref), pdf(1));
    // the same bytes again: the same file, nothing left behind
    assert.deepEqual(await store.put(file('SDH001'), pdf(1)), ref);
    assert.deepEqual(readdirSync(join(dir, 'SEED', 'salesDelivery', 'SDH001')), ['794600000001.pdf']);
    // other bytes under the same name never replace the first file
    const other = await store.put(file('SDH001'), pdf(2));
    assert.notEqual(other.path, ref.path);
    assert.deepEqual(await store.read(ref), pdf(1));
    assert.deepEqual(await store.read(other), pdf(2));
  });

  it('hashes a new label from the bytes in hand: no stored file is read back', async () => {
    const reads = sinon.spy(fsp, 'readFile');
    try {
      const ref = await store.put(file('SDH009'), pdf(9));
      await store.put(file('SDH009', '794600000002'), pdf(10));
      assert.equal(reads.callCount, 0, 'nothing read back');
      // bytes of another size under a taken name: told apart without reading the file
      const other = await store.put(file('SDH009'), Buffer.from('%PDF-1.4 a longer label'));
      assert.notEqual(other.path, ref.path);
      assert.equal(reads.callCount, 0);
      // the same bytes again: read back once to be sure, and reused
      assert.deepEqual(await store.put(file('SDH009'), pdf(9)), ref);
      assert.equal(reads.callCount, 1);
    } finally {
      reads.restore();
    }
  });

  it('a label in a folder the put made: no name looked up, and no time set when the clock is the system one', async () => {
    const system = new LabelStore({ dir });
    // every way a file's name can be looked up or its time set, through either fs API
    const handle = await fsp.open(join(root, 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(handle) as { utimes: () => unknown; stat: () => unknown };
    await handle.close();
    const lookups = [
      sinon.spy(fs, 'stat'),
      sinon.spy(fs, 'lstat'),
      sinon.spy(fsp, 'stat'),
      sinon.spy(fsp, 'lstat'),
      sinon.spy(fsp, 'access'),
      sinon.spy(fs, 'access'),
    ];
    const stamps = [
      sinon.spy(fs, 'utimes'),
      sinon.spy(fs, 'futimes'),
      sinon.spy(fsp, 'utimes'),
      sinon.spy(fileHandle, 'utimes'),
    ];
    const count = (spies: sinon.SinonSpy[]): number => spies.reduce((n, s) => n + s.callCount, 0);
    try {
      const before = Date.now();
      const ref = await system.put(file('SDT001'), pdf(11));
      assert.equal(count(lookups), 0, 'a new folder holds no file to compare with');
      assert.equal(count(stamps), 0, 'the system clock already stamped the file');
      // retention still sees the write time
      const mtime = statSync(join(dir, ...ref.path.split('/'))).mtimeMs;
      assert.ok(mtime >= before - 1000 && mtime <= Date.now() + 1000, `mtime ${mtime}`);
      // a folder that was there already: the name is looked up (write once, never replace)
      lookups.forEach((s) => s.resetHistory());
      await system.put(file('SDT001', '794600000002'), pdf(12));
      assert.ok(count(lookups) >= 1);
      assert.equal(count(stamps), 0);
    } finally {
      [...lookups, ...stamps].forEach((s) => s.restore());
    }
    // a clock of the store's own still stamps the file with its time (simulated retention)
    const ref = await store.put(file('SDT002'), pdf(13));
    assert.equal(statSync(join(dir, ...ref.path.split('/'))).mtimeMs, clock.now());
  });

  describe('durability: file, name and folders synced before a put resolves', () => {
    if (process.platform === 'win32') return; // directories cannot be synced there
    /** fsyncs of directories are held until released; files' go through */
    const heldSyncs = () => {
      const synced: Array<{ ino: number; dir: boolean }> = [];
      const held: Array<() => void> = [];
      let fail: NodeJS.ErrnoException | undefined;
      const fsync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void => {
        const st = fstatSync(fd);
        if (!st.isDirectory()) return fs.fsync(fd, cb);
        held.push(() => {
          synced.push({ ino: st.ino, dir: true });
          if (fail) cb(fail);
          else fs.fsync(fd, cb);
        });
      };
      return {
        fsync,
        synced,
        held,
        failWith(err: NodeJS.ErrnoException) {
          fail = err;
        },
        releaseAll() {
          held.splice(0).forEach((go) => go());
        },
      };
    };
    /** waits for what the thread pool does (no bound of its own: mocha's timeout is the bound) */
    const until = async (done: () => boolean, step = () => undefined as void) => {
      while (!done()) {
        step();
        await new Promise((r) => setTimeout(r, 1));
      }
    };

    it('labels renamed into one folder together share its fsync; none resolves before it, nor before the folders made for it', async () => {
      const syncs = heldSyncs();
      const held = new LabelStore({ dir, now: clock.now, fsync: syncs.fsync });
      const names = ['794600000011', '794600000012', '794600000013'];
      const settled: string[] = [];
      const puts = Promise.all(
        names.map((n, i) => held.put(file('SDG001', n), pdf(20 + i)).then((ref) => (settled.push(n), ref))),
      );
      const folder = join(dir, 'SEED', 'salesDelivery', 'SDG001');
      const targets = names.map((n) => join(folder, `${n}.pdf`));
      // every file renamed into place and the folder's fsync asked for: still no put resolved
      await until(() => targets.every((t) => existsSync(t)) && syncs.held.length > 0);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(settled, [], 'no put resolves before its folder is synced');
      await until(
        () => settled.length === names.length,
        () => syncs.releaseAll(),
      );
      const refs = await puts;
      assert.deepEqual(
        refs.map((r) => r.path),
        names.map((n) => `SEED/salesDelivery/SDG001/${n}.pdf`),
      );
      const inodeSyncs = (path: string) => syncs.synced.filter((s) => s.ino === statSync(path).ino).length;
      assert.ok(inodeSyncs(folder) >= 1 && inodeSyncs(folder) < names.length, `${inodeSyncs(folder)} folder fsyncs`);
      // each folder made on the way is durable in its parent
      for (const made of [folder, dirname(folder), dirname(dirname(folder)), dir]) {
        assert.ok(inodeSyncs(dirname(made)) >= 1, `${dirname(made)} synced`);
      }
    });

    it('a folder that cannot be synced fails the put: the label is not reported stored', async () => {
      const syncs = heldSyncs();
      syncs.failWith(Object.assign(new Error('I/O error'), { code: 'EIO' }));
      const failing = new LabelStore({ dir, now: clock.now, fsync: syncs.fsync });
      const put = failing.put(file('SDF001'), pdf(30));
      let outcome: unknown;
      put.then(
        () => (outcome = 'stored'),
        (err: Error) => (outcome = err),
      );
      await until(
        () => outcome !== undefined,
        () => syncs.releaseAll(),
      );
      assert.ok(outcome instanceof Error, `put ${String(outcome)}`);
      assert.match(outcome.message, /durable|I\/O error/);
    });
  });

  it('no key can leave the directory: ../, slashes, absolute paths, unicode, empty', async () => {
    const keys = [
      '../../etc/passwd',
      '..',
      '.',
      'a/b',
      'a\\b',
      '/abs/path',
      'SDH 001',
      'Lieferschein-Ü/ß',
      '',
      '.hidden',
    ];
    const paths = new Set<string>();
    for (const key of keys) {
      const ref = await store.put({ ...file(key, key || 'x'), folder: key, entity: key }, pdf(3));
      const abs = resolve(dir, ...ref.path.split('/'));
      assert.ok(abs.startsWith(resolve(dir) + sep), `${key} -> ${ref.path}`);
      for (const seg of ref.path.split('/')) {
        assert.match(seg, /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/, `${key} -> ${ref.path}`);
        assert.ok(seg !== '.' && seg !== '..');
      }
      paths.add(ref.path);
      assert.deepEqual(await store.read(ref), pdf(3));
    }
    assert.equal(paths.size, keys.length, 'two keys never share a file');
    assert.ok(!existsSync(join(root, 'etc')));
    assert.equal(safeSegment('SDH001'), 'SDH001');
    assert.notEqual(safeSegment('a/b'), safeSegment('a_b'));
    await assert.rejects(store.read({ path: '../x.pdf', sha256: '0' }), /unsafe|leaves/);
  });

  it('retention deletes files older than the cutoff and the folders left empty; usage reports size', async () => {
    await store.put(file('OLD'), pdf(4));
    clock.advance(10 * 86_400_000);
    const recent = await store.put(file('NEW'), pdf(5));
    assert.deepEqual(await store.usage(), { files: 2, bytes: pdf(4).length + pdf(5).length });
    const removed = await store.purgeOlderThan(clock.now() - 5 * 86_400_000);
    assert.deepEqual(removed, { files: 1, bytes: pdf(4).length });
    assert.ok(!existsSync(join(dir, 'SEED', 'salesDelivery', 'OLD')));
    assert.deepEqual(await store.read(recent), pdf(5));
    assert.deepEqual(await store.usage(), { files: 1, bytes: pdf(5).length });
  });

  it('report: number, size and age of the stored files, oldest and newest', async () => {
    assert.deepEqual(await store.report(), { files: 0, bytes: 0 });
    await store.put(file('A'), pdf(7));
    const first = clock.now();
    clock.advance(3 * 86_400_000);
    await store.put(file('B'), pdf(8));
    clock.advance(86_400_000);
    const r = await store.report();
    assert.equal(r.files, 2);
    assert.equal(r.bytes, pdf(7).length + pdf(8).length);
    assert.equal(r.oldestAt, new Date(first).toISOString());
    assert.equal(r.newestAt, new Date(first + 3 * 86_400_000).toISOString());
    assert.equal(r.oldestAgeDays, 4);
  });

  it('a file gone (retention) or changed reads as undefined; extensions follow the FedEx format', async () => {
    const ref = await store.put(file('GONE'), pdf(6));
    await store.purgeOlderThan(clock.now() + 1);
    assert.equal(await store.read(ref), undefined);
    assert.deepEqual(['PDF', 'PNG', 'ZPLII', 'EPL2', 'X'].map(extensionOf), ['pdf', 'png', 'zpl', 'epl', 'bin']);
  });
});
