import { strict as assert } from 'assert';
import { existsSync } from 'fs';
import { join } from 'path';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import configNode = require('../../../nodes/x3/x3-config');
import pollNode = require('../../../nodes/x3/x3-poll');
import { STATE_DIR_NAME } from '../../../nodes/core/state-file';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { useSharedPgStore } from '../../support/cluster-node';
import { helper, positioned, recorder, startStopServer, statusTexts, useUserDir, waitFor } from './harness';

const BASIC = { username: 'admin', password: 'admin-password' };

describe('x3-poll on a shared (PostgreSQL) audit store', function () {
  let sim: X3Sim | undefined;
  const pg = useSharedPgStore();
  const userDir = useUserDir({ x3ConfigRetry: { baseDelayMs: 1, maxDelayMs: 2 } });
  startStopServer();
  afterEach(async () => {
    await sim?.close();
    await pg.closeOther();
    sim = undefined;
  });

  it('stands by while another instance holds its lease; a msg is forwarded; once the lease is free it polls and keeps its watermark in the store', async () => {
    // "another instance" of the same flow: it holds the lease of this x3-poll node
    const { store: other, held, auditNode } = await pg.otherInstanceHolding('x3poll', 'x3-poll:poll');
    assert.ok(held);

    sim = await startX3Sim({ port: 0, host: '127.0.0.1', records: { customer: 2, product: 2, salesDelivery: 5 } });
    await helper.load(
      [auditConfigNode, configNode, pollNode],
      positioned([
        { id: 'tab', type: 'tab', label: 'x3' },
        auditNode,
        { id: 'cfg', type: 'x3-config', url: sim.url, folder: 'SEED', api: 'rest', auth: 'basic' },
        {
          id: 'poll',
          type: 'x3-poll',
          z: 'tab',
          server: 'cfg',
          audit: 'audit',
          entity: 'salesDelivery',
          interval: 3600,
          initial: 'all',
          wires: [['out']],
        },
        { id: 'out', type: 'helper', z: 'tab' },
      ]),
      { cfg: BASIC },
    );
    const node = helper.getNode('poll');
    const out = recorder(helper.getNode('out'));
    await waitFor(() => statusTexts(node).includes('standby'), 'standby status');
    node.receive({ payload: 'poll please', reset: 'all' });
    await waitFor(() => out.length === 0 && statusTexts(node).length > 0, 'msg handled');
    let request: unknown;
    for (let i = 0; i < 500 && !request; i++) {
      request = await other.readState('x3-poll:poll:request');
      if (!request) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal((request as { reset?: string }).reset, 'all', 'the msg was forwarded to the holder');
    assert.equal(out.length, 0, 'a standby polls nothing');

    // the other instance stops (releases its lease): this one takes over and serves the request
    await other.releaseLease('x3-poll:poll', 'other-instance', held.epoch);
    await waitFor(
      () => out.length === 5 && statusTexts(node).some((t) => /^5 new at/.test(t)),
      'the forwarded poll after the takeover, its watermark committed',
    );
    const stored = (await other.readState('x3-poll:poll:watermark')) as { data: { position?: string } };
    assert.ok(stored.data.position, 'the watermark is in the shared store');
    assert.ok(!existsSync(join(userDir.dir(), STATE_DIR_NAME, 'x3-poll-poll.json')), 'and not in a local file');
    const lease = await other.acquireLease('x3-poll:poll', 'other-instance', 1000);
    assert.equal(lease, undefined, 'this instance holds (and renews) the lease now');
  });
});
