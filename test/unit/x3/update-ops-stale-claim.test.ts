/**
 * x3-update create after a crash: the process that claimed the ledger key died before X3 had the
 * record (found by the e2e crash test's scenario). The restarted process, looking the record up
 * by its external reference and not finding it, takes the stale claim over and creates it once;
 * a claim of its own process (an attempt still running) and a create without any reference to
 * look up are left alone.
 */
import { strict as assert } from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ApiError } from '../../../nodes/core/errors';
import { stateFile } from '../../../nodes/core/state-file';
import { openSqliteStore, type SqliteAuditStore } from '../../../nodes/audit/sqlite-store';
import type { X3Connection } from '../../../nodes/x3/connection';
import { runUpdate, type UpdateContext, type UpdateSettings } from '../../../nodes/x3/update-ops';
import { fileLastWrittenStore } from '../../../nodes/x3/write-back';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { connect, getPath as get } from './fixtures';

describe('x3 update: create after a crash left a stale ledger claim', () => {
  let sim: X3Sim;
  let conn: X3Connection;
  let dir: string;
  let ledger: SqliteAuditStore;

  beforeEach(async () => {
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      records: { customer: 2, product: 2, salesOrder: 1, salesDelivery: 0 },
    });
    conn = connect(sim);
    dir = mkdtempSync(join(tmpdir(), 'sx3s-x3-stale-'));
    ledger = openSqliteStore({ path: ':memory:' });
  });
  afterEach(async () => {
    await conn.close();
    await sim.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const settings = (o: Partial<UpdateSettings> = {}): UpdateSettings => ({
    operation: 'create',
    keyTemplate: '',
    externalRefField: 'CUSORDREF',
    externalRefTemplate: '{{payload.orderNumber}}',
    mapping: {},
    recordProperty: 'x3Draft.salesOrder',
    idempotencyTemplate: '',
    ...o,
  });
  const ctx = (s: UpdateSettings, owner: string): UpdateContext => ({
    gateway: conn,
    def: conn.entity('salesOrder'),
    settings: s,
    lastWritten: fileLastWrittenStore(stateFile(dir, 'x3-update-writeback', 'u1')),
    ledger: { store: ledger, owner },
    getProperty: get,
  });
  const order = (ref: string): Record<string, unknown> => ({
    payload: { orderNumber: ref },
    x3Draft: {
      salesOrder: {
        SALFCY: 'NA011',
        BPCORD: String(sim.store.list('customer')[0].values.BPCNUM),
        ORDDAT: '2025-02-01',
        lines: [{ ITMREF: String(sim.store.list('product')[0].values.ITMREF), QTY: 1 }],
      },
    },
  });
  const ordersWith = (ref: string): number =>
    sim.store.list('salesOrder').filter((r) => r.values.CUSORDREF === ref).length;
  const claim = (key: string, owner: string) =>
    ledger.claim(key, { owner, system: 'x3', operation: 'x3.create', correlation: { x3Entity: 'salesOrder' } });

  it('takes over a claim of a dead process when X3 has no record with the reference, and creates it once', async () => {
    const key = 'x3.create:SEED:salesOrder:CUSORDREF=SS-CRASH-1';
    await claim(key, 'process-that-died');
    const out = await runUpdate(ctx(settings(), 'restarted-process'), order('SS-CRASH-1'));
    assert.equal(out.items[0].created, true);
    assert.equal(ordersWith('SS-CRASH-1'), 1);
    const entry = await ledger.get(key);
    assert.equal(entry?.state, 'succeeded');
    assert.equal(entry?.owner, 'restarted-process');
    // and from then on it is found by its reference
    const again = await runUpdate(ctx(settings(), 'restarted-process'), order('SS-CRASH-1'));
    assert.equal(again.items[0].created, false);
    assert.equal(ordersWith('SS-CRASH-1'), 1);
  });

  it('leaves a claim of its own process alone (that attempt may still be running)', async () => {
    await claim('x3.create:SEED:salesOrder:CUSORDREF=SS-CRASH-2', 'this-process');
    await assert.rejects(
      runUpdate(ctx(settings(), 'this-process'), order('SS-CRASH-2')),
      (err: unknown) => err instanceof ApiError && err.code === 'X3_IN_PROGRESS',
    );
    assert.equal(ordersWith('SS-CRASH-2'), 0);
  });

  it('does not take over when there is no reference or key to check X3 with', async () => {
    const s = settings({
      externalRefField: '',
      externalRefTemplate: '',
      idempotencyTemplate: 'order-{{payload.orderNumber}}',
    });
    await claim('x3.create:SEED:salesOrder:order-SS-CRASH-3', 'process-that-died');
    await assert.rejects(
      runUpdate(ctx(s, 'restarted-process'), order('SS-CRASH-3')),
      (err: unknown) => err instanceof ApiError && err.code === 'X3_IN_PROGRESS',
    );
  });
});
