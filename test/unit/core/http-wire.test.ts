/**
 * What HttpClient puts on the wire and makes of the answer, against real local servers: the
 * URL (base joined with the request's url, `params`), bodies, default headers, decoding of the
 * answer, its headers, redirects, timeouts, TLS options and proxies. These were axios's rules;
 * the clients of X3, FedEx and ShipStation depend on them.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import zlib from 'node:zlib';
import { ApiError } from '../../../nodes/core/errors';
import { HttpClient, type HttpClientOptions } from '../../../nodes/core/http';
import { SessionCookies } from '../../../nodes/core/session-cookies';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '../../support/tls-fixture';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** An http or https server on 127.0.0.1:0 recording what it gets. */
class Recorder {
  readonly seen: Seen[] = [];
  handler: Handler = (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  };
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  url = '';

  constructor(readonly tls = false) {
    const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        this.handler(req, res, body);
      });
    };
    this.server = tls
      ? https.createServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT }, listener)
      : http.createServer(listener);
  }

  async start(): Promise<this> {
    this.server.on(this.tls ? 'secureConnection' : 'connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A forwarding HTTP proxy (absolute-URI requests) that also tunnels CONNECT; records both. */
class Proxy {
  readonly forwarded: string[] = [];
  readonly tunnels: string[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => {
    this.forwarded.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '');
    const out = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  url = '';

  async start(): Promise<this> {
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
      this.tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      this.sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const PROXY_VARS = ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'].flatMap((k) => [k, k.toUpperCase()]);

function send(
  res: http.ServerResponse,
  status: number,
  body: string | Buffer,
  headers: http.OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, headers);
  res.end(body);
}

describe('core/http HttpClient on the wire', () => {
  let server: Recorder;
  const clients: HttpClient[] = [];
  function client(options: Partial<HttpClientOptions> = {}): HttpClient {
    const c = new HttpClient({ system: 'fedex', baseURL: server.url, retry: { maxRetries: 0 }, ...options });
    clients.push(c);
    return c;
  }
  beforeEach(async () => {
    server = await new Recorder().start();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.stop();
  });

  describe('the URL', () => {
    it('joins the base URL and the url with exactly one slash, keeps an absolute url, drops a fragment', async () => {
      const cases: Array<[string, string, string]> = [
        ['', '/orders', '/orders'],
        ['/', 'orders', '/orders'],
        ['/api/v1', '/orders', '/api/v1/orders'],
        ['/api/v1/', '/orders', '/api/v1/orders'],
        ['/api/v1//', 'orders/7?x=1', '/api/v1/orders/7?x=1'],
        [
          '/soap-generic/syracuse/collaboration/syracuse/CAdxWebServiceXmlCC',
          '',
          '/soap-generic/syracuse/collaboration/syracuse/CAdxWebServiceXmlCC',
        ],
        ['/api', 'a b/é#frag', '/api/a%20b/%C3%A9'],
      ];
      for (const [base, url, expected] of cases) {
        await client({ baseURL: `${server.url}${base}` }).request({ method: 'GET', url });
        assert.equal(server.seen.at(-1)?.url, expected, `${base} + ${url}`);
      }
      // an absolute url (a next-page link) is not joined to the base
      await client({ baseURL: 'http://elsewhere.invalid/api' }).request({
        method: 'GET',
        url: `${server.url}/next?page=2`,
      });
      assert.equal(server.seen.at(-1)?.url, '/next?page=2');
    });

    it('serialises params as axios did: arrays as key[], nested as key[sub], null and undefined skipped, : $ , kept, spaces as +', async () => {
      await client().request({
        method: 'GET',
        url: '/orders?storeId=5',
        params: {
          page: 2,
          pageSize: 500,
          includeShipmentItems: true,
          orderNumber: 'SO 1/2&3=4',
          createDateStart: '2026-03-01 10:00:00',
          cost: '$1,5:0',
          tags: ['a', 'b c', null],
          filter: { status: 'open', n: 1 },
          at: new Date('2026-03-01T10:00:00Z'),
          skipped: undefined,
          none: null,
          ' spaced ': 'x',
          "quote'(~)!": "it's",
        },
      });
      assert.equal(
        server.seen[0].url,
        '/orders?storeId=5&page=2&pageSize=500&includeShipmentItems=true&orderNumber=SO+1%2F2%263%3D4' +
          '&createDateStart=2026-03-01+10:00:00&cost=$1,5:0&tags%5B%5D=a&tags%5B%5D=b+c' +
          '&filter%5Bstatus%5D=open&filter%5Bn%5D=1&at=2026-03-01T10:00:00.000Z&spaced=x' +
          "&quote'(~)!=it's",
      );
    });

    it('a URL with credentials sends them as Basic auth', async () => {
      const base = server.url.replace('http://', 'http://us%20er:p%40ss@');
      await client({ baseURL: base }).request({ method: 'GET', url: '/x', auth: false });
      assert.equal(server.seen[0].headers.authorization, `Basic ${Buffer.from('us er:p@ss').toString('base64')}`);
    });
  });

  describe('the request', () => {
    it('an object is sent as JSON with content-type application/json unless the caller set one', async () => {
      const c = client();
      await c.request({ method: 'POST', url: '/a', data: { a: 'é', n: [1, null] } });
      await c.request({
        method: 'POST',
        url: '/b',
        data: { a: 1 },
        headers: { 'Content-Type': 'application/vnd.x+json' },
      });
      const [a, b] = server.seen;
      assert.equal(a.body, '{"a":"é","n":[1,null]}');
      assert.equal(a.headers['content-type'], 'application/json');
      assert.equal(a.headers['content-length'], String(Buffer.byteLength(a.body)));
      assert.equal(b.headers['content-type'], 'application/vnd.x+json');
      assert.equal(b.body, '{"a":1}');
    });

    it('a string is sent as given with the content-type and headers the caller set (SOAP)', async () => {
      const xml = '<?xml version="1.0"?>\n<soapenv:Envelope>é</soapenv:Envelope>';
      await client().request({
        method: 'POST',
        url: '/soap',
        data: xml,
        headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' },
        responseType: 'text',
      });
      assert.equal(server.seen[0].body, xml);
      assert.equal(server.seen[0].headers['content-type'], 'text/xml; charset=utf-8');
      assert.equal(server.seen[0].headers.soapaction, '""');
    });

    it('URLSearchParams are a form; a form string keeps the caller’s content-type; a Buffer goes as is', async () => {
      const c = client();
      await c.request({
        method: 'POST',
        url: '/t',
        data: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'a b' }),
      });
      await c.request({
        method: 'POST',
        url: '/t',
        data: 'grant_type=client_credentials',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      await c.request({
        method: 'PUT',
        url: '/b',
        data: Buffer.from([0, 1, 2, 255]),
        headers: { 'content-type': 'application/octet-stream' },
      });
      const [form, text, bytes] = server.seen;
      assert.equal(form.body, 'grant_type=client_credentials&client_id=a+b');
      assert.equal(form.headers['content-type'], 'application/x-www-form-urlencoded;charset=utf-8');
      assert.equal(text.body, 'grant_type=client_credentials');
      assert.equal(text.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(bytes.headers['content-length'], '4');
    });

    it('sends Accept: application/json, text/plain, */* unless configured; a request header overrides the config one whatever its case', async () => {
      await client().request({ method: 'GET', url: '/a' });
      await client({ headers: { Accept: 'application/json', 'X-Tenant': 'one' } }).request({
        method: 'GET',
        url: '/b',
        headers: { 'x-tenant': 'two' },
      });
      assert.equal(server.seen[0].headers.accept, 'application/json, text/plain, */*');
      assert.equal(server.seen[1].headers.accept, 'application/json');
      assert.equal(server.seen[1].headers['x-tenant'], 'two');
      assert.equal(server.seen[0].body, '');
      assert.equal(server.seen[0].headers['content-type'], undefined);
    });
  });

  describe('the answer', () => {
    it('JSON is parsed when it parses, otherwise the text is returned (a proxy page, an empty body)', async () => {
      const answers: Array<[string, string]> = [
        ['application/json', '{"a":[1,2]}'],
        ['text/html', '<html>maintenance</html>'],
        ['application/json', ''],
        ['text/plain', '\ufeff{"bom":true}'],
        ['application/json', '{"broken":'],
      ];
      server.handler = (_q, res) => {
        const [type, body] = answers[server.seen.length - 1];
        send(res, 200, body, { 'content-type': type });
      };
      const c = client();
      const got: unknown[] = [];
      for (let i = 0; i < answers.length; i++) got.push((await c.request({ method: 'GET', url: `/${i}` })).data);
      assert.deepEqual(got, [{ a: [1, 2] }, '<html>maintenance</html>', '', { bom: true }, '{"broken":']);
    });

    it("responseType 'text' returns the text unparsed", async () => {
      server.handler = (_q, res) => send(res, 200, '{"a":1}', { 'content-type': 'application/json' });
      const res = await client().request<string>({ method: 'GET', url: '/x', responseType: 'text' });
      assert.equal(res.data, '{"a":1}');
    });

    it('a gzip or deflate answer is decoded', async () => {
      const body = JSON.stringify({ label: 'x'.repeat(2000) });
      server.handler = (req, res) =>
        req.url === '/gz'
          ? send(res, 200, zlib.gzipSync(body), { 'content-type': 'application/json', 'content-encoding': 'gzip' })
          : send(res, 200, zlib.deflateSync(body), {
              'content-type': 'application/json',
              'content-encoding': 'deflate',
            });
      const c = client();
      assert.deepEqual((await c.request({ method: 'GET', url: '/gz' })).data, JSON.parse(body));
      assert.deepEqual((await c.request({ method: 'GET', url: '/df' })).data, JSON.parse(body));
    });

    it('header names are lower-cased, repeats joined; every Set-Cookie line reaches the session', async () => {
      server.handler = (_q, res) => {
        res.setHeader('X-Rate-Limit-Remaining', '38');
        res.setHeader('Set-Cookie', ['syracuse.sid=abc123; Path=/; HttpOnly', 'client.id=42; Path=/']);
        res.setHeader('Warning', ['199 - "one"', '199 - "two"']);
        send(res, 200, '{}', { 'content-type': 'application/json' });
      };
      const c = client({
        session: new SessionCookies({ idleMs: 60_000 }),
        credentialHeaders: () => ({ Authorization: 'Basic dTpw' }),
      });
      const first = await c.request({ method: 'GET', url: '/a' });
      await c.request({ method: 'GET', url: '/b' });
      assert.equal(first.headers['x-rate-limit-remaining'], '38');
      assert.equal(first.headers.warning, '199 - "one", 199 - "two"');
      assert.equal(server.seen[1].headers.cookie, 'syracuse.sid=abc123; client.id=42');
    });

    it('a redirect is not followed: it is the answer', async () => {
      server.handler = (_q, res) => send(res, 302, '', { location: `${server.url}/elsewhere` });
      await assert.rejects(
        client().request({ method: 'GET', url: '/x' }),
        (e: unknown) => e instanceof ApiError && e.status === 302 && e.code === 'HTTP_302',
      );
      assert.deepEqual(
        server.seen.map((s) => s.url),
        ['/x'],
      );
    });
  });

  describe('timeouts', () => {
    it("the client's timeoutMs bounds a request that set none", async () => {
      server.handler = () => undefined;
      await assert.rejects(
        client({ timeoutMs: 60 }).request({ method: 'GET', url: '/slow' }),
        (e: unknown) => e instanceof ApiError && e.code === 'TIMEOUT' && /timed out/.test(e.message),
      );
    });

    it('a request still connecting at its timeout (TLS handshake never answered) was not sent: unambiguous, retried', async () => {
      // a TCP listener that accepts and says nothing: the TLS handshake of an https request hangs
      const silent = net.createServer((s) => void s.on('error', () => undefined));
      const held: Socket[] = [];
      silent.on('connection', (s: Socket) => held.push(s));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const c = client({
          baseURL: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`,
          retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
        });
        await assert.rejects(
          c.request({ method: 'POST', url: '/ship', data: { a: 1 }, timeoutMs: 60 }),
          (e: unknown) =>
            e instanceof ApiError && e.code === 'TIMEOUT' && e.ambiguous === false && e.retryable === true,
        );
        assert.equal(held.length, 2, 'not sent, so tried again');
      } finally {
        for (const s of held) s.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });
  });

  describe('TLS and proxies', () => {
    let tls: Recorder;
    let proxy: Proxy;
    const saved: Record<string, string | undefined> = {};
    beforeEach(async () => {
      tls = await new Recorder(true).start();
      proxy = await new Proxy().start();
      for (const k of PROXY_VARS) {
        saved[k] = process.env[k];
        delete process.env[k];
      }
    });
    afterEach(async () => {
      for (const k of PROXY_VARS) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      for (const c of clients.splice(0)) c.close();
      await tls.stop();
      await proxy.stop();
    });

    it('a self-signed certificate is refused, and accepted with rejectUnauthorized: false', async () => {
      await assert.rejects(
        client({ baseURL: tls.url }).request({ method: 'GET', url: '/x' }),
        (e: unknown) => e instanceof ApiError && e.ambiguous === false && tls.seen.length === 0,
      );
      const res = await client({ baseURL: tls.url, rejectUnauthorized: false }).request({ method: 'GET', url: '/x' });
      assert.deepEqual(res.data, { ok: true });
      assert.equal(tls.seen.length, 1);
    });

    it('http_proxy (either case) carries http requests; no_proxy exempts a host', async () => {
      process.env.HTTP_PROXY = proxy.url;
      await client().request({ method: 'GET', url: '/via-proxy', params: { a: 1 } });
      assert.deepEqual(proxy.forwarded, [`GET ${server.url}/via-proxy?a=1`]);
      assert.equal(server.seen[0].url, '/via-proxy?a=1');

      process.env.no_proxy = 'localhost,127.0.0.1';
      await client().request({ method: 'GET', url: '/direct' });
      assert.equal(proxy.forwarded.length, 1, 'no_proxy: not through the proxy');
      assert.equal(server.seen[1].url, '/direct');
    });

    it('https_proxy tunnels https requests (CONNECT), the target certificate still checked by our settings', async () => {
      process.env.https_proxy = proxy.url;
      const res = await client({ baseURL: tls.url, rejectUnauthorized: false }).request({
        method: 'GET',
        url: '/secure',
      });
      assert.deepEqual(res.data, { ok: true });
      assert.deepEqual(proxy.tunnels, [new URL(tls.url).host]);
      await assert.rejects(client({ baseURL: tls.url }).request({ method: 'GET', url: '/secure' }), ApiError);
      assert.equal(tls.seen.length, 1);
    });
  });
});
