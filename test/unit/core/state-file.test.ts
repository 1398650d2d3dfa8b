import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import { STATE_DIR_NAME, stateFile, stateJournal } from '../../../nodes/core/state-file';

describe('core/state-file', () => {
  let userDir: string;
  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'x3ship-state-'));
  });
  afterEach(() => {
    sinon.restore();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('lives under the user dir, named by kind and node id', () => {
    const f = stateFile<unknown>(userDir, 'watermark', 'abc123.def');
    assert.equal(f.path, path.join(userDir, STATE_DIR_NAME, 'watermark-abc123.def.json'));
  });

  it('keeps odd ids inside the state directory', () => {
    const f = stateFile<unknown>(userDir, 'token', '../../etc/passwd x');
    assert.equal(path.dirname(f.path), path.join(userDir, STATE_DIR_NAME));
    assert.ok(!path.basename(f.path).includes('/'));
    f.write({ ok: true });
    assert.deepEqual(fs.readdirSync(path.join(userDir, STATE_DIR_NAME)), [path.basename(f.path)]);
  });

  it('reading a file that was never written gives undefined', () => {
    assert.equal(stateFile<unknown>(userDir, 'watermark', 'n1').read(), undefined);
  });

  it('writes and reads back JSON, private to the user', () => {
    const f = stateFile<{ position: string; seen: Array<[string, number]> }>(userDir, 'watermark', 'n1');
    f.write({ position: '2026-01-01T00:00:00.000Z', seen: [['A', 1]] });
    assert.deepEqual(f.read(), { position: '2026-01-01T00:00:00.000Z', seen: [['A', 1]] });
    f.write({ position: '2026-01-02T00:00:00.000Z', seen: [] });
    assert.deepEqual(f.read(), { position: '2026-01-02T00:00:00.000Z', seen: [] });
    if (process.platform !== 'win32') {
      assert.equal(fs.statSync(f.path).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.dirname(f.path)).mode & 0o777, 0o700);
    }
  });

  it('writes atomically: a temp file in the same directory replaces the old file by rename', () => {
    const f = stateFile<{ v: number }>(userDir, 'watermark', 'n1');
    f.write({ v: 1 });
    const rename = sinon.spy(fs, 'renameSync');
    f.write({ v: 2 });
    assert.equal(rename.callCount, 1);
    const [from, to] = rename.firstCall.args as [string, string];
    assert.equal(to, f.path);
    assert.notEqual(from, f.path);
    assert.equal(path.dirname(from), path.dirname(f.path), 'same directory, so the rename is atomic');
    assert.equal(fs.existsSync(from), false, 'the temp file became the state file');
    assert.deepEqual(fs.readdirSync(path.dirname(f.path)), [path.basename(f.path)]);
  });

  it('a write that fails half way leaves the previous version and no temp file', () => {
    const f = stateFile<{ v: string }>(userDir, 'watermark', 'n1');
    f.write({ v: 'old' });
    sinon.stub(fs, 'writeSync').throws(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    assert.throws(() => f.write({ v: 'new' }), /ENOSPC/);
    sinon.restore();
    assert.deepEqual(f.read(), { v: 'old' });
    assert.deepEqual(fs.readdirSync(path.dirname(f.path)), [path.basename(f.path)]);
  });

  it('a value that cannot be serialised leaves the previous version and no temp file', () => {
    const f = stateFile<unknown>(userDir, 'watermark', 'n1');
    f.write({ v: 'old' });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.throws(() => f.write(circular), /circular/i);
    assert.throws(() => f.write(undefined), /nothing to write/);
    assert.deepEqual(f.read(), { v: 'old' });
    assert.deepEqual(fs.readdirSync(path.dirname(f.path)), [path.basename(f.path)]);
  });

  it('a corrupt file gives a clear error naming the file', () => {
    const f = stateFile<unknown>(userDir, 'watermark', 'n1');
    f.write({ v: 1 });
    fs.writeFileSync(f.path, '{"v": 1, "seen": [');
    assert.throws(
      () => f.read(),
      (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.ok(err.message.startsWith(`state file ${f.path} is unreadable: `), err.message);
        assert.ok((err as Error & { cause?: unknown }).cause instanceof SyntaxError);
        return true;
      },
    );
  });

  it('remove() deletes the file and tolerates a missing one', () => {
    const f = stateFile<unknown>(userDir, 'token', 'n1');
    f.write('refresh-token');
    f.remove();
    assert.equal(fs.existsSync(f.path), false);
    assert.equal(f.read(), undefined);
    f.remove();
  });

  it('a journal appends records beside the state file, reads them in order and skips a torn tail', () => {
    const f = stateFile<unknown>(userDir, 'writeback', 'n1');
    const j = stateJournal<[string, number]>(f);
    assert.equal(j.path, f.path.replace(/\.json$/, '.journal'));
    assert.deepEqual(j.read(), { records: [], torn: false });
    j.append(['a', 1]);
    j.append(['b', 2]);
    assert.deepEqual(j.read(), {
      records: [
        ['a', 1],
        ['b', 2],
      ],
      torn: false,
    });
    fs.appendFileSync(j.path, '["c", 3');
    assert.deepEqual(j.read(), {
      records: [
        ['a', 1],
        ['b', 2],
      ],
      torn: true,
    });
    j.clear();
    assert.equal(fs.existsSync(j.path), false);
    assert.deepEqual(j.read(), { records: [], torn: false });
    j.clear();
  });

  it('a journal keeps its file open between appends: one open for many records; clear and close release it', () => {
    const j = stateJournal<number>(stateFile<unknown>(userDir, 'x3-update-writeback', 'n1'));
    const open = sinon.spy(fs, 'openSync');
    for (let i = 0; i < 50; i++) j.append(i);
    assert.equal(open.getCalls().filter((c) => c.args[0] === j.path).length, 1);
    assert.deepEqual(j.read().records.length, 50);
    j.clear();
    assert.equal(fs.existsSync(j.path), false);
    j.append(7);
    j.close();
    j.append(8);
    assert.deepEqual(j.read(), { records: [7, 8], torn: false });
    assert.equal(open.getCalls().filter((c) => c.args[0] === j.path).length, 3);
    j.close();
  });

  it('group commit: the appends of one turn share one fsync, run off the event loop; sync() resolves only after it', async () => {
    const j = stateJournal<number>(stateFile<unknown>(userDir, 'x3-update-writeback', 'n2'));
    const held: Array<(err: NodeJS.ErrnoException | null) => void> = [];
    const fsync = sinon
      .stub(fs, 'fsync')
      .callsFake(((_fd: number, cb: (err: NodeJS.ErrnoException | null) => void) =>
        held.push(cb)) as unknown as typeof fs.fsync);
    const fsyncSync = sinon.spy(fs, 'fsyncSync');
    const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
    for (let i = 0; i < 50; i++) j.append(i);
    let durable = false;
    const synced = j.sync().then(() => (durable = true));
    await turn();
    assert.equal(fsync.callCount, 1, 'one fsync for the 50 records');
    assert.ok(fsyncSync.callCount <= 1, 'no blocking fsync of the records (only the new journal directory entry)');
    await turn();
    assert.equal(durable, false, 'not durable before the fsync completes');
    assert.equal(j.sync() === j.sync(), true, 'asked again while it runs: the same flush');
    held[0](null);
    await synced;
    assert.equal(durable, true);
    // a record of a later turn waits for its own fsync, and learns when it failed
    j.append(50);
    const failed = j.sync();
    await turn();
    assert.equal(fsync.callCount, 2);
    held[1](Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    await assert.rejects(failed, /EIO/);
    // nothing appended since: nothing to wait for
    await j.sync();
    // closing flushes what is not yet durable, at once
    j.append(51);
    const closing = j.sync();
    j.close();
    await closing;
    assert.deepEqual(j.read().records, [...Array.from({ length: 50 }, (_, i) => i), 50, 51]);
    assert.equal(fsync.callCount, 2, 'the close flushed it itself');
  });
});
