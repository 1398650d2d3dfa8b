import { strict as assert } from 'assert';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  DEFAULT_AUDIT_DB_FILE,
  PG_MISSING_MESSAGE,
  acquireAuditStore,
  openSqliteHandles,
  resolveSqlitePath,
} from '../../../nodes/audit/store-factory';

describe('audit store factory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sx3s-factory-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves the default file in the base (user) directory', () => {
    assert.equal(resolveSqlitePath(undefined, '/home/nr/.node-red'), join('/home/nr/.node-red', DEFAULT_AUDIT_DB_FILE));
    assert.equal(resolveSqlitePath('audit/x.db', '/u'), '/u/audit/x.db');
    assert.equal(resolveSqlitePath('/abs/x.db', '/u'), '/abs/x.db');
    assert.equal(resolveSqlitePath(':memory:', '/u'), ':memory:');
  });

  it('shares one handle per file and closes it when the last user releases it', async () => {
    const a = acquireAuditStore({ baseDir: dir });
    const b = acquireAuditStore({ baseDir: dir, path: DEFAULT_AUDIT_DB_FILE, maskPersonalData: true });
    const path = join(dir, DEFAULT_AUDIT_DB_FILE);
    assert.ok(existsSync(path));
    assert.deepEqual(
      openSqliteHandles().filter((h) => h.path === path),
      [{ path, refs: 2 }],
    );
    const e = await a.record({
      system: 'flow',
      operation: 'x',
      status: 'received',
      msg: { payload: { phone: '555' } },
    });
    assert.ok(await b.getEntry(e.id), 'both views see one database');
    const masked = await b.record({
      system: 'flow',
      operation: 'x',
      status: 'received',
      msg: { payload: { phone: '555' } },
    });
    assert.deepEqual(masked.msg, { payload: { phone: '[masked]' } }, 'each view keeps its own masking option');
    assert.deepEqual((await a.getEntry(e.id))?.msg, { payload: { phone: '555' } });
    await a.close();
    await a.close(); // a second close releases nothing more
    assert.deepEqual(
      openSqliteHandles().filter((h) => h.path === path),
      [{ path, refs: 1 }],
    );
    assert.ok(await b.getEntry(e.id), 'still open for the other user');
    await b.close();
    assert.deepEqual(
      openSqliteHandles().filter((h) => h.path === path),
      [],
    );
    const c = acquireAuditStore({ baseDir: dir });
    assert.ok(await c.getEntry(e.id), 'reopens the same file');
    await c.close();
  });

  it('postgres: asks for pg when it is missing, and for a connection string', () => {
    assert.throws(
      () =>
        acquireAuditStore({
          backend: 'postgres',
          connection: 'postgres://u@h/db',
          loadModule: () => {
            throw new Error("Cannot find module 'pg'");
          },
        }),
      (err: Error) => err.message === PG_MISSING_MESSAGE,
    );
    assert.throws(
      () => acquireAuditStore({ backend: 'postgres', connection: 'postgres://u@h/db', loadModule: () => ({}) }),
      (err: Error) => err.message.startsWith(PG_MISSING_MESSAGE),
    );
    assert.throws(() => acquireAuditStore({ backend: 'postgres', connection: ' ' }), /needs a connection string/);
    assert.throws(
      () => acquireAuditStore({ backend: 'postgres', connection: 'postgres://u@h/db', schema: 'a;drop' }),
      /plain identifier/,
    );
    assert.throws(() => acquireAuditStore({ backend: 'mongo' as never }), /unknown audit store backend/);
  });
});
