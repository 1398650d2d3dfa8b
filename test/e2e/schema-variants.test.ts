/**
 * Examples 01 (X3 deliveries to FedEx labels) and 05 (ShipStation orders to X3 sales orders) in a
 * real Node-RED against every schema variant of the X3 simulator, with the x3-config's entities
 * override emptied: schema discovery finds the names, the custom tracking fields and their SOAP
 * groups, and every variant gets the same X3 writes (issue 13).
 */
import assert from 'node:assert/strict';
import { createShipStationOrders, createX3Deliveries, x3Records } from '../../sim/activity';
import { SCHEMA_VARIANTS, type SchemaVariant } from '../../sim/x3/schema-variants';
import { runtimeProblems, startE2E, waitFor, type E2E } from '../support/e2e';

type Rec = Record<string, unknown>;

interface Outcome {
  /** Each X3 write as entity/operation/face/fields, sorted (keys and order of concurrent creates vary). */
  writes: string[];
  deliveries: Rec[];
  orders: Rec[];
}

async function runVariant(variant: SchemaVariant): Promise<Outcome> {
  let env: E2E | undefined;
  try {
    env = await startE2E({
      sims: {
        x3: {
          schemaVariant: variant,
          records: { customer: 5, product: 5, salesOrder: 5, salesDelivery: 0, purchaseOrder: 0 },
        },
      },
      wiring: {
        only: ['01', '05'],
        x3PollSeconds: 1,
        shipstationPollSeconds: 2,
        // no hand-written entity override: discovery finds what this X3 calls things
        x3Config: { entities: '' },
      },
    });
    const e = env;
    const deliveries = await createX3Deliveries(e.sims.x3.url, { prefix: 'SDV', start: 1, count: 3, packages: 1 });
    const orders = await createShipStationOrders(e.sims.shipstation.v1Url, {
      prefix: 'VAR-',
      start: 1,
      count: 2,
      customers: 2,
    });
    const labelled = await waitFor(`${variant}: tracking numbers in X3`, async () => {
      const docs = (await x3Records(e.sims.x3.url, 'salesDelivery')).filter((d) =>
        deliveries.includes(String(d.SDHNUM)),
      );
      return docs.length === deliveries.length && docs.every((d) => d.YTRACKNUM) ? docs : undefined;
    });
    const imported = await waitFor(`${variant}: sales orders in X3`, async () => {
      const sos = (await x3Records(e.sims.x3.url, 'salesOrder')).filter((s) =>
        orders.some((o) => o.orderNumber === s.CUSORDREF),
      );
      return sos.length === orders.length ? sos : undefined;
    });
    const problems = runtimeProblems(e.runtime)
      .split('\n')
      .filter((l) => /X3_SCHEMA|not in this X3|has no property/.test(l));
    assert.deepEqual(problems, [], `${variant}: schema problems in the log`);
    const writes = e.sims.x3.logs.writes
      .filter((w) => w.via !== 'sim')
      .map((w) => `${w.entity}/${w.operation}/${w.via}/${[...w.fields].sort().join(',')}`)
      .sort();
    for (const d of labelled) {
      const shipments = e.sims.fedex.state.shipments.filter(
        (s) => s.status === 'active' && s.references.some((r) => r.value === `SEED SDH ${String(d.SDHNUM)}`),
      );
      assert.equal(shipments.length, 1, `${variant}: ${String(d.SDHNUM)} has one FedEx shipment`);
      assert.equal(d.YTRACKNUM, shipments[0].masterTrackingNumber, `${variant}: tracking number written back`);
      assert.equal(shipments[0].recipient.city, d.BPDCTY, `${variant}: shipped to the X3 ship-to address`);
    }
    const strip = (r: Rec, drop: string[]): Rec =>
      Object.fromEntries(
        Object.entries(r)
          .filter(([k]) => !drop.includes(k))
          .sort(([a], [b]) => a.localeCompare(b)),
      );
    return {
      writes,
      deliveries: labelled.map((d) => strip(d, ['YTRACKNUM', 'CREDATTIM', 'UPDDATTIM'])),
      orders: imported
        .map((s) => strip(s, ['SOHNUM', 'CREDATTIM', 'UPDDATTIM', 'BPCORD', 'BPCINV']))
        .sort((a, b) => String(a.CUSORDREF).localeCompare(String(b.CUSORDREF))),
    };
  } catch (err) {
    if (env) console.log(runtimeProblems(env.runtime));
    throw err;
  } finally {
    await env?.stop();
  }
}

describe('e2e: examples 01 and 05 against every X3 schema variant, without an entities override', function () {
  this.timeout(10 * 60_000);

  it('labels, writes back and imports orders with the same X3 writes on every variant', async function () {
    const outcomes: Partial<Record<SchemaVariant, Outcome>> = {};
    for (const variant of SCHEMA_VARIANTS) outcomes[variant] = await runVariant(variant);
    const ref = outcomes.current!;
    assert.ok(
      ref.writes.some((w) => w.startsWith('salesDelivery/update/soap/')),
      ref.writes.join('\n'),
    );
    assert.ok(
      ref.writes.some((w) => w.startsWith('salesOrder/create/soap/')),
      ref.writes.join('\n'),
    );
    assert.ok(
      ref.writes.some((w) => w.startsWith('customer/create/graphql/')),
      ref.writes.join('\n'),
    );
    for (const variant of SCHEMA_VARIANTS) {
      assert.deepEqual(outcomes[variant]!.writes, ref.writes, `${variant}: the same X3 writes`);
      assert.deepEqual(outcomes[variant]!.deliveries, ref.deliveries, `${variant}: the same deliveries`);
      assert.deepEqual(outcomes[variant]!.orders, ref.orders, `${variant}: the same sales orders`);
    }
  });
});
