/**
 * The modified-orders poll (ORDER_NOTIFY fires only on creation, so edits, holds and status
 * changes need polling, reference §5.1). It reuses the core Watermark: each poll asks V1 for
 * `modifyDateStart = position - overlap` .. `modifyDateEnd = now`, both as Pacific wall clocks,
 * sorted by ModifyDate, 500 per page, every page; an (orderId, modifyDate) already emitted is
 * skipped. The overlap (default 90 min, more than the repeated November hour) absorbs the
 * wall-clock ordering of the fall-back night, late commits and boundary inclusivity [U].
 * The position is committed after every page, so a failed poll resumes where it stopped.
 *
 * Pages are read by key, not by number: after each page the next query starts at the modify
 * second of the page's last order (inclusive; what is re-read is known to the watermark). With a
 * page number and a fixed query, an order edited while the poll runs leaves the result set (its
 * new modifyDate is past the end) and every later row moves up one place, so one row falls
 * between two pages; a start that only moves forward is not shifted by anything before it, and
 * the edited order comes back in a later poll with its new modifyDate. Only when a whole page
 * sits in one second can the start not move: that second is read by page number, and re-read
 * from its first page whenever `total` changes between two of its pages (a row left the set).
 *
 * V1 compares Pacific wall clocks, and in the fall-back night a wall-clock bound reaches one
 * hour further back than the instant it was computed from (01:00 PST reads like 01:00 PDT).
 * Records up to an hour older than the query start can therefore come back, so the watermark
 * remembers (id, stamp) pairs one hour longer than the query overlap: it is built with
 * overlap + 1 h (createOrderWatermark) and the query starts 1 h after its `since()`.
 *
 * A signal stops the poll at once (request in flight included) and nothing more is emitted or
 * committed: a closing node must not write the watermark beside its successor.
 */
import { toEpochMs } from '../core/time';
import { Watermark, type InitialPosition, type WatermarkStore } from '../core/watermark';
import { parsePage, V1_MAX_PAGE_SIZE, type ShipStationClient } from './client';
import { convertV1Timestamps, isPacificTimestamp, PACIFIC_KEY, toV1QueryTime } from './timestamps';

export const DEFAULT_OVERLAP_MS = 90 * 60_000;
export const DST_SLACK_MS = 60 * 60_000;

/** The watermark a modified-orders poll expects (de-dup memory = overlap + the DST hour). */
export function createOrderWatermark(options: {
  store: WatermarkStore;
  overlapMs: number;
  initial: InitialPosition;
  now?: () => number;
}): Watermark {
  return new Watermark({ ...options, overlapMs: options.overlapMs + DST_SLACK_MS });
}

export interface PollResult {
  pages: number;
  fetched: number;
  emitted: number;
  since?: string;
  until: string;
}

export interface PollOptions {
  client: ShipStationClient;
  /** From createOrderWatermark. */
  watermark: Watermark;
  /** Called once per new (orderId, modifyDate); the record's timestamps are already UTC. */
  emit: (order: Record<string, unknown>) => void | Promise<void>;
  now?: () => number;
  /** Extra V1 filters (storeId, orderStatus...). */
  filters?: Record<string, unknown>;
  /** Aborts the request in flight and stops the poll: nothing more is emitted or committed. */
  signal?: AbortSignal;
}

/** `yyyy-mm-dd hh:mm:ss` of a converted V1 order's modifyDate as ShipStation wrote it (Pacific). */
export function modifySecondOf(order: Record<string, unknown>): string | undefined {
  const pacific = order[PACIFIC_KEY];
  const original = pacific && typeof pacific === 'object' ? (pacific as Record<string, unknown>).modifyDate : undefined;
  const text = typeof original === 'string' ? original.trim() : undefined;
  if (!text || !isPacificTimestamp(text)) return undefined;
  const wall = text.replace('T', ' ');
  return wall.length === 16 ? `${wall}:00` : wall.slice(0, 19);
}

export async function pollModifiedOrders(o: PollOptions): Promise<PollResult> {
  const now = o.now ?? (() => Date.now());
  const since = o.watermark.since();
  const untilMs = now();
  const base: Record<string, unknown> = {
    ...o.filters,
    sortBy: 'ModifyDate',
    sortDir: 'ASC',
    pageSize: V1_MAX_PAGE_SIZE,
    // V1 bounds have whole seconds: round up, or a change made earlier in this second is cut off
    modifyDateEnd: toV1QueryTime(Math.ceil(untilMs / 1000) * 1000),
  };
  // Pacific wall-clock text; V1 compares (and the cursor moves) in these terms
  let start = since ? toV1QueryTime(toEpochMs(since) + DST_SLACK_MS) : undefined;
  let page = 1;
  let total: number | undefined;
  const result: PollResult = { pages: 0, fetched: 0, emitted: 0, since, until: new Date(untilMs).toISOString() };
  for (;;) {
    o.signal?.throwIfAborted();
    const params = { ...base, page, ...(start ? { modifyDateStart: start } : {}) };
    const res = await o.client.request('v1', { method: 'GET', url: '/orders', params, signal: o.signal });
    o.signal?.throwIfAborted();
    const parsed = parsePage('v1', res.data, page);
    result.pages += 1;
    if (page > 1 && parsed.total !== undefined && total !== undefined && parsed.total !== total) {
      // rows of this one-second run left the set between its pages: read the run again
      total = undefined;
      page = 1;
      continue;
    }
    total = parsed.total;
    let last: string | undefined;
    for (const raw of parsed.records) {
      result.fetched += 1;
      // Only the two stamps first: the overlap re-reads every order the window holds at each
      // poll, and converting a whole order (items and all) to drop it is most of a poll's work.
      // modifyDate is read exactly as in the whole order (it depends on createDate and now only).
      const at = now();
      const stamps = convertV1Timestamps({ createDate: raw.createDate, modifyDate: raw.modifyDate }, { now: at });
      last = modifySecondOf(stamps) ?? last;
      const key = String(raw.orderId);
      const stamp = stamps.modifyDate;
      if (typeof stamp !== 'string' || raw.orderId === undefined) continue;
      if (!o.watermark.isNew(key, stamp)) continue;
      const order = convertV1Timestamps(raw, { now: at });
      await o.emit(order);
      o.signal?.throwIfAborted();
      o.watermark.accept(key, stamp);
      result.emitted += 1;
    }
    o.watermark.commit();
    if (parsed.records.length === 0 || parsed.page >= parsed.pages) return result;
    if (last !== undefined && (start === undefined || last > start)) {
      start = last;
      page = 1;
    } else {
      // a whole page inside one second (or a wall clock that went back in the fall-back
      // night): the start cannot move, so the next rows are the next page of the same query
      page = parsed.page + 1;
    }
  }
}
