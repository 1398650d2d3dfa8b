/**
 * The msg shipstation-in and shipstation-fetch emit for one record (recordMessage): topic,
 * payload and msg.shipstation per the DESIGN message contract, the input msg's own properties
 * kept, and msg.x3Draft only when mapping is on and this record mapped (a failed mapping is
 * returned as an error, never as a stale or partial draft).
 */
import assert from 'node:assert/strict';
import { ValidationError } from '../../../nodes/core/errors';
import { recordMessage } from '../../../nodes/shipstation/record-message';

const product = { productId: 9, sku: 'W-1', name: 'Widget', price: 9.5, modifyDate: '2026-01-15T20:00:00.000Z' };
const customer = { customerId: 77, name: 'Ann Smith', email: 'ann@example.com', countryCode: 'US' };

describe('shipstation record message', () => {
  it('topic is the kind, payload the record, msg.shipstation says what it is and where it came from', () => {
    const order = { orderId: 123456, orderNumber: 'A-1001', items: [], modifyDate: '2026-01-15T20:00:00.000Z' };
    const { msg, error } = recordMessage({ _msgid: 'm1', correlationId: 'c-7' }, order, {
      version: 'v1',
      kind: 'order',
      resourceUrl: 'https://ssapi.shipstation.com/orders?importBatch=1ab23c4d',
      event: 'ORDER_NOTIFY',
      mapToX3: false,
    });
    assert.equal(error, undefined);
    assert.deepEqual(msg, {
      _msgid: 'm1',
      correlationId: 'c-7',
      topic: 'order',
      payload: order,
      shipstation: {
        version: 'v1',
        resourceType: 'order',
        resourceUrl: 'https://ssapi.shipstation.com/orders?importBatch=1ab23c4d',
        event: 'ORDER_NOTIFY',
        id: 'order:123456',
      },
    });
  });

  it("the input msg's topic, payload and shipstation are replaced, resourceUrl and event left out when unknown", () => {
    const base = { topic: 'poll', payload: { operation: 'product', productId: 9 }, shipstation: { id: 'old' } };
    const { msg } = recordMessage(base, product, { version: 'v1', kind: 'product', mapToX3: false });
    assert.equal(msg.topic, 'product');
    assert.equal(msg.payload, product);
    assert.deepEqual(msg.shipstation, { version: 'v1', resourceType: 'product', id: 'product:9' });
    assert.deepEqual(base.shipstation, { id: 'old' }, 'the input msg is not changed');
  });

  it('with "map to X3" on, msg.x3Draft holds the X3 records, built with the node\'s mapping options', () => {
    const { msg, error } = recordMessage({}, customer, {
      version: 'v1',
      kind: 'customer',
      mapToX3: true,
      mapping: { customerPrefix: 'WEB', currency: 'EUR' },
    });
    assert.equal(error, undefined);
    const draft = msg.x3Draft as { customer: Record<string, unknown> };
    assert.equal(draft.customer.BPCNUM, 'WEB77');
    assert.equal(draft.customer.BPCNAM, 'Ann Smith');
    assert.equal(draft.customer.CUR, 'EUR');
    assert.equal(draft.customer.CRY, 'US');
    const v2 = recordMessage(
      {},
      { product_id: 'se-3', sku: 'W-2', name: 'Gadget', price: { amount: 4 } },
      {
        version: 'v2',
        kind: 'product',
        mapToX3: true,
      },
    );
    assert.deepEqual((v2.msg.x3Draft as { product: Record<string, unknown> }).product, {
      ITMREF: 'W-2',
      DES1AXX: 'Gadget',
      BASPRI: 4,
    });
  });

  it('an x3Draft in the input msg never goes out with another record', () => {
    const stale = { x3Draft: { product: { ITMREF: 'OLD' } } };
    assert.equal(
      'x3Draft' in recordMessage(stale, product, { version: 'v1', kind: 'product', mapToX3: false }).msg,
      false,
    );
    // a kind X3 does not take: no draft and no error
    const tracking = recordMessage(
      stale,
      { tracking_number: '1Z', status_code: 'IT', events: [] },
      {
        version: 'v2',
        kind: 'tracking',
        mapToX3: true,
      },
    );
    assert.equal(tracking.error, undefined);
    assert.equal('x3Draft' in tracking.msg, false);
    assert.deepEqual(stale, { x3Draft: { product: { ITMREF: 'OLD' } } }, 'the input msg is not changed');
  });

  it('a record that cannot be mapped: the msg without x3Draft, and the mapping error to send it out as an error', () => {
    const noSku = { productId: 10, name: 'Nameless', modifyDate: '2026-01-15T20:00:00.000Z' };
    const { msg, error } = recordMessage({ x3Draft: { product: { ITMREF: 'OLD' } } }, noSku, {
      version: 'v1',
      kind: 'product',
      mapToX3: true,
    });
    assert.ok(error instanceof ValidationError);
    assert.equal(error.field, 'sku');
    assert.equal('x3Draft' in msg, false);
    assert.equal(msg.payload, noSku);
    assert.deepEqual(msg.shipstation, { version: 'v1', resourceType: 'product', id: 'product:10' });
  });
});
