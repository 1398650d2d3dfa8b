/**
 * What the parts of one SQLite store view share (sqlite-trail, sqlite-ledger, sqlite-tracked,
 * sqlite-purge, sqlite-inbox): the open database, the view's clock and masking option, and the
 * closed flag. Once the view is closed every statement and write is refused, even while the
 * database stays open for another view.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { SqliteAuditDatabase } from './sqlite-database';

export interface SqliteStoreContext {
  readonly database: SqliteAuditDatabase;
  readonly db: Db;
  readonly sanitise: { maskPersonalData: boolean };
  readonly now: () => number;
  readonly closed: boolean;
  isoNow(): string;
  /** A prepared statement (cached by the database); throws once the view is closed. */
  st(sql: string): Statement;
  /** A ledger write on `key`, group-committed; resolves once it is durable. */
  ledgerWrite<T>(key: string, fn: () => T): Promise<T>;
  /** A small write (tracked shipments), group-committed with the ledger writes. */
  groupWrite<T>(fn: () => T): Promise<T>;
  /** Before a read: the writes asked for earlier are committed first. */
  beforeRead(): void;
  /** From now on the view refuses everything (the database is released by the store's onClose). */
  markClosed(): void;
}

export function closedError(): Error {
  return new Error('audit store is closed');
}

export function storeContext(
  database: SqliteAuditDatabase,
  options: { maskPersonalData?: boolean; now?: () => number },
): SqliteStoreContext {
  const now = options.now ?? Date.now;
  let closed = false;
  return {
    database,
    db: database.db,
    sanitise: { maskPersonalData: options.maskPersonalData === true },
    now,
    get closed() {
      return closed;
    },
    isoNow: () => new Date(now()).toISOString(),
    st(sql) {
      if (closed) throw closedError();
      return database.statement(sql);
    },
    ledgerWrite(key, fn) {
      if (closed) return Promise.reject(closedError());
      return database.write(fn, key);
    },
    groupWrite(fn) {
      if (closed) return Promise.reject(closedError());
      return database.write(fn);
    },
    beforeRead() {
      if (!closed) database.drainWrites();
    },
    markClosed() {
      closed = true;
    },
  };
}
