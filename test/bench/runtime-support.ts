/**
 * Shared by the benchmarks that run the example flows in a real Node-RED child process
 * (pipeline, tokens, runtime-rss): sizes from the environment, the child's CPU time and memory
 * read from /proc (Linux), waits on simulator state, and the standalone printout.
 *
 * The simulators run in the benchmark process (test/support/e2e.ts starts them), Node-RED in its
 * own process: the child's CPU time and memory are Node-RED's and the plugin's alone.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createX3Deliveries } from '../../sim/activity';
import type { X3Sim } from '../../sim/x3/server';
import type { BenchResult } from './types';

/** A positive number from the environment, or the fallback. */
export function envNumber(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return process.env[name] !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface ProcSample {
  /** User + system CPU time of the process (all its threads) since it started, ms. */
  cpuMs: number;
  /** Resident set size now, MB. */
  rssMb: number;
  /** Peak resident set size since the process started (VmHWM), MB. */
  peakRssMb: number;
}

/** CPU time and memory of a process, from /proc/<pid>/stat and /proc/<pid>/status. */
export function procSample(pid: number): ProcSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name (field 2) may contain spaces: fields are counted after its closing ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return {
    cpuMs: ((utime + stime) * 1000) / clockTicks(),
    rssMb: kb('VmRSS') / 1024,
    peakRssMb: kb('VmHWM') / 1024,
  };
}

/**
 * Polls `done` every `intervalMs` until it holds and returns the time (Date.now) it was first
 * seen true; fails after `timeoutMs` with `describe()` (what is still missing). The deadline
 * bounds a hang; it is not what is measured.
 */
export async function until(
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string = () => '',
  intervalMs = 50,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return Date.now();
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${describe() ? `: ${describe()}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function missingTracking(x3: X3Sim, keys: string[]): string[] {
  return keys.filter((k) => !x3.store.get('salesDelivery', k)?.values.YTRACKNUM);
}

/**
 * New X3 sales deliveries; resolves with the time they exist in X3 and the time the last one has
 * its tracking number written back (example 01's pipeline). `problems()` says what went wrong on
 * a timeout (the runtime's warnings and errors).
 */
export async function labelBatch(
  x3: X3Sim,
  prefix: string,
  count: number,
  timeoutMs: number,
  problems: () => string,
): Promise<{ keys: string[]; startedAt: number; doneAt: number }> {
  const keys = await createX3Deliveries(x3.url, { prefix, start: 1, count });
  const startedAt = Date.now();
  let pending = keys;
  const doneAt = await until(
    `${count} tracking numbers written back to X3`,
    () => (pending = missingTracking(x3, pending)).length === 0,
    timeoutMs,
    () => `${pending.length} of ${count} still without a tracking number\n${problems()}`,
  );
  return { keys, startedAt, doneAt };
}

/** Rounds for the table (keeps small values readable). */
export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** `npx tsx test/bench/<name>.bench.ts`: the figures one per line. */
export function runStandalone(run: () => Promise<BenchResult[]>): void {
  run().then(
    (rows) => {
      for (const r of rows)
        console.log(
          `${r.name}: ${r.value} ${r.unit}${r.target ? ` (target ${r.target})` : ''}${r.pass === undefined ? '' : r.pass ? ' ok' : ' MISS'}`,
        );
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
