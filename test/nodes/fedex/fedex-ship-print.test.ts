/**
 * fedex-ship's label printer option against the FedEx and printer simulators: one complete ZPL job
 * per package in package order, never twice for one shipment, and a full redeploy while a label is
 * printing neither loses nor doubles a job.
 */
import assert from 'node:assert/strict';
import type { FedexSim } from '../../../sim/fedex/server';
import { startPrinterSim, type PrinterSim } from '../../../sim/printer/server';
import type { AuditConfigNode } from '../../../nodes/audit/config-api';
import { printKey } from '../../../nodes/audit/label-print-service';
import { holdOf } from '../../../nodes/audit/ledger-hold';
import { useUserDir } from '../../support/node-helper';
import { startSim } from '../../unit/fedex/sim';
import { catchNode, collect, credentials, helper, modules, startStopServer } from './harness';
import { deliveryMsg, shipFlow } from './ship-harness';

function flow(sim: FedexSim, printer: PrinterSim) {
  return shipFlow(
    sim,
    {
      labelImageType: 'ZPLII',
      labelStockType: 'STOCK_4X6',
      printerHost: printer.host,
      printerPort: String(printer.port),
    },
    { audit: { id: 'audit', type: 'audit-config', path: 'audit.sqlite' } },
  );
}

describe('fedex-ship node: printing labels on a raw TCP printer', function () {
  this.timeout(60_000);
  let sim: FedexSim;
  let printer: PrinterSim;
  useUserDir({ prefix: 'sx3s-print-' });
  startStopServer();
  beforeEach(async () => {
    sim = await startSim();
    printer = await startPrinterSim({ port: 0 });
  });
  afterEach(async () => {
    await printer.close();
    await sim.close();
  });

  it('one complete ZPL job per package, in package order; the same document again prints nothing', async () => {
    await helper.load([...modules, catchNode], flow(sim, printer), credentials());
    let got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(deliveryMsg('SD00000042'));
    const [msg] = await got;
    const payload = msg.payload as { trackingNumbers: string[] };
    assert.equal(payload.trackingNumbers.length, 2);
    const print = (msg.fedex as { print: { printed: string[] } }).print;
    assert.deepEqual(print.printed, payload.trackingNumbers);
    const jobs = printer.jobs();
    assert.equal(jobs.length, 2);
    assert.ok(jobs.every((j) => j.complete && j.labels === 1));
    payload.trackingNumbers.forEach((tn, i) => assert.ok(jobs[i].text.includes(tn), `job ${i} is package ${i + 1}`));

    got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(deliveryMsg('SD00000042'));
    const [again] = await got;
    assert.equal((again.fedex as Record<string, unknown>).outcome, 'stored');
    assert.deepEqual((again.fedex as { print: { printed: string[] } }).print.printed, []);
    assert.equal(printer.jobs().length, 2);
  });

  it('a full redeploy while the first label is printing: both packages print once, nothing twice after', async () => {
    await helper.load([...modules, catchNode], flow(sim, printer), credentials());
    await printer.config({ hold: true });
    helper.getNode('ship').receive(deliveryMsg('SD00000043'));
    await printer.nextConnection();

    const redeploy = helper.setFlows(flow(sim, printer), 'full', credentials());
    // the printer takes the held job while the old flow is stopping
    setImmediate(() => printer.release());
    await redeploy;

    assert.equal(printer.jobs().length, 2, 'no job lost, none doubled');
    assert.ok(printer.jobs().every((j) => j.complete));
    const got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(deliveryMsg('SD00000043'));
    const [msg] = await got;
    const tns = (msg.payload as { trackingNumbers: string[] }).trackingNumbers;
    const store = (helper.getNode('audit') as unknown as AuditConfigNode).getStore();
    for (const tn of tns) {
      const rec = await store.get(printKey(String((msg.fedex as Record<string, unknown>).idempotencyKey), tn));
      assert.equal(rec?.state, 'succeeded');
    }
    assert.equal(printer.jobs().length, 2);
  });

  it('admin routes: download the stored label, reprint it once more (audited), list adopted shipments, report', async () => {
    await helper.load([...modules, catchNode], flow(sim, printer), credentials());
    const got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(deliveryMsg('SD00000044'));
    const [msg] = await got;
    const key = String((msg.fedex as Record<string, unknown>).idempotencyKey);
    const [tn1, tn2] = (msg.payload as { trackingNumbers: string[] }).trackingNumbers;
    const base = '/sage-x3-shipping/labels/audit';

    const file = await helper
      .request()
      .get(`${base}/file`)
      .query({ key, trackingNumber: tn2 })
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    assert.equal(file.headers['content-type'], 'application/x-zpl');
    assert.match(String(file.headers['content-disposition']), new RegExp(`${tn2}\\.zpl`));
    assert.ok((file.body as Buffer).toString().includes(tn2));
    assert.ok((file.body as Buffer).toString().startsWith('^XA'));

    const printers = await helper.request().get(`${base}/printers`).expect(200);
    assert.deepEqual(printers.body, [{ nodeId: 'ship', printer: `127.0.0.1:${printer.port}` }]);

    assert.equal(printer.jobs().length, 2);
    const re = await helper.request().post(`${base}/reprint`).send({ key, trackingNumber: tn1 }).expect(200);
    assert.equal(re.body.reprint.trackingNumber, tn1);
    assert.equal(printer.jobs().length, 3);
    assert.ok(printer.jobs()[2].complete && printer.jobs()[2].text.includes(tn1));
    const store = (helper.getNode('audit') as unknown as AuditConfigNode).getStore();
    const trail = await store.query({ operation: 'label.reprint' });
    assert.equal(trail.total, 1);
    assert.equal(trail.entries[0].status, 'succeeded');
    assert.deepEqual(trail.entries[0].correlation?.trackingNumbers, [tn1]);

    await helper.request().post(`${base}/reprint`).send({ key: 'nope' }).expect(404);
    await helper.request().get(`${base}/file`).query({ key }).expect(200);
    await helper.request().get(`/sage-x3-shipping/labels/other/report`).expect(404);

    const { entry } = await store.claim('fedex.ship:adopted-doc', {
      owner: 'x',
      system: 'fedex',
      operation: 'ship.create',
    });
    await store.complete(
      'fedex.ship:adopted-doc',
      { adopted: true, documentNumber: 'SD9', payload: { trackingNumbers: ['794699999999'], labels: [] } },
      holdOf(entry),
    );
    const adopted = await helper.request().get(`${base}/adopted`).expect(200);
    assert.deepEqual(
      adopted.body.shipments.map((s: { key: string; trackingNumbers: string[] }) => [s.key, s.trackingNumbers]),
      [['fedex.ship:adopted-doc', ['794699999999']]],
    );
    await helper.request().get(`${base}/file`).query({ key: 'fedex.ship:adopted-doc' }).expect(404);

    const report = await helper.request().get(`${base}/report`).expect(200);
    assert.equal(report.body.files, 2);
    assert.ok(report.body.bytes > 0);
    assert.equal(typeof report.body.oldestAt, 'string');
  });

  it('an adopted shipment (no label to print) is listed, and "cancel and ship again" goes through the ledger', async () => {
    await helper.load([...modules, catchNode], flow(sim, printer), credentials());
    sim.config.commitThenDropNext = 1;
    let got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(deliveryMsg('SD00000045'));
    const [msg] = await got;
    assert.equal((msg.fedex as Record<string, unknown>).outcome, 'adopted');
    assert.equal(printer.jobs().length, 0, 'FedEx gave no label bytes: nothing to print');
    const base = '/sage-x3-shipping/labels/audit';
    const listed = await helper.request().get(`${base}/adopted`).expect(200);
    assert.equal(listed.body.shipments.length, 1);
    const key = listed.body.shipments[0].key as string;

    const r = await helper.request().post(`${base}/adopted/reship`).send({ key }).expect(200);
    assert.equal(r.body.reship.cancelled.cancelled, true);
    assert.equal(r.body.reship.shipped.outcome, 'created');
    assert.equal(sim.state.shipments.filter((s) => s.status === 'active').length, 1, 'one live shipment');
    assert.equal(printer.printed().length, 2, 'the new labels are printed, one job per package');
    assert.deepEqual((await helper.request().get(`${base}/adopted`).expect(200)).body.shipments, []);
    // a second click: the entry is voided now, nothing is cancelled or shipped again
    await helper.request().post(`${base}/adopted/reship`).send({ key }).expect(409);
    assert.equal(sim.state.shipments.length, 2);

    // the document's next msg answers from the new generation
    got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(deliveryMsg('SD00000045'));
    const [again] = await got;
    assert.equal((again.fedex as Record<string, unknown>).outcome, 'stored');
    assert.equal((again.fedex as Record<string, unknown>).idempotencyKey, r.body.reship.shipped.key);
    assert.equal(printer.jobs().length, 2);
  });
});
