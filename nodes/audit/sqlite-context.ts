/**
 * What the parts of one SQLite store view share (sqlite-trail and the operations written once
 * over sql-dialect.ts): the open database, the view's clock, masking option and closed flag
 * (store-view.ts), and the way an operation runs here: synchronously, inside the group commit
 * (a ledger write fsynced before it resolves) or at once after the queued writes.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { SqliteAuditDatabase } from './sqlite-database';
import {
  runSync,
  SQLITE_DIALECT,
  type SqlBackend,
  type SqlOp,
  type SqlOutcome,
  type SqlStatement,
} from './sql-dialect';
import { closedError, storeView, type StoreView, type StoreViewOptions } from './store-view';
import type { AuditEntryInput } from './types';

export { closedError };

export interface SqliteStoreContext extends StoreView {
  readonly database: SqliteAuditDatabase;
  readonly db: Db;
  /** A prepared statement (cached by the database); throws once the view is closed. */
  st(sql: string): Statement;
  /** A ledger write on `key`, group-committed; resolves once it is durable. */
  ledgerWrite<T>(key: string, fn: () => T): Promise<T>;
  /** A small write (tracked shipments), group-committed with the ledger writes. */
  groupWrite<T>(fn: () => T): Promise<T>;
  /** Before a read: the writes asked for earlier are committed first. */
  beforeRead(): void;
}

export function storeContext(database: SqliteAuditDatabase, options: StoreViewOptions): SqliteStoreContext {
  return storeView(options, (view) => ({
    database,
    db: database.db,
    st(sql: string) {
      if (view.closed) throw closedError();
      return database.statement(sql);
    },
    ledgerWrite: view.whileOpen(<T>(key: string, fn: () => T) => database.write(fn, key)),
    groupWrite: view.whileOpen(<T>(fn: () => T) => database.write(fn)),
    beforeRead() {
      if (!view.closed) database.drainWrites();
    },
  }));
}

/** Gives the pages freed by deletes back to the file system (auto_vacuum INCREMENTAL). */
export function shrink(ctx: SqliteStoreContext): void {
  if (ctx.closed || ctx.database.path === ':memory:') return;
  ctx.database.drainWrites();
  ctx.db.pragma('incremental_vacuum');
  // in WAL mode the file is cut when the WAL is checkpointed
  ctx.db.pragma('wal_checkpoint(TRUNCATE)');
}

/** Runs an operation's statements on better-sqlite3, prepared by `prepare`. */
export function statementRunner(prepare: (sql: string) => Statement): (s: SqlStatement) => SqlOutcome<unknown> {
  return (s) => {
    const st = prepare(s.sql);
    if (st.reader) return { rows: st.all(...s.params) as unknown[], changes: 0 };
    return { rows: [], changes: st.run(...s.params).changes };
  };
}

/** For operations that record no audit entry (migrations). */
export function noEntries(): never {
  throw new Error('this operation cannot record an audit entry');
}

/** The view as the store's operations see it; `insertEntry` records an entry in the current transaction. */
export function sqliteBackend(ctx: SqliteStoreContext, insertEntry: (entry: AuditEntryInput) => void): SqlBackend {
  const exec = statementRunner(ctx.st);
  const run = <T>(op: () => SqlOp<T>): T => runSync(op(), exec, insertEntry);
  return {
    dialect: SQLITE_DIALECT,
    sanitise: ctx.sanitise,
    now: ctx.now,
    isoNow: ctx.isoNow,
    read(op) {
      return new Promise((resolve) => {
        if (ctx.closed) throw closedError();
        ctx.beforeRead();
        resolve(run(op));
      });
    },
    write(op, how = {}) {
      if (how.now) {
        return new Promise((resolve) => {
          if (ctx.closed) throw closedError();
          ctx.beforeRead();
          resolve(how.atomic ? ctx.db.transaction(() => run(op)).immediate() : run(op));
        });
      }
      return how.durableKey === undefined
        ? ctx.groupWrite(() => run(op))
        : ctx.ledgerWrite(how.durableKey, () => run(op));
    },
    ledgerDurable: (key) => ctx.database.ledgerDurable(key),
    compact: () => shrink(ctx),
  };
}
