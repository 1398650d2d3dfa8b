/**
 * One poll of one entity (Node-RED-free): records stamped at or after the watermark minus the
 * overlap, page by page in (stamp, key) order; each page's unseen (key, stamp, version) records
 * are handed to `emit`, and only once emit has returned is the watermark advanced and persisted.
 * A crash between emit and commit re-reads the page next time; the de-dup then drops what was
 * sent. The version is a hash of the record as read: X3 stamps have whole seconds, so a second
 * change within the second of a record already read keeps its stamp and only its content tells.
 *
 * An initial position of 'source' ("now") is taken from X3's own clock: its newest stamp. A
 * signal stops the poll at once (request in flight included) and nothing more is emitted or
 * committed: a closing node must not write the watermark beside its successor.
 */
import { ApiError } from '../core/errors';
import { contentHash } from '../core/stable-json';
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
  /** Hash of the record as read: tells two versions with one stamp apart. */
  version: string;
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
  /** Aborts the request in flight and stops the poll: nothing more is emitted or committed. */
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
  return { record: rec, key: String(key), updatedAt: stamp, ms, version: contentHash(rec, 24) };
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

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ApiError({
      system: 'x3',
      code: 'CANCELED',
      message: 'x3 poll stopped: the node is closing',
      retryable: false,
    });
  }
}

/**
 * Settles an initial 'source' position from X3's clock: the newest stamp of the entity (with
 * the poll's filter), and the records read with it, which existed before the start. With no
 * record at all, every record that appears is new.
 */
async function startFromX3(options: PollOptions): Promise<void> {
  const { def, watermark, signal } = options;
  const newestFirst = options.client.queryPages(def, {
    pageSize: options.pageSize,
    filter: options.filter,
    withLines: options.withLines,
    newestFirst: true,
    signal,
  });
  let page: X3Record[];
  try {
    const first = await newestFirst.next();
    page = first.done ? [] : first.value;
  } finally {
    await newestFirst.return(undefined);
  }
  stopIfAborted(signal);
  const existing = page.map((rec) => describeRecord(def, rec));
  if (existing.length === 0) {
    watermark.startAt(undefined);
    return;
  }
  const newest = Math.max(...existing.map((p) => p.ms));
  watermark.startAt(
    newest,
    existing.map((p) => ({ key: p.key, stamp: p.ms, version: p.version })),
  );
}

export async function pollOnce(options: PollOptions): Promise<PollResult> {
  const { def, watermark, signal } = options;
  const result: PollResult = { count: 0, read: 0, pages: 0 };
  stopIfAborted(signal);
  if (watermark.awaitingStart()) await startFromX3(options);
  const pages = options.client.queryPages(def, {
    since: watermark.since(),
    pageSize: options.pageSize,
    filter: options.filter,
    withLines: options.withLines,
    signal,
  });
  try {
    for await (const page of pages) {
      stopIfAborted(signal);
      result.pages += 1;
      result.read += page.length;
      const fresh: PolledRecord[] = [];
      for (const rec of page) {
        const polled = describeRecord(def, rec);
        if (watermark.isNew(polled.key, polled.ms, polled.version)) fresh.push(polled);
      }
      if (fresh.length) await options.emit(fresh);
      stopIfAborted(signal);
      for (const p of fresh) watermark.accept(p.key, p.ms, p.version);
      result.count += fresh.length;
      watermark.commit();
    }
  } finally {
    await pages.return(undefined);
  }
  watermark.commit();
  result.position = watermark.current();
  return result;
}
