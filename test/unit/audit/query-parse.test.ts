import { strict as assert } from 'assert';
import { parseAuditQuery } from '../../../nodes/audit/query-parse';

describe('parseAuditQuery', () => {
  it('accepts strings from a query string and typed values from a msg', () => {
    assert.deepEqual(
      parseAuditQuery({
        status: 'failed,unknown',
        system: 'fedex',
        from: '2025-01-01',
        limit: '20',
        offset: '40',
        order: 'asc',
        x3Key: 'SDH1',
      }),
      {
        x3Key: 'SDH1',
        system: 'fedex',
        status: ['failed', 'unknown'],
        from: '2025-01-01T00:00:00.000Z',
        limit: 20,
        offset: 40,
        order: 'asc',
      },
    );
    assert.deepEqual(parseAuditQuery({ status: 'failed', trackingNumber: 794600000001 }), {
      trackingNumber: '794600000001',
      status: 'failed',
    });
    assert.deepEqual(parseAuditQuery(undefined), {});
  });

  it('takes an X3 entity and the node ids of a flow, as a list or comma-separated, bounded', () => {
    assert.deepEqual(parseAuditQuery({ x3Entity: 'salesDelivery', nodeIds: 'n1, n2' }), {
      x3Entity: 'salesDelivery',
      nodeIds: ['n1', 'n2'],
    });
    assert.deepEqual(parseAuditQuery({ nodeIds: ['n1'] }), { nodeIds: ['n1'] });
    // an empty flow: no entry matches, rather than every entry
    assert.deepEqual(parseAuditQuery({ nodeIds: '' }), { nodeIds: [] });
    assert.throws(() => parseAuditQuery({ nodeIds: 'n1,,n2' }), /"nodeIds" must be a list of node ids/);
    assert.throws(() => parseAuditQuery({ nodeIds: [1] }), /"nodeIds" must be a list of node ids/);
    assert.throws(() => parseAuditQuery({ nodeIds: Array(501).fill('n').join(',') }), /at most 500/);
    assert.throws(() => parseAuditQuery({ x3Entity: ['a'] }), /"x3Entity" must be a string/);
  });

  it('caps the page size and names bad fields', () => {
    assert.equal(parseAuditQuery({ limit: 99999 }).limit, 1000);
    assert.throws(() => parseAuditQuery('x'), /object/);
    assert.throws(() => parseAuditQuery({ system: 'ups' }), /"system"/);
    assert.throws(() => parseAuditQuery({ status: ['failed', 'nope'] }), /"status"/);
    assert.throws(() => parseAuditQuery({ to: 'tomorrow' }), /"to"/);
    assert.throws(() => parseAuditQuery({ limit: -1 }), /"limit"/);
    assert.throws(() => parseAuditQuery({ order: 'up' }), /"order"/);
    assert.throws(() => parseAuditQuery({ x3Key: {} }), /"x3Key"/);
  });
});
