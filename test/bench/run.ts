/**
 * `npm run bench`: runs every test/bench/*.bench.ts (or those named on the command line),
 * prints one table and writes bench-results.json. Benchmarks measure; tests never time.
 *
 * Each benchmark runs in a process of its own: memory figures (RSS peaks, retained heap) would
 * otherwise start from what the previous benchmark left behind.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult } from './types';

interface BenchModule {
  run(): Promise<BenchResult[]>;
}

/** Child mode: `run.ts --child <file> <out.json>` runs one benchmark and writes its rows. */
async function child(file: string, out: string): Promise<void> {
  const mod = (await import(path.join(__dirname, file))) as BenchModule;
  fs.writeFileSync(out, JSON.stringify(await mod.run()));
  process.exit(0);
}

function runInChild(file: string): Promise<BenchResult[]> {
  const out = path.join(os.tmpdir(), `bench-${process.pid}-${file}.json`);
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, __filename, '--child', file, out], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      try {
        if (code !== 0) throw new Error(`exited with ${signal ?? `code ${code}`}`);
        resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as BenchResult[]);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      } finally {
        fs.rmSync(out, { force: true });
      }
    });
  });
}

async function main(): Promise<void> {
  const dir = __dirname;
  const only = process.argv.slice(2);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  const rows: Array<BenchResult & { bench: string }> = [];
  let failedToRun = 0;
  for (const file of files) {
    const bench = file.replace(/\.bench\.ts$/, '');
    process.stdout.write(`running ${bench}...\n`);
    try {
      for (const r of await runInChild(file)) rows.push({ bench, ...r });
    } catch (err) {
      failedToRun += 1;
      rows.push({ bench, name: 'error', value: NaN, unit: String((err as Error).message).slice(0, 80), pass: false });
    }
  }
  const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 3 : 1));
  const table = rows.map((r) => [
    r.bench,
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'ok' : 'MISS',
  ]);
  const head = ['bench', 'figure', 'value', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of table) console.log(line(row));
  const out = path.join(process.cwd(), 'bench-results.json');
  fs.writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), node: process.version, results: rows }, null, 2),
  );
  console.log(`\nwrote ${out}`);
  if (failedToRun) process.exitCode = 1;
}

if (process.argv[2] === '--child') void child(process.argv[3], process.argv[4]);
else void main();
