import { strict as assert } from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { LabelPrintService, printKey } from '../../../nodes/audit/label-print-service';
import { LabelStore } from '../../../nodes/audit/label-store';
import { RawPrintError, sendRawJob } from '../../../nodes/audit/raw-print';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditEntryInput, AuditStore } from '../../../nodes/audit/types';
import { startPrinterSim, type PrinterSim } from '../../../sim/printer/server';

const zpl = (tn: string): string => `^XA^FO50,50^FD${tn}^FS^XZ`;
const label = (tn: string, format = 'ZPLII') => ({
  trackingNumber: tn,
  format,
  data: Buffer.from(format === 'PDF' ? '%PDF-1.4' : zpl(tn)).toString('base64'),
});

describe('label printing: raw TCP, exactly once per ledger entry', () => {
  let sim: PrinterSim;
  let store: AuditStore;
  let audited: AuditEntryInput[];
  const service = (extra: Partial<ConstructorParameters<typeof LabelPrintService>[0]> = {}) =>
    new LabelPrintService({
      store,
      owner: 'test',
      printer: { host: sim.host, port: sim.port },
      backoff: { baseDelayMs: 0, maxDelayMs: 0 },
      record: async (e) => void audited.push(e),
      ...extra,
    });
  const KEY = 'fedex.ship:sandbox:740561073:SEED:salesDelivery:SD1';

  beforeEach(async () => {
    sim = await startPrinterSim({ port: 0 });
    store = openSqliteStore({ path: ':memory:' });
    audited = [];
  });
  afterEach(async () => {
    await sim.close();
    await store.close();
  });

  it('one complete job per package, in package order; a second run prints nothing', async () => {
    const labels = [label('794600000001'), label('794600000002'), label('794600000003')];
    const first = await service().print({ key: KEY, labels });
    assert.deepEqual(first.printed, ['794600000001', '794600000002', '794600000003']);
    const jobs = sim.printed();
    assert.deepEqual(
      jobs.map((j) => j.text),
      labels.map((l) => zpl(l.trackingNumber)),
    );
    const again = await service().print({ key: KEY, labels });
    assert.deepEqual(again.printed, []);
    assert.deepEqual(
      again.skipped.map((s) => s.reason),
      ['already printed', 'already printed', 'already printed'],
    );
    assert.equal(sim.jobs().length, 3);
    const record = await store.get(printKey(KEY, '794600000002'));
    assert.equal(record?.state, 'succeeded');
    assert.equal((record?.result as { printer: string }).printer, `127.0.0.1:${sim.port}`);
  });

  it('connection errors are retried; the printer gets the job once', async () => {
    await sim.config({ resetNext: 2 });
    const r = await service().print({ key: KEY, labels: [label('794600000001')] });
    assert.deepEqual(r.printed, ['794600000001']);
    assert.equal(sim.jobs().length, 1);
    assert.equal(sim.printed().length, 1);
  });

  it('a printer that stays off: failed record, later packages wait; the next run prints them in order', async () => {
    await sim.config({ offline: true });
    const labels = [label('794600000001'), label('794600000002')];
    const r = await service({ attempts: 2 }).print({ key: KEY, labels });
    assert.deepEqual(r.printed, []);
    assert.equal(r.failed[0].code, 'ECONNREFUSED');
    assert.equal(r.skipped[0].reason, 'an earlier package failed to print');
    assert.equal((await store.get(printKey(KEY, '794600000001')))?.state, 'failed');
    await sim.config({ offline: false });
    const later = await service().print({ key: KEY, labels });
    assert.deepEqual(later.printed, ['794600000001', '794600000002']);
    assert.equal(sim.printed().length, 2);
  });

  it('a job the printer may have taken is unknown and never resent by itself', async () => {
    let calls = 0;
    const send: typeof sendRawJob = async (printer, data, options) => {
      calls += 1;
      await sendRawJob(printer, data, options);
      throw new RawPrintError('reset after the job was sent', 'ECONNRESET', true);
    };
    const r = await service({ send }).print({ key: KEY, labels: [label('794600000001')] });
    assert.equal(calls, 1);
    assert.equal(r.failed.length, 1);
    assert.equal((await store.get(printKey(KEY, '794600000001')))?.state, 'unknown');
    const again = await service().print({ key: KEY, labels: [label('794600000001')] });
    assert.deepEqual(again.printed, []);
    assert.match(again.skipped[0].reason, /unknown; reprint/);
    assert.equal(sim.jobs().length, 1);
  });

  it('PDF labels are skipped (print server); labels kept as references are read from the label store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sx3s-print-'));
    try {
      const files = new LabelStore({ dir });
      const ref = await files.put(
        {
          entity: 'salesDelivery',
          documentKey: 'SD1',
          name: '794600000001',
          ext: 'zpl',
          contentType: 'application/x-zpl',
        },
        Buffer.from(zpl('794600000001')),
      );
      const r = await service({ labels: files }).print({
        key: KEY,
        labels: [{ trackingNumber: '794600000001', format: 'ZPLII', ref }, label('794600000002', 'PDF')],
      });
      assert.deepEqual(r.printed, ['794600000001']);
      assert.match(r.skipped[0].reason, /PDF is not a raw printer format/);
      assert.equal(sim.printed()[0].text, zpl('794600000001'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a reprint prints once more whatever the record says, and is audited as a reprint', async () => {
    const s = service();
    await s.print({ key: KEY, labels: [label('794600000001')], correlation: { x3Key: 'SD1' } });
    const rec = await s.reprint({ key: KEY, label: label('794600000001'), correlation: { x3Key: 'SD1' } });
    assert.equal(rec.printer, `127.0.0.1:${sim.port}`);
    assert.equal(sim.printed().length, 2);
    const reprints = audited.filter((e) => e.operation === 'label.reprint');
    assert.equal(reprints.length, 1);
    assert.equal(reprints[0].status, 'succeeded');
    assert.deepEqual(reprints[0].correlation, { x3Key: 'SD1', trackingNumbers: ['794600000001'] });
    await sim.config({ offline: true });
    await assert.rejects(service({ attempts: 1 }).reprint({ key: KEY, label: label('794600000001') }), /ECONNREFUSED/);
    assert.equal(audited.filter((e) => e.operation === 'label.reprint' && e.status === 'failed').length, 1);
  });
});
