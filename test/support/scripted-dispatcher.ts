/**
 * An undici Dispatcher answering from a script instead of a socket: what core/http.ts tests
 * give HttpClient as `dispatcher` where only promises may run (fake timers) or where a system's
 * answer is set up by hand. The request is "sent" (onConnect) before the script runs, as a real
 * request is written before its server thinks; a script that throws is a failure after sending.
 */
import { Dispatcher } from 'undici';

export interface ScriptedRequest {
  method: string;
  /** origin + path, e.g. http://x3.test/xtrem/api?x=1 */
  url: string;
  path: string;
  /** As sent (names as the client wrote them, lower case). */
  headers: Record<string, string>;
  /** The body as text (undefined when none). */
  body: string | undefined;
}

export interface ScriptedReply {
  status: number;
  headers?: Record<string, string | string[]>;
  /** A string or Buffer as is; anything else as JSON with content-type application/json. */
  body?: unknown;
}

export type Script = (req: ScriptedRequest) => ScriptedReply | Promise<ScriptedReply>;

/** An Error with a Node-style `code` (ECONNREFUSED, ECONNRESET...) for a script to throw. */
export function networkError(code: string, message = code): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

export class ScriptedDispatcher extends Dispatcher {
  constructor(private readonly script: Script) {
    super();
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
    let aborted: Error | undefined;
    handler.onConnect?.((err?: Error) => {
      aborted ??= err ?? new Error('aborted');
    });
    const req: ScriptedRequest = {
      method: opts.method,
      url: `${String(opts.origin)}${opts.path}`,
      path: opts.path,
      headers: Object.fromEntries(Object.entries((opts.headers ?? {}) as Record<string, string>)),
      body: opts.body === undefined || opts.body === null ? undefined : String(opts.body),
    };
    Promise.resolve()
      .then(() => this.script(req))
      .then(
        (reply) => {
          if (aborted) return handler.onError?.(aborted);
          const headers: Record<string, string | string[]> = { ...reply.headers };
          let body: Buffer;
          if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) body = Buffer.from(reply.body);
          else if (reply.body === undefined) body = Buffer.alloc(0);
          else {
            body = Buffer.from(JSON.stringify(reply.body));
            if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
              headers['content-type'] = 'application/json';
          }
          const raw: Buffer[] = [];
          for (const [name, value] of Object.entries(headers))
            for (const v of Array.isArray(value) ? value : [value]) raw.push(Buffer.from(name), Buffer.from(v));
          handler.onHeaders?.(reply.status, raw, () => undefined, '');
          if (body.length) handler.onData?.(body);
          handler.onComplete?.([]);
        },
        (err: unknown) => handler.onError?.(aborted ?? (err as Error)),
      );
    return true;
  }

  override async close(): Promise<void> {}

  override async destroy(): Promise<void> {}
}
