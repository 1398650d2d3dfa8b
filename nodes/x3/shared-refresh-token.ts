/**
 * The rotated X3 OAuth2 refresh token of one x3-config shared by every instance on a shared
 * store: X3 rotates it on each use, so instances keeping their own copies would void each
 * other's. It is kept in the store sealed (core/sealed-state.ts, key derived from the client
 * secret, which the database never sees), and a refresh runs under the `x3-oauth2` lease so only
 * one instance at a time reads, exchanges and rotates it. Access tokens stay per instance: X3
 * has no token-request quota, and a 5-minute token shared would only add a dependency.
 */
import { createHash } from 'node:crypto';
import { sleep } from '../core/retry';
import { seal, unseal } from '../core/sealed-state';
import type { AuditStore } from '../audit/types';
import type { RefreshTokenStore } from './oauth2';

export type SharedRefreshStore = Pick<AuditStore, 'readState' | 'writeState' | 'acquireLease' | 'releaseLease'>;

interface Stored {
  refreshToken: string;
  /** Hash of the configured token it descends from: pasting a new one (pairing again) wins. */
  configured: string;
}

const fingerprint = (token: string | undefined): string =>
  token ? createHash('sha256').update(token).digest('hex') : '';

export function sharedRefreshTokenStore(options: {
  store: SharedRefreshStore;
  owner: string;
  /** The x3-config node id: the same on every instance of one flow. */
  configId: string;
  configured: string | undefined;
  clientSecret: string;
  leaseMs?: number;
  pollMs?: number;
}): RefreshTokenStore {
  const { store, configured } = options;
  const name = `x3-oauth2:${options.configId}`;
  const context = `x3-refresh-token:${options.configId}`;
  const fp = fingerprint(configured);
  const leaseMs = options.leaseMs ?? 60_000;
  return {
    async read() {
      const stored = unseal<Stored>(await store.readState(name), options.clientSecret, context);
      return stored && stored.configured === fp && stored.refreshToken ? stored.refreshToken : configured || undefined;
    },
    async write(token) {
      await store.writeState(name, seal({ refreshToken: token, configured: fp }, options.clientSecret, context));
    },
    remove() {
      // the stored chain belongs to the flow, which other instances still run
    },
    async exclusive(refresh) {
      for (let waited = 0; ; waited += options.pollMs ?? 200) {
        const lease = await store.acquireLease(name, options.owner, leaseMs);
        if (lease) {
          try {
            return await refresh();
          } finally {
            await store.releaseLease(lease.name, lease.owner, lease.epoch).catch(() => undefined);
          }
        }
        if (waited > leaseMs * 2) throw new Error('X3 OAuth2: another instance holds the refresh lock too long');
        await sleep(options.pollMs ?? 200);
      }
    },
  };
}
