import { strict as assert } from 'assert';
import type { NextFunction, Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import auditSinkNode = require('../../../nodes/audit/audit-sink');
import type { AuditConfigNode } from '../../../nodes/audit/config-api';
import type { AuditEntry, AuditStore } from '../../../nodes/audit/types';
import { collect, helper, positioned, startStopServer, useUserDir } from './harness';
import { holdOf } from '../../../nodes/audit/ledger-hold';

const BASE = '/sage-x3-shipping/audit';
const TAB = { id: 'tab', type: 'tab', label: 'audit' };
const flow = (sinks: string[] = ['s1']): Array<Record<string, unknown>> =>
  positioned([
    TAB,
    { id: 'cfg', type: 'audit-config', path: 'admin.db' },
    ...sinks.flatMap((id) => [
      { id, type: 'audit-sink', z: 'tab', audit: 'cfg', wires: [[`${id}-out`]] },
      { id: `${id}-out`, type: 'helper', z: 'tab' },
    ]),
  ]);

describe('audit admin endpoints', () => {
  useUserDir();
  startStopServer();

  const store = (): AuditStore => (helper.getNode('cfg') as unknown as AuditConfigNode).getStore();

  const seed = async (): Promise<{ failed: AuditEntry[]; ok: AuditEntry }> => {
    const s = store();
    const failed = [
      await s.record({
        system: 'fedex',
        operation: 'ship.create',
        status: 'failed',
        msg: { payload: 'A' },
        correlation: { x3Key: 'SDH1' },
        nodeId: 's2',
      }),
      await s.record({
        system: 'x3',
        operation: 'x3.update',
        status: 'failed',
        msg: { payload: 'B' },
        correlation: { x3Key: 'SDH2' },
      }),
    ];
    const ok = await s.record({
      system: 'fedex',
      operation: 'track',
      status: 'succeeded',
      correlation: { trackingNumbers: ['794'] },
    });
    return { failed, ok };
  };

  it('lists and filters entries, pages, and gets one entry', async () => {
    await helper.load([auditConfigNode, auditSinkNode], flow());
    const { failed, ok } = await seed();
    let res = await helper.request().get(`${BASE}/cfg/entries`).expect(200);
    assert.equal(res.body.total, 3);
    assert.deepEqual(
      res.body.entries.map((e: AuditEntry) => e.id),
      [ok.id, failed[1].id, failed[0].id],
    );
    res = await helper.request().get(`${BASE}/cfg/entries?status=failed&system=fedex`).expect(200);
    assert.deepEqual(
      res.body.entries.map((e: AuditEntry) => e.id),
      [failed[0].id],
    );
    res = await helper.request().get(`${BASE}/cfg/entries?trackingNumber=794`).expect(200);
    assert.deepEqual(
      res.body.entries.map((e: AuditEntry) => e.id),
      [ok.id],
    );
    res = await helper.request().get(`${BASE}/cfg/entries?limit=1&offset=1&order=asc`).expect(200);
    assert.deepEqual(res.body, { entries: [await store().getEntry(failed[1].id)], total: 3 });
    res = await helper.request().get(`${BASE}/cfg/entries/${failed[0].id}`).expect(200);
    assert.equal(res.body.msg.payload, 'A');
    await helper.request().get(`${BASE}/cfg/entries/nope`).expect(404);
  });

  it('answers 400 to a bad filter and 404 to an unknown config', async () => {
    await helper.load([auditConfigNode, auditSinkNode], flow());
    const bad = await helper.request().get(`${BASE}/cfg/entries?status=bogus`).expect(400);
    assert.match(bad.body.error, /"status"/);
    await helper.request().get(`${BASE}/nope/entries`).expect(404);
    await helper.request().get(`${BASE}/s1/entries`).expect(404); // a node that is not an audit-config
    await helper.request().post(`${BASE}/nope/replay`).send({ id: 'x' }).expect(404);
    const badReplay = await helper.request().post(`${BASE}/cfg/replay`).send([1]).expect(400);
    assert.match(badReplay.body.error, /must be an object/);
    await helper.request().post(`${BASE}/cfg/replay`).send({ status: 'replayed' }).expect(400);
  });

  it('reads a ledger entry by key', async () => {
    await helper.load([auditConfigNode, auditSinkNode], flow());
    await store().claim('fedex.ship:SEED/SDH1', { owner: 'o', system: 'fedex', operation: 'ship.create' });
    const res = await helper
      .request()
      .get(`${BASE}/cfg/ledger?key=${encodeURIComponent('fedex.ship:SEED/SDH1')}`)
      .expect(200);
    assert.equal(res.body.state, 'claimed');
    await helper.request().get(`${BASE}/cfg/ledger?key=missing`).expect(404);
    await helper.request().get(`${BASE}/cfg/ledger`).expect(400);
  });

  it('lets an operator settle an unknown outcome: failed (claimable again), succeeded (result kept), voided', async () => {
    await helper.load([auditConfigNode, auditSinkNode], flow());
    const s = store();
    const meta = { owner: 'o', system: 'x3' as const, operation: 'x3.create', correlation: { x3Key: 'SS-1' } };
    for (const key of ['k-failed', 'k-ok', 'k-void']) {
      const { entry } = await s.claim(key, meta);
      await s.markUnknown(key, { code: 'X3_OUTCOME_UNKNOWN', message: 'timeout after sending' }, holdOf(entry));
    }
    const resolve = (body: unknown) =>
      helper
        .request()
        .post(`${BASE}/cfg/ledger/resolve`)
        .send(body as object);

    let res = await resolve({
      key: 'k-failed',
      state: 'failed',
      reason: 'no SS-1 order in X3 (checked by ops)',
    }).expect(200);
    assert.equal(res.body.before.state, 'unknown');
    assert.equal(res.body.after.state, 'failed');
    // the next msg for the document claims the key again and does the work
    const again = await s.claim('k-failed', { ...meta, owner: 'o2' });
    assert.equal(again.claimed, true);
    const recorded = await s.getEntry(res.body.auditId);
    assert.equal(recorded?.operation, 'ledger.resolve');
    assert.equal(recorded?.idempotencyKey, 'k-failed');
    assert.deepEqual(recorded?.correlation, { x3Key: 'SS-1' });
    assert.match(recorded?.error?.message ?? '', /unknown -> failed: no SS-1 order in X3/);

    res = await resolve({
      key: 'k-ok',
      state: 'succeeded',
      reason: 'found as SO0042',
      result: { record: { SOHNUM: 'SO0042' } },
    }).expect(200);
    assert.equal(res.body.after.state, 'succeeded');
    assert.deepEqual((await s.get('k-ok'))?.result, { record: { SOHNUM: 'SO0042' } });
    assert.equal((await s.claim('k-ok', meta)).claimed, false);

    await resolve({ key: 'k-void', state: 'voided', reason: 'order cancelled' }).expect(200);
    assert.equal((await s.get('k-void'))?.state, 'voided');

    // only unknown outcomes (and voiding a success) are the operator's to settle
    const conflict = await resolve({ key: 'k-ok', state: 'failed', reason: 'x' }).expect(409);
    assert.match(conflict.body.error, /is succeeded/);
    await resolve({ key: 'missing', state: 'failed', reason: 'x' }).expect(404);
    assert.match((await resolve({ key: 'k-void', state: 'failed' }).expect(400)).body.error, /"reason"/);
    assert.match((await resolve({ key: 'k-void', state: 'done', reason: 'x' }).expect(400)).body.error, /"state"/);
    assert.match(
      (await resolve({ key: 'k-void', state: 'succeeded', reason: 'x' }).expect(400)).body.error,
      /"result" is required/,
    );
  });

  it('replays through the sink that recorded the entry, else the first sink; each entry once', async () => {
    await helper.load([auditConfigNode, auditSinkNode], flow(['s1', 's2']));
    const { failed } = await seed();
    const out1 = collect(helper.getNode('s1-out'), 1);
    const out2 = collect(helper.getNode('s2-out'), 1);
    const res = await helper.request().post(`${BASE}/cfg/replay`).send({ status: 'failed' }).expect(200);
    assert.deepEqual(
      res.body.replayed.map((r: { id: string; target: string }) => [r.id, r.target]),
      [
        [failed[0].id, 's2'],
        [failed[1].id, 's1'],
      ],
    );
    const [[m1], [m2]] = await Promise.all([out1, out2]);
    assert.equal(m1.payload, 'B');
    assert.equal(m2.payload, 'A');
    assert.equal((m2.audit as { replayOf: string }).replayOf, failed[0].id);
    const again = await helper.request().post(`${BASE}/cfg/replay`).send({ id: failed[0].id }).expect(200);
    assert.deepEqual(again.body.replayed, []);
    assert.equal(again.body.skipped[0].reason, 'already-replayed');
  });

  it('replays to an explicit target and rejects an unknown one', async () => {
    await helper.load([auditConfigNode, auditSinkNode], flow(['s1', 's2']));
    const { failed } = await seed();
    await helper.request().post(`${BASE}/cfg/replay`).send({ id: failed[1].id, target: 'zz' }).expect(400);
    const out2 = collect(helper.getNode('s2-out'), 1);
    await helper.request().post(`${BASE}/cfg/replay`).send({ id: failed[1].id, target: 's2' }).expect(200);
    assert.equal((await out2)[0].payload, 'B');
  });

  it('refuses to replay when no audit-sink can emit (nothing is marked replayed)', async () => {
    await helper.load([auditConfigNode, auditSinkNode], flow([]));
    const { failed } = await seed();
    const res = await helper.request().post(`${BASE}/cfg/replay`).send({ status: 'failed' }).expect(409);
    assert.match(res.body.error, /no audit-sink/);
    assert.equal((await store().getEntry(failed[0].id))?.status, 'failed');
  });

  it('every route is behind RED.auth.needsPermission (read to list, write to replay)', async () => {
    const asked: string[] = [];
    const withAuth = (RED: NodeAPI): void => {
      (RED as { auth: NodeAPI['auth'] }).auth = {
        needsPermission: (permission: string) => {
          asked.push(permission);
          return (req: Request, res: Response, next: NextFunction) => {
            const granted = String(req.headers['x-test-permissions'] ?? '').split(',');
            if (granted.includes(permission)) next();
            else res.status(401).json({ error: 'unauthorised' });
          };
        },
      };
      auditConfigNode(RED);
    };
    await helper.load([withAuth, auditSinkNode], flow());
    assert.deepEqual([...new Set(asked)].sort(), ['audit-config.read', 'audit-config.write']);
    const { failed } = await seed();
    await helper.request().get(`${BASE}/cfg/entries`).expect(401);
    await helper.request().get(`${BASE}/cfg/entries/${failed[0].id}`).expect(401);
    await helper.request().get(`${BASE}/cfg/ledger?key=x`).expect(401);
    // the label routes of the same audit-config: read to download or list, write to reprint
    await helper.request().get(`/sage-x3-shipping/labels/cfg/report`).expect(401);
    await helper.request().get(`/sage-x3-shipping/labels/cfg/file?key=x`).expect(401);
    await helper.request().get(`/sage-x3-shipping/labels/cfg/adopted`).expect(401);
    await helper
      .request()
      .get(`/sage-x3-shipping/labels/cfg/report`)
      .set('x-test-permissions', 'audit-config.read')
      .expect(200);
    await helper
      .request()
      .post(`/sage-x3-shipping/labels/cfg/reprint`)
      .set('x-test-permissions', 'audit-config.read')
      .send({ key: 'x' })
      .expect(401);
    await helper
      .request()
      .post(`/sage-x3-shipping/labels/cfg/reprint`)
      .set('x-test-permissions', 'audit-config.write')
      .send({ key: 'x' })
      .expect(409); // allowed, but no node of this audit-config has a printer
    await helper
      .request()
      .post(`${BASE}/cfg/ledger/resolve`)
      .set('x-test-permissions', 'audit-config.read')
      .send({ key: 'x', state: 'failed', reason: 'r' })
      .expect(401);
    await helper.request().get(`${BASE}/cfg/entries`).set('x-test-permissions', 'audit-config.read').expect(200);
    await helper
      .request()
      .post(`${BASE}/cfg/replay`)
      .set('x-test-permissions', 'audit-config.read')
      .send({ id: failed[0].id })
      .expect(401);
    await helper
      .request()
      .post(`${BASE}/cfg/replay`)
      .set('x-test-permissions', 'audit-config.write')
      .send({ id: failed[0].id })
      .expect(200);
  });
});
