/**
 * Where a poller has got to. Each poll asks for records stamped at or after
 * `position - overlap` (late commits, clock skew and second-precision stamps all land inside
 * the overlap), and the (key, stamp, version) of what was already emitted inside that window is
 * remembered so the overlap never emits a record twice. Stamps may have whole seconds only, so a
 * record changed twice in one second keeps its stamp: a version (a content hash, a revision
 * counter) tells the second change from a re-read. Memory is bounded by one overlap window.
 */
import { toEpochMs, toUtcIso } from './time';

export interface WatermarkData {
  /** UTC ISO of the newest stamp emitted and committed; absent = from the beginning. */
  position?: string;
  /** [key, stamp epoch ms, version when the poller gives one] emitted inside the overlap window. */
  seen: Array<[string, number] | [string, number, string]>;
  /**
   * Initial 'source' not settled yet: the poller asks the source system where "now" is (its own
   * clock, not this host's) before the first poll. Persisted so a restart still asks.
   */
  awaitingStart?: boolean;
}

export interface WatermarkStore {
  read(): WatermarkData | undefined;
  write(data: WatermarkData): void;
}

/**
 * 'now' (this host's clock), 'source' (now as the polled system sees it: settled by the poller
 * with startAt()), 'all', or an ISO date-time to start from.
 */
export type InitialPosition = string;

interface Seen {
  ms: number;
  version?: string;
}

export interface WatermarkOptions {
  store: WatermarkStore;
  overlapMs: number;
  initial: InitialPosition;
  now?: () => number;
}

export class Watermark {
  private position?: number;
  private seen = new Map<string, Seen>();
  private pendingMax?: number;
  private awaiting = false;
  /**
   * Something to persist since the last write. A poll commits after every page, and the
   * overlap re-reads pages of records already seen: rewriting (and fsyncing) the whole seen set
   * for those changes nothing on disk.
   */
  private dirty = true;

  constructor(private readonly options: WatermarkOptions) {
    const stored = options.store.read();
    if (stored) {
      this.position = stored.position ? toEpochMs(stored.position) : undefined;
      this.awaiting = stored.awaitingStart === true;
      for (const [key, ms, version] of stored.seen ?? []) this.seen.set(key, { ms, version });
      this.dirty = false;
    } else {
      this.awaiting = options.initial === 'source';
      this.position = initialPosition(options.initial, options.now ?? Date.now);
    }
  }

  /** True until startAt() settles an initial 'source' position. */
  awaitingStart(): boolean {
    return this.awaiting;
  }

  /**
   * Settles an initial 'source' position: the newest stamp the source holds (undefined when it
   * holds nothing yet: then every record that appears is new), and the records read with it,
   * which existed before the start and are not emitted (their exact versions: a later change of
   * one is still new). Persists. Ignored once the start is settled: a reset to a date (a "catch
   * up" msg) that arrived while the poller was asking the source keeps its position, else the
   * records made meanwhile would count as existing before the start and never be emitted.
   */
  startAt(
    stamp: string | number | undefined,
    existing: ReadonlyArray<{ key: string; stamp: string | number; version?: string }> = [],
  ): void {
    if (!this.awaiting) return;
    this.position = stamp === undefined ? undefined : msOf(stamp);
    this.seen.clear();
    this.pendingMax = undefined;
    for (const r of existing) this.seen.set(r.key, { ms: msOf(r.stamp), version: r.version });
    this.awaiting = false;
    this.dirty = true;
    this.commit();
  }

  /** Lower bound for the next query (UTC ISO), or undefined to read everything. */
  since(): string | undefined {
    return this.position === undefined ? undefined : toUtcIso(this.position - this.options.overlapMs);
  }

  /** The committed position (UTC ISO). */
  current(): string | undefined {
    return this.position === undefined ? undefined : toUtcIso(this.position);
  }

  /**
   * Not emitted yet: a newer stamp than the one remembered for the key, or the same stamp with
   * another version (changed again within the stamp's second). Without a version on either
   * side, the same stamp is a re-read.
   */
  isNew(key: string, stamp: string | number, version?: string): boolean {
    const ms = msOf(stamp);
    const prev = this.seen.get(key);
    if (prev === undefined || ms > prev.ms) return true;
    return ms === prev.ms && version !== undefined && prev.version !== undefined && version !== prev.version;
  }

  /** Call once the record has been sent on. */
  accept(key: string, stamp: string | number, version?: string): void {
    const ms = msOf(stamp);
    const prev = this.seen.get(key);
    if (prev === undefined || ms > prev.ms || (ms === prev.ms && version !== prev.version)) {
      this.seen.set(key, { ms, version });
      this.dirty = true;
    }
    if (this.pendingMax === undefined || ms > this.pendingMax) this.pendingMax = ms;
  }

  /** Advance to the newest accepted stamp and persist. Call after a page or poll was sent. */
  commit(): void {
    if (this.pendingMax !== undefined && (this.position === undefined || this.pendingMax > this.position)) {
      this.position = this.pendingMax;
      this.dirty = true;
    }
    this.pendingMax = undefined;
    if (this.position !== undefined) {
      const floor = this.position - this.options.overlapMs;
      for (const [key, s] of this.seen) {
        if (s.ms >= floor) continue;
        this.seen.delete(key);
        this.dirty = true;
      }
    }
    if (!this.dirty) return;
    const data: WatermarkData = {
      position: this.position === undefined ? undefined : toUtcIso(this.position),
      seen: [...this.seen].map(([key, s]) => (s.version === undefined ? [key, s.ms] : [key, s.ms, s.version])),
    };
    if (this.awaiting) data.awaitingStart = true;
    this.options.store.write(data);
    this.dirty = false;
  }

  /** Start over from a new initial position (user asked for a re-sync). */
  reset(initial: InitialPosition): void {
    this.position = initialPosition(initial, this.options.now ?? Date.now);
    this.awaiting = initial === 'source';
    this.seen.clear();
    this.pendingMax = undefined;
    this.dirty = true;
    this.commit();
  }

  seenCount(): number {
    return this.seen.size;
  }
}

function msOf(stamp: string | number): number {
  return typeof stamp === 'number' ? stamp : toEpochMs(stamp);
}

function initialPosition(initial: InitialPosition, now: () => number): number | undefined {
  if (!initial || initial === 'all' || initial === 'source') return undefined;
  if (initial === 'now') return now();
  return toEpochMs(initial);
}
