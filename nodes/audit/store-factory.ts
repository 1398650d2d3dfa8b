/**
 * Opens the audit store a config names. One SQLite database handle per file per process,
 * reference-counted: several audit-config nodes on one file, or a redeploy that starts the new
 * config before the old one is fully gone, share the handle instead of opening competing ones.
 * Each caller gets its own store view (its own masking option); closing the view releases it.
 * PostgreSQL (pg-store.ts) opens a pool per view: the server arbitrates between views, processes
 * and machines alike, and `pg` is loaded only here, when that backend is chosen.
 */
import { isAbsolute, join, resolve } from 'path';
import { PG_MISSING_MESSAGE, type PgTlsMode } from './pg-database';
import { openPgStore, type PgAuditStore } from './pg-store';
import { openSqliteDatabase, type SqliteAuditDatabase } from './sqlite-database';
import { createSqliteStore, type SqliteAuditStore } from './sqlite-store';
import type { AuditStore } from './types';

export type AuditBackend = 'sqlite' | 'postgres';

export const DEFAULT_AUDIT_DB_FILE = 'sage-x3-shipping-audit.db';

export { PG_MISSING_MESSAGE };

export interface AuditStoreConfig {
  /** default 'sqlite' */
  backend?: AuditBackend;
  /** SQLite file: absolute, relative to baseDir, or ':memory:'. Default: DEFAULT_AUDIT_DB_FILE. */
  path?: string;
  /** Directory a relative path is resolved against (the Node-RED user directory). */
  baseDir?: string;
  /** PostgreSQL connection string (backend 'postgres'). */
  connection?: string;
  /** PostgreSQL password, from the config node's credentials; never logged. */
  password?: string;
  /** PostgreSQL TLS: 'off' (default), 'verify' (server certificate checked), 'no-verify'. */
  tls?: PgTlsMode;
  /** PEM file of the CA that signed the PostgreSQL server's certificate. */
  tlsCaFile?: string;
  /** PostgreSQL schema of the tables (created when missing); default the server's search_path. */
  schema?: string;
  /** A PostgreSQL connection broke while idle (reported, never thrown). */
  onError?: (err: Error) => void;
  maskPersonalData?: boolean;
  now?: () => number;
  ledgerSync?: 'full' | 'normal';
  /** How optional peers are loaded (tests replace it). */
  loadModule?: (name: string) => unknown;
}

interface SharedHandle {
  database: SqliteAuditDatabase;
  refs: number;
}

const handles = new Map<string, SharedHandle>();

export function resolveSqlitePath(path: string | undefined, baseDir: string | undefined): string {
  const p = (path ?? '').trim() || DEFAULT_AUDIT_DB_FILE;
  if (p === ':memory:') return p;
  if (isAbsolute(p)) return p;
  return resolve(join(baseDir ?? process.cwd(), p));
}

/** Opens (or shares) the configured store. Throws a clear error when it cannot be opened. */
export function acquireAuditStore(config: AuditStoreConfig): AuditStore {
  const backend = config.backend ?? 'sqlite';
  if (backend === 'postgres') return openPostgres(config);
  if (backend !== 'sqlite') throw new Error(`unknown audit store backend "${String(backend)}"`);
  return acquireSqlite(config);
}

function acquireSqlite(config: AuditStoreConfig): SqliteAuditStore {
  const path = resolveSqlitePath(config.path, config.baseDir);
  let shared = handles.get(path);
  if (!shared) {
    shared = { database: openSqliteDatabase(path, { now: config.now, ledgerSync: config.ledgerSync }), refs: 0 };
    handles.set(path, shared);
  }
  shared.refs += 1;
  const handle = shared;
  return createSqliteStore(handle.database, {
    maskPersonalData: config.maskPersonalData,
    now: config.now,
    onClose: () => {
      handle.refs -= 1;
      if (handle.refs === 0) {
        if (handles.get(path) === handle) handles.delete(path);
        handle.database.close();
      }
    },
  });
}

function openPostgres(config: AuditStoreConfig): PgAuditStore {
  return openPgStore({
    connection: config.connection ?? '',
    password: config.password,
    tls: config.tls,
    tlsCaFile: config.tlsCaFile,
    schema: config.schema,
    maskPersonalData: config.maskPersonalData,
    now: config.now,
    loadModule: config.loadModule,
    onError: config.onError,
  });
}

/** Number of open shared SQLite handles and their reference counts (diagnostics, tests). */
export function openSqliteHandles(): Array<{ path: string; refs: number }> {
  return [...handles.entries()].map(([path, h]) => ({ path, refs: h.refs }));
}
