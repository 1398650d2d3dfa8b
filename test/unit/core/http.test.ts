import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { inspect } from 'node:util';
import sinon from 'sinon';
import { ApiError, toErrorInfo } from '../../../nodes/core/errors';
import { HttpClient, type HttpClientOptions } from '../../../nodes/core/http';
import { createHeaderBudgetLimiter, type LimiterSnapshot, type RequestLimiter } from '../../../nodes/core/limiter';
import { SHIPSTATION_RATE_HEADERS } from '../../../nodes/shipstation/rate-headers';
import { TokenCache } from '../../../nodes/core/token-cache';
import { networkError, ScriptedDispatcher } from '../../support/scripted-dispatcher';

// ---------------------------------------------------------------------------------------------
// A scripted dispatcher: deterministic under fake timers (no sockets, only promises).

type Step = { status: number; headers?: Record<string, string>; data?: unknown } | { error: string; message?: string };

interface AdapterCall {
  at: number;
  method?: string;
  url?: string;
  headers: Record<string, string>;
}

function scripted(steps: Step[]): { dispatcher: ScriptedDispatcher; calls: AdapterCall[] } {
  const calls: AdapterCall[] = [];
  const dispatcher = new ScriptedDispatcher((req) => {
    calls.push({ at: Date.now(), method: req.method, url: req.url, headers: req.headers });
    const step = steps.shift() ?? { status: 200, data: { ok: true } };
    if ('error' in step) throw networkError(step.error, step.message ?? step.error);
    return { status: step.status, headers: step.headers, body: step.data ?? '' };
  });
  return { dispatcher, calls };
}

/** A limiter that runs everything at once and records what the client tells it. */
class RecordingLimiter implements RequestLimiter {
  scheduled = 0;
  observed: Array<Readonly<Record<string, unknown>>> = [];
  pausedUntil: number[] = [];
  schedule<T>(job: () => Promise<T>): Promise<T> {
    this.scheduled += 1;
    return job();
  }
  observe(headers: Readonly<Record<string, unknown>>): void {
    this.observed.push(headers);
  }
  pauseUntil(untilMs: number): void {
    this.pausedUntil.push(untilMs);
  }
  snapshot(): LimiterSnapshot {
    return { queued: 0, running: 0 };
  }
  async stop(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------------
// A real server on 127.0.0.1:0 for what only sockets show: resets, timeouts, refused connections.

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

class TestServer {
  readonly seen: Seen[] = [];
  handlers: Handler[] = [];
  fallback: Handler = (_req, res) => json(res, 200, { ok: true });
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      (this.handlers.shift() ?? this.fallback)(req, res, body);
    });
  });
  private sockets = new Set<Socket>();
  url = '';

  async start(port = 0): Promise<this> {
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Polls on real I/O turns (setImmediate is never faked here) until the condition holds. */
async function until(condition: () => boolean, what: string, limit = 5000): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (condition()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function closedPort(): Promise<number> {
  const s = await new TestServer().start();
  const port = Number(new URL(s.url).port);
  await s.stop();
  return port;
}

function isApi(check: (e: ApiError) => void): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    check(err);
    return true;
  };
}

const NO_WAIT = { baseDelayMs: 1, maxDelayMs: 1 };

describe('core/http HttpClient', () => {
  const clients: HttpClient[] = [];
  function client(options: Partial<HttpClientOptions> & { baseURL: string }): HttpClient {
    const c = new HttpClient({ system: 'fedex', ...options });
    clients.push(c);
    return c;
  }
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  describe('waits (scripted dispatcher, fake timers)', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: Date.parse('2026-03-01T10:00:00Z'), shouldAdvanceTime: false });
    });
    afterEach(() => clock.restore());

    it('429 with Retry-After: 2 waits exactly 2 s (not retried at 1.9 s, retried at 2.0 s) and pauses the limiter', async () => {
      const { dispatcher, calls } = scripted([
        { status: 429, headers: { 'retry-after': '2' }, data: { errors: [{ code: 'RATE' }] } },
        { status: 200, data: { ok: 1 } },
      ]);
      const limiter = new RecordingLimiter();
      const c = client({ baseURL: 'http://fedex.test', dispatcher, limiter, random: () => 0.99 });
      const t0 = Date.now();
      const p = c.request({ method: 'POST', url: '/ship/v1/shipments', data: { a: 1 } });
      await clock.tickAsync(0);
      assert.equal(calls.length, 1);
      assert.deepEqual(limiter.pausedUntil, [t0 + 2000]);
      await clock.tickAsync(1900);
      assert.equal(calls.length, 1, 'not retried at 1.9 s');
      await clock.tickAsync(100);
      assert.equal(calls.length, 2, 'retried at 2.0 s');
      const res = await p;
      assert.equal(res.status, 200);
      assert.equal(res.attempts, 2);
      assert.equal(calls[1].at - calls[0].at, 2000);
    });

    it('429 with an HTTP-date Retry-After waits until that date', async () => {
      const at = new Date(Date.now() + 5000).toUTCString();
      const { dispatcher, calls } = scripted([{ status: 429, headers: { 'retry-after': at } }, { status: 200 }]);
      const c = client({ baseURL: 'http://fedex.test', dispatcher });
      const p = c.request({ method: 'GET', url: '/x' });
      await clock.tickAsync(4999);
      assert.equal(calls.length, 1);
      await clock.tickAsync(1);
      assert.equal(calls.length, 2);
      await p;
    });

    it('429 without Retry-After backs off with full jitter inside [0, min(max, base*2^n))', async () => {
      const samples = [0.999, 0.25, 0.001, 0.75];
      const drawn: number[] = [];
      const random = (): number => {
        const r = samples[drawn.length % samples.length];
        drawn.push(r);
        return r;
      };
      const retry = { maxRetries: 4, baseDelayMs: 1000, maxDelayMs: 5000, maxRetryAfterMs: 60_000 };
      const { dispatcher, calls } = scripted([
        { status: 429 },
        { status: 429 },
        { status: 429 },
        { status: 429 },
        { status: 200 },
      ]);
      const c = client({ baseURL: 'http://fedex.test', dispatcher, random, retry });
      const p = c.request({ method: 'GET', url: '/x' });
      await clock.tickAsync(60_000);
      const res = await p;
      assert.equal(res.attempts, 5);
      const waits = calls.slice(1).map((call, i) => call.at - calls[i].at);
      const ceilings = [1000, 2000, 4000, 5000];
      waits.forEach((w, n) => {
        assert.ok(w >= 0 && w < ceilings[n], `wait ${n} = ${w} outside [0, ${ceilings[n]})`);
        assert.equal(w, Math.floor(samples[n] * ceilings[n]));
      });
    });

    it('spreads the 429 waits of many clients over the whole jitter range', async () => {
      const waits: number[] = [];
      await Promise.all(
        Array.from({ length: 200 }, async () => {
          const { dispatcher, calls } = scripted([{ status: 429 }, { status: 200 }]);
          const c = client({
            baseURL: 'http://fedex.test',
            dispatcher,
            retry: { baseDelayMs: 1000, maxDelayMs: 1000 },
          });
          const p = c.request({ method: 'GET', url: '/x' });
          await clock.tickAsync(1000);
          await p;
          waits.push(calls[1].at - calls[0].at);
        }),
      );
      assert.ok(waits.every((w) => w >= 0 && w < 1000));
      assert.ok(new Set(waits).size > 20, 'jittered, not one shared wait');
    });

    it('a Retry-After longer than maxRetryAfterMs is reported at once with retryAfterMs', async () => {
      const { dispatcher, calls } = scripted([{ status: 429, headers: { 'retry-after': '600' } }]);
      const c = client({ baseURL: 'http://fedex.test', dispatcher, retry: { maxRetryAfterMs: 120_000 } });
      await assert.rejects(
        c.request({ method: 'GET', url: '/x' }),
        isApi((e) => {
          assert.equal(e.status, 429);
          assert.equal(e.code, 'RATE_LIMITED');
          assert.equal(e.retryable, true);
          assert.equal(e.retryAfterMs, 600_000);
        }),
      );
      assert.equal(calls.length, 1);
    });

    it('503 on a read is retried and gives up after maxRetries with a retryable error', async () => {
      const { dispatcher, calls } = scripted(Array.from({ length: 10 }, () => ({ status: 503 })));
      const c = client({
        baseURL: 'http://fedex.test',
        dispatcher,
        retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 100 },
      });
      const p = c.request({ method: 'GET', url: '/x' });
      const checked = assert.rejects(
        p,
        isApi((e) => {
          assert.equal(e.status, 503);
          assert.equal(e.retryable, true);
          assert.equal(e.ambiguous, false, 'a read changes nothing');
        }),
      );
      await clock.tickAsync(1000);
      await checked;
      assert.equal(calls.length, 4);
    });

    it('503 on a create (POST) is outcome unknown: ambiguous, not retried', async () => {
      const { dispatcher, calls } = scripted(Array.from({ length: 10 }, () => ({ status: 503 })));
      const c = client({
        baseURL: 'http://fedex.test',
        dispatcher,
        retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 100 },
      });
      const p = c.request({ method: 'POST', url: '/x', data: {} });
      const checked = assert.rejects(
        p,
        isApi((e) => {
          assert.equal(e.status, 503);
          assert.equal(e.ambiguous, true, 'a 503 does not prove the create was not applied');
          assert.match(e.message, /outcome unknown/);
        }),
      );
      await clock.tickAsync(1000);
      await checked;
      assert.equal(calls.length, 1, 'a create is never sent twice blindly');
    });

    it('429 on a create (POST) is still retried: the request was refused, not applied', async () => {
      const { dispatcher, calls } = scripted([{ status: 429 }, { status: 201, data: { id: 1 } }]);
      const c = client({ baseURL: 'http://fedex.test', dispatcher, retry: { baseDelayMs: 100, maxDelayMs: 100 } });
      const p = c.request({ method: 'POST', url: '/x', data: {} });
      await clock.tickAsync(100);
      assert.equal((await p).status, 201);
      assert.equal(calls.length, 2);
    });

    it('with a header-budget limiter, responses arriving out of order never push the server below the reserve', async () => {
      // ShipStation-like budget: 40 per fixed 60 s window, counted when a request arrives.
      let windowStart = Date.now();
      let remaining = 40;
      let lowest = 40;
      let served = 0;
      const dispatcher = new ScriptedDispatcher(async () => {
        while (Date.now() >= windowStart + 60_000) {
          windowStart += 60_000;
          remaining = 40;
        }
        served += 1;
        remaining -= 1;
        lowest = Math.min(lowest, remaining);
        const headers = {
          'x-rate-limit-limit': '40',
          'x-rate-limit-remaining': String(remaining),
          'x-rate-limit-reset': String(Math.ceil((windowStart + 60_000 - Date.now()) / 1000)),
        };
        // Latency varies, so responses come back out of order.
        await new Promise((r) => setTimeout(r, 20 + ((served * 37) % 300)));
        return { status: remaining < 0 ? 429 : 200, headers, body: {} };
      });
      const limiter = createHeaderBudgetLimiter({
        defaultLimit: 40,
        windowMs: 60_000,
        reserve: 2,
        headers: SHIPSTATION_RATE_HEADERS,
      });
      try {
        const c = client({ baseURL: 'http://ss.test', dispatcher, limiter, system: 'shipstation' });
        const all = Array.from({ length: 120 }, (_, i) => c.request({ method: 'GET', url: `/orders/${i}` }));
        await clock.tickAsync(5 * 60_000);
        const results = await Promise.all(all);
        assert.ok(
          results.every((r) => r.attempts === 1),
          'no 429, no retry',
        );
        assert.equal(served, 120);
        assert.ok(lowest >= 2, `the server count went down to ${lowest}`);
      } finally {
        const stopped = limiter.stop();
        await clock.tickAsync(100);
        await stopped;
      }
    });

    it('a network error while the request is not sent (ECONNREFUSED) on POST is retried', async () => {
      const { dispatcher, calls } = scripted([{ error: 'ECONNREFUSED' }, { status: 201, data: { id: 1 } }]);
      const c = client({ baseURL: 'http://fedex.test', dispatcher, retry: { baseDelayMs: 100, maxDelayMs: 100 } });
      const p = c.request({ method: 'POST', url: '/x', data: {} });
      await clock.tickAsync(100);
      assert.equal((await p).status, 201);
      assert.equal(calls.length, 2);
    });
  });

  describe('against a local server', () => {
    let server: TestServer;
    beforeEach(async () => {
      server = await new TestServer().start();
    });
    afterEach(async () => server.stop());

    it('503 then 200 on a read sent as POST (idempotent): retried, the success is returned', async () => {
      server.handlers.push((_q, res) => json(res, 503, { message: 'busy' }));
      const c = client({ baseURL: server.url, retry: NO_WAIT });
      const res = await c.request<{ ok: boolean }>({ method: 'POST', url: '/a', data: { x: 1 }, idempotent: true });
      assert.equal(res.status, 200);
      assert.deepEqual(res.data, { ok: true });
      assert.equal(res.attempts, 2);
      assert.equal(server.seen.length, 2);
    });

    it('503 on a POST create is an ambiguous ApiError and is not retried', async () => {
      server.handlers.push((_q, res) => json(res, 503, { message: 'busy' }));
      const c = client({ baseURL: server.url, retry: NO_WAIT });
      await assert.rejects(
        c.request({ method: 'POST', url: '/ship', data: { a: 1 } }),
        isApi((e) => {
          assert.equal(e.status, 503);
          assert.equal(e.ambiguous, true);
          assert.equal(toErrorInfo(e).ambiguous, true);
        }),
      );
      assert.equal(server.seen.length, 1);
    });

    it('500 on GET is retried', async () => {
      server.handlers.push((_q, res) => json(res, 500, {}));
      const c = client({ baseURL: server.url, retry: NO_WAIT });
      const res = await c.request({ method: 'GET', url: '/a' });
      assert.equal(res.attempts, 2);
      assert.equal(server.seen.length, 2);
    });

    it('500 on POST is an ambiguous ApiError and is not retried', async () => {
      server.handlers.push((_q, res) => json(res, 500, { message: 'db error' }));
      const c = client({ baseURL: server.url, retry: NO_WAIT });
      await assert.rejects(
        c.request({ method: 'POST', url: '/ship', data: { a: 1 } }),
        isApi((e) => {
          assert.equal(e.status, 500);
          assert.equal(e.ambiguous, true);
          assert.match(e.message, /outcome unknown/);
          assert.equal(toErrorInfo(e).ambiguous, true);
        }),
      );
      assert.equal(server.seen.length, 1);
    });

    it('500 on a POST marked idempotent (a read sent as POST) is retried', async () => {
      server.handlers.push((_q, res) => json(res, 500, {}));
      const c = client({ baseURL: server.url, retry: NO_WAIT });
      const res = await c.request({ method: 'POST', url: '/track', data: {}, idempotent: true });
      assert.equal(res.attempts, 2);
    });

    it('a timeout after sending a POST is ambiguous and not retried', async () => {
      server.handlers.push(() => undefined); // never answers
      const c = client({ baseURL: server.url, retry: NO_WAIT });
      await assert.rejects(
        c.request({ method: 'POST', url: '/ship', data: { a: 1 }, timeoutMs: 50 }),
        isApi((e) => {
          assert.equal(e.code, 'TIMEOUT');
          assert.equal(e.ambiguous, true);
          assert.equal(e.retryable, true);
          assert.match(e.message, /timed out/);
        }),
      );
      assert.equal(server.seen.length, 1);
    });

    it('a timeout on GET is retried', async () => {
      server.handlers.push(() => undefined);
      const c = client({ baseURL: server.url, retry: NO_WAIT });
      const res = await c.request({ method: 'GET', url: '/track', timeoutMs: 50 });
      assert.equal(res.status, 200);
      assert.equal(server.seen.length, 2);
    });

    it('a connection reset after sending a POST is ambiguous and not retried; on GET it is retried', async () => {
      const reset: Handler = (req) => req.socket.destroy();
      server.handlers.push(reset);
      const c = client({ baseURL: server.url, retry: NO_WAIT });
      await assert.rejects(
        c.request({ method: 'POST', url: '/ship', data: { a: 1 } }),
        isApi((e) => {
          assert.equal(e.code, 'ECONNRESET');
          assert.equal(e.ambiguous, true);
        }),
      );
      assert.equal(server.seen.length, 1);
      server.handlers.push(reset);
      const res = await c.request({ method: 'GET', url: '/track' });
      assert.equal(res.status, 200);
      assert.equal(server.seen.length, 3);
    });

    it('ECONNREFUSED on POST: the request was never sent, so it is retried and then succeeds', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'], shouldAdvanceTime: false });
      let late: TestServer | undefined;
      try {
        const port = await closedPort();
        const random = sinon.spy(() => 0.5);
        const c = client({
          baseURL: `http://127.0.0.1:${port}`,
          random,
          retry: { baseDelayMs: 1000, maxDelayMs: 1000 },
        });
        const p = c.request({ method: 'POST', url: '/ship', data: { a: 1 } });
        await until(() => random.callCount === 1, 'the first backoff');
        late = await new TestServer().start(port);
        await clock.tickAsync(500);
        const res = await p;
        assert.equal(res.status, 200);
        assert.equal(res.attempts, 2);
        assert.equal(late.seen.length, 1);
      } finally {
        clock.restore();
        await late?.stop();
      }
    });

    it('ECONNREFUSED on every attempt: a retryable, unambiguous error after maxRetries', async () => {
      const port = await closedPort();
      const limiter = new RecordingLimiter();
      const c = client({ baseURL: `http://127.0.0.1:${port}`, limiter, retry: { ...NO_WAIT, maxRetries: 2 } });
      await assert.rejects(
        c.request({ method: 'POST', url: '/ship', data: {} }),
        isApi((e) => {
          assert.equal(e.code, 'ECONNREFUSED');
          assert.equal(e.ambiguous, false);
          assert.equal(e.retryable, true);
        }),
      );
      assert.equal(limiter.scheduled, 3);
    });

    it('401: invalidates the token, refreshes once and retries once', async () => {
      let issued = 0;
      const fetchToken = sinon.spy(async () => ({ token: `tok-${++issued}-abcdef`, expiresInMs: 3_600_000 }));
      const tokens = new TokenCache({ system: 'fedex', fetchToken });
      server.handlers.push((_q, res) => json(res, 401, { errors: [{ code: 'NOT.AUTHORIZED.ERROR' }] }));
      const c = client({ baseURL: server.url, tokenProvider: tokens });
      const res = await c.request({ method: 'POST', url: '/ship', data: {} });
      assert.equal(res.status, 200);
      assert.equal(fetchToken.callCount, 2);
      assert.deepEqual(
        server.seen.map((s) => s.headers.authorization),
        ['Bearer tok-1-abcdef', 'Bearer tok-2-abcdef'],
      );
      tokens.close();
    });

    it('a second 401 after the refresh is final', async () => {
      let n = 0;
      const fetchToken = sinon.spy(async () => ({ token: `tok-${++n}-abcdef`, expiresInMs: 3_600_000 }));
      const tokens = new TokenCache({ system: 'fedex', fetchToken });
      server.fallback = (_q, res) =>
        json(res, 401, { errors: [{ code: 'NOT.AUTHORIZED.ERROR', message: 'bad token' }] });
      const c = client({ baseURL: server.url, tokenProvider: tokens });
      await assert.rejects(
        c.request({ method: 'GET', url: '/track' }),
        isApi((e) => {
          assert.equal(e.status, 401);
          assert.equal(e.code, 'UNAUTHORIZED');
          assert.equal(e.retryable, false);
        }),
      );
      assert.equal(server.seen.length, 2);
      assert.equal(fetchToken.callCount, 2);
      tokens.close();
    });

    it('401 with static credentials (no token to refresh) is final at once', async () => {
      server.fallback = (_q, res) => json(res, 401, {});
      const c = client({ baseURL: server.url, credentialHeaders: () => ({ 'API-Key': 'key-123456' }) });
      await assert.rejects(
        c.request({ method: 'GET', url: '/orders' }),
        isApi((e) => assert.equal(e.status, 401)),
      );
      assert.equal(server.seen.length, 1);
      assert.equal(server.seen[0].headers['api-key'], 'key-123456');
    });

    for (const status of [400, 403, 404, 409, 422]) {
      it(`${status} is not retried`, async () => {
        server.fallback = (_q, res) => json(res, status, {});
        const c = client({ baseURL: server.url, retry: NO_WAIT });
        await assert.rejects(
          c.request({ method: 'GET', url: '/x' }),
          isApi((e) => {
            assert.equal(e.status, status);
            assert.equal(e.code, `HTTP_${status}`);
            assert.equal(e.retryable, false);
            assert.equal(e.ambiguous, false);
          }),
        );
        assert.equal(server.seen.length, 1);
      });
    }

    it('isRetryableResponse turns a system-specific status into a wait-and-retry', async () => {
      server.handlers.push((_q, res) => json(res, 400, { reason: 'pool busy' }));
      const c = client({
        baseURL: server.url,
        retry: NO_WAIT,
        isRetryableResponse: (status, body) => status === 400 && (body as { reason?: string }).reason === 'pool busy',
      });
      const res = await c.request({ method: 'POST', url: '/x', data: {} });
      assert.equal(res.attempts, 2);
    });

    it('errors carry system, status, code, message, retryable and requestId from describeError', async () => {
      server.fallback = (_q, res) =>
        json(res, 422, {
          transactionId: 'tx-42',
          errors: [{ code: 'SHIPMENT.RECIPIENT.POSTAL.INVALID', message: 'Recipient postal code is invalid.' }],
        });
      const c = client({
        baseURL: server.url,
        describeError: (_s, body) => {
          const b = body as { transactionId: string; errors: Array<{ code: string; message: string }> };
          return { code: b.errors[0].code, message: b.errors[0].message, requestId: b.transactionId };
        },
      });
      await assert.rejects(
        c.request({ method: 'POST', url: '/ship/v1/shipments', data: {} }),
        isApi((e) => {
          assert.deepEqual(toErrorInfo(e), {
            system: 'fedex',
            status: 422,
            code: 'SHIPMENT.RECIPIENT.POSTAL.INVALID',
            message: 'POST /ship/v1/shipments: Recipient postal code is invalid.',
            retryable: false,
            requestId: 'tx-42',
          });
        }),
      );
    });

    it('falls back to the x-request-id header and the status when there is no describeError', async () => {
      server.fallback = (_q, res) => json(res, 404, {}, { 'x-request-id': 'req-9' });
      const c = client({
        baseURL: server.url,
        describeError: () => {
          throw new Error('envelope reader broke');
        },
      });
      await assert.rejects(
        c.request({ method: 'GET', url: '/x' }),
        isApi((e) => {
          assert.equal(e.requestId, 'req-9');
          assert.equal(e.message, 'GET /x: HTTP 404');
        }),
      );
    });

    it('never puts Basic credentials (base64 or decoded) into an error', async () => {
      const password = 'Sup3r-Secret-Pw';
      const basic = Buffer.from(`apiuser:${password}`).toString('base64');
      server.fallback = (req, res) => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        // A badly behaved server echoing what it got, in several shapes.
        res.end(`rejected ${req.headers.authorization} / raw ${basic} / user apiuser:${password} / pw ${password}`);
      };
      const c = client({
        baseURL: server.url,
        credentialHeaders: () => ({ Authorization: `Basic ${basic}` }),
      });
      const err = await c.request({ method: 'GET', url: '/orders', responseType: 'text' }).catch((e: unknown) => e);
      assert.ok(err instanceof ApiError);
      for (const text of [err.message, String(err.stack), inspect(err, { depth: 5 }), JSON.stringify(err)]) {
        assert.ok(!text.includes(basic), `base64 credentials leaked: ${text}`);
        assert.ok(!text.includes(password), `password leaked: ${text}`);
      }
      assert.match(err.message, /rejected \[redacted\] \/ raw \[redacted\]/);
    });

    it('never puts a bearer token or a configured secret into an error', async () => {
      const token = 'eyJhbGciOiJSUzI1NiJ9.payload.sig';
      const tokens = { get: async () => token, invalidate: () => undefined };
      server.fallback = (_q, res) =>
        json(res, 403, {
          errors: [{ code: 'FORBIDDEN', message: `token ${token} lacks scope; client_secret=cs-999999` }],
        });
      const c = client({
        baseURL: server.url,
        tokenProvider: tokens,
        secrets: () => ['cs-999999', undefined],
        describeError: (_s, body) => (body as { errors: Array<{ code: string; message: string }> }).errors[0],
      });
      const err = await c.request({ method: 'GET', url: '/x' }).catch((e: unknown) => e);
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 'FORBIDDEN');
      for (const text of [err.message, inspect(err, { depth: 5 }), JSON.stringify(toErrorInfo(err))]) {
        assert.ok(!text.includes(token), `token leaked: ${text}`);
        assert.ok(!text.includes('cs-999999'), `secret leaked: ${text}`);
      }
    });

    it('limiter: every attempt is scheduled through it and it observes the response headers', async () => {
      server.handlers.push((_q, res) =>
        json(res, 429, {}, { 'Retry-After': '0', 'X-Rate-Limit-Remaining': '0', 'X-Rate-Limit-Reset': '7' }),
      );
      server.handlers.push((_q, res) =>
        json(res, 200, {}, { 'X-Rate-Limit-Limit': '40', 'X-Rate-Limit-Remaining': '38', 'X-Rate-Limit-Reset': '59' }),
      );
      const limiter = new RecordingLimiter();
      const c = client({ baseURL: server.url, limiter, system: 'shipstation' });
      const res = await c.request({ method: 'GET', url: '/orders' });
      assert.equal(limiter.scheduled, 2);
      assert.equal(limiter.observed.length, 2);
      assert.equal(limiter.observed[0]['x-rate-limit-remaining'], '0');
      assert.equal(limiter.observed[0]['x-rate-limit-reset'], '7');
      assert.equal(limiter.observed[1]['x-rate-limit-limit'], '40');
      assert.equal(limiter.observed[1]['x-rate-limit-remaining'], '38');
      assert.equal(res.headers['x-rate-limit-reset'], '59');
    });

    it('close() aborts a request in flight and refuses new ones', async () => {
      server.handlers.push(() => undefined);
      const c = client({ baseURL: server.url });
      const p = c.request({ method: 'POST', url: '/ship', data: {} });
      await until(() => server.seen.length === 1, 'the request to arrive');
      c.close();
      await assert.rejects(
        p,
        isApi((e) => {
          assert.equal(e.code, 'CLOSED');
          assert.equal(e.retryable, false);
        }),
      );
      await assert.rejects(
        c.request({ method: 'GET', url: '/x' }),
        isApi((e) => assert.equal(e.code, 'CLOSED')),
      );
      assert.equal(server.seen.length, 1);
    });

    it('close() during a Retry-After wait ends the wait at once', async () => {
      server.handlers.push((_q, res) => json(res, 429, {}, { 'Retry-After': '60' }));
      const c = client({ baseURL: server.url });
      const p = c.request({ method: 'GET', url: '/x' });
      await until(() => server.seen.length === 1, 'the first request');
      await new Promise((r) => setTimeout(r, 20));
      c.close();
      await assert.rejects(
        p,
        isApi((e) => assert.equal(e.code, 'CLOSED')),
      );
      assert.equal(server.seen.length, 1);
    });

    it("the caller's abort signal cancels without retrying, even on GET", async () => {
      server.handlers.push(() => undefined);
      const c = client({ baseURL: server.url, retry: NO_WAIT });
      const ctrl = new AbortController();
      const p = c.request({ method: 'GET', url: '/slow', signal: ctrl.signal });
      await until(() => server.seen.length === 1, 'the request to arrive');
      ctrl.abort(new Error('flow stopped'));
      await assert.rejects(
        p,
        isApi((e) => {
          assert.equal(e.code, 'CANCELED');
          assert.equal(e.retryable, false);
        }),
      );
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(server.seen.length, 1);
    });

    it('many concurrent requests on one client raise no MaxListenersExceededWarning', async () => {
      const warnings: Error[] = [];
      const onWarning = (w: Error): void => void warnings.push(w);
      process.on('warning', onWarning);
      try {
        const held: Array<() => void> = [];
        server.fallback = (_q, res) => held.push(() => json(res, 200, {}));
        const c = client({ baseURL: server.url });
        const all = Array.from({ length: 30 }, () => c.request({ method: 'GET', url: '/x' }));
        await until(() => held.length === 30, 'all requests to arrive');
        for (const release of held) release();
        await Promise.all(all);
        await new Promise((r) => setImmediate(r));
        assert.deepEqual(
          warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
          [],
        );
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('requests with their own signal leave no listener behind on the client', async () => {
      const c = client({ baseURL: server.url });
      const ctrl = new AbortController();
      for (let i = 0; i < 25; i++) await c.request({ method: 'GET', url: '/x', signal: ctrl.signal });
      const clientSignal = (c as unknown as { aborter: AbortController }).aborter.signal;
      assert.equal(getEventListeners(clientSignal, 'abort').length, 0);
      assert.equal(getEventListeners(ctrl.signal, 'abort').length, 0);
    });

    it('sends query parameters, JSON bodies and extra headers; auth: false sends no credentials', async () => {
      const c = client({
        baseURL: server.url,
        headers: { 'x-customer-transaction-id': 'ctx' },
        credentialHeaders: () => ({ 'API-Key': 'key-123456' }),
      });
      await c.request({ method: 'PUT', url: '/o', params: { page: 2 }, data: { a: 'é' }, headers: { 'x-one': '1' } });
      await c.request({ method: 'GET', url: '/public', auth: false });
      const [put, pub] = server.seen;
      assert.equal(put.url, '/o?page=2');
      assert.deepEqual(JSON.parse(put.body), { a: 'é' });
      assert.equal(put.headers['x-one'], '1');
      assert.equal(put.headers['x-customer-transaction-id'], 'ctx');
      assert.equal(put.headers['api-key'], 'key-123456');
      assert.equal(pub.headers['api-key'], undefined);
    });
  });
});
