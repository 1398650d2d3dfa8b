/**
 * The shipper and the recipient in FedEx terms: the X3 address read through the document's
 * field map, our address from the settings, msg overrides on top, phones normalised the way
 * FedEx wants them. Each value's source is noted for error messages.
 */
import { STATE_REQUIRED_COUNTRIES } from './vocabulary';
import type { PartyFieldMap, FieldRef, X3Record } from './x3-documents';
import { isObject, resolveLines, resolveOne, resolveText, text, truthy } from './x3-fields';
import type { PartyInput, ShipSettings } from './ship-options';

/** Strips the punctuation phone numbers are written with; keeps a leading +. */
export function normalisePhone(phone: string | undefined): string | undefined {
  if (!phone) return undefined;
  const compact = phone.replace(/[\s\-()./]/g, '');
  return compact === '' ? undefined : compact;
}

export interface PartyBuild {
  party: { address: Record<string, unknown>; contact: Record<string, unknown> };
  sources: Map<string, string>;
}

export function partyFromX3(record: X3Record, map: PartyFieldMap, settings: ShipSettings): PartyBuild {
  const sources = new Map<string, string>();
  const address: Record<string, unknown> = {};
  const contact: Record<string, unknown> = {};
  const put = (
    target: Record<string, unknown>,
    key: string,
    path: string,
    ref: FieldRef | undefined,
    transform = (s: string) => s,
  ): void => {
    const r = resolveText(record, ref);
    if (r.source) sources.set(path, r.source);
    if (r.value !== undefined) target[key] = transform(r.value);
  };
  const lines = resolveLines(record, map.streetLines);
  address.streetLines = lines.lines;
  if (lines.source) sources.set('address.streetLines', lines.source);
  put(address, 'city', 'address.city', map.city);
  put(address, 'stateOrProvinceCode', 'address.stateOrProvinceCode', map.stateOrProvinceCode, (s) => s.toUpperCase());
  put(address, 'postalCode', 'address.postalCode', map.postalCode);
  put(address, 'countryCode', 'address.countryCode', map.countryCode, (s) => s.toUpperCase());
  if (map.residential !== undefined)
    address.residential = truthy(
      resolveOne(record, Array.isArray(map.residential) ? map.residential[0] : map.residential).value,
    );
  else address.residential = settings.residential;
  put(contact, 'companyName', 'contact.companyName', map.companyName);
  put(contact, 'personName', 'contact.personName', map.personName);
  put(contact, 'phoneNumber', 'contact.phoneNumber', map.phoneNumber, (s) => normalisePhone(s) ?? s);
  const email = resolveText(record, map.emailAddress);
  // X3's "WEB" field holds an e-mail address or a web site: only an address is sent.
  if (email.value && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.value)) {
    contact.emailAddress = email.value;
    if (email.source) sources.set('contact.emailAddress', email.source);
  }
  return { party: { address, contact }, sources };
}

export function partyFromInput(input: PartyInput, origin: string): PartyBuild {
  const sources = new Map<string, string>();
  const address: Record<string, unknown> = {};
  const contact: Record<string, unknown> = {};
  applyPartyInput({ address, contact }, input, sources, origin);
  return { party: { address, contact }, sources };
}

/** Copies the given fields of `input` onto a party; `origin` names where they came from. */
export function applyPartyInput(
  party: { address: Record<string, unknown>; contact: Record<string, unknown> },
  input: PartyInput | undefined,
  sources: Map<string, string>,
  origin?: string,
): void {
  if (!input || !isObject(input)) return;
  const note = (path: string, key: string): void => {
    if (origin) sources.set(path, `${origin}.${key}`);
    else sources.delete(path);
  };
  if (Array.isArray(input.streetLines)) {
    party.address.streetLines = input.streetLines.map((l) => text(l)).filter((l): l is string => l !== undefined);
    note('address.streetLines', 'streetLines');
  }
  const addr: Array<keyof PartyInput> = ['city', 'stateOrProvinceCode', 'postalCode', 'countryCode'];
  for (const k of addr) {
    const v = text(input[k]);
    if (v === undefined) continue;
    party.address[k] = k === 'countryCode' || k === 'stateOrProvinceCode' ? v.toUpperCase() : v;
    note(`address.${k}`, k);
  }
  if (typeof input.residential === 'boolean') party.address.residential = input.residential;
  for (const k of ['companyName', 'personName', 'emailAddress'] as const) {
    const v = text(input[k]);
    if (v === undefined) continue;
    party.contact[k] = v;
    note(`contact.${k}`, k);
  }
  const phone = normalisePhone(text(input.phoneNumber));
  if (phone) {
    party.contact.phoneNumber = phone;
    note('contact.phoneNumber', 'phoneNumber');
  }
}

/** US/CA/PR numbers written with the +1 / 1 country prefix: FedEx wants the 10 digits. */
export function stripUsCountryPrefix(party: {
  address: Record<string, unknown>;
  contact: Record<string, unknown>;
}): void {
  const country = party.address.countryCode;
  const phone = party.contact.phoneNumber;
  if (typeof phone !== 'string' || !(STATE_REQUIRED_COUNTRIES as readonly unknown[]).includes(country)) return;
  const digits = phone.replace(/^\+/, '');
  if (/^1\d{10}$/.test(digits)) party.contact.phoneNumber = digits.slice(1);
  else if (/^\d{10}$/.test(digits)) party.contact.phoneNumber = digits;
}
