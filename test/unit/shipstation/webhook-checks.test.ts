/**
 * shipstation-in's webhook checks without Node-RED (checkWebhook): the V1 token (query or last
 * path segment, byte for byte), the V2 signature, the body, the accepted events and the
 * resource_url host, each with the status it answers and whether it is a security event.
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { createSigningKey, signPayload, type SigningKey } from '../../../sim/shipstation/signing';
import type { WebhookRequest } from '../../../nodes/shared/webhook-route';
import {
  acceptedEvents,
  checkWebhook,
  V1_EVENTS,
  V2_EVENTS,
  type IntakeOptions,
  type IntakeResult,
} from '../../../nodes/shipstation/webhook-checks';
import { SIGNATURE_HEADERS, type JwksSource } from '../../../nodes/shipstation/webhook-verify';

const BASES = { v1: 'https://ssapi.shipstation.com', v2: 'https://api.shipstation.com' };
const NOW = Date.parse('2026-11-01T09:10:00.000Z');
const TOKEN = 's3cr/t tok';
const V1_BODY = {
  resource_url: 'https://ssapi.shipstation.com/orders?importBatch=1ab23c4d',
  resource_type: 'ORDER_NOTIFY',
};
const V2_BODY = {
  resource_url: 'https://api.shipstation.com/v2/shipments?batch_id=se-28529731',
  resource_type: 'SHIPMENT_CREATED_V2',
};

function request(body: unknown, more: Partial<WebhookRequest> = {}): WebhookRequest {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { raw, headers: {}, query: {}, path: '/shipstation', rawPath: '/shipstation', ...more };
}

function rejected(result: IntakeResult): { status: number; code: string; security: boolean; message: string } {
  assert.equal(result.ok, false, 'the webhook was accepted');
  if (result.ok) throw new Error('unreachable');
  return { status: result.status, code: result.code, security: result.security, message: result.message };
}

describe('shipstation webhook intake (checkWebhook)', function () {
  // RSA key generation on a loaded machine
  this.timeout(20_000);
  let key: SigningKey;
  let stranger: SigningKey;
  let lookups: string[];
  const jwks: JwksSource = {
    key: async (kid: string): Promise<KeyObject | undefined> => {
      lookups.push(kid);
      return kid === key.kid ? key.publicKey : undefined;
    },
  };

  before(async () => {
    key = await createSigningKey('kid-1');
    stranger = await createSigningKey('kid-9');
  });
  beforeEach(() => {
    lookups = [];
  });

  const v1 = (more: Partial<IntakeOptions> = {}): IntakeOptions => ({
    version: 'v1',
    tokenInPath: false,
    events: acceptedEvents('v1', ''),
    bases: BASES,
    jwks,
    now: NOW,
    ...more,
  });
  const v2 = (more: Partial<IntakeOptions> = {}): IntakeOptions => ({
    ...v1(),
    version: 'v2',
    events: acceptedEvents('v2', ''),
    ...more,
  });

  function signedV2(body: unknown, signer: SigningKey = key, timestamp = '2026-11-01T09:09:30.000Z', kid = signer.kid) {
    const raw = Buffer.from(JSON.stringify(body));
    return request(raw, {
      headers: {
        [SIGNATURE_HEADERS.keyId]: kid,
        [SIGNATURE_HEADERS.timestamp]: timestamp,
        [SIGNATURE_HEADERS.signature]: signPayload(signer, timestamp, raw.toString('utf8')),
      },
    });
  }

  describe('acceptedEvents', () => {
    it('is every event of the API version when the setting is empty', () => {
      assert.deepEqual([...acceptedEvents('v1', undefined)], [...V1_EVENTS]);
      assert.deepEqual([...acceptedEvents('v1', ' , ')], [...V1_EVENTS]);
      assert.deepEqual([...acceptedEvents('v2', '')], [...V2_EVENTS]);
    });

    it('is the chosen events, upper case, separated by commas or white space', () => {
      assert.deepEqual(
        [...acceptedEvents('v1', 'order_notify, SHIP_NOTIFY\nitem_ship_notify')],
        ['ORDER_NOTIFY', 'SHIP_NOTIFY', 'ITEM_SHIP_NOTIFY'],
      );
      assert.deepEqual([...acceptedEvents('v2', 'track_event_v2')], ['TRACK_EVENT_V2']);
    });
  });

  describe('V1 token', () => {
    it('in the query: missing or different -> 401 BAD_TOKEN (security event); the same -> accepted', async () => {
      const o = v1({ token: TOKEN });
      assert.deepEqual(rejected(await checkWebhook(request(V1_BODY), o)), {
        status: 401,
        code: 'BAD_TOKEN',
        security: true,
        message: 'webhook token missing',
      });
      for (const token of ['s3cr/t to', 'S3CR/T TOK', `${TOKEN} `, encodeURIComponent(TOKEN)]) {
        const r = rejected(await checkWebhook(request(V1_BODY, { query: { token } }), o));
        assert.deepEqual(
          [r.status, r.code, r.security, r.message],
          [401, 'BAD_TOKEN', true, 'webhook token does not match'],
        );
      }
      const ok = await checkWebhook(request(V1_BODY, { query: { token: TOKEN } }), o);
      assert.equal(ok.ok, true);
      // a repeated parameter: the first one counts
      assert.equal((await checkWebhook(request(V1_BODY, { query: { token: [TOKEN, 'x'] } }), o)).ok, true);
      assert.equal((await checkWebhook(request(V1_BODY, { query: { token: ['x', TOKEN] } }), o)).ok, false);
      assert.ok(
        !JSON.stringify(rejected(await checkWebhook(request(V1_BODY, { query: { token: 'x' } }), o))).includes(TOKEN),
      );
    });

    it('in the path: the last segment as sent, percent-encoded the way the editor shows it, byte for byte', async () => {
      const o = v1({ token: TOKEN, tokenInPath: true });
      const sent = `/shipstation/${encodeURIComponent(TOKEN)}`;
      assert.equal((await checkWebhook(request(V1_BODY, { rawPath: sent }), o)).ok, true);
      // what express would also have routed here: another case, a trailing slash, decoded escapes
      for (const rawPath of [
        sent.toUpperCase(),
        `${sent}/`,
        `/shipstation/${TOKEN}`,
        '/shipstation/s3cr%2ft%20tok',
        '/shipstation',
      ]) {
        const r = rejected(await checkWebhook(request(V1_BODY, { rawPath }), o));
        assert.deepEqual([r.status, r.code, r.security], [401, 'BAD_TOKEN', true], rawPath);
      }
      // with the token in the path, one in the query does not count
      const queryOnly = await checkWebhook(request(V1_BODY, { rawPath: '/shipstation/x', query: { token: TOKEN } }), o);
      assert.equal(rejected(queryOnly).code, 'BAD_TOKEN');
    });

    it('without a configured token no token is asked for', async () => {
      assert.equal((await checkWebhook(request(V1_BODY), v1())).ok, true);
    });
  });

  describe('V2 signature', () => {
    it('a valid signature over the raw body is accepted', async () => {
      const r = await checkWebhook(signedV2(V2_BODY), v2());
      assert.deepEqual(r, {
        ok: true,
        pointer: { version: 'v2', resourceUrl: V2_BODY.resource_url, resourceType: 'SHIPMENT_CREATED_V2' },
      });
      assert.deepEqual(lookups, ['kid-1']);
    });

    it('missing headers -> 400; a bad signature, an unknown key or a stale timestamp -> 401; all security events', async () => {
      const unsigned = rejected(await checkWebhook(request(V2_BODY), v2()));
      assert.deepEqual([unsigned.status, unsigned.code, unsigned.security], [400, 'SIGNATURE_MALFORMED', true]);

      const forged = rejected(await checkWebhook(signedV2(V2_BODY, stranger, undefined, 'kid-1'), v2()));
      assert.deepEqual([forged.status, forged.code, forged.security], [401, 'SIGNATURE_BAD_SIGNATURE', true]);

      const unknown = rejected(await checkWebhook(signedV2(V2_BODY, stranger), v2()));
      assert.deepEqual([unknown.status, unknown.code, unknown.security], [401, 'SIGNATURE_UNKNOWN_KEY', true]);

      const replayed = rejected(await checkWebhook(signedV2(V2_BODY, key, '2026-11-01T09:04:59.000Z'), v2()));
      assert.deepEqual([replayed.status, replayed.code, replayed.security], [401, 'SIGNATURE_STALE', true]);
      // the node's window is the one applied
      const wider = await checkWebhook(
        signedV2(V2_BODY, key, '2026-11-01T09:04:59.000Z'),
        v2({ maxAgeMs: 10 * 60_000 }),
      );
      assert.equal(wider.ok, true);

      const tampered = signedV2(V2_BODY);
      tampered.raw = Buffer.from(tampered.raw.toString('utf8').replace('se-28529731', 'se-28529732'));
      assert.equal(rejected(await checkWebhook(tampered, v2())).code, 'SIGNATURE_BAD_SIGNATURE');
    });

    it('a V2 node with a token checks the token first: a wrong token never reaches the key lookup', async () => {
      const o = v2({ token: TOKEN });
      const r = rejected(await checkWebhook(signedV2(V2_BODY), o));
      assert.equal(r.code, 'BAD_TOKEN');
      assert.deepEqual(lookups, []);
      const both = signedV2(V2_BODY);
      both.query = { token: TOKEN };
      assert.equal((await checkWebhook(both, o)).ok, true);
    });

    it('a V1 node does not ask for a signature', async () => {
      assert.equal((await checkWebhook(request(V1_BODY), v1())).ok, true);
      assert.deepEqual(lookups, []);
    });
  });

  describe('body', () => {
    it('not a JSON object, or without resource_url / resource_type -> 400 BAD_BODY (not a security event)', async () => {
      const cases: Array<[unknown, string]> = [
        ['{"resource_url": ', 'body is not JSON'],
        [[V1_BODY], 'body is not a JSON object'],
        ['null', 'body is not a JSON object'],
        [{ resource_type: 'ORDER_NOTIFY' }, 'resource_url is missing'],
        [{ resource_url: '', resource_type: 'ORDER_NOTIFY' }, 'resource_url is missing'],
        [{ resource_url: V1_BODY.resource_url }, 'resource_type is missing'],
        [{ resource_url: V1_BODY.resource_url, resource_type: 7 }, 'resource_type is missing'],
      ];
      for (const [body, message] of cases) {
        assert.deepEqual(rejected(await checkWebhook(request(body), v1())), {
          status: 400,
          code: 'BAD_BODY',
          security: false,
          message,
        });
      }
    });

    it('an event the node does not accept -> 400 EVENT_NOT_ACCEPTED; the event is compared in upper case', async () => {
      const o = v1({ events: acceptedEvents('v1', 'SHIP_NOTIFY') });
      assert.deepEqual(rejected(await checkWebhook(request(V1_BODY), o)), {
        status: 400,
        code: 'EVENT_NOT_ACCEPTED',
        security: false,
        message: 'event ORDER_NOTIFY is not accepted by this node',
      });
      const lower = await checkWebhook(request({ ...V1_BODY, resource_type: 'ship_notify' }), o);
      assert.equal(lower.ok && lower.pointer.resourceType, 'SHIP_NOTIFY');
      // a V2 event name on a V1 node is not accepted by default
      assert.equal(
        rejected(await checkWebhook(request({ ...V1_BODY, resource_type: 'SHIPMENT_CREATED_V2' }), v1())).code,
        'EVENT_NOT_ACCEPTED',
      );
    });
  });

  describe('resource_url', () => {
    it('on another host, scheme or API version -> 400 FOREIGN_RESOURCE_URL, a security event', async () => {
      for (const url of [
        'https://evil.example/orders',
        'http://ssapi.shipstation.com/orders',
        'https://ssapi.shipstation.com.evil.example/orders',
        'https://user:pw@ssapi.shipstation.com/orders',
        // a V1 webhook may not point at the V2 API
        'https://api.shipstation.com/v2/shipments',
      ]) {
        const r = rejected(await checkWebhook(request({ ...V1_BODY, resource_url: url }), v1()));
        assert.deepEqual([r.status, r.code, r.security], [400, 'FOREIGN_RESOURCE_URL', true], url);
      }
    });

    it('not an absolute URL -> 400 BAD_RESOURCE_URL, not a security event', async () => {
      const r = rejected(await checkWebhook(request({ ...V1_BODY, resource_url: '/orders?importBatch=1' }), v1()));
      assert.deepEqual([r.status, r.code, r.security], [400, 'BAD_RESOURCE_URL', false]);
    });

    it('the pointer: version, the URL as resolved, the event, and inline data only when sent', async () => {
      const accepted = await checkWebhook(
        request({ ...V1_BODY, resource_url: 'HTTPS://SSAPI.shipstation.com/shipments?importBatch=9' }),
        v1(),
      );
      assert.deepEqual(accepted, {
        ok: true,
        pointer: {
          version: 'v1',
          resourceUrl: 'https://ssapi.shipstation.com/shipments?importBatch=9',
          resourceType: 'ORDER_NOTIFY',
        },
      });
      const data = { tracking_number: '9400111899223197428490', status_code: 'DE', events: [] };
      const track = await checkWebhook(
        signedV2({
          resource_url:
            'https://api.shipstation.com/v2/tracking?carrier_code=usps&tracking_number=9400111899223197428490',
          resource_type: 'track_event_v2',
          data,
        }),
        v2(),
      );
      assert.ok(track.ok);
      assert.equal(track.pointer.resourceType, 'TRACK_EVENT_V2');
      assert.deepEqual(track.pointer.data, data);
    });
  });
});
