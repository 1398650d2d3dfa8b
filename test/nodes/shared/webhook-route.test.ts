import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import supertest from 'supertest';
import type { Node, NodeAPI, NodeDef } from '../../../nodes/shared/red';
import { registerWebhookRoute, type WebhookRequest, type WebhookRoute } from '../../../nodes/shared/webhook-route';
import { helper, startHelper, stopHelper } from './harness';

const SECRET = 'whsec-test-0123456789';
const sign = (raw: Buffer | string): string => crypto.createHmac('sha256', SECRET).update(raw).digest('hex');

interface RawHookDef extends NodeDef {
  path: string;
  limit?: number;
}

/** What the handler saw, per node id. */
const received = new Map<string, WebhookRequest[]>();

/**
 * A test-only node: a webhook on `path` that verifies an HMAC over the raw bytes, the way
 * fedex-webhook checks `fdx-signature`, and answers what it saw.
 */
function rawHookModule(RED: NodeAPI): void {
  function RawHook(this: Node, def: RawHookDef): void {
    RED.nodes.createNode(this, def);
    const id = this.id;
    let route: WebhookRoute | undefined;
    try {
      route = registerWebhookRoute(
        RED,
        id,
        def.path,
        (req) => {
          received.set(id, [...(received.get(id) ?? []), req]);
          const sig = String(req.headers['x-signature'] ?? '');
          if (sig !== sign(req.raw)) return { status: 401, body: { error: 'bad signature' } };
          if (req.query.fail) throw new Error('handler crashed');
          return {
            status: 200,
            body: { length: req.raw.length, sha256: crypto.createHash('sha256').update(req.raw).digest('hex') },
          };
        },
        def.limit ? { limitBytes: def.limit } : {},
      );
    } catch (err) {
      this.error((err as Error).message);
    }
    this.on('close', (done: () => void) => {
      route?.remove();
      done();
    });
  }
  RED.nodes.registerType('raw-hook', RawHook as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
}

/** Bytes a JSON parser would not give back as they were: spacing, key order, escapes, a BOM-less UTF-8 mix. */
const RAW = Buffer.from('{ "b":1,  "a" : "caf\\u00e9 – ünïcode",\n"n": 1.50 }\n', 'utf8');
/** superagent would JSON-encode a Buffer sent as application/json: send the text itself. */
const RAW_TEXT = RAW.toString('utf8');

let RED: NodeAPI;
const capture = (r: NodeAPI): void => {
  RED = r;
  rawHookModule(r);
};

/** Runs `fn` with RED.httpNode mounted as Node-RED mounts it when both roots are "/". */
function rootWithJsonParser(mount: (root: express.Express) => void): express.Express {
  const root = express();
  // What the editor API puts in front of everything when httpAdminRoot is "/".
  root.use(express.json({ limit: '5mb' }));
  root.use(express.urlencoded({ extended: true }));
  mount(root);
  return root;
}

describe('shared/webhook-route', () => {
  beforeEach(async () => {
    received.clear();
    await startHelper();
  });
  afterEach(stopHelper);

  const flow = (extra: Partial<RawHookDef> = {}, id = 'h1') => [
    { id: 't1', type: 'tab' },
    { id, z: 't1', type: 'raw-hook', path: '/hooks/raw', ...extra },
  ];

  describe("on the helper's standalone RED.httpNode", () => {
    it('hands the exact raw bytes to the handler (the HMAC over them verifies)', async () => {
      await helper.load(capture, flow());
      const res = await supertest(RED.httpNode as unknown as express.Express)
        .post('/hooks/raw')
        .set('content-type', 'application/json')
        .set('x-signature', sign(RAW))
        .send(RAW_TEXT)
        .expect(200);
      assert.equal(res.body.length, RAW.length);
      const seen = received.get('h1')?.[0];
      assert.ok(seen);
      assert.ok(Buffer.isBuffer(seen.raw));
      assert.ok(seen.raw.equals(RAW));
      assert.equal(seen.path, '/hooks/raw');
      assert.equal(seen.headers['content-type'], 'application/json');
    });

    it('passes the query and answers what the handler decides', async () => {
      await helper.load(capture, flow());
      const app = RED.httpNode as unknown as express.Express;
      await supertest(app)
        .post('/hooks/raw?x=1')
        .set('x-signature', 'forged')
        .send(RAW_TEXT)
        .expect(401, { error: 'bad signature' });
      assert.deepEqual(received.get('h1')?.[0].query, { x: '1' });
      // A handler that throws gives a 500 without details.
      const crash = await supertest(app)
        .post('/hooks/raw?fail=1')
        .set('x-signature', sign(RAW))
        .send(RAW_TEXT)
        .expect(500);
      assert.deepEqual(crash.body, { error: 'internal error' });
    });

    it('accepts an empty body and non-JSON bytes', async () => {
      await helper.load(capture, flow());
      const app = RED.httpNode as unknown as express.Express;
      await supertest(app)
        .post('/hooks/raw')
        .set('x-signature', sign(''))
        .expect(200, { length: 0, sha256: crypto.createHash('sha256').update('').digest('hex') });
      const binary = crypto.randomBytes(2048);
      await supertest(app)
        .post('/hooks/raw')
        .set('content-type', 'application/octet-stream')
        .set('x-signature', sign(binary))
        .send(binary)
        .expect(200);
      assert.ok(received.get('h1')?.[1].raw.equals(binary));
    });

    it('answers 413 when the payload is larger than the limit', async () => {
      await helper.load(capture, flow({ limit: 1024 }));
      const app = RED.httpNode as unknown as express.Express;
      const big = Buffer.alloc(4096, 'a');
      await supertest(app)
        .post('/hooks/raw')
        .set('content-type', 'application/json')
        .set('x-signature', sign(big))
        .send(big.toString())
        .expect(413);
      assert.equal(received.get('h1'), undefined, 'the handler never saw it');
      const small = Buffer.alloc(1024, 'b');
      await supertest(app).post('/hooks/raw').set('x-signature', sign(small)).send(small.toString()).expect(200);
    });

    it('refuses a second node on the same path', async () => {
      await helper.load(capture, [
        { id: 't1', type: 'tab' },
        { id: 'h1', z: 't1', type: 'raw-hook', path: '/hooks/raw' },
        { id: 'h2', z: 't1', type: 'raw-hook', path: 'hooks/raw/' },
      ]);
      const second = helper.getNode('h2');
      assert.ok(second.error.calledWithMatch(/path \/hooks\/raw\/? is already used by node h1/));
      await supertest(RED.httpNode as unknown as express.Express)
        .post('/hooks/raw')
        .set('x-signature', sign(RAW))
        .send(RAW_TEXT)
        .expect(200);
      assert.equal(received.get('h2'), undefined);
      assert.equal(received.get('h1')?.length, 1);
    });

    it('removes the route on close: 404 after unload, and the path can be claimed again', async () => {
      await helper.load(capture, flow());
      const app = RED.httpNode as unknown as express.Express;
      await supertest(app).post('/hooks/raw').set('x-signature', sign(RAW)).send(RAW_TEXT).expect(200);
      await helper.unload();
      await supertest(app).post('/hooks/raw').set('x-signature', sign(RAW)).send(RAW_TEXT).expect(404);
      await helper.load(capture, flow({}, 'h3'));
      await supertest(RED.httpNode as unknown as express.Express)
        .post('/hooks/raw')
        .set('x-signature', sign(RAW))
        .send(RAW_TEXT)
        .expect(200);
      assert.equal(received.get('h3')?.length, 1);
    });

    it('a route ending in a parameter segment and a literal route on one of its sub-paths: one owner only', async () => {
      await helper.load(capture, [
        { id: 't1', type: 'tab' },
        { id: 'h1', z: 't1', type: 'raw-hook', path: '/hooks/raw/:secret' },
        { id: 'h2', z: 't1', type: 'raw-hook', path: '/hooks/raw/status' },
        { id: 'h3', z: 't1', type: 'raw-hook', path: '/hooks/other' },
        { id: 'h4', z: 't1', type: 'raw-hook', path: '/hooks/other/:token' },
      ]);
      assert.ok(helper.getNode('h2').error.calledWithMatch(/is already used by node h1/));
      const app = RED.httpNode as unknown as express.Express;
      for (const p of ['/hooks/raw/status', '/hooks/other', '/hooks/other/x']) {
        await supertest(app).post(p).set('x-signature', sign(RAW)).send(RAW_TEXT).expect(200);
      }
      assert.equal(received.get('h2'), undefined);
      assert.equal(received.get('h1')?.[0].rawPath, '/hooks/raw/status');
      // a parameter route under another node's literal path does not overlap it
      assert.equal(received.get('h3')?.[0].rawPath, '/hooks/other');
      assert.equal(received.get('h4')?.[0].rawPath, '/hooks/other/x');
    });

    it('a redeploy replaces the route: only the new node answers', async () => {
      await helper.load(capture, flow());
      const app = RED.httpNode as unknown as express.Express;
      await helper.setFlows(flow({}, 'h4'), 'full');
      await supertest(app).post('/hooks/raw').set('x-signature', sign(RAW)).send(RAW_TEXT).expect(200);
      assert.equal(received.get('h1'), undefined);
      assert.equal(received.get('h4')?.length, 1);
    });
  });

  describe('with httpAdminRoot and httpNodeRoot both "/" (a JSON body parser runs first)', () => {
    it('the parser would consume the body: the test setup really reproduces the problem', async () => {
      const root = rootWithJsonParser((r) => {
        const plain = express();
        plain.post('/plain', (req, res) => {
          let n = 0;
          req.on('data', (c: Buffer) => (n += c.length));
          req.on('end', () => res.json({ n }));
          setTimeout(() => res.headersSent || res.status(504).json({ hung: true }), 200);
        });
        r.use('/', plain);
      });
      const res = await supertest(root).post('/plain').set('content-type', 'application/json').send(RAW_TEXT);
      assert.notDeepEqual(res.body, { n: RAW.length }, 'a plain httpNode route no longer sees the bytes');
    });

    it('raw bytes still reach the handler unchanged', async () => {
      let root: express.Express | undefined;
      await helper.load((r: NodeAPI) => {
        // Node-RED mounts the node app on the root app before any node starts.
        root = rootWithJsonParser((app) => app.use('/', r.httpNode as unknown as express.Express));
        capture(r);
      }, flow());
      assert.ok(root);
      const res = await supertest(root)
        .post('/hooks/raw')
        .set('content-type', 'application/json')
        .set('x-signature', sign(RAW))
        .send(RAW_TEXT)
        .expect(200);
      assert.equal(res.body.length, RAW.length);
      assert.ok(received.get('h1')?.[0].raw.equals(RAW));
      // Form bodies too, and a trailing slash / other case in the URL.
      const form = Buffer.from('a=1&b=%20x&a=2');
      await supertest(root)
        .post('/hooks/raw/')
        .set('content-type', 'application/x-www-form-urlencoded')
        .set('x-signature', sign(form))
        .send(form.toString())
        .expect(200);
      await supertest(root)
        .post('/Hooks/Raw')
        .set('content-type', 'application/json')
        .set('x-signature', sign(RAW))
        .send(RAW_TEXT)
        .expect(200);
      // Other routes keep their parsed bodies.
      assert.ok(received.get('h1')?.[1].raw.equals(form));
    });

    it('a route ending in a parameter segment gets the raw bytes and the path exactly as sent', async () => {
      let root: express.Express | undefined;
      await helper.load(
        (r: NodeAPI) => {
          root = rootWithJsonParser((app) => app.use('/api', r.httpNode as unknown as express.Express));
          capture(r);
        },
        flow({ path: '/hooks/raw/:secret' }),
      );
      assert.ok(root);
      for (const sent of ['/api/hooks/raw/AbC', '/api/Hooks/Raw/AbC%41', '/api/hooks/raw/abc/']) {
        await supertest(root)
          .post(sent)
          .set('content-type', 'application/json')
          .set('x-signature', sign(RAW))
          .send(RAW_TEXT)
          .expect(200);
      }
      const seen = received.get('h1') ?? [];
      assert.deepEqual(
        seen.map((r) => r.rawPath),
        ['/api/hooks/raw/AbC', '/api/Hooks/Raw/AbC%41', '/api/hooks/raw/abc/'],
      );
      assert.ok(seen.every((r) => r.raw.equals(RAW) && r.path === '/hooks/raw/:secret'));
      await supertest(root).post('/api/hooks/raw/a/b').send(RAW_TEXT).expect(404);
    });

    it('other routes on the root app keep their parsed JSON bodies', async () => {
      let root: express.Express | undefined;
      await helper.load((r: NodeAPI) => {
        root = rootWithJsonParser((app) => {
          app.use('/', r.httpNode as unknown as express.Express);
          app.post('/other', (req, res) => res.json({ got: req.body }));
        });
        capture(r);
      }, flow());
      assert.ok(root);
      await supertest(root)
        .post('/other')
        .send({ a: 1 })
        .expect(200, { got: { a: 1 } });
    });

    it('413 for a payload over the limit, and the route is gone after close', async () => {
      let root: express.Express | undefined;
      await helper.load(
        (r: NodeAPI) => {
          root = rootWithJsonParser((app) => app.use('/', r.httpNode as unknown as express.Express));
          capture(r);
        },
        flow({ limit: 512 }),
      );
      assert.ok(root);
      await supertest(root)
        .post('/hooks/raw')
        .set('content-type', 'application/json')
        .send(Buffer.alloc(2048, 'x').toString())
        .expect(413);
      await helper.unload();
      await supertest(root).post('/hooks/raw').set('content-type', 'application/json').send(RAW_TEXT).expect(404);
    });

    it('with httpNodeRoot "/api" the route is mounted under it', async () => {
      let root: express.Express | undefined;
      await helper.load((r: NodeAPI) => {
        root = rootWithJsonParser((app) => app.use('/api', r.httpNode as unknown as express.Express));
        capture(r);
      }, flow());
      assert.ok(root);
      await supertest(root)
        .post('/api/hooks/raw')
        .set('content-type', 'application/json')
        .set('x-signature', sign(RAW))
        .send(RAW_TEXT)
        .expect(200);
      assert.ok(received.get('h1')?.[0].raw.equals(RAW));
    });
  });

  it('refuses to register when httpNodeRoot is false', async () => {
    helper.settings({ httpNodeRoot: false });
    try {
      await helper.load(capture, flow());
      const n = helper.getNode('h1');
      assert.ok(n.error.calledWithMatch(/httpNodeRoot is false/));
    } finally {
      helper.settings({});
    }
  });
});

// -------------------------------------------------------------------------------------------
// The real Node-RED runtime (child process) with its defaults: admin and node roots both "/".

const NODE_JS = `
const crypto = require('node:crypto');
module.exports = function (RED) {
  const { registerWebhookRoute } = require(${JSON.stringify(path.resolve(__dirname, '../../../nodes/shared/webhook-route.ts'))});
  function RawHook(def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const route = registerWebhookRoute(RED, node.id, def.path, (req) => {
      const ok = req.headers['x-signature'] === crypto.createHmac('sha256', ${JSON.stringify(SECRET)}).update(req.raw).digest('hex');
      return { status: ok ? 200 : 401, body: { ok, length: req.raw.length } };
    }, { limitBytes: 4096 });
    node.on('close', (done) => { route.remove(); done(); });
  }
  RED.nodes.registerType('raw-hook', RawHook);
};
`;
const NODE_HTML = `<script type="text/javascript">
RED.nodes.registerType('raw-hook', { category: 'network', defaults: { path: { value: '' } }, inputs: 0, outputs: 0, label: 'raw hook' });
</script>`;

async function freePort(): Promise<number> {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('shared/webhook-route in a real Node-RED runtime (httpAdminRoot and httpNodeRoot "/")', function () {
  this.timeout(60_000);
  let child: ChildProcess | undefined;
  let userDir: string;
  let base: string;
  let log = '';

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'x3ship-nr-'));
    fs.mkdirSync(path.join(userDir, 'nodes'));
    fs.writeFileSync(path.join(userDir, 'nodes', 'raw-hook.js'), NODE_JS);
    fs.writeFileSync(path.join(userDir, 'nodes', 'raw-hook.html'), NODE_HTML);
    fs.writeFileSync(
      path.join(userDir, 'flows.json'),
      JSON.stringify([
        { id: 't1', type: 'tab', label: 'test' },
        { id: 'h1', z: 't1', type: 'raw-hook', path: '/hooks/raw' },
      ]),
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    fs.writeFileSync(
      path.join(userDir, 'settings.js'),
      `module.exports = ${JSON.stringify({
        uiHost: '127.0.0.1',
        uiPort: port,
        flowFile: 'flows.json',
        credentialSecret: false,
        httpAdminRoot: '/',
        httpNodeRoot: '/',
        logging: { console: { level: 'warn' } },
        editorTheme: { projects: { enabled: false }, tours: false },
        telemetry: { enabled: false },
      })};`,
    );
    const redJs = path.join(path.dirname(require.resolve('node-red/package.json')), 'red.js');
    child = spawn(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), redJs, '-u', userDir, '-s', path.join(userDir, 'settings.js')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' },
      },
    );
    child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    // Ready when the flow has started: the route answers something other than 404.
    const deadline = Date.now() + 45_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Node-RED exited:\n${log}`);
      const status = await fetch(`${base}/hooks/raw`, { method: 'POST', body: 'x' })
        .then((r) => r.status)
        .catch(() => 0);
      if (status !== 0 && status !== 404) break;
      if (Date.now() > deadline) throw new Error(`Node-RED did not start the flow:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('the editor API has its JSON parser on the shared root', async () => {
    // Sanity: the admin API reads JSON bodies at "/" (so it would eat our body).
    const res = await fetch(`${base}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
    assert.equal(res.status, 200);
  });

  it('raw JSON bytes reach the handler unchanged (HMAC verifies)', async () => {
    const res = await fetch(`${base}/hooks/raw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': sign(RAW) },
      body: RAW,
    });
    assert.equal(res.status, 200, log);
    assert.deepEqual(await res.json(), { ok: true, length: RAW.length });
  });

  it('payload too large gives 413', async () => {
    const big = Buffer.alloc(16 * 1024, 'z');
    const res = await fetch(`${base}/hooks/raw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': sign(big) },
      body: big,
    });
    assert.equal(res.status, 413);
  });

  it('a full deploy without the node removes the route (404)', async () => {
    const res = await fetch(`${base}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify([{ id: 't1', type: 'tab', label: 'test' }]),
    });
    assert.equal(res.status, 204, await res.text());
    const after = await fetch(`${base}/hooks/raw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': sign(RAW) },
      body: RAW,
    });
    assert.equal(after.status, 404);
  });
});
