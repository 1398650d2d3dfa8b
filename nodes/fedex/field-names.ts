/**
 * FedEx request data paths in plain words, and where each value came from: an error on
 * "requestedShipment.recipients[0].address.city" is reported as "recipient city (BPDCTY)", the
 * X3 field to fix. The mapping records the sources; the validators (schemas.ts) read them.
 */

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
export function sourceOf(path: string, sources: FieldSources | undefined): string | undefined {
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
