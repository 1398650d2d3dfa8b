/**
 * FedEx Track results -> tracking updates, for fedex-track (polling) and fedex-webhook (AIV push)
 * alike: FedEx codes normalised to the DESIGN.md statuses (raw code kept), events de-duplicated
 * and ordered by time, and the stored state of the shipment (audit store) applied monotonically —
 * a late or out-of-order event never moves a shipment backwards, a delivered shipment stays
 * delivered, and terminal shipments are closed (no longer polled).
 */
import { toUtcIso } from '../core/time';
import { isShipmentStatus } from '../audit/vocabulary';
import { asObject as obj, asObjectList as list } from './json-shape';
import type { AuditCorrelation, AuditStore, ShipmentStatus, TrackedShipment } from '../audit/types';

export type { ShipmentStatus };

export interface TrackingLocation {
  city?: string;
  stateOrProvinceCode?: string;
  postalCode?: string;
  countryCode?: string;
}

export interface TrackingEvent {
  /** raw FedEx event code (scanEvents[].eventType) */
  code: string;
  /** FedEx's derived status code (may differ: an OD scan is derived IT) */
  derivedCode?: string;
  status: ShipmentStatus;
  description?: string;
  /** UTC ISO */
  occurredAt?: string;
  location?: TrackingLocation;
  exceptionCode?: string;
  exceptionDescription?: string;
}

export interface TrackingUpdate {
  trackingNumber: string;
  status: ShipmentStatus;
  /** raw FedEx code of the current status (latestStatusDetail.code) */
  statusCode: string;
  description?: string;
  /** UTC ISO time of the latest event */
  occurredAt?: string;
  location?: TrackingLocation;
  delivered: boolean;
  /** de-duplicated, oldest first */
  events: TrackingEvent[];
  estimatedDelivery?: string;
  serviceType?: string;
}

export interface TrackError {
  code: string;
  message: string;
}

export interface ParsedTrackResult {
  trackingNumber: string;
  update?: TrackingUpdate;
  error?: TrackError;
}

/** Reference §6 normalisation (karrio-based) folded into the DESIGN.md status set. */
const CODE_STATUS: Record<string, ShipmentStatus> = {
  OC: 'label_created',
  IN: 'label_created',
  LC: 'label_created',
  PU: 'picked_up',
  PX: 'picked_up',
  DO: 'picked_up',
  IP: 'picked_up',
  OD: 'out_for_delivery',
  ED: 'out_for_delivery',
  AD: 'out_for_delivery',
  // Held for the recipient to collect: the last step before delivery.
  HL: 'out_for_delivery',
  HP: 'out_for_delivery',
  DL: 'delivered',
  DE: 'exception',
  SE: 'exception',
  CD: 'exception',
  RS: 'returned',
  CA: 'cancelled',
};

/** Statuses no later event may leave. */
export const TERMINAL_STATUSES: ReadonlySet<ShipmentStatus> = new Set(['delivered', 'returned', 'cancelled']);

const RANK: Record<ShipmentStatus, number> = {
  unknown: -1,
  label_created: 0,
  picked_up: 1,
  in_transit: 2,
  exception: 2,
  out_for_delivery: 3,
  delivered: 4,
  returned: 4,
  cancelled: 4,
};

/**
 * A FedEx code -> status. Delays (DY, DD, PD) and every other movement scan are in_transit: the
 * shipment still moves; the raw code stays on the update for whoever needs the detail.
 */
export function normaliseCode(code: string | undefined): ShipmentStatus {
  if (!code) return 'unknown';
  return CODE_STATUS[code.trim().toUpperCase()] ?? 'in_transit';
}

/** The status of a latestStatusDetail: derivedCode first (reference §5), the raw code when more specific. */
export function statusOf(code: string | undefined, derivedCode: string | undefined): ShipmentStatus {
  const fromDerived = normaliseCode(derivedCode);
  const fromCode = normaliseCode(code);
  if (derivedCode && fromDerived !== 'in_transit') return fromDerived;
  if (code && fromCode !== 'in_transit') return fromCode;
  return derivedCode ? fromDerived : fromCode;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function utc(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  try {
    return toUtcIso(s);
  } catch {
    return undefined;
  }
}

/** Sets on `target` the fields that have a value: an event carries only what FedEx told. */
function withValues<T extends object>(target: T, values: Partial<T>): T {
  for (const [k, v] of Object.entries(values)) if (v) (target as Record<string, unknown>)[k] = v;
  return target;
}

function location(v: unknown): TrackingLocation | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const loc: TrackingLocation = {};
  for (const k of ['city', 'stateOrProvinceCode', 'postalCode', 'countryCode'] as const) {
    const s = str(o[k]);
    if (s) loc[k] = s;
  }
  return Object.keys(loc).length ? loc : undefined;
}

function eventKey(e: TrackingEvent): string {
  return `${e.code}|${e.occurredAt ?? ''}|${e.location?.city ?? ''}|${e.location?.postalCode ?? ''}`;
}

/** Scan events, de-duplicated and ordered oldest first (FedEx lists them newest first). */
export function readEvents(scanEvents: unknown): TrackingEvent[] {
  const seen = new Set<string>();
  const events: TrackingEvent[] = [];
  for (const s of list(scanEvents)) {
    const code = str(s.eventType);
    if (!code) continue;
    const e: TrackingEvent = { code, status: normaliseCode(code) };
    withValues(e, {
      derivedCode: str(s.derivedStatusCode),
      description: str(s.eventDescription),
      occurredAt: utc(s.date),
      location: location(s.scanLocation),
      exceptionCode: str(s.exceptionCode),
      exceptionDescription: str(s.exceptionDescription),
    });
    const k = eventKey(e);
    if (seen.has(k)) continue;
    seen.add(k);
    events.push(e);
  }
  // Stable sort: undated events keep their relative place at the start.
  return events
    .map((e, i) => ({ e, i, t: e.occurredAt ? Date.parse(e.occurredAt) : Number.NEGATIVE_INFINITY }))
    .sort((a, b) => a.t - b.t || b.i - a.i)
    .map((x) => x.e);
}

/** One trackResults[] entry -> an update, or the per-number error FedEx put inside the 200. */
export function parseTrackResult(result: unknown, fallbackTrackingNumber?: string): ParsedTrackResult {
  const r = obj(result) ?? {};
  const trackingNumber = str(obj(r.trackingNumberInfo)?.trackingNumber) ?? fallbackTrackingNumber ?? '';
  const err = obj(r.error);
  if (err) {
    return {
      trackingNumber,
      error: {
        code: str(err.code) ?? 'TRACKING.ERROR',
        message: str(err.message) ?? 'FedEx reported an error for this number',
      },
    };
  }
  const events = readEvents(r.scanEvents);
  const latest = obj(r.latestStatusDetail);
  const newest = events[events.length - 1];
  const code = str(latest?.code) ?? newest?.code ?? '';
  const derived = str(latest?.derivedCode) ?? newest?.derivedCode;
  const status = code || derived ? statusOf(code || undefined, derived) : 'unknown';
  const dates = list(r.dateAndTimes);
  const dateOf = (type: string): string | undefined => utc(dates.find((d) => d.type === type)?.dateTime);
  const occurredAt =
    newest?.occurredAt ??
    (status === 'delivered' ? dateOf('ACTUAL_DELIVERY') : undefined) ??
    (status === 'picked_up' ? dateOf('ACTUAL_PICKUP') : undefined);
  const update: TrackingUpdate = {
    trackingNumber,
    status,
    statusCode: code || derived || '',
    description: str(latest?.description) ?? str(latest?.statusByLocale) ?? newest?.description,
    occurredAt,
    location: location(latest?.scanLocation) ?? newest?.location,
    delivered: status === 'delivered',
    events,
  };
  const eta = dateOf('ESTIMATED_DELIVERY');
  if (eta) update.estimatedDelivery = eta;
  const service = str(obj(r.serviceDetail)?.type);
  if (service) update.serviceType = service;
  if (update.description === undefined) delete update.description;
  if (update.occurredAt === undefined) delete update.occurredAt;
  if (update.location === undefined) delete update.location;
  return { trackingNumber, update };
}

/** A Track answer (or an AIV webhook body, same structure) -> one entry per track result. */
export function parseTrackOutput(body: unknown): ParsedTrackResult[] {
  const output = obj(obj(body)?.output);
  const out: ParsedTrackResult[] = [];
  for (const complete of list(output?.completeTrackResults)) {
    const fallback = str(complete.trackingNumber);
    const results = list(complete.trackResults);
    if (results.length === 0 && fallback) {
      out.push({
        trackingNumber: fallback,
        error: { code: 'TRACKING.DATA.NOTFOUND', message: 'FedEx returned no result for this number' },
      });
    }
    for (const r of results) out.push(parseTrackResult(r, fallback));
  }
  return out;
}

export interface Decision {
  /** The incoming state becomes the shipment's state. */
  apply: boolean;
  /** The shipment's state after this update (the stored one when not applied). */
  status: ShipmentStatus;
  statusCode?: string;
  lastEventAt?: string;
  closed: boolean;
  /** Something a downstream system should hear about. */
  changed: boolean;
}

/**
 * The monotonic rule. Terminal states are final; otherwise the newest event wins (an exception
 * may legitimately be followed by in-transit scans), and at equal times (or without times) the
 * status that is further along wins.
 */
export function decide(
  stored: Pick<TrackedShipment, 'status' | 'statusCode' | 'lastEventAt' | 'closed'> | undefined,
  incoming: TrackingUpdate,
): Decision {
  const next = {
    status: incoming.status,
    statusCode: incoming.statusCode || undefined,
    lastEventAt: incoming.occurredAt,
    closed: TERMINAL_STATUSES.has(incoming.status),
  };
  if (!stored) return { apply: true, ...next, changed: true };
  const keep: Decision = {
    apply: false,
    status: stored.status,
    statusCode: stored.statusCode,
    lastEventAt: stored.lastEventAt,
    closed: stored.closed || TERMINAL_STATUSES.has(stored.status),
    changed: false,
  };
  if (TERMINAL_STATUSES.has(stored.status) && stored.status !== 'unknown') {
    const same = stored.status === incoming.status && (stored.statusCode ?? '') === (incoming.statusCode ?? '');
    // A later time for the same final status (e.g. delivery time corrected) is recorded, not emitted.
    return same && incoming.occurredAt && incoming.occurredAt !== stored.lastEventAt
      ? { ...keep, apply: true, lastEventAt: incoming.occurredAt, changed: false }
      : keep;
  }
  if (incoming.status === 'unknown' && stored.status !== 'unknown') return keep;
  const tIn = incoming.occurredAt ? Date.parse(incoming.occurredAt) : undefined;
  const tStored = stored.lastEventAt ? Date.parse(stored.lastEventAt) : undefined;
  if (tIn !== undefined && tStored !== undefined) {
    if (tIn < tStored) return keep;
    if (tIn === tStored && RANK[incoming.status] < RANK[stored.status]) return keep;
  } else if (RANK[incoming.status] < RANK[stored.status]) {
    return keep;
  }
  const changed =
    stored.status !== next.status ||
    (stored.statusCode ?? '') !== (next.statusCode ?? '') ||
    (next.lastEventAt !== undefined && next.lastEventAt !== stored.lastEventAt);
  return { apply: true, ...next, changed };
}

export interface ApplyOutcome {
  /** The update as it stands after the monotonic rule (status never behind the stored one). */
  update: TrackingUpdate;
  changed: boolean;
  closed: boolean;
  correlation?: AuditCorrelation;
}

/**
 * Applies updates to the audit store's tracked shipments. Each read-decide-write is one
 * applyShipment step: fedex-track and fedex-webhook (and other instances) apply events to the
 * same shipment at once, and a decision written over a newer state would reopen a delivered one.
 */
export class TrackingProcessor {
  constructor(private readonly store: AuditStore) {}

  async apply(incoming: TrackingUpdate): Promise<ApplyOutcome> {
    let d: Decision | undefined;
    const stored = await this.store.applyShipment(incoming.trackingNumber, (s) => {
      d = decide(s, incoming);
      // Written even when nothing changed: the write moves the shipment to the back of the
      // open-shipment poll order, so a run of N never keeps polling the same N forever.
      return { status: d.status, statusCode: d.statusCode, lastEventAt: d.lastEventAt, closed: d.closed };
    });
    const decision = d as Decision;
    const update: TrackingUpdate = decision.apply
      ? incoming
      : {
          ...incoming,
          status: decision.status,
          statusCode: decision.statusCode ?? incoming.statusCode,
          delivered: decision.status === 'delivered',
          ...(decision.lastEventAt ? { occurredAt: decision.lastEventAt } : {}),
        };
    return { update, changed: decision.changed, closed: decision.closed, correlation: stored?.correlation };
  }

  /** A followed shipment FedEx could not report on goes to the back of the poll order too. */
  async touch(trackingNumber: string): Promise<void> {
    await this.store.applyShipment(trackingNumber, (s) =>
      s ? { status: s.status, statusCode: s.statusCode, lastEventAt: s.lastEventAt, closed: s.closed } : undefined,
    );
  }
}

/**
 * The status a tracking msg carries (payload: trackingNumber, status, statusCode, occurredAt, as
 * fedex-track and fedex-webhook emit it) when it is behind the shipment's stored state, which
 * both nodes apply monotonically: returns the stored, newer status, or undefined (not behind, not
 * a tracking msg, or a shipment nobody follows). x3-update asks this right before it writes a
 * status, so a msg delayed behind a newer one (another flow, a resumed emit) never takes X3 back.
 */
export async function newerStoredStatus(
  store: Pick<AuditStore, 'getShipment'>,
  payload: unknown,
): Promise<ShipmentStatus | undefined> {
  const p = obj(payload);
  const trackingNumber = str(p?.trackingNumber);
  const status = str(p?.status);
  if (!p || !trackingNumber || !isShipmentStatus(status)) return undefined;
  const stored = await store.getShipment(trackingNumber);
  if (!stored) return undefined;
  const d = decide(stored, {
    trackingNumber,
    status,
    statusCode: str(p.statusCode) ?? '',
    occurredAt: utc(p.occurredAt),
    delivered: status === 'delivered',
    events: [],
  });
  return !d.apply && d.status !== status ? d.status : undefined;
}

/** msg.x3 from a tracked shipment's correlation (fedex-ship registered it). */
export function x3FromCorrelation(c: AuditCorrelation | undefined): Record<string, string> | undefined {
  if (!c?.x3Key) return undefined;
  const x3: Record<string, string> = { key: c.x3Key };
  if (c.x3Entity) x3.entity = c.x3Entity;
  if (c.x3Folder) x3.folder = c.x3Folder;
  return x3;
}
