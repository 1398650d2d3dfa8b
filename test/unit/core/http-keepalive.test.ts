import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpClient } from '../../../nodes/core/http';

describe('core/http HttpClient connections', () => {
  let server: http.Server;
  let baseURL: string;
  const sockets = new Set<Socket>();
  let connections = 0;

  beforeEach(async () => {
    connections = 0;
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok: true }));
      });
    });
    server.on('connection', (s: Socket) => {
      connections += 1;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('reuses one connection for requests sent one after another', async () => {
    const c = new HttpClient({ system: 'fedex', baseURL });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await c.request({ method: 'POST', url: '/ship', data: { i } });
        assert.deepEqual(res.data, { ok: true });
      }
      assert.equal(connections, 1);
    } finally {
      c.close();
    }
  });

  it('close() drops its idle connections', async () => {
    const c = new HttpClient({ system: 'fedex', baseURL });
    await c.request({ method: 'GET', url: '/' });
    assert.equal(sockets.size, 1, 'the connection is kept after the answer');
    c.close();
    const deadline = Date.now() + 1000;
    while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(sockets.size, 0, 'the idle connection was closed');
  });
});
