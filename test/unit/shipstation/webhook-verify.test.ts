import assert from 'node:assert/strict';
import { createSigningKey, signPayload, toJwk, type SigningKey } from '../../../sim/shipstation/signing';
import {
  JwksCache,
  SIGNATURE_HEADERS,
  statusForFailure,
  verifyV2Signature,
} from '../../../nodes/shipstation/webhook-verify';

describe('shipstation V2 webhook signature (RSA-SHA256, JWKS)', function () {
  this.timeout(20_000);
  let key: SigningKey;
  let other: SigningKey;
  let published: SigningKey[];
  let fetches: number;
  let now: number;
  let jwks: JwksCache;
  const body = Buffer.from(
    '{"resource_url":"https://api.shipstation.com/v2/shipments?import_batch_id=b1","resource_type":"SHIPMENT_CREATED_V2"}',
  );

  before(async () => {
    key = await createSigningKey('kid-1');
    other = await createSigningKey('kid-2');
  });
  beforeEach(() => {
    published = [key];
    fetches = 0;
    now = Date.parse('2026-11-01T09:10:00.000Z');
    jwks = new JwksCache({
      fetchJwks: async () => {
        fetches += 1;
        return { keys: published.map(toJwk) };
      },
      minRefetchIntervalMs: 60_000,
      now: () => now,
    });
  });

  function headers(
    signer: SigningKey,
    timestamp: string,
    raw: Buffer = body,
    kid = signer.kid,
  ): Record<string, string> {
    return {
      [SIGNATURE_HEADERS.keyId]: kid,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.signature]: signPayload(signer, timestamp, raw.toString('utf8')),
    };
  }

  it('accepts a valid signature over `${timestamp}.${raw body}`', async () => {
    const result = await verifyV2Signature(headers(key, '2026-11-01T09:09:30.000Z'), body, jwks, { now });
    assert.deepEqual(result, { ok: true, keyId: 'kid-1', timestamp: '2026-11-01T09:09:30.000Z' });
    assert.equal(fetches, 1);
    await verifyV2Signature(headers(key, '2026-11-01T09:09:40.000Z'), body, jwks, { now });
    assert.equal(fetches, 1, 'keys are cached by kid');
  });

  it('refuses a tampered body (401)', async () => {
    const h = headers(key, '2026-11-01T09:09:30.000Z');
    const tampered = Buffer.from(body.toString('utf8').replace('b1', 'b2'));
    const result = await verifyV2Signature(h, tampered, jwks, { now });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.reason === 'bad-signature' && statusForFailure(result.reason) === 401);
    // re-serialised JSON is not the raw body either
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')), null, 1));
    assert.equal((await verifyV2Signature(h, reserialised, jwks, { now })).ok, false);
  });

  it('refuses a timestamp older than 5 minutes, even with a valid signature (401)', async () => {
    const result = await verifyV2Signature(headers(key, '2026-11-01T09:04:59.000Z'), body, jwks, { now });
    assert.ok(!result.ok && result.reason === 'stale' && statusForFailure(result.reason) === 401);
    assert.equal(fetches, 0, 'a stale delivery does not even reach the key lookup');
    const fresh = await verifyV2Signature(headers(key, '2026-11-01T09:05:01.000Z'), body, jwks, { now });
    assert.equal(fresh.ok, true);
  });

  it('refuses an unknown key id after one JWKS refetch, and refetches at most once per interval', async () => {
    assert.equal((await verifyV2Signature(headers(key, '2026-11-01T09:09:30.000Z'), body, jwks, { now })).ok, true);
    const forged = await verifyV2Signature(headers(other, '2026-11-01T09:09:30.000Z'), body, jwks, { now });
    assert.ok(!forged.ok && forged.reason === 'unknown-key' && statusForFailure(forged.reason) === 401);
    assert.equal(fetches, 1, 'within the interval an unknown kid does not refetch');
    now += 61_000;
    const again = await verifyV2Signature(headers(other, '2026-11-01T09:10:30.000Z'), body, jwks, { now });
    assert.ok(!again.ok && again.reason === 'unknown-key');
    assert.equal(fetches, 2, 'one refetch once the interval has passed');
    // ShipStation rotates its key: the new kid shows up on the next refetch
    published = [key, other];
    now += 61_000;
    assert.equal((await verifyV2Signature(headers(other, '2026-11-01T09:11:30.000Z'), body, jwks, { now })).ok, true);
    assert.equal(fetches, 3);
  });

  it('answers 400 for missing or unreadable headers', async () => {
    const missing = await verifyV2Signature({}, body, jwks, { now });
    assert.ok(!missing.ok && missing.reason === 'malformed' && statusForFailure(missing.reason) === 400);
    const h = headers(key, '2026-11-01T09:09:30.000Z');
    const badTime = await verifyV2Signature({ ...h, [SIGNATURE_HEADERS.timestamp]: 'yesterday' }, body, jwks, { now });
    assert.ok(!badTime.ok && badTime.reason === 'malformed');
    const badSig = await verifyV2Signature({ ...h, [SIGNATURE_HEADERS.signature]: 'not base64!' }, body, jwks, { now });
    assert.ok(!badSig.ok && badSig.reason === 'malformed');
  });
});
