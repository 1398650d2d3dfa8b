/**
 * International X3 data for the customs tests: a delivery to Toronto and one to Monterrey with
 * several lines, their sales order (prices, currency) and the product master (customs code,
 * origin, unit weight) under the default field names of customs-options.ts.
 */
import { salesDelivery } from './fixtures';

export const PRODUCTS: Record<string, Record<string, unknown>> = {
  ITM000001: {
    ITMREF: 'ITM000001',
    DES1AXX: 'Centrifugal pump 1 HP',
    CUSREF: '8413.70.2004',
    ORICRY: 'US',
    ITMWEI: 4,
    WEU: 'LB',
  },
  ITM000002: {
    ITMREF: 'ITM000002',
    DES1AXX: 'Pump seal kit',
    CUSREF: '8484.20.0000',
    ORICRY: 'MX',
    ITMWEI: 0.5,
    WEU: 'KG',
  },
  ITM000003: { ITMREF: 'ITM000003', DES1AXX: 'Pressure gauge', CUSREF: '9026.20.4000', ORICRY: 'DE' },
};

export function intlOrder(key = 'SO00000077', currency = 'USD'): Record<string, unknown> {
  return {
    SOHNUM: key,
    CUR: currency,
    SORDERQ: [
      { SOPLIN: 1000, ITMREF: 'ITM000001', QTY: 4, GROPRI: 120 },
      { SOPLIN: 2000, ITMREF: 'ITM000002', QTY: 10, GROPRI: 15.5 },
      { SOPLIN: 3000, ITMREF: 'ITM000003', QTY: 2, GROPRI: 42 },
      { SOPLIN: 4000, ITMREF: 'ITM000001', QTY: 1, GROPRI: 120 },
    ],
  };
}

const LINES = [
  { SDDLIN: 1000, SOHNUM: 'SO00000077', SOPLIN: 1000, ITMREF: 'ITM000001', ITMDES1: 'Pump', SAU: 'UN', QTY: 3 },
  { SDDLIN: 2000, SOHNUM: 'SO00000077', SOPLIN: 2000, ITMREF: 'ITM000002', ITMDES1: 'Seal kit', SAU: 'UN', QTY: 10 },
  { SDDLIN: 3000, SOHNUM: 'SO00000077', SOPLIN: 3000, ITMREF: 'ITM000003', ITMDES1: 'Gauge', SAU: 'UN', QTY: 2 },
  { SDDLIN: 4000, SOHNUM: 'SO00000077', SOPLIN: 4000, ITMREF: 'ITM000001', ITMDES1: 'Pump', SAU: 'UN', QTY: 1 },
];

export function torontoDelivery(key = 'SD00000101', patch: Record<string, unknown> = {}): Record<string, unknown> {
  return salesDelivery(key, {
    SOHNUM: 'SO00000077',
    BPDNAM: ['Maple Fluid Systems', 'Alex Tremblay'],
    BPDADDLIG: ['250 Front St W', '', ''],
    BPDCTY: 'Toronto',
    BPDSAT: 'ON',
    BPDPOSCOD: 'M5V 3G5',
    BPDCRY: 'CA',
    BPDTEL: '+1 416 555 0199',
    PACNBR: 2,
    GROWEI: '40',
    WEU: 'LB',
    SDELIVERYD: LINES.map((l) => ({ ...l })),
    ...patch,
  });
}

export function monterreyDelivery(key = 'SD00000102', patch: Record<string, unknown> = {}): Record<string, unknown> {
  return salesDelivery(key, {
    SOHNUM: 'SO00000077',
    BPDNAM: ['Bombas del Norte SA de CV', 'Lucía Garza'],
    BPDADDLIG: ['Av. Constitución 400 Pte', 'Col. Centro', ''],
    BPDCTY: 'Monterrey',
    BPDSAT: 'NL',
    BPDPOSCOD: '64000',
    BPDCRY: 'MX',
    BPDTEL: '+52 81 5555 0123',
    PACNBR: 1,
    GROWEI: '30',
    WEU: 'LB',
    SDELIVERYD: LINES.slice(0, 3).map((l) => ({ ...l })),
    ...patch,
  });
}
