import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { ApiError, ValidationError, isApiError, redact, redactValue, toErrorInfo } from '../../../nodes/core/errors';

describe('core/errors', () => {
  it('ApiError carries the catchable fields and serialises to them', () => {
    const err = new ApiError({
      system: 'fedex',
      code: 'RATE_LIMITED',
      message: 'slow down',
      status: 429,
      retryable: true,
      requestId: 'abc-1',
      retryAfterMs: 2000,
      details: { body: 1 },
    });
    assert.ok(err instanceof Error);
    assert.ok(isApiError(err));
    assert.equal(err.name, 'ApiError');
    assert.equal(err.ambiguous, false);
    assert.deepEqual(JSON.parse(JSON.stringify(err)), {
      system: 'fedex',
      status: 429,
      code: 'RATE_LIMITED',
      message: 'slow down',
      retryable: true,
      requestId: 'abc-1',
    });
  });

  it('toErrorInfo marks ambiguous errors and names the field of a ValidationError', () => {
    const amb = new ApiError({ system: 'x3', code: 'TIMEOUT', message: 't', ambiguous: true, retryable: true });
    assert.deepEqual(toErrorInfo(amb), {
      system: 'x3',
      code: 'TIMEOUT',
      message: 't',
      retryable: true,
      ambiguous: true,
    });
    const v = new ValidationError('shipstation', 'shipTo.city', 'ship-to city is required');
    assert.equal(v.name, 'ValidationError');
    assert.deepEqual(toErrorInfo(v), {
      system: 'shipstation',
      code: 'VALIDATION',
      message: 'ship-to city is required',
      retryable: false,
      field: 'shipTo.city',
    });
  });

  it('toErrorInfo wraps foreign errors and values as INTERNAL for the given system', () => {
    assert.deepEqual(toErrorInfo(new TypeError('boom'), 'audit'), {
      system: 'audit',
      code: 'INTERNAL',
      message: 'boom',
      retryable: false,
    });
    assert.deepEqual(toErrorInfo('plain'), { system: 'plugin', code: 'INTERNAL', message: 'plain', retryable: false });
    assert.equal(isApiError(new Error('x')), false);
  });

  it('keeps the cause off the enumerable properties', () => {
    const cause = new Error('inner');
    const err = new ApiError({ system: 'x3', code: 'C', message: 'outer', cause });
    assert.equal((err as Error & { cause?: unknown }).cause, cause);
    assert.ok(!Object.keys(err).includes('cause'));
  });

  describe('redact', () => {
    it('removes secrets and their URL-encoded form', () => {
      const secret = 'p@ss w/rd!';
      const text = `password=${encodeURIComponent(secret)} raw=${secret}`;
      const out = redact(text, [secret]);
      assert.ok(!out.includes(secret));
      assert.ok(!out.includes(encodeURIComponent(secret)));
      assert.equal(out, 'password=[redacted] raw=[redacted]');
    });

    it('removes Basic and Bearer credentials even when not listed', () => {
      const basic = Buffer.from('user:secret-value').toString('base64');
      const out = redact(`Authorization: Basic ${basic}; authorization: bearer eyJhbGciOi.eyJzdWIi.sig-_x`, []);
      assert.ok(!out.includes(basic));
      assert.ok(!out.includes('eyJhbGciOi'));
      assert.match(out, /Basic \[redacted\]/);
      assert.match(out, /bearer \[redacted\]/);
    });

    it('ignores empty and very short values (they would shred ordinary text)', () => {
      assert.equal(redact('a b c', [undefined, '', 'a']), 'a b c');
    });

    it('redactValue cleans every string inside a body, keeping its shape', () => {
      const body = { errors: [{ message: 'key sk-live-123 refused', n: 4 }], echo: 'Bearer abcdefghijkl', ok: null };
      assert.deepEqual(redactValue(body, ['sk-live-123']), {
        errors: [{ message: 'key [redacted] refused', n: 4 }],
        echo: 'Bearer [redacted]',
        ok: null,
      });
      assert.equal(redactValue('sk-live-123', ['sk-live-123']), '[redacted]');
      assert.equal(redactValue(7, ['x']), 7);
    });

    it('leaves no secret in inspection output of an error built from redacted text', () => {
      const err = new ApiError({ system: 'x3', code: 'X', message: redact('bad secret hunter22', ['hunter22']) });
      assert.ok(!inspect(err).includes('hunter22'));
    });
  });
});
