import assert from 'node:assert/strict';
import { generateDataset, KEY_INSTANTS } from '../../../sim/shipstation/data';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';
import {
  formatPacific7,
  formatPacificTrimmed,
  instantToWall,
  parseV1DateParam,
  parseV1TimestampInput,
  wallToInstant,
} from '../../../sim/shipstation/time';

const at = (iso: string): number => Date.parse(iso);

describe('ShipStation sim - time and data', () => {
  describe('Pacific conversion', () => {
    it('formats instants as Pacific wall clock, following DST', () => {
      assert.equal(formatPacific7(at('2026-07-01T19:00:00.000Z')), '2026-07-01T12:00:00.0000000');
      assert.equal(formatPacific7(at('2026-01-15T08:00:00.887Z')), '2026-01-15T00:00:00.8870000');
      assert.equal(formatPacific7(at('2026-11-01T08:30:00Z')), '2026-11-01T01:30:00.0000000');
      assert.equal(formatPacific7(at('2026-11-01T09:30:00Z')), '2026-11-01T01:30:00.0000000');
      assert.equal(formatPacific7(at('2026-03-08T09:59:59Z')), '2026-03-08T01:59:59.0000000');
      assert.equal(formatPacific7(at('2026-03-08T10:00:00Z')), '2026-03-08T03:00:00.0000000');
      assert.equal(formatPacificTrimmed(at('2026-07-16T21:00:34.820Z')), '2026-07-16T14:00:34.82');
      assert.equal(formatPacificTrimmed(at('2026-07-16T21:00:34.000Z')), '2026-07-16T14:00:34');
    });

    it('reads wall times back: ambiguous -> PDT instant, gap -> moved forward', () => {
      const wall = (s: string): number => {
        const w = parseV1DateParam(s);
        assert.notEqual(w, null, s);
        return w as number;
      };
      assert.equal(wallToInstant(wall('2026-11-01 01:30:00')), at('2026-11-01T08:30:00Z'));
      assert.equal(wallToInstant(wall('2026-11-01 02:00:00')), at('2026-11-01T10:00:00Z'));
      assert.equal(wallToInstant(wall('2026-03-08 02:30:00')), at('2026-03-08T10:30:00Z'));
      assert.equal(wallToInstant(wall('2026-03-08 01:59:59')), at('2026-03-08T09:59:59Z'));
      assert.equal(instantToWall(at('2026-11-01T09:30:00Z')), wall('2026-11-01 01:30:00'));
      assert.equal(parseV1DateParam('2026-11-01T01:30:00.1234567'), wall('2026-11-01 01:30:00') + 123);
      assert.equal(parseV1DateParam('not a date'), null);
      assert.equal(parseV1TimestampInput('2026-11-01T09:30:00Z'), wall('2026-11-01 01:30:00'));
      assert.equal(parseV1TimestampInput('2026-11-01T01:30:00-08:00'), wall('2026-11-01 01:30:00'));
    });
  });

  describe('generateDataset', () => {
    it('is deterministic for a seed and different for another', () => {
      assert.deepEqual(generateDataset({ orders: 30, seed: 5 }), generateDataset({ orders: 30, seed: 5 }));
      assert.notDeepEqual(
        generateDataset({ orders: 30, seed: 5 }).orders,
        generateDataset({ orders: 30, seed: 6 }).orders,
      );
    });

    it('puts modifyDates in both passes of the repeated hour and around the spring gap', () => {
      const { orders } = generateDataset({ orders: 40, seed: 3 });
      const modified = orders.map((o) => at(o.modifyDate as string));
      for (const key of KEY_INSTANTS) assert.ok(modified.includes(at(key.at)), key.why);
      const pdtPass = modified.filter((t) => t >= at('2026-11-01T08:00:00Z') && t < at('2026-11-01T09:00:00Z'));
      const pstPass = modified.filter((t) => t >= at('2026-11-01T09:00:00Z') && t < at('2026-11-01T10:00:00Z'));
      assert.ok(pdtPass.length >= 2 && pstPass.length >= 2);
      const spring = modified.filter((t) => t >= at('2026-03-08T09:00:00Z') && t < at('2026-03-08T11:00:00Z'));
      assert.ok(
        spring.some((t) => t < at('2026-03-08T10:00:00Z')) && spring.some((t) => t >= at('2026-03-08T10:00:00Z')),
      );
      for (const o of orders) {
        assert.ok(at(o.createDate as string) <= at(o.modifyDate as string), 'created before modified');
        assert.ok(Array.isArray(o.items) && o.items.length >= 1);
      }
      assert.ok(new Set(orders.map((o) => o.orderStatus)).size >= 4, 'a mix of statuses');
    });
  });

  describe('seeding and inspection over HTTP', () => {
    let sim: ShipStationSim;
    const clock = at('2026-11-02T00:00:00Z');
    before(async () => {
      sim = await startShipStationSim({ now: () => clock, orders: 10, seed: 2 });
    });
    after(async () => {
      await sim.close();
    });

    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${sim.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };

    it('loads generated orders at start, seeds more, and reset goes back to the start-up data', async () => {
      assert.equal(sim.state.store.orders.size, 10);
      const shipped = [...sim.state.store.orders.values()].filter((o) => o.orderStatus === 'shipped');
      for (const o of shipped) {
        const labels = sim.state.store.shipmentsOfOrder(o.orderId).length;
        const fulfillments = sim.state.store.fulfillmentsOfOrder(o.orderId).length;
        assert.equal(labels + fulfillments, 1, `shipped order ${o.orderNumber} has a label or a fulfillment`);
      }
      const seeded = await post('/__sim/seed', { generate: { orders: 5, seed: 9 } });
      assert.equal(seeded.status, 200);
      assert.equal(seeded.body.orders.length, 5);
      const bad = await post('/__sim/seed', { orders: [{ orderNumber: 'no-dates' }] });
      assert.equal(bad.status, 400);
      assert.match(bad.body.errors[0], /orderDate/);
      assert.equal((await post('/__sim/reset', {})).status, 200);
      assert.equal(sim.state.store.orders.size, 10);
      assert.deepEqual(sim.snapshot().counts, {
        orders: 10,
        customers: sim.state.store.customers.size,
        products: 12,
        shipments: sim.state.store.shipments.size,
        fulfillments: sim.state.store.fulfillments.size,
        v1Webhooks: 0,
        v2Webhooks: 0,
        deliveries: 0,
        requests: 0,
      });
    });

    it('validates /__sim/config patches and never shows credentials', async () => {
      const bad = await post('/__sim/config', { v1RateLimit: 'lots', nope: 1 });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /v1RateLimit/);
      assert.match(bad.body.error, /unknown config key nope/);
      assert.equal(sim.config.v1RateLimit, 40, 'nothing applied');
      const ok = await post('/__sim/config', {
        v1RateLimit: 60,
        v1Credentials: [{ key: 'k', secret: 'very-secret', name: 'ops' }],
      });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body.v1Credentials, [{ name: 'ops' }]);
      const state = await fetch(`${sim.v2Url}/__sim/state`).then((r) => r.text());
      assert.ok(!state.includes('very-secret') && state.includes('"v1RateLimit":60'));
      await post('/__sim/config', {
        v1RateLimit: 40,
        v1Credentials: [{ key: 'sim-v1-key', secret: 'sim-v1-secret', name: 'default-v1' }],
      });
    });
  });
});
