import { strict as assert } from 'assert';
import sinon from 'sinon';
import { readFileSync } from 'fs';
import { join } from 'path';
import type { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import auditSinkNode = require('../../../nodes/audit/audit-sink');
import { getAuditConfig, type AuditConfigNode } from '../../../nodes/audit/config-api';
import { runExactlyOnce } from '../../../nodes/audit/exactly-once';
import { replayLedgerKey } from '../../../nodes/audit/msg-audit';
import type { AuditEntry, AuditStore } from '../../../nodes/audit/types';
import {
  catchNode,
  collect,
  completeNode,
  helper,
  recorder,
  settle,
  startStopServer,
  positioned,
  useUserDir,
  type TestNode,
} from './harness';
import { holdOf } from '../../../nodes/audit/ledger-hold';

/** A stand-in for fedex-ship: fails with our structured error when msg.fail is set. */
function failingShipNode(RED: NodeAPI): void {
  RED.nodes.registerType('test-fedex-ship', function (this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    this.on('input', (msg: NodeMessageInFlow, _send: (m: NodeMessage) => void, done: (e?: Error) => void) => {
      msg.error = {
        system: 'fedex',
        status: 503,
        code: 'FEDEX.UNAVAILABLE',
        message: 'FedEx is unavailable',
        retryable: true,
      };
      done(Object.assign(new Error('FedEx is unavailable'), { code: 'FEDEX.UNAVAILABLE' }));
    });
  });
}

/**
 * A stand-in connector that buys labels exactly once through the ledger, reusing a replay's key
 * (what fedex-ship does): counts purchases on the node.
 */
function ledgerShipNode(RED: NodeAPI): void {
  RED.nodes.registerType(
    'test-ledger-ship',
    function (this: Node & { purchases: number }, def: NodeDef & { audit: string }) {
      RED.nodes.createNode(this, def);
      this.purchases = 0;
      const cfg = getAuditConfig(RED, def.audit) as AuditConfigNode;
      this.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (e?: Error) => void) => {
        const key = replayLedgerKey(msg, 'ship.create') ?? `fedex.ship:${String((msg.payload as { doc: string }).doc)}`;
        runExactlyOnce(
          { store: cfg.getStore(), key, meta: { owner: cfg.instanceId, system: 'fedex', operation: 'ship.create' } },
          async () => {
            this.purchases += 1;
            return { trackingNumber: `NEW-${this.purchases}` };
          },
        ).then(
          (r) => {
            msg.payload = r.outcome === 'executed' || r.outcome === 'stored' ? r.result : null;
            msg.outcome = r.outcome;
            send(msg);
            done();
          },
          (e: Error) => done(e),
        );
      });
    },
  );
}

const CONFIG = { id: 'cfg', type: 'audit-config', name: 'audit', path: 'audit.db', retentionDays: 90 };
const TAB = { id: 'tab', type: 'tab', label: 'audit' };

describe('audit-sink node', () => {
  const user = useUserDir();
  startStopServer();

  const store = (): AuditStore => (helper.getNode('cfg') as unknown as AuditConfigNode).getStore();

  const baseFlow = (extra: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> => [
    TAB,
    { ...CONFIG },
    { id: 'sink', type: 'audit-sink', z: 'tab', audit: 'cfg', wires: [['out']] },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'done', type: 'complete', z: 'tab', scope: ['sink'], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper', z: 'tab' },
    ...extra,
  ];

  /** sends msg to the sink and waits until the sink called done() */
  const sendAndComplete = async (msg: Record<string, unknown>): Promise<void> => {
    const completed = collect(helper.getNode('completed'), 1);
    helper.getNode('sink').receive(msg);
    await completed;
    await settle();
  };

  it('records a msg and passes it on with msg.audit = {id, status}', async () => {
    await helper.load([auditConfigNode, auditSinkNode, completeNode], positioned(baseFlow()));
    const out = collect(helper.getNode('out'), 1);
    helper.getNode('sink').receive({
      payload: { trackingNumber: '794600000001' },
      x3: { folder: 'SEED', entity: 'SDELIVERY', key: 'SDH001' },
      audit: { status: 'succeeded', system: 'fedex', operation: 'ship.create' },
      topic: 'label',
    });
    const [msg] = await out;
    const audit = msg.audit as { id: string; status: string };
    assert.equal(audit.status, 'succeeded');
    assert.deepEqual(Object.keys(audit).sort(), ['id', 'status']);
    assert.equal(msg.topic, 'label');
    assert.deepEqual(msg.payload, { trackingNumber: '794600000001' });
    const entry = (await store().getEntry(audit.id)) as AuditEntry;
    assert.equal(entry.system, 'fedex');
    assert.equal(entry.operation, 'ship.create');
    assert.equal(entry.nodeId, 'sink');
    assert.deepEqual(entry.correlation, {
      x3Folder: 'SEED',
      x3Entity: 'SDELIVERY',
      x3Key: 'SDH001',
      trackingNumbers: ['794600000001'],
    });
    assert.deepEqual((entry.msg as { payload: unknown }).payload, { trackingNumber: '794600000001' });
    assert.equal((await store().query({ trackingNumber: '794600000001' })).total, 1);
  });

  it('writes the database in the Node-RED user directory', async () => {
    await helper.load([auditConfigNode, auditSinkNode, completeNode], positioned(baseFlow()));
    await sendAndComplete({ payload: 'x' });
    assert.ok(readFileSync(join(user.dir(), 'audit.db')).length > 0);
  });

  it('behind a Catch node records the failure with our error details and the failing node', async () => {
    const flow = [
      TAB,
      { ...CONFIG },
      { id: 'ship', type: 'test-fedex-ship', z: 'tab', wires: [] },
      { id: 'catch', type: 'catch', z: 'tab', scope: ['ship'], uncaught: false, wires: [['sink']] },
      { id: 'sink', type: 'audit-sink', z: 'tab', audit: 'cfg', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab' },
    ];
    await helper.load([auditConfigNode, auditSinkNode, catchNode, failingShipNode], positioned(flow));
    const out = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive({ payload: { doc: 'SDH7' }, x3: { key: 'SDH7' } });
    const [msg] = await out;
    assert.equal((msg.audit as { status: string }).status, 'failed');
    const entry = (await store().getEntry((msg.audit as { id: string }).id)) as AuditEntry;
    assert.equal(entry.status, 'failed');
    assert.equal(entry.system, 'fedex');
    assert.equal(entry.operation, 'test-fedex-ship');
    assert.deepEqual(entry.error, { code: 'FEDEX.UNAVAILABLE', message: 'FedEx is unavailable', status: 503 });
    assert.deepEqual(entry.correlation, { x3Key: 'SDH7' });
    assert.deepEqual(entry.msg?.payload, { doc: 'SDH7' });
    assert.equal(entry.msg?.error, undefined, 'the stored msg is the replayable input, without the error');
    assert.equal(entry.msg?._error, undefined);
  });

  it('replay of failed entries emits each once and marks them replayed', async () => {
    await helper.load([auditConfigNode, auditSinkNode, completeNode], positioned(baseFlow()));
    const out = recorder(helper.getNode('out'));
    for (const doc of ['A', 'B']) {
      await sendAndComplete({ payload: { doc }, error: { message: `failed ${doc}`, code: 'X3.LOCKED' } });
    }
    await sendAndComplete({ payload: { doc: 'C' }, audit: { status: 'succeeded' } });
    const failedIds = (await store().query({ status: 'failed', order: 'asc' })).entries.map((e) => e.id);
    assert.equal(failedIds.length, 2);
    out.length = 0;

    await sendAndComplete({ topic: 'replay', payload: { status: 'failed' } });
    assert.equal(out.length, 2);
    assert.deepEqual(
      out.map((m) => m.payload),
      [{ doc: 'A' }, { doc: 'B' }],
    );
    for (const [i, m] of out.entries()) {
      const audit = m.audit as { status: string; replayOf: string; id: string };
      assert.equal(audit.status, 'replayed');
      assert.equal(audit.replayOf, failedIds[i]);
      assert.equal(m.error, undefined);
      assert.notEqual(m.topic, 'replay');
    }
    for (const id of failedIds) assert.equal((await store().getEntry(id))?.status, 'replayed');

    out.length = 0;
    await sendAndComplete({ topic: 'replay', payload: { status: 'failed' } });
    await sendAndComplete({ topic: 'replay', payload: { id: failedIds[0] } });
    assert.equal(out.length, 0, 'a second replay emits nothing');
  });

  it('replay of a label request that succeeded returns the stored label instead of buying another', async () => {
    const flow = baseFlow([
      { id: 'ship', type: 'test-ledger-ship', z: 'tab', audit: 'cfg', wires: [['shipped']] },
      { id: 'shipped', type: 'helper', z: 'tab' },
    ]);
    (flow[2] as { wires: string[][] }).wires = [['out', 'ship']];
    await helper.load([auditConfigNode, auditSinkNode, completeNode, ledgerShipNode], positioned(flow));
    const key = 'fedex.ship:SDH9';
    const label = {
      trackingNumber: '794600000009',
      labels: [{ trackingNumber: '794600000009', format: 'PDF', data: 'JVBERi0x' }],
    };
    // the label was bought, but the response timed out: the step was recorded as unknown, then
    // reconciliation found the shipment and completed the ledger key
    const s = store();
    const hold = holdOf(
      (await s.claim(key, { owner: 'earlier-process', system: 'fedex', operation: 'ship.create' })).entry,
    );
    await s.markUnknown(key, { code: 'TIMEOUT', message: 'no response after sending' }, hold);
    const entry = await s.record({
      system: 'fedex',
      operation: 'ship.create',
      status: 'unknown',
      idempotencyKey: key,
      msg: { payload: { doc: 'OTHER-DOC' }, x3: { key: 'SDH9' } },
      nodeId: 'sink',
    });
    await s.complete(key, label, hold);

    const shipped = collect(helper.getNode('shipped'), 1);
    const out = collect(helper.getNode('out'), 1);
    helper.getNode('sink').receive({ topic: 'replay', payload: { id: entry.id } });
    const [replayMsg] = await out;
    assert.deepEqual((replayMsg.audit as { ledger: unknown }).ledger, { state: 'succeeded', result: label });
    const [result] = await shipped;
    assert.equal(result.outcome, 'stored');
    assert.deepEqual(result.payload, label);
    assert.equal((helper.getNode('ship') as unknown as { purchases: number }).purchases, 0, 'no second label bought');
  });

  it('query returns pages of entries', async () => {
    await helper.load([auditConfigNode, auditSinkNode, completeNode], positioned(baseFlow()));
    for (let i = 0; i < 5; i++) await sendAndComplete({ payload: i, x3: { key: 'SAME' } });
    await sendAndComplete({ payload: 'other', x3: { key: 'OTHER' } });
    const out = helper.getNode('out');
    let page = collect(out, 1);
    helper.getNode('sink').receive({ topic: 'query', payload: { x3Key: 'SAME', limit: 2, order: 'asc' } });
    let [msg] = await page;
    assert.deepEqual(
      (msg.payload as AuditEntry[]).map((e) => e.msg?.payload),
      [0, 1],
    );
    assert.deepEqual(msg.page, { total: 5, offset: 0, limit: 2, nextOffset: 2 });
    page = collect(out, 1);
    helper.getNode('sink').receive({ topic: 'query', payload: { x3Key: 'SAME', limit: 2, offset: 4, order: 'asc' } });
    [msg] = await page;
    assert.deepEqual(
      (msg.payload as AuditEntry[]).map((e) => e.msg?.payload),
      [4],
    );
    assert.deepEqual(msg.page, { total: 5, offset: 4, limit: 2, nextOffset: undefined });
    assert.equal((await store().query({ limit: 0 })).total, 6, 'queries are not recorded');
  });

  it('a bad command payload is reported through done(err)', async () => {
    const flow = baseFlow([
      { id: 'c', type: 'catch', z: 'tab', scope: ['sink'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ]);
    await helper.load([auditConfigNode, auditSinkNode, completeNode, catchNode], positioned(flow));
    const caught = collect(helper.getNode('caught'), 1);
    helper.getNode('sink').receive({ topic: 'query', payload: { status: 'nope' } });
    const [msg] = await caught;
    assert.match((msg.error as { message: string }).message, /unknown "status" nope/);
  });

  it('export writes JSON lines as a string payload', async () => {
    await helper.load([auditConfigNode, auditSinkNode, completeNode], positioned(baseFlow()));
    for (let i = 0; i < 3; i++) await sendAndComplete({ payload: i });
    const out = collect(helper.getNode('out'), 1);
    helper.getNode('sink').receive({ topic: 'export', payload: {} });
    const [msg] = await out;
    const lines = (msg.payload as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEntry);
    assert.deepEqual(
      lines.map((l) => l.msg?.payload),
      [0, 1, 2],
    );
    assert.deepEqual(msg.export, { count: 3, total: 3, truncated: false });
  });

  it('export writes JSON lines to the configured file', async () => {
    const flow = baseFlow();
    (flow[2] as Record<string, unknown>).exportFile = 'exports/audit.jsonl';
    await helper.load([auditConfigNode, auditSinkNode, completeNode], positioned(flow));
    await sendAndComplete({ payload: 'a', error: { message: 'x' } });
    await sendAndComplete({ payload: 'b' });
    const out = collect(helper.getNode('out'), 1);
    helper.getNode('sink').receive({ topic: 'export', payload: { status: 'failed' } });
    const [msg] = await out;
    const file = join(user.dir(), 'exports', 'audit.jsonl');
    assert.deepEqual(msg.payload, { file, count: 1 });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    assert.equal((JSON.parse(lines[0]) as AuditEntry).status, 'failed');
  });

  it('passes the msg on and reports an error when the store cannot be written', async () => {
    const flow = baseFlow([
      { id: 'c', type: 'catch', z: 'tab', scope: ['sink'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ]);
    await helper.load([auditConfigNode, auditSinkNode, completeNode, catchNode], positioned(flow));
    await store().close();
    const out = collect(helper.getNode('out'), 1);
    const caught = collect(helper.getNode('caught'), 1);
    helper.getNode('sink').receive({ payload: 'keep going' });
    const [passed] = await out;
    assert.equal(passed.payload, 'keep going');
    const [err] = await caught;
    assert.match((err.error as { message: string }).message, /audit entry not recorded/);
  });

  it('shows counts in its status, at most once a second', async () => {
    await helper.load([auditConfigNode, auditSinkNode, completeNode], positioned(baseFlow()));
    const sink = helper.getNode('sink');
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const before = sink.status.getCalls().length;
      await sendAndComplete({ payload: 1 });
      await sendAndComplete({ payload: 2, error: { message: 'x' } });
      assert.equal(sink.status.getCalls().length, before, 'no update before the throttle window ends');
      clock.tick(1000);
      assert.deepEqual(sink.status.getCalls().at(-1)?.args[0], {
        fill: 'yellow',
        shape: 'dot',
        text: '2 recorded, 1 failed',
      });
    } finally {
      clock.restore();
    }
  });

  it('without an audit-config it shows a red status, logs once and fails each msg to Catch', async () => {
    await helper.load(
      [auditConfigNode, auditSinkNode, catchNode],
      positioned([
        TAB,
        { id: 'sink', type: 'audit-sink', z: 'tab', audit: '', wires: [['out']] },
        { id: 'out', type: 'helper', z: 'tab' },
        { id: 'c', type: 'catch', z: 'tab', scope: ['sink'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'tab' },
      ]),
    );
    const sink: TestNode = helper.getNode('sink');
    const own = (spy: TestNode['status']) => spy.getCalls().filter((c) => c.thisValue === sink);
    assert.deepEqual(
      own(sink.status).map((c) => c.args[0]),
      [{ fill: 'red', shape: 'ring', text: 'no audit config' }],
    );
    assert.deepEqual(
      own(sink.error).map((c) => c.args[0]),
      ['audit-sink: select an audit-config (missing, disabled or deleted)'],
    );
    const out: unknown[] = [];
    helper.getNode('out').on('input', (m: unknown) => out.push(m));
    const caught = collect(helper.getNode('caught'), 1);
    sink.receive({ payload: 'not recorded' });
    const [err] = await caught;
    assert.equal(err.payload, 'not recorded');
    assert.match(
      (err.error as { message: string }).message,
      /audit-sink: select an audit-config \(missing, disabled or deleted\)/,
    );
    assert.deepEqual(out, [], 'nothing is passed on as if it had been recorded');
  });
});
