/**
 * `npm run bench`: runs every test/bench/*.bench.ts (or those named on the command line),
 * prints one table and writes bench-results.json. Benchmarks measure; tests never time.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchResult } from './types';

interface BenchModule {
  run(): Promise<BenchResult[]>;
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
      const mod = (await import(path.join(dir, file))) as BenchModule;
      for (const r of await mod.run()) rows.push({ bench, ...r });
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

void main();
