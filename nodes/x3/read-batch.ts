/**
 * The guarded write-back's re-reads of one entity, asked for in the same turn of the event loop
 * (the documents x3-update starts together, e.g. the status write-backs of one fedex-track run),
 * go to X3 as one query by key list (GraphQL `_in` on `_id`, REST `where <key> in (...)`) instead
 * of one read each. Each document is still read after the previous write of the same document
 * and right before its own write (the batch only gathers reads already due), so the guard sees
 * what it saw before. Whatever the key-list query cannot vouch for is read one by one as before:
 * a key missing from the answer (X3 says "no such record" only to a read by key), a record
 * without a field the write-back compares (REST's query facet shows only the list's columns),
 * a failed query. `_in` is not shown for X3 in Sage's samples (reference 3.3): an X3 refusing it,
 * or a face lacking the fields, stops batching for that entity on that API for the node's life.
 */
import { ApiError } from '../core/errors';
import type { EntityDefinition, X3Client, X3Record } from './client';

/** A client that can read several records by key in one request. */
export type KeyListClient = X3Client & Required<Pick<X3Client, 'readMany'>>;

export function canReadMany(client: X3Client): client is KeyListClient {
  return typeof (client as Partial<KeyListClient>).readMany === 'function';
}

/** Keys per query: a REST `where` travels in the URL. */
export const READ_BATCH_MAX_KEYS = 100;

interface Waiting {
  key: string;
  /** Fields the caller compares: the batch's record must carry each of them. */
  fields: string[];
  single: () => Promise<X3Record | undefined>;
  resolve: (rec: X3Record | undefined) => void;
  reject: (err: unknown) => void;
}

interface Group {
  client: KeyListClient;
  def: EntityDefinition;
  waiting: Waiting[];
}

export interface ReadBatcherOptions {
  maxKeys?: number;
  /** When a gathered group is sent (default: setImmediate, after the I/O of this turn). */
  schedule?: (flush: () => void) => void;
}

export class ReadBatcher {
  private readonly groups = new Map<string, Group>();
  /** `<style> <entity>` whose key-list answer cannot serve the write-back. */
  private readonly unsuitable = new Set<string>();
  private readonly maxKeys: number;
  private readonly schedule: (flush: () => void) => void;

  constructor(options: ReadBatcherOptions = {}) {
    this.maxKeys = Math.max(1, options.maxKeys ?? READ_BATCH_MAX_KEYS);
    this.schedule = options.schedule ?? ((flush) => setImmediate(flush));
  }

  /**
   * The record `key` of `def` as `client` reads it in a key-list query gathered with the other
   * reads of this turn, or `single()` (the one-record read) where the batch cannot vouch for it.
   */
  read(
    client: KeyListClient,
    def: EntityDefinition,
    key: string,
    fields: string[],
    single: () => Promise<X3Record | undefined>,
  ): Promise<X3Record | undefined> {
    const id = `${client.style} ${def.name}`;
    if (this.unsuitable.has(id)) return single();
    return new Promise((resolve, reject) => {
      let group = this.groups.get(id);
      if (!group || group.client !== client || group.def !== def) {
        if (group) this.send(id, group);
        group = { client, def, waiting: [] };
        const created = group;
        this.groups.set(id, created);
        this.schedule(() => {
          if (this.groups.get(id) === created) this.send(id, created);
        });
      }
      group.waiting.push({ key, fields, single, resolve, reject });
      if (group.waiting.length >= this.maxKeys) this.send(id, group);
    });
  }

  private send(id: string, group: Group): void {
    if (this.groups.get(id) === group) this.groups.delete(id);
    void this.run(id, group);
  }

  private async run(id: string, group: Group): Promise<void> {
    const { waiting } = group;
    const one = (w: Waiting): void => {
      w.single().then(w.resolve, w.reject);
    };
    // a lone read gains nothing from a list query: the one-record read, as without batching
    if (waiting.length === 1) return one(waiting[0]);
    let records: X3Record[];
    try {
      records = await group.client.readMany(group.def, [...new Set(waiting.map((w) => w.key))]);
    } catch (err) {
      // refused as a query (not a passing fault): this X3 does not take it
      if (err instanceof ApiError && !err.retryable && err.status !== 401) this.unsuitable.add(id);
      waiting.forEach(one);
      return;
    }
    const byKey = new Map<string, X3Record>();
    for (const r of records) {
      const k = r[group.def.key];
      if (typeof k === 'string' || typeof k === 'number') byKey.set(String(k), r);
    }
    for (const w of waiting) {
      const rec = byKey.get(w.key);
      if (!rec) one(w);
      else if (w.fields.some((f) => !(f in rec))) {
        this.unsuitable.add(id);
        one(w);
      } else w.resolve(rec);
    }
  }
}
