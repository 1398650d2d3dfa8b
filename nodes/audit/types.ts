/**
 * The audit store contract shared by every backend (SQLite: sqlite-store.ts; PostgreSQL, for
 * several instances: pg-store.ts) and by every node that records outcomes, keeps an exactly-once
 * ledger or shares state with other instances. Backend-neutral and asynchronous.
 */

export type AuditStatus = 'received' | 'succeeded' | 'failed' | 'unknown' | 'skipped' | 'replayed' | 'voided';

export type AuditSystem = 'x3' | 'fedex' | 'shipstation' | 'audit' | 'flow';

/** Keys a user searches by. All optional; stored in indexed columns. */
export interface AuditCorrelation {
  x3Folder?: string;
  x3Entity?: string;
  x3Key?: string;
  trackingNumbers?: string[];
  shipstationOrderId?: string;
  shipstationOrderNumber?: string;
  shipstationShipmentId?: string;
}

export interface AuditErrorInfo {
  code: string;
  message: string;
  status?: number;
}

export interface AuditEntryInput {
  system: AuditSystem;
  /** e.g. 'poll', 'ship.create', 'track', 'webhook', 'x3.update', 'order.fetch', 'security' */
  operation: string;
  status: AuditStatus;
  correlation?: AuditCorrelation;
  error?: AuditErrorInfo;
  attempt?: number;
  /** The msg needed to replay this step (secrets are never put on a msg; masking applies). */
  msg?: Record<string, unknown>;
  /** Ledger key this step belongs to, so a replay reuses it. */
  idempotencyKey?: string;
  nodeId?: string;
  /** Entry this one replays. */
  replayOf?: string;
}

export interface AuditEntry extends AuditEntryInput {
  id: string;
  /** UTC ISO 8601 */
  time: string;
  attempt: number;
}

export interface AuditQuery {
  id?: string;
  status?: AuditStatus | AuditStatus[];
  system?: AuditSystem;
  operation?: string;
  /** UTC ISO bounds, inclusive */
  from?: string;
  to?: string;
  x3Key?: string;
  trackingNumber?: string;
  shipstationOrderNumber?: string;
  shipstationOrderId?: string;
  idempotencyKey?: string;
  /** Entries recorded by this node (the console's node filter, "last webhook per route"). */
  nodeId?: string;
  /** Entries recorded by any of these nodes (the console's flow filter: the nodes of one tab); [] matches none. */
  nodeIds?: string[];
  /** Entries of this X3 entity (correlation.x3Entity, e.g. salesDelivery). */
  x3Entity?: string;
  limit?: number;
  offset?: number;
  /** Order by time: 'desc' (newest first, the default) or 'asc' (oldest first, used by replay). */
  order?: 'asc' | 'desc';
}

export interface AuditPage {
  entries: AuditEntry[];
  total: number;
}

export type LedgerState = 'claimed' | 'succeeded' | 'failed' | 'unknown' | 'voided';

export interface LedgerEntry {
  key: string;
  state: LedgerState;
  system: AuditSystem;
  operation: string;
  correlation?: AuditCorrelation;
  result?: unknown;
  error?: AuditErrorInfo;
  attempts: number;
  /** process/instance that holds the claim; a claim held by another (dead) owner is stale */
  owner: string;
  claimedAt: string;
  updatedAt: string;
}

export interface LedgerListFilter {
  operation?: string;
  states?: LedgerState[];
  /** the result's JSON contains this text */
  contains?: string;
  /** keys after this one (paging in key order) */
  after?: string;
  /** entries skipped (paging in either order) */
  offset?: number;
  /** default 100, at most 1000 */
  limit?: number;
  /** 'key' (the default) or 'updated': oldest update first */
  order?: 'key' | 'updated';
}

export interface ClaimMeta {
  owner: string;
  system: AuditSystem;
  operation: string;
  correlation?: AuditCorrelation;
}

/** What a claim or a takeover hands its caller: only this attempt may settle the entry. */
export interface LedgerHold {
  owner: string;
  /** the entry's attempts counter when this attempt took it */
  attempt: number;
}

export interface ClaimResult {
  /** true: the caller now holds the key and must complete/fail/markUnknown it */
  claimed: boolean;
  entry: LedgerEntry;
}

export type ShipmentStatus =
  | 'label_created'
  | 'picked_up'
  | 'in_transit'
  | 'out_for_delivery'
  | 'delivered'
  | 'exception'
  | 'returned'
  | 'cancelled'
  | 'unknown';

/** A FedEx shipment whose tracking the plugin follows. */
export interface TrackedShipment {
  trackingNumber: string;
  correlation?: AuditCorrelation;
  status: ShipmentStatus;
  /** raw FedEx status code of the latest event */
  statusCode?: string;
  /** UTC ISO time of the latest applied event */
  lastEventAt?: string;
  /** terminal shipments are no longer polled */
  closed: boolean;
  updatedAt: string;
}

/** What a tracking event changes of a followed shipment. */
export type ShipmentWrite = Pick<TrackedShipment, 'status' | 'statusCode' | 'lastEventAt' | 'closed'>;

/** A webhook event to store before its sender is answered (webhook-inbox.ts). */
export interface InboxEventInput {
  /** The sender's event identity: a redelivery carries the same id and is not stored again. */
  eventId: string;
  payload: unknown;
}

/** A stored webhook event not applied yet. */
export interface InboxEvent {
  scope: string;
  eventId: string;
  payload: unknown;
  /** UTC ISO */
  receivedAt: string;
}

export interface InboxAddResult {
  /** Event ids stored now, in the order given. */
  added: string[];
  /** Event ids the scope already holds (redeliveries), not stored again. */
  duplicates: string[];
}

/** A page of ledger entries and how many match (listLedger). */
export interface LedgerPage {
  entries: LedgerEntry[];
  total: number;
}

/** A leader lease held (cluster-state.ts): `epoch` grows by one at each change of holder. */
export interface LeaseGrant {
  name: string;
  owner: string;
  epoch: number;
  /** UTC ISO, by the store's clock */
  expiresAt: string;
}

/** What a fenced state write proves: it comes from the current, unexpired holder of `lease`. */
export interface LeaseFence {
  lease: string;
  owner: string;
  epoch: number;
}

export interface AuditStore {
  /** true when other Node-RED instances use the same store (PostgreSQL), false for an embedded one. */
  readonly shared?: boolean;
  /** Append an audit entry; returns it with id/time. Masking applies to entry.msg. */
  record(entry: AuditEntryInput): Promise<AuditEntry>;
  getEntry(id: string): Promise<AuditEntry | undefined>;
  query(q: AuditQuery): Promise<AuditPage>;
  /** The distinct X3 entities of the trail's entries, sorted (the console's Entity filter). */
  listX3Entities(): Promise<string[]>;
  /** Change an entry's status (e.g. failed -> replayed). */
  setStatus(id: string, status: AuditStatus): Promise<void>;

  /**
   * Atomically claim an idempotency key. New key -> claimed. Existing key in state 'failed'
   * -> re-claimed (attempts + 1). Any other existing state -> not claimed, entry returned.
   * Of concurrent claims of one key exactly one wins.
   */
  claim(key: string, meta: ClaimMeta): Promise<ClaimResult>;
  /** Compare-and-set takeover of an entry in one of `fromStates` (e.g. a stale claim or an
   * unknown outcome proven not to exist). Returns true when the caller now holds it.
   * `expectedOwner`, when given, must also match the current owner: two instances that both
   * saw the same stale claim then cannot both take it over. Resolves with the new hold, or
   * undefined when the entry was not taken over. */
  takeOver(
    key: string,
    owner: string,
    fromStates: LedgerState[],
    expectedOwner?: string,
  ): Promise<LedgerHold | undefined>;
  /**
   * complete/fail/markUnknown settle an entry only while `hold` (from claim: holdOf(entry), or
   * from takeOver) still matches its owner and attempt: a stale attempt is refused with a
   * LedgerStateError of code LEDGER_NOT_HELD and changes nothing (ledger-hold.ts).
   */
  complete(key: string, result: unknown, hold: LedgerHold): Promise<void>;
  fail(key: string, error: AuditErrorInfo, hold: LedgerHold): Promise<void>;
  markUnknown(key: string, error: AuditErrorInfo | undefined, hold: LedgerHold): Promise<void>;
  /** Voids a succeeded or unknown entry; with `hold`, also the 'claimed' entry that hold has. */
  markVoided(key: string, result?: unknown, hold?: LedgerHold): Promise<void>;
  get(key: string): Promise<LedgerEntry | undefined>;
  /**
   * Ledger entries matching every given filter, with their total: admin listings (adopted
   * shipments) page by key, the operator console (unknown outcomes, claims that may be stale)
   * by last update.
   */
  listLedger(filter: LedgerListFilter): Promise<LedgerPage>;

  /** Start following a shipment (idempotent; keeps an existing status). */
  trackShipment(trackingNumber: string, correlation?: AuditCorrelation): Promise<void>;
  getShipment(trackingNumber: string): Promise<TrackedShipment | undefined>;
  /** Shipments not closed, oldest update first. */
  listOpenShipments(limit: number): Promise<TrackedShipment[]>;
  updateShipment(
    trackingNumber: string,
    update: Pick<TrackedShipment, 'status' | 'statusCode' | 'lastEventAt' | 'closed'>,
  ): Promise<void>;
  /**
   * Reads the shipment and writes what `next` makes of it as one step that no other write of
   * this shipment (another node, another instance) comes between, so a decision taken on the
   * state read is never written over a newer one. `next` runs once, synchronously, and must not
   * touch the store; undefined writes nothing. Resolves the state `next` was given.
   */
  applyShipment(
    trackingNumber: string,
    next: (stored: TrackedShipment | undefined) => ShipmentWrite | undefined,
  ): Promise<TrackedShipment | undefined>;

  /** Durable de-duplication: true the first time (scope, id) is seen, false afterwards. */
  markSeen(scope: string, id: string): Promise<boolean>;

  /**
   * Durable webhook intake (sql-inbox.ts): stores events of a scope (a receiving node) in one
   * commit that is durable (fsynced, like a ledger write) before it resolves, so the sender may
   * be answered; an event id the scope already holds is reported as a duplicate.
   */
  inboxAdd(scope: string, events: InboxEventInput[]): Promise<InboxAddResult>;
  /**
   * Takes a pending event for applying, for `ttlMs`: granted when nobody holds it, `owner` already
   * does, or the holder's time ran out (it died). Several instances on one shared store recover
   * the same pending events; only the one whose claim is granted applies an event.
   */
  inboxClaim(scope: string, eventId: string, owner: string, ttlMs: number): Promise<boolean>;
  /** The scope's events not settled yet, in arrival order. */
  inboxPending(scope: string, limit: number): Promise<InboxEvent[]>;
  /** Settles a stored event; `entry`, when given, is recorded in the same commit. */
  inboxSettle(scope: string, eventId: string, state: 'applied' | 'failed', entry?: AuditEntryInput): Promise<void>;

  /**
   * Leader election (cluster-state.ts): takes the lease `name` for `owner` for `ttlMs` when it is
   * free, expired or already `owner`'s (a renewal keeps the epoch, a new holder gets epoch + 1);
   * resolves undefined while another owner holds it unexpired.
   */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<LeaseGrant | undefined>;
  /** Gives the lease up (only while `owner` holds it with `epoch`), so a standby need not wait for expiry. */
  releaseLease(name: string, owner: string, epoch: number): Promise<void>;
  /**
   * A request budget shared by every instance (FedEx 1,400 / 10 s, 3 token requests / s,
   * ShipStation 40 / min): records up to `want` request starts at `nowMs` in `budget` while fewer
   * than `max` started in the sliding window (nowMs - windowMs, nowMs]. Resolves how many were
   * granted and, when none, the ms until the oldest start leaves the window.
   */
  takeBudget(
    budget: string,
    limits: { max: number; windowMs: number },
    want: number,
    nowMs: number,
  ): Promise<{ granted: number; waitMs: number }>;
  /** Small named state shared through the store (poll watermarks and their seen sets). */
  readState(name: string): Promise<unknown>;
  /**
   * Writes named state, committed before it resolves. With `fence`, only while that lease is held
   * by fence.owner with fence.epoch and unexpired, else refused (LeaseLostError, LEASE_LOST): a
   * leader that lost its lease cannot move a watermark its successor owns.
   */
  writeState(name: string, value: unknown, fence?: LeaseFence): Promise<void>;

  /** Delete audit entries older than the cutoff (UTC ISO); returns how many. The file shrinks. */
  purgeBefore(cutoffIso: string): Promise<number>;
  /**
   * Ledger retention: deletes `failed` entries last updated before `failedBefore` and
   * `succeeded`/`voided` ones before `finishedBefore` (UTC ISO; either may be left out). A
   * `claimed` or `unknown` entry is never deleted. Returns how many; the file shrinks.
   */
  purgeLedger(cutoffs: { failedBefore?: string; finishedBefore?: string }): Promise<number>;
  /**
   * Rewrites the results of finished (succeeded/voided) entries, e.g. to move label bytes out
   * to files: `rewrite` returns the new result, or undefined to keep it. State, owner and attempt
   * are untouched. `contains` limits it to results whose JSON contains that text. Returns how
   * many were rewritten; the file shrinks.
   */
  rewriteLedgerResults(
    rewrite: (entry: LedgerEntry) => Promise<unknown>,
    options?: { contains?: string },
  ): Promise<number>;
  close(): Promise<void>;
}
