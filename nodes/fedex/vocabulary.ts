/**
 * FedEx's vocabulary as the plugin uses it: the option lists (enums) of the Ship and Track APIs,
 * the length limits and the country rules, taken from FedEx's OpenAPI files (Shipment-Resource,
 * LTLFreight-Resource, TrackingNumbers-Resource) and reference/fedex-api.md §3–§5. Plain data
 * with no imports, so one list serves the request schemas, the mapping and the node settings, and
 * can serve a build step that writes the editor's option lists.
 */

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
/** Parcel services across a border (customs): International Ground is FEDEX_GROUND to Canada. */
export const INTERNATIONAL_SERVICE_TYPES = [
  'FEDEX_INTERNATIONAL_PRIORITY',
  'INTERNATIONAL_ECONOMY',
  'FEDEX_GROUND',
] as const;
/** CommercialInvoice.shipmentPurpose. */
export const SHIPMENT_PURPOSES = [
  'SOLD',
  'NOT_SOLD',
  'GIFT',
  'SAMPLE',
  'REPAIR_AND_RETURN',
  'PERSONAL_EFFECTS',
] as const;
/** TaxpayerIdentification.tinType. */
export const TIN_TYPES = [
  'BUSINESS_NATIONAL',
  'BUSINESS_STATE',
  'BUSINESS_UNION',
  'FEDERAL',
  'PERSONAL_NATIONAL',
  'PERSONAL_STATE',
] as const;
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
