import { strict as assert } from 'assert';
import fs from 'node:fs';
import sinon from 'sinon';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ApiError, ValidationError } from '../../../nodes/core/errors';
import { stateFile } from '../../../nodes/core/state-file';
import { openSqliteStore, type SqliteAuditStore } from '../../../nodes/audit/sqlite-store';
import type { X3Connection } from '../../../nodes/x3/connection';
import { runUpdate, type UpdateContext, type UpdateSettings } from '../../../nodes/x3/update-ops';
import { fileLastWrittenStore, type LastWrittenStore } from '../../../nodes/x3/write-back';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { connect, getPath as get } from './fixtures';

const base: UpdateSettings = {
  operation: 'update',
  keyTemplate: '',
  externalRefField: '',
  externalRefTemplate: '',
  mapping: {},
  recordProperty: '',
  idempotencyTemplate: '',
};

describe('x3 update operations against the simulator', () => {
  let sim: X3Sim;
  let conn: X3Connection;
  let dir: string;
  let ledger: SqliteAuditStore;
  let lastWritten: LastWrittenStore;
  beforeEach(async () => {
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      records: { customer: 3, product: 4, salesOrder: 3, salesDelivery: 10 },
    });
    conn = connect(sim);
    dir = mkdtempSync(join(tmpdir(), 'sx3s-x3-upd-'));
    ledger = openSqliteStore({ path: ':memory:' });
    lastWritten = fileLastWrittenStore(stateFile(dir, 'x3-update-writeback', 'u1'));
  });
  afterEach(async () => {
    await conn.close();
    await sim.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ctx = (
    entity: string,
    settings: Partial<UpdateSettings>,
    extra: Partial<UpdateContext> = {},
  ): UpdateContext => ({
    gateway: conn,
    def: conn.entity(entity),
    settings: { ...base, ...settings },
    lastWritten,
    ledger: { store: ledger, owner: 'test' },
    getProperty: get,
    ...extra,
  });
  const openDelivery = (): string =>
    String(sim.store.list('salesDelivery').find((r) => r.values.CFMFLG !== 2)!.values.SDHNUM);
  const tracking = {
    field: 'YTRACKNUM',
    template: '{{payload.trackingNumber}}',
    mode: 'replace' as const,
    separator: ',',
  };

  describe('guarded tracking write-back', () => {
    it('writes an empty field, overwrites its own value, and refuses a foreign value leaving the record unchanged', async () => {
      const key = openDelivery();
      const c = ctx('salesDelivery', { tracking, status: { field: 'YTRKSTA', template: '{{payload.status}}' } });
      const msg = (n: string): Record<string, unknown> => ({
        payload: { trackingNumber: n, status: 'label_created' },
        x3: { entity: 'salesDelivery', key },
      });

      let out = await runUpdate(c, msg('111'));
      assert.equal(out.api, 'soap');
      assert.deepEqual(out.items[0].changed.sort(), ['YTRACKNUM', 'YTRKSTA']);
      assert.equal(sim.store.get('salesDelivery', key)?.values.YTRACKNUM, '111');

      out = await runUpdate(c, msg('222'));
      assert.deepEqual(out.items[0].changed, ['YTRACKNUM']);
      assert.equal(sim.store.get('salesDelivery', key)?.values.YTRACKNUM, '222');

      // a replay of the same write changes nothing
      out = await runUpdate(c, msg('222'));
      assert.deepEqual(out.items[0].changed, []);

      // someone types another value in X3
      sim.store.touch('salesDelivery', [key], { YTRACKNUM: 'TYPED-BY-USER' });
      const before = { ...sim.store.get('salesDelivery', key)!.values };
      const writes = sim.logs.writes.length;
      await assert.rejects(
        runUpdate(c, msg('333')),
        (err: unknown) => err instanceof ApiError && err.code === 'X3_CONFLICT' && /TYPED-BY-USER/.test(err.message),
      );
      assert.deepEqual(sim.store.get('salesDelivery', key)!.values, before, 'record unchanged');
      assert.equal(sim.logs.writes.length, writes, 'nothing written');
    });

    it('resolves only once what it wrote is in the last-written journal on disk (the msg goes on after)', async () => {
      const key = openDelivery();
      const held: Array<(err: NodeJS.ErrnoException | null) => void> = [];
      const fsync = sinon
        .stub(fs, 'fsync')
        .callsFake(((_fd: number, cb: (err: NodeJS.ErrnoException | null) => void) =>
          held.push(cb)) as unknown as typeof fs.fsync);
      try {
        let settled = false;
        const run = runUpdate(ctx('salesDelivery', { tracking }), {
          payload: { trackingNumber: '111' },
          x3: { entity: 'salesDelivery', key },
        }).finally(() => (settled = true));
        for (let i = 0; i < 500 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
        assert.equal(sim.store.get('salesDelivery', key)?.values.YTRACKNUM, '111', 'written to X3');
        assert.equal(held.length, 1, "the journal's fsync started");
        await new Promise((r) => setImmediate(r));
        assert.equal(settled, false, 'not done before the fsync completes');
        held[0](null);
        await run;
      } finally {
        fsync.restore();
      }
    });

    it('appends the packages of a multi-package shipment with the configured separator', async () => {
      const key = openDelivery();
      const c = ctx('salesDelivery', { tracking: { ...tracking, mode: 'append', separator: ' ' } });
      for (const n of ['111', '222', '222', '333'])
        await runUpdate(c, { payload: { trackingNumber: n }, x3: { entity: 'salesDelivery', key } });
      assert.equal(sim.store.get('salesDelivery', key)?.values.YTRACKNUM, '111 222 333');
    });

    it('remembers what it wrote across restarts (state file)', async () => {
      const key = openDelivery();
      await runUpdate(ctx('salesDelivery', { tracking }), {
        payload: { trackingNumber: '111' },
        x3: { entity: 'salesDelivery', key },
      });
      const restarted = fileLastWrittenStore(stateFile(dir, 'x3-update-writeback', 'u1'));
      await runUpdate(ctx('salesDelivery', { tracking }, { lastWritten: restarted }), {
        payload: { trackingNumber: '222' },
        x3: { entity: 'salesDelivery', key },
      });
      assert.equal(sim.store.get('salesDelivery', key)?.values.YTRACKNUM, '222');
      const other = fileLastWrittenStore(stateFile(dir, 'x3-update-writeback', 'another-node'));
      await assert.rejects(
        runUpdate(ctx('salesDelivery', { tracking }, { lastWritten: other }), {
          payload: { trackingNumber: '333' },
          x3: { entity: 'salesDelivery', key },
        }),
        /X3_CONFLICT|did not write/,
      );
    });

    it('fails clearly on a missing key, an empty tracking number and an unknown record', async () => {
      await assert.rejects(
        runUpdate(ctx('salesDelivery', { tracking }), { payload: { trackingNumber: '1' } }),
        (err: unknown) => err instanceof ValidationError && err.field === 'SDHNUM' && /no SDHNUM/.test(err.message),
      );
      await assert.rejects(
        runUpdate(ctx('salesDelivery', { tracking }), {
          payload: {},
          x3: { entity: 'salesDelivery', key: openDelivery() },
        }),
        (err: unknown) =>
          err instanceof ValidationError && err.field === 'YTRACKNUM' && /rendered empty/.test(err.message),
      );
      await assert.rejects(
        runUpdate(ctx('salesDelivery', { tracking, keyTemplate: '{{payload.sd}}' }), {
          payload: { sd: 'SD99999999', trackingNumber: '1' },
        }),
        (err: unknown) =>
          err instanceof ApiError && err.code === 'X3_NOT_FOUND' && /SD99999999 does not exist/.test(err.message),
      );
      // msg.x3 of another entity is not taken as this entity's key
      await assert.rejects(
        runUpdate(ctx('salesDelivery', { tracking }), {
          payload: { trackingNumber: '1' },
          x3: { entity: 'salesOrder', key: 'SO1' },
        }),
        /no SDHNUM/,
      );
    });
  });

  describe('label reference write-back (issue 15)', () => {
    const shipMsg = (key: string, tn: string): Record<string, unknown> => ({
      payload: {
        trackingNumber: tn,
        labels: [
          {
            trackingNumber: tn,
            format: 'ZPLII',
            data: 'Xg==',
            ref: {
              path: `SEED/salesDelivery/${key}/${tn}.zpl`,
              contentType: 'application/x-zpl',
              size: 1,
              sha256: 'x',
            },
          },
        ],
      },
      fedex: { idempotencyKey: `fedex.ship:k:${key}` },
      x3: { entity: 'salesDelivery', key },
    });
    const label = { field: 'YLABEL', template: '{{label.x3Path}}', pathPrefix: '\\\\fs01\\labels' };

    it('writes the path X3 sees into the label field with the tracking number guard: own value replaced, foreign refused', async () => {
      const key = openDelivery();
      const c = ctx('salesDelivery', { tracking, label });
      const out = await runUpdate(c, shipMsg(key, '794600000001'));
      const want = `\\\\fs01\\labels\\SEED\\salesDelivery\\${key}\\794600000001.zpl`;
      assert.equal(sim.store.get('salesDelivery', key)!.values.YLABEL, want);
      assert.ok(out.items[0].changed.includes('YLABEL'));
      // the same msg again: nothing to write
      const again = await runUpdate(c, shipMsg(key, '794600000001'));
      assert.deepEqual(again.items[0].changed, []);
      // a new label after a cancel and reship replaces our own value
      await runUpdate(ctx('salesDelivery', { label }), shipMsg(key, '794600000009'));
      assert.match(String(sim.store.get('salesDelivery', key)!.values.YLABEL), /794600000009\.zpl$/);
      // someone else's value is left alone
      sim.store.update('salesDelivery', key, { YLABEL: 'MANUAL' }, { via: 'sim', trusted: true });
      await assert.rejects(
        runUpdate(ctx('salesDelivery', { label }), shipMsg(key, '794600000010')),
        /X3_CONFLICT|did not write/,
      );
      assert.equal(sim.store.get('salesDelivery', key)!.values.YLABEL, 'MANUAL');
    });

    it("calls the customer's attachment subprogram once per label, with the parameters of the settings", async () => {
      const key = openDelivery();
      let runs = 0;
      const gateway = Object.create(conn) as typeof conn;
      gateway.runSubprogram = (publication, group, fields) => {
        runs += 1;
        return conn.runSubprogram(publication, group, fields);
      };
      const c = ctx(
        'salesDelivery',
        {
          label: {
            template: '{{label.x3Path}}',
            pathPrefix: '/mnt/labels',
            subprogram: {
              publication: 'YSDHATT',
              group: 'GRP1',
              parameters: { SDHNUM: '{{key}}', YPATH: '{{label.x3Path}}', YDES: 'FedEx {{label.trackingNumber}}' },
            },
          },
        },
        { gateway },
      );
      await runUpdate(c, shipMsg(key, '794600000001'));
      await runUpdate(c, shipMsg(key, '794600000001'));
      assert.equal(runs, 1, 'a replay does not attach the same label again');
      assert.deepEqual(
        sim.store.attachments.map((a) => [a.key, a.path, a.description]),
        [[key, `/mnt/labels/SEED/salesDelivery/${key}/794600000001.zpl`, 'FedEx 794600000001']],
      );
    });

    it('a shipment without a stored label (adopted) leaves the label field alone and still writes the tracking number', async () => {
      const key = openDelivery();
      const msg = shipMsg(key, '794600000001');
      (msg.payload as { labels: unknown[] }).labels = [];
      await runUpdate(ctx('salesDelivery', { tracking, label }), msg);
      const values = sim.store.get('salesDelivery', key)!.values;
      assert.equal(values.YTRACKNUM, '794600000001');
      assert.equal(values.YLABEL ?? '', '');
    });
  });

  describe('create / upsert / ensure', () => {
    const order = (ref: string): Record<string, unknown> => ({
      payload: { orderNumber: ref },
      x3Draft: {
        salesOrder: {
          SALFCY: 'NA012',
          BPCORD: String(sim.store.list('customer')[0].values.BPCNUM),
          ORDDAT: '2025-02-01',
          lines: [{ ITMREF: String(sim.store.list('product')[0].values.ITMREF), QTY: 3 }],
        },
      },
    });
    const createSettings: Partial<UpdateSettings> = {
      operation: 'create',
      recordProperty: 'x3Draft.salesOrder',
      externalRefField: 'CUSORDREF',
      externalRefTemplate: '{{payload.orderNumber}}',
    };
    const ordersWith = (ref: string): number =>
      sim.store.list('salesOrder').filter((r) => r.values.CUSORDREF === ref).length;

    it('creates a sales order once: a replay finds it by the external reference', async () => {
      const c = ctx('salesOrder', createSettings);
      const first = await runUpdate(c, order('SS-1001'));
      assert.equal(first.items[0].created, true);
      assert.equal(first.api, 'soap');
      assert.match(first.items[0].key, /^SO/);
      assert.equal(first.items[0].idempotencyKey, 'x3.create:SEED:salesOrder:CUSORDREF=SS-1001');
      assert.equal((await ledger.get('x3.create:SEED:salesOrder:CUSORDREF=SS-1001'))?.state, 'succeeded');
      const again = await runUpdate(c, order('SS-1001'));
      assert.equal(again.items[0].created, false);
      assert.equal(again.items[0].key, first.items[0].key);
      assert.equal(ordersWith('SS-1001'), 1);
    });

    it('a succeeded ledger claim returns the stored result without creating again', async () => {
      const c = ctx('salesOrder', {
        ...createSettings,
        externalRefField: '',
        externalRefTemplate: '',
        idempotencyTemplate: 'order-{{payload.orderNumber}}',
      });
      const first = await runUpdate(c, order('SS-2'));
      const count = sim.store.list('salesOrder').length;
      const replay = await runUpdate(c, order('SS-2'));
      assert.equal(replay.items[0].created, false);
      assert.equal(replay.items[0].key, first.items[0].key);
      assert.equal(sim.store.list('salesOrder').length, count);
      // the replay key of an audit replay wins
      const replayed = await runUpdate({ ...c, replayKey: 'x3.create:SEED:salesOrder:order-SS-2' }, order('SS-3'));
      assert.equal(replayed.items[0].key, first.items[0].key);
    });

    it('refuses a create without its external reference', async () => {
      await assert.rejects(
        runUpdate(ctx('salesOrder', createSettings), order('')),
        (err: unknown) => err instanceof ValidationError && err.field === 'CUSORDREF',
      );
    });

    it('upserts customers in bulk: updates the existing, creates the new', async () => {
      const existing = String(sim.store.list('customer')[0].values.BPCNUM);
      const c = ctx('customer', { operation: 'upsert', recordProperty: 'customers' });
      const out = await runUpdate(c, {
        customers: [
          { BPCNUM: existing, CTY: 'Zürich' },
          { BPCNUM: 'SHIP-NEW', BPCNAM: 'Ünïcode & <Co>' },
        ],
      });
      assert.equal(out.bulk, true);
      assert.equal(out.api, 'graphql');
      assert.deepEqual(
        out.items.map((i) => [i.key, i.created]),
        [
          [existing, false],
          ['SHIP-NEW', true],
        ],
      );
      assert.equal(sim.store.get('customer', existing)?.values.CTY, 'Zürich');
      assert.equal(sim.store.get('customer', 'SHIP-NEW')?.values.BPCNAM, 'Ünïcode & <Co>');
    });

    it('ensure names the missing keys (e.g. SKUs) and passes when all exist', async () => {
      const known = sim.store.list('product').map((r) => String(r.values.ITMREF));
      const c = ctx('product', { operation: 'ensure', recordProperty: 'x3Draft.products' });
      const ok = await runUpdate(c, {
        x3Draft: { products: [{ ITMREF: known[0] }, { ITMREF: known[1] }, { ITMREF: known[0] }] },
      });
      assert.deepEqual(
        ok.items.map((i) => i.key),
        [known[0], known[1]],
      );
      await assert.rejects(
        runUpdate(c, { x3Draft: { products: [{ ITMREF: known[0] }, { ITMREF: 'SKU-404' }, { ITMREF: 'SKU-405' }] } }),
        (err: unknown) =>
          err instanceof ApiError &&
          err.code === 'X3_MISSING' &&
          err.message === '2 product records missing in X3 (folder SEED): ITMREF SKU-404, SKU-405',
      );
      await assert.rejects(
        runUpdate(c, { x3Draft: { products: [{ DES1AXX: 'no key' }] } }),
        (err: unknown) => err instanceof ValidationError && err.field === 'x3Draft.products[0]',
      );
    });

    it('updates by external reference when no key is given', async () => {
      const so = sim.store.list('salesOrder').find((r) => r.values.CUSORDREF)!;
      const c = ctx('salesOrder', {
        operation: 'update',
        externalRefField: 'CUSORDREF',
        mapping: { YTRKSTA: '{{payload.status}}' },
        recordProperty: 'draft',
      });
      const out = await runUpdate(c, { payload: { status: 'shipped' }, draft: { CUSORDREF: so.values.CUSORDREF } });
      assert.equal(out.items[0].key, so.key);
      assert.equal(sim.store.get('salesOrder', so.key)?.values.YTRKSTA, 'shipped');
    });
  });
});
