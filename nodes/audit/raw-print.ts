/**
 * Raw printing over TCP (port 9100, "JetDirect"/raw, the way Zebra and most label printers are
 * driven): one connection per job, the bytes written, our side closed, done when the printer has
 * taken everything. A failed job says whether all of its bytes had been handed over: before that
 * (refused, unreachable, reset while writing) the printer holds no complete job and the job may be
 * sent again; after that the printer may print it, so it must not be retried blindly.
 */
import { connect, type Socket } from 'net';

export interface RawPrinter {
  host: string;
  /** default 9100 */
  port?: number;
}

export interface RawJobOptions {
  /** no connection within this long counts as unreachable (default 10 s) */
  connectTimeoutMs?: number;
  /** the printer must take the job within this long once connected (default 30 s) */
  jobTimeoutMs?: number;
  signal?: AbortSignal;
}

export const RAW_PRINT_PORT = 9100;

export class RawPrintError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** true once every byte was handed to the printer: it may print, do not resend blindly */
    readonly delivered: boolean,
  ) {
    super(message);
    this.name = 'RawPrintError';
  }
}

/** "host:port" for logs and print records (no credentials are involved in raw printing). */
export function printerName(p: RawPrinter): string {
  return `${p.host}:${p.port ?? RAW_PRINT_PORT}`;
}

/** Sends one job; resolves when the printer has taken all of it and the connection closed. */
export function sendRawJob(printer: RawPrinter, data: Buffer, options: RawJobOptions = {}): Promise<void> {
  const connectMs = options.connectTimeoutMs ?? 10_000;
  const jobMs = options.jobTimeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new RawPrintError(`print to ${printerName(printer)} aborted`, 'CANCELED', false));
      return;
    }
    let delivered = false;
    let settled = false;
    const socket: Socket = connect({ host: printer.host, port: printer.port ?? RAW_PRINT_PORT });
    const finish = (err?: RawPrintError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve();
    };
    const onAbort = (): void =>
      finish(new RawPrintError(`print to ${printerName(printer)} aborted`, 'CANCELED', delivered));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let timer = setTimeout(
      () =>
        finish(
          new RawPrintError(`no connection to ${printerName(printer)} within ${connectMs} ms`, 'ETIMEDOUT', false),
        ),
      connectMs,
    );
    socket.on('connect', () => {
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          finish(
            new RawPrintError(
              `${printerName(printer)} did not take the job within ${jobMs} ms`,
              'ETIMEDOUT',
              delivered,
            ),
          ),
        jobMs,
      );
      socket.end(data, () => {
        delivered = true;
      });
    });
    // the printer has the job once it closed its side after ours: every byte was read
    socket.on('close', (hadError) => {
      if (!hadError && delivered) finish();
      else if (!hadError)
        finish(new RawPrintError(`${printerName(printer)} closed before taking the job`, 'ECONNRESET', false));
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(new RawPrintError(`print to ${printerName(printer)}: ${err.message}`, err.code ?? 'EIO', delivered)),
    );
    // keep reading: a printer may answer status bytes, and 'close' only follows a drained socket
    socket.on('data', () => undefined);
  });
}
