/**
 * A CPU profile of the Node-RED process (node --cpu-prof) through example 01 at zero latency:
 * where the CPU per document of pipeline.bench.ts goes. Prints the measured batch's place in the
 * profile (ms before its end) so profile-summary.ts counts that batch only, not start-up.
 * Not a benchmark of its own (run.ts runs *.bench.ts). PROFILE_OFF=1: the CPU figure alone.
 *
 * npm run build && PROFILE_DOCS=1000 PROFILE_DIR=/tmp/prof npx tsx test/bench/pipeline-profile.ts
 * then PROFILE_WINDOW=<printed> npx tsx test/bench/profile-summary.ts /tmp/prof/<file>.cpuprofile
 */
import fs from 'node:fs';
import path from 'node:path';
import { createX3Deliveries } from '../../sim/activity';
import { runtimeProblems, startE2E, type E2E } from '../support/e2e';
import { envNumber, procSample, until } from './runtime-support';

function missingTracking(env: E2E, keys: string[]): string[] {
  return keys.filter((k) => !env.sims.x3.store.get('salesDelivery', k)?.values.YTRACKNUM);
}

async function batch(env: E2E, prefix: string, count: number): Promise<number> {
  const keys = await createX3Deliveries(env.sims.x3.url, { prefix, start: 1, count });
  const startedAt = Date.now();
  let pending = keys;
  const doneAt = await until(
    `${count} tracking numbers written back`,
    () => (pending = missingTracking(env, pending)).length === 0,
    600_000,
    () => `${pending.length} of ${count} pending\n${runtimeProblems(env.runtime)}`,
  );
  return doneAt - startedAt;
}

async function main(): Promise<void> {
  const docs = Math.floor(envNumber('PROFILE_DOCS', 1000));
  const dir = path.resolve(process.env.PROFILE_DIR ?? 'pipeline-profile');
  const profile = process.env.PROFILE_OFF !== '1';
  // --cpu-prof is refused in NODE_OPTIONS: the runtime is started through a wrapper that adds it
  const node = path.join(dir, 'node-cpu-prof.sh');
  if (profile) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(node, `#!/bin/sh\nexec ${process.execPath} --cpu-prof --cpu-prof-dir=${dir} "$@"\n`, {
      mode: 0o755,
    });
  }
  const env = await startE2E({
    sims: {
      x3: { records: { customer: 10, product: 10, salesOrder: 20, salesDelivery: 0, purchaseOrder: 0 } },
      fedex: { quotaLimit: 1_000_000_000 },
    },
    wiring: {
      only: ['01'],
      x3PollSeconds: 1,
      catchUpDelaySeconds: 1,
      fedexConfig: { transactionLimit: 1_000_000_000 },
    },
    webhooks: { fedex: false, shipstation: false },
    runtime: profile ? { nodeBinary: node } : undefined,
  });
  try {
    const pid = env.runtime.process.pid!;
    await new Promise((r) => setTimeout(r, 2500));
    await batch(env, 'SDW', 200);
    const idle0 = procSample(pid).cpuMs;
    await new Promise((r) => setTimeout(r, 3000));
    const idleRate = (procSample(pid).cpuMs - idle0) / 3000;
    const startedAt = Date.now();
    const cpu0 = procSample(pid).cpuMs;
    const wallMs = await batch(env, 'SDC', docs);
    const cpuMs = procSample(pid).cpuMs - cpu0;
    const doneAt = Date.now();
    await env.runtime.stop();
    const stoppedAt = Date.now();
    if (profile) {
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
      console.log(`profiles in ${dir}: ${files.join(', ')}`);
      console.log(`PROFILE_WINDOW=${stoppedAt - startedAt},${stoppedAt - doneAt}`);
    }
    console.log(
      `${docs} docs in ${(wallMs / 1000).toFixed(2)} s: ${(cpuMs / docs).toFixed(3)} ms CPU/doc ` +
        `(${((cpuMs - idleRate * wallMs) / docs).toFixed(3)} less idle polling of ${(idleRate * 1000).toFixed(1)} ms/s)`,
    );
  } finally {
    await env.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
