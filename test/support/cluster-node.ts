/**
 * The set-up shared by the node tests of a poller on a shared (PostgreSQL) audit store: one
 * throwaway cluster per test process (the suite is skipped when PostgreSQL is not installed), a
 * fresh schema per test, and the store of "another instance" of the same flow holding the
 * node's lease there, so the node under test starts as a standby.
 */
import assert from 'node:assert/strict';
import { openPgStore, type PgAuditStore } from '../../nodes/audit/pg-store';
import type { LeaseGrant } from '../../nodes/audit/types';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster, type PgCluster } from './pg-cluster';

export interface OtherInstance {
  url: string;
  schema: string;
  /** the other instance's connection to the shared store */
  store: PgAuditStore;
  /** its grant of the lease, undefined when it could not take it */
  held: LeaseGrant | undefined;
  /** the audit-config of the flow under test, on the same database and schema */
  auditNode: Record<string, unknown>;
}

export interface SharedPgStore {
  /** Opens another instance's store on a fresh schema and takes `lease` there for an hour. */
  otherInstanceHolding(schemaPrefix: string, lease: string): Promise<OtherInstance>;
  /** Closes the other instance's store (in the suite's afterEach). */
  closeOther(): Promise<void>;
}

/** Registers the suite's `before` that starts (or reuses) the cluster, or skips the suite. */
export function useSharedPgStore(): SharedPgStore {
  let cluster: PgCluster | undefined;
  let other: PgAuditStore | undefined;
  before(async function () {
    this.timeout(180_000);
    cluster = await sharedPgCluster();
    if (!cluster) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
  });
  return {
    async otherInstanceHolding(schemaPrefix, lease) {
      const schema = isolatedSchema(schemaPrefix);
      const url = (cluster as PgCluster).url;
      other = openPgStore({ connection: url, schema });
      const held = await other.acquireLease(lease, 'other-instance', 3_600_000);
      const auditNode = {
        id: 'audit',
        type: 'audit-config',
        backend: 'postgres',
        connection: url,
        schema,
        leaseSeconds: 0.3,
      };
      return { url, schema, store: other, held, auditNode };
    },
    async closeOther() {
      await other?.close();
      other = undefined;
    },
  };
}

/** Polls `check` every 10 ms until it holds; fails the test after 2000 rounds. */
export async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}
