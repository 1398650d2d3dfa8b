/**
 * A store view's methods, composed the same way for both backends (sqlite-store.ts, pg-store.ts
 * add close): the backend's audit trail, and the parts written once over sql-dialect.ts: the
 * ledger, tracked shipments, leases, budgets and shared state, seen ids, the webhook inbox and
 * retention.
 */
import { sql, type SqlBackend } from './sql-dialect';
import { sqlCluster } from './sql-cluster';
import { sqlInbox } from './sql-inbox';
import { sqlLedger } from './sql-ledger';
import { sqlPurge } from './sql-purge';
import { sqlTracked } from './sql-tracked';
import type { AuditEntry, AuditEntryInput, AuditStore } from './types';

/** The audit trail as each backend writes it (sqlite-trail.ts, pg-trail.ts). */
export type StoreTrail = Pick<AuditStore, 'record' | 'getEntry' | 'query' | 'listX3Entities' | 'setStatus'> & {
  recordBatch(entries: AuditEntryInput[]): Promise<AuditEntry[]>;
};

export type SqlStoreParts = Omit<AuditStore, 'shared' | 'close'> & StoreTrail;

export function sqlStoreParts(db: SqlBackend, trail: StoreTrail): SqlStoreParts {
  const { purgeSettled, ...inbox } = sqlInbox(db);
  return {
    record: trail.record,
    recordBatch: trail.recordBatch,
    getEntry: trail.getEntry,
    query: trail.query,
    listX3Entities: trail.listX3Entities,
    setStatus: trail.setStatus,
    ...sqlLedger(db),
    ...sqlTracked(db),
    ...sqlCluster(db),

    async markSeen(scope, id) {
      if (!scope || !id) throw new Error('markSeen needs a scope and an id');
      return db.write(
        function* () {
          const r = yield* sql(
            'INSERT INTO seen_ids (scope, id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
            scope,
            id,
            db.isoNow(),
          );
          return r.changes === 1;
        },
        { now: true },
      );
    },

    ...inbox,
    ...sqlPurge(db, purgeSettled),
  };
}
