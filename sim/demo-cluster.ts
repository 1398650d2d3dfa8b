/**
 * `npm run start:cluster`: the demo of `npm start` on three Node-RED instances sharing one
 * PostgreSQL, the way a cluster runs in production. It starts a local PostgreSQL the way the tests
 * do (Debian's initdb/pg_ctl on a temp dir, a free port; removed at the end), the three
 * simulators, and Node-RED at http://localhost:1881, :1882 and :1883, each with every example
 * flow against the simulators and the audit-config on PostgreSQL. One instance at a time polls
 * X3 and ShipStation (the others show `standby`), the FedEx token and budgets are shared; the
 * simulators' webhooks go to the first instance (a load balancer would spread them). Stop an
 * instance (its pid is printed) and watch another take its pollers over within the lease.
 * Ctrl-C stops everything.
 */
import { execSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { prepareUserDir, startDevNodeRed } from '../scripts/dev-runtime';
import { startPgCluster, type PgCluster } from '../test/support/pg-cluster';
import { startActivity, startDemoSims } from './demo';
import { CONFIG_IDS, deployFlows, loadExamples, registerSimWebhooks, wireExamples } from './example-wiring';
import { SIM_CREDENTIALS } from './start-all';

const ROOT = path.resolve(__dirname, '..');
const HOST = '127.0.0.1';
const INSTANCES = [1881, 1882, 1883];
const LEASE_SECONDS = 10;

function log(text: string): void {
  process.stdout.write(`[cluster] ${text}\n`);
}

async function waitForNodeRed(url: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED ${url} exited (code ${child.exitCode})`);
    try {
      if ((await fetch(`${url}/settings`)).ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`Node-RED ${url} did not start`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function main(): Promise<void> {
  log('building the package (npm run build)...');
  execSync('npm run build', { cwd: ROOT, stdio: 'inherit' });
  const pg: PgCluster = await startPgCluster({ log });
  const connection = await pg.database('shipping');
  const { sims, endpoints } = await startDemoSims();

  const runtimes = INSTANCES.map((port, i) => {
    const name = `cluster-${i + 1}`;
    const dir = prepareUserDir(name);
    for (const entry of fs.readdirSync(dir)) {
      if (entry !== 'node_modules' && entry !== 'package.json') fs.rmSync(path.join(dir, entry), { recursive: true });
    }
    return {
      port,
      url: `http://localhost:${port}`,
      child: startDevNodeRed({ name, port, settings: `uiHost: '${HOST}',` }),
    };
  });
  let stopActivity: () => void = () => undefined;
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping...');
    stopActivity();
    await Promise.all(
      runtimes.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGINT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }),
    );
    await sims.close();
    pg.stop();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  for (const r of runtimes) {
    r.child.once('exit', (code, signal) => {
      if (!stopping) log(`Node-RED ${r.url} (pid ${r.child.pid}) exited (${signal ?? code}); the others carry on`);
    });
  }

  try {
    const flows = wireExamples(loadExamples(), {
      sims: endpoints,
      credentials: SIM_CREDENTIALS,
      x3PollSeconds: 2,
      trackSeconds: 10,
      shipstationPollSeconds: 10,
      masterDataSeconds: 60,
      auditPostgres: { connection, leaseSeconds: LEASE_SECONDS },
    });
    for (const r of runtimes) {
      await waitForNodeRed(r.url, r.child);
      await deployFlows(r.url, flows);
    }
    await registerSimWebhooks(endpoints, { nodeRedUrl: `http://${HOST}:${INSTANCES[0]}` });
    stopActivity = startActivity(sims);
  } catch (err) {
    log(`could not start: ${(err as Error).message}`);
    await stop(1);
    return;
  }
  log('');
  for (const r of runtimes) log(`Node-RED ${r.url} (pid ${r.child.pid})`);
  log(`PostgreSQL: ${connection}`);
  log(`audit trail: ${runtimes[0].url}/sage-x3-shipping/audit/${CONFIG_IDS.audit}/entries?limit=20`);
  log(`poller lease ${LEASE_SECONDS} s: kill one instance (kill -9 <pid>) and another takes its pollers over`);
  log('Ctrl-C stops everything');
}

main().catch((err: unknown) => {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
