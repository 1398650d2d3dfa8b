/**
 * Guarded write-back of tracking numbers (issue 4): X3 has no optimistic locking on these writes
 * (api1 is last-writer-wins, reference 4.1), so before writing we re-read the record and only
 * write when the target field is empty or still holds the value this node wrote last time.
 * Anything else belongs to someone else (a user, another integration) and is left alone.
 */
import { ApiError } from '../core/errors';
import { stateJournal, type StateFile, type StateJournal } from '../core/state-file';

export type WriteBackMode = 'replace' | 'append';

export interface WriteBackInput {
  /** For messages: entity / key / field names. */
  entity: string;
  key: string;
  field: string;
  /** The field's value in X3 right now (just re-read). */
  current: unknown;
  /** The value (or, in append mode, the numbers) to write. */
  desired: string;
  /** What this node wrote into this field of this record last time, if anything. */
  lastWritten?: string;
  mode: WriteBackMode;
  /** Joins the numbers of a multi-package shipment in append mode. */
  separator: string;
}

export type WriteBackDecision =
  /** Write `value` into the field. */
  | { action: 'write'; value: string }
  /** X3 already holds what we want (a replay, or a retry after a crash): nothing to write. */
  | { action: 'none'; value: string };

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(text).join('');
  return String(v).trim();
}

function tokens(value: string, separator: string): string[] {
  const sep = separator.trim() || separator;
  return value
    .split(sep)
    .map((t) => t.trim())
    .filter(Boolean);
}

export function conflictError(input: WriteBackInput, current: string): ApiError {
  return new ApiError({
    system: 'x3',
    code: 'X3_CONFLICT',
    status: 409,
    message:
      `${input.entity} ${input.key}: field ${input.field} holds "${current}", which this node did not write; ` +
      `"${input.desired}" was not written and the record is unchanged`,
    retryable: false,
    details: { entity: input.entity, key: input.key, field: input.field, current, desired: input.desired },
  });
}

/** Decides what to write, or throws X3_CONFLICT. Pure: the caller re-reads and writes. */
export function decideWriteBack(input: WriteBackInput): WriteBackDecision {
  const current = text(input.current);
  const desired = input.desired.trim();
  const own = input.lastWritten?.trim();
  if (!desired) return { action: 'none', value: current };
  if (input.mode === 'replace') {
    if (current === desired) return { action: 'none', value: current };
    if (current === '' || current === own) return { action: 'write', value: desired };
    throw conflictError(input, current);
  }
  const have = tokens(current, input.separator);
  const wanted = tokens(desired, input.separator);
  const missing = wanted.filter((t) => !have.includes(t));
  if (missing.length === 0) return { action: 'none', value: current };
  if (current === '') return { action: 'write', value: wanted.join(input.separator) };
  if (current === own) return { action: 'write', value: [...have, ...missing].join(input.separator) };
  throw conflictError(input, current);
}

/** What this node wrote last, per (folder, entity, key, field); survives restarts. */
export interface LastWrittenStore {
  get(id: string): string | undefined | Promise<string | undefined>;
  set(id: string, value: string): void | Promise<void>;
  /** Resolves when every `set` made before the call is on disk (one flush for the sets of a turn). */
  durable(): Promise<void>;
  /** Forget everything (the node was deleted). */
  remove(): void;
  /** Release open files (the node is closing). */
  close(): void;
}

/**
 * The LastWrittenStore of an x3-update node run by several instances on a shared store: what any
 * instance wrote, as named state (`x3-update:<node id>:lw:<id>`), so an instance does not take
 * another's write for a user's edit. Purged with the audit trail's retention.
 */
export function sharedLastWrittenStore(
  store: { readState(name: string): Promise<unknown>; writeState(name: string, value: unknown): Promise<void> },
  nodeId: string,
): LastWrittenStore {
  const name = (id: string): string => `x3-update:${nodeId}:lw:${id}`;
  return {
    async get(id) {
      const v = await store.readState(name(id));
      return typeof v === 'string' ? v : undefined;
    },
    async set(id, value) {
      await store.writeState(name(id), value);
    },
    remove() {
      // the other instances still run the node: its entries go with the retention
    },
    close() {
      // nothing held open: the store is the audit-config's
    },
    // each set resolved once the shared store committed it
    durable: async () => undefined,
  };
}

export function lastWrittenId(folder: string, entity: string, key: string, field: string): string {
  return JSON.stringify([folder, entity, key, field]);
}

interface LastWrittenFile {
  /** id -> [value, written at epoch ms] */
  entries: Record<string, [string, number]>;
}

/** One change in the journal: [id, value, written at epoch ms]. */
type LastWrittenRecord = [string, string, number];

/** Journal records always rewritten into the state file after at least this many (or one per entry). */
export const LAST_WRITTEN_COMPACT_MIN = 1000;

export interface FileLastWrittenOptions {
  /** Entries kept; the oldest go first (a delivery is written back within days). */
  maxEntries?: number;
  /** Entries older than this are forgotten (default 180 days). */
  maxAgeMs?: number;
  now?: () => number;
  /** Where each change is appended (default: the state file's `.journal` companion). */
  journal?: StateJournal<LastWrittenRecord>;
}

/**
 * A LastWrittenStore in a state file of the Node-RED user dir. Each `set` appends one line to
 * the file's journal, durable at `durable()` (the sets of one turn share one fsync); the whole map is rewritten (atomically) into the state file and the
 * journal emptied only once the journal holds as many records as the map has entries (at least
 * LAST_WRITTEN_COMPACT_MIN). Serialising the whole map on every set made each write cost O(map)
 * in CPU, disk and garbage (a megabyte string per delivery at 10,000 entries).
 */
export function fileLastWrittenStore(
  file: StateFile<LastWrittenFile>,
  options: FileLastWrittenOptions = {},
): LastWrittenStore {
  const maxEntries = options.maxEntries ?? 20_000;
  const maxAgeMs = options.maxAgeMs ?? 180 * 24 * 3600_000;
  const now = options.now ?? Date.now;
  const journal = options.journal ?? stateJournal<LastWrittenRecord>(file);
  let cache: Map<string, [string, number]> | undefined;
  /** Records in the journal now. */
  let journalled = 0;
  const prune = (map: Map<string, [string, number]>, t: number): void => {
    for (const [k, [, at]] of map) {
      if (map.size <= maxEntries && at >= t - maxAgeMs) break;
      map.delete(k);
    }
  };
  const compact = (map: Map<string, [string, number]>): void => {
    file.write({ entries: Object.fromEntries(map) });
    journal.clear();
    journalled = 0;
  };
  const load = (): Map<string, [string, number]> => {
    if (cache) return cache;
    const map = new Map(Object.entries(file.read()?.entries ?? {}));
    const { records, torn } = journal.read();
    // replaying what the state file may already hold is harmless: the journal is in set order
    for (const r of records) {
      if (!Array.isArray(r) || typeof r[0] !== 'string' || typeof r[1] !== 'string' || typeof r[2] !== 'number')
        continue;
      map.delete(r[0]);
      map.set(r[0], [r[1], r[2]]);
    }
    prune(map, now());
    cache = map;
    journalled = records.length;
    // a torn last line would swallow the next append: start a clean journal
    if (torn) compact(map);
    return map;
  };
  return {
    get: (id) => load().get(id)?.[0],
    set: (id, value) => {
      const map = load();
      const t = now();
      journal.append([id, value, t]);
      journalled += 1;
      map.delete(id);
      map.set(id, [value, t]);
      prune(map, t);
      if (journalled >= Math.max(LAST_WRITTEN_COMPACT_MIN, map.size)) compact(map);
    },
    durable: () => journal.sync(),
    remove: () => {
      cache = new Map();
      journalled = 0;
      file.remove();
      journal.clear();
    },
    close: () => journal.close(),
  };
}
