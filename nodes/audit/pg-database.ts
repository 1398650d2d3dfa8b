/**
 * Opening the PostgreSQL database a shared audit store lives in: `pg` loaded only when this
 * backend is chosen (an optional peer dependency), a small connection pool with the password from
 * the config node's credentials and the TLS settings, the schema created and migrated once per
 * open (pg-migrations.ts), and the two ways the store's parts talk to it: one statement, or a
 * transaction on one connection. Nothing here logs the connection string or the password.
 */
import { readFileSync } from 'fs';
import type { ClientBase, Pool, PoolConfig, QueryResult, QueryResultRow } from 'pg';
import { pgTransaction } from './pg-context';
import { migratePg, type PgMigration } from './pg-migrations';

export const PG_MISSING_MESSAGE =
  'install pg in your Node-RED user directory (npm install pg) to use the PostgreSQL audit store';

/** 'off': plain TCP; 'verify': TLS with the server certificate checked; 'no-verify': TLS, unchecked. */
export type PgTlsMode = 'off' | 'verify' | 'no-verify';

export interface PgConnectionOptions {
  /** postgres://user@host:port/database (a password in it works, but belongs in the credential). */
  connection: string;
  /** From the config node's credentials; sent to the configured server only. */
  password?: string;
  /** default 'off' unless the connection string says otherwise */
  tls?: PgTlsMode;
  /** PEM file of the CA that signed the server certificate ('verify'). */
  tlsCaFile?: string;
  /** Schema the tables live in (created when missing); default the server's search_path ('public'). */
  schema?: string;
  /** Connections per store (default 10). */
  poolSize?: number;
  /** How optional peers are loaded (tests replace it). */
  loadModule?: (name: string) => unknown;
  /** An idle connection broke (the pool replaces it); never thrown into the event loop. */
  onError?: (err: Error) => void;
  now?: () => number;
  migrations?: readonly PgMigration[];
}

type PgModule = typeof import('pg');

export function loadPg(load: (name: string) => unknown = (name) => require(name)): PgModule {
  let mod: unknown;
  try {
    mod = load('pg');
  } catch (err) {
    throw new Error(PG_MISSING_MESSAGE, { cause: err });
  }
  const pg = ((mod as { default?: unknown }).default ?? mod) as Partial<PgModule>;
  if (typeof pg.Pool !== 'function') throw new Error(`${PG_MISSING_MESSAGE} (the module found is not pg)`);
  return pg as PgModule;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function tlsConfig(options: PgConnectionOptions): PoolConfig['ssl'] {
  const mode = options.tls ?? 'off';
  if (mode === 'off') return undefined;
  if (mode === 'no-verify') return { rejectUnauthorized: false };
  const ca = options.tlsCaFile?.trim() ? readFileSync(options.tlsCaFile.trim(), 'utf8') : undefined;
  return ca ? { rejectUnauthorized: true, ca } : { rejectUnauthorized: true };
}

/** CREATE SCHEMA IF NOT EXISTS races between instances starting together: serialised by a lock. */
async function createSchema(client: ClientBase, schema: string): Promise<void> {
  await pgTransaction(client, async (q) => {
    await q("SELECT pg_advisory_xact_lock(hashtext('sage-x3-shipping.schema:' || $1))", [schema]);
    await q(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  });
}

export type PgQuery = <R extends QueryResultRow = QueryResultRow>(
  sql: string,
  params?: unknown[],
) => Promise<QueryResult<R>>;

export interface PgAuditDatabase {
  /** Resolves once connected and migrated; rejects with the reason it could not open (tried again next call). */
  ready(): Promise<void>;
  readonly schema: string | undefined;
  query: PgQuery;
  /** Runs `fn` in one transaction on one connection (READ COMMITTED), rolled back when it throws. */
  tx<T>(fn: (q: PgQuery) => Promise<T>): Promise<T>;
  /** A connection of its own, outside the pool's rotation (leases, advisory locks). */
  connect(): Promise<ClientBase & { release(err?: Error | boolean): void }>;
  close(): Promise<void>;
}

export function openPgDatabase(options: PgConnectionOptions): PgAuditDatabase {
  if (!options.connection || !options.connection.trim()) {
    throw new Error('the PostgreSQL audit store needs a connection string (postgres://user@host:5432/database)');
  }
  const schema = options.schema?.trim() || undefined;
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new Error(`schema "${schema}" must be a plain identifier (letters, digits, _)`);
  }
  const pg = loadPg(options.loadModule);
  const pool: Pool = new pg.Pool({
    connectionString: options.connection.trim(),
    password: options.password || undefined,
    ssl: tlsConfig(options),
    max: options.poolSize ?? 10,
    application_name: 'node-red-contrib-sage-x3-shipping',
    connectionTimeoutMillis: 15_000,
    options: schema ? `-c search_path=${schema}` : undefined,
  });
  // an idle connection dropped by the server must not take Node-RED down with it
  pool.on('error', (err) => options.onError?.(err));

  // Connect and migrate once; a failed attempt (server down while Node-RED starts) is tried again
  // by the next call instead of leaving the store dead until a redeploy.
  let opening: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    if (!opening) {
      const attempt = (async (): Promise<void> => {
        const client = await pool.connect();
        try {
          if (schema) await createSchema(client, schema);
          await migratePg(client, options.migrations, options.now);
        } finally {
          client.release();
        }
      })();
      opening = attempt;
      attempt.catch(() => {
        if (opening === attempt) opening = undefined;
      });
    }
    return opening;
  };

  const query: PgQuery = async (sql, params) => {
    await ready();
    return pool.query(sql, params);
  };

  return {
    ready,
    schema,
    query,
    async tx(fn) {
      await ready();
      const client = await pool.connect();
      try {
        const out = await pgTransaction(client, fn);
        client.release();
        return out;
      } catch (err) {
        // a connection whose state is unclear is not reused
        client.release(true);
        throw err;
      }
    },
    async connect() {
      await ready();
      return pool.connect();
    },
    async close() {
      await pool.end();
    },
  };
}
