/**
 * Alerts: which conditions hold (silent webhook route with open shipments, old unknown outcome,
 * failing poller), one msg when a condition starts and one when it ends, on simulated time.
 */
import { strict as assert } from 'assert';
import sinon from 'sinon';
import { AlertTracker, evaluateAlerts, type AlertInput } from '../../../nodes/console/alerts';
import { watchAlerts, type AlertMsg } from '../../../nodes/console/alert-watch';
import type { LedgerEntry } from '../../../nodes/audit/types';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const H = 3_600_000;

function unknownEntry(key: string, updatedAt: number): LedgerEntry {
  const at = new Date(updatedAt).toISOString();
  return {
    key,
    state: 'unknown',
    system: 'fedex',
    operation: 'ship.create',
    attempts: 1,
    owner: 'p',
    claimedAt: at,
    updatedAt: at,
  };
}

function input(extra: Partial<AlertInput> = {}): AlertInput {
  return { now: T0, webhooks: [], openShipments: true, watchingSince: T0 - 24 * H, unknown: [], pollers: [], ...extra };
}

describe('alerts', () => {
  it('a webhook route silent for N hours alerts only while shipments are open', () => {
    const webhooks = [
      { id: 'w1', type: 'fedex-webhook', name: 'FedEx events', lastReceived: new Date(T0 - 7 * H).toISOString() },
      { id: 'w2', type: 'fedex-webhook', lastReceived: new Date(T0 - 1 * H).toISOString() },
    ];
    const alerts = evaluateAlerts(input({ webhooks }));
    assert.deepEqual(
      alerts.map((a) => a.key),
      ['webhook-silent:w1'],
    );
    assert.match(alerts[0].message, /"FedEx events" has received nothing for 7 h/);
    assert.deepEqual(evaluateAlerts(input({ webhooks, openShipments: false })), []);
    // never heard from: silent since the watch started
    const never = [{ id: 'w3', type: 'shipstation-in', lastReceived: null }];
    assert.deepEqual(evaluateAlerts(input({ webhooks: never, watchingSince: T0 - 5 * H })), []);
    assert.equal(evaluateAlerts(input({ webhooks: never, watchingSince: T0 - 6 * H })).length, 1);
  });

  it('an unknown outcome older than N minutes and a poller failing N runs in a row alert', () => {
    const alerts = evaluateAlerts(
      input({
        unknown: [unknownEntry('old', T0 - 31 * 60_000), unknownEntry('young', T0 - 5 * 60_000)],
        pollers: [
          { id: 'p1', type: 'x3-poll', facts: { lastError: 'X3 down' }, consecutiveFailures: 3 },
          { id: 'p2', type: 'x3-poll', facts: {}, consecutiveFailures: 2 },
        ],
      }),
    );
    assert.deepEqual(
      alerts.map((a) => a.key),
      ['unknown-outcome:old', 'poller-failing:p1'],
    );
    assert.match(alerts[1].message, /failed 3 polls in a row: X3 down/);
  });

  it('the tracker raises a condition once and clears it once', () => {
    const tracker = new AlertTracker();
    const a = evaluateAlerts(input({ unknown: [unknownEntry('k', T0 - H)] }));
    assert.equal(tracker.update(a).raised.length, 1);
    assert.deepEqual(tracker.update(a), { raised: [], cleared: [] });
    const { raised, cleared } = tracker.update([]);
    assert.deepEqual(raised, []);
    assert.deepEqual(
      cleared.map((c) => c.key),
      ['unknown-outcome:k'],
    );
  });

  it('watchAlerts checks on its interval, emits raised then cleared, and stops', async () => {
    const clock = sinon.useFakeTimers({ now: T0 });
    try {
      let unknown = [unknownEntry('k', T0 - H)];
      const msgs: AlertMsg[] = [];
      const stop = watchAlerts({
        thresholds: { webhookSilentHours: 6, unknownOutcomeMinutes: 30, pollerFailures: 3 },
        input: async (since) => input({ now: Date.now(), watchingSince: since, unknown }),
        emit: (m) => msgs.push(m),
        onError: (err) => assert.fail(String(err)),
        intervalMs: 60_000,
      });
      await clock.tickAsync(59_999);
      assert.equal(msgs.length, 0);
      await clock.tickAsync(1);
      await clock.tickAsync(60_000);
      assert.deepEqual(
        msgs.map((m) => [m.topic, m.payload.state]),
        [['alert/unknown-outcome', 'raised']],
      );
      unknown = [];
      await clock.tickAsync(60_000);
      assert.deepEqual(
        msgs.map((m) => m.payload.state),
        ['raised', 'cleared'],
      );
      stop();
      unknown = [unknownEntry('k2', T0 - H)];
      await clock.tickAsync(10 * 60_000);
      assert.equal(msgs.length, 2, 'nothing after stop');
      assert.equal(clock.countTimers(), 0, 'the timer is released');
    } finally {
      clock.restore();
    }
  });
});
