/**
 * A throwaway PostgreSQL cluster for tests and `npm run start:cluster`: Debian's initdb/pg_ctl
 * (from /usr/lib/postgresql/<version>/bin, or PG_BIN) on a temp dir and a free port, trust auth on
 * 127.0.0.1 only, removed again on stop or when the process exits. PostgreSQL refuses to run as
 * root, so under root (CI containers) the server runs as the `postgres` system user.
 *
 * Tests call `sharedPgCluster()` (one cluster per test process) and `isolatedSchema()` (one
 * schema per test, so a test starts empty without paying for CREATE DATABASE).
 */
import { execFileSync, spawnSync } from 'child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import net from 'net';
import { tmpdir } from 'os';
import { join } from 'path';

export interface PgCluster {
  host: string;
  port: number;
  user: string;
  /** postgres://user@127.0.0.1:port/postgres */
  url: string;
  dataDir: string;
  /** A connection string to database `name`, created when missing. */
  database(name: string): Promise<string>;
  stop(): void;
}

/** The directory holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export function findPgBin(): string | undefined {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(root, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

export const PG_SKIP_MESSAGE =
  'PostgreSQL tests skipped: no initdb/pg_ctl found (install Debian package postgresql, or set PG_BIN)';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** uid/gid to run the server as: the `postgres` user when we are root, ourselves otherwise. */
function serverUser(): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export interface StartPgOptions {
  /** Default: a free port. */
  port?: number;
  /** Tests: no fsync (nothing here tests power loss; a loaded CI machine is slow enough). */
  fast?: boolean;
  log?: (line: string) => void;
}

export async function startPgCluster(options: StartPgOptions = {}): Promise<PgCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error(PG_SKIP_MESSAGE);
  const as = serverUser();
  const base = mkdtempSync(join(tmpdir(), 'sx3s-pg-'));
  const dataDir = join(base, 'data');
  const socketDir = base;
  if (as.uid !== undefined) {
    chownSync(base, as.uid, as.gid as number);
    chmodSync(base, 0o700);
  }
  const run = (cmd: string, args: string[]): void => {
    const r = spawnSync(join(bin, cmd), args, { ...as, encoding: 'utf8', cwd: base });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  const user = 'postgres';
  try {
    run('initdb', ['-D', dataDir, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-locale']);
    const port = options.port ?? (await freePort());
    const serverOptions = [
      `-p ${port}`,
      `-k ${socketDir}`,
      "-c listen_addresses='127.0.0.1'",
      '-c max_connections=200',
      ...(options.fast ? ['-c fsync=off', '-c full_page_writes=off'] : []),
    ].join(' ');
    run('pg_ctl', ['-D', dataDir, '-l', join(base, 'server.log'), '-o', serverOptions, '-w', '-t', '60', 'start']);
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stop);
      spawnSync(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { ...as, cwd: base });
      rmSync(base, { recursive: true, force: true });
    };
    process.on('exit', stop);
    const url = `postgres://${user}@127.0.0.1:${port}/postgres`;
    options.log?.(`PostgreSQL ${bin} on ${url} (data ${dataDir})`);
    return {
      host: '127.0.0.1',
      port,
      user,
      url,
      dataDir,
      async database(name) {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name "${name}" must be a plain identifier`);
        const { Client } = await import('pg');
        const c = new Client({ connectionString: url });
        await c.connect();
        try {
          const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
          if (exists.rowCount === 0) await c.query(`CREATE DATABASE ${name}`);
        } finally {
          await c.end();
        }
        return `postgres://${user}@127.0.0.1:${port}/${name}`;
      },
      stop,
    };
  } catch (err) {
    rmSync(base, { recursive: true, force: true });
    throw err;
  }
}

let shared: Promise<PgCluster> | undefined;

/** One cluster for the whole test process (stopped when it exits); undefined without binaries. */
export async function sharedPgCluster(): Promise<PgCluster | undefined> {
  if (!findPgBin()) return undefined;
  shared ??= startPgCluster({ fast: true });
  return shared;
}

let schemas = 0;

/** A schema name no other test of this process uses. */
export function isolatedSchema(prefix = 't'): string {
  schemas += 1;
  return `${prefix}_${process.pid}_${schemas}`;
}
