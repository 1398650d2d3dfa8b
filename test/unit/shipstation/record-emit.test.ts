/**
 * One record out (emitRecord), shared by shipstation-in and shipstation-fetch: the outcome is in
 * the audit trail before the msg is sent; a record whose X3 mapping fails is audited as failed
 * and handed to `fail`, never sent.
 */
import assert from 'node:assert/strict';
import { ValidationError } from '../../../nodes/core/errors';
import type { AuditEntryInput } from '../../../nodes/audit/types';
import { emitRecord } from '../../../nodes/shipstation/record-emit';

type Json = Record<string, unknown>;

function sink() {
  const events: string[] = [];
  const entries: AuditEntryInput[] = [];
  const sent: Json[] = [];
  const failed: Array<{ err: unknown; msg: Json }> = [];
  return {
    events,
    entries,
    sent,
    failed,
    record: async (e: AuditEntryInput) => {
      await Promise.resolve();
      events.push('audited');
      entries.push(e);
    },
    send: (m: Json) => {
      events.push('sent');
      sent.push(m);
    },
    fail: (err: unknown, msg: Json) => {
      events.push('failed');
      failed.push({ err, msg });
    },
  };
}

const customer = { customerId: 77, name: 'Ann Smith', email: 'ann@example.com', countryCode: 'US' };

describe('shipstation emitRecord', () => {
  it('audits the record as succeeded (with its draft) and only then sends the msg', async () => {
    const s = sink();
    await emitRecord({ _msgid: 'm1' }, customer, {
      version: 'v1',
      kind: 'customer',
      mapToX3: true,
      mapping: { customerPrefix: 'WEB' },
      verb: 'fetch',
      nodeId: 'n1',
      ...s,
    });
    assert.deepEqual(s.events, ['audited', 'sent']);
    const [entry] = s.entries;
    assert.equal(entry.system, 'shipstation');
    assert.equal(entry.operation, 'customer.fetch');
    assert.equal(entry.status, 'succeeded');
    assert.equal(entry.nodeId, 'n1');
    const stored = entry.msg as Json;
    assert.equal(stored.payload, customer);
    assert.equal(stored.topic, 'customer');
    assert.deepEqual(stored.x3Draft, s.sent[0].x3Draft);
    assert.equal(s.sent[0]._msgid, 'm1');
    assert.equal((s.sent[0].x3Draft as { customer: Json }).customer.BPCNUM, 'WEB77');
  });

  it('a record whose mapping fails: audited as failed with the reason, handed to fail, not sent', async () => {
    const s = sink();
    const noSku = { productId: 10, name: 'Nameless', modifyDate: '2026-01-15T20:00:00.000Z' };
    await emitRecord({}, noSku, {
      version: 'v1',
      kind: 'product',
      mapToX3: true,
      resourceUrl: 'https://ssapi.shipstation.com/products/10',
      event: 'ITEM_NOTIFY',
      verb: 'receive',
      nodeId: 'n2',
      ...s,
    });
    assert.deepEqual(s.events, ['audited', 'failed']);
    assert.equal(s.sent.length, 0);
    const [entry] = s.entries;
    assert.equal(entry.operation, 'product.receive');
    assert.equal(entry.status, 'failed');
    assert.equal(entry.error?.code, 'VALIDATION');
    assert.match(String(entry.error?.message), /SKU/);
    assert.equal('x3Draft' in (entry.msg as Json), false);
    assert.ok(s.failed[0].err instanceof ValidationError);
    assert.equal('x3Draft' in s.failed[0].msg, false);
    assert.equal((s.failed[0].msg.shipstation as Json).event, 'ITEM_NOTIFY');
  });
});
