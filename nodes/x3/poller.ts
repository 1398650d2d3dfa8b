/**
 * One poll of one entity (Node-RED-free): records stamped at or after the watermark minus the
 * overlap, page by page in (stamp, key) order; each page's unseen (key, stamp) pairs are handed
 * to `emit`, and only once emit has returned is the watermark advanced and persisted. A crash
 * between emit and commit re-reads the page next time; the de-dup then drops what was sent.
 */
import { ApiError } from '../core/errors';
import { toEpochMs } from '../core/time';
import type { Watermark } from '../core/watermark';
import type { X3Client } from './client';
import type { EntityDefinition, X3Record } from './entities';

export interface PolledRecord {
  record: X3Record;
  key: string;
  /** The record's update stamp as X3 sent it. */
  updatedAt: string;
  /** The same stamp in epoch ms. */
  ms: number;
}

export interface PollOptions {
  client: X3Client;
  def: EntityDefinition;
  watermark: Watermark;
  pageSize: number;
  filter?: string;
  withLines?: boolean;
  /** Sends one page's new records on; the watermark moves once it resolves. */
  emit: (records: PolledRecord[]) => void | Promise<void>;
  /** Stop between pages (node closing). */
  signal?: AbortSignal;
}

export interface PollResult {
  /** Records emitted. */
  count: number;
  /** Records X3 returned (including overlap re-reads that were dropped). */
  read: number;
  pages: number;
  /** Committed watermark after the poll (UTC ISO). */
  position?: string;
}

function describeRecord(def: EntityDefinition, rec: X3Record): PolledRecord {
  const key = rec[def.key];
  if (key === undefined || key === null || key === '') {
    throw new ApiError({
      system: 'x3',
      code: 'X3_BAD_RECORD',
      message: `X3 returned a ${def.name} record without its key field ${def.key}: check the entity's key setting and selection`,
    });
  }
  const stamp = rec[def.stamp];
  if (typeof stamp !== 'string' || !stamp) {
    throw new ApiError({
      system: 'x3',
      code: 'X3_BAD_RECORD',
      message:
        `X3 returned ${def.name} ${String(key)} without its update stamp ${def.stamp}: the watermark needs it ` +
        `(standard REST query representations may not list it; use a representation that does, reference 4.3)`,
    });
  }
  const ms = stampMs(stamp);
  if (Number.isNaN(ms)) {
    throw new ApiError({
      system: 'x3',
      code: 'X3_BAD_RECORD',
      message: `${def.name} ${String(key)}: ${def.stamp} "${stamp}" is not a date-time`,
    });
  }
  return { record: rec, key: String(key), updatedAt: stamp, ms };
}

const WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i;

/**
 * Epoch ms of an X3 stamp, parsed once per record: ISO with an offset (what X3 sends) by
 * Date.parse, anything else as UTC by luxon (X3 stores datetimes in GMT, reference 5).
 */
function stampMs(stamp: string): number {
  if (WITH_OFFSET.test(stamp)) return Date.parse(stamp);
  try {
    return toEpochMs(stamp);
  } catch {
    return NaN;
  }
}

export async function pollOnce(options: PollOptions): Promise<PollResult> {
  const { def, watermark } = options;
  const result: PollResult = { count: 0, read: 0, pages: 0 };
  const pages = options.client.queryPages(def, {
    since: watermark.since(),
    pageSize: options.pageSize,
    filter: options.filter,
    withLines: options.withLines,
  });
  try {
    for await (const page of pages) {
      result.pages += 1;
      result.read += page.length;
      const fresh: PolledRecord[] = [];
      for (const rec of page) {
        const polled = describeRecord(def, rec);
        if (watermark.isNew(polled.key, polled.ms)) fresh.push(polled);
      }
      if (fresh.length) await options.emit(fresh);
      for (const p of fresh) watermark.accept(p.key, p.ms);
      result.count += fresh.length;
      watermark.commit();
      if (options.signal?.aborted) break;
    }
  } finally {
    await pages.return(undefined);
  }
  watermark.commit();
  result.position = watermark.current();
  return result;
}
