/**
 * Replay and export of audit entries (no Node-RED here; the audit-sink node and the admin
 * endpoints call these).
 *
 * Replay re-emits the msg stored with an entry. Each entry is replayed at most once: the replay
 * itself is claimed in the ledger under `audit.replay:<entry id>`, so two replays started at once
 * (a msg and the editor, or two processes on one database) emit it once between them. To run a
 * step again after a replay, replay the newest entry of the chain (the replay record, or the
 * failure the replayed step recorded).
 *
 * The replayed msg carries the entry's idempotencyKey (msg.audit.idempotencyKey) and a snapshot of
 * that ledger entry; the connector node that performs the operation reuses the key (see
 * replayLedgerKey in msg-audit.ts), so a label request that actually succeeded returns the stored
 * label instead of buying another.
 */
import { holdOf } from './ledger-hold';
import { containsMaskedValue, reviveBuffers } from './masking';
import { TEXT_FILTERS } from './query-parse';
import type { AuditMsgInfo } from './msg-audit';
import type { AuditEntry, AuditQuery, AuditStatus, AuditStore, LedgerEntry } from './types';
import { AUDIT_STATUSES, isAuditStatus, isAuditSystem } from './vocabulary';

export const DEFAULT_REPLAY_LIMIT = 100;
export const MAX_REPLAY_LIMIT = 1000;
export const REPLAY_LEDGER_PREFIX = 'audit.replay:';

/** Statuses a filter may select; 'replayed' entries are replayed only by id. */
export const REPLAYABLE_STATUSES: readonly AuditStatus[] = AUDIT_STATUSES.filter((s) => s !== 'replayed');

/** The filters of an audit query a replay takes (status defaults to 'failed' when no id is given). */
export interface ReplayFilter extends Pick<
  AuditQuery,
  'status' | 'system' | 'from' | 'to' | (typeof TEXT_FILTERS)[number]
> {
  /** Replay this one entry (any status). */
  id?: string;
  /** At most this many entries per replay (default 100, max 1000), oldest first. */
  limit?: number;
  /** Replay entries stored with masked personal data (off by default: see skip reason 'masked'). */
  allowMasked?: boolean;
}

export type ReplaySkipReason = 'not-found' | 'no-msg' | 'masked' | 'already-replayed' | 'in-progress' | 'error';

export interface ReplaySkip {
  id: string;
  reason: ReplaySkipReason;
  detail: string;
}

export interface ReplayItem {
  /** the entry replayed */
  entry: AuditEntry;
  /** the 'replayed' entry recorded for this replay (its id is msg.audit.id) */
  replayEntry: AuditEntry;
  msg: Record<string, unknown>;
}

export interface ReplayResult {
  replayed: ReplayItem[];
  skipped: ReplaySkip[];
}

export interface ReplayOptions {
  /** ledger owner (the audit-config's instance id) */
  owner: string;
  /** node that emits each replay, recorded on the replay entry (default: the entry's node) */
  nodeId?: string | ((entry: AuditEntry) => string | undefined);
}

/** Validates a filter from a msg payload or an HTTP body; throws naming the bad field. */
export function parseReplayFilter(input: unknown): ReplayFilter {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new Error('replay filter must be an object: {id} or {status, system, operation, from, to, ...}');
  }
  const raw = input as Record<string, unknown>;
  const f: ReplayFilter = {};
  const str = (name: keyof ReplayFilter): string | undefined => {
    const v = raw[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') throw new Error(`replay filter: "${name}" must be a string`);
    return v;
  };
  f.id = str('id');
  for (const name of TEXT_FILTERS) {
    const v = str(name);
    if (v !== undefined) f[name] = v;
  }
  const system = str('system');
  if (system !== undefined) {
    if (!isAuditSystem(system)) throw new Error(`replay filter: unknown "system" ${system}`);
    f.system = system;
  }
  for (const name of ['from', 'to'] as const) {
    const v = str(name);
    if (v === undefined) continue;
    if (Number.isNaN(new Date(v).getTime())) throw new Error(`replay filter: "${name}" is not a date: ${v}`);
    f[name] = new Date(v).toISOString();
  }
  if (raw.status !== undefined && raw.status !== null && raw.status !== '') {
    const list = Array.isArray(raw.status)
      ? raw.status
      : typeof raw.status === 'string'
        ? raw.status.split(',').map((s) => s.trim())
        : [raw.status];
    for (const s of list) {
      if (!isAuditStatus(s)) throw new Error(`replay filter: unknown "status" ${String(s)}`);
      if (!f.id && s === 'replayed') {
        throw new Error('replay filter: "replayed" entries can only be replayed by id');
      }
    }
    f.status = list as AuditStatus[];
  }
  if (raw.limit !== undefined && raw.limit !== null && raw.limit !== '') {
    const n = Number(raw.limit);
    if (!Number.isInteger(n) || n < 1) throw new Error('replay filter: "limit" must be a positive integer');
    f.limit = Math.min(n, MAX_REPLAY_LIMIT);
  }
  if (raw.allowMasked !== undefined) f.allowMasked = raw.allowMasked === true || raw.allowMasked === 'true';
  return f;
}

/** Entries a filter selects: the one entry by id, or matching entries oldest first. */
export async function selectReplayCandidates(
  store: AuditStore,
  filter: ReplayFilter,
): Promise<{ entries: AuditEntry[]; missing: string[] }> {
  if (filter.id) {
    const e = await store.getEntry(filter.id);
    return e ? { entries: [e], missing: [] } : { entries: [], missing: [filter.id] };
  }
  const statuses = filter.status === undefined ? ['failed' as const] : ([] as AuditStatus[]).concat(filter.status);
  const page = await store.query({
    status: statuses.filter((s) => REPLAYABLE_STATUSES.includes(s)),
    system: filter.system,
    operation: filter.operation,
    from: filter.from,
    to: filter.to,
    x3Key: filter.x3Key,
    trackingNumber: filter.trackingNumber,
    shipstationOrderNumber: filter.shipstationOrderNumber,
    shipstationOrderId: filter.shipstationOrderId,
    idempotencyKey: filter.idempotencyKey,
    limit: Math.min(filter.limit ?? DEFAULT_REPLAY_LIMIT, MAX_REPLAY_LIMIT),
    order: 'asc',
  });
  return { entries: page.entries, missing: [] };
}

/** The msg a replay emits: the stored msg (Buffers revived) with msg.audit describing the replay. */
export function buildReplayMsg(
  entry: AuditEntry,
  replayEntryId: string,
  ledger: LedgerEntry | undefined,
): Record<string, unknown> {
  const msg = reviveBuffers(entry.msg ?? {}) as Record<string, unknown>;
  // a replay is a new message: Node-RED assigns a fresh _msgid; stale errors must not follow it
  delete msg._msgid;
  delete msg.error;
  delete msg._error;
  const audit: AuditMsgInfo = {
    id: replayEntryId,
    status: 'replayed',
    replayOf: entry.id,
    system: entry.system,
    operation: entry.operation,
    attempt: entry.attempt + 1,
  };
  if (entry.idempotencyKey) audit.idempotencyKey = entry.idempotencyKey;
  if (entry.correlation) audit.correlation = entry.correlation;
  if (ledger) {
    audit.ledger = { state: ledger.state };
    if (ledger.state === 'succeeded') audit.ledger.result = ledger.result;
  }
  msg.audit = audit;
  return msg;
}

/**
 * Replays the selected entries: claims each replay in the ledger, records a 'replayed' entry,
 * marks a failed/unknown/skipped/received original as 'replayed', and returns the msgs to emit.
 * Entries already replayed, replays running elsewhere, entries without a msg and (unless
 * allowMasked) entries stored with masked personal data are skipped with a reason.
 */
export async function replayEntries(
  store: AuditStore,
  filter: ReplayFilter,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: [], skipped: [] };
  const { entries, missing } = await selectReplayCandidates(store, filter);
  for (const id of missing) result.skipped.push({ id, reason: 'not-found', detail: `no audit entry ${id}` });

  for (const entry of entries) {
    if (!entry.msg) {
      result.skipped.push({ id: entry.id, reason: 'no-msg', detail: 'the entry has no stored msg to replay' });
      continue;
    }
    if (!filter.allowMasked && containsMaskedValue(entry.msg)) {
      result.skipped.push({
        id: entry.id,
        reason: 'masked',
        detail:
          'the stored msg has masked personal data; replay it from the source system, or set allowMasked to send the placeholders',
      });
      continue;
    }
    const replayKey = REPLAY_LEDGER_PREFIX + entry.id;
    const claim = await store.claim(replayKey, {
      owner: options.owner,
      system: 'audit',
      operation: 'replay',
      correlation: entry.correlation,
    });
    let held = claim.claimed ? holdOf(claim.entry) : undefined;
    if (!held && claim.entry.state === 'claimed' && claim.entry.owner !== options.owner) {
      // a replay interrupted by a crash of an earlier process; nothing was emitted for it
      // that is not protected downstream by the operation's own ledger key
      held = await store.takeOver(replayKey, options.owner, ['claimed'], claim.entry.owner);
    }
    if (!held) {
      const prior = claim.entry.result as { replayEntryId?: string } | null | undefined;
      result.skipped.push(
        claim.entry.state === 'succeeded' || claim.entry.state === 'voided'
          ? {
              id: entry.id,
              reason: 'already-replayed',
              detail: `already replayed${prior?.replayEntryId ? ` as ${prior.replayEntryId}` : ''}`,
            }
          : { id: entry.id, reason: 'in-progress', detail: 'a replay of this entry is running' },
      );
      continue;
    }
    try {
      const ledger = entry.idempotencyKey ? await store.get(entry.idempotencyKey) : undefined;
      const replayEntry = await store.record({
        system: entry.system,
        operation: entry.operation,
        status: 'replayed',
        correlation: entry.correlation,
        idempotencyKey: entry.idempotencyKey,
        replayOf: entry.id,
        attempt: entry.attempt + 1,
        nodeId: (typeof options.nodeId === 'function' ? options.nodeId(entry) : options.nodeId) ?? entry.nodeId,
        msg: entry.msg,
      });
      if (
        entry.status === 'failed' ||
        entry.status === 'unknown' ||
        entry.status === 'skipped' ||
        entry.status === 'received'
      ) {
        await store.setStatus(entry.id, 'replayed');
      }
      await store.complete(replayKey, { replayEntryId: replayEntry.id }, held);
      result.replayed.push({ entry, replayEntry, msg: buildReplayMsg(entry, replayEntry.id, ledger) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await store.fail(replayKey, { code: 'REPLAY_FAILED', message }, held).catch(() => undefined);
      result.skipped.push({ id: entry.id, reason: 'error', detail: message });
    }
  }
  return result;
}

/* ---------- export ---------- */

/** One entry as one line of JSON (JSON Lines), newline included. */
export function toJsonLine(entry: AuditEntry): string {
  return JSON.stringify(entry) + '\n';
}

export interface ExportOptions {
  /** entries per store query (default 1000) */
  pageSize?: number;
  /** stop after this many entries */
  max?: number;
}

/**
 * Streams the entries a query selects as JSON lines through `write`, oldest first unless
 * query.order is 'desc'. Pages by time (keyset) rather than offset, so exporting a large trail
 * does not rescan what it has already written. Returns the number of entries written.
 */
export async function exportJsonLines(
  store: AuditStore,
  query: AuditQuery,
  write: (chunk: string) => void | Promise<void>,
  options: ExportOptions = {},
): Promise<number> {
  const pageSize = Math.max(1, Math.min(options.pageSize ?? 1000, 10_000));
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const order = query.order ?? 'asc';
  let bound: string | undefined;
  // entries already written whose time equals `bound` (they sort first at that bound)
  let atBound = 0;
  let written = 0;
  const base: AuditQuery = { ...query, order, offset: undefined, limit: undefined };
  while (written < max) {
    const q: AuditQuery = { ...base, limit: Math.min(pageSize, max - written), offset: atBound };
    if (bound !== undefined) {
      if (order === 'asc') q.from = bound;
      else q.to = bound;
    } else {
      q.offset = 0;
    }
    const page = await store.query(q);
    if (page.entries.length === 0) break;
    await write(page.entries.map(toJsonLine).join(''));
    written += page.entries.length;
    const last = page.entries[page.entries.length - 1].time;
    const sameAsLast = page.entries.filter((e) => e.time === last).length;
    atBound = last === bound ? atBound + page.entries.length : sameAsLast;
    bound = last;
    if (page.entries.length < (q.limit ?? pageSize)) break;
  }
  return written;
}
