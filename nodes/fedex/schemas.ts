/**
 * The project's own schemas of the FedEx requests the plugin sends, derived from FedEx's OpenAPI
 * files (Shipment-Resource, LTLFreight-Resource, TrackingNumbers-Resource: required fields,
 * enums, lengths) and reference/fedex-api.md §3–§5. They cover what the plugin produces, so a
 * bad X3 record is refused here with the X3 field named, before any call is made.
 */
import type { Schema } from 'ajv';
import { ajv, compileValidator, type Validator } from '../core/schema';
import { ValidationError } from '../core/errors';

/* ---------------------------------------------------------------- enums ---------------- */

export const LABEL_RESPONSE_OPTIONS = ['LABEL', 'URL_ONLY'] as const;
export const PICKUP_TYPES = ['DROPOFF_AT_FEDEX_LOCATION', 'CONTACT_FEDEX_TO_SCHEDULE', 'USE_SCHEDULED_PICKUP'] as const;
export const PAYMENT_TYPES = ['SENDER', 'RECIPIENT', 'THIRD_PARTY'] as const;
export const IMAGE_TYPES = ['PDF', 'PNG', 'ZPLII', 'EPL2'] as const;
export const PAPER_STOCKS = [
  'PAPER_4X6',
  'PAPER_4X675',
  'PAPER_4X8',
  'PAPER_4X9',
  'PAPER_7X475',
  'PAPER_85X11_TOP_HALF_LABEL',
  'PAPER_85X11_BOTTOM_HALF_LABEL',
  'PAPER_LETTER',
] as const;
export const THERMAL_STOCKS = [
  'STOCK_4X6',
  'STOCK_4X675',
  'STOCK_4X8',
  'STOCK_4X9',
  'STOCK_4X675_LEADING_DOC_TAB',
  'STOCK_4X675_TRAILING_DOC_TAB',
  'STOCK_4X9_LEADING_DOC_TAB',
  'STOCK_4X9_TRAILING_DOC_TAB',
  'STOCK_4X85_TRAILING_DOC_TAB',
  'STOCK_4X105_TRAILING_DOC_TAB',
] as const;
export const LABEL_STOCK_TYPES = [...PAPER_STOCKS, ...THERMAL_STOCKS] as const;
/** US parcel services listed in reference §3 (international ones need customs details the plugin does not build). */
export const PARCEL_SERVICE_TYPES = [
  'FEDEX_GROUND',
  'GROUND_HOME_DELIVERY',
  'SMART_POST',
  'PRIORITY_OVERNIGHT',
  'STANDARD_OVERNIGHT',
  'FIRST_OVERNIGHT',
  'FEDEX_2_DAY',
  'FEDEX_2_DAY_AM',
  'FEDEX_EXPRESS_SAVER',
  'FEDEX_1_DAY_FREIGHT',
  'FEDEX_2_DAY_FREIGHT',
  'FEDEX_3_DAY_FREIGHT',
  'FEDEX_INTERNATIONAL_PRIORITY',
  'INTERNATIONAL_ECONOMY',
] as const;
export const LTL_SERVICE_TYPES = ['FEDEX_FREIGHT_ECONOMY', 'FEDEX_FREIGHT_PRIORITY'] as const;
export const PACKAGING_TYPES = [
  'YOUR_PACKAGING',
  'FEDEX_ENVELOPE',
  'FEDEX_PAK',
  'FEDEX_BOX',
  'FEDEX_SMALL_BOX',
  'FEDEX_MEDIUM_BOX',
  'FEDEX_LARGE_BOX',
  'FEDEX_EXTRA_LARGE_BOX',
  'FEDEX_10KG_BOX',
  'FEDEX_25KG_BOX',
  'FEDEX_TUBE',
] as const;
export const CUSTOMER_REFERENCE_TYPES = [
  'CUSTOMER_REFERENCE',
  'P_O_NUMBER',
  'INVOICE_NUMBER',
  'DEPARTMENT_NUMBER',
  'RMA_ASSOCIATION',
] as const;
export const WEIGHT_UNITS = ['LB', 'KG'] as const;
export const DIMENSION_UNITS = ['IN', 'CM'] as const;
export const FREIGHT_CLASSES = [
  'CLASS_050',
  'CLASS_055',
  'CLASS_060',
  'CLASS_065',
  'CLASS_070',
  'CLASS_077_5',
  'CLASS_085',
  'CLASS_092_5',
  'CLASS_100',
  'CLASS_110',
  'CLASS_125',
  'CLASS_150',
  'CLASS_175',
  'CLASS_200',
  'CLASS_250',
  'CLASS_300',
  'CLASS_400',
  'CLASS_500',
] as const;
export const SUB_PACKAGING_TYPES = ['PALLET', 'SKID', 'CRATE', 'CARTON', 'BUNDLE', 'DRUM', 'PAIL', 'OTHER'] as const;
export const FREIGHT_ROLES = ['SHIPPER', 'CONSIGNEE'] as const;
export const PRINTED_REFERENCE_TYPES = [
  'PO_NUMBER',
  'BILL_OF_LADING',
  'CONSIGNEE_ID_NUMBER',
  'INTERLINE_PRO_NUMBER',
  'SHIPPER_ID_NUMBER',
  'SHIPPER_ID1_NUMBER',
  'SHIPPER_ID2_NUMBER',
] as const;

export type PickupType = (typeof PICKUP_TYPES)[number];
export type PaymentType = (typeof PAYMENT_TYPES)[number];
export type ImageType = (typeof IMAGE_TYPES)[number];
export type WeightUnit = (typeof WEIGHT_UNITS)[number];
export type DimensionUnit = (typeof DIMENSION_UNITS)[number];

/* ---------------------------------------------------------------- limits --------------- */

export const LIMITS = {
  streetLine: 35,
  city: 35,
  postalCode: 10,
  companyName: 35,
  personName: 70,
  phoneMin: 10,
  phoneMax: 15,
  email: 80,
  accountNumber: 9,
  /** CUSTOMER_REFERENCE is 40 for Express but 30 for Ground: the plugin keeps every reference ≤ 30. */
  reference: 30,
  rmaReference: 20,
  itemDescription: 50,
  packages: 30,
  ltlPackages: 99,
  trackingNumbersPerRequest: 30,
} as const;

/** Two-letter state codes are required for these (spec: US, CA, PR). */
export const STATE_REQUIRED_COUNTRIES = ['US', 'CA', 'PR'] as const;
/** Countries whose addresses need a postal code (FedEx "postal aware"; the common ones). */
export const POSTAL_AWARE_COUNTRIES = [
  'US',
  'CA',
  'PR',
  'MX',
  'GB',
  'DE',
  'FR',
  'IT',
  'ES',
  'NL',
  'BE',
  'AT',
  'CH',
  'DK',
  'SE',
  'NO',
  'FI',
  'PL',
  'CZ',
  'PT',
  'IE',
  'AU',
  'NZ',
  'JP',
  'CN',
  'IN',
  'BR',
  'KR',
  'SG',
  'MY',
  'TH',
  'PH',
  'ID',
  'VN',
] as const;

/* ---------------------------------------------------------------- keywords ------------- */

/**
 * Rules that depend on other fields (country, image type, payment type), as keywords of the
 * shared ajv instance: each reports one plain error on the field to fix ("recipient phone
 * (BPDTEL) must have exactly 10 digits for US") instead of JSON Schema's if/then/anyOf noise.
 */
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

/* ---------------------------------------------------------------- parts ---------------- */

const str = (maxLength?: number): Schema => ({ type: 'string', minLength: 1, ...(maxLength ? { maxLength } : {}) });

const inList = (list: readonly string[]): Schema => ({ type: 'string', enum: [...list] });

const address = (maxLines: number): Schema => ({
  type: 'object',
  required: ['streetLines', 'city', 'countryCode'],
  properties: {
    streetLines: { type: 'array', minItems: 1, maxItems: maxLines, items: str(LIMITS.streetLine) },
    city: str(LIMITS.city),
    stateOrProvinceCode: str(),
    postalCode: str(LIMITS.postalCode),
    countryCode: { type: 'string' },
    residential: { type: 'boolean' },
  },
});

const contact: Schema = {
  type: 'object',
  required: ['phoneNumber'],
  properties: {
    personName: str(LIMITS.personName),
    companyName: str(LIMITS.companyName),
    phoneNumber: { type: 'string' },
    emailAddress: { type: 'string', maxLength: LIMITS.email, format: 'email' },
  },
};

/** The rules that depend on the country and on other fields are in the fedexParty keyword. */
const party = (maxLines: number): Schema => ({
  type: 'object',
  required: ['address', 'contact'],
  properties: { address: address(maxLines), contact },
  fedexParty: true,
});

const weight: Schema = {
  type: 'object',
  required: ['units', 'value'],
  properties: { units: inList(WEIGHT_UNITS), value: { type: 'number', exclusiveMinimum: 0, maximum: 2200 } },
};

const dimensions: Schema = {
  type: 'object',
  required: ['length', 'width', 'height', 'units'],
  properties: {
    length: { type: 'integer', minimum: 1, maximum: 999 },
    width: { type: 'integer', minimum: 1, maximum: 999 },
    height: { type: 'integer', minimum: 1, maximum: 999 },
    units: inList(DIMENSION_UNITS),
  },
};

const accountNumber: Schema = {
  type: 'object',
  required: ['value'],
  properties: { value: { type: 'string', minLength: 1, maxLength: LIMITS.accountNumber, pattern: '^[0-9]+$' } },
};

const customerReference: Schema = {
  type: 'object',
  required: ['customerReferenceType', 'value'],
  properties: {
    customerReferenceType: inList(CUSTOMER_REFERENCE_TYPES),
    value: str(LIMITS.reference),
  },
};

const labelSpecification: Schema = {
  type: 'object',
  required: ['imageType', 'labelStockType'],
  properties: { imageType: inList(IMAGE_TYPES), labelStockType: inList(LABEL_STOCK_TYPES) },
  fedexLabel: true,
};

const payment = (types: readonly string[]): Schema => ({
  type: 'object',
  required: ['paymentType'],
  properties: {
    paymentType: inList(types),
    payor: {
      type: 'object',
      required: ['responsibleParty'],
      properties: { responsibleParty: { type: 'object', required: ['accountNumber'], properties: { accountNumber } } },
    },
  },
  fedexPayment: true,
});

const shipDate: Schema = { type: 'string', format: 'date' };

/* ---------------------------------------------------------------- requests ------------- */

/** POST /ship/v1/shipments (Full_Schema_Ship, the parts the plugin sends). */
export const shipRequestSchema: Schema = {
  type: 'object',
  required: ['labelResponseOptions', 'accountNumber', 'requestedShipment'],
  properties: {
    labelResponseOptions: inList(LABEL_RESPONSE_OPTIONS),
    accountNumber,
    requestedShipment: {
      type: 'object',
      required: [
        'shipper',
        'recipients',
        'pickupType',
        'serviceType',
        'packagingType',
        'shippingChargesPayment',
        'labelSpecification',
        'requestedPackageLineItems',
        'totalWeight',
      ],
      properties: {
        shipDatestamp: shipDate,
        pickupType: inList(PICKUP_TYPES),
        serviceType: inList(PARCEL_SERVICE_TYPES),
        packagingType: inList(PACKAGING_TYPES),
        totalWeight: { type: 'number', exclusiveMinimum: 0 },
        shipper: party(3),
        recipients: { type: 'array', minItems: 1, maxItems: 1, items: party(3) },
        shippingChargesPayment: payment(PAYMENT_TYPES),
        labelSpecification,
        requestedPackageLineItems: {
          type: 'array',
          minItems: 1,
          maxItems: LIMITS.packages,
          items: {
            type: 'object',
            required: ['weight'],
            properties: {
              sequenceNumber: { type: 'integer', minimum: 1 },
              weight,
              dimensions,
              itemDescription: { type: 'string', maxLength: LIMITS.itemDescription },
              customerReferences: { type: 'array', items: customerReference },
            },
          },
        },
      },
    },
  },
};

/** POST /ship/v1/freight/shipments (FullSchema-FreightShipment, the parts the plugin sends). */
export const freightRequestSchema: Schema = {
  type: 'object',
  required: ['labelResponseOptions', 'accountNumber', 'freightRequestedShipment'],
  properties: {
    labelResponseOptions: inList(LABEL_RESPONSE_OPTIONS),
    accountNumber,
    freightRequestedShipment: {
      type: 'object',
      required: [
        'shipper',
        'recipient',
        'serviceType',
        'packagingType',
        'pickupType',
        'shippingChargesPayment',
        'labelSpecification',
        'freightShipmentDetail',
        'requestedPackageLineItems',
      ],
      properties: {
        shipDatestamp: shipDate,
        pickupType: inList(PICKUP_TYPES),
        serviceType: inList(LTL_SERVICE_TYPES),
        packagingType: inList(PACKAGING_TYPES),
        shipper: party(3),
        recipient: party(3),
        shippingChargesPayment: payment(PAYMENT_TYPES),
        labelSpecification,
        freightShipmentDetail: {
          type: 'object',
          required: [
            'role',
            'fedExFreightAccountNumber',
            'fedExFreightBillingContactAndAddress',
            'totalHandlingUnits',
            'lineItem',
          ],
          properties: {
            role: inList(FREIGHT_ROLES),
            fedExFreightAccountNumber: accountNumber,
            fedExFreightBillingContactAndAddress: {
              type: 'object',
              required: ['address'],
              properties: { address: address(3) },
            },
            totalHandlingUnits: { type: 'integer', minimum: 1 },
            printedReferences: {
              type: 'array',
              items: {
                type: 'object',
                required: ['printedReferenceType', 'value'],
                properties: { printedReferenceType: inList(PRINTED_REFERENCE_TYPES), value: str(LIMITS.reference) },
              },
            },
            lineItem: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                required: ['id', 'description', 'freightClass', 'pieces', 'subPackagingType', 'weight'],
                properties: {
                  id: str(),
                  description: str(LIMITS.itemDescription),
                  freightClass: inList(FREIGHT_CLASSES),
                  pieces: { type: 'integer', minimum: 1 },
                  handlingUnits: { type: 'integer', minimum: 1 },
                  subPackagingType: inList(SUB_PACKAGING_TYPES),
                  weight,
                  dimensions,
                  purchaseOrderNumber: str(LIMITS.reference),
                },
              },
            },
          },
        },
        requestedPackageLineItems: {
          type: 'array',
          minItems: 1,
          maxItems: LIMITS.ltlPackages,
          items: {
            type: 'object',
            required: ['subPackagingType', 'weight', 'associatedFreightLineItems'],
            properties: {
              subPackagingType: inList(SUB_PACKAGING_TYPES),
              weight,
              dimensions,
              associatedFreightLineItems: {
                type: 'array',
                minItems: 1,
                items: { type: 'object', required: ['id'], properties: { id: str() } },
              },
              customerReferences: { type: 'array', items: customerReference },
            },
          },
        },
      },
    },
  },
};

/** PUT /ship/v1/shipments/cancel (Full_Schema_Cancel_Shipment). */
export const cancelRequestSchema: Schema = {
  type: 'object',
  required: ['accountNumber', 'trackingNumber'],
  properties: {
    accountNumber,
    trackingNumber: { type: 'string', pattern: '^[0-9]{10,34}$' },
    senderCountryCode: { type: 'string', pattern: '^[A-Z]{2}$' },
    deletionControl: { enum: ['DELETE_ALL_PACKAGES'] },
    emailShipment: { type: 'boolean' },
  },
};

/** POST /track/v1/trackingnumbers (Full_Schema_Tracking_Numbers): both fields required, ≤ 30 numbers. */
export const trackRequestSchema: Schema = {
  type: 'object',
  required: ['includeDetailedScans', 'trackingInfo'],
  properties: {
    includeDetailedScans: { type: 'boolean' },
    trackingInfo: {
      type: 'array',
      minItems: 1,
      maxItems: LIMITS.trackingNumbersPerRequest,
      items: {
        type: 'object',
        required: ['trackingNumberInfo'],
        properties: {
          trackingNumberInfo: {
            type: 'object',
            required: ['trackingNumber'],
            properties: { trackingNumber: { type: 'string', minLength: 1, maxLength: 40 } },
          },
        },
      },
    },
  },
};

/**
 * An AIV webhook body (reference §7): the Track structure under output.completeTrackResults; the
 * wrapper's other members (transactionId, outputMetaData) are optional and not relied upon.
 */
export const webhookBodySchema: Schema = {
  type: 'object',
  required: ['output'],
  properties: {
    output: {
      type: 'object',
      required: ['completeTrackResults'],
      properties: {
        completeTrackResults: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['trackResults'],
            properties: {
              trackingNumber: { type: 'string' },
              trackResults: { type: 'array', items: { type: 'object' } },
            },
          },
        },
      },
    },
  },
};

/* ---------------------------------------------------------------- field names ---------- */

/**
 * Where a request value came from: FedEx data path ("requestedShipment.recipients[0].address.city")
 * -> X3 field name ("BPDCTY"), filled by the mapping so errors name the field to fix in X3.
 */
export type FieldSources = ReadonlyMap<string, string>;

const PARTY_ROOTS: Array<[RegExp, string]> = [
  [/^requestedShipment\.recipients\[\d+\]/, 'recipient'],
  [/^freightRequestedShipment\.recipient/, 'recipient'],
  [/^(requestedShipment|freightRequestedShipment)\.shipper/, 'shipper'],
  [/^freightRequestedShipment\.freightShipmentDetail\.fedExFreightBillingContactAndAddress/, 'freight billing'],
];

const PARTY_FIELDS: Record<string, string> = {
  'address.city': 'city',
  'address.stateOrProvinceCode': 'state',
  'address.postalCode': 'postal code',
  'address.countryCode': 'country',
  'address.streetLines': 'address lines',
  'address.residential': 'residential flag',
  'contact.personName': 'contact name',
  'contact.companyName': 'company name',
  'contact.phoneNumber': 'phone',
  'contact.emailAddress': 'email',
  contact: 'contact',
  address: 'address',
};

const ROOT_FIELDS: Record<string, string> = {
  accountNumber: 'account number',
  'accountNumber.value': 'account number',
  labelResponseOptions: 'label response option',
  'requestedShipment.shipDatestamp': 'ship date',
  'freightRequestedShipment.shipDatestamp': 'ship date',
  'requestedShipment.pickupType': 'pickup type',
  'freightRequestedShipment.pickupType': 'pickup type',
  'requestedShipment.serviceType': 'service type',
  'freightRequestedShipment.serviceType': 'service type',
  'requestedShipment.packagingType': 'packaging type',
  'freightRequestedShipment.packagingType': 'packaging type',
  'requestedShipment.totalWeight': 'total weight',
  'requestedShipment.requestedPackageLineItems': 'packages',
  'freightRequestedShipment.requestedPackageLineItems': 'handling units',
  'requestedShipment.labelSpecification.imageType': 'label image type',
  'freightRequestedShipment.labelSpecification.imageType': 'label image type',
  'requestedShipment.labelSpecification.labelStockType': 'label stock type',
  'freightRequestedShipment.labelSpecification.labelStockType': 'label stock type',
  'requestedShipment.shippingChargesPayment.paymentType': 'payment type',
  'freightRequestedShipment.shippingChargesPayment.paymentType': 'payment type',
  'requestedShipment.shippingChargesPayment.payor': 'payor account',
  'freightRequestedShipment.shippingChargesPayment.payor': 'payor account',
  'requestedShipment.shippingChargesPayment.payor.responsibleParty.accountNumber.value': 'payor account number',
  'freightRequestedShipment.shippingChargesPayment.payor.responsibleParty.accountNumber.value': 'payor account number',
  'freightRequestedShipment.freightShipmentDetail.role': 'freight role',
  'freightRequestedShipment.freightShipmentDetail.fedExFreightAccountNumber.value': 'freight account number',
  'freightRequestedShipment.freightShipmentDetail.totalHandlingUnits': 'handling units',
  trackingNumber: 'tracking number',
  trackingInfo: 'tracking numbers',
};

/** Plain-words name of a FedEx data path ("recipient address line 2"), or undefined. */
export function describeFedexPath(path: string): string | undefined {
  if (ROOT_FIELDS[path]) return ROOT_FIELDS[path];
  for (const [re, who] of PARTY_ROOTS) {
    const m = re.exec(path);
    if (!m) continue;
    const rest = path.slice(m[0].length).replace(/^\./, '');
    const line = /^address\.streetLines\[(\d+)\]$/.exec(rest);
    if (line) return `${who} address line ${Number(line[1]) + 1}`;
    if (rest === '') return who;
    const name = PARTY_FIELDS[rest];
    return name ? `${who} ${name}` : undefined;
  }
  const pkg = /^(requestedShipment|freightRequestedShipment)\.requestedPackageLineItems\[(\d+)\]\.?(.*)$/.exec(path);
  if (pkg) {
    const n = Number(pkg[2]) + 1;
    const what = pkg[1] === 'requestedShipment' ? 'package' : 'handling unit';
    const rest = pkg[3];
    const ref = /^customerReferences\[(\d+)\]/.exec(rest);
    if (ref) return `${what} ${n} reference ${Number(ref[1]) + 1}`;
    if (rest.startsWith('weight')) return `${what} ${n} weight`;
    if (rest.startsWith('dimensions')) return `${what} ${n} dimensions`;
    if (rest === 'itemDescription') return `${what} ${n} description`;
    return rest ? `${what} ${n} ${rest}` : `${what} ${n}`;
  }
  const li = /^freightRequestedShipment\.freightShipmentDetail\.lineItem\[(\d+)\]\.?(.*)$/.exec(path);
  if (li) {
    const names: Record<string, string> = {
      description: 'description',
      freightClass: 'freight class',
      subPackagingType: 'sub-packaging type',
      purchaseOrderNumber: 'purchase order number',
    };
    const rest = li[2].split('.')[0];
    return `freight line ${Number(li[1]) + 1} ${names[rest] ?? rest}`.trim();
  }
  const printed = /^freightRequestedShipment\.freightShipmentDetail\.printedReferences\[(\d+)\]/.exec(path);
  if (printed) return `printed reference ${Number(printed[1]) + 1}`;
  return undefined;
}

/** The X3 field a path's value came from: exact path, else the nearest parent with a source. */
function sourceOf(path: string, sources: FieldSources | undefined): string | undefined {
  if (!sources) return undefined;
  let p = path;
  for (;;) {
    const s = sources.get(p);
    if (s) return s;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return undefined;
    p = p.slice(0, cut);
  }
}

export function describeField(path: string, sources?: FieldSources): string {
  const name = describeFedexPath(path) ?? path;
  const source = sourceOf(path, sources);
  return source ? `${name} (${source})` : name;
}

/* ---------------------------------------------------------------- validators ----------- */

/**
 * compileValidator fixes describeField at compile time; the sources of the request being checked
 * are set around the (synchronous) call so one compiled validator serves every request.
 */
let activeSources: FieldSources | undefined;

function validatorFor<T>(schema: Schema, subject: string): (data: unknown, sources?: FieldSources) => T {
  const validate: Validator<T> = compileValidator<T>(schema, {
    system: 'fedex',
    subject,
    describeField: (path) => describeField(path, activeSources),
  });
  return (data, sources) => {
    activeSources = sources;
    try {
      return validate(data);
    } catch (err) {
      // The error's field becomes the X3 field to fix when the value came from X3.
      if (err instanceof ValidationError) {
        const source = sourceOf(err.field, sources);
        if (source) throw new ValidationError('fedex', source, err.message, err.details);
      }
      throw err;
    } finally {
      activeSources = undefined;
    }
  };
}

export const validateShipRequest = validatorFor<Record<string, unknown>>(shipRequestSchema, 'FedEx shipment request');
export const validateFreightRequest = validatorFor<Record<string, unknown>>(
  freightRequestSchema,
  'FedEx freight shipment request',
);
export const validateCancelRequest = validatorFor<Record<string, unknown>>(cancelRequestSchema, 'FedEx cancel request');
export const validateWebhookBody = validatorFor<Record<string, unknown>>(webhookBodySchema, 'FedEx webhook body');
export const validateTrackRequest = validatorFor<Record<string, unknown>>(trackRequestSchema, 'FedEx track request');
