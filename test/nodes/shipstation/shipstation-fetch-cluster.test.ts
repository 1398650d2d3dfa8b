import assert from 'node:assert/strict';
import { startShipStationSim, type ShipStationSim } from '../../../sim/shipstation/server';
import { useSharedPgStore, until } from '../../support/cluster-node';
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

describe('shipstation-fetch on a shared (PostgreSQL) audit store', function () {
  let sim: ShipStationSim | undefined;
  const pg = useSharedPgStore();
  useUserDir();
  startStopServer();
  afterEach(async () => {
    await helper.unload();
    await sim?.close();
    await pg.closeOther();
    sim = undefined;
  });

  it('the timed poll runs on the lease holder only; a standby forwards a poll msg, the holder serves it after the takeover', async () => {
    const { store: other, held, auditNode } = await pg.otherInstanceHolding('ssfetch', 'shipstation-fetch:f');
    assert.ok(held);
    sim = await startShipStationSim({ orders: 7 });
    await helper.load(
      modules,
      positioned([
        TAB,
        configNode(sim),
        auditNode,
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
    await until(async () => (await other.readState('shipstation-fetch:f:request')) !== undefined, 'forwarded');
    assert.equal(ordersRead(), 0, 'a standby reads no orders');
    assert.equal(out.length, 0);

    await other.releaseLease('shipstation-fetch:f', 'other-instance', held.epoch);
    await until(() => out.length === 7 && statusTexts(node).some((t) => /^7 new of/.test(t)), 'the holder polls');
    const stored = (await other.readState('shipstation-fetch:f:watermark')) as { data: { position?: string } };
    assert.ok(stored.data.position, 'the watermark is in the shared store');
  });
});
