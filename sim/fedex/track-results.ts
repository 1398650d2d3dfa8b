/**
 * Track API result objects [spec TrkcResponseVO_TrackingNumber, TrackResult, ScanEvent, StatusDetail],
 * shaped like the captured sandbox responses: scanEvents newest first, dates with the local offset
 * of the scan location, derivedStatusCode beside the raw eventType.
 */
import { DateTime } from 'luxon';
import {
  CARRIER_ALIASES,
  COUNTRY_NAMES,
  PACKAGING_DESCRIPTIONS,
  SERVICES,
  TRACK_REFERENCE_TYPE_MAP,
  zoneFor,
} from './catalog';
import { MSG } from './errors';
import { occurredScans } from './journey';
import { formatFedexDate } from './shipments';
import type { PlannedScan, ScanPlace, SimPartySummary, SimPiece, SimShipment } from './types';

function address(
  p: { city?: string; stateOrProvinceCode?: string; postalCode?: string; countryCode: string },
  withPostal = false,
): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  if (p.city !== undefined) a.city = p.city;
  if (p.stateOrProvinceCode !== undefined) a.stateOrProvinceCode = p.stateOrProvinceCode;
  if (withPostal && p.postalCode !== undefined) a.postalCode = p.postalCode;
  a.countryCode = p.countryCode;
  a.residential = false;
  a.countryName = COUNTRY_NAMES[p.countryCode] ?? p.countryCode;
  return a;
}

function scanLocation(place: ScanPlace): Record<string, unknown> {
  return { streetLines: [''], ...address(place, true) };
}

/** latestStatusDetail.derivedCode: reference §5 example (OD → OD) and the sandbox capture (OC → IN). */
function derivedCodeOf(e: PlannedScan): string {
  if (e.eventType === 'OD') return 'OD';
  return e.derivedStatusCode;
}

function statusByLocaleOf(e: PlannedScan): string {
  if (e.eventType === 'OD') return e.eventDescription;
  return e.derivedStatus;
}

function scanEvent(e: PlannedScan): Record<string, unknown> {
  const ev: Record<string, unknown> = {
    date: formatFedexDate(e.dueAt, e.location.zone),
    eventType: e.eventType,
    eventDescription: e.eventDescription,
    exceptionCode: e.exceptionCode ?? '',
    exceptionDescription: e.exceptionDescription ?? '',
    scanLocation: scanLocation(e.location),
  };
  if (e.locationId) ev.locationId = e.locationId;
  ev.locationType = e.locationType;
  ev.derivedStatusCode = e.derivedStatusCode;
  ev.derivedStatus = e.derivedStatus;
  return ev;
}

export function uniqueIdOf(s: SimShipment, trackingNumber: string): string {
  const svc = SERVICES[s.serviceType];
  const day = Math.floor(s.createdAt / 86_400_000) % 100_000;
  return `${day}~${trackingNumber}~${svc.uniqueIdSuffix}`;
}

/** Ship/LTL reference types reported as Track packageIdentifiers types. */
const IDENTIFIER_TYPE: Record<string, string> = {};
for (const [trackType, shipTypes] of Object.entries(TRACK_REFERENCE_TYPE_MAP))
  for (const t of shipTypes) IDENTIFIER_TYPE[t] = trackType;

function partyInfo(p: SimPartySummary): Record<string, unknown> {
  return {
    address: address({
      city: p.city.toUpperCase(),
      stateOrProvinceCode: p.stateOrProvinceCode,
      countryCode: p.countryCode,
    }),
  };
}

export function carrierMatches(s: SimShipment, requested: string | undefined): boolean {
  if (!requested) return true;
  return (CARRIER_ALIASES[s.carrierCode] ?? [s.carrierCode]).includes(requested);
}

export function trackResult(
  s: SimShipment,
  piece: SimPiece,
  now: number,
  includeDetailedScans: boolean,
): Record<string, unknown> {
  const svc = SERVICES[s.serviceType];
  const events = occurredScans(s.journey, now);
  const latest = events[events.length - 1];
  const originZone = zoneFor(s.shipper.countryCode, s.shipper.stateOrProvinceCode);
  const destZone = zoneFor(s.recipient.countryCode, s.recipient.stateOrProvinceCode);
  const delivered = events.find((e) => e.eventType === 'DL');
  const pickedUp = events.find((e) => e.eventType === 'PU');
  const hadException = events.some((e) => e.eventType === 'DE');
  const cancelled = s.status === 'cancelled';

  const latestStatusDetail: Record<string, unknown> = {
    code: latest.eventType,
    derivedCode: derivedCodeOf(latest),
    statusByLocale: statusByLocaleOf(latest),
    description: latest.eventDescription,
    // For the label-created state FedEx reports the destination (as in the sandbox capture).
    scanLocation: address(
      latest.eventType === 'OC' || latest.eventType === 'CA' ? placeOfParty(s.recipient) : latest.location,
    ),
  };
  if (latest.eventType === 'OC') {
    latestStatusDetail.ancillaryDetails = [
      {
        reason: 'IN001',
        reasonDescription: 'Please check back later for shipment status or subscribe for e-mail notifications',
        action: '',
        actionDescription: '',
      },
    ];
  } else if (latest.eventType === 'DE') {
    latestStatusDetail.ancillaryDetails = [
      {
        reason: latest.exceptionCode,
        reasonDescription: latest.exceptionDescription,
        action:
          'Contact us at <http://www.fedex.com/us/customersupport/call/index.html> to discuss possible delivery or pickup alternatives.',
        actionDescription: 'Customer not Available or Business Closed',
      },
    ];
  }
  if (!delivered && !cancelled) latestStatusDetail.delayDetail = { status: hadException ? 'DELAYED' : 'ON_TIME' };

  const dateAndTimes: Array<Record<string, unknown>> = [];
  if (delivered) {
    dateAndTimes.push({ type: 'ACTUAL_DELIVERY', dateTime: formatFedexDate(delivered.dueAt, delivered.location.zone) });
  } else if (!cancelled) {
    const finalDl = s.journey.find((e) => e.eventType === 'DL');
    const etaAt = hadException && finalDl ? finalDl.dueAt : s.originalEtaAt;
    const eta = DateTime.fromMillis(etaAt, { zone: destZone }).startOf('day');
    dateAndTimes.push({ type: 'ESTIMATED_DELIVERY', dateTime: eta.toISO({ suppressMilliseconds: true }) });
  }
  if (pickedUp) {
    dateAndTimes.push({ type: 'ACTUAL_PICKUP', dateTime: formatFedexDate(pickedUp.dueAt, pickedUp.location.zone) });
    dateAndTimes.push({ type: 'ACTUAL_TENDER', dateTime: formatFedexDate(pickedUp.dueAt, pickedUp.location.zone) });
  }
  dateAndTimes.push({
    type: 'SHIP',
    dateTime: DateTime.fromISO(s.shipDate, { zone: originZone }).startOf('day').toISO({ suppressMilliseconds: true }),
  });

  const identifiers = new Map<string, string[]>();
  for (const r of [...piece.references, ...(s.kind === 'ltl' ? s.references : [])]) {
    const type = IDENTIFIER_TYPE[r.type] ?? r.type;
    const list = identifiers.get(type) ?? [];
    if (!list.includes(r.value)) list.push(r.value);
    identifiers.set(type, list);
  }

  const result: Record<string, unknown> = {
    trackingNumberInfo: {
      trackingNumber: piece.trackingNumber,
      trackingNumberUniqueId: uniqueIdOf(s, piece.trackingNumber),
      carrierCode: s.carrierCode,
    },
    additionalTrackingInfo: {
      nickname: '',
      packageIdentifiers: [...identifiers.entries()].map(([type, values]) => ({
        type,
        values,
        trackingNumberUniqueId: '',
        carrierCode: '',
      })),
      hasAssociatedShipments: s.pieces.length > 1,
    },
    shipperInformation: partyInfo(s.shipper),
    recipientInformation: partyInfo(s.recipient),
    latestStatusDetail,
    dateAndTimes,
    availableImages: [],
    packageDetails: {
      packagingDescription: {
        type: s.packagingType,
        description: PACKAGING_DESCRIPTIONS[s.packagingType] ?? 'Package',
      },
      physicalPackagingType: s.kind === 'ltl' ? 'PALLET' : 'PACKAGE',
      sequenceNumber: String(piece.sequenceNumber),
      count: String(s.pieces.length),
      weightAndDimensions: {
        weight: [
          { value: piece.weightLb.toFixed(1), unit: 'LB' },
          { value: (piece.weightLb / 2.20462).toFixed(2), unit: 'KG' },
        ],
      },
      packageContent: [],
    },
    shipmentDetails: { possessionStatus: Boolean(pickedUp) && !delivered },
    scanEvents: includeDetailedScans ? [...events].reverse().map(scanEvent) : [],
    availableNotifications: ['ON_DELIVERY', 'ON_EXCEPTION', 'ON_ESTIMATED_DELIVERY'],
    deliveryDetails: {
      deliveryAttempts: String(events.filter((e) => e.eventType === 'DL' || e.eventType === 'DE').length),
      ...(delivered
        ? { receivedByName: signatureName(s.recipient), actualDeliveryAddress: address(placeOfParty(s.recipient)) }
        : {}),
    },
    originLocation: { locationContactAndAddress: { address: address(placeOfParty(s.shipper)) } },
    lastUpdatedDestinationAddress: address(placeOfParty(s.recipient)),
    serviceDetail: { type: s.serviceType, description: svc.name, shortDescription: svc.shortDescription },
    goodsClassificationCode: '',
    returnDetail: {},
  };
  if (latest.eventType === 'OC') {
    result.serviceCommitMessage = {
      message: 'The delivery date may be updated when FedEx receives the package.',
      type: 'SHIPMENT_LABEL_CREATED',
    };
  }
  return result;
}

function placeOfParty(p: SimPartySummary): ScanPlace {
  return {
    city: p.city.toUpperCase(),
    stateOrProvinceCode: p.stateOrProvinceCode,
    postalCode: p.postalCode,
    countryCode: p.countryCode,
    zone: 'UTC',
  };
}

function signatureName(p: SimPartySummary): string {
  const name = p.personName ?? p.companyName ?? 'SIGNATURE';
  const parts = name.trim().split(/\s+/);
  return (parts.length > 1 ? `${parts[0][0]}.${parts[parts.length - 1]}` : parts[0]).toUpperCase().slice(0, 20);
}

export function notFoundResult(trackingNumber: string): Record<string, unknown> {
  return {
    trackingNumberInfo: { trackingNumber, trackingNumberUniqueId: '', carrierCode: '' },
    error: { code: 'TRACKING.TRACKINGNUMBER.NOTFOUND', message: MSG.trackingNotFound },
  };
}

export function invalidResult(trackingNumber: string): Record<string, unknown> {
  return {
    trackingNumberInfo: { trackingNumber, trackingNumberUniqueId: '', carrierCode: '' },
    error: { code: 'TRACKING.TRACKINGNUMBER.INVALID', message: MSG.trackingInvalid },
  };
}
