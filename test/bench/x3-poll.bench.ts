/**
 * x3-poll benchmark: BENCH_X3_RECORDS sales deliveries (default 100,000) polled through a real
 * x3-poll node (GraphQL, connected-app JWT, default page size 100, one msg per record) from the
 * X3 simulator at zero latency, running in its own process so this process holds only Node-RED
 * and the plugin. Reports records/s, the peak RSS growth while polling (target < 100 MB: the
 * poll streams page by page and never collects the records) and the heap still used after a full
 * GC once the poll is over (what the poll retains; target < 20 MB). The RSS peak is mostly V8's
 * young generation growing under the allocation rate (`--max-semi-space-size` moves it by tens of
 * MB either way); the retained heap shows whether anything accumulates.
 *
 * BENCH_X3_PAGE (page size, default 100) and BENCH_X3_OUTPUT (record | page) vary the run.
 *
 * Quick run: BENCH_X3_RECORDS=5000 npx tsx test/bench/x3-poll.bench.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { BenchResult } from './types';

const ROOT = resolve(__dirname, '..', '..');
const num = (name: string, fallback: number): number => {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

interface Helper {
  init(nodeRedPath: string): void;
  settings(s: Record<string, unknown>): void;
  startServer(done: () => void): void;
  stopServer(done: () => void): void;
  load(nodes: unknown, flow: Array<Record<string, unknown>>, credentials?: Record<string, unknown>): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): { on(event: 'input', fn: (msg: Record<string, unknown>) => void): void };
  _NodePrototype?: Record<string, unknown>;
  _logSpy?: { restore(): void };
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

async function startSim(records: number): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [require.resolve('tsx/cli'), join(ROOT, 'sim/x3/server.ts'), '--port', String(port), '--records', '0'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (!/listening/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`X3 simulator did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const res = await fetch(`${url}/__sim/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ generate: { salesDelivery: records } }),
  });
  if (!res.ok) throw new Error(`seeding the X3 simulator failed: HTTP ${res.status} ${await res.text()}`);
  return { url, child };
}

/** A full GC for the retained-heap figure (the benchmark runner has no --expose-gc flag). */
function fullGc(): () => void {
  if (typeof global.gc === 'function') return global.gc;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

export async function run(): Promise<BenchResult[]> {
  const records = num('BENCH_X3_RECORDS', 100_000);
  const sim = await startSim(records);
  const userDir = mkdtempSync(join(tmpdir(), 'sx3s-bench-x3-'));
  const helper = require('node-red-node-test-helper') as Helper;
  const configNode = require('../../nodes/x3/x3-config') as unknown;
  const pollNode = require('../../nodes/x3/x3-poll') as unknown;
  helper.init(require.resolve('node-red'));
  helper.settings({ userDir, logging: { console: { level: 'off' } } });
  await new Promise<void>((r) => helper.startServer(r));
  let peak = 0;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const flow = [
      { id: 'tab', type: 'tab', label: 'bench' },
      { id: 'cfg', type: 'x3-config', url: sim.url, folder: 'SEED', api: 'graphql', auth: 'connected-app' },
      {
        id: 'poll',
        type: 'x3-poll',
        z: 'tab',
        x: 100,
        y: 100,
        server: 'cfg',
        entity: 'salesDelivery',
        interval: 86_400,
        initial: 'all',
        pageSize: num('BENCH_X3_PAGE', 100),
        output: process.env.BENCH_X3_OUTPUT ?? 'record',
        wires: [['sink']],
      },
      { id: 'sink', type: 'helper', z: 'tab', x: 300, y: 100 },
    ];
    let received = 0;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    await helper.load([configNode, pollNode], flow, {
      cfg: { clientId: 'sim-connected-app', clientSecret: 'sim-connected-app-secret', user: 'admin' },
    });
    // The test helper wraps Node.prototype.send/status/... and the runtime log in sinon spies that
    // keep every call (and through them every msg); a deployed Node-RED has no such spies, so the
    // originals are put back before measuring.
    const proto = helper._NodePrototype ?? {};
    for (const name of ['log', 'status', 'warn', 'error', 'debug', 'trace', 'send']) {
      const original = (proto[name] as { wrappedMethod?: unknown } | undefined)?.wrappedMethod;
      if (typeof original === 'function') proto[name] = original;
    }
    helper._logSpy?.restore();
    // a wired node keeps its own reference to send (Node.updateWires), taken while it was spied
    const poller = helper.getNode('poll') as unknown as Record<string, unknown>;
    if (typeof proto.send === 'function') poller.send = proto.send;
    // The poll starts on the next timer turn: the baseline is the deployed flow before it.
    const gc = fullGc();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const baseline = process.memoryUsage().rss;
    peak = baseline;
    sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const started = performance.now();
    helper.getNode('sink').on('input', (msg) => {
      received += Array.isArray(msg.payload) ? msg.payload.length : 1;
      if (received >= records) done();
    });
    const timeout = setTimeout(() => done(), 30 * 60_000);
    await all;
    clearTimeout(timeout);
    const seconds = (performance.now() - started) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss);
    const growthMb = (peak - baseline) / (1024 * 1024);
    const rate = received / seconds;
    gc();
    const retainedMb = (process.memoryUsage().heapUsed - heapBefore) / (1024 * 1024);
    return [
      {
        name: `records polled (of ${records})`,
        value: received,
        unit: 'records',
        target: `= ${records}`,
        pass: received === records,
      },
      { name: 'x3-poll throughput', value: Math.round(rate), unit: 'records/s' },
      {
        name: 'peak RSS growth while polling',
        value: Math.round(growthMb * 10) / 10,
        unit: 'MB',
        target: '< 100',
        pass: growthMb < 100,
      },
      {
        name: 'heap retained after the poll (after full GC)',
        value: Math.round(retainedMb * 10) / 10,
        unit: 'MB',
        target: '< 20',
        pass: retainedMb < 20,
      },
    ];
  } finally {
    if (sampler) clearInterval(sampler);
    await helper.unload();
    await new Promise<void>((r) => helper.stopServer(r));
    sim.child.kill('SIGTERM');
    rmSync(userDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run().then(
    (rows) => {
      for (const r of rows)
        console.log(
          `${r.name}: ${r.value} ${r.unit}${r.target ? ` (target ${r.target}${r.pass === false ? ', MISSED' : ''})` : ''}`,
        );
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
