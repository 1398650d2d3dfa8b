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
import { useUserDir } from '../../support/node-helper';
import { salesDelivery, x3Of } from '../../unit/fedex/fixtures';
import { startSim } from '../../unit/fedex/sim';
import {
  OUR_ADDRESS_FIELDS,
  TAB,
  catchNode,
  collect,
  configNode,
  credentials,
  helper,
  modules,
  positioned,
  startStopServer,
} from './harness';

function flow(sim: FedexSim, printer: PrinterSim) {
  return positioned([
    TAB,
    configNode(sim),
    { id: 'audit', type: 'audit-config', path: 'audit.sqlite' },
    {
      id: 'ship',
      type: 'fedex-ship',
      z: 'tab',
      fedex: 'fx',
      audit: 'audit',
      reconcileDelaySeconds: '0',
      labelImageType: 'ZPLII',
      labelStockType: 'STOCK_4X6',
      printerHost: printer.host,
      printerPort: String(printer.port),
      ...OUR_ADDRESS_FIELDS,
      wires: [['out']],
    },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ]);
}

const msgFor = (doc: string) => ({
  topic: 'salesDelivery',
  payload: salesDelivery(doc),
  x3: x3Of('salesDelivery', doc),
});

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
    helper.getNode('ship').receive(msgFor('SD00000042'));
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
    helper.getNode('ship').receive(msgFor('SD00000042'));
    const [again] = await got;
    assert.equal((again.fedex as Record<string, unknown>).outcome, 'stored');
    assert.deepEqual((again.fedex as { print: { printed: string[] } }).print.printed, []);
    assert.equal(printer.jobs().length, 2);
  });

  it('a full redeploy while the first label is printing: both packages print once, nothing twice after', async () => {
    await helper.load([...modules, catchNode], flow(sim, printer), credentials());
    await printer.config({ hold: true });
    helper.getNode('ship').receive(msgFor('SD00000043'));
    await printer.nextConnection();

    const redeploy = helper.setFlows(flow(sim, printer), 'full', credentials());
    // the printer takes the held job while the old flow is stopping
    setImmediate(() => printer.release());
    await redeploy;

    assert.equal(printer.jobs().length, 2, 'no job lost, none doubled');
    assert.ok(printer.jobs().every((j) => j.complete));
    const got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(msgFor('SD00000043'));
    const [msg] = await got;
    const tns = (msg.payload as { trackingNumbers: string[] }).trackingNumbers;
    const store = (helper.getNode('audit') as unknown as AuditConfigNode).getStore();
    for (const tn of tns) {
      const rec = await store.get(printKey(String((msg.fedex as Record<string, unknown>).idempotencyKey), tn));
      assert.equal(rec?.state, 'succeeded');
    }
    assert.equal(printer.jobs().length, 2);
  });
});
