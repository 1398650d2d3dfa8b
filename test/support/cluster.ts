/**
 * Several Node-RED processes on one PostgreSQL, for the cluster e2e test and the cluster
 * benchmark: the simulators in this process (as test/support/e2e.ts starts them), N Node-RED
 * processes with the packed package, and the example flows wired to the simulators with the
 * audit-config on PostgreSQL. Deploying is left to the caller: which instance deploys first
 * decides which one leads the pollers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  loadExamples,
  wireExamples,
  type FlowNode,
  type SimEndpoints,
  type WiringOptions,
} from '../../sim/example-wiring';
import type { AllSims, AllSimsOptions } from '../../sim/start-all';
import { endpointsOf, moduleDir, startE2ESims } from './e2e';
import { startNodeRed, type Runtime } from './nodered';

export interface ClusterOptions {
  instances: number;
  /** A database of the PostgreSQL cluster (connection string), shared by every instance. */
  connection: string;
  leaseSeconds: number;
  sims?: AllSimsOptions;
  wiring: Omit<WiringOptions, 'sims' | 'auditPostgres'>;
  /** Extra environment of every Node-RED process (e.g. NODE_OPTIONS=--cpu-prof for a profile). */
  runtimeEnv?: Record<string, string>;
}

export interface NodeRedCluster {
  sims: AllSims;
  endpoints: SimEndpoints;
  runtimes: Runtime[];
  flows: FlowNode[];
  connection: string;
  /** The live holder (owner) of a poller's lease, e.g. `x3-poll:<node id>`; undefined when none. */
  leaseHolder(name: string): Promise<string | undefined>;
  /** Stops every Node-RED process (those still running) and the simulators. */
  stop(): Promise<void>;
}

/** The installed package loads `pg` from its own node_modules: link the one of this checkout. */
function withPg(dir: string): string {
  const link = path.join(dir, 'node_modules', 'pg');
  if (!fs.existsSync(link)) fs.symlinkSync(path.dirname(require.resolve('pg/package.json')), link, 'dir');
  return dir;
}

export async function startNodeRedCluster(options: ClusterOptions): Promise<NodeRedCluster> {
  const sims = await startE2ESims(options.sims);
  const endpoints = endpointsOf(sims);
  const flows = wireExamples(loadExamples(), {
    sims: endpoints,
    ...options.wiring,
    auditPostgres: { connection: options.connection, leaseSeconds: options.leaseSeconds },
  });
  const runtimes: Runtime[] = [];
  const stop = async (): Promise<void> => {
    for (const r of runtimes) {
      await r.stop().catch(() => undefined);
      fs.rmSync(r.userDir, { recursive: true, force: true });
    }
    await sims.close();
  };
  try {
    const dir = withPg(moduleDir());
    for (let i = 0; i < options.instances; i++) {
      const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `sx3s-cluster${i}-`));
      runtimes.push(await startNodeRed({ moduleDir: dir, userDir, env: options.runtimeEnv }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    sims,
    endpoints,
    runtimes,
    flows,
    connection: options.connection,
    leaseHolder: async (name) => {
      const c = new Client({ connectionString: options.connection });
      await c.connect();
      try {
        const r = await c.query<{ owner: string; expires_at: string }>(
          'SELECT owner, expires_at FROM cluster_leases WHERE name = $1',
          [name],
        );
        const row = r.rows[0];
        return row && Date.parse(row.expires_at) > Date.now() ? row.owner : undefined;
      } catch {
        return undefined;
      } finally {
        await c.end();
      }
    },
    stop,
  };
}
