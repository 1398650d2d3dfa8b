/**
 * Crash: Node-RED is killed (SIGKILL: no close handlers, no flushes) in the middle of a batch of
 * 200 X3 deliveries (at its 20th label) after the import of 30 ShipStation orders began, then
 * started again on the same user dir. Afterwards: no duplicate label, no lost delivery, no
 * duplicate sales order.
 */
import assert from 'node:assert/strict';
import { createShipStationOrders, createX3Deliveries, stockShipStationSkus, x3Records } from '../../sim/activity';
import { DELIVERY_REF, batchQuotas, batchSims, labelsFor } from '../support/batch-run';
import { runtimeProblems, startE2E, waitFor, type E2E } from '../support/e2e';

const BATCH = 200;

describe('e2e: crash in the middle of a batch (SIGKILL, restart on the same user dir)', function () {
  this.timeout(10 * 60_000);
  let env: E2E;

  before(async function () {
    env = await startE2E({
      // X3 answers in 15 ms: imports and write-backs are still running when the process dies
      sims: batchSims(15),
      wiring: {
        only: ['01', '05', '08'],
        x3PollSeconds: 1,
        shipstationPollSeconds: 2,
        // a FedEx budget of 25 labels a second keeps the batch going for several seconds
        ...batchQuotas(),
      },
    });
    await stockShipStationSkus(env.sims.x3.url, ['NA011'], 10_000);
  });

  after(async function () {
    await env?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(runtimeProblems(env.runtime));
  });

  it('loses no delivery and duplicates no label or sales order', async function () {
    const orders = await createShipStationOrders(env.sims.shipstation.v1Url, {
      prefix: 'CR-',
      start: 1,
      count: 30,
      customers: 6,
    });
    const importedNow = async (): Promise<number> =>
      (await x3Records(env.sims.x3.url, 'salesOrder')).filter((o) => String(o.CUSORDREF).startsWith('CR-')).length;
    await waitFor(
      'the order import under way',
      async () => {
        const n = await importedNow();
        return n >= 3 ? n : undefined;
      },
      120_000,
      20,
    );

    // The kill point is counted, not timed: the simulators run in this process, and the kill
    // follows the check that saw the 20th label without yielding to them, so FedEx holds at most
    // those labels plus the creates already on their way, which the 25-a-second budget bounds.
    // However slow the machine, the batch of 200 cannot be over before the kill.
    const keys = await createX3Deliveries(env.sims.x3.url, { prefix: 'SDC', start: 1, count: BATCH });
    await waitFor('the first labels', async () => labelsFor(env.sims, 'SDC').size >= 20 || undefined, 120_000, 20);
    await env.runtime.kill();
    const labelsAtKill = labelsFor(env.sims, 'SDC').size;
    const ordersAtKill = await importedNow();
    assert.ok(labelsAtKill < BATCH, `the batch was over before the kill (${labelsAtKill} labels)`);

    await env.restart();
    const done = await waitFor(
      'every delivery labelled and written back',
      async () => {
        const docs = (await x3Records(env.sims.x3.url, 'salesDelivery')).filter((d) => keys.includes(String(d.SDHNUM)));
        return docs.length === BATCH && docs.every((d) => d.YTRACKNUM) ? docs : undefined;
      },
      240_000,
      500,
    );
    const labels = labelsFor(env.sims, 'SDC');
    assert.equal(labels.size, BATCH, 'every delivery has a label');
    for (const [key, n] of labels) assert.equal(n, 1, `${key}: ${n} labels`);
    for (const d of done) {
      const s = env.sims.fedex.state.shipments.find(
        (x) => x.status === 'active' && x.references.some((r) => r.value === `${DELIVERY_REF} ${String(d.SDHNUM)}`),
      );
      assert.equal(d.YTRACKNUM, s?.masterTrackingNumber, `${String(d.SDHNUM)}: the label's tracking number`);
    }

    const imported = await waitFor(
      'every ShipStation order in X3',
      async () => {
        const all = (await x3Records(env.sims.x3.url, 'salesOrder')).filter((o) =>
          String(o.CUSORDREF).startsWith('CR-'),
        );
        return orders.every((o) => all.some((so) => so.CUSORDREF === o.orderNumber)) ? all : undefined;
      },
      240_000,
      500,
    );
    for (const o of orders) {
      const n = imported.filter((so) => so.CUSORDREF === o.orderNumber).length;
      assert.equal(n, 1, `${o.orderNumber}: ${n} X3 sales orders`);
    }
    console.log(`      killed with ${labelsAtKill}/${BATCH} labels and ${ordersAtKill}/${orders.length} orders in X3`);
  });
});
