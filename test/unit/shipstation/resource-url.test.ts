import assert from 'node:assert/strict';
import { ApiError } from '../../../nodes/core/errors';
import { resolveResourceUrl, v2ApiBase } from '../../../nodes/shipstation/resource-url';

const bases = { v1: 'https://ssapi.shipstation.com', v2: 'https://api.shipstation.com' };

function refused(url: string, only?: 'v1' | 'v2'): ApiError {
  try {
    resolveResourceUrl(url, bases, only);
  } catch (err) {
    assert.ok(err instanceof ApiError);
    return err;
  }
  assert.fail(`${url} was accepted`);
}

describe('shipstation resource_url host check', () => {
  it('accepts exactly the configured V1 and V2 hosts', () => {
    const v1 = resolveResourceUrl(
      'https://ssapi.shipstation.com/orders?storeID=123456&importBatch=1ab23c4d',
      bases,
      'v1',
    );
    assert.equal(v1.version, 'v1');
    assert.equal(v1.relative, '/orders?storeID=123456&importBatch=1ab23c4d');
    const v2 = resolveResourceUrl('https://api.shipstation.com/v2/shipments?import_batch_id=b6', bases, 'v2');
    assert.equal(v2.version, 'v2');
    assert.equal(v2.relative, '/shipments?import_batch_id=b6');
    assert.equal(resolveResourceUrl('HTTPS://SSAPI.shipstation.com/orders', bases).version, 'v1');
  });

  it('refuses every other host, scheme, port, user info or API', () => {
    for (const url of [
      'https://evil.example.com/orders',
      'https://ssapi.shipstation.com.evil.example.com/orders',
      'https://evil.example.com/?https://ssapi.shipstation.com/orders',
      'http://ssapi.shipstation.com/orders',
      'https://ssapi.shipstation.com:8443/orders',
      'https://ssapi.shipstation.com@evil.example.com/orders',
      'https://user:pass@ssapi.shipstation.com/orders',
      'https://sub.ssapi.shipstation.com/orders',
    ]) {
      const err = refused(url, 'v1');
      assert.equal(err.code, 'FOREIGN_RESOURCE_URL', url);
      assert.match(err.message, /was not fetched/);
    }
    assert.equal(
      refused('https://api.shipstation.com/v2/shipments', 'v1').code,
      'FOREIGN_RESOURCE_URL',
      'a V1 hook may not point at V2',
    );
    assert.equal(
      refused('https://api.shipstation.com/orders', 'v2').code,
      'FOREIGN_RESOURCE_URL',
      'V2 lives under /v2',
    );
    assert.equal(refused('/orders?x=1').code, 'BAD_RESOURCE_URL');
    assert.equal(refused('').code, 'BAD_RESOURCE_URL');
  });

  it('refuses a path starting with // (a protocol-relative reference to another host once relative)', () => {
    const prefixed = { v1: 'https://proxy.example.com/ss', v2: 'https://proxy.example.com/ss2' };
    for (const [url, only, b] of [
      ['https://ssapi.shipstation.com//evil.example.com/orders', 'v1', bases],
      ['https://ssapi.shipstation.com///evil.example.com/orders', 'v1', bases],
      ['https://ssapi.shipstation.com/\\evil.example.com/orders', 'v1', bases],
      ['https://api.shipstation.com/v2//evil.example.com/shipments', 'v2', bases],
      ['https://api.shipstation.com//v2/shipments', 'v2', bases],
      ['https://proxy.example.com/ss//evil.example.com/orders', 'v1', prefixed],
      ['https://proxy.example.com/ss2/v2//evil.example.com/labels', 'v2', prefixed],
    ] as const) {
      let accepted: string | undefined;
      try {
        accepted = resolveResourceUrl(url, b, only).relative;
      } catch (err) {
        assert.ok(err instanceof ApiError, url);
        assert.equal(err.code, 'FOREIGN_RESOURCE_URL', url);
        assert.match(err.message, /was not fetched/);
        assert.doesNotMatch(err.message, /evil/, 'the message names only scheme and host');
        continue;
      }
      assert.fail(`${url} was accepted as ${accepted}`);
    }
    // one slash further in is an ordinary path on the configured host
    assert.equal(resolveResourceUrl('https://ssapi.shipstation.com/orders//1', bases, 'v1').relative, '/orders//1');
  });

  it('respects an override base with a path prefix', () => {
    const prefixed = { v1: 'https://proxy.example.com/ss', v2: 'https://proxy.example.com/ss2/v2' };
    assert.equal(resolveResourceUrl('https://proxy.example.com/ss/orders?a=1', prefixed, 'v1').relative, '/orders?a=1');
    assert.throws(
      () => resolveResourceUrl('https://proxy.example.com/other/orders', prefixed, 'v1'),
      /not the configured/,
    );
    assert.equal(v2ApiBase('https://api.shipstation.com/v2/'), 'https://api.shipstation.com/v2');
    assert.equal(v2ApiBase('https://api.shipstation.com'), 'https://api.shipstation.com/v2');
  });
});
