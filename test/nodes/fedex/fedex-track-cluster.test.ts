import assert from 'node:assert/strict';
import { openPgStore, type PgAuditStore } from '../../../nodes/audit/pg-store';
import type { FedexSim } from '../../../sim/fedex/server';
import { startSim } from '../../unit/fedex/sim';
import { recorder } from '../../support/node-helper';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster, type PgCluster } from '../../support/pg-cluster';
import { TAB, configNode, credentials, helper, modules, positioned, startStopServer, statusTexts } from './harness';

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('fedex-track on a shared (PostgreSQL) audit store', function () {
  let cluster: PgCluster | undefined;
  let sim: FedexSim | undefined;
  let other: PgAuditStore | undefined;
  before(async function () {
    this.timeout(180_000);
    cluster = await sharedPgCluster();
    if (!cluster) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
  });
  startStopServer();
  afterEach(async () => {
    await helper.unload();
    await sim?.close();
    await other?.close();
    sim = undefined;
    other = undefined;
  });

  it('open-shipment runs are made by the lease holder only: a standby forwards the msg, the holder runs it after the takeover', async () => {
    const schema = isolatedSchema('fxtrack');
    const url = (cluster as PgCluster).url;
    other = openPgStore({ connection: url, schema });
    const held = await other.acquireLease('fedex-track:track', 'other-instance', 3_600_000);
    assert.ok(held);
    await other.trackShipment('794900000001');
    await other.trackShipment('794900000002');
    sim = await startSim();
    await helper.load(
      modules,
      positioned([
        TAB,
        configNode(sim),
        { id: 'audit', type: 'audit-config', backend: 'postgres', connection: url, schema, leaseSeconds: 0.3 },
        { id: 'track', type: 'fedex-track', z: 'tab', fedex: 'fx', audit: 'audit', wires: [['updates'], ['errors']] },
        { id: 'updates', type: 'helper', z: 'tab' },
        { id: 'errors', type: 'helper', z: 'tab' },
      ]),
      credentials(),
    );
    const node = helper.getNode('track');
    const errors = recorder(helper.getNode('errors'));
    await until(() => statusTexts(node).some((t) => t.startsWith('standby')), 'standby');
    node.receive({ payload: Date.now() });
    await until(async () => (await other!.readState('fedex-track:track:request')) !== undefined, 'forwarded');
    assert.equal(sim.state.trackCalls.length, 0, 'a standby calls Track for no open shipment');

    await other.releaseLease('fedex-track:track', 'other-instance', held.epoch);
    // the numbers are unknown to FedEx: each comes out on output 2, from the holder's run
    await until(() => errors.length === 2, 'the holder runs the open shipments');
    assert.equal(sim.state.trackCalls.length, 1);
    assert.deepEqual([...sim.state.trackCalls[0].numbers].sort(), ['794900000001', '794900000002']);
  });
});
