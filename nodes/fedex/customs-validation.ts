/**
 * What FedEx would refuse in an international shipment, checked before any call so the error
 * names the X3 field to fix: a commodity without harmonized code, country of manufacture, value
 * or quantity, no currency, and the destination's address rules (Canadian provinces and postal
 * codes, Mexican states and postal codes, 10-digit phones).
 */
import { ValidationError } from '../core/errors';
import type { CommodityDraft } from './commodities';

/** Canada's provinces and territories (ISO 3166-2:CA). */
export const CA_PROVINCES = ['AB', 'BC', 'MB', 'NB', 'NL', 'NS', 'NT', 'NU', 'ON', 'PE', 'QC', 'SK', 'YT'] as const;

/**
 * Mexico's states as FedEx spells them (two letters; reference fedex-api.md gives no list, so
 * both spellings in use for Mexico City and Querétaro are accepted [U]).
 */
export const MX_STATES = [
  'AG', 'BC', 'BS', 'CM', 'CS', 'CH', 'CO', 'CL', 'DF', 'CX', 'DG', 'GT', 'GR', 'HG', 'JA', 'EM', 'MI', 'MO',
  'NA', 'NL', 'OA', 'PU', 'QT', 'QE', 'QR', 'SL', 'SI', 'SO', 'TB', 'TM', 'TL', 'VE', 'YU', 'ZA',
] as const; // prettier-ignore

export interface Problem {
  /** The X3 field (or msg property / setting) to fix. */
  field: string;
  message: string;
}

/** The harmonized code's digits: 6 (HS) to 10 (national tariff lines), dots and spaces allowed. */
export function harmonizedDigits(code: string): string | undefined {
  const digits = code.replace(/[.\s-]/g, '');
  return /^\d{6,10}$/.test(digits) ? digits : undefined;
}

export function commodityProblems(
  drafts: CommodityDraft[],
  currency: string | undefined,
  currencySource: string,
): Problem[] {
  const problems: Problem[] = [];
  if (!currency || !/^[A-Z]{3}$/.test(currency))
    problems.push({
      field: currencySource,
      message: `currency is ${currency ? `'${currency}', not a three-letter code` : 'missing'} (${currencySource})`,
    });
  if (drafts.length === 0)
    problems.push({
      field: 'lines',
      message: 'an international shipment needs at least one commodity (delivery line)',
    });
  for (const d of drafts) {
    const src = d.sources;
    if (!d.description)
      problems.push({
        field: src.description ?? 'description',
        message: `${d.label}: description missing (${src.description})`,
      });
    if (!d.harmonizedCode)
      problems.push({
        field: src.harmonizedCode ?? 'harmonizedCode',
        message: `${d.label}: harmonized code missing (${src.harmonizedCode})`,
      });
    else if (!harmonizedDigits(d.harmonizedCode))
      problems.push({
        field: src.harmonizedCode ?? 'harmonizedCode',
        message: `${d.label}: harmonized code '${d.harmonizedCode}' must have 6 to 10 digits (${src.harmonizedCode})`,
      });
    if (!d.countryOfManufacture)
      problems.push({
        field: src.countryOfManufacture ?? 'countryOfManufacture',
        message: `${d.label}: country of manufacture missing (${src.countryOfManufacture})`,
      });
    else if (!/^[A-Z]{2}$/.test(d.countryOfManufacture))
      problems.push({
        field: src.countryOfManufacture ?? 'countryOfManufacture',
        message: `${d.label}: country of manufacture '${d.countryOfManufacture}' must be a two-letter ISO code (${src.countryOfManufacture})`,
      });
    if (d.quantity === undefined || !(d.quantity > 0))
      problems.push({
        field: src.quantity ?? 'quantity',
        message: `${d.label}: quantity missing or not above 0 (${src.quantity})`,
      });
    if (d.unitPrice === undefined || !(d.unitPrice > 0))
      problems.push({
        field: src.unitPrice ?? 'unitPrice',
        message: `${d.label}: no customs value, unit price ${d.unitPrice ?? 'missing'} (${src.unitPrice})`,
      });
    if (d.weight === undefined || !(d.weight > 0))
      problems.push({
        field: src.weight ?? 'weight',
        message: `${d.label}: no weight (product unit weight or the document's gross weight)`,
      });
  }
  return problems;
}

interface PartyLike {
  address: Record<string, unknown>;
  contact: Record<string, unknown>;
}

/** The destination's address rules for Canada and Mexico; `sources` maps address.x -> X3 field. */
export function destinationProblems(party: PartyLike, sources: ReadonlyMap<string, string>): Problem[] {
  const problems: Problem[] = [];
  const country = typeof party.address.countryCode === 'string' ? party.address.countryCode : '';
  const src = (k: string): string => sources.get(k) ?? `recipient ${k}`;
  const state = typeof party.address.stateOrProvinceCode === 'string' ? party.address.stateOrProvinceCode : '';
  const postal = typeof party.address.postalCode === 'string' ? party.address.postalCode.trim() : '';
  const phone = typeof party.contact.phoneNumber === 'string' ? party.contact.phoneNumber.replace(/^\+/, '') : '';
  if (country === 'CA') {
    if (!(CA_PROVINCES as readonly string[]).includes(state))
      problems.push({
        field: src('address.stateOrProvinceCode'),
        message: `Canadian province '${state}' is not one of ${CA_PROVINCES.join(' ')} (${src('address.stateOrProvinceCode')})`,
      });
    if (!/^[A-Z]\d[A-Z] ?\d[A-Z]\d$/i.test(postal))
      problems.push({
        field: src('address.postalCode'),
        message: `Canadian postal code '${postal}' must look like A1A 1A1 (${src('address.postalCode')})`,
      });
    if (!/^1?\d{10}$/.test(phone))
      problems.push({
        field: src('contact.phoneNumber'),
        message: `phone for Canada must have 10 digits (${src('contact.phoneNumber')})`,
      });
  } else if (country === 'MX') {
    if (state && !(MX_STATES as readonly string[]).includes(state))
      problems.push({
        field: src('address.stateOrProvinceCode'),
        message: `Mexican state '${state}' is not a FedEx state code (${src('address.stateOrProvinceCode')})`,
      });
    if (!/^\d{5}$/.test(postal))
      problems.push({
        field: src('address.postalCode'),
        message: `Mexican postal code '${postal}' must have 5 digits (${src('address.postalCode')})`,
      });
    if (!/^(52)?\d{10}$/.test(phone))
      problems.push({
        field: src('contact.phoneNumber'),
        message: `phone for Mexico must have 10 digits, optionally after +52 (${src('contact.phoneNumber')})`,
      });
  }
  return problems;
}

/** Throws one ValidationError naming the first field, listing every problem. */
export function throwProblems(problems: Problem[]): void {
  if (!problems.length) return;
  throw new ValidationError('fedex', problems[0].field, `customs: ${problems.map((p) => p.message).join('; ')}`, {
    problems,
  });
}
