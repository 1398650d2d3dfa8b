import assert from 'node:assert/strict';
import type { ErrorObject } from 'ajv';
import { ValidationError, toErrorInfo } from '../../../nodes/core/errors';
import { ajv, compileValidator, fieldPath } from '../../../nodes/core/schema';

const shipment = {
  type: 'object',
  required: ['reference', 'recipient', 'packages'],
  properties: {
    reference: { type: 'string', maxLength: 10 },
    service: { type: 'string', enum: ['FEDEX_GROUND', 'PRIORITY_OVERNIGHT'] },
    recipient: {
      type: 'object',
      required: ['city', 'postalCode'],
      properties: {
        city: { type: 'string', minLength: 1 },
        postalCode: { type: 'string', pattern: '^[0-9]{5}$' },
        email: { type: 'string', format: 'email' },
      },
    },
    packages: {
      type: 'array',
      minItems: 1,
      maxItems: 2,
      items: {
        type: 'object',
        required: ['weight'],
        additionalProperties: false,
        properties: { weight: { type: 'number', minimum: 0.1, maximum: 150 } },
      },
    },
    shipDate: { type: 'string', format: 'date' },
  },
} as const;

interface Shipment {
  reference: string;
  recipient: { city: string; postalCode: string };
  packages: Array<{ weight: number }>;
}

const valid: Shipment = {
  reference: 'SO-1',
  recipient: { city: 'Memphis', postalCode: '38116' },
  packages: [{ weight: 2 }],
};

function failure(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the validator to throw');
}

describe('core/schema', () => {
  const validate = compileValidator<Shipment>(shipment, { system: 'fedex', subject: 'FedEx shipment request' });

  it('returns valid data as it is', () => {
    assert.equal(validate(valid), valid);
  });

  it('required: names the missing field with its path', () => {
    const err = failure(() => validate({ ...valid, recipient: { city: 'Memphis' } }));
    assert.equal(err.field, 'recipient.postalCode');
    assert.equal(err.message, 'FedEx shipment request is invalid: recipient.postalCode is required');
    assert.equal(err.system, 'fedex');
    assert.equal(err.code, 'VALIDATION');
    assert.equal(err.retryable, false);
    assert.equal(toErrorInfo(err).field, 'recipient.postalCode');
    const root = failure(() => validate({ recipient: valid.recipient, packages: valid.packages }));
    assert.equal(root.field, 'reference');
    assert.match(root.message, /reference is required/);
  });

  it('maxLength, enum and maxItems in plain words', () => {
    const long = failure(() => validate({ ...valid, reference: 'SO-123456789' }));
    assert.equal(long.field, 'reference');
    assert.match(long.message, /reference is longer than 10 characters/);

    const service = failure(() => validate({ ...valid, service: 'SLOW_BOAT' }));
    assert.equal(service.field, 'service');
    assert.match(service.message, /service must be one of FEDEX_GROUND, PRIORITY_OVERNIGHT/);

    const many = failure(() => validate({ ...valid, packages: [{ weight: 1 }, { weight: 1 }, { weight: 1 }] }));
    assert.equal(many.field, 'packages');
    assert.match(many.message, /packages has more than 2 entries/);
  });

  it('array items are named with their index', () => {
    const err = failure(() => validate({ ...valid, packages: [{ weight: 1 }, { weight: 500 }] }));
    assert.equal(err.field, 'packages[1].weight');
    assert.match(err.message, /packages\[1\]\.weight must be at most 150/);
    const extra = failure(() => validate({ ...valid, packages: [{ weight: 1, colour: 'red' }] }));
    assert.equal(extra.field, 'packages[0].colour');
    assert.match(extra.message, /packages\[0\]\.colour is not an allowed field/);
  });

  it('other keywords: minLength, minItems, type, pattern, format, minimum', () => {
    const err = failure(() =>
      validate({
        reference: 5,
        recipient: { city: '', postalCode: 'ABC', email: 'nope' },
        packages: [],
        shipDate: '2026-13-01',
      }),
    );
    assert.match(err.message, /reference must be a string/);
    assert.match(err.message, /recipient\.city must not be empty/);
    assert.match(err.message, /recipient\.postalCode has an invalid format/);
    assert.match(err.message, /recipient\.email is not a valid email/);
    assert.match(err.message, /packages needs at least 1 entry/);
    assert.match(err.message, /and 1 more/);
    assert.equal(err.field, 'reference');
    assert.ok(Array.isArray(err.details) && err.details.length === 6, 'all ajv errors kept as details');
    const light = failure(() => validate({ ...valid, packages: [{ weight: 0 }] }));
    assert.match(light.message, /packages\[0\]\.weight must be at least 0\.1/);
  });

  it('a value that is not an object is named as the root', () => {
    const err = failure(() => validate('text'));
    assert.equal(err.field, '(root)');
    assert.match(err.message, /\(root\) must be an object/);
  });

  it('names union types and uses the right article', () => {
    const v = compileValidator<unknown>(
      { type: 'object', properties: { qty: { type: 'integer' }, note: { type: ['string', 'null'] } } },
      { system: 'x3', subject: 'Order line' },
    );
    const err = failure(() => v({ qty: 1.5, note: 3 }));
    assert.match(err.message, /qty must be an integer/);
    assert.match(err.message, /note must be a string or a null/);
  });

  it('describeField gives friendlier names, falling back to the path', () => {
    const friendly = compileValidator<Shipment>(shipment, {
      system: 'x3',
      subject: 'Sales delivery SDH-1',
      describeField: (path) =>
        ({ 'recipient.city': 'ship-to city (BPDCTY)', 'recipient.postalCode': 'ship-to postal code (BPDPOSCOD)' })[
          path
        ],
    });
    const err = failure(() => friendly({ ...valid, recipient: { city: '' }, reference: 'X' }));
    assert.equal(
      err.message,
      'Sales delivery SDH-1 is invalid: ship-to postal code (BPDPOSCOD) is required; ship-to city (BPDCTY) must not be empty',
    );
    assert.equal(err.field, 'recipient.postalCode', 'the field stays the data path');
    const other = failure(() => friendly({ ...valid, reference: 'SO-123456789' }));
    assert.match(other.message, /reference is longer than 10 characters/);
  });

  it('fieldPath unescapes JSON-pointer segments', () => {
    const e = { instancePath: '/a~1b/0/c~0d', keyword: 'type', params: {} } as unknown as ErrorObject;
    assert.equal(fieldPath(e), 'a/b[0].c~d');
    const r = { instancePath: '', keyword: 'required', params: { missingProperty: 'x' } } as unknown as ErrorObject;
    assert.equal(fieldPath(r), 'x');
  });

  it('the shared ajv instance knows the date, date-time, email and uri formats', () => {
    const check = (format: string, value: string): boolean =>
      ajv.validate({ type: 'string', format }, value) as boolean;
    assert.equal(check('date', '2026-02-28'), true);
    assert.equal(check('date', '2026-13-01'), false);
    assert.equal(check('date-time', '2026-02-28T10:00:00.1234567'), true);
    assert.equal(check('date-time', '2026-02-28T10:00:00Z'), true);
    assert.equal(check('date-time', '2026-02-28T10:00:00-08:00'), true);
    assert.equal(check('date-time', 'yesterday'), false);
    assert.equal(check('email', 'ops@example.com'), true);
    assert.equal(check('email', 'ops at example'), false);
    assert.equal(check('uri', 'https://ssapi.shipstation.com/orders?x=1'), true);
    assert.equal(check('uri', 'not a uri'), false);
  });
});
