/**
 * The customs settings of fedex-ship (an international shipment's customsClearanceDetail and trade
 * documents) and the X3 fields they are read from, with their defaults. The X3 field names differ
 * between installations: each is a setting; names marked [U] are assumptions to check against the
 * customer's dictionary (reference sage-x3-api.md lists no customs field of ITMMASTER).
 */
import { SHIPMENT_PURPOSES, TIN_TYPES } from './vocabulary';

export { SHIPMENT_PURPOSES, TIN_TYPES };

export interface CustomsFieldMap {
  /** The delivery's lines (REST child name; records from x3-poll with lines keep it). */
  lines: string;
  lineProduct: string;
  lineDescription: string;
  lineQuantity: string;
  lineUnit: string;
  /** Order number and order line of a delivery line (the prices are on the sales order lines). */
  lineOrder: string;
  lineOrderLine: string;
  /** A unit price on the delivery line itself, tried before the order line's. */
  lineUnitPrice: string;
  orderLines: string;
  orderLineNumber: string;
  orderLinePrice: string;
  orderCurrency: string;
  /** The document's own currency field (a sales order shipped directly). */
  documentCurrency: string;
  productDescription: string;
  /** Harmonized (customs tariff) code of the product [U]. */
  productHarmonizedCode: string;
  /** Country of origin (manufacture) of the product [U]. */
  productOrigin: string;
  /**
   * The GraphQL properties of those two product fields [U]: added to the product reads of the
   * x3-config (REST and SOAP read the X3 names); '' = the x3-config's product definition as it is.
   */
  productHarmonizedCodeGraphql: string;
  productOriginGraphql: string;
  productWeight: string;
  productWeightUnit: string;
}

export type CustomsDocuments = 'generate' | 'upload-later' | 'none';
export type DutiesPaymentType = 'SENDER' | 'RECIPIENT' | 'THIRD_PARTY';
export const TERMS_OF_SALE = ['DDP', 'DAP', 'FCA', 'CPT', 'CIP', 'EXW', 'FOB', 'CFR', 'CIF', 'DPU'] as const;
export const DUTIES_PAYMENT_TYPES = ['SENDER', 'RECIPIENT', 'THIRD_PARTY'] as const;
export const CUSTOMS_DOCUMENTS = ['generate', 'upload-later', 'none'] as const;

export interface CustomsSettings {
  /**
   * The service of an international shipment; '' keeps the node's service (which must then be
   * one FedEx offers across the border: International Priority / Economy, Ground to Canada).
   */
  internationalServiceType: string;
  /** Used when X3 gives no currency; '' = the order's currency is required. */
  currency: string;
  termsOfSale: string;
  shipmentPurpose: (typeof SHIPMENT_PURPOSES)[number];
  dutiesPaymentType: DutiesPaymentType;
  /** Account billed for duties (RECIPIENT / THIRD_PARTY). */
  dutiesAccountNumber: string;
  documentOnly: boolean;
  /** 'generate': FedEx makes the commercial invoice (ETD); 'upload-later': POST_SHIPMENT_UPLOAD_REQUESTED. */
  documents: CustomsDocuments;
  /** US exports: the ITN, or the FTR exemption; '' = derived (NO EEI 30.36 to Canada, 30.37(a) up to 2,500 USD a line). */
  exportCompliance: string;
  /** X3 field of the recipient's tax id on the document; '' = none. */
  recipientTaxIdField: string;
  recipientTaxIdType: (typeof TIN_TYPES)[number];
  fields: CustomsFieldMap;
}

export const DEFAULT_CUSTOMS_FIELDS: CustomsFieldMap = {
  lines: 'SDELIVERYD',
  lineProduct: 'ITMREF',
  lineDescription: 'ITMDES1',
  lineQuantity: 'QTY',
  lineUnit: 'SAU',
  lineOrder: 'SOHNUM',
  lineOrderLine: 'SOPLIN',
  lineUnitPrice: 'NETPRI',
  orderLines: 'SORDERQ',
  orderLineNumber: 'SOPLIN',
  orderLinePrice: 'GROPRI',
  orderCurrency: 'CUR',
  documentCurrency: 'CUR',
  productDescription: 'DES1AXX',
  productHarmonizedCode: 'CUSREF',
  productOrigin: 'ORICRY',
  productHarmonizedCodeGraphql: 'yCustomsCode',
  productOriginGraphql: 'yOriginCountry',
  productWeight: 'ITMWEI',
  productWeightUnit: 'WEU',
};

export const DEFAULT_CUSTOMS_SETTINGS: CustomsSettings = {
  internationalServiceType: 'FEDEX_INTERNATIONAL_PRIORITY',
  currency: '',
  termsOfSale: 'DDP',
  shipmentPurpose: 'SOLD',
  dutiesPaymentType: 'SENDER',
  dutiesAccountNumber: '',
  documentOnly: false,
  documents: 'generate',
  exportCompliance: '',
  recipientTaxIdField: '',
  recipientTaxIdType: 'BUSINESS_NATIONAL',
  fields: DEFAULT_CUSTOMS_FIELDS,
};

/** One commodity given on the msg (msg.fedex.commodities replaces the derived list). */
export interface CommodityInput {
  description: string;
  quantity: number;
  quantityUnits?: string;
  unitPrice: number;
  currency?: string;
  weight?: number;
  harmonizedCode?: string;
  countryOfManufacture?: string;
  partNumber?: string;
}

/** Importer of record / recipient tax ids given on the msg (msg.fedex.customs). */
export interface CustomsMsgInput extends Partial<Omit<CustomsSettings, 'fields'>> {
  fields?: Partial<CustomsFieldMap>;
  recipientTins?: Array<{ number: string; tinType: string }>;
  importerOfRecord?: Record<string, unknown>;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Settings with the msg's customs values on top (fields one level deeper). */
export function mergeCustoms(base: CustomsSettings, patch: unknown): CustomsSettings {
  if (!isPlain(patch)) return base;
  const out = { ...base, ...(patch as Partial<CustomsSettings>) };
  out.fields = { ...base.fields, ...(isPlain(patch.fields) ? (patch.fields as Partial<CustomsFieldMap>) : {}) };
  return out;
}
