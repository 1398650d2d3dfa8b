import { strict as assert } from 'assert';
import { fsync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { openSqliteStore, type SqliteAuditStore } from '../../../nodes/audit/sqlite-store';
import type { FsyncFn } from '../../../nodes/audit/wal-sync';

describe('SQLite webhook inbox (events stored before the sender is answered)', () => {
  let dir: string;
  let path: string;
  const stores: SqliteAuditStore[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sx3s-inbox-'));
    path = join(dir, 'audit.db');
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

  it('stores events once per (scope, event id) and lists the pending ones in arrival order', async () => {
    const store = open();
    const first = await store.inboxAdd('hook:1', [
      { eventId: 'a', payload: { n: 1 } },
      { eventId: 'b', payload: { n: 2 } },
    ]);
    assert.deepEqual(first, { added: ['a', 'b'], duplicates: [] });
    const again = await store.inboxAdd('hook:1', [
      { eventId: 'b', payload: { n: 2, attempt: 2 } },
      { eventId: 'c', payload: { n: 3 } },
    ]);
    assert.deepEqual(again, { added: ['c'], duplicates: ['b'] });
    // another scope (another node) has its own events
    assert.deepEqual((await store.inboxAdd('hook:2', [{ eventId: 'a', payload: {} }])).added, ['a']);
    const pending = await store.inboxPending('hook:1', 10);
    assert.deepEqual(
      pending.map((e) => [e.eventId, e.payload]),
      [
        ['a', { n: 1 }],
        ['b', { n: 2 }],
        ['c', { n: 3 }],
      ],
    );
    assert.match(pending[0].receivedAt, /Z$/);
    assert.equal((await store.inboxPending('hook:1', 2)).length, 2);
  });

  it('settling records its audit entry in the same commit, once; settled events are no longer pending', async () => {
    const store = open();
    await store.inboxAdd('hook:1', [
      { eventId: 'a', payload: 1 },
      { eventId: 'b', payload: 2 },
    ]);
    const entry = { system: 'fedex' as const, operation: 'webhook', status: 'received' as const, msg: { payload: 1 } };
    await store.inboxSettle('hook:1', 'a', 'applied', entry);
    await store.inboxSettle('hook:1', 'a', 'applied', entry);
    await store.inboxSettle('hook:1', 'b', 'failed');
    assert.deepEqual(await store.inboxPending('hook:1', 10), []);
    const trail = await store.query({ operation: 'webhook' });
    assert.equal(trail.total, 1, 'a second settle records nothing');
    assert.deepEqual(trail.entries[0].msg, { payload: 1 });
    // a settled event is still known: its redelivery is a duplicate
    assert.deepEqual((await store.inboxAdd('hook:1', [{ eventId: 'a', payload: 1 }])).duplicates, ['a']);
  });

  it('pending events survive closing and reopening the file; the retention purge keeps them', async () => {
    let now = Date.parse('2025-03-01T00:00:00Z');
    const store = open({ now: () => now });
    await store.inboxAdd('hook:1', [
      { eventId: 'old-applied', payload: 1 },
      { eventId: 'old-pending', payload: 2 },
    ]);
    await store.inboxSettle('hook:1', 'old-applied', 'applied');
    now += 100 * 86_400_000;
    await store.purgeBefore(new Date(now - 90 * 86_400_000).toISOString());
    await store.close();
    const reopened = open();
    assert.deepEqual(
      (await reopened.inboxPending('hook:1', 10)).map((e) => e.eventId),
      ['old-pending'],
    );
    // the purged settled event is forgotten (after retention a redelivery is new again)
    assert.deepEqual((await reopened.inboxAdd('hook:1', [{ eventId: 'old-applied', payload: 1 }])).added, [
      'old-applied',
    ]);
  });

  it('an add resolves only after the WAL is fsynced, and fails when the fsync fails', async () => {
    const held: Array<() => void> = [];
    let fail = false;
    const heldFsync: FsyncFn = (fd, cb) => {
      held.push(() => (fail ? cb(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })) : fsync(fd, cb)));
    };
    const store = open({ fsync: heldFsync });
    let done = false;
    const add = store.inboxAdd('hook:1', [{ eventId: 'a', payload: 1 }]).then((r) => ((done = true), r));
    for (let i = 0; i < 20 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(held.length > 0, 'an fsync was asked for');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done, false, 'not resolved before the fsync');
    // release every fsync asked for (the directory's, then the WAL's) until the add resolves
    while (!done) {
      for (const run of held.splice(0)) run();
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual((await add).added, ['a']);

    fail = true;
    const failing = store.inboxAdd('hook:1', [{ eventId: 'b', payload: 2 }]);
    failing.catch(() => undefined);
    for (let i = 0; i < 200 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    for (const run of held.splice(0)) run();
    await assert.rejects(failing, /could not be made durable/);
  });

  it('refuses an event without an id', async () => {
    const store = open();
    await assert.rejects(store.inboxAdd('hook:1', [{ eventId: '', payload: 1 }]), /eventId/);
    await assert.rejects(store.inboxAdd('', [{ eventId: 'a', payload: 1 }]), /scope/);
  });
});
