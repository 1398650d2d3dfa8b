/**
 * The scan journey of a shipment, planned once at creation as a deterministic function of the
 * tracking number, seed, places and time scale. An event has "happened" once the sim clock passes
 * its dueAt, so a test with a controlled clock sees exactly predictable progress.
 *
 * Event texts, location types and derived codes follow a captured FedEx sandbox Track response
 * (OC "Shipment information sent to FedEx" derived IN "Initiated", AR/DP/IT/OD derived IT, PU, DL)
 * and reference §6 (codes) — see README.
 */
import { EXPRESS_HUB, GROUND_HUBS, type Hub, type JourneyKind } from './catalog';
import { hash32, unitHash } from './random';
import type { PlannedScan, ScanPlace } from './types';

interface Step {
  hours: number;
  eventType: string;
  eventDescription: string;
  derivedStatusCode: string;
  derivedStatus: string;
  locationType: string;
  at: 'origin' | 'originCustomer' | 'hub1' | 'hub2' | 'destination';
  exceptionCode?: string;
  exceptionDescription?: string;
}

const S = {
  OC: {
    eventType: 'OC',
    eventDescription: 'Shipment information sent to FedEx',
    derivedStatusCode: 'IN',
    derivedStatus: 'Initiated',
    locationType: 'CUSTOMER',
  },
  PU: {
    eventType: 'PU',
    eventDescription: 'Picked up',
    derivedStatusCode: 'PU',
    derivedStatus: 'Picked up',
    locationType: 'PICKUP_LOCATION',
  },
  AR: {
    eventType: 'AR',
    eventDescription: 'Arrived at FedEx location',
    derivedStatusCode: 'IT',
    derivedStatus: 'In transit',
    locationType: 'FEDEX_FACILITY',
  },
  DP: {
    eventType: 'DP',
    eventDescription: 'Departed FedEx location',
    derivedStatusCode: 'IT',
    derivedStatus: 'In transit',
    locationType: 'FEDEX_FACILITY',
  },
  IT: {
    eventType: 'IT',
    eventDescription: 'In transit',
    derivedStatusCode: 'IT',
    derivedStatus: 'In transit',
    locationType: 'FEDEX_FACILITY',
  },
  AL: {
    eventType: 'AR',
    eventDescription: 'At local FedEx facility',
    derivedStatusCode: 'IT',
    derivedStatus: 'In transit',
    locationType: 'DESTINATION_FEDEX_FACILITY',
  },
  OD: {
    eventType: 'OD',
    eventDescription: 'On FedEx vehicle for delivery',
    derivedStatusCode: 'IT',
    derivedStatus: 'In transit',
    locationType: 'VEHICLE',
  },
  DL: {
    eventType: 'DL',
    eventDescription: 'Delivered',
    derivedStatusCode: 'DL',
    derivedStatus: 'Delivered',
    locationType: 'DELIVERY_LOCATION',
  },
  DE: {
    eventType: 'DE',
    eventDescription: 'Delivery exception',
    derivedStatusCode: 'DE',
    derivedStatus: 'Delivery exception',
    locationType: 'DELIVERY_LOCATION',
    exceptionCode: '08',
    exceptionDescription: 'Customer not available or business closed',
  },
} as const;

/** Nominal timelines (hours after label creation). */
const TEMPLATES: Record<JourneyKind, Step[]> = {
  ground: [
    { hours: 0, ...S.OC, at: 'originCustomer' },
    { hours: 3, ...S.PU, at: 'origin' },
    { hours: 5, ...S.AR, at: 'origin' },
    { hours: 9, ...S.DP, at: 'origin' },
    { hours: 20, ...S.AR, at: 'hub1' },
    { hours: 24, ...S.DP, at: 'hub1' },
    { hours: 32, ...S.IT, at: 'hub2' },
    { hours: 44, ...S.AL, at: 'destination' },
    { hours: 48, ...S.OD, at: 'destination' },
    { hours: 53, ...S.DL, at: 'destination' },
  ],
  express: [
    { hours: 0, ...S.OC, at: 'originCustomer' },
    { hours: 2, ...S.PU, at: 'origin' },
    { hours: 3, ...S.AR, at: 'origin' },
    { hours: 5, ...S.DP, at: 'origin' },
    { hours: 8, ...S.AR, at: 'hub1' },
    { hours: 11, ...S.DP, at: 'hub1' },
    { hours: 14, ...S.AL, at: 'destination' },
    { hours: 17, ...S.OD, at: 'destination' },
    { hours: 20, ...S.DL, at: 'destination' },
  ],
  freight: [
    { hours: 0, ...S.OC, at: 'originCustomer' },
    { hours: 6, ...S.PU, at: 'origin' },
    { hours: 8, ...S.AR, at: 'origin' },
    { hours: 20, ...S.DP, at: 'origin' },
    { hours: 40, ...S.IT, at: 'hub1' },
    { hours: 60, ...S.AL, at: 'destination' },
    { hours: 66, ...S.OD, at: 'destination' },
    { hours: 72, ...S.DL, at: 'destination' },
  ],
};

/** With an exception: DE after the first delivery attempt, then a new attempt the next day. */
const EXCEPTION_TAIL: Array<{ afterHours: number; step: Omit<Step, 'hours'> }> = [
  { afterHours: 5, step: { ...S.DE, at: 'destination' } },
  { afterHours: 8, step: { ...S.AL, at: 'destination' } },
  { afterHours: 24, step: { ...S.OD, at: 'destination' } },
  { afterHours: 29, step: { ...S.DL, at: 'destination' } },
];

export function nominalJourneyHours(kind: JourneyKind, exception: boolean): number {
  const t = TEMPLATES[kind];
  const lastOd = [...t].reverse().find((s) => s.eventType === 'OD')?.hours ?? 0;
  return exception ? lastOd + EXCEPTION_TAIL[EXCEPTION_TAIL.length - 1].afterHours : t[t.length - 1].hours;
}

export interface JourneyInput {
  trackingNumber: string;
  seed: number;
  createdAt: number;
  kind: JourneyKind;
  origin: ScanPlace;
  destination: ScanPlace;
  exception: boolean;
  /** Real ms per nominal hour. */
  msPerHour: number;
}

function hubPlace(h: Hub): ScanPlace & { locationId: string } {
  return {
    city: h.city,
    stateOrProvinceCode: h.stateOrProvinceCode,
    postalCode: h.postalCode,
    countryCode: h.countryCode,
    zone: h.zone,
    locationId: h.locationId,
  };
}

/** Two distinct hubs that are not in the origin's or destination's state. */
function chooseHubs(input: JourneyInput): [Hub, Hub] {
  if (input.kind === 'express') return [EXPRESS_HUB, EXPRESS_HUB];
  const avoid = new Set([input.origin.stateOrProvinceCode, input.destination.stateOrProvinceCode]);
  const pool = GROUND_HUBS.filter((h) => !avoid.has(h.stateOrProvinceCode));
  const list = pool.length >= 2 ? pool : GROUND_HUBS;
  const a = Math.floor(unitHash(input.seed, `${input.trackingNumber}:hub1`) * list.length);
  let b = Math.floor(unitHash(input.seed, `${input.trackingNumber}:hub2`) * (list.length - 1));
  if (b >= a) b += 1;
  return [list[a], list[b]];
}

function localId(place: ScanPlace): string {
  return String((hash32(`${place.city ?? ''}${place.postalCode ?? ''}`) % 9000) + 1000);
}

export function planJourney(input: JourneyInput): PlannedScan[] {
  const [hub1, hub2] = chooseHubs(input);
  const steps: Step[] = [...TEMPLATES[input.kind]];
  if (input.exception) {
    const odIndex = steps.findIndex((s) => s.eventType === 'OD');
    const od = steps[odIndex];
    steps.splice(odIndex + 1);
    for (const t of EXCEPTION_TAIL) steps.push({ hours: od.hours + t.afterHours, ...t.step });
  }
  const placeFor = (at: Step['at']): { place: ScanPlace; locationId?: string } => {
    switch (at) {
      case 'originCustomer':
        // FedEx reports the label-creation scan with postal code and country only.
        return {
          place: {
            postalCode: input.origin.postalCode,
            countryCode: input.origin.countryCode,
            zone: input.origin.zone,
          },
        };
      case 'origin':
        return { place: input.origin, locationId: localId(input.origin) };
      case 'hub1': {
        const p = hubPlace(hub1);
        return { place: p, locationId: p.locationId };
      }
      case 'hub2': {
        const p = hubPlace(hub2);
        return { place: p, locationId: p.locationId };
      }
      default:
        return { place: input.destination, locationId: localId(input.destination) };
    }
  };
  let last = -1;
  return steps.map((s, seq) => {
    // Strictly increasing even when the scale squeezes a journey into a few ms.
    const dueAt = Math.max(input.createdAt + Math.round(s.hours * input.msPerHour), last + 1);
    last = dueAt;
    const { place, locationId } = placeFor(s.at);
    const scan: PlannedScan = {
      seq,
      eventType: s.eventType,
      eventDescription: s.eventDescription,
      derivedStatusCode: s.derivedStatusCode,
      derivedStatus: s.derivedStatus,
      locationType: s.locationType,
      location: place,
      dueAt,
    };
    if (locationId) scan.locationId = locationId;
    if (s.exceptionCode) {
      scan.exceptionCode = s.exceptionCode;
      scan.exceptionDescription = s.exceptionDescription;
    }
    return scan;
  });
}

/** The cancellation scan appended when a shipment is cancelled before pickup. */
export function cancellationScan(seq: number, at: number, origin: ScanPlace): PlannedScan {
  return {
    seq,
    eventType: 'CA',
    eventDescription: 'Shipment cancelled by sender',
    derivedStatusCode: 'CA',
    derivedStatus: 'Cancelled',
    locationType: 'CUSTOMER',
    location: { postalCode: origin.postalCode, countryCode: origin.countryCode, zone: origin.zone },
    dueAt: at,
  };
}

/** Events that have happened by `now` (oldest first). */
export function occurredScans(journey: PlannedScan[], now: number): PlannedScan[] {
  return journey.filter((e) => e.dueAt <= now);
}
