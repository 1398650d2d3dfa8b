import { strict as assert } from 'assert';
import { entryFromMsg, systemFromNodeType } from '../../../nodes/audit/sink-record';

const SETTINGS = { nodeId: 'sink-1' };

describe('audit-sink entry from a msg', () => {
  it('records a plain msg as received, with correlation, and stores it without msg.audit', () => {
    const e = entryFromMsg({ _msgid: 'm', payload: { a: 1 }, x3: { key: 'SDH1' }, audit: { id: 'old' } }, SETTINGS);
    assert.deepEqual(e, {
      system: 'flow',
      operation: 'record',
      status: 'received',
      correlation: { x3Key: 'SDH1' },
      nodeId: 'sink-1',
      msg: { _msgid: 'm', payload: { a: 1 }, x3: { key: 'SDH1' } },
    });
  });

  it('takes status, system, operation, key and attempt from msg.audit', () => {
    const e = entryFromMsg(
      {
        payload: 1,
        audit: { status: 'succeeded', system: 'fedex', operation: 'ship.create', idempotencyKey: 'k', attempt: 2 },
      },
      SETTINGS,
    );
    assert.equal(e.status, 'succeeded');
    assert.equal(e.system, 'fedex');
    assert.equal(e.operation, 'ship.create');
    assert.equal(e.idempotencyKey, 'k');
    assert.equal(e.attempt, 2);
  });

  it('a replayed msg passing a sink is recorded as received, keeping replayOf', () => {
    const e = entryFromMsg({ payload: 1, audit: { status: 'replayed', replayOf: 'e1' } }, SETTINGS);
    assert.equal(e.status, 'received');
    assert.equal(e.replayOf, 'e1');
  });

  it('a Catch msg is failed, with our structured error from msg._error and the failing node type', () => {
    const msg = {
      payload: { doc: 'SDH1' },
      _error: { system: 'fedex', status: 503, code: 'FEDEX.UNAVAILABLE', message: 'FedEx is down', retryable: true },
      error: {
        message: 'ApiError: FedEx is down',
        source: { id: 'n9', type: 'fedex-ship', name: '', count: 1 },
        code: 'FEDEX.UNAVAILABLE',
      },
    };
    const e = entryFromMsg(msg, SETTINGS);
    assert.equal(e.status, 'failed');
    assert.equal(e.system, 'fedex');
    assert.equal(e.operation, 'fedex-ship');
    assert.deepEqual(e.error, { code: 'FEDEX.UNAVAILABLE', message: 'FedEx is down', status: 503 });
    assert.deepEqual(e.msg, { payload: { doc: 'SDH1' } });
  });

  it('a Catch msg of a foreign node: system from settings or flow, Node-RED message', () => {
    const msg = { payload: 1, error: { message: 'TypeError: x is undefined', source: { id: 'f1', type: 'function' } } };
    const e = entryFromMsg(msg, SETTINGS);
    assert.equal(e.system, 'flow');
    assert.deepEqual(e.error, { code: 'ERROR', message: 'TypeError: x is undefined' });
    assert.equal(entryFromMsg(msg, { ...SETTINGS, system: 'x3', operation: 'x3.update' }).system, 'x3');
    assert.equal(entryFromMsg(msg, { ...SETTINGS, system: 'x3', operation: 'x3.update' }).operation, 'x3.update');
    assert.equal(entryFromMsg({ error: 'plain text' }, SETTINGS).error?.message, 'plain text');
  });

  it('maps node types to systems', () => {
    assert.equal(systemFromNodeType('x3-poll'), 'x3');
    assert.equal(systemFromNodeType('shipstation-in'), 'shipstation');
    assert.equal(systemFromNodeType('function'), undefined);
  });
});
