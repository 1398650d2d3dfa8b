/**
 * Opens the audit store a config names. One SQLite database handle per file per process,
 * reference-counted: several audit-config nodes on one file, or a redeploy that starts the new
 * config before the old one is fully gone, share the handle instead of opening competing ones.
 * Each caller gets its own store view (its own masking option); closing the view releases it.
 */
import { isAbsolute, join, resolve } from 'path';
import { openSqliteDatabase, type SqliteAuditDatabase } from './sqlite-database';
import { createSqliteStore, type SqliteAuditStore } from './sqlite-store';
import type { AuditStore } from './types';

export type AuditBackend = 'sqlite' | 'postgres';

export const DEFAULT_AUDIT_DB_FILE = 'sage-x3-shipping-audit.db';

export const PG_MISSING_MESSAGE =
  'install pg in your Node-RED user directory (npm install pg) to use the PostgreSQL audit store';
export const PG_NOT_AVAILABLE_MESSAGE =
  'the PostgreSQL audit store is not available in this version yet; use the SQLite backend';

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

function openPostgres(config: AuditStoreConfig): AuditStore {
  const load = config.loadModule ?? ((name: string): unknown => require(name));
  try {
    load('pg');
  } catch {
    throw new Error(PG_MISSING_MESSAGE);
  }
  throw new Error(PG_NOT_AVAILABLE_MESSAGE);
}

/** Number of open shared SQLite handles and their reference counts (diagnostics, tests). */
export function openSqliteHandles(): Array<{ path: string; refs: number }> {
  return [...handles.entries()].map(([path, h]) => ({ path, refs: h.refs }));
}
