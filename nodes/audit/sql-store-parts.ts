/**
 * The parts of the store contract written once over sql-dialect.ts, composed for a backend
 * (sqlite-store.ts, pg-store.ts add the trail, which each writes its own way, and close):
 * the ledger, tracked shipments, leases, budgets and shared state, seen ids, the webhook inbox
 * and retention.
 */
import { sql, type SqlBackend } from './sql-dialect';
import { sqlCluster } from './sql-cluster';
import { sqlInbox } from './sql-inbox';
import { sqlLedger } from './sql-ledger';
import { sqlPurge } from './sql-purge';
import { sqlTracked } from './sql-tracked';
import type { AuditStore } from './types';

export type SqlStoreParts = Omit<AuditStore, 'shared' | 'record' | 'getEntry' | 'query' | 'setStatus' | 'close'>;

export function sqlStoreParts(db: SqlBackend): SqlStoreParts {
  const { purgeSettled, ...inbox } = sqlInbox(db);
  return {
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
