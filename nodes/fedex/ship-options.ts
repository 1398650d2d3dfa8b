/**
 * What a shipment is built with: the ShipSettings shape, its defaults, and the per-msg merge
 * (msg.fedex.options on top of the node's settings). ship-settings.ts fills it from the editor.
 */
import type { Direction, DocumentFieldMap } from './x3-documents';
import { isObject } from './x3-fields';
import { DEFAULT_CUSTOMS_SETTINGS, mergeCustoms, type CustomsSettings } from './customs-options';
import type {
  DimensionUnit,
  FREIGHT_CLASSES,
  ImageType,
  LTL_SERVICE_TYPES,
  PaymentType,
  PickupType,
  SUB_PACKAGING_TYPES,
  WeightUnit,
} from './vocabulary';

/** A party in FedEx terms (our address, or a msg override). */
export interface PartyInput {
  companyName?: string;
  personName?: string;
  phoneNumber?: string;
  emailAddress?: string;
  streetLines?: string[];
  city?: string;
  stateOrProvinceCode?: string;
  postalCode?: string;
  countryCode?: string;
  residential?: boolean;
}

export interface FreightSettings {
  /** Ship as LTL freight (POST /ship/v1/freight/shipments) instead of parcel. */
  enabled: boolean;
  serviceType: (typeof LTL_SERVICE_TYPES)[number];
  freightClass: (typeof FREIGHT_CLASSES)[number];
  subPackagingType: (typeof SUB_PACKAGING_TYPES)[number];
  role: 'SHIPPER' | 'CONSIGNEE';
  /** FedEx Freight account; default the config's account number. */
  accountNumber: string;
}

export interface DimensionsSetting {
  length: number;
  width: number;
  height: number;
  units: DimensionUnit;
}

export interface ShipSettings {
  /** 'auto': from the X3 entity (purchase orders inbound, sales documents outbound). */
  direction: 'auto' | Direction;
  /** Field-name overrides on top of the entity's profile. */
  fieldMap: DocumentFieldMap;
  /** Our shipping address: the shipper outbound, the recipient inbound. */
  ourAddress: PartyInput;
  serviceType: string;
  packagingType: string;
  pickupType: PickupType;
  labelImageType: ImageType;
  labelStockType: string;
  labelResponse: 'LABEL' | 'URL_ONLY';
  paymentType: PaymentType;
  /** Account billed for RECIPIENT / THIRD_PARTY payment. */
  payorAccountNumber: string;
  weightUnit: WeightUnit;
  /** Weight of one package when X3 gives none. */
  defaultWeight: number;
  /** Package dimensions (all three > 0 to be sent). */
  dimensions?: DimensionsSetting;
  /** 'today', or 'x3': the X3 ship date when it is not in the past. */
  shipDate: 'today' | 'x3';
  customerReferenceTemplate: string;
  poNumberTemplate: string;
  descriptionTemplate: string;
  residential: boolean;
  /** Used when the X3 address has no phone (FedEx requires one). */
  recipientPhoneFallback: string;
  freight: FreightSettings;
  /** International shipments: customs and trade documents (customs-options.ts). */
  customs: CustomsSettings;
}

export const DEFAULT_SHIP_SETTINGS: ShipSettings = {
  direction: 'auto',
  fieldMap: {},
  ourAddress: {},
  serviceType: 'FEDEX_GROUND',
  packagingType: 'YOUR_PACKAGING',
  pickupType: 'DROPOFF_AT_FEDEX_LOCATION',
  labelImageType: 'PDF',
  labelStockType: 'PAPER_4X6',
  labelResponse: 'LABEL',
  paymentType: 'SENDER',
  payorAccountNumber: '',
  weightUnit: 'LB',
  defaultWeight: 1,
  shipDate: 'today',
  // the folder and document type too: the ambiguous-outcome lookup finds a shipment by it, and
  // another folder's delivery with the same number must not answer for this one
  customerReferenceTemplate: '{{x3.folder}} {{x3.code}} {{x3.key}}',
  poNumberTemplate: '{{x3.key}}',
  descriptionTemplate: 'X3 {{x3.key}}',
  residential: false,
  recipientPhoneFallback: '',
  freight: {
    enabled: false,
    serviceType: 'FEDEX_FREIGHT_ECONOMY',
    freightClass: 'CLASS_070',
    subPackagingType: 'PALLET',
    role: 'SHIPPER',
    accountNumber: '',
  },
  customs: DEFAULT_CUSTOMS_SETTINGS,
};

/** Per-msg settings: a shallow merge, one level deeper for the nested settings. */
export function mergeSettings(base: ShipSettings, patch: Partial<ShipSettings> | undefined): ShipSettings {
  if (!patch || !isObject(patch)) return base;
  const out: ShipSettings = { ...base, ...patch };
  out.fieldMap = { ...base.fieldMap, ...(isObject(patch.fieldMap) ? patch.fieldMap : {}) };
  out.ourAddress = { ...base.ourAddress, ...(isObject(patch.ourAddress) ? patch.ourAddress : {}) };
  out.freight = { ...base.freight, ...(isObject(patch.freight) ? patch.freight : {}) };
  out.customs = mergeCustoms(base.customs, patch.customs);
  if (patch.dimensions === undefined) out.dimensions = base.dimensions;
  return out;
}
