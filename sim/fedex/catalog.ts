/**
 * Static FedEx facts the sim needs: enums (derived from the OpenAPI specs), service names and
 * carriers (reference §3/§5), places and time zones for scan events.
 */

/* ---------------------------------------------------------------- enums [spec] --------- */

export const LABEL_RESPONSE_OPTIONS = ['URL_ONLY', 'LABEL'] as const;
export const MERGE_LABEL_DOC_OPTIONS = ['NONE', 'LABELS_AND_DOCS', 'LABELS_ONLY'] as const;
export const SHIP_ACTIONS = ['CONFIRM', 'TRANSFER'] as const;
export const PROCESSING_OPTION_TYPES = ['SYNCHRONOUS_ONLY', 'ALLOW_ASYNCHRONOUS'] as const;
/** The validate and LTL schemas spell the first one with a space (reference §10.2); both are accepted. */
export const PICKUP_TYPES = [
  'CONTACT_FEDEX_TO_SCHEDULE',
  'CONTACT_FEDEX TO_SCHEDULE',
  'DROPOFF_AT_FEDEX_LOCATION',
  'USE_SCHEDULED_PICKUP',
] as const;
export const PAYMENT_TYPES = ['SENDER', 'RECIPIENT', 'THIRD_PARTY', 'COLLECT'] as const;
export const LTL_PAYMENT_TYPES = ['SENDER', 'RECIPIENT', 'THIRD_PARTY'] as const;
export const IMAGE_TYPES = ['ZPLII', 'EPL2', 'PDF', 'PNG'] as const;
export const PAPER_STOCKS = [
  'PAPER_4X6',
  'PAPER_4X675',
  'PAPER_4X8',
  'PAPER_4X9',
  'PAPER_7X475',
  'PAPER_85X11_BOTTOM_HALF_LABEL',
  'PAPER_85X11_TOP_HALF_LABEL',
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
export const CUSTOMER_REFERENCE_TYPES = [
  'CUSTOMER_REFERENCE',
  'DEPARTMENT_NUMBER',
  'INVOICE_NUMBER',
  'P_O_NUMBER',
  'INTRACOUNTRY_REGULATORY_REFERENCE',
  'RMA_ASSOCIATION',
] as const;
export const WEIGHT_UNITS = ['KG', 'LB'] as const;
export const DIMENSION_UNITS = ['CM', 'IN'] as const;
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
export const DELETION_CONTROLS = ['DELETE_ALL_PACKAGES'] as const;

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
export const SUB_PACKAGING_TYPES = ['BUNDLE', 'CARTON', 'CRATE', 'DRUM', 'PAIL', 'PALLET', 'OTHER', 'SKID'] as const;
export const FREIGHT_ROLES = ['CONSIGNEE', 'SHIPPER'] as const;
export const PRINTED_REFERENCE_TYPES = [
  'BILL_OF_LADING',
  'CONSIGNEE_ID_NUMBER',
  'INTERLINE_PRO_NUMBER',
  'PO_NUMBER',
  'SHIPPER_ID_NUMBER',
  'SHIPPER_ID1_NUMBER',
  'SHIPPER_ID2_NUMBER',
] as const;

export const TRACK_CARRIER_CODES = [
  'FDXE',
  'FDXG',
  'FXSP',
  'FXFR',
  'FDXC',
  'FXCC',
  'FEDEX_CARGO',
  'FEDEX_CUSTOM_CRITICAL',
  'FEDEX_EXPRESS',
  'FEDEX_FREIGHT',
  'FEDEX_GROUND',
  'FEDEX_OFFICE',
  'FEDEX_KINKOS',
  'FX',
  'FDFR',
  'FDEG',
  'FXK',
  'FDC',
  'FDCC',
] as const;

/** Names a client may use for the carrier of a shipment, by the sim's carrier code. */
export const CARRIER_ALIASES: Record<string, string[]> = {
  FDXE: ['FDXE', 'FEDEX_EXPRESS', 'FX'],
  FDXG: ['FDXG', 'FEDEX_GROUND', 'FDEG'],
  FXSP: ['FXSP'],
  FXFR: ['FXFR', 'FEDEX_FREIGHT', 'FDFR'],
};

/** Track-by-reference `type` values [spec ReferenceNumbers] matched against Ship reference types. */
export const TRACK_REFERENCE_TYPE_MAP: Record<string, string[]> = {
  CUSTOMER_REFERENCE: ['CUSTOMER_REFERENCE'],
  PURCHASE_ORDER: ['P_O_NUMBER', 'PO_NUMBER'],
  INVOICE: ['INVOICE_NUMBER'],
  DEPARTMENT: ['DEPARTMENT_NUMBER'],
  RETURN_MATERIALS_AUTHORIZATION: ['RMA_ASSOCIATION'],
  BILL_OF_LADING: ['BILL_OF_LADING'],
  SHIPPER_REFERENCE: ['SHIPPER_ID_NUMBER', 'SHIPPER_ID1_NUMBER', 'SHIPPER_ID2_NUMBER'],
};

/* ---------------------------------------------------------------- services ------------- */

export type JourneyKind = 'ground' | 'express' | 'freight';

export interface ServiceInfo {
  name: string;
  shortDescription: string;
  carrierCode: 'FDXE' | 'FDXG' | 'FXSP' | 'FXFR';
  /** Operating company in trackingNumberUniqueId (e.g. 245822~123456789012~FDEG). */
  uniqueIdSuffix: string;
  serviceCategory: 'EXPRESS' | 'GROUND' | 'SMARTPOST' | 'FREIGHT' | 'EXPRESS_FREIGHT';
  journey: JourneyKind;
  /** CUSTOMER_REFERENCE max length: 30 for Ground, 40 for Express [spec]. */
  ground: boolean;
  international: boolean;
  ltl: boolean;
}

function svc(
  name: string,
  shortDescription: string,
  carrierCode: ServiceInfo['carrierCode'],
  serviceCategory: ServiceInfo['serviceCategory'],
  extra: Partial<ServiceInfo> = {},
): ServiceInfo {
  const ground = carrierCode === 'FDXG' || carrierCode === 'FXSP';
  return {
    name,
    shortDescription,
    carrierCode,
    uniqueIdSuffix: carrierCode === 'FDXE' ? 'FX' : carrierCode === 'FDXG' ? 'FDEG' : carrierCode,
    serviceCategory,
    journey: carrierCode === 'FXFR' ? 'freight' : ground ? 'ground' : 'express',
    ground,
    international: false,
    ltl: false,
    ...extra,
  };
}

/** US services listed in reference §3 plus the LTL ones of §4. */
export const SERVICES: Record<string, ServiceInfo> = {
  FEDEX_GROUND: svc('FedEx Ground', 'FG', 'FDXG', 'GROUND'),
  GROUND_HOME_DELIVERY: svc('FedEx Home Delivery', 'HD', 'FDXG', 'GROUND'),
  SMART_POST: svc('FedEx Ground Economy', 'SP', 'FXSP', 'SMARTPOST'),
  PRIORITY_OVERNIGHT: svc('FedEx Priority Overnight', 'PO', 'FDXE', 'EXPRESS'),
  STANDARD_OVERNIGHT: svc('FedEx Standard Overnight', 'SO', 'FDXE', 'EXPRESS'),
  FIRST_OVERNIGHT: svc('FedEx First Overnight', 'FO', 'FDXE', 'EXPRESS'),
  FEDEX_2_DAY: svc('FedEx 2Day', 'ES', 'FDXE', 'EXPRESS'),
  FEDEX_2_DAY_AM: svc('FedEx 2Day AM', 'EA', 'FDXE', 'EXPRESS'),
  FEDEX_EXPRESS_SAVER: svc('FedEx Express Saver', 'XS', 'FDXE', 'EXPRESS'),
  FEDEX_1_DAY_FREIGHT: svc('FedEx 1Day Freight', 'F1', 'FDXE', 'EXPRESS_FREIGHT'),
  FEDEX_2_DAY_FREIGHT: svc('FedEx 2Day Freight', 'F2', 'FDXE', 'EXPRESS_FREIGHT'),
  FEDEX_3_DAY_FREIGHT: svc('FedEx 3Day Freight', 'F3', 'FDXE', 'EXPRESS_FREIGHT'),
  FEDEX_INTERNATIONAL_PRIORITY: svc('FedEx International Priority', 'IP', 'FDXE', 'EXPRESS', { international: true }),
  INTERNATIONAL_ECONOMY: svc('FedEx International Economy', 'IE', 'FDXE', 'EXPRESS', { international: true }),
  FEDEX_FREIGHT_PRIORITY: svc('FedEx Freight Priority', 'FP', 'FXFR', 'FREIGHT', { ltl: true }),
  FEDEX_FREIGHT_ECONOMY: svc('FedEx Freight Economy', 'FE', 'FXFR', 'FREIGHT', { ltl: true }),
};

export const PARCEL_SERVICE_TYPES = Object.keys(SERVICES).filter((k) => !SERVICES[k].ltl);
export const LTL_SERVICE_TYPES = Object.keys(SERVICES).filter((k) => SERVICES[k].ltl);

/** FedEx-branded packaging is Express-only; Ground Economy takes only YOUR_PACKAGING. */
export function packagingAllowed(serviceType: string, packagingType: string): boolean {
  const s = SERVICES[serviceType];
  if (!s) return true;
  if (packagingType === 'YOUR_PACKAGING') return true;
  return s.carrierCode === 'FDXE';
}

/** Max weight per package in LB (reference §3: YOUR_PACKAGING ≤ 150 lb; 70 lb Ground Economy). */
export function maxPackageWeightLb(serviceType: string): number {
  return serviceType === 'SMART_POST' ? 70 : 150;
}

export const PACKAGING_DESCRIPTIONS: Record<string, string> = {
  YOUR_PACKAGING: 'Your Packaging',
  FEDEX_ENVELOPE: 'FedEx Envelope',
  FEDEX_PAK: 'FedEx Pak',
  FEDEX_BOX: 'FedEx Box',
  FEDEX_SMALL_BOX: 'FedEx Small Box',
  FEDEX_MEDIUM_BOX: 'FedEx Medium Box',
  FEDEX_LARGE_BOX: 'FedEx Large Box',
  FEDEX_EXTRA_LARGE_BOX: 'FedEx Extra Large Box',
  FEDEX_10KG_BOX: 'FedEx 10kg Box',
  FEDEX_25KG_BOX: 'FedEx 25kg Box',
  FEDEX_TUBE: 'FedEx Tube',
};

/* ---------------------------------------------------------------- places --------------- */

/** Countries where postalCode is required [spec: "optional for non postal-aware countries"]. */
export const POSTAL_AWARE_COUNTRIES = new Set([
  'US',
  'CA',
  'MX',
  'PR',
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
  'PT',
  'CZ',
  'AU',
  'JP',
  'CN',
  'IN',
  'BR',
  'KR',
  'SG',
]);

/** Countries whose stateOrProvinceCode is required and 2 characters [spec]. */
export const STATE_REQUIRED_COUNTRIES = new Set(['US', 'CA', 'PR']);

const US_STATE_ZONES: Record<string, string> = {
  AL: 'America/Chicago',
  AK: 'America/Anchorage',
  AZ: 'America/Phoenix',
  AR: 'America/Chicago',
  CA: 'America/Los_Angeles',
  CO: 'America/Denver',
  CT: 'America/New_York',
  DE: 'America/New_York',
  DC: 'America/New_York',
  FL: 'America/New_York',
  GA: 'America/New_York',
  HI: 'Pacific/Honolulu',
  ID: 'America/Boise',
  IL: 'America/Chicago',
  IN: 'America/Indiana/Indianapolis',
  IA: 'America/Chicago',
  KS: 'America/Chicago',
  KY: 'America/New_York',
  LA: 'America/Chicago',
  ME: 'America/New_York',
  MD: 'America/New_York',
  MA: 'America/New_York',
  MI: 'America/Detroit',
  MN: 'America/Chicago',
  MS: 'America/Chicago',
  MO: 'America/Chicago',
  MT: 'America/Denver',
  NE: 'America/Chicago',
  NV: 'America/Los_Angeles',
  NH: 'America/New_York',
  NJ: 'America/New_York',
  NM: 'America/Denver',
  NY: 'America/New_York',
  NC: 'America/New_York',
  ND: 'America/Chicago',
  OH: 'America/New_York',
  OK: 'America/Chicago',
  OR: 'America/Los_Angeles',
  PA: 'America/New_York',
  RI: 'America/New_York',
  SC: 'America/New_York',
  SD: 'America/Chicago',
  TN: 'America/Chicago',
  TX: 'America/Chicago',
  UT: 'America/Denver',
  VT: 'America/New_York',
  VA: 'America/New_York',
  WA: 'America/Los_Angeles',
  WV: 'America/New_York',
  WI: 'America/Chicago',
  WY: 'America/Denver',
  PR: 'America/Puerto_Rico',
};

const CA_PROVINCE_ZONES: Record<string, string> = {
  AB: 'America/Edmonton',
  BC: 'America/Vancouver',
  MB: 'America/Winnipeg',
  NB: 'America/Moncton',
  NL: 'America/St_Johns',
  NS: 'America/Halifax',
  ON: 'America/Toronto',
  PE: 'America/Halifax',
  QC: 'America/Toronto',
  PQ: 'America/Toronto',
  SK: 'America/Regina',
  YT: 'America/Whitehorse',
  NT: 'America/Yellowknife',
  NU: 'America/Iqaluit',
};

const COUNTRY_ZONES: Record<string, string> = {
  US: 'America/Chicago',
  CA: 'America/Toronto',
  MX: 'America/Mexico_City',
  PR: 'America/Puerto_Rico',
  GB: 'Europe/London',
  IE: 'Europe/Dublin',
  DE: 'Europe/Berlin',
  FR: 'Europe/Paris',
  IT: 'Europe/Rome',
  ES: 'Europe/Madrid',
  NL: 'Europe/Amsterdam',
  BE: 'Europe/Brussels',
  CH: 'Europe/Zurich',
  AT: 'Europe/Vienna',
  SE: 'Europe/Stockholm',
  DK: 'Europe/Copenhagen',
  NO: 'Europe/Oslo',
  FI: 'Europe/Helsinki',
  PL: 'Europe/Warsaw',
  PT: 'Europe/Lisbon',
  CZ: 'Europe/Prague',
  AU: 'Australia/Sydney',
  JP: 'Asia/Tokyo',
  CN: 'Asia/Shanghai',
  IN: 'Asia/Kolkata',
  BR: 'America/Sao_Paulo',
  KR: 'Asia/Seoul',
  SG: 'Asia/Singapore',
};

export function zoneFor(countryCode: string, stateOrProvinceCode?: string): string {
  const st = (stateOrProvinceCode ?? '').toUpperCase();
  if (countryCode === 'US' && US_STATE_ZONES[st]) return US_STATE_ZONES[st];
  if (countryCode === 'CA' && CA_PROVINCE_ZONES[st]) return CA_PROVINCE_ZONES[st];
  return COUNTRY_ZONES[countryCode] ?? 'UTC';
}

export const COUNTRY_NAMES: Record<string, string> = {
  US: 'United States',
  CA: 'Canada',
  MX: 'Mexico',
  PR: 'Puerto Rico',
  GB: 'United Kingdom',
  DE: 'Germany',
  FR: 'France',
  IT: 'Italy',
  ES: 'Spain',
  NL: 'Netherlands',
  BE: 'Belgium',
  CH: 'Switzerland',
};

export interface Hub {
  city: string;
  stateOrProvinceCode: string;
  postalCode: string;
  countryCode: 'US';
  zone: string;
  locationId: string;
}

/** FedEx Ground/Freight hub cities used for in-transit scans. */
export const GROUND_HUBS: Hub[] = [
  {
    city: 'INDIANAPOLIS',
    stateOrProvinceCode: 'IN',
    postalCode: '46241',
    countryCode: 'US',
    zone: 'America/Indiana/Indianapolis',
    locationId: '0461',
  },
  {
    city: 'KANSAS CITY',
    stateOrProvinceCode: 'MO',
    postalCode: '64161',
    countryCode: 'US',
    zone: 'America/Chicago',
    locationId: '0644',
  },
  {
    city: 'HEBRON',
    stateOrProvinceCode: 'KY',
    postalCode: '41048',
    countryCode: 'US',
    zone: 'America/New_York',
    locationId: '0410',
  },
  {
    city: 'ALLENTOWN',
    stateOrProvinceCode: 'PA',
    postalCode: '18106',
    countryCode: 'US',
    zone: 'America/New_York',
    locationId: '0181',
  },
  {
    city: 'DALLAS',
    stateOrProvinceCode: 'TX',
    postalCode: '75241',
    countryCode: 'US',
    zone: 'America/Chicago',
    locationId: '0752',
  },
  {
    city: 'MEMPHIS',
    stateOrProvinceCode: 'TN',
    postalCode: '38118',
    countryCode: 'US',
    zone: 'America/Chicago',
    locationId: '0381',
  },
  {
    city: 'ATLANTA',
    stateOrProvinceCode: 'GA',
    postalCode: '30336',
    countryCode: 'US',
    zone: 'America/New_York',
    locationId: '0303',
  },
  {
    city: 'DENVER',
    stateOrProvinceCode: 'CO',
    postalCode: '80239',
    countryCode: 'US',
    zone: 'America/Denver',
    locationId: '0802',
  },
  {
    city: 'PHOENIX',
    stateOrProvinceCode: 'AZ',
    postalCode: '85043',
    countryCode: 'US',
    zone: 'America/Phoenix',
    locationId: '0850',
  },
  {
    city: 'OAKLAND',
    stateOrProvinceCode: 'CA',
    postalCode: '94621',
    countryCode: 'US',
    zone: 'America/Los_Angeles',
    locationId: '0946',
  },
];

/** FedEx Express World Hub. */
export const EXPRESS_HUB: Hub = {
  city: 'MEMPHIS',
  stateOrProvinceCode: 'TN',
  postalCode: '38118',
  countryCode: 'US',
  zone: 'America/Chicago',
  locationId: 'MEMH',
};
