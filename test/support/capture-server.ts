/**
 * An HTTP server that answers 200 to everything and records every request (method, url, headers,
 * body): tests use it as "some other host" and check that no secret ever reaches it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface CaptureServer {
  url: string;
  requests: CapturedRequest[];
  /** Every request as text, Basic credentials decoded, to search for a secret. */
  text(): string;
  close(): Promise<void>;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    text: () =>
      requests
        .map((r) => {
          const auth = String(r.headers.authorization ?? '');
          const basic = /^basic\s+(\S+)/i.exec(auth);
          const decoded = basic ? Buffer.from(basic[1], 'base64').toString('utf8') : '';
          return [r.method, r.url, JSON.stringify(r.headers), r.body, decoded].join('\n');
        })
        .join('\n'),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
