/**
 * Three Node-RED processes on one PostgreSQL run examples 01, 03 and 05 against the simulators:
 * one elected x3-poll, shipstation-fetch and fedex-track poller, one FedEx token, the FedEx and
 * ShipStation budgets shared. The x3-poll leader is killed (SIGKILL) in the middle of a batch of
 * deliveries; a standby takes over within the lease. Afterwards: every delivery has exactly one
 * label and its tracking number in X3, every ShipStation order is one X3 sales order, FedEx
 * issued one token and neither FedEx nor ShipStation answered 429.
 */
import assert from 'node:assert/strict';
import { createShipStationOrders, createX3Deliveries, stockShipStationSkus, x3Records } from '../../sim/activity';
import { deployFlows, registerSimWebhooks } from '../../sim/example-wiring';
import { startNodeRedCluster, type NodeRedCluster } from '../support/cluster';
import { DELIVERY_REF, batchQuotas, batchSims, labelsFor } from '../support/batch-run';
import { runtimeProblems, waitFor } from '../support/e2e';
import { PG_SKIP_MESSAGE, sharedPgCluster } from '../support/pg-cluster';

const BATCH = 120;
const LEASE_SECONDS = 2;

describe('e2e: three Node-RED instances on one PostgreSQL', function () {
  this.timeout(15 * 60_000);
  let cluster: NodeRedCluster | undefined;

  before(async function () {
    const pg = await sharedPgCluster();
    if (!pg) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
    cluster = await startNodeRedCluster({
      instances: 3,
      connection: await pg.database(`cluster_e2e_${process.pid}`),
      leaseSeconds: LEASE_SECONDS,
      sims: batchSims(10),
      wiring: {
        only: ['01', '03', '05'],
        x3PollSeconds: 1,
        shipstationPollSeconds: 2,
        trackSeconds: 3,
        // 25 labels a second for the whole cluster: the batch lasts long enough to kill mid-way
        ...batchQuotas(),
      },
    });
    await stockShipStationSkus(cluster.sims.x3.url, ['NA011'], 10_000);
  });

  after(async function () {
    await cluster?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const r of cluster?.runtimes ?? []) console.log(runtimeProblems(r));
  });

  it('exactly once across the instances, quotas held, and a SIGKILLed leader replaced within the lease', async function () {
    const { sims: s, runtimes, flows, leaseHolder, endpoints } = cluster as NodeRedCluster;
    const pollId = flows.find((n) => n.type === 'x3-poll')?.id as string;
    // the first instance deployed becomes the leader of every poller; then the two standbys
    await deployFlows(runtimes[0].url, flows);
    const leader = await waitFor('the first instance leads x3-poll', () => leaseHolder(`x3-poll:${pollId}`), 120_000);
    for (const r of runtimes.slice(1)) await deployFlows(r.url, flows);
    await registerSimWebhooks(endpoints, { nodeRedUrl: runtimes[1].url });

    const keys = await createX3Deliveries(s.x3.url, { prefix: 'SDK', start: 1, count: BATCH });
    const orders = await createShipStationOrders(s.shipstation.v1Url, {
      prefix: 'CL-',
      start: 1,
      count: 20,
      customers: 5,
    });
    await waitFor('the first labels', async () => labelsFor(s, 'SDK').size >= 15 || undefined, 180_000, 20);
    assert.equal(await leaseHolder(`x3-poll:${pollId}`), leader, 'still the first instance');
    await runtimes[0].kill();
    const killedAt = Date.now();
    const labelsAtKill = labelsFor(s, 'SDK').size;
    assert.ok(labelsAtKill < BATCH, `the batch was over before the kill (${labelsAtKill} labels)`);

    const successor = await waitFor(
      'a standby takes x3-poll over',
      async () => {
        const owner = await leaseHolder(`x3-poll:${pollId}`);
        return owner && owner !== leader ? owner : undefined;
      },
      120_000,
      100,
    );
    const failoverMs = Date.now() - killedAt;

    const done = await waitFor(
      'every delivery labelled and written back',
      async () => {
        const docs = (await x3Records(s.x3.url, 'salesDelivery')).filter((d) => keys.includes(String(d.SDHNUM)));
        return docs.length === BATCH && docs.every((d) => d.YTRACKNUM) ? docs : undefined;
      },
      300_000,
      500,
    );
    const labels = labelsFor(s, 'SDK');
    assert.equal(labels.size, BATCH, 'every delivery has a label');
    for (const [key, n] of labels) assert.equal(n, 1, `${key}: ${n} labels`);
    for (const d of done) {
      const shipment = s.fedex.state.shipments.find(
        (x) => x.status === 'active' && x.references.some((r) => r.value === `${DELIVERY_REF} ${String(d.SDHNUM)}`),
      );
      assert.equal(d.YTRACKNUM, shipment?.masterTrackingNumber, `${String(d.SDHNUM)}: the label's tracking number`);
    }
    const imported = await waitFor(
      'every ShipStation order in X3',
      async () => {
        const all = (await x3Records(s.x3.url, 'salesOrder')).filter((o) => String(o.CUSORDREF).startsWith('CL-'));
        return orders.every((o) => all.some((so) => so.CUSORDREF === o.orderNumber)) ? all : undefined;
      },
      300_000,
      500,
    );
    for (const o of orders) {
      const n = imported.filter((so) => so.CUSORDREF === o.orderNumber).length;
      assert.equal(n, 1, `${o.orderNumber}: ${n} X3 sales orders`);
    }
    const tokens = s.fedex.state.tokenRequests.filter((t) => t.outcome === 'issued');
    assert.equal(tokens.length, 1, 'one FedEx token for the cluster');
    assert.equal(s.shipstation.state.counters.rateLimited429, 0, 'ShipStation never answered 429');
    const fedex429 = s.fedex.state.requests.filter((r) => r.status === 429).length;
    assert.equal(fedex429, 0, 'FedEx never answered 429');
    console.log(
      `      killed the leader with ${labelsAtKill}/${BATCH} labels; ${successor.slice(0, 8)} took over after ${failoverMs} ms (lease ${LEASE_SECONDS} s)`,
    );
  });
});
