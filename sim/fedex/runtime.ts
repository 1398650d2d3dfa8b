/**
 * The simulator's mutable core shared by all routes: config, inspection state, clock, seeded
 * randomness, issued tokens (kept out of the inspection state because they are secrets) and the
 * counters behind quotas and thresholds.
 */
import { createRng } from './random';
import type { FedexSimConfig, FedexSimState, SimClient, SimShipment } from './types';

export interface TokenInfo {
  tokenId: string;
  clientId: string;
  childKey?: string;
  issuedAt: number;
  expiresAt: number;
  accountNumbers: string[];
}

export interface QuotaWindow {
  startedAt: number;
  count: number;
}

export function createState(): FedexSimState {
  return {
    tokenRequests: [],
    tokensIssued: [],
    lockouts: [],
    requests: [],
    shipments: [],
    creates: [],
    cancels: [],
    trackCalls: [],
    limits: [],
    drops: [],
    webhookTargets: [],
    webhookDeliveries: [],
    webhookMissed: [],
  };
}

/** Inspection lists are capped so a long demo run does not grow without bound. */
const MAX_LOG = 5000;

export function pushCapped<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_LOG) list.splice(0, list.length - MAX_LOG);
}

export class SimRuntime {
  readonly state: FedexSimState = createState();
  readonly tokens = new Map<string, TokenInfo>();
  /** Token request times per client IP, for the threshold rules. */
  readonly tokenHits = new Map<string, number[]>();
  /** Active lockout end per client IP. */
  readonly lockedUntil = new Map<string, number>();
  readonly quotaWindows = new Map<string, QuotaWindow>();
  /** `${clientId}|${utcDay}` → track calls. */
  readonly trackDaily = new Map<string, number>();
  /** utcDay → business calls of the organisation. */
  readonly orgDaily = new Map<string, number>();
  readonly byTrackingNumber = new Map<string, SimShipment>();
  readonly byJobId = new Map<string, SimShipment>();
  rng: () => number;
  baseUrl = '';
  private seq = 0;

  constructor(
    readonly config: FedexSimConfig,
    private readonly baseNow: () => number,
  ) {
    this.rng = createRng(config.seed);
  }

  now(): number {
    return this.baseNow() + this.config.clockOffsetMs;
  }

  nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}_${this.seq}`;
  }

  findClient(clientId: string): SimClient | undefined {
    return this.config.clients.find((c) => c.clientId === clientId);
  }

  addShipment(s: SimShipment): void {
    this.state.shipments.push(s);
    for (const p of s.pieces) this.byTrackingNumber.set(p.trackingNumber, s);
    this.byTrackingNumber.set(s.masterTrackingNumber, s);
    if (s.jobId) this.byJobId.set(s.jobId, s);
  }

  findShipment(trackingNumber: string): SimShipment | undefined {
    return this.byTrackingNumber.get(trackingNumber);
  }

  reset(): void {
    const fresh = createState();
    // Registered webhook targets are configuration, not traffic: they survive a reset.
    fresh.webhookTargets = this.state.webhookTargets;
    Object.assign(this.state, fresh);
    this.tokens.clear();
    this.tokenHits.clear();
    this.lockedUntil.clear();
    this.quotaWindows.clear();
    this.trackDaily.clear();
    this.orgDaily.clear();
    this.byTrackingNumber.clear();
    this.byJobId.clear();
    this.rng = createRng(this.config.seed);
    this.seq = 0;
  }
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
