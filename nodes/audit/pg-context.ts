/**
 * What the parts of one PostgreSQL store view share (pg-trail, pg-ledger, pg-tracked, pg-inbox,
 * pg-purge): the open database, the view's clock and masking option, and the closed flag. Once
 * the view is closed every statement is refused with the same error as the SQLite store's.
 */
import type { PgAuditDatabase, PgQuery } from './pg-database';
import { closedError } from './sqlite-context';

export interface PgStoreContext {
  readonly database: PgAuditDatabase;
  readonly sanitise: { maskPersonalData: boolean };
  readonly now: () => number;
  readonly closed: boolean;
  isoNow(): string;
  /** One statement (its own transaction); refused once the view is closed. */
  query: PgQuery;
  /** Several statements in one transaction; refused once the view is closed. */
  tx<T>(fn: (q: PgQuery) => Promise<T>): Promise<T>;
  markClosed(): void;
}

export function pgStoreContext(
  database: PgAuditDatabase,
  options: { maskPersonalData?: boolean; now?: () => number },
): PgStoreContext {
  const now = options.now ?? Date.now;
  let closed = false;
  return {
    database,
    sanitise: { maskPersonalData: options.maskPersonalData === true },
    now,
    get closed() {
      return closed;
    },
    isoNow: () => new Date(now()).toISOString(),
    query(sql, params) {
      if (closed) return Promise.reject(closedError());
      return database.query(sql, params);
    },
    tx(fn) {
      if (closed) return Promise.reject(closedError());
      return database.tx(fn);
    },
    markClosed() {
      closed = true;
    },
  };
}
