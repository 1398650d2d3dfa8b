import { strict as assert } from 'assert';
import { correlationFromMsg } from '../../../nodes/audit/correlation';
import { readAuditInfo, replayLedgerKey } from '../../../nodes/audit/msg-audit';

describe('audit correlation from a msg', () => {
  it('reads msg.x3 and the tracking numbers of a fedex-ship result', () => {
    const msg = {
      x3: { folder: 'SEED', entity: 'SDELIVERY', key: 'SDH0001', updatedAt: 'x' },
      payload: {
        trackingNumber: '794600000001',
        masterTrackingNumber: '794600000001',
        labels: [{ trackingNumber: '794600000001' }, { trackingNumber: '794600000002' }],
      },
    };
    assert.deepEqual(correlationFromMsg(msg), {
      x3Folder: 'SEED',
      x3Entity: 'SDELIVERY',
      x3Key: 'SDH0001',
      trackingNumbers: ['794600000001', '794600000002'],
    });
  });

  it('reads ShipStation ids only when msg.shipstation is set (V1 and V2 names)', () => {
    assert.deepEqual(
      correlationFromMsg({ shipstation: { version: 'v1' }, payload: { orderId: 123, orderNumber: '1001' } }),
      {
        shipstationOrderId: '123',
        shipstationOrderNumber: '1001',
      },
    );
    assert.deepEqual(
      correlationFromMsg({
        shipstation: { version: 'v2' },
        payload: { shipment_id: 'se-1', shipment_number: 'A-1', tracking_number: '9400' },
      }),
      { shipstationOrderNumber: 'A-1', shipstationShipmentId: 'se-1', trackingNumbers: ['9400'] },
    );
    assert.deepEqual(correlationFromMsg({ payload: { orderId: 5 } }), {});
  });

  it('adds explicit msg.audit.correlation on top', () => {
    const msg = {
      x3: { key: 'A' },
      payload: { trackingNumber: '1' },
      audit: { correlation: { x3Key: 'B', trackingNumbers: ['2'] } },
    };
    assert.deepEqual(correlationFromMsg(msg), { x3Key: 'B', trackingNumbers: ['1', '2'] });
  });

  it('readAuditInfo keeps only well-formed fields', () => {
    assert.deepEqual(
      readAuditInfo({
        audit: { id: 'x', status: 'bogus', attempt: -1, system: 'fedex', ledger: { state: 'succeeded', result: 1 } },
      }),
      {
        id: 'x',
        system: 'fedex',
        ledger: { state: 'succeeded', result: 1 },
      },
    );
    assert.deepEqual(readAuditInfo({ audit: 'x' }), {});
    assert.deepEqual(readAuditInfo(null), {});
  });

  it('replayLedgerKey is the replayed key only for a replay of the same operation', () => {
    const replay = { audit: { replayOf: 'e1', operation: 'ship.create', idempotencyKey: 'k' } };
    assert.equal(replayLedgerKey(replay, 'ship.create'), 'k');
    assert.equal(replayLedgerKey(replay, 'x3.update'), undefined);
    assert.equal(
      replayLedgerKey({ audit: { operation: 'ship.create', idempotencyKey: 'k' } }, 'ship.create'),
      undefined,
    );
  });
});
