/**
 * What the parts of one PostgreSQL store view share (pg-trail and the operations written once
 * over sql-dialect.ts): the open database, the view's clock, masking option and closed flag
 * (store-view.ts), and the way an operation runs here: each statement committed on its own, or
 * all of them in one transaction on one connection. Once the view is closed every statement is
 * refused with the same error as the SQLite store's.
 */
import type { ClientBase } from 'pg';
import type { PgAuditDatabase, PgQuery } from './pg-database';
import {
  numberedParams,
  POSTGRES_DIALECT,
  runAsync,
  type SqlBackend,
  type SqlOp,
  type SqlOutcome,
  type SqlStatement,
} from './sql-dialect';
import { storeView, type StoreView, type StoreViewOptions } from './store-view';
import type { AuditEntryInput } from './types';

export interface PgStoreContext extends StoreView {
  readonly database: PgAuditDatabase;
  /** One statement (its own transaction); refused once the view is closed. */
  query: PgQuery;
  /** Several statements in one transaction; refused once the view is closed. */
  tx<T>(fn: (q: PgQuery) => Promise<T>): Promise<T>;
}

export function pgStoreContext(database: PgAuditDatabase, options: StoreViewOptions): PgStoreContext {
  return storeView(options, (view) => ({
    database,
    query: view.whileOpen(database.query),
    tx: view.whileOpen(database.tx),
  }));
}

/** Runs an operation's statements (`?` placeholders) with `q`. */
export function statementRunner(q: PgQuery): (s: SqlStatement) => Promise<SqlOutcome<unknown>> {
  return async (s) => {
    const r = await q(numberedParams(s.sql), [...s.params]);
    return { rows: r.rows, changes: r.rowCount ?? 0 };
  };
}

/** For operations that record no audit entry (migrations). */
export function noEntries(): Promise<never> {
  return Promise.reject(new Error('this operation cannot record an audit entry'));
}

/** `fn` in one transaction on `client`: committed, or rolled back when it throws. */
export async function pgTransaction<T>(client: ClientBase, fn: (q: PgQuery) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const out = await fn((sql, params) => client.query(sql, params));
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The view as the store's operations see it; `insertEntry` records an entry in the transaction `q` is on. */
export function pgBackend(
  ctx: PgStoreContext,
  insertEntry: (q: PgQuery, entry: AuditEntryInput) => Promise<void>,
): SqlBackend {
  const run = <T>(op: () => SqlOp<T>, q: PgQuery): Promise<T> =>
    runAsync(op(), statementRunner(q), (entry) => insertEntry(q, entry));
  return {
    dialect: POSTGRES_DIALECT,
    sanitise: ctx.sanitise,
    now: ctx.now,
    isoNow: ctx.isoNow,
    read: (op) => run(op, ctx.query),
    write: (op, how = {}) => (how.atomic ? ctx.tx((q) => run(op, q)) : run(op, ctx.query)),
    ledgerDurable: () => Promise.resolve(),
    compact: () => undefined,
  };
}
