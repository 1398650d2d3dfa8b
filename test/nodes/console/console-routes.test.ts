/**
 * The operator console's admin routes on a Node-RED runtime (node-red-node-test-helper):
 * overview counts, Needs attention, Activity, timeline, replay of selected entries and of every
 * failed entry of some nodes (each once), health of the pollers and config nodes, and the
 * Prometheus text. Permissions are checked in the browser suite (a real adminAuth).
 */
import { strict as assert } from 'assert';
import type { NodeAPI } from 'node-red';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import auditSinkNode = require('../../../nodes/audit/audit-sink');
import type { AuditConfigNode } from '../../../nodes/audit/config-api';
import type { AuditEntry, AuditStore } from '../../../nodes/audit/types';
import { registerConsoleRoutes } from '../../../nodes/console/console-routes';
import { reportHealth } from '../../../nodes/console/health-registry';
import { holdOf } from '../../../nodes/audit/ledger-hold';
import { collect, helper, positioned, startStopServer, useUserDir } from '../audit/harness';

const BASE = '/sage-x3-shipping/console';
const consoleRoutes = (RED: NodeAPI): void => registerConsoleRoutes(RED);
const flow = positioned([
  { id: 'tab', type: 'tab', label: 'console' },
  { id: 'cfg', type: 'audit-config', name: 'trail', path: 'console.db' },
  { id: 's1', type: 'audit-sink', z: 'tab', audit: 'cfg', wires: [['s1-out']] },
  { id: 's1-out', type: 'helper', z: 'tab' },
]);

describe('operator console admin routes', () => {
  useUserDir();
  startStopServer();
  const store = (): AuditStore => (helper.getNode('cfg') as unknown as AuditConfigNode).getStore();

  const seed = async (): Promise<AuditEntry[]> => {
    const s = store();
    const out: AuditEntry[] = [];
    for (const key of ['SDH1', 'SDH2', 'SDH3']) {
      out.push(
        await s.record({
          system: 'x3',
          operation: 'x3.update',
          status: 'failed',
          msg: { payload: key },
          correlation: { x3Key: key },
          nodeId: key === 'SDH3' ? 'other-node' : 'x3-update-1',
        }),
      );
    }
    const claim = await s.claim('fedex:SDH9', { owner: 'p', system: 'fedex', operation: 'ship.create' });
    await s.markUnknown('fedex:SDH9', { code: 'TIMEOUT', message: 'no answer' }, holdOf(claim.entry));
    return out;
  };

  it('overview and Needs attention count failed and unknown; activity and timeline find a document', async () => {
    await helper.load([auditConfigNode, auditSinkNode, consoleRoutes], flow);
    await seed();
    let res = await helper.request().get(`${BASE}/overview`).expect(200);
    assert.deepEqual(res.body.configs, [
      { id: 'cfg', name: 'trail', counts: { failed: 3, unknown: 1, staleClaims: 0, refused: 0, total: 4 } },
    ]);
    res = await helper.request().get(`${BASE}/cfg/attention`).expect(200);
    assert.equal(res.body.failed.length, 3);
    assert.equal(res.body.unknown[0].ledger.key, 'fedex:SDH9');
    res = await helper.request().get(`${BASE}/cfg/activity?search=SDH2`).expect(200);
    assert.equal(res.body.total, 1);
    assert.equal(res.body.matchedBy, 'x3Key');
    res = await helper.request().get(`${BASE}/cfg/activity?nodeId=other-node`).expect(200);
    assert.equal(res.body.total, 1);
    await helper.request().get(`${BASE}/cfg/activity?status=nope`).expect(400);
    res = await helper.request().get(`${BASE}/cfg/timeline?kind=x3Key&value=SDH1`).expect(200);
    assert.equal(res.body.entries.length, 1);
    await helper.request().get(`${BASE}/cfg/timeline?kind=email&value=x`).expect(400);
    await helper.request().get(`${BASE}/nope/attention`).expect(404);
  });

  it('activity filters by X3 entity and by the nodes of a flow; entities lists the entities present', async () => {
    await helper.load([auditConfigNode, auditSinkNode, consoleRoutes], flow);
    const s = store();
    const rec = (x3Entity: string, nodeId: string) =>
      s.record({ system: 'x3', operation: 'x3.update', status: 'succeeded', correlation: { x3Entity }, nodeId });
    const order = await rec('salesOrder', 'tab1-a');
    const delivery = await rec('salesDelivery', 'tab1-b');
    const other = await rec('salesDelivery', 'tab2-a');
    const ids = (body: { entries: AuditEntry[] }): string[] => body.entries.map((e) => e.id).sort();
    let res = await helper.request().get(`${BASE}/cfg/entities`).expect(200);
    assert.deepEqual(res.body, { entities: ['salesDelivery', 'salesOrder'] });
    res = await helper.request().get(`${BASE}/cfg/activity?x3Entity=salesDelivery`).expect(200);
    assert.deepEqual(ids(res.body), [delivery.id, other.id].sort());
    res = await helper.request().get(`${BASE}/cfg/activity?x3Entity=noSuchEntity`).expect(200);
    assert.equal(res.body.total, 0);
    res = await helper.request().get(`${BASE}/cfg/activity?nodeIds=tab1-a,tab1-b`).expect(200);
    assert.deepEqual(ids(res.body), [order.id, delivery.id].sort());
    res = await helper.request().get(`${BASE}/cfg/activity?nodeIds=tab1-a,tab1-b&x3Entity=salesDelivery`).expect(200);
    assert.deepEqual(ids(res.body), [delivery.id]);
    res = await helper.request().get(`${BASE}/cfg/activity?nodeIds=`).expect(200);
    assert.equal(res.body.total, 0, 'a flow without nodes has no entries');
    const tooMany = Array.from({ length: 501 }, (_, i) => `n${i}`).join(',');
    res = await helper.request().get(`${BASE}/cfg/activity?nodeIds=${tooMany}`).expect(400);
    assert.match(res.body.error, /at most 500/);
    await helper.request().get(`${BASE}/nope/entities`).expect(404);
  });

  it('replays selected entries and every failed entry of some nodes, each once', async () => {
    await helper.load([auditConfigNode, auditSinkNode, consoleRoutes], flow);
    const [a, b, c] = await seed();
    const out = collect(helper.getNode('s1-out'), 3);
    let res = await helper
      .request()
      .post(`${BASE}/cfg/replay`)
      .send({ ids: [c.id] })
      .expect(200);
    assert.deepEqual(
      res.body.replayed.map((r: { id: string }) => r.id),
      [c.id],
    );
    res = await helper
      .request()
      .post(`${BASE}/cfg/replay`)
      .send({ nodeIds: ['x3-update-1'] })
      .expect(200);
    assert.deepEqual(
      res.body.replayed.map((r: { id: string }) => r.id),
      [a.id, b.id],
    );
    const msgs = await out;
    assert.deepEqual(
      msgs.map((m) => m.payload),
      ['SDH3', 'SDH1', 'SDH2'],
    );
    res = await helper
      .request()
      .post(`${BASE}/cfg/replay`)
      .send({ ids: [a.id] })
      .expect(200);
    assert.deepEqual(res.body.replayed, []);
    assert.equal(res.body.skipped[0].reason, 'already-replayed');
    await helper.request().post(`${BASE}/cfg/replay`).send({}).expect(400);
    res = await helper.request().get(`${BASE}/overview`).expect(200);
    assert.equal(res.body.configs[0].counts.failed, 0);
  });

  it('health lists pollers and audit stores; metrics are Prometheus text with the gauges', async () => {
    await helper.load([auditConfigNode, auditSinkNode, consoleRoutes], flow);
    await seed();
    const unreport = reportHealth('poller-1', () => ({
      id: 'poller-1',
      type: 'x3-poll',
      facts: { lastRun: '2026-01-01T00:00:00.000Z' },
      lagSeconds: 42,
      consecutiveFailures: 2,
    }));
    try {
      let res = await helper.request().get(`${BASE}/health`).expect(200);
      assert.deepEqual(
        res.body.pollers.map((p: { id: string }) => p.id),
        ['poller-1'],
      );
      assert.deepEqual(res.body.audit, [{ id: 'cfg', name: 'trail', errorsLastHour: 3 }]);
      res = await helper.request().get(`${BASE}/metrics`).expect(200);
      assert.match(res.headers['content-type'], /^text\/plain/);
      assert.match(res.text, /^sage_x3_shipping_unknown_outcomes_open\{audit_config="cfg"\} 1$/m);
      assert.match(res.text, /^sage_x3_shipping_failed_entries_open\{audit_config="cfg"\} 3$/m);
      assert.match(res.text, /^sage_x3_shipping_poller_lag_seconds\{node="poller-1",type="x3-poll"\} 42$/m);
      assert.match(res.text, /^# TYPE sage_x3_shipping_failures_total counter$/m);
    } finally {
      unreport();
    }
  });
});
