/**
 * Leader election for a poller run by several Node-RED instances on one shared store: exactly one
 * instance holds the lease and polls, the others stand by. The holder renews every third of the
 * lease; when it dies, a standby takes over at its next attempt after the lease ran out (failover
 * within lease + lease/3). Every state write of the holder carries the fence (owner + epoch): the
 * store refuses it once the lease moved on, so a holder that stalled past its lease (a GC pause,
 * a cut network) cannot move a watermark its successor owns. Node-RED-free.
 */
import type { LeaseFence, LeaseGrant } from '../audit/types';

export const DEFAULT_LEASE_MS = 30_000;

export interface LeaseBackend {
  acquireLease(name: string, owner: string, ttlMs: number): Promise<LeaseGrant | undefined>;
  releaseLease(name: string, owner: string, epoch: number): Promise<void>;
}

export interface LeaderLeaseOptions {
  store: LeaseBackend;
  name: string;
  owner: string;
  leaseMs?: number;
  /** leader true/false, each time it changes (the first check reports either). */
  onChange?: (leader: boolean, grant: LeaseGrant | undefined) => void;
  /** A renewal attempt failed (store unreachable): the holder counts as standby until it succeeds. */
  onError?: (err: unknown) => void;
  /** After each check that found this instance the holder (a lease tick: forwarded requests). */
  onHeld?: (grant: LeaseGrant) => void;
}

export class LeaderLease {
  readonly leaseMs: number;
  private grant: LeaseGrant | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private reported: boolean | undefined;
  private checking: Promise<LeaseGrant | undefined> | undefined;

  constructor(private readonly options: LeaderLeaseOptions) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!(this.leaseMs > 0)) throw new Error('the lease must be longer than 0 ms');
  }

  /** The fence of the lease held now, or undefined on a standby. */
  fence(): LeaseFence | undefined {
    return this.grant ? { lease: this.options.name, owner: this.options.owner, epoch: this.grant.epoch } : undefined;
  }

  get leader(): boolean {
    return this.grant !== undefined;
  }

  /** Takes or renews the lease now; resolves the grant, or undefined on a standby. One at a time. */
  check(): Promise<LeaseGrant | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    this.checking ??= this.attempt().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  /** Checks now and then every third of the lease until close(). */
  start(): void {
    const tick = (): void => {
      if (this.closed) return;
      void this.check().finally(() => {
        if (!this.closed) this.timer = setTimeout(tick, Math.max(1, Math.floor(this.leaseMs / 3)));
      });
    };
    tick();
  }

  /** Stops renewing and gives the lease up, so a standby takes over without waiting for expiry. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.checking?.catch(() => undefined);
    const held = this.grant;
    this.grant = undefined;
    if (held) await this.options.store.releaseLease(held.name, held.owner, held.epoch).catch(() => undefined);
  }

  private async attempt(): Promise<LeaseGrant | undefined> {
    try {
      const g = await this.options.store.acquireLease(this.options.name, this.options.owner, this.leaseMs);
      this.grant = this.closed ? undefined : g;
    } catch (err) {
      this.grant = undefined;
      this.options.onError?.(err);
    }
    if (this.closed) return undefined;
    const leader = this.grant !== undefined;
    if (this.reported !== leader) {
      this.reported = leader;
      this.options.onChange?.(leader, this.grant);
    }
    if (this.grant) this.options.onHeld?.(this.grant);
    return this.grant;
  }
}
