/**
 * What a fetched ShipStation record is (recordKind, in the plugin's V1 vocabulary), the
 * (id, stamp) that identifies one version of it for de-duplication, its V1 timestamps in UTC,
 * and its audit correlation keys.
 */
import assert from 'node:assert/strict';
import {
  correlationOf,
  normaliseRecord,
  recordIdentity,
  recordKind,
  type RecordKind,
} from '../../../nodes/shipstation/records';

const v1Order = {
  orderId: 123456,
  orderNumber: 'A-1001',
  orderKey: 'k-1001',
  customerId: 77,
  modifyDate: '2026-01-15T12:00:00.0000000',
  createDate: '2026-01-15T11:00:00.0000000',
  items: [{ sku: 'W-1', quantity: 2 }],
};
const v1Shipment = {
  shipmentId: 555,
  orderId: 123456,
  orderNumber: 'A-1001',
  trackingNumber: '794900000401',
  createDate: '2026-01-16T09:00:00.0000000',
  voidDate: null,
};
const v2Shipment = {
  shipment_id: 'se-28529731',
  shipment_number: 'A-1001',
  modified_at: '2026-01-15T20:00:00Z',
  items: [],
};
const v2Label = {
  label_id: 'se-9001',
  shipment_id: 'se-28529731',
  tracking_number: '9400111899223197428490',
  created_at: '2026-01-16T17:00:00Z',
  voided_at: null,
};

describe('shipstation records', () => {
  describe('recordKind', () => {
    it('by the collection it was listed from: a V2 shipment is an order, a V2 label a shipment', () => {
      const cases: Array<['v1' | 'v2', string, RecordKind]> = [
        ['v1', 'orders', 'order'],
        ['v1', 'shipments', 'shipment'],
        ['v1', 'fulfillments', 'fulfillment'],
        ['v1', 'customers', 'customer'],
        ['v1', 'products', 'product'],
        ['v2', 'shipments', 'order'],
        ['v2', 'labels', 'shipment'],
        ['v2', 'fulfillments', 'fulfillment'],
        ['v2', 'products', 'product'],
      ];
      for (const [version, collection, kind] of cases) {
        // the collection wins over what the record looks like
        assert.equal(recordKind(version, collection, { productId: 1, sku: 'X' }), kind, `${version} ${collection}`);
        assert.equal(recordKind(version, collection, v1Shipment), kind, `${version} ${collection}`);
      }
    });

    it('by its fields when the collection is unknown or absent', () => {
      assert.equal(recordKind('v1', undefined, v1Order), 'order');
      assert.equal(recordKind('v1', 'labels', v1Shipment), 'shipment', 'labels is no V1 collection');
      assert.equal(recordKind('v1', undefined, { fulfillmentId: 1, orderId: 2, trackingNumber: 'x' }), 'fulfillment');
      assert.equal(recordKind('v1', undefined, { productId: 9, sku: 'W-1' }), 'product');
      assert.equal(recordKind('v1', undefined, { customerId: 77, name: 'Ann' }), 'customer');
      // an order without its items array is not taken for a whole order
      assert.equal(recordKind('v1', undefined, { orderId: 1, orderNumber: 'A', customerId: 77 }), 'other');
      // fields that are null count as absent
      assert.equal(recordKind('v1', undefined, { ...v1Order, shipmentId: null, fulfillmentId: null }), 'order');
      assert.equal(recordKind('v1', undefined, { productId: 9, sku: null }), 'other');

      assert.equal(recordKind('v2', undefined, v2Shipment), 'order');
      assert.equal(recordKind('v2', undefined, v2Label), 'shipment');
      assert.equal(recordKind('v2', undefined, { fulfillment_id: 'se-1', shipment_id: 'se-2' }), 'fulfillment');
      assert.equal(recordKind('v2', undefined, { tracking_number: '1Z', events: [] }), 'tracking');
      assert.equal(recordKind('v2', undefined, { tracking_number: '1Z' }), 'other');
      assert.equal(recordKind('v2', undefined, { product_id: 'se-3', sku: 'W-1' }), 'product');
      assert.equal(recordKind('v2', undefined, { shipment_id: 'se-2' }), 'other');
      // V1 field names mean nothing in a V2 record
      assert.equal(recordKind('v2', undefined, v1Order), 'other');
    });
  });

  describe('recordIdentity', () => {
    it('the id names the kind and the record; the stamp changes when the record does', () => {
      assert.deepEqual(recordIdentity('order', 'v1', v1Order), {
        id: 'order:123456',
        stamp: '2026-01-15T12:00:00.0000000',
      });
      assert.deepEqual(recordIdentity('order', 'v2', v2Shipment), {
        id: 'order:se-28529731',
        stamp: '2026-01-15T20:00:00Z',
      });
      assert.deepEqual(recordIdentity('customer', 'v1', { customerId: 77, modifyDate: 'm1' }), {
        id: 'customer:77',
        stamp: 'm1',
      });
      assert.deepEqual(recordIdentity('product', 'v1', { productId: 9, modifyDate: 'm2' }), {
        id: 'product:9',
        stamp: 'm2',
      });
      assert.deepEqual(recordIdentity('product', 'v2', { product_id: 'se-3', modify_date: 'm3' }), {
        id: 'product:se-3',
        stamp: 'm3',
      });
      assert.deepEqual(recordIdentity('fulfillment', 'v2', { fulfillment_id: 'se-4', created_at: 'c4' }), {
        id: 'fulfillment:se-4',
        stamp: 'c4',
      });
    });

    it('a void is a new version of the same label or fulfilment', () => {
      const shipped = recordIdentity('shipment', 'v1', v1Shipment);
      const voided = recordIdentity('shipment', 'v1', { ...v1Shipment, voidDate: '2026-01-17T08:00:00.0000000' });
      assert.deepEqual(shipped, { id: 'shipment:555', stamp: '2026-01-16T09:00:00.0000000' });
      assert.deepEqual(voided, { id: 'shipment:555', stamp: '2026-01-17T08:00:00.0000000' });
      const label = recordIdentity('shipment', 'v2', v2Label);
      const voidedLabel = recordIdentity('shipment', 'v2', { ...v2Label, voided_at: '2026-01-17T16:00:00Z' });
      assert.equal(label.id, voidedLabel.id);
      assert.deepEqual([label.stamp, voidedLabel.stamp], ['2026-01-16T17:00:00Z', '2026-01-17T16:00:00Z']);
      const f = { fulfillmentId: 8, createDate: 'c', voidDate: null };
      assert.notEqual(
        recordIdentity('fulfillment', 'v1', f).stamp,
        recordIdentity('fulfillment', 'v1', { ...f, voidDate: 'v' }).stamp,
      );
    });

    it('a tracking record changes with its status and each new event', () => {
      const t = { tracking_number: '1Z999', status_code: 'IT', events: [{}, {}] };
      assert.deepEqual(recordIdentity('tracking', 'v2', t), { id: 'tracking:1Z999', stamp: 'IT:2' });
      assert.equal(recordIdentity('tracking', 'v2', { ...t, events: [{}, {}, {}] }).stamp, 'IT:3');
      assert.equal(recordIdentity('tracking', 'v2', { ...t, status_code: 'DE' }).stamp, 'DE:2');
    });

    it('without an id or a stamp, the content stands in: equal records agree, different ones do not', () => {
      const a = recordIdentity('other', 'v1', { note: 'x' });
      assert.deepEqual(recordIdentity('other', 'v1', { note: 'x' }), a);
      assert.match(a.id, /^other:[0-9a-f]{24}$/);
      assert.equal(a.stamp, a.id.slice('other:'.length));
      assert.notEqual(recordIdentity('other', 'v1', { note: 'y' }).id, a.id);
      // an order without modifyDate: its id still, its content as the stamp
      const noStamp = recordIdentity('order', 'v1', { orderId: 1, orderNumber: 'A' });
      assert.equal(noStamp.id, 'order:1');
      assert.match(noStamp.stamp, /^[0-9a-f]{24}$/);
      assert.notEqual(recordIdentity('order', 'v1', { orderId: 1, orderNumber: 'B' }).stamp, noStamp.stamp);
      // an empty id is no id
      assert.match(recordIdentity('customer', 'v1', { customerId: '' }).id, /^customer:[0-9a-f]{24}$/);
    });
  });

  describe('normaliseRecord', () => {
    const now = Date.parse('2026-02-01T00:00:00Z');

    it('V1 Pacific timestamps become UTC ISO, the original text kept', () => {
      const out = normaliseRecord('v1', structuredClone(v1Order), { now });
      assert.equal(out.modifyDate, '2026-01-15T20:00:00.000Z');
      assert.equal(out.createDate, '2026-01-15T19:00:00.000Z');
      assert.deepEqual(out._pacific, {
        modifyDate: '2026-01-15T12:00:00.0000000',
        createDate: '2026-01-15T11:00:00.0000000',
      });
      // and so the identity is in UTC once converted
      assert.equal(recordIdentity('order', 'v1', out).stamp, '2026-01-15T20:00:00.000Z');
    });

    it('V2 records are UTC already and are left as they are', () => {
      const record = { ...v2Shipment, ship_date: '2026-01-15T12:00:00.0000000' };
      const copy = structuredClone(record);
      assert.deepEqual(normaliseRecord('v2', record, { now }), copy);
    });
  });

  describe('correlationOf', () => {
    it('V1: order id and number; a shipment adds its id and tracking number', () => {
      assert.deepEqual(correlationOf('order', 'v1', v1Order), {
        shipstationOrderId: '123456',
        shipstationOrderNumber: 'A-1001',
      });
      assert.deepEqual(correlationOf('shipment', 'v1', v1Shipment), {
        shipstationOrderId: '123456',
        shipstationOrderNumber: 'A-1001',
        shipstationShipmentId: '555',
        trackingNumbers: ['794900000401'],
      });
    });

    it('V2: the shipment is the order, the label the shipment', () => {
      assert.deepEqual(correlationOf('order', 'v2', v2Shipment), {
        shipstationOrderId: 'se-28529731',
        shipstationOrderNumber: 'A-1001',
      });
      assert.deepEqual(correlationOf('shipment', 'v2', v2Label), {
        shipstationOrderId: 'se-28529731',
        shipstationShipmentId: 'se-9001',
        trackingNumbers: ['9400111899223197428490'],
      });
      // only a shipment names a shipment id
      assert.deepEqual(correlationOf('order', 'v2', { ...v2Shipment, label_id: 'se-9001' }), {
        shipstationOrderId: 'se-28529731',
        shipstationOrderNumber: 'A-1001',
      });
    });

    it('keys without a value are left out', () => {
      assert.deepEqual(correlationOf('customer', 'v1', { customerId: 77, name: 'Ann' }), {});
      assert.deepEqual(correlationOf('shipment', 'v1', { shipmentId: 5, orderNumber: '', trackingNumber: '' }), {
        shipstationShipmentId: '5',
      });
    });
  });
});
