/**
 * The rules of a FedEx request that depend on other fields (country, image type, payment type),
 * as keywords of the shared ajv instance: each reports one plain error on the field to fix
 * ("recipient phone (BPDTEL) must have exactly 10 digits for US") instead of JSON Schema's
 * if/then/anyOf noise. Registered once when this module loads; schemas.ts uses them by name
 * (fedexParty, fedexLabel, fedexPayment).
 */
import { ajv } from '../core/schema';
import {
  LABEL_STOCK_TYPES,
  LIMITS,
  PAPER_STOCKS,
  POSTAL_AWARE_COUNTRIES,
  STATE_REQUIRED_COUNTRIES,
} from './vocabulary';

interface KeywordError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
}

type KeywordValidate = ((
  schema: unknown,
  data: unknown,
  parentSchema?: unknown,
  cxt?: { instancePath: string },
) => boolean) & {
  errors?: KeywordError[];
};

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function defineKeyword(
  keyword: string,
  check: (data: Record<string, unknown>, fail: (path: string, message: string) => void) => void,
): void {
  if (ajv.getKeyword(keyword)) return;
  const validate: KeywordValidate = (_schema, data, _parent, cxt) => {
    const errors: KeywordError[] = [];
    const o = record(data);
    if (o) {
      check(o, (path, message) =>
        errors.push({
          keyword,
          instancePath: `${cxt?.instancePath ?? ''}${path}`,
          schemaPath: `#/${keyword}`,
          params: {},
          message,
        }),
      );
    }
    validate.errors = errors;
    return errors.length === 0;
  };
  ajv.addKeyword({ keyword, errors: true, validate });
}

defineKeyword('fedexParty', (party, fail) => {
  const address = record(party.address) ?? {};
  const contact = record(party.contact);
  const country = typeof address.countryCode === 'string' ? address.countryCode : '';
  const strict = (STATE_REQUIRED_COUNTRIES as readonly string[]).includes(country);
  if (typeof address.countryCode === 'string' && !/^[A-Z]{2}$/.test(country)) {
    fail('/address/countryCode', 'must be a 2-letter ISO country code');
  }
  const state = address.stateOrProvinceCode;
  if (strict && (typeof state !== 'string' || state === ''))
    fail('/address/stateOrProvinceCode', `is required for ${country}`);
  else if (strict && !/^[A-Z]{2}$/.test(String(state)))
    fail('/address/stateOrProvinceCode', `must be a 2-letter code for ${country}`);
  const postal = address.postalCode;
  if (
    (POSTAL_AWARE_COUNTRIES as readonly string[]).includes(country) &&
    (typeof postal !== 'string' || postal === '')
  ) {
    fail('/address/postalCode', `is required for ${country}`);
  }
  if (!contact) return;
  if (!contact.companyName && !contact.personName) fail('/contact/companyName', 'is required (or a contact name)');
  const phone = contact.phoneNumber;
  if (typeof phone !== 'string' || phone === '') return;
  const digits = phone.replace(/^\+/, '');
  if (!/^[0-9]+$/.test(digits)) fail('/contact/phoneNumber', 'must contain digits only');
  else if (strict && !(digits.length === 10 || (digits.length === 11 && digits.startsWith('1')))) {
    fail('/contact/phoneNumber', `must have exactly 10 digits for ${country} (it has ${digits.length})`);
  } else if (digits.length < LIMITS.phoneMin || digits.length > LIMITS.phoneMax) {
    fail('/contact/phoneNumber', `must have ${LIMITS.phoneMin} to ${LIMITS.phoneMax} digits (it has ${digits.length})`);
  }
});

/** PDF/PNG print on paper stocks, ZPLII/EPL2 on thermal stocks (reference §3). */
defineKeyword('fedexLabel', (label, fail) => {
  const image = label.imageType;
  const stock = label.labelStockType;
  if (typeof stock !== 'string' || !(LABEL_STOCK_TYPES as readonly string[]).includes(stock)) return;
  const paper = (PAPER_STOCKS as readonly string[]).includes(stock);
  if ((image === 'PDF' || image === 'PNG') && !paper)
    fail('/labelStockType', `must be a PAPER_* stock for ${image} labels`);
  if ((image === 'ZPLII' || image === 'EPL2') && paper)
    fail('/labelStockType', `must be a STOCK_* (thermal) stock for ${image} labels`);
});

defineKeyword('fedexPayment', (payment, fail) => {
  const type = payment.paymentType;
  if (typeof type !== 'string' || type === 'SENDER') return;
  const value = record(record(record(record(payment.payor)?.responsibleParty)?.accountNumber))?.value;
  if (typeof value !== 'string' || value === '')
    fail('/payor/responsibleParty/accountNumber/value', `is required for ${type} payment`);
});
