import { toEpochMs, toUtcIso } from './time';

/**
 * Where a poller has got to. Each poll asks for records stamped at or after
 * `position - overlap` (late commits, clock skew and second-precision stamps all land inside
 * the overlap), and the (key, stamp) pairs already emitted inside that window are remembered so
 * the overlap never emits a record twice. Memory is bounded by the records of one overlap window.
 */
export interface WatermarkData {
  /** UTC ISO of the newest stamp emitted and committed; absent = from the beginning. */
  position?: string;
  /** [key, stamp epoch ms] emitted inside the overlap window. */
  seen: Array<[string, number]>;
}

export interface WatermarkStore {
  read(): WatermarkData | undefined;
  write(data: WatermarkData): void;
}

/** 'now', 'all', or an ISO date-time to start from. */
export type InitialPosition = string;

export interface WatermarkOptions {
  store: WatermarkStore;
  overlapMs: number;
  initial: InitialPosition;
  now?: () => number;
}

export class Watermark {
  private position?: number;
  private seen = new Map<string, number>();
  private pendingMax?: number;

  constructor(private readonly options: WatermarkOptions) {
    const stored = options.store.read();
    if (stored) {
      this.position = stored.position ? toEpochMs(stored.position) : undefined;
      for (const [key, stamp] of stored.seen ?? []) this.seen.set(key, stamp);
    } else {
      this.position = initialPosition(options.initial, options.now ?? Date.now);
    }
  }

  /** Lower bound for the next query (UTC ISO), or undefined to read everything. */
  since(): string | undefined {
    return this.position === undefined ? undefined : toUtcIso(this.position - this.options.overlapMs);
  }

  /** The committed position (UTC ISO). */
  current(): string | undefined {
    return this.position === undefined ? undefined : toUtcIso(this.position);
  }

  isNew(key: string, stamp: string | number): boolean {
    const ms = typeof stamp === 'number' ? stamp : toEpochMs(stamp);
    const prev = this.seen.get(key);
    return prev === undefined || ms > prev;
  }

  /** Call once the record has been sent on. */
  accept(key: string, stamp: string | number): void {
    const ms = typeof stamp === 'number' ? stamp : toEpochMs(stamp);
    this.seen.set(key, Math.max(ms, this.seen.get(key) ?? ms));
    if (this.pendingMax === undefined || ms > this.pendingMax) this.pendingMax = ms;
  }

  /** Advance to the newest accepted stamp and persist. Call after a page or poll was sent. */
  commit(): void {
    if (this.pendingMax !== undefined && (this.position === undefined || this.pendingMax > this.position)) {
      this.position = this.pendingMax;
    }
    this.pendingMax = undefined;
    if (this.position !== undefined) {
      const floor = this.position - this.options.overlapMs;
      for (const [key, stamp] of this.seen) if (stamp < floor) this.seen.delete(key);
    }
    this.options.store.write({
      position: this.position === undefined ? undefined : toUtcIso(this.position),
      seen: [...this.seen],
    });
  }

  /** Start over from a new initial position (user asked for a re-sync). */
  reset(initial: InitialPosition): void {
    this.position = initialPosition(initial, this.options.now ?? Date.now);
    this.seen.clear();
    this.pendingMax = undefined;
    this.commit();
  }

  seenCount(): number {
    return this.seen.size;
  }
}

function initialPosition(initial: InitialPosition, now: () => number): number | undefined {
  if (!initial || initial === 'all') return undefined;
  if (initial === 'now') return now();
  return toEpochMs(initial);
}
