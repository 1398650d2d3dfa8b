import { strict as assert } from 'assert';
import { createHmac } from 'crypto';
import { mintConnectedAppJwt } from '../../../nodes/x3/jwt';

const decode = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('x3 connected-app JWT', () => {
  const now = Date.parse('2025-01-31T10:00:00.700Z');

  it('signs HS256 with the secret: iss = client id, sub = user, aud "" by default, iat 30 s back, exp = iat + 300', () => {
    const jwt = mintConnectedAppJwt({ clientId: 'app-1', secret: 's3cret-value', user: 'WSUSER', now });
    const [h, p, sig] = jwt.token.split('.');
    assert.deepEqual(decode(h), { alg: 'HS256', typ: 'JWT' });
    const claims = decode(p);
    const iat = Math.floor(now / 1000) - 30;
    assert.deepEqual(claims, { iss: 'app-1', sub: 'WSUSER', aud: '', iat, exp: iat + 300 });
    assert.equal(jwt.iat, iat);
    assert.equal(jwt.exp, iat + 300);
    assert.equal(sig, createHmac('sha256', 's3cret-value').update(`${h}.${p}`).digest('base64url'));
    assert.notEqual(sig, createHmac('sha256', 'other').update(`${h}.${p}`).digest('base64url'));
  });

  it('takes audience, lifetime and backdating from the settings and omits an empty sub', () => {
    const jwt = mintConnectedAppJwt({
      clientId: 'app',
      secret: 'k',
      audience: 'https://x3.example.com/xtrem/api',
      lifetimeSeconds: 120,
      backdateSeconds: 0,
      now,
    });
    const claims = decode(jwt.token.split('.')[1]);
    assert.equal(claims.aud, 'https://x3.example.com/xtrem/api');
    assert.equal(claims.iat, Math.floor(now / 1000));
    assert.equal(claims.exp, Math.floor(now / 1000) + 120);
    assert.equal('sub' in claims, false);
  });

  it('refuses to mint without a client id or secret', () => {
    assert.throws(() => mintConnectedAppJwt({ clientId: '', secret: 'k', now }), /client id/);
    assert.throws(() => mintConnectedAppJwt({ clientId: 'a', secret: '', now }), /secret/);
  });
});
