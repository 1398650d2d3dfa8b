/**
 * shipstation-fetch's plan for an input msg (planFetch): which API version and path answer each
 * operation, ids encoded into one path segment, filters copied under their V1 names with dates
 * in Pacific wall clock, and a ValidationError naming the field when an operation lacks its id.
 */
import assert from 'node:assert/strict';
import { ValidationError } from '../../../nodes/core/errors';
import {
  FETCH_OPERATIONS,
  isFetchOperation,
  planFetch,
  v1DateParam,
  type FetchOperation,
} from '../../../nodes/shipstation/fetch-plan';

function refused(op: FetchOperation, input: Record<string, unknown>): ValidationError {
  try {
    planFetch(op, input);
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err;
  }
  assert.fail(`${op} ${JSON.stringify(input)} was planned`);
}

describe('shipstation fetch plan', () => {
  it('knows exactly its operations', () => {
    for (const op of FETCH_OPERATIONS) assert.equal(isFetchOperation(op), true, op);
    for (const v of ['ORDERS', 'order ', 'delete', 'labels', '', undefined, null, 1, ['order']]) {
      assert.equal(isFetchOperation(v), false, String(v));
    }
  });

  it('orders-modified runs the poll; resource fetches the resource_url given', () => {
    assert.deepEqual(planFetch('orders-modified', { orderId: 1 }), { kind: 'poll' });
    const url = 'https://ssapi.shipstation.com/orders?importBatch=1ab23c4d';
    assert.deepEqual(planFetch('resource', { resource_url: ` ${url} ` }), { kind: 'resource', resourceUrl: url });
    assert.deepEqual(planFetch('resource', { resourceUrl: url }), { kind: 'resource', resourceUrl: url });
    const e = refused('resource', { resource_url: '  ' });
    assert.equal(e.field, 'resource_url');
    assert.equal(e.message, 'operation "resource" needs msg.payload.resource_url');
  });

  it('order: by V1 orderId, else by V2 shipment_id, else by orderNumber (listed, kept only on an exact match)', () => {
    assert.deepEqual(planFetch('order', { orderId: 123456, shipment_id: 'se-1', orderNumber: 'A-1' }), {
      kind: 'get',
      version: 'v1',
      path: '/orders/123456',
    });
    assert.deepEqual(planFetch('order', { shipment_id: 'se-28529731', orderNumber: 'A-1' }), {
      kind: 'get',
      version: 'v2',
      path: '/shipments/se-28529731',
    });
    // V1's orderNumber filter is "starts with": A-1 would also find A-10
    assert.deepEqual(planFetch('order', { orderId: ' ', orderNumber: ' A-1 ' }), {
      kind: 'list',
      version: 'v1',
      path: '/orders',
      params: { orderNumber: 'A-1' },
      exact: { field: 'orderNumber', value: 'A-1' },
    });
    const e = refused('order', { orderKey: 'k' });
    assert.equal(e.field, 'orderId');
    assert.equal(
      e.message,
      'operation "order" needs msg.payload.orderId or msg.payload.orderNumber or msg.payload.shipment_id',
    );
  });

  it('an id is one path segment: it cannot walk to another endpoint or add a query', () => {
    assert.deepEqual(planFetch('order', { orderId: '../users?x=1' }), {
      kind: 'get',
      version: 'v1',
      path: '/orders/..%2Fusers%3Fx%3D1',
    });
    assert.equal((planFetch('shipment', { label_id: 'se-1/void' }) as { path: string }).path, '/labels/se-1%2Fvoid');
    assert.equal((planFetch('customer', { customerId: '7#x' }) as { path: string }).path, '/customers/7%23x');
    assert.equal((planFetch('product', { productId: 'a b' }) as { path: string }).path, '/products/a%20b');
  });

  it('orders: known filters under their V1 names (any case), empty ones and unknown ones dropped', () => {
    assert.deepEqual(
      planFetch('orders', {
        orderstatus: 'awaiting_shipment',
        STOREID: 42,
        sortBy: 'ModifyDate',
        customerName: '',
        itemKeyword: null,
        pageSize: 500,
        apiKey: 'must-not-travel',
      }),
      {
        kind: 'list',
        version: 'v1',
        path: '/orders',
        params: { orderStatus: 'awaiting_shipment', storeId: 42, sortBy: 'ModifyDate' },
      },
    );
  });

  it('date filters: UTC instants become Pacific wall clock (PST and PDT), Pacific text is sent as it is', () => {
    assert.deepEqual(
      planFetch('orders', {
        modifyDateStart: '2026-01-15T20:00:00Z',
        modifyDateEnd: '2026-07-01T19:00:00.000Z',
        // the hour after the spring-forward change (02:00 PST -> 03:00 PDT on 2026-03-08)
        createDateStart: '2026-03-08T10:30:00Z',
        orderDateStart: '2026-03-01',
        orderDateEnd: '2026-03-01T23:59:59',
        paymentDateStart: '2026-03-01 08:00',
      }),
      {
        kind: 'list',
        version: 'v1',
        path: '/orders',
        params: {
          modifyDateStart: '2026-01-15 12:00:00',
          modifyDateEnd: '2026-07-01 12:00:00',
          createDateStart: '2026-03-08 03:30:00',
          orderDateStart: '2026-03-01',
          orderDateEnd: '2026-03-01 23:59:59',
          paymentDateStart: '2026-03-01 08:00',
        },
      },
    );
    assert.equal(v1DateParam('startDate', '2026-11-01T08:30:00+00:00'), '2026-11-01 01:30:00');
    const bad = (() => {
      try {
        planFetch('shipments', { shipDateStart: 'last tuesday' });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    assert.ok(bad instanceof ValidationError);
    assert.equal(bad.field, 'shipDateStart');
    assert.match(bad.message, /shipDateStart "last tuesday" is not a date or date-time/);
    assert.throws(
      () => v1DateParam('endDate', ' '),
      (e: unknown) => e instanceof ValidationError && e.field === 'endDate',
    );
  });

  it('shipment: a V2 label by label_id, else V1 shipments by tracking number, order id or number', () => {
    assert.deepEqual(planFetch('shipment', { label_id: 'se-5', trackingNumber: '1Z' }), {
      kind: 'get',
      version: 'v2',
      path: '/labels/se-5',
    });
    // a tracking number is matched exactly by V1 already: nothing to filter afterwards
    const { exact, ...byTracking } = planFetch('shipment', {
      trackingNumber: '9400111899223197428490',
      carrierCode: 'usps',
    }) as { exact?: unknown };
    assert.equal(exact, undefined);
    assert.deepEqual(byTracking, {
      kind: 'list',
      version: 'v1',
      path: '/shipments',
      params: { includeShipmentItems: true, trackingNumber: '9400111899223197428490' },
    });
    assert.deepEqual(planFetch('shipment', { ordernumber: 'A-1' }), {
      kind: 'list',
      version: 'v1',
      path: '/shipments',
      params: { includeShipmentItems: true, orderNumber: 'A-1' },
      exact: { field: 'orderNumber', value: 'A-1' },
    });
    // a filter that does not identify a shipment is not enough
    const e = refused('shipment', { carrierCode: 'usps' });
    assert.equal(e.field, 'trackingNumber');
    assert.match(
      e.message,
      /needs msg\.payload\.trackingNumber or msg\.payload\.orderId or msg\.payload\.orderNumber or msg\.payload\.label_id$/,
    );
  });

  it('shipments, fulfillments, customers, products: each with its own V1 filters', () => {
    assert.deepEqual(planFetch('shipments', { shipDateStart: '2026-01-15', carrierCode: 'fedex', sku: 'X' }), {
      kind: 'list',
      version: 'v1',
      path: '/shipments',
      params: { includeShipmentItems: true, shipDateStart: '2026-01-15', carrierCode: 'fedex' },
    });
    // the caller may turn the shipment items off
    assert.deepEqual((planFetch('shipments', { includeShipmentItems: false }) as { params: unknown }).params, {
      includeShipmentItems: false,
    });
    assert.deepEqual(planFetch('fulfillments', { orderNumber: 'A-1', carrierCode: 'fedex' }), {
      kind: 'list',
      version: 'v1',
      path: '/fulfillments',
      params: { orderNumber: 'A-1' },
    });
    assert.deepEqual(planFetch('customers', { countryCode: 'US', modifyDateStart: '2026-01-01' }), {
      kind: 'list',
      version: 'v1',
      path: '/customers',
      params: { countryCode: 'US' },
    });
    assert.deepEqual(planFetch('products', { sku: 'X', startDate: '2026-01-15T20:00:00Z', showInactive: true }), {
      kind: 'list',
      version: 'v1',
      path: '/products',
      params: { sku: 'X', startDate: '2026-01-15 12:00:00', showInactive: true },
    });
  });

  it('customer by customerId; product by productId, else by sku (listed, kept only on an exact match)', () => {
    assert.deepEqual(planFetch('customer', { customerId: 12 }), { kind: 'get', version: 'v1', path: '/customers/12' });
    assert.equal(refused('customer', {}).field, 'customerId');
    assert.deepEqual(planFetch('product', { productId: 7, sku: 'X' }), {
      kind: 'get',
      version: 'v1',
      path: '/products/7',
    });
    assert.deepEqual(planFetch('product', { sku: 'WIDGET-1' }), {
      kind: 'list',
      version: 'v1',
      path: '/products',
      params: { sku: 'WIDGET-1' },
      exact: { field: 'sku', value: 'WIDGET-1' },
    });
    const e = refused('product', { name: 'Widget' });
    assert.equal(e.field, 'productId');
    assert.equal(e.message, 'operation "product" needs msg.payload.productId or msg.payload.sku');
  });
});
