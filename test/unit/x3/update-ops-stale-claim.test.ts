/**
 * x3-update create after a crash: the process that claimed the ledger key died before recording
 * the outcome (found by the e2e crash test's scenario). Its SOAP `save` may still be running in
 * X3's pool, so the restarted process waits a grace from when the create was sent, then looks the
 * record up by its external reference: X3's explicit "none" lets it take the claim over and
 * create once, a record found is adopted, and no answer (or nothing to look it up by) leaves the
 * entry 'unknown' for an operator. A claim of its own process (an attempt still running) is left
 * alone.
 */
import { strict as assert } from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ApiError } from '../../../nodes/core/errors';
import { stateFile } from '../../../nodes/core/state-file';
import { openSqliteStore, type SqliteAuditStore } from '../../../nodes/audit/sqlite-store';
import type { X3Client } from '../../../nodes/x3/client';
import type { X3Connection } from '../../../nodes/x3/connection';
import type { EntityDefinition, X3Record } from '../../../nodes/x3/entities';
import { runUpdate, type UpdateContext, type UpdateSettings, type X3Gateway } from '../../../nodes/x3/update-ops';
import { fileLastWrittenStore } from '../../../nodes/x3/write-back';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { connect, getPath as get } from './fixtures';

/** Time since the create was sent before X3 is asked whether a dead process's create reached it. */
const GRACE = 5 * 60_000;

describe('x3 update: create after a crash left a stale ledger claim', () => {
  let sim: X3Sim;
  let conn: X3Connection;
  let dir: string;
  let ledger: SqliteAuditStore;
  // one clock for the ledger's timestamps and the takeover grace; waits move it (simulated time)
  let t = Date.UTC(2025, 1, 1, 9, 0, 0);
  let waits: number[] = [];
  let duringWait: () => void = () => undefined;

  beforeEach(async () => {
    t = Date.UTC(2025, 1, 1, 9, 0, 0);
    waits = [];
    duringWait = () => undefined;
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      records: { customer: 2, product: 2, salesOrder: 1, salesDelivery: 0 },
    });
    conn = connect(sim);
    dir = mkdtempSync(join(tmpdir(), 'sx3s-x3-stale-'));
    ledger = openSqliteStore({ path: ':memory:', now: () => t });
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
    takeoverGraceMs: GRACE,
    ...o,
  });
  const ctx = (s: UpdateSettings, owner: string, gateway: X3Gateway = conn): UpdateContext => ({
    gateway,
    def: conn.entity('salesOrder'),
    settings: s,
    lastWritten: fileLastWrittenStore(stateFile(dir, 'x3-update-writeback', 'u1')),
    ledger: { store: ledger, owner },
    getProperty: get,
    now: () => t,
    sleep: async (ms) => {
      waits.push(ms);
      duringWait();
      t += ms;
    },
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
  /** conn, with the lookups by reference going through `findBy` (n counts them from 1). */
  const lookingUp = (
    findBy: (
      real: X3Client,
      def: EntityDefinition,
      field: string,
      value: string,
      n: number,
    ) => Promise<X3Record | undefined>,
  ): X3Gateway => {
    let n = 0;
    return {
      folder: conn.folder,
      styleFor: (def, op) => conn.styleFor(def, op),
      runSubprogram: (publication, group, fields) => conn.runSubprogram(publication, group, fields),
      clientFor: (def, op) => {
        const real = conn.clientFor(def, op);
        if (op !== 'read') return real;
        const wrapped = Object.create(real) as X3Client;
        wrapped.findBy = (d, field, value) => findBy(real, d, field, value, ++n);
        return wrapped;
      },
    };
  };
  /** The order a dead process's `save` creates in X3 (X3 numbers it). */
  const deadSaveLands = (ref: string): void => {
    const draft = order(ref).x3Draft as { salesOrder: Record<string, unknown> };
    sim.store.insert('salesOrder', { ...draft.salesOrder, CUSORDREF: ref, SOHTYP: 'SON' }, { via: 'soap' });
  };

  it('takes over a claim of a dead process once the grace since it was sent has passed and X3 has no record with the reference, and creates it once', async () => {
    const key = 'x3.create:SEED:salesOrder:CUSORDREF=SS-CRASH-1';
    await claim(key, 'process-that-died');
    t += GRACE;
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

  it('waits out the grace since the create was sent before asking X3 (its save may still be running in the pool): a save landing meanwhile is found, not created twice', async () => {
    const key = 'x3.create:SEED:salesOrder:CUSORDREF=SS-CRASH-4';
    await claim(key, 'process-that-died');
    t += 60_000; // the restarted process re-reads the order a minute after the claim
    duringWait = () => deadSaveLands('SS-CRASH-4'); // the dead process's save finishes in X3's pool
    const out = await runUpdate(ctx(settings(), 'restarted-process'), order('SS-CRASH-4'));
    assert.deepEqual(waits, [GRACE - 60_000], 'until the grace since the claim (sent right after it)');
    assert.equal(out.items[0].created, false);
    assert.equal(ordersWith('SS-CRASH-4'), 1);
    const entry = await ledger.get(key);
    assert.equal(entry?.state, 'succeeded');
    assert.equal(entry?.owner, 'restarted-process');
  });

  it('a closing node ends the wait: nothing is created or decided', async () => {
    const key = 'x3.create:SEED:salesOrder:CUSORDREF=SS-CRASH-7';
    await claim(key, 'process-that-died');
    const closing = new AbortController();
    closing.abort(new Error('closing'));
    await assert.rejects(
      runUpdate(
        { ...ctx(settings(), 'restarted-process'), sleep: undefined, signal: closing.signal },
        order('SS-CRASH-7'),
      ),
      /closing/,
    );
    assert.equal(ordersWith('SS-CRASH-7'), 0);
    assert.equal((await ledger.get(key))?.owner, 'process-that-died');
  });

  it('after the grace, a record the dead attempt created is adopted from a lookup made then, not created again', async () => {
    const key = 'x3.create:SEED:salesOrder:CUSORDREF=SS-CRASH-5';
    await claim(key, 'process-that-died');
    t += GRACE;
    // the msg's first lookup finds nothing; the dead save lands before the takeover looks again
    const gateway = lookingUp(async (real, def, field, value, n) => {
      const found = await real.findBy(def, field, value);
      if (n === 1) deadSaveLands('SS-CRASH-5');
      return found;
    });
    const out = await runUpdate(ctx(settings(), 'restarted-process', gateway), order('SS-CRASH-5'));
    assert.equal(out.items[0].created, false);
    assert.equal(ordersWith('SS-CRASH-5'), 1);
    const entry = await ledger.get(key);
    assert.equal(entry?.state, 'succeeded');
    assert.equal(out.items[0].key, (entry?.result as { record: X3Record }).record.SOHNUM);
  });

  it('after the grace, a lookup without an answer is no proof: the entry becomes unknown and the order is never created by itself', async () => {
    const key = 'x3.create:SEED:salesOrder:CUSORDREF=SS-CRASH-6';
    await claim(key, 'process-that-died');
    t += GRACE;
    const gateway = lookingUp(async (real, def, field, value, n) => {
      if (n === 1) return real.findBy(def, field, value);
      throw new ApiError({ system: 'x3', code: 'TIMEOUT', message: 'POST /xtrem/api timed out', retryable: true });
    });
    await assert.rejects(
      runUpdate(ctx(settings(), 'restarted-process', gateway), order('SS-CRASH-6')),
      (err: unknown) => err instanceof ApiError && err.code === 'X3_OUTCOME_UNKNOWN' && /timed out/.test(err.message),
    );
    assert.equal(ordersWith('SS-CRASH-6'), 0);
    assert.equal((await ledger.get(key))?.state, 'unknown');
    // the next msg, X3 answering again: still for an operator
    await assert.rejects(
      runUpdate(ctx(settings(), 'restarted-process'), order('SS-CRASH-6')),
      (err: unknown) => err instanceof ApiError && err.code === 'X3_OUTCOME_UNKNOWN',
    );
    assert.equal(ordersWith('SS-CRASH-6'), 0);
  });

  it('with no reference or key to check X3 with, a dead claim becomes unknown after the grace; never created by itself', async () => {
    const s = settings({
      externalRefField: '',
      externalRefTemplate: '',
      idempotencyTemplate: 'order-{{payload.orderNumber}}',
    });
    const key = 'x3.create:SEED:salesOrder:order-SS-CRASH-3';
    await claim(key, 'process-that-died');
    await assert.rejects(
      runUpdate(ctx(s, 'restarted-process'), order('SS-CRASH-3')),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 'X3_OUTCOME_UNKNOWN' &&
        /no external reference or key/.test(err.message),
    );
    assert.deepEqual(waits, [GRACE]);
    assert.equal((await ledger.get(key))?.state, 'unknown');
    assert.equal(ordersWith('SS-CRASH-3'), 0);
  });
});
