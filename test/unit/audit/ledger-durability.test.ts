import { strict as assert } from 'assert';
import { fstatSync, fsync, mkdtempSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { LedgerStateError, openSqliteStore, type SqliteAuditStore } from '../../../nodes/audit/sqlite-store';
import type { ClaimMeta } from '../../../nodes/audit/types';
import type { FsyncFn } from '../../../nodes/audit/wal-sync';

const meta = (owner: string): ClaimMeta => ({ owner, system: 'fedex', operation: 'ship.create' });

type SyncedFile = 'wal' | 'db' | 'dir' | 'other';

/** An fsync that records which file it was asked to sync and waits until the test releases it. */
function heldFsync(dbPath: string): {
  fsync: FsyncFn;
  calls: Array<{ file: SyncedFile; released: boolean }>;
  releaseAll(err?: NodeJS.ErrnoException): void;
  holding: boolean;
} {
  const waiting: Array<{ run: (err?: NodeJS.ErrnoException) => void }> = [];
  const state = {
    calls: [] as Array<{ file: SyncedFile; released: boolean }>,
    holding: true,
    fsync: ((fd, cb) => {
      const s = fstatSync(fd);
      let file: SyncedFile = 'other';
      if (s.isDirectory()) file = 'dir';
      else if (s.ino === statSync(`${dbPath}-wal`).ino) file = 'wal';
      else if (s.ino === statSync(dbPath).ino) file = 'db';
      const call = { file, released: false };
      state.calls.push(call);
      const run = (err?: NodeJS.ErrnoException): void => {
        call.released = true;
        if (err) cb(err);
        else fsync(fd, cb);
      };
      if (state.holding) waiting.push({ run });
      else run();
    }) as FsyncFn,
    releaseAll(err?: NodeJS.ErrnoException) {
      for (const w of waiting.splice(0)) w.run(err);
    },
  };
  return state;
}

/** Waits (for real, briefly) until `check` holds: fs callbacks come back from the thread pool. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

function tracked<T>(p: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const promise = p.finally(() => {
    done = true;
  });
  promise.catch(() => undefined);
  return { promise, settled: () => done };
}

describe('SQLite ledger durability (group commit, WAL fsynced off the event loop)', () => {
  let dir: string;
  let path: string;
  const stores: SqliteAuditStore[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sx3s-durable-'));
    path = join(dir, 'ledger.db');
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = (options: Partial<Parameters<typeof openSqliteStore>[0]> = {}): SqliteAuditStore => {
    const s = openSqliteStore({ path, ...options });
    stores.push(s);
    return s;
  };

  /** A store whose WAL is already open (its directory synced), with fsyncs held from now on. */
  async function warmStore(): Promise<{ store: SqliteAuditStore; held: ReturnType<typeof heldFsync> }> {
    const held = heldFsync(path);
    held.holding = false;
    const store = open({ fsync: held.fsync });
    await store.claim('warm-up', meta('a'));
    held.holding = true;
    held.calls.length = 0;
    return { store, held };
  }

  it('a claim resolves only after the WAL holding it was fsynced (the new WAL directory entry first)', async () => {
    const held = heldFsync(path);
    const store = open({ fsync: held.fsync });
    const claim = tracked(store.claim('fedex.ship:SD1', meta('a')));
    await until(() => held.calls.length === 1, 'the first sync');
    assert.equal(held.calls[0].file, 'dir', 'the directory entry of a newly opened WAL is synced first');
    held.releaseAll();
    await until(() => held.calls.length === 2, 'the WAL fsync');
    assert.equal(held.calls[1].file, 'wal');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(claim.settled(), false, 'resolved before its fsync completed');
    held.releaseAll();
    assert.equal((await claim.promise).claimed, true);

    // the next claim waits for its own fsync
    const second = tracked(store.claim('fedex.ship:SD2', meta('a')));
    await until(() => held.calls.length === 3, 'a second WAL fsync');
    assert.equal(held.calls[2].file, 'wal');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(second.settled(), false, 'resolved before its fsync completed');
    held.releaseAll();
    assert.equal((await second.promise).claimed, true);
  });

  it('claims made together share one fsync; claims made while it runs share the next', async () => {
    const { store, held } = await warmStore();
    const first = Array.from({ length: 50 }, (_, i) => tracked(store.claim(`A${i}`, meta('a'))));
    await until(() => held.calls.length === 1, 'the first fsync');
    const second = Array.from({ length: 50 }, (_, i) => tracked(store.claim(`B${i}`, meta('b'))));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(held.calls.length, 1, 'no fsync starts while one runs');
    assert.ok([...first, ...second].every((c) => !c.settled()));
    held.releaseAll();
    for (const c of first) assert.equal((await c.promise).claimed, true);
    await until(() => held.calls.length === 2, 'the second fsync');
    assert.ok(
      second.every((c) => !c.settled()),
      'the second group waits for its own fsync',
    );
    held.releaseAll();
    for (const c of second) assert.equal((await c.promise).claimed, true);
    assert.deepEqual(
      held.calls.map((c) => c.file),
      ['wal', 'wal'],
    );
  });

  it('get() does not report a ledger state before it is durable; other keys answer at once', async () => {
    const { store, held } = await warmStore();
    const claim = store.claim('k', meta('a'));
    const read = tracked(store.get('k'));
    assert.equal((await store.get('warm-up'))?.state, 'claimed', 'a durable entry is read at once');
    await until(() => held.calls.length === 1, 'the fsync');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(read.settled(), false);
    held.releaseAll();
    assert.equal((await read.promise)?.state, 'claimed', 'the read saw the claim asked for before it');
    await claim;
  });

  it('a failed fsync rejects the writes it covered, and later writes are made durable again', async () => {
    const held = heldFsync(path);
    const store = open({ fsync: held.fsync });
    const lost = tracked(store.claim('k1', meta('a')));
    await until(() => held.calls.length > 0, 'the fsync');
    const eio = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    // fail every sync pending now (directory and WAL)
    while (!lost.settled()) {
      held.releaseAll(eio);
      await new Promise((r) => setTimeout(r, 1));
    }
    await assert.rejects(lost.promise, /could not be made durable.*EIO/);
    held.holding = false;
    const next = await store.claim('k2', meta('a'));
    assert.equal(next.claimed, true);
    // the first claim was committed but never reported: its key stays held (nothing was sent)
    assert.equal((await store.claim('k1', meta('b'))).claimed, false);
  });

  it('a refused transition leaves the other writes of its group alone', async () => {
    const store = open();
    const a = store.claim('a', meta('x'));
    const refused = store.complete('never-claimed', { label: 1 }, { owner: 'x', attempt: 1 });
    const b = store.claim('b', meta('x'));
    const done = store.complete('a', { label: 2 }, { owner: 'x', attempt: 1 });
    await assert.rejects(refused, (err: unknown) => err instanceof LedgerStateError && err.code === 'LEDGER_NOT_FOUND');
    assert.equal((await a).claimed, true);
    assert.equal((await b).claimed, true);
    await done;
    assert.equal((await store.get('a'))?.state, 'succeeded');
    assert.deepEqual((await store.get('a'))?.result, { label: 2 });
    assert.equal(await store.get('never-claimed'), undefined);
  });

  it("ledgerSync 'normal' never fsyncs; an in-memory store has nothing to sync", async () => {
    const held = heldFsync(path);
    const normal = open({ fsync: held.fsync, ledgerSync: 'normal' });
    assert.equal((await normal.claim('k', meta('a'))).claimed, true);
    await normal.complete('k', { ok: true }, { owner: 'a', attempt: 1 });
    const memory = openSqliteStore({ path: ':memory:', fsync: held.fsync });
    stores.push(memory);
    assert.equal((await memory.claim('k', meta('a'))).claimed, true);
    assert.equal(held.calls.length, 0);
  });

  it('closing with writes still queued commits them first', async () => {
    const store = openSqliteStore({ path });
    const claim = store.claim('k', meta('a'));
    const track = store.trackShipment('794600000001', { x3Key: 'SD1' });
    await store.close();
    assert.equal((await claim).claimed, true);
    await track;
    const again = open();
    assert.equal((await again.get('k'))?.state, 'claimed');
    assert.equal((await again.getShipment('794600000001'))?.status, 'label_created');
  });
});
