import assert from 'node:assert/strict';
import { openPgStore, type PgAuditStore } from '../../../nodes/audit/pg-store';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster, type PgCluster } from '../../support/pg-cluster';
import {
  TAB,
  configNode,
  credentials,
  helper,
  modules,
  positioned,
  recorder,
  startStopServer,
  statusTexts,
  useUserDir,
} from './harness';

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('shipstation-fetch on a shared (PostgreSQL) audit store', function () {
  let cluster: PgCluster | undefined;
  let sim: ShipStationSim | undefined;
  let other: PgAuditStore | undefined;
  before(async function () {
    this.timeout(180_000);
    cluster = await sharedPgCluster();
    if (!cluster) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
  });
  useUserDir();
  startStopServer();
  afterEach(async () => {
    await helper.unload();
    await sim?.close();
    await other?.close();
    sim = undefined;
    other = undefined;
  });

  it('the timed poll runs on the lease holder only; a standby forwards a poll msg, the holder serves it after the takeover', async () => {
    const schema = isolatedSchema('ssfetch');
    const url = (cluster as PgCluster).url;
    other = openPgStore({ connection: url, schema });
    const held = await other.acquireLease('shipstation-fetch:f', 'other-instance', 3_600_000);
    assert.ok(held);
    sim = await startShipStationSim({ orders: 7 });
    await helper.load(
      modules,
      positioned([
        TAB,
        configNode(sim),
        { id: 'audit', type: 'audit-config', backend: 'postgres', connection: url, schema, leaseSeconds: 0.3 },
        {
          id: 'f',
          type: 'shipstation-fetch',
          z: 'tab',
          server: 'ss',
          audit: 'audit',
          operation: 'orders-modified',
          interval: 3600,
          pollOnStart: true,
          initial: 'all',
          x3SalesSite: 'FR011',
          wires: [['out']],
        },
        { id: 'out', type: 'helper', z: 'tab' },
      ]),
      credentials(),
    );
    const node = helper.getNode('f');
    const out = recorder(helper.getNode('out'));
    await until(() => statusTexts(node).some((t) => t.startsWith('standby')), 'standby');
    const ordersRead = (): number => sim!.state.requests.filter((r) => /\/orders/.test(r.path)).length;
    node.receive({ payload: {} });
    await until(async () => (await other!.readState('shipstation-fetch:f:request')) !== undefined, 'forwarded');
    assert.equal(ordersRead(), 0, 'a standby reads no orders');
    assert.equal(out.length, 0);

    await other.releaseLease('shipstation-fetch:f', 'other-instance', held.epoch);
    await until(() => out.length === 7 && statusTexts(node).some((t) => /^7 new of/.test(t)), 'the holder polls');
    const stored = (await other.readState('shipstation-fetch:f:watermark')) as { data: { position?: string } };
    assert.ok(stored.data.position, 'the watermark is in the shared store');
  });
});
