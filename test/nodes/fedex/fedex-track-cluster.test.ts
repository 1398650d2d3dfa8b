import assert from 'node:assert/strict';
import type { FedexSim } from '../../../sim/fedex/server';
import { startSim } from '../../unit/fedex/sim';
import { useSharedPgStore, until } from '../../support/cluster-node';
import { recorder } from '../../support/node-helper';
import { TAB, configNode, credentials, helper, modules, positioned, startStopServer, statusTexts } from './harness';

describe('fedex-track on a shared (PostgreSQL) audit store', function () {
  let sim: FedexSim | undefined;
  const pg = useSharedPgStore();
  startStopServer();
  afterEach(async () => {
    await helper.unload();
    await sim?.close();
    await pg.closeOther();
    sim = undefined;
  });

  it('open-shipment runs are made by the lease holder only: a standby forwards the msg, the holder runs it after the takeover', async () => {
    const { store: other, held, auditNode } = await pg.otherInstanceHolding('fxtrack', 'fedex-track:track');
    assert.ok(held);
    await other.trackShipment('794900000001');
    await other.trackShipment('794900000002');
    sim = await startSim();
    await helper.load(
      modules,
      positioned([
        TAB,
        configNode(sim),
        auditNode,
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
    await until(async () => (await other.readState('fedex-track:track:request')) !== undefined, 'forwarded');
    assert.equal(sim.state.trackCalls.length, 0, 'a standby calls Track for no open shipment');

    await other.releaseLease('fedex-track:track', 'other-instance', held.epoch);
    // the numbers are unknown to FedEx: each comes out on output 2, from the holder's run
    await until(() => errors.length === 2, 'the holder runs the open shipments');
    assert.equal(sim.state.trackCalls.length, 1);
    assert.deepEqual([...sim.state.trackCalls[0].numbers].sort(), ['794900000001', '794900000002']);
  });
});
