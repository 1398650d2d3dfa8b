/**
 * audit-sink's Alerts output through the real nodes: a real x3-poll failing against the X3
 * simulator and a real unknown ledger entry raise `poller-failing` and `unknown-outcome` on the
 * second output, once each, and clear them once the poller succeeds and the entry is resolved.
 * Simulated time: the alert check's interval and the clock it reads are sinon's.
 */
import { strict as assert } from 'assert';
import sinon from 'sinon';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import auditSinkNode = require('../../../nodes/audit/audit-sink');
import { isAuditConfigNode } from '../../../nodes/audit/config-api';
import { holdOf } from '../../../nodes/audit/ledger-hold';
import { resolveLedgerEntry } from '../../../nodes/audit/ledger-resolve';
import configNode = require('../../../nodes/x3/x3-config');
import pollNode = require('../../../nodes/x3/x3-poll');
import { DEFAULT_ALERT_CHECK_MS } from '../../../nodes/console/alert-watch';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { helper, positioned, recorder, startStopServer, statusTexts, useUserDir, waitFor } from '../x3/harness';

const JWT = { clientId: 'sim-connected-app', clientSecret: 'sim-connected-app-secret', user: 'admin' };
const UNKNOWN_KEY = 'fedex:ship:SEED/salesDelivery/SDL-ALERT';

interface AlertPayload {
  state: string;
  kind: string;
  key: string;
  nodeId?: string;
  ledgerKey?: string;
  message: string;
}

describe('audit-sink Alerts output', () => {
  let sim: X3Sim | undefined;
  let clock: sinon.SinonFakeTimers | undefined;
  // hooks run in definition order: real timers back before Node-RED stops
  afterEach(() => {
    clock?.restore();
    clock = undefined;
  });
  useUserDir({ x3ConfigRetry: { baseDelayMs: 1, maxDelayMs: 2 } });
  startStopServer();
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('raises and clears unknown-outcome and poller-failing, one msg each way', async () => {
    // only the alert check's interval and the clocks are simulated; I/O and the poll loop's own
    // timers stay real (its interval is an hour: every poll here is asked for by a msg)
    clock = sinon.useFakeTimers({
      now: Date.UTC(2025, 2, 3, 8, 0, 0),
      toFake: ['setInterval', 'clearInterval', 'Date'],
    });
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      now: () => Date.now(),
      records: { customer: 1, product: 1, salesDelivery: 2 },
    });
    await helper.load(
      [configNode, pollNode, auditConfigNode, auditSinkNode],
      positioned([
        { id: 'tab', type: 'tab', label: 'alerts' },
        { id: 'cfg', type: 'x3-config', url: sim.url, folder: 'SEED', api: 'graphql', auth: 'connected-app' },
        { id: 'audit', type: 'audit-config', path: 'alerts.db' },
        {
          id: 'poll',
          type: 'x3-poll',
          z: 'tab',
          name: 'deliveries',
          server: 'cfg',
          entity: 'salesDelivery',
          interval: 3600,
          initial: 'all',
          wires: [[]],
        },
        {
          id: 'sink',
          type: 'audit-sink',
          z: 'tab',
          audit: 'audit',
          alerts: true,
          outputs: 2,
          unknownOutcomeMinutes: 2,
          pollerFailures: 2,
          wires: [['passed'], ['alerts']],
        },
        { id: 'passed', type: 'helper', z: 'tab' },
        { id: 'alerts', type: 'helper', z: 'tab' },
      ]),
      { cfg: JWT },
    );
    const poll = helper.getNode('poll');
    const polled = (): number => statusTexts(poll).filter((t) => / new at /.test(t)).length;
    const failedPolls = (): number => poll.error.callCount;
    const alerts = recorder(helper.getNode('alerts'));
    const payloads = (): AlertPayload[] => alerts.map((m) => m.payload as AlertPayload);
    const audit: unknown = helper.getNode('audit');
    assert.ok(isAuditConfigNode(audit));
    const store = audit.getStore();
    await waitFor(() => polled() === 1, 'the first poll');

    // X3 answers 5xx: two polls fail in a row
    sim.config.error5xxRate = 1;
    poll.receive({});
    await waitFor(() => failedPolls() === 1, 'the first failed poll');
    poll.receive({});
    await waitFor(() => failedPolls() === 2, 'the second failed poll');
    // a FedEx call whose outcome is unknown
    const { entry } = await store.claim(UNKNOWN_KEY, {
      owner: audit.instanceId,
      system: 'fedex',
      operation: 'ship.create',
    });
    await store.markUnknown(UNKNOWN_KEY, { code: 'FEDEX_TIMEOUT', message: 'timed out after sending' }, holdOf(entry));

    // a minute on, the unknown entry is not old enough yet (2 min): only the poller is reported
    clock.tick(DEFAULT_ALERT_CHECK_MS - 30_000); // no check before the interval
    assert.equal(alerts.length, 0);
    clock.tick(30_000);
    await waitFor(() => alerts.length === 1, 'the poller-failing alert');
    assert.equal(alerts[0].topic, 'alert/poller-failing');
    assert.deepEqual(
      { state: payloads()[0].state, kind: payloads()[0].kind, nodeId: payloads()[0].nodeId },
      { state: 'raised', kind: 'poller-failing', nodeId: 'poll' },
    );

    // two minutes on the unknown outcome is old enough; the poller's alert is not repeated
    clock.tick(DEFAULT_ALERT_CHECK_MS);
    await waitFor(() => alerts.length === 2, 'the unknown-outcome alert');
    assert.equal(alerts[1].topic, 'alert/unknown-outcome');
    assert.deepEqual(
      { state: payloads()[1].state, kind: payloads()[1].kind, ledgerKey: payloads()[1].ledgerKey },
      { state: 'raised', kind: 'unknown-outcome', ledgerKey: UNKNOWN_KEY },
    );
    // a check with nothing new sends nothing
    clock.tick(DEFAULT_ALERT_CHECK_MS);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(alerts.length, 2);

    // X3 is back and the poller succeeds; an operator resolves the unknown outcome
    sim.config.error5xxRate = 0;
    poll.receive({});
    await waitFor(() => polled() === 2, 'a successful poll');
    await resolveLedgerEntry(store, { key: UNKNOWN_KEY, state: 'failed', reason: 'no shipment at FedEx' });
    clock.tick(DEFAULT_ALERT_CHECK_MS);
    await waitFor(() => alerts.length === 4, 'both alerts cleared');
    const cleared = payloads()
      .slice(2)
      .map((p) => `${p.state} ${p.kind} ${p.nodeId ?? p.ledgerKey}`)
      .sort();
    assert.deepEqual(cleared, ['cleared poller-failing poll', `cleared unknown-outcome ${UNKNOWN_KEY}`]);
    assert.deepEqual(
      alerts
        .slice(2)
        .map((m) => m.topic)
        .sort(),
      ['alert/poller-failing', 'alert/unknown-outcome'],
    );

    // nothing more while nothing changes
    clock.tick(DEFAULT_ALERT_CHECK_MS);
    clock.tick(DEFAULT_ALERT_CHECK_MS);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(alerts.length, 4);
  });
});
