/**
 * A poller's state in the shared store when several instances run the same flow: the watermark
 * (loaded by the lease holder before each poll, written fenced after each page, so a holder that
 * lost its lease stops at its next page instead of moving the watermark its successor owns), and
 * the poll requests a standby forwards to the holder (a msg injected into a standby is honoured by
 * the leader's next lease tick, a `reset` with it). Node-RED-free.
 */
import type { LeaseFence } from '../audit/types';
import type { WatermarkData, WatermarkStore } from './watermark';

export interface SharedStateBackend {
  readState(name: string): Promise<unknown>;
  writeState(name: string, value: unknown, fence?: LeaseFence): Promise<void>;
}

interface StoredWatermark {
  scope: string;
  data: WatermarkData;
  /** Lease epoch of the holder that wrote it. */
  epoch?: number;
}

/**
 * After a takeover the new holder reads this far behind the stored position again, seen set
 * cleared: records the dead holder had sent on (and committed) but whose processing died with it
 * come out again; the ledger keeps each document to one label or order.
 */
export const TAKEOVER_CATCH_UP_MS = 10 * 60_000;

export interface PollRequest {
  /** Unique per request; the holder handles each seq once. */
  seq: string;
  reset?: string;
}

export class SharedPollState {
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;

  /** `name` keys this poller's rows (type + node id), `scope` what its position belongs to. */
  constructor(
    private readonly store: SharedStateBackend,
    private readonly name: string,
    private readonly scope: string,
  ) {}

  /** The stored watermark of this scope, and a WatermarkStore whose writes carry `fence`. */
  async load(
    fence: LeaseFence,
  ): Promise<{ data: WatermarkData | undefined; store: WatermarkStore; catchUpFrom?: string }> {
    await this.settle().catch(() => undefined);
    this.failure = undefined;
    this.pending = Promise.resolve();
    const stored = (await this.store.readState(`${this.name}:watermark`)) as StoredWatermark | undefined;
    const data = stored && stored.scope === this.scope ? stored.data : undefined;
    // written under another epoch: another holder (now gone) polled last
    const takenOver = data?.position !== undefined && stored?.epoch !== undefined && stored.epoch !== fence.epoch;
    return {
      data,
      catchUpFrom: takenOver
        ? new Date(Date.parse(data.position as string) - TAKEOVER_CATCH_UP_MS).toISOString()
        : undefined,
      store: {
        read: () => data,
        write: (next) => {
          const value: StoredWatermark = { scope: this.scope, data: next, epoch: fence.epoch };
          // in order: a later page's position never lands before an earlier one's
          this.pending = this.pending.then(() => this.store.writeState(`${this.name}:watermark`, value, fence));
          this.pending.catch((err: unknown) => {
            this.failure ??= err;
          });
        },
      },
    };
  }

  /** Waits for the writes made so far; throws the first that was refused (LEASE_LOST) or failed. */
  async settle(): Promise<void> {
    await this.pending.catch(() => undefined);
    if (this.failure !== undefined) throw this.failure;
  }

  /** A standby forwards a poll (and a reset) to the holder. */
  async forward(request: Omit<PollRequest, 'seq'>): Promise<void> {
    const seq = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    await this.store.writeState(`${this.name}:request`, { ...request, seq });
  }

  /** The holder: a request not handled yet (marked handled, fenced, before it is returned). */
  async takeRequest(fence: LeaseFence): Promise<PollRequest | undefined> {
    const request = (await this.store.readState(`${this.name}:request`)) as PollRequest | undefined;
    if (!request) return undefined;
    const handled = await this.store.readState(`${this.name}:handled`);
    if (handled === request.seq) return undefined;
    await this.store.writeState(`${this.name}:handled`, request.seq, fence);
    return request;
  }
}
