/**
 * One FedEx OAuth token for every instance of one fedex-config on a shared store: the token is
 * kept sealed in the store (core/sealed-state.ts, keyed by the client secret the database never
 * sees); an instance whose token cache needs one takes the store's while it is fresh, and only the
 * holder of the `fedex-token` lease asks FedEx, the others wait for the token it stores. So the
 * cluster asks once per token lifetime (or after a 401 refused the stored one), not once per
 * instance. A FedEx auth lockout (403 penalty) one instance meets is stored too, and every
 * instance holds back its token requests until it ends. Node-RED-free.
 */
import { createHash } from 'crypto';
import { ApiError } from '../core/errors';
import { sleep } from '../core/retry';
import { seal, unseal } from '../core/sealed-state';
import type { TokenGrant } from '../core/token-cache';
import type { AuditStore } from '../audit/types';

export type SharedTokenStore = Pick<AuditStore, 'readState' | 'writeState' | 'acquireLease' | 'releaseLease'>;

export interface SharedTokenOptions {
  store: SharedTokenStore;
  baseURL: string;
  clientId: string;
  /** Seals the stored token; never stored or sent anywhere but FedEx. */
  clientSecret: string;
  owner: string;
  /** Asks FedEx (through the token-request limiter). */
  fetch: () => Promise<TokenGrant>;
  /** A stored token with less lifetime left than this is not taken (the cache would refresh it at once). */
  marginMs: number;
  /** Penalty assumed for a 403 without Retry-After. */
  lockoutMs: number;
  now?: () => number;
  /** How often a waiting instance looks for the token the lease holder stores. */
  pollMs?: number;
  leaseMs?: number;
  signal?: AbortSignal;
}

interface StoredToken {
  token: string;
  expiresAt: number;
}

export class SharedToken {
  /** Names the rows of this FedEx host + API key (a hash: the key itself stays out of the store). */
  readonly id: string;
  private refused: string | undefined;
  private readonly now: () => number;

  constructor(private readonly options: SharedTokenOptions) {
    this.now = options.now ?? Date.now;
    this.id = createHash('sha256').update(`${options.baseURL}\n${options.clientId}`).digest('hex').slice(0, 24);
  }

  /** FedEx refused this token (401): it is not taken from the store again. */
  refuse(token: string): void {
    this.refused = token;
  }

  /** A fresh token: the stored one, or one this instance asks FedEx for while holding the lease. */
  async get(): Promise<TokenGrant> {
    const o = this.options;
    const deadline = this.now() + (o.leaseMs ?? 30_000) * 2;
    for (;;) {
      const lockedUntil = await this.lockedUntil();
      if (lockedUntil > this.now()) {
        throw new ApiError({
          system: 'fedex',
          code: 'AUTH_LOCKED_OUT',
          status: 403,
          message: `FedEx locked the token endpoint out (seen by another instance) until ${new Date(lockedUntil).toISOString()}`,
          retryable: false,
          retryAfterMs: lockedUntil - this.now(),
        });
      }
      const stored = await this.stored();
      if (stored) return stored;
      const lease = await o.store.acquireLease(`fedex-token:${this.id}`, o.owner, o.leaseMs ?? 30_000);
      if (lease) {
        try {
          // another instance may have stored one between our look and the lease
          const again = await this.stored();
          if (again) return again;
          const grant = await this.fetchNoting403();
          const value: StoredToken = { token: grant.token, expiresAt: this.now() + grant.expiresInMs };
          await o.store.writeState(`fedex-token:${this.id}`, seal(value, o.clientSecret, this.context('token')));
          return grant;
        } finally {
          await o.store.releaseLease(lease.name, lease.owner, lease.epoch).catch(() => undefined);
        }
      }
      if (this.now() > deadline) {
        // the holder takes too long (or died holding the lease): ask FedEx ourselves
        return this.fetchNoting403();
      }
      await sleep(o.pollMs ?? 200, o.signal);
    }
  }

  private context(what: string): string {
    return `fedex-${what}:${this.id}`;
  }

  private async stored(): Promise<TokenGrant | undefined> {
    const raw = await this.options.store.readState(`fedex-token:${this.id}`);
    const t = unseal<StoredToken>(raw, this.options.clientSecret, this.context('token'));
    if (!t || t.token === this.refused) return undefined;
    const left = t.expiresAt - this.now();
    return left > this.options.marginMs ? { token: t.token, expiresInMs: left } : undefined;
  }

  private async lockedUntil(): Promise<number> {
    const raw = (await this.options.store.readState(`fedex-lockout:${this.id}`)) as { until?: number } | undefined;
    return typeof raw?.until === 'number' ? raw.until : 0;
  }

  private async fetchNoting403(): Promise<TokenGrant> {
    try {
      return await this.options.fetch();
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) {
        const until = this.now() + (err.retryAfterMs ?? this.options.lockoutMs);
        await this.options.store.writeState(`fedex-lockout:${this.id}`, { until }).catch(() => undefined);
      }
      throw err;
    }
  }
}
