/**
 * The X3 documents fedex-ship ships, as a field catalogue: for each entity its short code, its
 * direction and which X3 dictionary fields hold the document number, the address, the weight and
 * the ship date (sim/x3/README.md, reference sage-x3-api.md §4.3). Sales deliveries and sales
 * orders ship outbound to the ship-to address (BPD*); purchase orders are inbound from the
 * supplier's ship-from address (BPO*). Every name can be overridden in the node (fieldMap).
 */

export type X3Record = Record<string, unknown>;

export interface X3Info {
  entity?: string;
  key?: string;
  folder?: string;
  updatedAt?: string;
}

/** "BPDCTY", "BPDNAM[0]" (element of a dimensioned field) or a list of those (street lines). */
export type FieldRef = string | string[];

export interface PartyFieldMap {
  companyName?: FieldRef;
  personName?: FieldRef;
  streetLines?: FieldRef;
  city?: FieldRef;
  stateOrProvinceCode?: FieldRef;
  postalCode?: FieldRef;
  countryCode?: FieldRef;
  phoneNumber?: FieldRef;
  emailAddress?: FieldRef;
  residential?: FieldRef;
}

export interface DocumentFieldMap extends PartyFieldMap {
  /** The document number (key) field. */
  document?: string;
  weight?: string;
  weightUnit?: string;
  packageCount?: string;
  shipDate?: string;
}

export type Direction = 'outbound' | 'inbound';

export interface DocumentProfile {
  entity: string;
  /** X3's short name of the document (its table prefix): short enough for a 30-character reference. */
  code: string;
  direction: Direction;
  /** A purchase order: P_O_NUMBER / PO_NUMBER references are added. */
  purchaseOrder: boolean;
  fields: DocumentFieldMap;
}

const SHIP_TO: PartyFieldMap = {
  companyName: 'BPDNAM[0]',
  personName: 'BPDNAM[1]',
  streetLines: 'BPDADDLIG',
  city: 'BPDCTY',
  stateOrProvinceCode: 'BPDSAT',
  postalCode: 'BPDPOSCOD',
  countryCode: 'BPDCRY',
  phoneNumber: 'BPDTEL',
  emailAddress: 'BPDWEB',
};

const SUPPLIER_SHIP_FROM: PartyFieldMap = {
  companyName: 'BPONAM[0]',
  personName: 'BPONAM[1]',
  streetLines: 'BPOADDLIG',
  city: 'BPOCTY',
  stateOrProvinceCode: 'BPOSAT',
  postalCode: 'BPOPOSCOD',
  countryCode: 'BPOCRY',
  phoneNumber: 'BPOTEL',
  emailAddress: 'BPOWEB',
};

/** Defaults per X3 entity (names as in sim/x3/README.md). */
export const DOCUMENT_PROFILES: Record<string, DocumentProfile> = {
  salesDelivery: {
    entity: 'salesDelivery',
    code: 'SDH',
    direction: 'outbound',
    purchaseOrder: false,
    fields: {
      ...SHIP_TO,
      document: 'SDHNUM',
      weight: 'GROWEI',
      weightUnit: 'WEU',
      packageCount: 'PACNBR',
      shipDate: 'SHIDAT',
    },
  },
  salesOrder: {
    entity: 'salesOrder',
    code: 'SOH',
    direction: 'outbound',
    purchaseOrder: false,
    fields: { ...SHIP_TO, document: 'SOHNUM', shipDate: 'SHIDAT' },
  },
  purchaseOrder: {
    entity: 'purchaseOrder',
    code: 'POH',
    direction: 'inbound',
    purchaseOrder: true,
    fields: { ...SUPPLIER_SHIP_FROM, document: 'POHNUM' },
  },
};

const ENTITY_ALIASES: Record<string, string> = {
  salesdelivery: 'salesDelivery',
  sdelivery: 'salesDelivery',
  sdh: 'salesDelivery',
  salesorder: 'salesOrder',
  sorder: 'salesOrder',
  soh: 'salesOrder',
  purchaseorder: 'purchaseOrder',
  porder: 'purchaseOrder',
  poh: 'purchaseOrder',
};

export function profileFor(entity: string | undefined, record: X3Record): DocumentProfile | undefined {
  if (entity) {
    const name = DOCUMENT_PROFILES[entity] ? entity : ENTITY_ALIASES[entity.toLowerCase()];
    if (name) return DOCUMENT_PROFILES[name];
  }
  if ('SDHNUM' in record) return DOCUMENT_PROFILES.salesDelivery;
  if ('POHNUM' in record) return DOCUMENT_PROFILES.purchaseOrder;
  if ('SOHNUM' in record) return DOCUMENT_PROFILES.salesOrder;
  return undefined;
}
