/**
 * The project's own schemas of the FedEx requests the plugin sends, derived from FedEx's OpenAPI
 * files (Shipment-Resource, LTLFreight-Resource, TrackingNumbers-Resource: required fields,
 * enums, lengths) and reference/fedex-api.md §3–§5. They cover what the plugin produces, so a
 * bad X3 record is refused here with the X3 field named, before any call is made. The option
 * lists are vocabulary.ts's, the cross-field rules schema-keywords.ts's, the field names
 * field-names.ts's.
 */
import type { Schema } from 'ajv';
import { compileValidator, type Validator } from '../core/schema';
import { ValidationError } from '../core/errors';
import './schema-keywords';
import { describeField, sourceOf, type FieldSources } from './field-names';
import {
  CUSTOMER_REFERENCE_TYPES,
  DIMENSION_UNITS,
  FREIGHT_CLASSES,
  FREIGHT_ROLES,
  IMAGE_TYPES,
  LABEL_RESPONSE_OPTIONS,
  LABEL_STOCK_TYPES,
  LIMITS,
  LTL_SERVICE_TYPES,
  PACKAGING_TYPES,
  PARCEL_SERVICE_TYPES,
  PAYMENT_TYPES,
  PICKUP_TYPES,
  PRINTED_REFERENCE_TYPES,
  SUB_PACKAGING_TYPES,
  WEIGHT_UNITS,
} from './vocabulary';

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
