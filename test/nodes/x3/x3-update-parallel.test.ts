import { strict as assert } from 'assert';
import configNode = require('../../../nodes/x3/x3-config');
import type { X3ConfigNode } from '../../../nodes/x3/config-api';
import updateNode = require('../../../nodes/x3/x3-update');
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { helper, positioned, recorder, startStopServer, useUserDir, waitFor } from './harness';

const TAB = { id: 'tab', type: 'tab', label: 'x3' };
const CREDS = {
  clientId: 'sim-connected-app',
  clientSecret: 'sim-connected-app-secret',
  user: 'admin',
  username: 'admin',
  password: 'admin-password',
};

/**
 * The simulator's latency is a wait the test holds and releases (no wall-clock time): how many
 * X3 calls are held at once is how many x3-update runs in parallel.
 */
describe('x3-update node: documents in parallel, one document in order', () => {
  useUserDir({ x3ConfigRetry: { baseDelayMs: 1, maxDelayMs: 2 } });
  startStopServer();
  let sim: X3Sim;
  let held: Array<() => void> = [];
  let holding = true;
  const release = (): void => {
    const h = held;
    held = [];
    for (const r of h) r();
  };
  beforeEach(async () => {
    held = [];
    holding = false;
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      latencyMs: 1,
      sleep: () => (holding ? new Promise<void>((r) => held.push(r)) : Promise.resolve()),
      records: { customer: 3, product: 4, salesOrder: 3, salesDelivery: 12 },
    });
  });
  afterEach(async () => {
    holding = false;
    release();
    await sim.close();
  });

  it('runs msgs for different deliveries at once (up to maxConcurrent) and a delivery’s own msgs one after another, in order', async () => {
    await helper.load(
      [configNode, updateNode],
      positioned([
        TAB,
        {
          id: 'cfg',
          type: 'x3-config',
          url: sim.url,
          folder: 'SEED',
          api: 'graphql',
          auth: 'connected-app',
          maxConcurrent: 3,
        },
        {
          id: 'upd',
          type: 'x3-update',
          z: 'tab',
          server: 'cfg',
          entity: 'salesDelivery',
          operation: 'update',
          trackingField: 'YTRACKNUM',
          trackingMode: 'append',
          separator: ',',
          wires: [['out']],
        },
        { id: 'out', type: 'helper', z: 'tab' },
      ]),
      { cfg: CREDS },
    );
    const out = recorder(helper.getNode('out'));
    // the schema read x3-update starts at deploy goes through unheld; it opens the Syracuse
    // session too (SOAP getDescription), so every call held below is a document's own
    const conn = (helper.getNode('cfg') as unknown as X3ConfigNode).getConnection();
    await conn.resolve(conn.entity('salesDelivery'));
    const sessions = sim.sessions().created;
    holding = true;
    const open = sim.store
      .list('salesDelivery')
      .filter((r) => r.values.CFMFLG !== 2)
      .map((r) => r.key);
    assert.ok(open.length >= 5);
    const [first, ...others] = open.slice(0, 5);
    const upd = helper.getNode('upd');
    const send = (key: string, trackingNumber: string): void =>
      upd.receive({ payload: { trackingNumber }, sent: trackingNumber, x3: { entity: 'salesDelivery', key } });
    send(first, 'T1');
    send(first, 'T2');
    for (const k of others) send(k, `N-${k}`);
    send(first, 'T3');

    // three documents at once: their re-reads in one key-list query, then their three writes, on
    // the session already open
    const requests = sim.logs.requests.length;
    await waitFor(() => held.length >= 1, 'the re-reads in flight');
    assert.equal(held.length, 1, 'one query for the three re-reads');
    release();
    await waitFor(() => held.length >= 3, 'three X3 calls in flight at once');
    assert.equal(held.length, 3, 'no more than maxConcurrent');
    assert.equal(sim.logs.requests[requests]?.operation, 'X3Poll', 'the re-reads were one GraphQL query');
    holding = false;
    release();
    await waitFor(() => out.length === 7, 'all seven msgs through');

    // a delivery's msgs never overlapped: each re-read saw the previous write (append mode)
    assert.equal(sim.store.get('salesDelivery', first)?.values.YTRACKNUM, 'T1,T2,T3');
    const firstOut = out.filter((m) => (m.x3 as { key: string }).key === first);
    assert.deepEqual(
      firstOut.map((m) => m.sent),
      ['T1', 'T2', 'T3'],
    );
    for (const k of others) assert.equal(sim.store.get('salesDelivery', k)?.values.YTRACKNUM, `N-${k}`);
    assert.equal(sim.sessions().created, sessions, 'one Syracuse session for all of it');
  });
  it('a burst of write-backs redraws the status a few times, not twice per msg; a result is shown', async () => {
    await helper.load(
      [configNode, updateNode],
      positioned([
        TAB,
        { id: 'cfg', type: 'x3-config', url: sim.url, folder: 'SEED', api: 'graphql', auth: 'connected-app' },
        {
          id: 'upd',
          type: 'x3-update',
          z: 'tab',
          server: 'cfg',
          entity: 'salesDelivery',
          operation: 'update',
          trackingField: 'YTRACKNUM',
          wires: [['out']],
        },
        { id: 'out', type: 'helper', z: 'tab' },
      ]),
      { cfg: CREDS },
    );
    const out = recorder(helper.getNode('out'));
    const upd = helper.getNode('upd');
    // the helper spies on every node's status()
    const from = upd.status.callCount;
    const drawn = (): Array<{ fill?: string; text?: string }> =>
      upd.status
        .getCalls()
        .slice(from)
        .map((c) => c.args[0] as { fill?: string; text?: string });
    const open = sim.store
      .list('salesDelivery')
      .filter((r) => r.values.CFMFLG !== 2)
      .map((r) => r.key);
    assert.ok(open.length >= 5);
    for (const k of open)
      upd.receive({ payload: { trackingNumber: `B-${k}` }, x3: { entity: 'salesDelivery', key: k } });
    await waitFor(() => out.length === open.length, 'every msg through');
    // at most one draw at once and one at the end of the throttle interval (500 ms) while the burst ran
    assert.ok(drawn().length <= 3, `${drawn().length} status draws for ${open.length} msgs`);
    const shown = (): string | undefined => drawn().at(-1)?.text;
    await waitFor(
      () => drawn().at(-1)?.fill === 'green' && open.some((k) => shown() === `updated ${k}`),
      'a result shown once the burst is over',
    );
  });
});
