/**
 * Request validation derived from FedEx's OpenAPI specs (Shipment-, LTLFreight-, TrackingNumbers-
 * Resource.json, ReferenceNumbers) and reference §3–§5. Each validator returns a normalised request
 * or the list of issues; routes turn issues into FedEx's 400 envelope.
 *
 * Only rules FedEx documents are enforced; where FedEx's own samples contradict a "required" in the
 * schema (totalWeight, dimensions with YOUR_PACKAGING) the sim follows the samples (see README).
 */
import {
  CUSTOMER_REFERENCE_TYPES,
  DELETION_CONTROLS,
  FREIGHT_CLASSES,
  FREIGHT_ROLES,
  IMAGE_TYPES,
  LABEL_RESPONSE_OPTIONS,
  LABEL_STOCK_TYPES,
  LTL_PAYMENT_TYPES,
  LTL_SERVICE_TYPES,
  MERGE_LABEL_DOC_OPTIONS,
  PACKAGING_TYPES,
  PAPER_STOCKS,
  PARCEL_SERVICE_TYPES,
  PAYMENT_TYPES,
  PICKUP_TYPES,
  POSTAL_AWARE_COUNTRIES,
  PRINTED_REFERENCE_TYPES,
  PROCESSING_OPTION_TYPES,
  SERVICES,
  SHIP_ACTIONS,
  STATE_REQUIRED_COUNTRIES,
  SUB_PACKAGING_TYPES,
  TRACK_CARRIER_CODES,
  WEIGHT_UNITS,
  maxPackageWeightLb,
  packagingAllowed,
} from './catalog';
import { Checker, type FieldIssue, type Obj, isObj, join } from './checker';
import { checkCustoms, checkTins, type CustomsFacts } from './customs-check';

export type { FieldIssue } from './checker';

export type Validation<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

export const MAX_PACKAGE_LINE_ITEMS = 30;
export const MAX_LTL_PACKAGE_LINE_ITEMS = 99;
export const MAX_SYNC_PIECES = 40;
export const MAX_TRACKING_INFO = 30;
export const STREET_LINE_MAX = 35;
export const CITY_MAX = 35;
export const POSTAL_MAX = 10;
export const PERSON_NAME_MAX = 70;
export const COMPANY_NAME_MAX = 35;
export const ACCOUNT_NUMBER_MAX = 9;

/** Max value length per customerReferenceType [spec CustomerReference_1.value]. */
export function referenceMaxLength(type: string, groundService: boolean): number {
  switch (type) {
    case 'CUSTOMER_REFERENCE':
      return groundService ? 30 : 40;
    case 'RMA_ASSOCIATION':
      return 20;
    default:
      return 30;
  }
}

const KG_TO_LB = 2.20462;

/* ---------------------------------------------------------------- shared parts --------- */

export interface NormalizedContact {
  personName?: string;
  companyName?: string;
  phoneNumber: string;
  emailAddress?: string;
  phoneExtension?: string;
}

export interface NormalizedAddress {
  streetLines: string[];
  city: string;
  stateOrProvinceCode?: string;
  postalCode?: string;
  countryCode: string;
  residential: boolean;
}

export interface NormalizedParty {
  contact: NormalizedContact;
  address: NormalizedAddress;
}

function checkAddress(
  c: Checker,
  parent: Obj | undefined,
  key: string,
  path: string,
  opts: { ignoreExtraLines?: boolean } = {},
): NormalizedAddress | undefined {
  const p = join(path, key);
  const a = c.obj(parent, key, path, true);
  if (!a) return undefined;
  const before = c.issues.length;
  const lines = c.arr(a, 'streetLines', p, { required: true, minItems: 1 }) ?? [];
  const streetLines: string[] = [];
  lines.forEach((line, i) => {
    const lp = join(join(p, 'streetLines'), i);
    if (line === '' || (typeof line === 'string' && line.trim() === '')) {
      c.add(lp, 'empty street lines must not be included');
      return;
    }
    const s = c.strValue(line, lp, { required: true, maxLength: STREET_LINE_MAX });
    if (s !== undefined) streetLines.push(s);
  });
  const city = c.str(a, 'city', p, { required: true, maxLength: CITY_MAX });
  const countryRaw = c.str(a, 'countryCode', p, {
    required: true,
    pattern: /^[A-Za-z]{2}$/,
    patternReason: 'must be a two-letter ISO country code',
  });
  const countryCode = countryRaw?.toUpperCase();
  const stateRequired = countryCode !== undefined && STATE_REQUIRED_COUNTRIES.has(countryCode);
  const state = c.str(a, 'stateOrProvinceCode', p, {
    required: stateRequired,
    emptyIsAbsent: !stateRequired,
    ...(stateRequired
      ? { pattern: /^[A-Za-z]{2}$/, patternReason: `must be a two-letter state/province code for ${countryCode}` }
      : {}),
  });
  const postalRequired = countryCode !== undefined && POSTAL_AWARE_COUNTRIES.has(countryCode);
  const postalCode = c.str(a, 'postalCode', p, {
    required: postalRequired,
    emptyIsAbsent: !postalRequired,
    maxLength: POSTAL_MAX,
  });
  const residential = c.bool(a, 'residential', p) ?? false;
  if (c.issues.length > before || city === undefined || countryCode === undefined) return undefined;
  return {
    streetLines: opts.ignoreExtraLines ? streetLines.slice(0, 3) : streetLines,
    city,
    stateOrProvinceCode: state?.toUpperCase(),
    postalCode,
    countryCode,
    residential,
  };
}

/** 10–15 digits; US/CA/PR exactly 10 plus an optional leading 1 / +1 [spec PartyContact.phoneNumber]. */
function checkPhone(c: Checker, contact: Obj, path: string, countryCode: string | undefined): string | undefined {
  const p = join(path, 'phoneNumber');
  const raw = c.str(contact, 'phoneNumber', path, { required: true });
  if (raw === undefined) return undefined;
  const compact = raw.replace(/[\s\-().]/g, '');
  const digits = compact.startsWith('+') ? compact.slice(1) : compact;
  if (!/^\d+$/.test(digits)) {
    c.add(p, 'must contain digits only');
    return undefined;
  }
  if (countryCode && STATE_REQUIRED_COUNTRIES.has(countryCode)) {
    const ok = digits.length === 10 || (digits.length === 11 && digits.startsWith('1'));
    if (!ok) {
      c.add(p, `must have exactly 10 digits for ${countryCode} (optionally prefixed by 1 or +1); got ${digits.length}`);
      return undefined;
    }
    return digits.length === 11 ? digits.slice(1) : digits;
  }
  if (digits.length < 10 || digits.length > 15) {
    c.add(p, `must have 10 to 15 digits; got ${digits.length}`);
    return undefined;
  }
  return digits;
}

function checkContact(
  c: Checker,
  parent: Obj | undefined,
  key: string,
  path: string,
  countryCode: string | undefined,
): NormalizedContact | undefined {
  const p = join(path, key);
  const o = c.obj(parent, key, path, true);
  if (!o) return undefined;
  const before = c.issues.length;
  const personName = c.str(o, 'personName', p, { maxLength: PERSON_NAME_MAX, emptyIsAbsent: true });
  const companyName = c.str(o, 'companyName', p, { maxLength: COMPANY_NAME_MAX, emptyIsAbsent: true });
  if ((o.personName === undefined || o.personName === '') && (o.companyName === undefined || o.companyName === '')) {
    c.add(join(p, 'personName'), 'either personName or companyName is required');
  }
  const phoneNumber = checkPhone(c, o, p, countryCode);
  const emailAddress = c.str(o, 'emailAddress', p, { maxLength: 80, emptyIsAbsent: true });
  const phoneExtension = c.str(o, 'phoneExtension', p, { maxLength: 6, emptyIsAbsent: true });
  if (c.issues.length > before || phoneNumber === undefined) return undefined;
  return { personName, companyName, phoneNumber, emailAddress, phoneExtension };
}

/** Address first: the phone rule depends on the country. */
function checkParty(
  c: Checker,
  parent: Obj | undefined,
  key: string,
  path: string,
  opts: { ignoreExtraLines?: boolean } = {},
): NormalizedParty | undefined {
  const p = join(path, key);
  const o = c.obj(parent, key, path, true);
  if (!o) return undefined;
  const rawCountry =
    isObj(o.address) && typeof o.address.countryCode === 'string' ? o.address.countryCode.toUpperCase() : undefined;
  const address = checkAddress(c, o, 'address', p, opts);
  const contact = checkContact(c, o, 'contact', p, rawCountry);
  if (!address || !contact) return undefined;
  return { address, contact };
}

/** Validates a party object that sits in an array (recipients[i]). */
function checkPartyAt(c: Checker, v: Obj, path: string): NormalizedParty | undefined {
  const rawCountry =
    isObj(v.address) && typeof v.address.countryCode === 'string' ? v.address.countryCode.toUpperCase() : undefined;
  const address = checkAddress(c, v, 'address', path);
  const contact = checkContact(c, v, 'contact', path, rawCountry);
  if (!address || !contact) return undefined;
  return { address, contact };
}

function checkAccount(c: Checker, body: Obj, key = 'accountNumber', path = ''): string | undefined {
  const o = c.obj(body, key, path, true);
  if (!o) return undefined;
  return c.str(o, 'value', join(path, key), { required: true, maxLength: ACCOUNT_NUMBER_MAX });
}

function checkLabelSpec(
  c: Checker,
  parent: Obj,
  path: string,
): { imageType: string; labelStockType: string } | undefined {
  const p = join(path, 'labelSpecification');
  const o = c.obj(parent, 'labelSpecification', path, true);
  if (!o) return undefined;
  const imageType = c.str(o, 'imageType', p, { required: true, enum: IMAGE_TYPES });
  const labelStockType = c.str(o, 'labelStockType', p, { required: true, enum: LABEL_STOCK_TYPES });
  if (!imageType || !labelStockType) return undefined;
  const paper = (PAPER_STOCKS as readonly string[]).includes(labelStockType);
  const wantsPaper = imageType === 'PDF' || imageType === 'PNG';
  if (paper !== wantsPaper) {
    c.add(
      join(p, 'labelStockType'),
      wantsPaper
        ? `${labelStockType} is a thermal stock; ${imageType} needs a PAPER_* stock`
        : `${labelStockType} is a paper stock; ${imageType} needs a STOCK_* stock`,
    );
    return undefined;
  }
  return { imageType, labelStockType };
}

function checkWeight(
  c: Checker,
  parent: Obj,
  path: string,
  required: boolean,
): { units: string; value: number; lb: number } | undefined {
  const p = join(path, 'weight');
  const w = c.obj(parent, 'weight', path, required);
  if (!w) return undefined;
  const units = c.str(w, 'units', p, { required: true, enum: WEIGHT_UNITS });
  const value = c.num(w, 'value', p, { required: true, positive: true });
  if (!units || value === undefined) return undefined;
  return { units, value, lb: units === 'KG' ? value * KG_TO_LB : value };
}

function checkDimensions(
  c: Checker,
  parent: Obj,
  path: string,
): { length: number; width: number; height: number; units: string } | undefined {
  const p = join(path, 'dimensions');
  const d = c.obj(parent, 'dimensions', path, false);
  if (!d) return undefined;
  // "Dimensions are optional but when added, then all three dimensions must be indicated." Max 999.
  const length = c.num(d, 'length', p, { required: true, integer: true, min: 1, max: 999 });
  const width = c.num(d, 'width', p, { required: true, integer: true, min: 1, max: 999 });
  const height = c.num(d, 'height', p, { required: true, integer: true, min: 1, max: 999 });
  if (length === undefined || width === undefined || height === undefined) return undefined;
  // "Any value other than CM including blank/null will default to IN."
  return { length, width, height, units: d.units === 'CM' ? 'CM' : 'IN' };
}

/* ---------------------------------------------------------------- ship create/validate -- */

export interface NormalizedReference {
  type: string;
  value: string;
}

export interface NormalizedPackage {
  sequenceNumber: number;
  groupPackageCount: number;
  weight?: { units: string; value: number };
  weightLb: number;
  dimensions?: { length: number; width: number; height: number; units: string };
  references: NormalizedReference[];
}

export interface ShipRequest {
  accountNumber: string;
  labelResponseOptions: 'URL_ONLY' | 'LABEL';
  mergeLabelDocOption: string;
  processingOptionType: string;
  shipDatestamp?: string;
  pickupType: string;
  serviceType: string;
  packagingType: string;
  totalWeight?: number;
  shipper: NormalizedParty;
  recipient: NormalizedParty;
  paymentType: string;
  payorAccountNumber?: string;
  imageType: string;
  labelStockType: string;
  packages: NormalizedPackage[];
  pieceCount: number;
  international: boolean;
  /** Customs facts of an international shipment (documents FedEx generates). */
  customs?: CustomsFacts;
}

export interface ShipValidationOptions {
  requireTotalWeight: boolean;
}

export function validateShipRequest(
  body: unknown,
  mode: 'create' | 'validate',
  opts: ShipValidationOptions,
): Validation<ShipRequest> {
  const c = new Checker();
  if (!isObj(body)) {
    c.add('', 'request body must be a JSON object');
    return { ok: false, issues: c.issues };
  }
  const accountNumber = checkAccount(c, body);
  const labelResponseOptions = c.str(body, 'labelResponseOptions', '', {
    required: mode === 'create',
    enum: LABEL_RESPONSE_OPTIONS,
  }) as ShipRequest['labelResponseOptions'] | undefined;
  const mergeLabelDocOption =
    c.str(body, 'mergeLabelDocOption', '', { enum: MERGE_LABEL_DOC_OPTIONS }) ?? 'LABELS_AND_DOCS';
  c.str(body, 'shipAction', '', { enum: SHIP_ACTIONS });
  const processingOptionType =
    c.str(body, 'processingOptionType', '', { enum: PROCESSING_OPTION_TYPES }) ?? 'SYNCHRONOUS_ONLY';
  c.bool(body, 'oneLabelAtATime', '');

  const rsPath = 'requestedShipment';
  const rs = c.obj(body, 'requestedShipment', '', true);
  if (!rs) return { ok: false, issues: c.issues };

  const shipDatestamp = c.date(rs, 'shipDatestamp', rsPath);
  const pickupType = c.str(rs, 'pickupType', rsPath, { required: true, enum: PICKUP_TYPES });
  const serviceType = c.str(rs, 'serviceType', rsPath, { required: true });
  if (serviceType !== undefined && !PARCEL_SERVICE_TYPES.includes(serviceType)) {
    const hint = LTL_SERVICE_TYPES.includes(serviceType) ? ' (LTL services use /ship/v1/freight/shipments)' : '';
    c.add(
      join(rsPath, 'serviceType'),
      `invalid value '${serviceType}'${hint}; expected one of ${PARCEL_SERVICE_TYPES.join(', ')}`,
    );
  }
  const packagingType = c.str(rs, 'packagingType', rsPath, { required: true, enum: PACKAGING_TYPES });
  const totalWeight = c.num(rs, 'totalWeight', rsPath, { required: opts.requireTotalWeight, positive: true });

  const shipper = checkParty(c, rs, 'shipper', rsPath);
  const recipients = c.arr(rs, 'recipients', rsPath, { required: true, minItems: 1 });
  let recipient: NormalizedParty | undefined;
  recipients?.forEach((r, i) => {
    const p = join(join(rsPath, 'recipients'), i);
    if (!isObj(r)) {
      c.add(p, 'must be an object');
      return;
    }
    const party = checkPartyAt(c, r, p);
    if (i === 0) recipient = party;
  });

  const payPath = join(rsPath, 'shippingChargesPayment');
  const pay = c.obj(rs, 'shippingChargesPayment', rsPath, true);
  const paymentType = pay ? c.str(pay, 'paymentType', payPath, { required: true, enum: PAYMENT_TYPES }) : undefined;
  let payorAccountNumber: string | undefined;
  if (pay) {
    const payor = c.obj(pay, 'payor', payPath, paymentType !== undefined && paymentType !== 'SENDER');
    if (payor) {
      const rpPath = join(join(payPath, 'payor'), 'responsibleParty');
      const rp = c.obj(payor, 'responsibleParty', join(payPath, 'payor'), true);
      if (rp) {
        const acct = c.obj(rp, 'accountNumber', rpPath, paymentType !== 'SENDER');
        if (acct) {
          payorAccountNumber = c.str(acct, 'value', join(rpPath, 'accountNumber'), {
            required: paymentType !== 'SENDER',
            maxLength: ACCOUNT_NUMBER_MAX,
            emptyIsAbsent: paymentType === 'SENDER',
          });
        }
      }
    }
    if (
      paymentType === 'SENDER' &&
      payorAccountNumber !== undefined &&
      accountNumber !== undefined &&
      payorAccountNumber !== accountNumber
    ) {
      c.add(
        join(join(join(join(payPath, 'payor'), 'responsibleParty'), 'accountNumber'), 'value'),
        'must equal accountNumber.value when paymentType is SENDER',
        'ACCOUNT.NUMBER.MISMATCH',
        'When payment Type is SENDER, ShippingChargesPayment Payor AccountNumber should match the shipper account number.',
      );
    }
  }

  const label = checkLabelSpec(c, rs, rsPath);

  const specialTypes =
    isObj(rs.shipmentSpecialServices) && Array.isArray(rs.shipmentSpecialServices.specialServiceTypes)
      ? rs.shipmentSpecialServices.specialServiceTypes
      : [];
  const oneRate = specialTypes.includes('FEDEX_ONE_RATE');
  const serviceInfo = serviceType !== undefined ? SERVICES[serviceType] : undefined;
  const groundService = serviceInfo?.ground ?? false;

  const itemsPath = join(rsPath, 'requestedPackageLineItems');
  const items = c.arr(rs, 'requestedPackageLineItems', rsPath, {
    required: true,
    minItems: 1,
    maxItems: mode === 'validate' ? 1 : MAX_PACKAGE_LINE_ITEMS,
  });
  const packages: NormalizedPackage[] = [];
  items?.forEach((item, i) => {
    const p = join(itemsPath, i);
    if (!isObj(item)) {
      c.add(p, 'must be an object');
      return;
    }
    const seq = c.num(item, 'sequenceNumber', p, { integer: true, min: 1 }) ?? i + 1;
    const group = c.num(item, 'groupPackageCount', p, { integer: true, min: 1 }) ?? 1;
    const weight = checkWeight(c, item, p, !oneRate);
    if (weight && serviceType !== undefined && weight.lb > maxPackageWeightLb(serviceType) + 1e-9) {
      c.add(
        join(join(p, 'weight'), 'value'),
        `package weight ${weight.lb.toFixed(1)} LB exceeds the ${maxPackageWeightLb(serviceType)} LB limit of ${serviceType}`,
      );
    }
    const dimensions = checkDimensions(c, item, p);
    const refs: NormalizedReference[] = [];
    const refArr = c.arr(item, 'customerReferences', p, {});
    refArr?.forEach((r, j) => {
      const rp = join(join(p, 'customerReferences'), j);
      if (!isObj(r)) {
        c.add(rp, 'must be an object');
        return;
      }
      const type = c.str(r, 'customerReferenceType', rp, { required: true, enum: CUSTOMER_REFERENCE_TYPES });
      const max = type ? referenceMaxLength(type, groundService) : 40;
      const value = c.str(r, 'value', rp, { required: true, maxLength: max });
      if (type && value !== undefined) refs.push({ type, value });
    });
    packages.push({
      sequenceNumber: seq,
      groupPackageCount: group,
      weight: weight ? { units: weight.units, value: weight.value } : undefined,
      weightLb: weight?.lb ?? 0,
      dimensions,
      references: refs,
    });
  });
  const pieceCount = packages.reduce((n, pk) => n + pk.groupPackageCount, 0);
  if (mode === 'create' && pieceCount > MAX_SYNC_PIECES && processingOptionType !== 'ALLOW_ASYNCHRONOUS') {
    c.add(
      'processingOptionType',
      `ALLOW_ASYNCHRONOUS is required for more than ${MAX_SYNC_PIECES} packages (got ${pieceCount})`,
    );
  }

  if (
    serviceType !== undefined &&
    packagingType !== undefined &&
    serviceInfo &&
    !packagingAllowed(serviceType, packagingType)
  ) {
    c.add(
      join(rsPath, 'packagingType'),
      `${packagingType} cannot be used with ${serviceType}`,
      'SERVICE.PACKAGECOMBINATION.INVALID',
      'Invalid service and packaging combination.',
    );
  }
  if (serviceType === 'SMART_POST') {
    const spPath = join(rsPath, 'smartPostInfoDetail');
    const sp = c.obj(rs, 'smartPostInfoDetail', rsPath, true);
    if (sp) {
      c.str(sp, 'hubId', spPath, {
        required: true,
        pattern: /^\d{4}$/,
        patternReason: 'must be the four-digit hub id',
      });
      c.str(sp, 'indicia', spPath, {
        required: true,
        enum: ['MEDIA_MAIL', 'PARCEL_RETURN', 'PARCEL_SELECT', 'PRESORTED_BOUND_PRINTED_MATTER', 'PRESORTED_STANDARD'],
      });
    }
  }
  const international =
    shipper !== undefined && recipient !== undefined && shipper.address.countryCode !== recipient.address.countryCode;
  const customs = checkCustoms(c, rs, rsPath, {
    international: international || serviceInfo?.international === true,
    packageWeightUnits: new Set(packages.map((pk) => pk.weight?.units).filter((u): u is string => u !== undefined)),
  });
  if (Array.isArray(rs.recipients) && isObj(rs.recipients[0]))
    checkTins(c, rs.recipients[0], join(join(rsPath, 'recipients'), 0));
  if (international && serviceType !== undefined && serviceInfo && !serviceInfo.international) {
    // FedEx Ground crosses one border: International Ground, US -> Canada.
    const ground = serviceType === 'FEDEX_GROUND' && recipient?.address.countryCode === 'CA';
    if (!ground)
      c.add(
        join(rsPath, 'serviceType'),
        `${serviceType} is not offered from ${shipper?.address.countryCode} to ${recipient?.address.countryCode}`,
        'SERVICETYPE.NOT.ALLOWED',
        'The service type is not available for the origin and destination.',
      );
  }

  if (
    !c.ok ||
    !accountNumber ||
    !pickupType ||
    !serviceType ||
    !packagingType ||
    !shipper ||
    !recipient ||
    !paymentType ||
    !label
  ) {
    return { ok: false, issues: c.issues };
  }
  return {
    ok: true,
    value: {
      accountNumber,
      labelResponseOptions: labelResponseOptions ?? 'LABEL',
      mergeLabelDocOption,
      processingOptionType,
      shipDatestamp,
      pickupType,
      serviceType,
      packagingType,
      totalWeight,
      shipper,
      recipient,
      paymentType,
      payorAccountNumber,
      imageType: label.imageType,
      labelStockType: label.labelStockType,
      packages,
      pieceCount,
      international,
      customs,
    },
  };
}

/* ---------------------------------------------------------------- cancel --------------- */

export interface CancelRequest {
  accountNumber: string;
  trackingNumber: string;
  senderCountryCode?: string;
  emailShipment: boolean;
}

export function validateCancelRequest(body: unknown): Validation<CancelRequest> {
  const c = new Checker();
  if (!isObj(body)) {
    c.add('', 'request body must be a JSON object');
    return { ok: false, issues: c.issues };
  }
  const accountNumber = checkAccount(c, body);
  const trackingNumber = c.str(body, 'trackingNumber', '', { required: true });
  const senderCountryCode = c.str(body, 'senderCountryCode', '', {
    pattern: /^[A-Za-z]{2}$/,
    patternReason: 'must be a two-letter country code',
    emptyIsAbsent: true,
  });
  c.str(body, 'deletionControl', '', { enum: DELETION_CONTROLS });
  const emailShipment = c.bool(body, 'emailShipment', '') ?? false;
  if (!c.ok || !accountNumber || !trackingNumber) return { ok: false, issues: c.issues };
  return { ok: true, value: { accountNumber, trackingNumber, senderCountryCode, emailShipment } };
}

/* ---------------------------------------------------------------- async results -------- */

export function validateResultsRequest(body: unknown): Validation<{ accountNumber: string; jobId: string }> {
  const c = new Checker();
  if (!isObj(body)) {
    c.add('', 'request body must be a JSON object');
    return { ok: false, issues: c.issues };
  }
  const accountNumber = checkAccount(c, body);
  const jobId = c.str(body, 'jobId', '', { required: true });
  if (!c.ok || !accountNumber || !jobId) return { ok: false, issues: c.issues };
  return { ok: true, value: { accountNumber, jobId } };
}

/* ---------------------------------------------------------------- LTL freight ---------- */

export interface LtlLineItem {
  id: string;
  description: string;
  freightClass: string;
  pieces: number;
  handlingUnits?: number;
  subPackagingType: string;
  weightLb: number;
  purchaseOrderNumber?: string;
}

export interface LtlRequest {
  accountNumber: string;
  labelResponseOptions: 'URL_ONLY' | 'LABEL';
  shipDatestamp?: string;
  pickupType: string;
  serviceType: string;
  packagingType: string;
  shipper: NormalizedParty;
  recipient: NormalizedParty;
  paymentType: string;
  imageType: string;
  labelStockType: string;
  role: string;
  totalHandlingUnits: number;
  lineItems: LtlLineItem[];
  printedReferences: NormalizedReference[];
  handlingUnits: Array<{
    weightLb: number;
    subPackagingType: string;
    lineItemIds: string[];
    references: NormalizedReference[];
  }>;
}

export function validateLtlRequest(body: unknown): Validation<LtlRequest> {
  const c = new Checker();
  if (!isObj(body)) {
    c.add('', 'request body must be a JSON object');
    return { ok: false, issues: c.issues };
  }
  const accountNumber = checkAccount(c, body);
  const labelResponseOptions = c.str(body, 'labelResponseOptions', '', {
    required: true,
    enum: LABEL_RESPONSE_OPTIONS,
  }) as LtlRequest['labelResponseOptions'] | undefined;
  c.bool(body, 'oneLabelAtATime', '');
  const rsPath = 'freightRequestedShipment';
  const rs = c.obj(body, 'freightRequestedShipment', '', true);
  if (!rs) return { ok: false, issues: c.issues };

  const shipDatestamp = c.date(rs, 'shipDatestamp', rsPath);
  const pickupType = c.str(rs, 'pickupType', rsPath, { required: true, enum: PICKUP_TYPES });
  const serviceType = c.str(rs, 'serviceType', rsPath, { required: true, enum: LTL_SERVICE_TYPES });
  const packagingType = c.str(rs, 'packagingType', rsPath, { required: true, enum: PACKAGING_TYPES });
  // "Streetlines more than 3 will be ignored" [LTL spec PartyAddress].
  const shipper = checkParty(c, rs, 'shipper', rsPath, { ignoreExtraLines: true });
  const recipient = checkParty(c, rs, 'recipient', rsPath, { ignoreExtraLines: true });

  const payPath = join(rsPath, 'shippingChargesPayment');
  const pay = c.obj(rs, 'shippingChargesPayment', rsPath, true);
  const paymentType = pay ? c.str(pay, 'paymentType', payPath, { required: true, enum: LTL_PAYMENT_TYPES }) : undefined;
  if (pay && paymentType && paymentType !== 'SENDER') {
    const payor = c.obj(pay, 'payor', payPath, true);
    const rp = payor ? c.obj(payor, 'responsibleParty', join(payPath, 'payor'), true) : undefined;
    const rpPath = join(join(payPath, 'payor'), 'responsibleParty');
    const acct = rp ? c.obj(rp, 'accountNumber', rpPath, true) : undefined;
    if (acct) c.str(acct, 'value', join(rpPath, 'accountNumber'), { required: true, maxLength: ACCOUNT_NUMBER_MAX });
  }
  const label = checkLabelSpec(c, rs, rsPath);

  const fdPath = join(rsPath, 'freightShipmentDetail');
  const fd = c.obj(rs, 'freightShipmentDetail', rsPath, true);
  let role: string | undefined;
  let totalHandlingUnits: number | undefined;
  const lineItems: LtlLineItem[] = [];
  const printedReferences: NormalizedReference[] = [];
  if (fd) {
    role = c.str(fd, 'role', fdPath, { required: true, enum: FREIGHT_ROLES });
    totalHandlingUnits = c.num(fd, 'totalHandlingUnits', fdPath, { required: true, integer: true, min: 0 });
    // Bill-To shipments name an alternateBillingParty instead (FedEx's BillTo sample has neither).
    const billTo = isObj(fd.alternateBillingParty);
    const acct = c.obj(fd, 'fedExFreightAccountNumber', fdPath, !billTo);
    if (acct)
      c.str(acct, 'value', join(fdPath, 'fedExFreightAccountNumber'), {
        required: true,
        maxLength: ACCOUNT_NUMBER_MAX,
      });
    const billing = c.obj(fd, 'fedExFreightBillingContactAndAddress', fdPath, !billTo);
    if (billing)
      checkAddress(c, billing, 'address', join(fdPath, 'fedExFreightBillingContactAndAddress'), {
        ignoreExtraLines: true,
      });
    const refs = c.arr(fd, 'printedReferences', fdPath, {});
    refs?.forEach((r, i) => {
      const rp = join(join(fdPath, 'printedReferences'), i);
      if (!isObj(r)) {
        c.add(rp, 'must be an object');
        return;
      }
      const type = c.str(r, 'printedReferenceType', rp, { required: true, enum: PRINTED_REFERENCE_TYPES });
      const value = c.str(r, 'value', rp, { required: true });
      if (type && value !== undefined) printedReferences.push({ type, value });
    });
    const liPath = join(fdPath, 'lineItem');
    const items = c.arr(fd, 'lineItem', fdPath, { required: true, minItems: 1 });
    items?.forEach((li, i) => {
      const p = join(liPath, i);
      if (!isObj(li)) {
        c.add(p, 'must be an object');
        return;
      }
      const id = c.str(li, 'id', p, { required: true });
      const description = c.str(li, 'description', p, { required: true });
      const freightClass = c.str(li, 'freightClass', p, { required: true, enum: FREIGHT_CLASSES });
      const pieces = c.num(li, 'pieces', p, { required: true, integer: true, min: 1 });
      const handlingUnits = c.num(li, 'handlingUnits', p, { integer: true, min: 0 });
      const subPackagingType = c.str(li, 'subPackagingType', p, { required: true, enum: SUB_PACKAGING_TYPES });
      const weight = checkWeight(c, li, p, true);
      checkDimensions(c, li, p);
      const purchaseOrderNumber = c.str(li, 'purchaseOrderNumber', p, { emptyIsAbsent: true });
      if (id && description && freightClass && pieces !== undefined && subPackagingType && weight) {
        lineItems.push({
          id,
          description,
          freightClass,
          pieces,
          handlingUnits,
          subPackagingType,
          weightLb: weight.lb,
          purchaseOrderNumber,
        });
      }
    });
  }

  const rpliPath = join(rsPath, 'requestedPackageLineItems');
  const rpli = c.arr(rs, 'requestedPackageLineItems', rsPath, {
    required: true,
    minItems: 1,
    maxItems: MAX_LTL_PACKAGE_LINE_ITEMS,
  });
  const handlingUnits: LtlRequest['handlingUnits'] = [];
  const lineIds = new Set(lineItems.map((l) => l.id));
  rpli?.forEach((hu, i) => {
    const p = join(rpliPath, i);
    if (!isObj(hu)) {
      c.add(p, 'must be an object');
      return;
    }
    const subPackagingType = c.str(hu, 'subPackagingType', p, { required: true, enum: SUB_PACKAGING_TYPES });
    const weight = checkWeight(c, hu, p, true);
    const assoc = c.arr(hu, 'associatedFreightLineItems', p, { required: true, minItems: 1 });
    const ids: string[] = [];
    assoc?.forEach((a, j) => {
      const ap = join(join(p, 'associatedFreightLineItems'), j);
      if (!isObj(a)) {
        c.add(ap, 'must be an object');
        return;
      }
      const id = c.str(a, 'id', ap, { required: true });
      if (id !== undefined && lineIds.size > 0 && !lineIds.has(id))
        c.add(join(ap, 'id'), `no freightShipmentDetail.lineItem has id '${id}'`);
      if (id !== undefined) ids.push(id);
    });
    const refs: NormalizedReference[] = [];
    c.arr(hu, 'customerReferences', p, {})?.forEach((r, j) => {
      const rp = join(join(p, 'customerReferences'), j);
      if (!isObj(r)) return;
      const type = c.str(r, 'customerReferenceType', rp, { required: true, enum: CUSTOMER_REFERENCE_TYPES });
      const value = c.str(r, 'value', rp, { required: true, maxLength: type ? referenceMaxLength(type, false) : 40 });
      if (type && value !== undefined) refs.push({ type, value });
    });
    if (subPackagingType && weight)
      handlingUnits.push({ weightLb: weight.lb, subPackagingType, lineItemIds: ids, references: refs });
  });

  if (
    !c.ok ||
    !accountNumber ||
    !labelResponseOptions ||
    !pickupType ||
    !serviceType ||
    !packagingType ||
    !shipper ||
    !recipient ||
    !paymentType ||
    !label ||
    !role ||
    totalHandlingUnits === undefined
  ) {
    return { ok: false, issues: c.issues };
  }
  return {
    ok: true,
    value: {
      accountNumber,
      labelResponseOptions,
      shipDatestamp,
      pickupType,
      serviceType,
      packagingType,
      shipper,
      recipient,
      paymentType,
      imageType: label.imageType,
      labelStockType: label.labelStockType,
      role,
      totalHandlingUnits,
      lineItems,
      printedReferences,
      handlingUnits,
    },
  };
}

/* ---------------------------------------------------------------- track ---------------- */

export interface TrackItem {
  trackingNumber: string;
  carrierCode?: string;
  trackingNumberUniqueId?: string;
  shipDateBegin?: string;
  shipDateEnd?: string;
}

export interface TrackRequest {
  includeDetailedScans: boolean;
  items: TrackItem[];
}

export const TRACKING_EMPTY_CODE = 'TRACKING.TRACKINGNUMBER.EMPTY';

export function validateTrackRequest(body: unknown): Validation<TrackRequest> {
  const c = new Checker();
  if (!isObj(body)) {
    c.add('trackingInfo', 'required', TRACKING_EMPTY_CODE);
    return { ok: false, issues: c.issues };
  }
  const includeDetailedScans = c.bool(body, 'includeDetailedScans', '', true);
  const raw = body.trackingInfo;
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    c.add('trackingInfo', 'at least one trackingInfo entry is required', TRACKING_EMPTY_CODE);
    return { ok: false, issues: c.issues };
  }
  const infos = c.arr(body, 'trackingInfo', '', { required: true, maxItems: MAX_TRACKING_INFO });
  const items: TrackItem[] = [];
  infos?.forEach((info, i) => {
    const p = join('trackingInfo', i);
    if (!isObj(info)) {
      c.add(p, 'must be an object');
      return;
    }
    const tni = c.obj(info, 'trackingNumberInfo', p, true);
    const tp = join(p, 'trackingNumberInfo');
    if (!tni) return;
    const tn = tni.trackingNumber;
    if (tn === undefined || tn === null || (typeof tn === 'string' && tn.trim() === '')) {
      c.add(join(tp, 'trackingNumber'), 'required', TRACKING_EMPTY_CODE);
      return;
    }
    const trackingNumber = c.str(tni, 'trackingNumber', tp, { required: true });
    const carrierCode = c.str(tni, 'carrierCode', tp, { enum: TRACK_CARRIER_CODES, emptyIsAbsent: true });
    const trackingNumberUniqueId = c.str(tni, 'trackingNumberUniqueId', tp, { emptyIsAbsent: true });
    const shipDateBegin = c.date(info, 'shipDateBegin', p);
    const shipDateEnd = c.date(info, 'shipDateEnd', p);
    if (trackingNumber !== undefined)
      items.push({
        trackingNumber: trackingNumber.trim(),
        carrierCode,
        trackingNumberUniqueId,
        shipDateBegin,
        shipDateEnd,
      });
  });
  if (!c.ok || includeDetailedScans === undefined) return { ok: false, issues: c.issues };
  return { ok: true, value: { includeDetailedScans, items } };
}

export interface ReferenceTrackRequest {
  includeDetailedScans: boolean;
  type?: string;
  value: string;
  accountNumber?: string;
  carrierCode?: string;
  shipDateBegin?: string;
  shipDateEnd?: string;
  destinationCountryCode?: string;
  destinationPostalCode?: string;
}

/**
 * [spec ReferenceNumbers] "A referenceValue and accountNumber is required OR referenceType &
 * carrierCode, shipDateBegin and shipDateEnd, destinationPostalCode and destinationCountryCode".
 * The schema names the end date `shipDateEndDate` while its examples send `shipDateEnd`; both work.
 */
export function validateReferenceTrackRequest(body: unknown): Validation<ReferenceTrackRequest> {
  const c = new Checker();
  if (!isObj(body)) {
    c.add('referencesInformation', 'required');
    return { ok: false, issues: c.issues };
  }
  const includeDetailedScans = c.bool(body, 'includeDetailedScans', '') ?? false;
  const rp = 'referencesInformation';
  const ri = c.obj(body, 'referencesInformation', '', true);
  if (!ri) return { ok: false, issues: c.issues };
  const value = c.str(ri, 'value', rp, { required: true });
  const type = c.str(ri, 'type', rp, { emptyIsAbsent: true });
  const accountNumber = c.str(ri, 'accountNumber', rp, { emptyIsAbsent: true, maxLength: ACCOUNT_NUMBER_MAX });
  const carrierCode = c.str(ri, 'carrierCode', rp, { emptyIsAbsent: true, enum: TRACK_CARRIER_CODES });
  const shipDateBegin = c.date(ri, 'shipDateBegin', rp);
  const shipDateEnd = c.date(ri, 'shipDateEnd', rp) ?? c.date(ri, 'shipDateEndDate', rp);
  const destinationCountryCode = c
    .str(ri, 'destinationCountryCode', rp, { emptyIsAbsent: true, pattern: /^[A-Za-z]{2}$/ })
    ?.toUpperCase();
  const destinationPostalCode = c.str(ri, 'destinationPostalCode', rp, { emptyIsAbsent: true, maxLength: POSTAL_MAX });
  if (!accountNumber) {
    if (!destinationCountryCode)
      c.add(
        join(rp, 'destinationCountryCode'),
        'accountNumber or destinationCountryCode (+ destinationPostalCode) is required',
      );
    if (destinationCountryCode && POSTAL_AWARE_COUNTRIES.has(destinationCountryCode) && !destinationPostalCode) {
      c.add(join(rp, 'destinationPostalCode'), `required for ${destinationCountryCode} when no accountNumber is given`);
    }
    if (!type) c.add(join(rp, 'type'), 'required when no accountNumber is given');
  }
  if (!c.ok || value === undefined) return { ok: false, issues: c.issues };
  return {
    ok: true,
    value: {
      includeDetailedScans,
      type,
      value,
      accountNumber,
      carrierCode,
      shipDateBegin,
      shipDateEnd,
      destinationCountryCode,
      destinationPostalCode,
    },
  };
}
