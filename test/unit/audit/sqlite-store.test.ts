import { strict as assert } from 'assert';
import Database from 'better-sqlite3';
import { spawn } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { MIGRATIONS, migrate, schemaVersion, type Migration } from '../../../nodes/audit/migrations';
import {
  openSqliteDatabase,
  openSqliteStore,
  SQLITE_CACHE_KIB,
  timeOrderedId,
} from '../../../nodes/audit/sqlite-store';
import type { AuditStore } from '../../../nodes/audit/types';
import { describeAuditStoreContract, manualClock } from './store-contract';
import { holdOf } from '../../../nodes/audit/ledger-hold';

const ROOT = resolve(__dirname, '..', '..', '..');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sx3s-audit-'));
}

describe('SQLite audit store', () => {
  // the shared contract, on files (two opens of one name = two connections to one file)
  let dir: string | undefined;
  describeAuditStoreContract('sqlite', {
    async open(db, options) {
      dir ??= tempDir();
      return openSqliteStore({ path: join(dir, `${db}.db`), ...options });
    },
    async cleanup() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  });

  describe('file and schema', () => {
    let d: string;
    const stores: AuditStore[] = [];
    beforeEach(() => {
      d = tempDir();
    });
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      rmSync(d, { recursive: true, force: true });
    });

    it('creates the directory, runs in WAL mode and records the schema version', async () => {
      const path = join(d, 'nested', 'dir', 'audit.db');
      stores.push(openSqliteStore({ path }));
      const raw = new Database(path, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        assert.equal(schemaVersion(raw), MIGRATIONS.length);
        const tables = (
          raw.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as Array<{ name: string }>
        ).map((r) => r.name);
        for (const t of [
          'audit_entries',
          'audit_tracking',
          'ledger',
          'tracked_shipments',
          'seen_ids',
          'schema_version',
        ]) {
          assert.ok(tables.includes(t), `table ${t}`);
        }
      } finally {
        raw.close();
      }
    });

    it('bounds the page cache of a connection (it stays resident until the connection closes)', () => {
      const database = openSqliteDatabase(join(d, 'cache.db'));
      try {
        assert.equal(database.db.pragma('cache_size', { simple: true }), -SQLITE_CACHE_KIB);
        assert.ok(SQLITE_CACHE_KIB <= 16 * 1024, `${SQLITE_CACHE_KIB} KiB`);
      } finally {
        database.close();
      }
    });

    it('opening an existing file again applies no migration twice', async () => {
      const path = join(d, 'a.db');
      const s1 = openSqliteStore({ path });
      await s1.record({ system: 'x3', operation: 'poll', status: 'received' });
      await s1.close();
      const s2 = openSqliteStore({ path });
      stores.push(s2);
      assert.equal((await s2.query({})).total, 1);
      const raw = new Database(path);
      try {
        assert.deepEqual(migrate(raw), { from: MIGRATIONS.length, to: MIGRATIONS.length });
        const rows = raw.prepare('SELECT version FROM schema_version').all();
        assert.equal(rows.length, MIGRATIONS.length);
      } finally {
        raw.close();
      }
    });

    it('refuses a file written by a newer plugin version', () => {
      const path = join(d, 'newer.db');
      openSqliteStore({ path }).close();
      const raw = new Database(path);
      raw.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 'x')").run();
      raw.close();
      assert.throws(() => openSqliteStore({ path }), /newer than this plugin supports/);
    });

    it('migrate applies pending migrations in order, each once', () => {
      const raw = new Database(':memory:');
      const applied: number[] = [];
      const m = (version: number): Migration => ({
        version,
        description: `m${version}`,
        up: (db) => {
          applied.push(version);
          db.exec(`CREATE TABLE t${version} (x)`);
        },
      });
      assert.deepEqual(migrate(raw, [m(1)]), { from: 0, to: 1 });
      assert.deepEqual(migrate(raw, [m(2), m(1), m(3)]), { from: 1, to: 3 });
      assert.deepEqual(migrate(raw, [m(1), m(2), m(3)]), { from: 3, to: 3 });
      assert.deepEqual(applied, [1, 2, 3]);
      assert.throws(() => migrate(raw, [m(1), m(3)]), /numbered 1..n/);
      raw.close();
    });

    it('a failing migration leaves the previous version intact', () => {
      const raw = new Database(':memory:');
      migrate(raw, [{ version: 1, description: 'one', up: (db) => db.exec('CREATE TABLE one (x)') }]);
      const bad: Migration = {
        version: 2,
        description: 'two',
        up: (db) => {
          db.exec('CREATE TABLE two (x)');
          throw new Error('boom');
        },
      };
      assert.throws(() => migrate(raw, [{ version: 1, description: 'one', up: () => undefined }, bad]), /boom/);
      assert.equal(schemaVersion(raw), 1);
      assert.equal(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'two'").get(), undefined);
      raw.close();
    });

    it('works in memory', async () => {
      const s = openSqliteStore({ path: ':memory:' });
      stores.push(s);
      await s.record({ system: 'flow', operation: 'x', status: 'received' });
      assert.equal((await s.query({})).total, 1);
    });

    it('purges in batches larger than one transaction', async () => {
      const clock = manualClock();
      const s = openSqliteStore({ path: join(d, 'purge.db'), now: clock.now });
      stores.push(s);
      await s.recordBatch(
        Array.from({ length: 12_345 }, (_, i) => ({
          system: 'fedex' as const,
          operation: 'track',
          status: 'succeeded' as const,
          correlation: { trackingNumbers: [`T${i}`] },
        })),
      );
      clock.advance(1000);
      const keep = await s.record({ system: 'x3', operation: 'poll', status: 'received' });
      assert.equal(await s.purgeBefore(new Date(clock.now()).toISOString()), 12_345);
      assert.equal((await s.query({ limit: 0 })).total, 1);
      assert.ok(await s.getEntry(keep.id));
      assert.equal((await s.query({ trackingNumber: 'T77' })).total, 0);
    });

    it('a ledger of labels: moving the bytes to files and purging makes the file shrink', async () => {
      const path = join(d, 'shrink.db');
      const clock = manualClock();
      const s = openSqliteStore({ path, now: clock.now, ledgerSync: 'normal' });
      stores.push(s);
      const label = Buffer.alloc(50_000, 7).toString('base64');
      for (let i = 0; i < 300; i++) {
        const { entry } = await s.claim(`k${i}`, { owner: 'o', system: 'fedex', operation: 'ship.create' });
        await s.complete(`k${i}`, { payload: { labels: [{ trackingNumber: `T${i}`, data: label }] } }, holdOf(entry));
        await s.record({ system: 'fedex', operation: 'ship.create', status: 'succeeded', msg: { payload: label } });
      }
      const size = (): number => statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
      s.close();
      stores.pop();
      const again = openSqliteStore({ path, now: clock.now, ledgerSync: 'normal' });
      stores.push(again);
      const before = size();
      assert.ok(before > 300 * 50_000, `${before}`);
      const moved = await again.rewriteLedgerResults(
        async () => ({ payload: { labels: [{ trackingNumber: 'T', ref: { path: 'x.pdf' } }] } }),
        { contains: '"data":' },
      );
      assert.equal(moved, 300);
      const afterMove = size();
      assert.ok(afterMove < before * 0.6, `ledger rewrite: ${before} -> ${afterMove}`);
      clock.advance(200 * 86_400_000);
      await again.purgeBefore(new Date(clock.now()).toISOString());
      const afterPurge = size();
      assert.ok(afterPurge < 2_000_000, `purge: ${afterMove} -> ${afterPurge}`);
    });

    it('purges seen ids and closed shipments older than the cutoff', async () => {
      const clock = manualClock();
      const s = openSqliteStore({ path: join(d, 'purge2.db'), now: clock.now });
      stores.push(s);
      await s.markSeen('w', 'old');
      await s.updateShipment('OLD-CLOSED', { status: 'delivered', closed: true });
      await s.updateShipment('OLD-OPEN', { status: 'in_transit', closed: false });
      clock.advance(86_400_000);
      await s.purgeBefore(new Date(clock.now() - 1000).toISOString());
      assert.equal(await s.markSeen('w', 'old'), true, 'seen id purged');
      assert.equal(await s.getShipment('OLD-CLOSED'), undefined);
      assert.ok(await s.getShipment('OLD-OPEN'), 'open shipments are kept');
    });

    it('ids sort by time', () => {
      const a = timeOrderedId(Date.parse('2025-01-01T00:00:00Z'));
      const b = timeOrderedId(Date.parse('2025-01-01T00:00:00.001Z'));
      const c = timeOrderedId(Date.parse('2026-01-01T00:00:00Z'));
      assert.ok(a < b && b < c);
      assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });
  });

  describe('what reaches the disk', () => {
    let d: string;
    beforeEach(() => {
      d = tempDir();
    });
    afterEach(() => rmSync(d, { recursive: true, force: true }));

    /** every byte SQLite wrote: the database file and its WAL */
    const rawBytes = (): string =>
      readdirSync(d)
        .map((f) => readFileSync(join(d, f)).toString('latin1'))
        .join('\n');

    const personal = ['Jane Doe', '2125550100', 'jane@example.com', '1 Broadway', 'ACME Widgets Ltd', '55 Rue X3'];
    const secrets = ['hunter2-secret', 'KEY-123-SECRET', 'abc.def.ghi-token', 'refresh-ABC-999', 'client-SECRET-42'];

    const msg = (): Record<string, unknown> => ({
      payload: {
        shipTo: {
          name: 'Jane Doe',
          company: 'ACME Widgets Ltd',
          street1: '1 Broadway',
          phone: '2125550100',
          city: 'NYC',
        },
        customerEmail: 'jane@example.com',
        x3: { BPDADDLIG: ['55 Rue X3'], BPDNAM: 'Jane Doe' },
      },
      headers: { authorization: 'Bearer abc.def.ghi-token', 'X-Api-Key': 'KEY-123-SECRET' },
      credentials: { password: 'hunter2-secret' },
      oauth: { refresh_token: 'refresh-ABC-999', clientSecret: 'client-SECRET-42' },
      req: { socket: 'not stored' },
      callback: () => 'not stored',
    });

    it('masking on: no personal value and no secret in the database files', async () => {
      const s = openSqliteStore({ path: join(d, 'a.db'), maskPersonalData: true });
      await s.record({ system: 'shipstation', operation: 'order.fetch', status: 'failed', msg: msg() });
      const { entry } = await s.claim('k', { owner: 'o', system: 'shipstation', operation: 'order.create' });
      const { req: _req, callback: _cb, ...result } = msg();
      await s.complete('k', result, holdOf(entry));
      const bytes = rawBytes();
      await s.close();
      for (const v of [...personal, ...secrets]) assert.ok(!bytes.includes(v), `"${v}" found on disk`);
      assert.ok(bytes.includes('[masked]'));
      assert.ok(bytes.includes('NYC'));
    });

    it('masking off: personal data is stored, secrets still are not', async () => {
      const s = openSqliteStore({ path: join(d, 'b.db') });
      await s.record({ system: 'shipstation', operation: 'order.fetch', status: 'failed', msg: msg() });
      const { entry } = await s.claim('k', { owner: 'o', system: 'shipstation', operation: 'order.create' });
      const { req: _req, callback: _cb, ...result } = msg();
      await s.complete('k', result, holdOf(entry));
      const bytes = rawBytes();
      await s.close();
      assert.ok(bytes.includes('Jane Doe'));
      for (const v of secrets) assert.ok(!bytes.includes(v), `"${v}" found on disk`);
      assert.ok(!bytes.includes('not stored'));
    });
  });

  describe('across processes', function () {
    this.timeout(60_000);
    let d: string;
    beforeEach(() => {
      d = tempDir();
    });
    afterEach(() => rmSync(d, { recursive: true, force: true }));

    const runTs = (file: string, args: string[]) =>
      spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', file), ...args], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      });

    it('a claim survives the process being killed without closing the store', async () => {
      const path = join(d, 'crash.db');
      const child = runTs('claim-and-crash.ts', [path, 'fedex.ship:SDH-CRASH', 'owner-crashed']);
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
        child.on('exit', (c, s) => res({ code: c, signal: s })),
      );
      assert.equal(signal, 'SIGKILL', `child exited with code ${code}: ${stderr}`);

      const s = openSqliteStore({ path });
      try {
        const entry = await s.get('fedex.ship:SDH-CRASH');
        assert.equal(entry?.state, 'claimed');
        assert.equal(entry?.owner, 'owner-crashed');
        const again = await s.claim('fedex.ship:SDH-CRASH', {
          owner: 'owner-new',
          system: 'fedex',
          operation: 'ship.create',
        });
        assert.equal(again.claimed, false, 'the crashed claim still holds the key');
        assert.equal((await s.query({ idempotencyKey: 'fedex.ship:SDH-CRASH' })).total, 1);
        assert.equal(await s.markSeen('crash-test', 'fedex.ship:SDH-CRASH'), false);
      } finally {
        await s.close();
      }
    });

    it('several processes claiming the same keys at once: each key has exactly one winner', async () => {
      const path = join(d, 'race.db');
      openSqliteStore({ path }).close(); // create the schema before the race
      const owners = ['p1', 'p2', 'p3'];
      const keys = 150;
      const children = owners.map((o) => runTs('claim-race.ts', [path, o, String(keys)]));
      const outputs = children.map(
        (c) =>
          new Promise<string>((res, rej) => {
            let out = '';
            let err = '';
            c.stdout.on('data', (b: Buffer) => (out += b.toString()));
            c.stderr.on('data', (b: Buffer) => (err += b.toString()));
            c.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`child exited ${code}: ${err}`))));
          }),
      );
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((res) => {
              const onData = (b: Buffer): void => {
                if (b.toString().includes('ready')) {
                  c.stdout.off('data', onData);
                  res();
                }
              };
              c.stdout.on('data', onData);
            }),
        ),
      );
      for (const c of children) c.stdin.write('go\n');
      const won = (await Promise.all(outputs)).map(
        (out) => JSON.parse(out.trim().split('\n').pop() as string) as string[],
      );
      const all = won.flat();
      assert.equal(all.length, keys, `total wins ${all.length}`);
      assert.equal(new Set(all).size, keys);
      const s = openSqliteStore({ path });
      try {
        for (let i = 0; i < owners.length; i++) {
          for (const k of won[i].slice(0, 20)) assert.equal((await s.get(k))?.owner, owners[i]);
        }
      } finally {
        await s.close();
      }
    });
  });
});
