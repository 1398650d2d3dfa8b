/**
 * Metrics: the Prometheus text format, the counters fed by the audit-config's store (every
 * entry, failures by code, labels, webhook deliveries), and the read-only health accessors the
 * gauges and the console read (poll loop state, token age and next refresh).
 */
import { strict as assert } from 'assert';
import sinon from 'sinon';
import {
  counterFamilies,
  incCounter,
  renderPrometheus,
  resetCounters,
  type MetricFamily,
} from '../../../nodes/core/metrics';
import { PollLoop } from '../../../nodes/core/poll-loop';
import { TokenCache } from '../../../nodes/core/token-cache';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import { countingStore } from '../../../nodes/console/entry-metrics';
import { pollerReport } from '../../../nodes/console/poller-health';

function sample(families: MetricFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const f = families.find((x) => x.name === `sage_x3_shipping_${name}`);
  return f?.samples.find((s) => JSON.stringify(s.labels ?? {}) === JSON.stringify(labels))?.value;
}

describe('metrics', () => {
  beforeEach(resetCounters);

  it('renders the Prometheus text format with HELP, TYPE and escaped labels', () => {
    const text = renderPrometheus([
      {
        name: 'sage_x3_shipping_budget_remaining',
        help: 'Requests left',
        type: 'gauge',
        samples: [{ labels: { config: 'a"b\\c\nd', system: 'fedex' }, value: 12 }],
      },
      { name: 'sage_x3_shipping_replays_total', help: 'Replays', type: 'counter', samples: [{ value: 0 }] },
    ]);
    assert.equal(
      text,
      '# HELP sage_x3_shipping_budget_remaining Requests left\n' +
        '# TYPE sage_x3_shipping_budget_remaining gauge\n' +
        'sage_x3_shipping_budget_remaining{config="a\\"b\\\\c\\nd",system="fedex"} 12\n' +
        '# HELP sage_x3_shipping_replays_total Replays\n' +
        '# TYPE sage_x3_shipping_replays_total counter\n' +
        'sage_x3_shipping_replays_total 0\n',
    );
    assert.throws(
      () =>
        renderPrometheus([
          { name: 'x', help: 'x', type: 'gauge', samples: [{ labels: { 'bad-name': '1' }, value: 1 }] },
        ]),
      /invalid label name/,
    );
  });

  it('counts each label set apart; every counter ends in _total', () => {
    incCounter('rate_limited_total', { system: 'fedex' });
    incCounter('rate_limited_total', { system: 'fedex' });
    incCounter('rate_limited_total', { system: 'shipstation' });
    const f = counterFamilies();
    assert.equal(sample(f, 'rate_limited_total', { system: 'fedex' }), 2);
    assert.equal(sample(f, 'rate_limited_total', { system: 'shipstation' }), 1);
    assert.equal(sample(f, 'labels_created_total'), 0);
    for (const fam of f) assert.match(fam.name, /^sage_x3_shipping_[a-z_]+_total$/);
  });

  it('counts what the audit-config store commits: entries, failures by code, labels, webhooks', async () => {
    const raw = openSqliteStore({ path: ':memory:' });
    const store = countingStore(raw);
    let pokes = 0;
    // an audit-config wraps its own store once: a second config's store is another object
    const other = openSqliteStore({ path: ':memory:' });
    const poked = countingStore(other, () => (pokes += 1));
    try {
      await store.record({ system: 'fedex', operation: 'ship.create', status: 'succeeded' });
      await store.record({
        system: 'x3',
        operation: 'x3.update',
        status: 'failed',
        error: { code: 'HTTP_500', message: 'x' },
      });
      await store.record({
        system: 'fedex',
        operation: 'security',
        status: 'failed',
        error: { code: 'BAD', message: 'x' },
      });
      await store.record({ system: 'fedex', operation: 'webhook', status: 'succeeded' });
      await store.inboxAdd('scope', [{ eventId: 'e1', payload: {} }]);
      await store.inboxSettle('scope', 'e1', 'applied', {
        system: 'shipstation',
        operation: 'shipment.receive',
        status: 'received',
      });
      await poked.record({ system: 'flow', operation: 'x', status: 'replayed' });
      const f = counterFamilies();
      assert.equal(sample(f, 'labels_created_total'), 1);
      assert.equal(sample(f, 'failures_total', { system: 'x3', code: 'HTTP_500' }), 1);
      assert.equal(sample(f, 'webhook_events_total', { system: 'fedex', result: 'refused' }), 1);
      assert.equal(sample(f, 'webhook_events_total', { system: 'fedex', result: 'accepted' }), 1);
      assert.equal(sample(f, 'webhook_events_total', { system: 'shipstation', result: 'accepted' }), 1);
      assert.equal(sample(f, 'replays_total'), 1);
      assert.equal(
        sample(f, 'audit_entries_total', { system: 'fedex', operation: 'ship.create', status: 'succeeded' }),
        1,
      );
      assert.equal(pokes, 1, 'onRecorded is told once per committed entry');
      assert.equal((await store.query({})).total, 5, 'the wrapped store still stores');
      assert.equal((await poked.query({})).total, 1);
    } finally {
      await store.close();
      await other.close();
    }
  });
});

describe('health accessors', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
  });
  afterEach(() => clock.restore());

  it('PollLoop.state(): last run, last success, failures in a row, next run', async () => {
    let fail = true;
    const loop = new PollLoop<void>({
      intervalMs: 60_000,
      maxBackoffMs: 600_000,
      timedContext: () => undefined,
      run: async () => {
        if (fail) throw new Error('X3 down');
      },
      onTimedError: () => undefined,
    });
    assert.equal(loop.state().lastRunAt, undefined);
    assert.equal(loop.state().consecutiveFailures, 0);
    loop.start(0);
    await clock.tickAsync(0);
    let s = loop.state();
    assert.equal(s.lastRunAt, Date.parse('2026-01-01T00:00:00Z'));
    assert.equal(s.lastSuccessAt, undefined);
    assert.equal(s.consecutiveFailures, 1);
    assert.equal(s.lastError, 'X3 down');
    assert.equal(s.nextRunAt, Date.now() + 60_000);
    const report = pollerReport({ id: 'p', type: 'x3-poll' }, s, '2025-12-31T23:50:00.000Z', Date.now());
    assert.equal(report.lagSeconds, 600);
    assert.equal(report.facts.failuresInARow, 1);
    fail = false;
    await clock.tickAsync(60_000);
    s = loop.state();
    assert.equal(s.consecutiveFailures, 0);
    assert.equal(s.lastSuccessAt, Date.now());
    assert.equal(s.lastError, undefined);
    await loop.close();
    assert.equal(loop.state().nextRunAt, undefined);
  });

  it('TokenCache status: when the token was obtained and when it will be replaced; token requests counted', async () => {
    resetCounters();
    const cache = new TokenCache({
      system: 'x3',
      fetchToken: async () => ({ token: 't', expiresInMs: 300_000 }),
      refreshAfterMs: 240_000,
    });
    await cache.get();
    const s = cache.getStatus();
    assert.equal(s.obtainedAt, Date.now());
    assert.equal(s.refreshAt, Date.now() + 240_000);
    assert.equal(s.expiresAt, Date.now() + 300_000);
    const fedex = new TokenCache({
      system: 'fedex',
      fetchToken: async () => ({ token: 't', expiresInMs: 3_600_000 }),
      refreshMarginMs: 300_000,
    });
    await fedex.get();
    assert.equal(fedex.getStatus().refreshAt, Date.now() + 3_300_000);
    assert.equal(sample(counterFamilies(), 'token_requests_total', { system: 'x3' }), 1);
    assert.equal(sample(counterFamilies(), 'token_requests_total', { system: 'fedex' }), 1);
    cache.close();
    fedex.close();
  });
});
