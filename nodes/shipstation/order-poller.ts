import { toEpochMs } from '../core/time';
import { Watermark, type InitialPosition, type WatermarkStore } from '../core/watermark';
import type { ShipStationClient } from './client';
import { convertV1Timestamps, toV1QueryTime } from './timestamps';

/**
 * The modified-orders poll (ORDER_NOTIFY fires only on creation, so edits, holds and status
 * changes need polling, reference §5.1). It reuses the core Watermark: each poll asks V1 for
 * `modifyDateStart = position - overlap` .. `modifyDateEnd = now`, both as Pacific wall clocks,
 * sorted by ModifyDate, 500 per page, every page; an (orderId, modifyDate) already emitted is
 * skipped. The overlap (default 90 min, more than the repeated November hour) absorbs the
 * wall-clock ordering of the fall-back night, late commits and boundary inclusivity [U].
 * The position is committed after every page, so a failed poll resumes where it stopped.
 *
 * V1 compares Pacific wall clocks, and in the fall-back night a wall-clock bound reaches one
 * hour further back than the instant it was computed from (01:00 PST reads like 01:00 PDT).
 * Records up to an hour older than the query start can therefore come back, so the watermark
 * remembers (id, stamp) pairs one hour longer than the query overlap: it is built with
 * overlap + 1 h (createOrderWatermark) and the query starts 1 h after its `since()`.
 */

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
}

export async function pollModifiedOrders(o: PollOptions): Promise<PollResult> {
  const now = o.now ?? (() => Date.now());
  const since = o.watermark.since();
  const untilMs = now();
  const params: Record<string, unknown> = {
    ...o.filters,
    sortBy: 'ModifyDate',
    sortDir: 'ASC',
    pageSize: 500,
    // V1 bounds have whole seconds: round up, or a change made earlier in this second is cut off
    modifyDateEnd: toV1QueryTime(Math.ceil(untilMs / 1000) * 1000),
  };
  if (since) params.modifyDateStart = toV1QueryTime(toEpochMs(since) + DST_SLACK_MS);
  const result: PollResult = { pages: 0, fetched: 0, emitted: 0, since, until: new Date(untilMs).toISOString() };
  for await (const page of o.client.pages('v1', '/orders', params)) {
    result.pages += 1;
    for (const raw of page.records) {
      result.fetched += 1;
      const order = convertV1Timestamps(raw, { now: now() });
      const key = String(order.orderId);
      const stamp = order.modifyDate;
      if (typeof stamp !== 'string' || order.orderId === undefined) continue;
      if (!o.watermark.isNew(key, stamp)) continue;
      await o.emit(order);
      o.watermark.accept(key, stamp);
      result.emitted += 1;
    }
    o.watermark.commit();
  }
  return result;
}
