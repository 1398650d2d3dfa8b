/**
 * Customs rules of an international parcel request, read from FedEx's Shipment-Resource.json
 * (CustomsClearanceDetail, Commodity, Money / Customs_Money, Payment_1, ShipmentSpecialServices-
 * Requested.etdDetail, ShippingDocumentSpecification) independently of the plugin's own checks:
 * customs are required when the shipper's and the recipient's countries differ, each commodity
 * needs its description (<= 450) and, internationally, its country of manufacture (<= 4), values
 * carry a currency and every amount of a shipment uses the same one, the commodity weight unit is
 * the packages' unit. The answer says which documents FedEx is asked to generate.
 */
import { Checker, type Obj, isObj, join } from './checker';

const PAYMENT_TYPES = ['SENDER', 'RECIPIENT', 'THIRD_PARTY', 'COLLECT'];
const SHIPMENT_PURPOSES = ['GIFT', 'NOT_SOLD', 'PERSONAL_EFFECTS', 'REPAIR_AND_RETURN', 'SAMPLE', 'SOLD'];
const COMMODITY_PURPOSES = ['BUSINESS', 'CONSUMER'];
const TIN_TYPES = [
  'PERSONAL_NATIONAL',
  'PERSONAL_STATE',
  'FEDERAL',
  'BUSINESS_NATIONAL',
  'BUSINESS_STATE',
  'BUSINESS_UNION',
];
const DOCUMENT_TYPES = [
  'CERTIFICATE_OF_ORIGIN',
  'COMMERCIAL_INVOICE',
  'PRO_FORMA_INVOICE',
  'USMCA_CERTIFICATION_OF_ORIGIN',
  'USMCA_COMMERCIAL_INVOICE_CERTIFICATION_OF_ORIGIN',
  'RETURN_INSTRUCTIONS',
  'GENERAL_AGENCY_AGREEMENT',
  'OP_900',
];
export const MAX_COMMODITIES = 999;
const DESCRIPTION_MAX = 450;

export interface CustomsFacts {
  /** Documents FedEx generates for this shipment (COMMERCIAL_INVOICE, …). */
  documents: string[];
  /** POST_SHIPMENT_UPLOAD_REQUESTED: the trade documents are uploaded after the shipment. */
  postShipmentUpload: boolean;
  currency?: string;
  totalCustomsValue?: number;
  commodityCount: number;
}

function money(
  c: Checker,
  parent: Obj,
  key: string,
  path: string,
  required: boolean,
  currencies: Set<string>,
): number | undefined {
  const p = join(path, key);
  const m = c.obj(parent, key, path, required);
  if (!m) return undefined;
  const amount = c.num(m, 'amount', p, { required: true, min: 0 });
  const currency = c.str(m, 'currency', p, {
    required: true,
    pattern: /^[A-Z]{3}$/,
    patternReason: 'must be a three-letter currency code',
  });
  if (currency) currencies.add(currency);
  return amount;
}

/** Checks `requestedShipment.customsClearanceDetail` and the ETD / document requests around it. */
export function checkCustoms(
  c: Checker,
  rs: Obj,
  rsPath: string,
  opts: { international: boolean; packageWeightUnits: Set<string> },
): CustomsFacts | undefined {
  const ccPath = join(rsPath, 'customsClearanceDetail');
  const cc = c.obj(rs, 'customsClearanceDetail', rsPath, opts.international);
  if (!cc) return undefined;
  const currencies = new Set<string>();

  const ciPath = join(ccPath, 'commercialInvoice');
  const ci = c.obj(cc, 'commercialInvoice', ccPath, true);
  if (ci) {
    c.str(ci, 'shipmentPurpose', ciPath, { enum: SHIPMENT_PURPOSES });
    c.str(ci, 'termsOfSale', ciPath, { maxLength: 3 });
    c.str(ci, 'declarationStatement', ciPath, { maxLength: 554 });
  }

  const dpPath = join(ccPath, 'dutiesPayment');
  const dp = c.obj(cc, 'dutiesPayment', ccPath, false);
  if (dp) {
    const type = c.str(dp, 'paymentType', dpPath, { required: true, enum: PAYMENT_TYPES });
    if (type && type !== 'SENDER') {
      const payor = c.obj(dp, 'payor', dpPath, true);
      const rp = payor ? c.obj(payor, 'responsibleParty', join(dpPath, 'payor'), true) : undefined;
      const rpPath = join(join(dpPath, 'payor'), 'responsibleParty');
      const acct = rp ? c.obj(rp, 'accountNumber', rpPath, true) : undefined;
      if (acct) c.str(acct, 'value', join(rpPath, 'accountNumber'), { required: true, maxLength: 9 });
    }
  }
  c.bool(cc, 'isDocumentOnly', ccPath);
  const total = money(c, cc, 'totalCustomsValue', ccPath, false, currencies);

  const rci = c.obj(cc, 'recipientCustomsId', ccPath, false);
  if (rci) c.str(rci, 'type', join(ccPath, 'recipientCustomsId'), { enum: ['COMPANY', 'INDIVIDUAL', 'PASSPORT'] });
  const ior = c.obj(cc, 'importerOfRecord', ccPath, false);
  if (ior) c.obj(ior, 'contact', join(ccPath, 'importerOfRecord'), true);
  const ed = c.obj(cc, 'exportDetail', ccPath, false);
  if (ed) c.str(ed, 'exportComplianceStatement', join(ccPath, 'exportDetail'), {});

  const comPath = join(ccPath, 'commodities');
  const commodities = c.arr(cc, 'commodities', ccPath, { required: true, minItems: 1, maxItems: MAX_COMMODITIES });
  let sum = 0;
  commodities?.forEach((item, i) => {
    const p = join(comPath, i);
    if (!isObj(item)) {
      c.add(p, 'must be an object');
      return;
    }
    c.str(item, 'description', p, { required: true, maxLength: DESCRIPTION_MAX });
    c.str(item, 'countryOfManufacture', p, {
      required: opts.international,
      maxLength: 4,
      pattern: /^[A-Za-z]{2,4}$/,
      patternReason: 'must be a country code',
    });
    c.str(item, 'harmonizedCode', p, {});
    c.str(item, 'partNumber', p, {});
    c.str(item, 'quantityUnits', p, {});
    c.str(item, 'purpose', p, { enum: COMMODITY_PURPOSES });
    c.num(item, 'quantity', p, { integer: true, min: 0 });
    c.num(item, 'numberOfPieces', p, { integer: true, min: 0, max: 9999 });
    money(c, item, 'unitPrice', p, false, currencies);
    const value = money(c, item, 'customsValue', p, false, currencies);
    if (value !== undefined) sum += value;
    const w = c.obj(item, 'weight', p, false);
    if (w) {
      const units = c.str(w, 'units', join(p, 'weight'), { required: true, enum: ['KG', 'LB'] });
      c.num(w, 'value', join(p, 'weight'), { required: true, min: 0 });
      // Weight_4: "The package and commodity weight unit should be the same else the request will
      // result in an error."
      if (units && opts.packageWeightUnits.size && !opts.packageWeightUnits.has(units)) {
        c.add(
          join(join(p, 'weight'), 'units'),
          `must be the packages' weight unit (${[...opts.packageWeightUnits].join(', ')})`,
          'COMMODITY.WEIGHTUNITS.MISMATCH',
          'The package and commodity weight unit should be the same.',
        );
      }
    }
  });
  if (currencies.size > 1) {
    c.add(
      ccPath,
      `all customs amounts must use one currency; got ${[...currencies].join(', ')}`,
      'CUSTOMS.CURRENCY.MISMATCH',
      'Currency type should be the same for all customs values.',
    );
  }
  if (total !== undefined && Math.abs(total - sum) > 0.011 * Math.max(1, commodities?.length ?? 1)) {
    c.add(
      join(ccPath, 'totalCustomsValue'),
      `must equal the sum of the commodities' customs values (${sum.toFixed(2)}); got ${total}`,
      'CUSTOMS.VALUE.MISMATCH',
      'The total customs value does not match the sum of the commodity customs values.',
    );
  }

  // Trade documents: ELECTRONIC_TRADE_DOCUMENTS with etdDetail, FedEx-generated ones listed in
  // shippingDocumentSpecification.shippingDocumentTypes.
  const documents: string[] = [];
  let postShipmentUpload = false;
  const ss = isObj(rs.shipmentSpecialServices) ? rs.shipmentSpecialServices : undefined;
  const types = ss && Array.isArray(ss.specialServiceTypes) ? ss.specialServiceTypes : [];
  const ssPath = join(rsPath, 'shipmentSpecialServices');
  const etd = ss ? c.obj(ss, 'etdDetail', ssPath, false) : undefined;
  if (etd && !types.includes('ELECTRONIC_TRADE_DOCUMENTS')) {
    c.add(join(ssPath, 'specialServiceTypes'), 'must include ELECTRONIC_TRADE_DOCUMENTS when etdDetail is sent');
  }
  if (etd) {
    const attrs = c.arr(etd, 'attributes', join(ssPath, 'etdDetail'), {});
    attrs?.forEach((a, i) => {
      if (a !== 'POST_SHIPMENT_UPLOAD_REQUESTED')
        c.add(join(join(join(ssPath, 'etdDetail'), 'attributes'), i), `invalid value '${String(a)}'`);
      else postShipmentUpload = true;
    });
    const req = c.arr(etd, 'requestedDocumentTypes', join(ssPath, 'etdDetail'), {});
    req?.forEach((d, i) => {
      if (typeof d !== 'string' || !DOCUMENT_TYPES.includes(d))
        c.add(join(join(join(ssPath, 'etdDetail'), 'requestedDocumentTypes'), i), `invalid value '${String(d)}'`);
    });
  }
  const sdsPath = join(rsPath, 'shippingDocumentSpecification');
  const sds = c.obj(rs, 'shippingDocumentSpecification', rsPath, false);
  if (sds) {
    const docTypes = c.arr(sds, 'shippingDocumentTypes', sdsPath, {});
    docTypes?.forEach((d, i) => {
      if (typeof d !== 'string' || !DOCUMENT_TYPES.includes(d))
        c.add(join(join(sdsPath, 'shippingDocumentTypes'), i), `invalid value '${String(d)}'`);
      else if (!postShipmentUpload) documents.push(d);
    });
    const cid = c.obj(sds, 'commercialInvoiceDetail', sdsPath, false);
    const fmt = cid ? c.obj(cid, 'documentFormat', join(sdsPath, 'commercialInvoiceDetail'), false) : undefined;
    if (fmt) c.str(fmt, 'docType', join(join(sdsPath, 'commercialInvoiceDetail'), 'documentFormat'), { enum: ['PDF'] });
  }
  return {
    documents,
    postShipmentUpload,
    currency: currencies.size === 1 ? [...currencies][0] : undefined,
    totalCustomsValue: total ?? sum,
    commodityCount: commodities?.length ?? 0,
  };
}

/** The recipient's tax ids (Party_1.tins[]: number <= 18, tinType). */
export function checkTins(c: Checker, party: Obj, path: string): void {
  const tins = c.arr(party, 'tins', path, {});
  tins?.forEach((t, i) => {
    const p = join(join(path, 'tins'), i);
    if (!isObj(t)) {
      c.add(p, 'must be an object');
      return;
    }
    c.str(t, 'number', p, { required: true, maxLength: 18 });
    c.str(t, 'tinType', p, { required: true, enum: TIN_TYPES });
  });
}
