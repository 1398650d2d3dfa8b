/**
 * X3 records as x3-poll emits them (X3 dictionary names, sim/x3/README.md) and the settings the
 * FedEx tests share.
 */
import { DEFAULT_SHIP_SETTINGS, type ShipSettings } from '../../../nodes/fedex/ship-options';

export const OUR_ADDRESS = {
  companyName: 'Acme Pumps Warehouse',
  personName: 'Shipping Desk',
  phoneNumber: '901-555-1234',
  streetLines: ['10 Main St'],
  city: 'Memphis',
  stateOrProvinceCode: 'TN',
  postalCode: '38116',
  countryCode: 'US',
};

export function settings(patch: Partial<ShipSettings> = {}): ShipSettings {
  return { ...DEFAULT_SHIP_SETTINGS, ourAddress: { ...OUR_ADDRESS }, ...patch };
}

export function salesDelivery(key = 'SD00000001', patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    SDHNUM: key,
    STOFCY: 'US011',
    BPCORD: 'C000001',
    SOHNUM: 'SO00000001',
    SHIDAT: '2025-01-31',
    BPDNAM: ['Jane Industrial Supply', 'Jane Doe'],
    BPDADDLIG: ['1 Broadway', 'Floor 3', ''],
    BPDCTY: 'New York',
    BPDSAT: 'NY',
    BPDPOSCOD: '10004',
    BPDCRY: 'US',
    BPDTEL: '+1 (212) 555-0100',
    BPDWEB: 'jane@example.com',
    PACNBR: 2,
    GROWEI: '25',
    WEU: 'LB',
    ...patch,
  };
}

export function salesOrder(key = 'SO00000042'): Record<string, unknown> {
  const r = salesDelivery('x');
  delete r.SDHNUM;
  delete r.PACNBR;
  delete r.GROWEI;
  delete r.WEU;
  return { ...r, SOHNUM: key, CUSORDREF: 'PO-CUST-1' };
}

export function purchaseOrder(key = 'PO00000007'): Record<string, unknown> {
  return {
    POHNUM: key,
    POHFCY: 'US011',
    BPSNUM: 'S000001',
    BPONAM: ['Valve Makers Inc', 'Bob Supplier'],
    BPOADDLIG: ['200 Industrial Pkwy'],
    BPOCTY: 'Chicago',
    BPOSAT: 'IL',
    BPOPOSCOD: '60601',
    BPOCRY: 'US',
    BPOTEL: '3125550188',
  };
}

export const x3Of = (entity: string, key: string) => ({
  entity,
  key,
  folder: 'SEED',
  updatedAt: '2025-01-31T10:00:00Z',
});
