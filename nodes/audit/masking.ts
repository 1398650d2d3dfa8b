/**
 * Turns a Node-RED msg into the JSON-safe object the audit trail stores.
 *
 * Always (every mode): secrets are removed, msg.req/msg.res and anything that cannot be
 * serialised (functions, sockets, streams) are dropped, cycles are cut.
 * With masking on: personal data (names, phone numbers, emails, street lines) is replaced by
 * MASKED_VALUE, keeping the key so the stored shape stays readable.
 *
 * Keys are compared after normalisation (lower case, letters only), so `api_key`, `apiKey`,
 * `x-api-key` and `street1`/`street_2` all match one entry.
 */
import { EventEmitter } from 'events';

/** Placeholder written in place of masked personal data. */
export const MASKED_VALUE = '[masked]';
/** Placeholder for a string value that carries an HTTP credential (e.g. "Bearer ..."). */
export const REDACTED_VALUE = '[redacted]';

/** Keys whose values are secrets. Removed from every stored msg, in every mode. */
export const SECRET_KEYS: readonly string[] = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'clientsecret',
  'apikey',
  'xapikey',
  'apisecret',
  'authorization',
  'proxyauthorization',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'credentials',
  'cookie',
  'setcookie',
  'privatekey',
  'webhooksecret',
  'signingkey',
];

/** A normalised key ending with one of these is also a secret (dbPassword, bearerToken, ...). */
export const SECRET_KEY_SUFFIXES: readonly string[] = ['password', 'secret', 'token', 'apikey', 'privatekey'];

/**
 * Keys holding personal data, masked wherever they appear when masking is on.
 * FedEx: personName, companyName, phoneNumber, emailAddress, streetLines.
 * ShipStation V1: company, phone, street1..3, customerEmail, customerUsername;
 * V2: phone, email, company_name, address_line1..3.
 * Sage X3: BPCNAM/BPDNAM/BPINAM/BPANAM/BPRNAM/BPSNAM (business-partner names), CNTNAM/CNTFNA/CNTLNA
 * (contact), TEL, FAX, MOB, WEB (e-mail); address lines (*ADDLIG) are in PERSONAL_DATA_KEY_SUFFIXES.
 */
export const PERSONAL_DATA_KEYS: readonly string[] = [
  'personname',
  'firstname',
  'lastname',
  'fullname',
  'contactname',
  'recipientname',
  'shiptoname',
  'customername',
  'customerusername',
  'attentionname',
  'companyname',
  'company',
  'phone',
  'phonenumber',
  'phoneextension',
  'mobile',
  'mobilephone',
  'fax',
  'email',
  'emailaddress',
  'customeremail',
  'streetlines',
  'street',
  'address',
  'addressline',
  'bpcnam',
  'bpdnam',
  'bpinam',
  'bpanam',
  'bprnam',
  'bpsnam',
  'cntnam',
  'cntfna',
  'cntlna',
  'tel',
  'mob',
  'web',
];

/** Sage X3 address-line fields: BPAADDLIG, BPDADDLIG, BPIADDLIG, ... */
export const PERSONAL_DATA_KEY_SUFFIXES: readonly string[] = ['addlig'];

/**
 * Keys that are personal only inside an address or contact object (one that also has a key from
 * ADDRESS_CONTEXT_KEYS): a recipient's `name` is masked, a product's `name` is kept.
 */
export const CONTEXTUAL_PERSONAL_DATA_KEYS: readonly string[] = ['name'];

/** Keys that mark an object as an address or contact. */
export const ADDRESS_CONTEXT_KEYS: readonly string[] = [
  'street',
  'streetlines',
  'addressline',
  'address',
  'city',
  'citylocality',
  'postalcode',
  'zip',
  'phone',
  'phonenumber',
  'email',
  'emailaddress',
  'country',
  'countrycode',
  'state',
  'stateprovince',
  'stateorprovincecode',
  'residential',
  'addressresidentialindicator',
  'companyname',
  'company',
];

/** Top-level msg properties never stored: HTTP request/response objects of http-in flows. */
export const UNSTORED_MSG_KEYS: readonly string[] = ['req', 'res'];

const secretKeys = new Set(SECRET_KEYS);
const personalKeys = new Set(PERSONAL_DATA_KEYS);
const contextualKeys = new Set(CONTEXTUAL_PERSONAL_DATA_KEYS);
const contextKeys = new Set(ADDRESS_CONTEXT_KEYS);
const MAX_DEPTH = 64;
const CREDENTIAL_VALUE = /^\s*(bearer|basic)\s+\S+/i;

interface KeyClass {
  normalised: string;
  secret: boolean;
  personal: boolean;
  addressContext: boolean;
}

/**
 * Classification by raw key. Every stored msg is walked key by key and the same few hundred keys
 * (X3 fields, FedEx and ShipStation properties) come back on every msg: normalising and matching
 * each one again was a large share of the cost of recording an entry. Bounded: emptied when full.
 */
const keyClasses = new Map<string, KeyClass>();
const KEY_CLASS_CACHE_MAX = 10_000;

function classifyKey(key: string): KeyClass {
  let c = keyClasses.get(key);
  if (c === undefined) {
    const k = key.toLowerCase().replace(/[^a-z]/g, '');
    c = {
      normalised: k,
      secret: secretKeys.has(k) || SECRET_KEY_SUFFIXES.some((s) => k.endsWith(s)),
      personal: personalKeys.has(k) || PERSONAL_DATA_KEY_SUFFIXES.some((s) => k.endsWith(s)),
      addressContext: contextKeys.has(k),
    };
    if (keyClasses.size >= KEY_CLASS_CACHE_MAX) keyClasses.clear();
    keyClasses.set(key, c);
  }
  return c;
}

export function normaliseKey(key: string): string {
  return classifyKey(key).normalised;
}

export function isSecretKey(key: string): boolean {
  return classifyKey(key).secret;
}

export function isPersonalKey(key: string): boolean {
  return classifyKey(key).personal;
}

export interface SanitiseOptions {
  maskPersonalData: boolean;
}

export interface SanitiseResult {
  value: Record<string, unknown>;
  /** true when at least one personal-data value was replaced by MASKED_VALUE */
  masked: boolean;
}

/** JSON-safe copy of a msg: secrets stripped always, personal data masked when enabled. */
export function sanitiseMsg(msg: Record<string, unknown>, options: SanitiseOptions): SanitiseResult {
  const state = { masked: false, seen: new WeakSet<object>() };
  const out: Record<string, unknown> = {};
  state.seen.add(msg);
  const addressLike = isAddressLike(msg, options);
  for (const [key, value] of Object.entries(msg)) {
    if (UNSTORED_MSG_KEYS.includes(key)) continue;
    copyProperty(out, key, value, options, state, 1, addressLike);
  }
  state.seen.delete(msg);
  return { value: out, masked: state.masked };
}

/** JSON-safe copy of any value with the same rules (used for ledger results and errors). */
export function sanitiseValue(value: unknown, options: SanitiseOptions): unknown {
  const state = { masked: false, seen: new WeakSet<object>() };
  return copyValue(value, options, state, 0);
}

/** Removes HTTP credentials from free text such as error messages. */
export function redactText(text: string): string {
  return text.replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ' + REDACTED_VALUE);
}

interface WalkState {
  masked: boolean;
  /** objects on the current path, to cut cycles without dropping shared references */
  seen: WeakSet<object>;
}

/** Whether `obj` is an address or contact: only asked with masking on (it decides what is masked). */
function isAddressLike(obj: object, options: SanitiseOptions): boolean {
  if (!options.maskPersonalData) return false;
  return Object.keys(obj).some((k) => classifyKey(k).addressContext);
}

function copyProperty(
  out: Record<string, unknown>,
  key: string,
  value: unknown,
  options: SanitiseOptions,
  state: WalkState,
  depth: number,
  parentIsAddress: boolean,
): void {
  const c = classifyKey(key);
  if (c.secret) return;
  if (options.maskPersonalData && isMaskable(value)) {
    if (c.personal || (parentIsAddress && contextualKeys.has(c.normalised))) {
      if (value !== null && value !== undefined && value !== '') {
        out[key] = Array.isArray(value) ? value.map(() => MASKED_VALUE) : MASKED_VALUE;
        state.masked = true;
      } else {
        out[key] = value;
      }
      return;
    }
  }
  const copied = copyValue(value, options, state, depth);
  if (copied !== undefined) out[key] = copied;
}

/** Primitive values and arrays of primitives are masked whole; objects are walked. */
function isMaskable(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  return Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object');
}

function copyValue(value: unknown, options: SanitiseOptions, state: WalkState, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return CREDENTIAL_VALUE.test(value) ? REDACTED_VALUE : value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (state.seen.has(obj)) return '[Circular]';
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (Buffer.isBuffer(obj) || obj instanceof Uint8Array) {
    // base64 keeps stored labels compact; replay revives { $buffer } into a Buffer
    return { $buffer: Buffer.from(obj).toString('base64') };
  }
  if (obj instanceof EventEmitter) return undefined; // sockets, streams, servers
  state.seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      return obj.map((v) => {
        const c = copyValue(v, options, state, depth + 1);
        return c === undefined ? null : c;
      });
    }
    if (obj instanceof Map) {
      return copyValue(Object.fromEntries(obj), options, state, depth);
    }
    if (obj instanceof Set) return copyValue([...obj], options, state, depth);
    if (obj instanceof Error) return errorToPlain(obj, options, state, depth);
    const out: Record<string, unknown> = {};
    const addressLike = isAddressLike(obj, options);
    for (const [k, v] of Object.entries(obj)) {
      copyProperty(out, k, v, options, state, depth + 1, addressLike);
    }
    return out;
  } finally {
    state.seen.delete(obj);
  }
}

function errorToPlain(err: Error, options: SanitiseOptions, state: WalkState, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: redactText(err.message) };
  for (const [k, v] of Object.entries(err)) {
    copyProperty(out, k, v, options, state, depth + 1, false);
  }
  return out;
}

/** Inverse of the Buffer encoding above, applied to a stored msg before it is replayed. */
export function reviveBuffers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveBuffers);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0] === '$buffer' && typeof obj.$buffer === 'string') {
      return Buffer.from(obj.$buffer, 'base64');
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = reviveBuffers(obj[k]);
    return out;
  }
  return value;
}

/** true when a stored value contains the masking placeholder anywhere. */
export function containsMaskedValue(value: unknown): boolean {
  if (value === MASKED_VALUE) return true;
  if (Array.isArray(value)) return value.some(containsMaskedValue);
  if (value !== null && typeof value === 'object') {
    return Object.values(value as Record<string, unknown>).some(containsMaskedValue);
  }
  return false;
}
