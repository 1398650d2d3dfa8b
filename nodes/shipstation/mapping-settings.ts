/**
 * The X3 mapping settings shipstation-in and shipstation-fetch share ("map to X3" and the X3 fields
 * of the edit dialog), read into the options of mapping.ts.
 */
import { bool, text } from '../shared/settings';
import type { X3MappingOptions } from './mapping';

export interface MappingDef {
  mapToX3?: boolean | string;
  x3SalesSite?: string;
  x3ShippingSite?: string;
  x3OrderType?: string;
  x3Currency?: string;
  x3CustomerPrefix?: string;
  x3TrackingField?: string;
  x3StatusField?: string;
}

/** "map to X3" is on unless explicitly switched off. */
export function mapToX3Of(def: MappingDef): boolean {
  return bool(def.mapToX3, true);
}

export function mappingOf(def: MappingDef): X3MappingOptions {
  return {
    salesSite: text(def.x3SalesSite),
    shippingSite: text(def.x3ShippingSite),
    orderType: text(def.x3OrderType),
    currency: text(def.x3Currency),
    customerPrefix: text(def.x3CustomerPrefix),
    trackingField: text(def.x3TrackingField),
    statusField: text(def.x3StatusField),
  };
}
