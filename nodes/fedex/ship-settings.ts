/**
 * fedex-ship's editor settings -> ShipSettings (ship-options.ts), with the defaults for anything empty.
 */
import type { NodeDef } from 'node-red';
import { bool, number, text } from '../shared/settings';
import { DEFAULT_SHIP_SETTINGS, type PartyInput, type ShipSettings } from './ship-options';
import type { DocumentFieldMap } from './x3-documents';
import {
  CUSTOMS_DOCUMENTS,
  DEFAULT_CUSTOMS_SETTINGS,
  DUTIES_PAYMENT_TYPES,
  SHIPMENT_PURPOSES,
  TIN_TYPES,
  type CustomsFieldMap,
  type CustomsSettings,
} from './customs-options';
import {
  DIMENSION_UNITS,
  FREIGHT_CLASSES,
  IMAGE_TYPES,
  LTL_SERVICE_TYPES,
  PAYMENT_TYPES,
  PICKUP_TYPES,
  SUB_PACKAGING_TYPES,
  WEIGHT_UNITS,
  type DimensionUnit,
} from './vocabulary';

export interface FedexShipDef extends NodeDef {
  fedex?: string;
  audit?: string;
  operation?: string;
  direction?: string;
  ourCompany?: string;
  ourContact?: string;
  ourPhone?: string;
  ourEmail?: string;
  ourStreet1?: string;
  ourStreet2?: string;
  ourStreet3?: string;
  ourCity?: string;
  ourState?: string;
  ourPostal?: string;
  ourCountry?: string;
  serviceType?: string;
  packagingType?: string;
  pickupType?: string;
  labelImageType?: string;
  labelStockType?: string;
  labelResponse?: string;
  paymentType?: string;
  payorAccountNumber?: string;
  weightUnit?: string;
  defaultWeight?: string | number;
  dimLength?: string | number;
  dimWidth?: string | number;
  dimHeight?: string | number;
  dimUnits?: string;
  shipDate?: string;
  customerReferenceTemplate?: string;
  poNumberTemplate?: string;
  descriptionTemplate?: string;
  residential?: boolean | string;
  recipientPhoneFallback?: string;
  fieldMap?: string;
  freight?: boolean | string;
  freightServiceType?: string;
  freightClass?: string;
  freightSubPackaging?: string;
  freightRole?: string;
  freightAccount?: string;
  reconcileDelaySeconds?: string | number;
  reconcileWindowSeconds?: string | number;
  reconcileLookups?: string | number;
  /** x3-config the customs data (sales order, product master) is read with. */
  x3?: string;
  customsServiceType?: string;
  customsCurrency?: string;
  customsTermsOfSale?: string;
  customsPurpose?: string;
  customsDutiesPayment?: string;
  customsDutiesAccount?: string;
  customsDocumentOnly?: boolean | string;
  customsDocuments?: string;
  customsExportCompliance?: string;
  customsTaxIdField?: string;
  customsTaxIdType?: string;
  customsFields?: string;
}

function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** The field map setting: JSON {"city": "BPDCTY", "streetLines": ["ADR1", "ADR2"], …}. */
export function parseFieldMap(text: string | undefined): DocumentFieldMap {
  if (!text || !text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`field map is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('field map must be a JSON object of FedEx field: X3 field name');
  }
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v === 'string' && v.trim()) out[k] = v.trim();
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
    else throw new Error(`field map: "${k}" must name an X3 field (or a list of fields)`);
  }
  return out as DocumentFieldMap;
}

/** The customs field map setting: JSON {"productHarmonizedCode": "ZHSCODE", …} over the defaults. */
export function parseCustomsFields(json: string | undefined): CustomsFieldMap {
  const base = DEFAULT_CUSTOMS_SETTINGS.fields;
  if (!json || !json.trim()) return base;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new Error(`customs fields are not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('customs fields must be a JSON object of setting: X3 field name');
  const out: CustomsFieldMap = { ...base };
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(k in base)) throw new Error(`customs fields: unknown "${k}" (one of ${Object.keys(base).join(', ')})`);
    if (typeof v !== 'string') throw new Error(`customs fields: "${k}" must name an X3 field`);
    (out as unknown as Record<string, string>)[k] = v.trim();
  }
  return out;
}

export function customsSettingsOf(def: FedexShipDef): CustomsSettings {
  const d = DEFAULT_CUSTOMS_SETTINGS;
  return {
    internationalServiceType: text(def.customsServiceType, d.internationalServiceType),
    currency: text(def.customsCurrency, d.currency).toUpperCase(),
    termsOfSale: text(def.customsTermsOfSale, d.termsOfSale).toUpperCase(),
    shipmentPurpose: pick(def.customsPurpose, SHIPMENT_PURPOSES, d.shipmentPurpose),
    dutiesPaymentType: pick(def.customsDutiesPayment, DUTIES_PAYMENT_TYPES, d.dutiesPaymentType),
    dutiesAccountNumber: text(def.customsDutiesAccount, ''),
    documentOnly: bool(def.customsDocumentOnly, d.documentOnly),
    documents: pick(def.customsDocuments, CUSTOMS_DOCUMENTS, d.documents),
    exportCompliance: text(def.customsExportCompliance, ''),
    recipientTaxIdField: text(def.customsTaxIdField, ''),
    recipientTaxIdType: pick(def.customsTaxIdType, TIN_TYPES, d.recipientTaxIdType),
    fields: parseCustomsFields(def.customsFields),
  };
}

export function shipSettingsOf(def: FedexShipDef): ShipSettings {
  const d = DEFAULT_SHIP_SETTINGS;
  const ourAddress: PartyInput = {};
  const set = (k: keyof PartyInput, v: unknown): void => {
    if (typeof v === 'string' && v.trim()) (ourAddress as Record<string, unknown>)[k] = v.trim();
  };
  set('companyName', def.ourCompany);
  set('personName', def.ourContact);
  set('phoneNumber', def.ourPhone);
  set('emailAddress', def.ourEmail);
  set('city', def.ourCity);
  set('stateOrProvinceCode', def.ourState);
  set('postalCode', def.ourPostal);
  set('countryCode', def.ourCountry);
  const lines = [def.ourStreet1, def.ourStreet2, def.ourStreet3].filter(
    (l): l is string => typeof l === 'string' && l.trim() !== '',
  );
  if (lines.length) ourAddress.streetLines = lines.map((l) => l.trim());
  const length = number(def.dimLength, 0, { above: 0 });
  const width = number(def.dimWidth, 0, { above: 0 });
  const height = number(def.dimHeight, 0, { above: 0 });
  const units: DimensionUnit = pick(def.dimUnits, DIMENSION_UNITS, 'IN');
  return {
    direction: pick(def.direction, ['auto', 'outbound', 'inbound'] as const, d.direction),
    fieldMap: parseFieldMap(def.fieldMap),
    ourAddress,
    serviceType: text(def.serviceType, d.serviceType),
    packagingType: text(def.packagingType, d.packagingType),
    pickupType: pick(def.pickupType, PICKUP_TYPES, d.pickupType),
    labelImageType: pick(def.labelImageType, IMAGE_TYPES, d.labelImageType),
    labelStockType: text(def.labelStockType, d.labelStockType),
    labelResponse: pick(def.labelResponse, ['LABEL', 'URL_ONLY'] as const, d.labelResponse),
    paymentType: pick(def.paymentType, PAYMENT_TYPES, d.paymentType),
    payorAccountNumber: text(def.payorAccountNumber, ''),
    weightUnit: pick(def.weightUnit, WEIGHT_UNITS, d.weightUnit),
    defaultWeight: number(def.defaultWeight, d.defaultWeight, { above: 0 }),
    dimensions: length && width && height ? { length, width, height, units } : undefined,
    shipDate: pick(def.shipDate, ['today', 'x3'] as const, d.shipDate),
    customerReferenceTemplate: text(def.customerReferenceTemplate, d.customerReferenceTemplate),
    poNumberTemplate: text(def.poNumberTemplate, d.poNumberTemplate),
    descriptionTemplate: text(def.descriptionTemplate, d.descriptionTemplate),
    residential: bool(def.residential, false),
    recipientPhoneFallback: text(def.recipientPhoneFallback, ''),
    freight: {
      enabled: bool(def.freight, false),
      serviceType: pick(def.freightServiceType, LTL_SERVICE_TYPES, d.freight.serviceType),
      freightClass: pick(def.freightClass, FREIGHT_CLASSES, d.freight.freightClass),
      subPackagingType: pick(def.freightSubPackaging, SUB_PACKAGING_TYPES, d.freight.subPackagingType),
      role: pick(def.freightRole, ['SHIPPER', 'CONSIGNEE'] as const, d.freight.role),
      accountNumber: text(def.freightAccount, ''),
    },
    customs: customsSettingsOf(def),
  };
}
