import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import {
  MASKED_VALUE,
  containsMaskedValue,
  isPersonalKey,
  isSecretKey,
  redactText,
  reviveBuffers,
  sanitiseMsg,
  sanitiseValue,
} from '../../../nodes/audit/masking';

const MASK = { maskPersonalData: true };
const KEEP = { maskPersonalData: false };

describe('audit masking', () => {
  describe('secrets (every mode)', () => {
    it('recognises secret keys in any spelling', () => {
      for (const k of [
        'password',
        'Password',
        'apiKey',
        'api_key',
        'x-api-key',
        'clientSecret',
        'client_secret',
        'Authorization',
        'access_token',
        'refreshToken',
        'token',
        'credentials',
        'webhookSecret',
        'dbPassword',
        'bearerToken',
        'privateKey',
      ]) {
        assert.ok(isSecretKey(k), k);
      }
      for (const k of ['trackingNumber', 'name', 'key', 'orderKey', 'secretary']) {
        assert.ok(!isSecretKey(k), k);
      }
    });

    it('removes secret keys at any depth, in both modes', () => {
      const msg = {
        payload: { nested: [{ apiSecret: 's1', keep: 1 }], auth: { password: 'p1', user: 'u' } },
        headers: { Authorization: 'Basic abc', 'X-API-Key': 'k1', accept: 'json' },
        token: 't1',
      };
      for (const mode of [MASK, KEEP]) {
        const { value } = sanitiseMsg(msg, mode);
        assert.deepEqual(value, {
          payload: { nested: [{ keep: 1 }], auth: { user: 'u' } },
          headers: { accept: 'json' },
        });
      }
    });

    it('redacts HTTP credentials in string values and free text', () => {
      const { value } = sanitiseMsg({ payload: { h: 'Bearer eyJ.abc.def', note: 'ok' } }, KEEP);
      assert.deepEqual(value, { payload: { h: '[redacted]', note: 'ok' } });
      assert.equal(
        redactText('sent Bearer eyJ.abc.def and Basic dXNlcg=='),
        'sent Bearer [redacted] and Basic [redacted]',
      );
    });

    it('never stores msg.req, msg.res, functions, symbols, sockets or streams', () => {
      const msg = {
        payload: { a: 1, fn: () => 1, sym: Symbol('x'), emitter: new EventEmitter() },
        req: { headers: {} },
        res: { send: () => undefined },
        list: [() => 1, 2],
      };
      assert.deepEqual(sanitiseMsg(msg, KEEP).value, { payload: { a: 1 }, list: [null, 2] });
    });
  });

  describe('personal data', () => {
    it('recognises FedEx, ShipStation and X3 personal keys', () => {
      for (const k of [
        'personName',
        'companyName',
        'phoneNumber',
        'emailAddress',
        'streetLines',
        'street1',
        'street_2',
        'address_line1',
        'address1',
        'phone',
        'email',
        'customerEmail',
        'BPDNAM',
        'BPCNAM',
        'BPAADDLIG',
        'BPDADDLIG_1',
        'TEL',
        'WEB',
      ]) {
        assert.ok(isPersonalKey(k), k);
      }
      for (const k of ['city', 'postalCode', 'countryCode', 'sku', 'trackingNumber', 'SOHNUM']) {
        assert.ok(!isPersonalKey(k), k);
      }
    });

    it('masks a FedEx ship request, keeping the structure and non-personal fields', () => {
      const request = {
        requestedShipment: {
          shipper: {
            contact: { companyName: 'ACME Corp', phoneNumber: '9015551234' },
            address: { streetLines: ['10 Main St'], city: 'Memphis', stateOrProvinceCode: 'TN', postalCode: '38116' },
          },
          recipients: [
            {
              contact: { personName: 'Jane Doe', phoneNumber: '2125550100', emailAddress: 'j@d.com' },
              address: { streetLines: ['1 Broadway', 'Floor 3'], city: 'New York', countryCode: 'US' },
            },
          ],
          serviceType: 'FEDEX_GROUND',
        },
      };
      const { value, masked } = sanitiseMsg({ payload: request }, MASK);
      assert.equal(masked, true);
      assert.deepEqual(value, {
        payload: {
          requestedShipment: {
            shipper: {
              contact: { companyName: MASKED_VALUE, phoneNumber: MASKED_VALUE },
              address: { streetLines: [MASKED_VALUE], city: 'Memphis', stateOrProvinceCode: 'TN', postalCode: '38116' },
            },
            recipients: [
              {
                contact: { personName: MASKED_VALUE, phoneNumber: MASKED_VALUE, emailAddress: MASKED_VALUE },
                address: { streetLines: [MASKED_VALUE, MASKED_VALUE], city: 'New York', countryCode: 'US' },
              },
            ],
            serviceType: 'FEDEX_GROUND',
          },
        },
      });
    });

    it('masks a name inside an address but not a product name', () => {
      const order = {
        orderNumber: '1001',
        shipTo: { name: 'Jane Doe', company: null, street1: '1 Broadway', street2: '', city: 'NYC', phone: '212' },
        items: [{ sku: 'ABC', name: 'Blue widget', quantity: 2 }],
        ship_to: { name: 'John Roe', address_line1: '2 Main', city_locality: 'Austin' },
      };
      const { value } = sanitiseMsg({ payload: order }, MASK);
      const p = value.payload as typeof order;
      assert.equal(p.shipTo.name, MASKED_VALUE);
      assert.equal(p.shipTo.company, null, 'empty values stay empty');
      assert.equal(p.shipTo.street2, '');
      assert.equal(p.shipTo.street1, MASKED_VALUE);
      assert.equal(p.ship_to.name, MASKED_VALUE);
      assert.equal(p.ship_to.address_line1, MASKED_VALUE);
      assert.equal(p.items[0].name, 'Blue widget');
      assert.equal(p.orderNumber, '1001');
    });

    it('masks Sage X3 business-partner names, address lines and contact fields', () => {
      const rec = {
        SOHNUM: 'SO1',
        BPCNAM: 'ACME',
        BPDNAM: 'Jane',
        BPDADDLIG: ['1 Road', '', 'Bldg'],
        TEL: '555',
        WEB: 'a@b.c',
      };
      const { value } = sanitiseMsg({ payload: rec }, MASK);
      assert.deepEqual(value.payload, {
        SOHNUM: 'SO1',
        BPCNAM: MASKED_VALUE,
        BPDNAM: MASKED_VALUE,
        BPDADDLIG: [MASKED_VALUE, MASKED_VALUE, MASKED_VALUE],
        TEL: MASKED_VALUE,
        WEB: MASKED_VALUE,
      });
    });

    it('keeps personal data when masking is off', () => {
      const msg = { payload: { contact: { personName: 'Jane Doe' } } };
      const { value, masked } = sanitiseMsg(msg, KEEP);
      assert.deepEqual(value, msg);
      assert.equal(masked, false);
    });

    it('walks into an object under a personal key instead of dropping it', () => {
      const { value } = sanitiseMsg({ payload: { address: { street1: 'x', city: 'Paris' } } }, MASK);
      assert.deepEqual(value.payload, { address: { street1: MASKED_VALUE, city: 'Paris' } });
    });

    it('containsMaskedValue finds the placeholder anywhere', () => {
      assert.equal(containsMaskedValue({ a: [{ b: MASKED_VALUE }] }), true);
      assert.equal(containsMaskedValue({ a: [{ b: 'x' }] }), false);
    });
  });

  describe('serialisation', () => {
    it('encodes Buffers compactly and revives them', () => {
      const pdf = Buffer.from('%PDF-1.4 label');
      const { value } = sanitiseMsg({ payload: { label: pdf } }, KEEP);
      const json = JSON.parse(JSON.stringify(value));
      assert.deepEqual(json, { payload: { label: { $buffer: pdf.toString('base64') } } });
      const revived = reviveBuffers(json) as { payload: { label: Buffer } };
      assert.ok(Buffer.isBuffer(revived.payload.label));
      assert.equal(revived.payload.label.toString(), '%PDF-1.4 label');
    });

    it('cuts cycles, keeps shared references, converts dates and errors', () => {
      const shared = { v: 1 };
      const a: Record<string, unknown> = { shared, again: shared, when: new Date('2025-01-01T00:00:00Z') };
      a.self = a;
      const err = Object.assign(new Error('boom Bearer abc.def'), { code: 'E1', token: 'zzz' });
      const { value } = sanitiseMsg({ payload: a, error: err }, KEEP);
      assert.deepEqual(value, {
        payload: { shared: { v: 1 }, again: { v: 1 }, when: '2025-01-01T00:00:00.000Z', self: '[Circular]' },
        error: { name: 'Error', message: 'boom Bearer [redacted]', code: 'E1' },
      });
    });

    it('sanitiseValue applies the same rules to any value', () => {
      assert.deepEqual(sanitiseValue({ trackingNumber: '1', apiKey: 'k', contact: { phone: '1' } }, MASK), {
        trackingNumber: '1',
        contact: { phone: MASKED_VALUE },
      });
      assert.equal(sanitiseValue(undefined, KEEP), undefined);
      assert.equal(sanitiseValue(Number.NaN, KEEP), null);
      assert.equal(sanitiseValue(10n, KEEP), '10');
    });
  });
});
