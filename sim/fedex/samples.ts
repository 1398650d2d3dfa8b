/**
 * Valid request bodies for the simulator (and the real API), for tests, demos and the seed
 * endpoint. Built from the reference's §3/§4/§5 examples; override what a test needs.
 */
import { DEFAULT_CLIENT } from './config';

export const SAMPLE_ACCOUNT = DEFAULT_CLIENT.accountNumbers[0];

export interface SampleShipOptions {
  accountNumber?: string;
  serviceType?: string;
  packagingType?: string;
  labelResponseOptions?: 'LABEL' | 'URL_ONLY';
  imageType?: string;
  labelStockType?: string;
  customerReference?: string;
  poNumber?: string;
  packages?: number;
  shipDatestamp?: string;
}

export function sampleShipRequest(o: SampleShipOptions = {}): Record<string, unknown> {
  const account = o.accountNumber ?? SAMPLE_ACCOUNT;
  const refs: Array<Record<string, string>> = [];
  refs.push({ customerReferenceType: 'CUSTOMER_REFERENCE', value: o.customerReference ?? 'SO-10042' });
  if (o.poNumber !== undefined) refs.push({ customerReferenceType: 'P_O_NUMBER', value: o.poNumber });
  const items = Array.from({ length: o.packages ?? 1 }, (_, i) => ({
    sequenceNumber: i + 1,
    weight: { units: 'LB', value: 12.5 },
    dimensions: { length: 12, width: 10, height: 8, units: 'IN' },
    customerReferences: refs,
  }));
  const rs: Record<string, unknown> = {
    pickupType: 'DROPOFF_AT_FEDEX_LOCATION',
    serviceType: o.serviceType ?? 'FEDEX_GROUND',
    packagingType: o.packagingType ?? 'YOUR_PACKAGING',
    totalWeight: 12.5 * items.length,
    shipper: {
      contact: { companyName: 'ACME Corp', phoneNumber: '9015551234' },
      address: {
        streetLines: ['10 Main St'],
        city: 'Memphis',
        stateOrProvinceCode: 'TN',
        postalCode: '38116',
        countryCode: 'US',
      },
    },
    recipients: [
      {
        contact: { personName: 'Jane Doe', phoneNumber: '2125550100' },
        address: {
          streetLines: ['1 Broadway', 'Floor 3'],
          city: 'New York',
          stateOrProvinceCode: 'NY',
          postalCode: '10004',
          countryCode: 'US',
          residential: false,
        },
      },
    ],
    shippingChargesPayment: {
      paymentType: 'SENDER',
      payor: { responsibleParty: { accountNumber: { value: account } } },
    },
    labelSpecification: { imageType: o.imageType ?? 'PDF', labelStockType: o.labelStockType ?? 'PAPER_4X6' },
    requestedPackageLineItems: items,
  };
  if (o.shipDatestamp) rs.shipDatestamp = o.shipDatestamp;
  return {
    labelResponseOptions: o.labelResponseOptions ?? 'LABEL',
    accountNumber: { value: account },
    requestedShipment: rs,
  };
}

export function sampleLtlRequest(
  o: { accountNumber?: string; freightClass?: string; poNumber?: string } = {},
): Record<string, unknown> {
  const account = o.accountNumber ?? SAMPLE_ACCOUNT;
  const address = {
    streetLines: ['10 Main St'],
    city: 'Memphis',
    stateOrProvinceCode: 'TN',
    postalCode: '38116',
    countryCode: 'US',
  };
  return {
    labelResponseOptions: 'LABEL',
    accountNumber: { value: account },
    freightRequestedShipment: {
      serviceType: 'FEDEX_FREIGHT_ECONOMY',
      packagingType: 'YOUR_PACKAGING',
      pickupType: 'USE_SCHEDULED_PICKUP',
      shipper: { contact: { companyName: 'ACME Corp', phoneNumber: '9015551234' }, address },
      recipient: {
        contact: { companyName: 'Pump Depot', phoneNumber: '3125550100' },
        address: {
          streetLines: ['500 W Madison St'],
          city: 'Chicago',
          stateOrProvinceCode: 'IL',
          postalCode: '60661',
          countryCode: 'US',
        },
      },
      shippingChargesPayment: {
        paymentType: 'SENDER',
        payor: { responsibleParty: { accountNumber: { value: account } } },
      },
      labelSpecification: { imageType: 'PDF', labelStockType: 'PAPER_4X6' },
      freightShipmentDetail: {
        role: 'SHIPPER',
        fedExFreightAccountNumber: { value: account },
        fedExFreightBillingContactAndAddress: { address },
        totalHandlingUnits: 2,
        printedReferences: [{ printedReferenceType: 'PO_NUMBER', value: o.poNumber ?? 'PO-4711' }],
        lineItem: [
          {
            id: '1',
            freightClass: o.freightClass ?? 'CLASS_070',
            subPackagingType: 'PALLET',
            pieces: 2,
            handlingUnits: 2,
            description: 'Pumps - SO-10042',
            purchaseOrderNumber: o.poNumber ?? 'PO-4711',
            weight: { units: 'LB', value: 900 },
            dimensions: { length: 48, width: 40, height: 50, units: 'IN' },
          },
        ],
      },
      requestedPackageLineItems: [
        { subPackagingType: 'PALLET', weight: { units: 'LB', value: 450 }, associatedFreightLineItems: [{ id: '1' }] },
        { subPackagingType: 'PALLET', weight: { units: 'LB', value: 450 }, associatedFreightLineItems: [{ id: '1' }] },
      ],
    },
  };
}

export function sampleTrackRequest(trackingNumbers: string[], includeDetailedScans = true): Record<string, unknown> {
  return {
    includeDetailedScans,
    trackingInfo: trackingNumbers.map((trackingNumber) => ({ trackingNumberInfo: { trackingNumber } })),
  };
}
