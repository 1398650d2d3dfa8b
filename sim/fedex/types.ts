/**
 * Shared types of the FedEx simulator: configuration (live knobs), options and inspection state.
 * Field names of FedEx payloads live in the modules that build them; these are the sim's own shapes.
 */

export interface SimChildCredential {
  childKey: string;
  childSecret: string;
  /** Extra accounts reachable with this child credential (added to the parent's). */
  accountNumbers?: string[];
}

export interface SimClient {
  clientId: string;
  clientSecret: string;
  /** FedEx account numbers (≤ 9 chars) this project may ship/track with. */
  accountNumbers: string[];
  /** `scope` in the token response; defaults to CXS (client_credentials) / CXS-TP (child grants). */
  scope?: string;
  children?: SimChildCredential[];
}

/** A token-endpoint threshold: more than `limit` requests inside any `windowMs` from one IP is a breach. */
export interface RateRule {
  limit: number;
  windowMs: number;
}

export interface SimAlert {
  code: string;
  alertType: 'NOTE' | 'WARNING';
  message: string;
}

export interface WebhookSettings {
  /** Real-time interval (ms) at which the sim looks for new scan events and due retries; 0 = only on flush. */
  pollMs: number;
  /** Delays (sim clock) before retry 1, 2, 3 of a failed delivery. */
  retryDelaysMs: number[];
  /** Per-attempt HTTP timeout (real time). */
  timeoutMs: number;
  /** `full`: every push carries the whole scan history; `latest`: only the new event. */
  history: 'full' | 'latest';
  /** Deliver a batch of due events in a seeded shuffled order (FedEx: events may arrive out of order). */
  outOfOrder: boolean;
  /** Apply FedEx's destination rules (HTTPS, no localhost/IP literal, ≤ 200 chars). Off by default so tests can use http://127.0.0.1. */
  enforceUrlRules: boolean;
  /** How long exhausted deliveries stay in the missed-events queue (sim clock; FedEx keeps 7 days). */
  missedRetentionMs: number;
}

export interface WebhookTargetInput {
  url: string;
  securityToken: string;
  /** Only shipments of these accounts (account-number subscription). Empty/absent = all. */
  accountNumbers?: string[];
  /** Only these tracking numbers (tracking-number subscription). Empty/absent = all. */
  trackingNumbers?: string[];
}

/** The live knobs. Every field can be changed at runtime through `sim.config` or `POST /__sim/config`. */
export interface FedexSimConfig {
  clients: SimClient[];
  tokenLifetimeSec: number;
  /** Token-endpoint thresholds per client IP (reference §2: ~3/s over 5 s, ~1/s over 2 min). */
  tokenRateRules: RateRule[];
  lockoutMs: number;
  /** A further breach while locked out restarts the penalty ("more violations extend it"). */
  extendLockoutOnViolation: boolean;
  /** Per-project transactions per window (reference §8: 1,400 / 10 s). */
  quotaLimit: number;
  quotaWindowMs: number;
  /** Per-project daily Track quota (100K), resets 00:00 GMT. */
  trackDailyQuota: number;
  /** Organisation daily quota over all business calls, resets 00:00 GMT. */
  orgDailyQuota: number;
  /** FedEx documents no Retry-After; set a number of seconds to send one on 429s. */
  retryAfterSec: number | null;
  latencyMs: number;
  /** Processing time of one business path once its request is read (e.g. '/ship/v1/shipments': a label takes seconds). */
  routeLatencyMs: Record<string, number>;
  /** Probability that a business or token request is answered 500/503 before doing anything. */
  error5xxRate: number;
  /** The next N business requests are answered 429. */
  burst429: number;
  /** Probability that a create-shipment commits and then the socket is destroyed without answering. */
  commitThenDropRate: number;
  /** The next N create-shipment requests commit and drop. */
  commitThenDropNext: number;
  seed: number;
  /** Time acceleration of scan journeys created from now on (1 = realistic hours). */
  trackingSpeed: number;
  /** When set, every new journey is scaled to exactly this many seconds of sim clock (overrides trackingSpeed). */
  journeySeconds: number | null;
  /** Fraction of shipments whose journey includes a delivery exception (DE) before delivery. */
  exceptionRate: number;
  /** A new shipment answers TRACKING.TRACKINGNUMBER.NOTFOUND for this long after creation. */
  trackVisibilityDelayMs: number;
  /** URL_ONLY label links are valid this long (FedEx: 24 h). */
  labelUrlTtlMs: number;
  /** The spec marks requestedShipment.totalWeight required; FedEx's own domestic samples omit it. */
  requireTotalWeight: boolean;
  /** Alerts added to every successful create (to exercise alert handling). */
  createAlerts: SimAlert[];
  webhooks: WebhookSettings;
  /** Added to the base clock; moved by `POST /__sim/clock`. */
  clockOffsetMs: number;
}

export interface FedexSimOptions extends Partial<Omit<FedexSimConfig, 'webhooks'>> {
  port?: number;
  host?: string;
  /** The sim clock (ms since epoch). Every time calculation uses it. Default Date.now. */
  now?: () => number;
  webhooks?: Partial<WebhookSettings>;
  webhookTargets?: WebhookTargetInput[];
}

/* ---------------------------------------------------------------- state ---------------- */

export type TokenOutcome =
  'issued' | 'invalid_client' | 'bad_request' | 'unsupported_grant_type' | 'locked_out' | 'fault';

export interface TokenRequestRecord {
  at: number;
  ip: string;
  grantType?: string;
  clientId?: string;
  outcome: TokenOutcome;
  status: number;
}

export interface IssuedTokenRecord {
  tokenId: string;
  clientId: string;
  childKey?: string;
  grantType: string;
  issuedAt: number;
  expiresAt: number;
}

export interface LockoutRecord {
  ip: string;
  startedAt: number;
  until: number;
  rule: RateRule;
  extensions: number;
}

export interface RequestRecord {
  at: number;
  method: string;
  path: string;
  status: number;
  clientId?: string;
  customerTransactionId?: string;
}

export interface CreateRecord {
  at: number;
  path: string;
  status: number;
  masterTrackingNumber?: string;
  dropped: boolean;
  customerTransactionId?: string;
}

export interface CancelRecord {
  at: number;
  trackingNumber: string;
  status: number;
  outcome: 'cancelled' | 'already_cancelled' | 'not_cancellable' | 'unknown' | 'unauthorized' | 'invalid';
}

export interface TrackCallRecord {
  at: number;
  path: string;
  status: number;
  /** Tracking numbers asked for (or reference values for /referencenumbers). */
  numbers: string[];
  count: number;
  notFound: number;
}

export interface LimitRecord {
  at: number;
  path: string;
  status: number;
  reason: 'quota' | 'burst429' | 'trackDailyQuota' | 'orgDailyQuota' | 'error5xxRate';
  clientId?: string;
}

export interface DropRecord {
  at: number;
  masterTrackingNumber: string;
  trigger: 'next' | 'rate';
}

export interface WebhookDeliveryRecord {
  id: string;
  targetId: string;
  url: string;
  trackingNumber: string;
  eventType: string;
  eventDate: string;
  attempt: number;
  at: number;
  ok: boolean;
  status?: number;
  error?: string;
  /** Value of the fdx-signature header sent. */
  signature: string;
  bodyBytes: number;
  /** `redelivery` when sent by POST /__sim/webhooks/redeliver. */
  kind: 'event' | 'retry' | 'redelivery';
}

export interface PlannedScan {
  seq: number;
  eventType: string;
  eventDescription: string;
  derivedStatusCode: string;
  derivedStatus: string;
  locationType: string;
  location: ScanPlace;
  dueAt: number;
  exceptionCode?: string;
  exceptionDescription?: string;
  locationId?: string;
}

export interface ScanPlace {
  city?: string;
  stateOrProvinceCode?: string;
  postalCode?: string;
  countryCode: string;
  zone: string;
}

export interface SimPartySummary {
  personName?: string;
  companyName?: string;
  phoneNumber: string;
  streetLines: string[];
  city: string;
  stateOrProvinceCode?: string;
  postalCode?: string;
  countryCode: string;
  residential: boolean;
}

export interface SimReference {
  /** The Ship API type (CUSTOMER_REFERENCE, P_O_NUMBER, …) or the LTL printedReferenceType. */
  type: string;
  value: string;
}

export interface SimPiece {
  trackingNumber: string;
  sequenceNumber: number;
  weightLb: number;
  references: SimReference[];
}

export interface SimDocument {
  id: string;
  trackingNumber: string;
  contentType: string;
  docType: string;
  /** Base64 of the document bytes. */
  base64: string;
  createdAt: number;
}

export interface SimShipment {
  masterTrackingNumber: string;
  kind: 'parcel' | 'ltl';
  clientId: string;
  accountNumber: string;
  serviceType: string;
  packagingType: string;
  pickupType: string;
  carrierCode: string;
  shipDate: string;
  createdAt: number;
  shipper: SimPartySummary;
  recipient: SimPartySummary;
  pieces: SimPiece[];
  /** Shipment-level references (union of the pieces' plus LTL printed references). */
  references: SimReference[];
  documents: SimDocument[];
  labelResponseOptions: string;
  customerTransactionId?: string;
  status: 'active' | 'cancelled';
  cancelledAt?: number;
  /** Committed but the client never got an answer (commit-then-drop). */
  dropped: boolean;
  exception: boolean;
  journey: PlannedScan[];
  /** Delivery date the journey first planned (ESTIMATED_DELIVERY before an exception). */
  originalEtaAt: number;
  /** Index in `journey` up to which webhook events were emitted. */
  webhookCursor: number;
  jobId?: string;
}

export interface WebhookTargetRecord {
  id: string;
  url: string;
  accountNumbers: string[];
  trackingNumbers: string[];
  createdAt: number;
}

export interface FedexSimState {
  tokenRequests: TokenRequestRecord[];
  tokensIssued: IssuedTokenRecord[];
  lockouts: LockoutRecord[];
  requests: RequestRecord[];
  shipments: SimShipment[];
  creates: CreateRecord[];
  cancels: CancelRecord[];
  trackCalls: TrackCallRecord[];
  limits: LimitRecord[];
  drops: DropRecord[];
  webhookTargets: WebhookTargetRecord[];
  webhookDeliveries: WebhookDeliveryRecord[];
  /** Deliveries whose retries are exhausted (FedEx's missed-events queue), by delivery id. */
  webhookMissed: string[];
}

export interface FedexSim {
  url: string;
  port: number;
  close(): Promise<void>;
  state: FedexSimState;
  config: FedexSimConfig;
  /** The sim clock including `clockOffsetMs`. */
  now(): number;
  /** Emit webhook events that are due and run due retries; resolves when all sent attempts finished. */
  flushWebhooks(): Promise<WebhookDeliveryRecord[]>;
  reset(): void;
  findShipment(trackingNumber: string): SimShipment | undefined;
}
