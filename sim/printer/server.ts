/**
 * A simulated network thermal printer: raw TCP on a port (9100 on a real Zebra), one job per
 * connection, the way label printers are driven. Each job is checked for complete labels: ZPL II
 * formats `^XA ... ^XZ` (a `^XA` without its `^XZ`, or text outside a format, makes the job
 * incomplete; a real printer would print nothing or garbage), EPL2 forms ending in a `P` print
 * command. Counts complete and incomplete jobs so tests can tell "exactly one complete label per
 * package". Knobs model a printer that is off (`offline`: connections refused) or resets
 * connections (`resetNext`), and one that is slow to take a job (`holdMs`, on the sim's clock
 * through `hold()`/`release()` rather than wall time).
 */
import { createServer, type Server, type Socket } from 'net';
import express from 'express';
import type { AddressInfo } from 'net';
import type { Server as HttpServer } from 'http';

export interface PrinterJob {
  /** UTC ISO time the job was received (sim clock) */
  at: string;
  bytes: number;
  language: 'zpl' | 'epl' | 'unknown';
  /** complete labels in the job */
  labels: number;
  complete: boolean;
  /** the job's text (ZPL/EPL are ASCII) */
  text: string;
}

export interface PrinterSimKnobs {
  /** refuse every connection (the printer is off): the listener is closed until set false */
  offline?: boolean;
  /** reset the next N connections before reading anything */
  resetNext?: number;
  /** keep jobs open (not read to the end) until release() */
  hold?: boolean;
}

export interface PrinterSimOptions extends PrinterSimKnobs {
  /** TCP port, 0 picks a free one */
  port?: number;
  /** also serve /__sim/state, /__sim/reset and /__sim/config over HTTP on this port (0: free) */
  httpPort?: number;
  now?: () => number;
}

export interface PrinterSim {
  readonly port: number;
  readonly host: string;
  /** the HTTP inspection URL when httpPort was given */
  readonly url?: string;
  jobs(): PrinterJob[];
  /** complete jobs only */
  printed(): PrinterJob[];
  /** connections accepted so far (refused ones excluded) */
  connections(): number;
  config(knobs: PrinterSimKnobs): Promise<void>;
  /** resolves when `n` jobs (complete or not) have been received */
  waitForJobs(n: number): Promise<PrinterJob[]>;
  /** resolves when a connection is open (the next one, or one already open) */
  nextConnection(): Promise<void>;
  /** lets held jobs be read to their end */
  release(): void;
  reset(): void;
  close(): Promise<void>;
}

/** Parses one job's text: complete labels and whether the whole job is well formed. */
export function checkJob(text: string): Pick<PrinterJob, 'language' | 'labels' | 'complete'> {
  const body = text.trim();
  if (/\^XA/i.test(body)) {
    let labels = 0;
    let rest = body;
    for (;;) {
      const m = /^\s*\^XA([\s\S]*?)\^XZ/i.exec(rest);
      if (!m) break;
      if (/\^XA/i.test(m[1])) return { language: 'zpl', labels, complete: false };
      labels += 1;
      rest = rest.slice(m[0].length);
    }
    return { language: 'zpl', labels, complete: labels > 0 && rest.trim() === '' };
  }
  const lines = body.split(/\r?\n/);
  if (lines[0]?.trim() === 'N' || lines[0]?.trim() === '') {
    const labels = lines.filter((l) => /^P\d+/.test(l.trim())).length;
    const last = lines[lines.length - 1]?.trim() ?? '';
    return { language: 'epl', labels, complete: labels > 0 && /^P\d+/.test(last) };
  }
  return { language: 'unknown', labels: 0, complete: false };
}

export async function startPrinterSim(options: PrinterSimOptions = {}): Promise<PrinterSim> {
  const now = options.now ?? Date.now;
  const knobs: Required<PrinterSimKnobs> = {
    offline: options.offline ?? false,
    resetNext: options.resetNext ?? 0,
    hold: options.hold ?? false,
  };
  const jobs: PrinterJob[] = [];
  let accepted = 0;
  let open = 0;
  const held = new Set<Socket>();
  const sockets = new Set<Socket>();
  let jobWaiters: Array<{ n: number; resolve: (j: PrinterJob[]) => void }> = [];
  let connectionWaiters: Array<() => void> = [];

  const onSocket = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (knobs.resetNext > 0) {
      knobs.resetNext -= 1;
      socket.resetAndDestroy();
      return;
    }
    accepted += 1;
    open += 1;
    const chunks: Buffer[] = [];
    socket.on('error', () => undefined);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      open -= 1;
      const data = Buffer.concat(chunks);
      const text = data.toString('latin1');
      const job: PrinterJob = { at: new Date(now()).toISOString(), bytes: data.length, text, ...checkJob(text) };
      jobs.push(job);
      socket.end();
      const ready = jobWaiters.filter((w) => jobs.length >= w.n);
      jobWaiters = jobWaiters.filter((w) => jobs.length < w.n);
      for (const w of ready) w.resolve([...jobs]);
    });
    if (knobs.hold) {
      socket.pause();
      held.add(socket);
    }
    const waiting = connectionWaiters;
    connectionWaiters = [];
    for (const w of waiting) w();
  };

  let server: Server | undefined;
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const s = createServer(onSocket);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        resolve((s.address() as AddressInfo).port);
      });
    });
  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      const s = server;
      server = undefined;
      if (!s) resolve();
      else s.close(() => resolve());
    });

  const port = await listen(options.port ?? 0);
  if (knobs.offline) await stopListening();

  const release = (): void => {
    knobs.hold = false;
    for (const s of held) s.resume();
    held.clear();
  };
  const config = async (k: PrinterSimKnobs): Promise<void> => {
    if (k.resetNext !== undefined) knobs.resetNext = k.resetNext;
    if (k.hold !== undefined) {
      if (k.hold) knobs.hold = true;
      else release();
    }
    if (k.offline !== undefined && k.offline !== knobs.offline) {
      knobs.offline = k.offline;
      if (k.offline) await stopListening();
      else await listen(port);
    }
  };
  const reset = (): void => {
    jobs.length = 0;
    accepted = 0;
  };

  let http: HttpServer | undefined;
  let url: string | undefined;
  if (options.httpPort !== undefined) {
    const app = express();
    app.use(express.json());
    app.get('/__sim/state', (_req, res) => {
      res.json({ knobs, connections: accepted, jobs });
    });
    app.post('/__sim/reset', (_req, res) => {
      reset();
      res.json({ ok: true });
    });
    app.post('/__sim/config', (req, res) => {
      config((req.body ?? {}) as PrinterSimKnobs).then(
        () => res.json({ ok: true, knobs }),
        (err: unknown) => res.status(500).json({ error: String(err) }),
      );
    });
    await new Promise<void>((resolve) => {
      http = app.listen(options.httpPort ?? 0, '127.0.0.1', () => resolve());
    });
    url = `http://127.0.0.1:${(http!.address() as AddressInfo).port}`;
  }

  return {
    port,
    host: '127.0.0.1',
    url,
    jobs: () => [...jobs],
    printed: () => jobs.filter((j) => j.complete),
    connections: () => accepted,
    config,
    waitForJobs: (n) =>
      jobs.length >= n ? Promise.resolve([...jobs]) : new Promise((resolve) => jobWaiters.push({ n, resolve })),
    nextConnection: () => (open > 0 ? Promise.resolve() : new Promise((resolve) => connectionWaiters.push(resolve))),
    release,
    reset,
    async close() {
      release();
      for (const s of sockets) s.destroy();
      await stopListening();
      if (http) await new Promise<void>((resolve) => http!.close(() => resolve()));
    },
  };
}
