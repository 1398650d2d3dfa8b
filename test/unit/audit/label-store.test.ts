import { strict as assert } from 'assert';
import { existsSync, mkdtempSync, promises as fsp, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve, sep } from 'path';
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
