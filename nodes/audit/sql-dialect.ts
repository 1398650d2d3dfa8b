/**
 * What lets each operation of the audit store (ledger, inbox, tracked shipments, leases, budgets,
 * retention, migrations) be written once for both backends. An operation is a generator that
 * yields its statements (`?` placeholders) and receives their outcome: SQLite runs it
 * synchronously inside its group commit (better-sqlite3 is synchronous, and a ledger claim's
 * latency depends on not leaving the event loop's turn), PostgreSQL runs it statement by
 * statement on a pooled connection or in one transaction. What the two engines spell differently
 * is named in SqlDialect, nowhere else.
 *
 * Text is compared and sorted bytewise on both: SQLite's default collation is, and the columns
 * PostgreSQL compares or sorts are declared COLLATE "C" (pg-migrations.ts).
 */
import type { AuditEntryInput } from './types';

export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Records an audit entry in the operation's transaction (an inbox settle's entry). */
export interface SqlEntryStep {
  readonly entry: AuditEntryInput;
}

export type SqlStep = SqlStatement | SqlEntryStep;

/** A statement's rows (SELECT, RETURNING) and, for a write, how many rows it changed. */
export interface SqlOutcome<R> {
  readonly rows: R[];
  readonly changes: number;
}

export type SqlOp<T> = Generator<SqlStep, T, SqlOutcome<unknown>>;

/** One statement of an operation: `const r = yield* sql<Row>('SELECT … WHERE k = ?', k)`. */
export function* sql<R = Record<string, unknown>>(
  text: string,
  ...params: unknown[]
): Generator<SqlStep, SqlOutcome<R>, SqlOutcome<unknown>> {
  return (yield { sql: text, params }) as SqlOutcome<R>;
}

/** Records `entry` in the same transaction as the operation's statements. */
export function* recordEntry(entry: AuditEntryInput): Generator<SqlStep, void, SqlOutcome<unknown>> {
  yield { entry };
}

const NO_ROWS: SqlOutcome<unknown> = { rows: [], changes: 0 };

/** Runs an operation on a synchronous driver (SQLite): every step done before this returns. */
export function runSync<T>(
  op: SqlOp<T>,
  exec: (s: SqlStatement) => SqlOutcome<unknown>,
  insertEntry: (entry: AuditEntryInput) => void,
): T {
  let step = op.next();
  while (!step.done) {
    const s = step.value;
    if ('entry' in s) {
      insertEntry(s.entry);
      step = op.next(NO_ROWS);
    } else {
      step = op.next(exec(s));
    }
  }
  return step.value;
}

/** Runs an operation on an asynchronous driver (PostgreSQL), one step after the other. */
export async function runAsync<T>(
  op: SqlOp<T>,
  exec: (s: SqlStatement) => Promise<SqlOutcome<unknown>>,
  insertEntry: (entry: AuditEntryInput) => Promise<void>,
): Promise<T> {
  let step = op.next();
  while (!step.done) {
    const s = step.value;
    if ('entry' in s) {
      await insertEntry(s.entry);
      step = op.next(NO_ROWS);
    } else {
      step = op.next(await exec(s));
    }
  }
  return step.value;
}

/** What SQLite and PostgreSQL spell differently. */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** A boolean parameter (better-sqlite3 binds no booleans: 1/0). */
  bool(value: boolean): boolean | number;
  /**
   * A statement that serialises this transaction with every other one taking the same key,
   * `keySql` a text expression (PostgreSQL: a transaction-scoped advisory lock); undefined where
   * the write transaction already is exclusive (SQLite: one writer at a time).
   */
  lock(keySql: string, ...params: unknown[]): SqlStatement | undefined;
  /** Appended to a SELECT that must keep the rows it read from changing until the commit. */
  readonly forShare: string;
  /** A JSON object text with `patch`'s top-level keys set over `target`'s (both text expressions). */
  mergeJson(target: string, patch: string): string;
  /** The n-th (1-based) bound parameter, for SQL run as written (the trail's queries). */
  param(n: number): string;
  /**
   * A column the planner must not seek on. SQLite plans without statistics: given status and an
   * entity or flow, it may walk the status index and read every row of a common status; its
   * `+column` keeps the status check inside the entity or node index (which carries status).
   * PostgreSQL's planner has statistics.
   */
  notSeeked(column: string): string;
}

export const SQLITE_DIALECT: SqlDialect = {
  name: 'sqlite',
  bool: (value) => (value ? 1 : 0),
  lock: () => undefined,
  forShare: '',
  // RFC 7396 merge; a correlation holds only strings and arrays of strings, so this is a
  // top-level merge that keeps the target's key order, as a spread would
  mergeJson: (target, patch) => `json_patch(${target}, ${patch})`,
  param: () => '?',
  notSeeked: (column) => `+${column}`,
};

export const POSTGRES_DIALECT: SqlDialect = {
  name: 'postgres',
  bool: (value) => value,
  lock: (keySql, ...params) => ({ sql: `SELECT pg_advisory_xact_lock(hashtext(${keySql}))`, params }),
  forShare: ' FOR SHARE',
  mergeJson: (target, patch) => `(${target}::jsonb || ${patch}::jsonb)::text`,
  param: (n) => `$${n}`,
  notSeeked: (column) => column,
};

/** `?, ?, ?` for a list of `n` parameters (`IN (…)`). */
export function placeholders(n: number): string {
  return new Array<string>(n).fill('?').join(', ');
}

/** A LIKE pattern (ESCAPE '\') matching text that contains `text`. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `?` placeholders as $1, $2, … from `first` (PostgreSQL). */
export function numberedParams(text: string, first = 1): string {
  let n = first - 1;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** How a write runs. */
export interface SqlWrite {
  /** SQLite: a ledger write on this key, durable (fsynced) before it resolves; PostgreSQL's commits are durable anyway. */
  readonly durableKey?: string;
  /** PostgreSQL: the statements commit together in one transaction (SQLite's group commit always does). */
  readonly atomic?: boolean;
  /**
   * SQLite: run at once, after the writes queued before it and outside the group commit; `atomic`
   * then takes an IMMEDIATE transaction of its own.
   */
  readonly now?: boolean;
}

/** One store view's database as its operations see it (sqlite-context.ts, pg-context.ts). */
export interface SqlBackend {
  readonly dialect: SqlDialect;
  readonly sanitise: { maskPersonalData: boolean };
  readonly now: () => number;
  isoNow(): string;
  /** A read; SQLite first commits the writes asked for before it, so it sees them. */
  read<T>(op: () => SqlOp<T>): Promise<T>;
  /** A write, committed before it resolves (see SqlWrite); refused once the view is closed. */
  write<T>(op: () => SqlOp<T>, how?: SqlWrite): Promise<T>;
  /** Resolves once the ledger writes made so far on `key` are durable. */
  ledgerDurable(key: string): Promise<void>;
  /** After deletes: SQLite gives the freed pages back to the file system (PostgreSQL's autovacuum reuses them). */
  compact(): void;
}
