import assert from 'node:assert/strict';
import sinon from 'sinon';
import { ApiError } from '../../../nodes/core/errors';
import {
  ADMIN_PREFIX,
  bindSecretScope,
  registerAdminRoute,
  resolveCredentials,
  resolveTestCredentials,
} from '../../../nodes/shared/admin';
import type { Node, NodeAPI, NodeDef } from '../../../nodes/shared/red';
import { helper, startHelper, stopHelper } from './harness';

interface Creds extends Record<string, string | undefined> {
  user?: string;
  password?: string;
  apiKey?: string;
}

let RED: NodeAPI;
let handlerCalls: unknown[] = [];

/** A test-only config node with credentials and a "Test connection" endpoint. */
function testConfigModule(r: NodeAPI): void {
  RED = r;
  function TestConfig(this: Node, def: NodeDef & { url?: string }): void {
    r.nodes.createNode(this, def);
    if (def.url) bindSecretScope(this, [def.url]);
  }
  r.nodes.registerType(
    'test-config',
    TestConfig as unknown as Parameters<NodeAPI['nodes']['registerType']>[1],
    {
      credentials: { user: { type: 'text' }, password: { type: 'password' }, apiKey: { type: 'password' } },
    } as unknown as Parameters<NodeAPI['nodes']['registerType']>[2],
  );
  registerAdminRoute(r, 'post', '/test-config/test', 'test-config.write', async (req) => {
    const body = req.body as { id?: string; credentials?: Partial<Creds>; mode?: string };
    handlerCalls.push(body);
    if (body.mode === 'reject') {
      throw new ApiError({
        system: 'x3',
        code: 'UNAUTHORIZED',
        status: 401,
        message: 'login refused',
        retryable: false,
      });
    }
    const creds = resolveCredentials<Creds>(r, body.id, body.credentials);
    // Never return a secret: only which fields are set.
    return {
      body: {
        ok: true,
        user: creds.user,
        hasPassword: Boolean(creds.password),
        passwordLength: creds.password?.length,
      },
    };
  });
  registerAdminRoute(r, 'get', '/test-config/items/:id', 'test-config.read', (req) => {
    if (req.params.id === 'boom') throw new Error('synchronous failure');
    return Promise.resolve({
      status: req.params.id === 'none' ? 404 : 200,
      body: { id: req.params.id, q: req.query.q },
    });
  });
}

const flow = [{ id: 'c1', type: 'test-config', name: 'cfg' }];
const stored = { c1: { user: 'admin', password: 'stored-Secret-1', apiKey: 'stored-key-2' } };

describe('shared/admin', () => {
  beforeEach(async () => {
    handlerCalls = [];
    await startHelper();
  });
  afterEach(async () => {
    sinon.restore();
    await stopHelper();
  });

  describe('registerAdminRoute', () => {
    it('mounts under the package prefix on RED.httpAdmin and answers what the handler returns', async () => {
      await helper.load(testConfigModule, flow, stored);
      const res = await helper
        .request()
        .post(`${ADMIN_PREFIX}/test-config/test`)
        .send({ id: 'c1', credentials: { user: 'admin', password: '__PWRD__' } })
        .expect(200);
      assert.deepEqual(res.body, { ok: true, user: 'admin', hasPassword: true, passwordLength: 15 });
      assert.ok(!JSON.stringify(res.body).includes('stored-Secret-1'));
      await helper.request().get(`${ADMIN_PREFIX}/test-config/items/7?q=x`).expect(200, { id: '7', q: 'x' });
      await helper.request().get(`${ADMIN_PREFIX}/test-config/items/none`).expect(404);
    });

    it('puts RED.auth.needsPermission with the given permission in front of the handler', async () => {
      const permissions: string[] = [];
      await helper.load(
        (r: NodeAPI) => {
          sinon.stub(r.auth, 'needsPermission').callsFake((p: string) => {
            permissions.push(p);
            return (_req: unknown, res: { status(c: number): { json(b: unknown): void } }) =>
              res.status(401).json({ error: 'unauthorized' });
          });
          testConfigModule(r);
        },
        flow,
        stored,
      );
      assert.deepEqual(permissions.sort(), ['test-config.read', 'test-config.write']);
      await helper.request().post(`${ADMIN_PREFIX}/test-config/test`).send({ id: 'c1' }).expect(401);
      assert.equal(handlerCalls.length, 0, 'the handler never ran');
    });

    it('a failing handler answers ok:false with the catchable error info, never a stack', async () => {
      await helper.load(testConfigModule, flow, stored);
      const res = await helper.request().post(`${ADMIN_PREFIX}/test-config/test`).send({ mode: 'reject' }).expect(200);
      assert.deepEqual(res.body, {
        ok: false,
        error: { system: 'x3', code: 'UNAUTHORIZED', status: 401, message: 'login refused', retryable: false },
      });
      const sync = await helper.request().get(`${ADMIN_PREFIX}/test-config/items/boom`).expect(200);
      assert.deepEqual(sync.body, {
        ok: false,
        error: { system: 'plugin', code: 'INTERNAL', message: 'synchronous failure', retryable: false },
      });
      assert.ok(!JSON.stringify(sync.body).includes('at '), 'no stack trace');
    });

    it('registers a path once per admin app even when called again', async () => {
      await helper.load(
        (r: NodeAPI) => {
          testConfigModule(r);
          registerAdminRoute(r, 'post', '/test-config/test', 'test-config.write', async () => ({ body: 'second' }));
        },
        flow,
        stored,
      );
      const res = await helper.request().post(`${ADMIN_PREFIX}/test-config/test`).send({ id: 'c1' }).expect(200);
      assert.equal(res.body.ok, true, 'the first registration answers');
    });
  });

  describe('resolveCredentials', () => {
    it('keeps the stored secret for "__PWRD__" and for fields left empty or not sent', async () => {
      await helper.load(testConfigModule, flow, stored);
      assert.deepEqual(resolveCredentials<Creds>(RED, 'c1', { user: 'admin', password: '__PWRD__' }), {
        user: 'admin',
        password: 'stored-Secret-1',
        apiKey: 'stored-key-2',
      });
      assert.deepEqual(resolveCredentials<Creds>(RED, 'c1', { password: '', apiKey: '__PWRD__' }), stored.c1);
      assert.deepEqual(resolveCredentials<Creds>(RED, 'c1', undefined), stored.c1);
    });

    it('uses what the user typed over what is stored', async () => {
      await helper.load(testConfigModule, flow, stored);
      assert.deepEqual(resolveCredentials<Creds>(RED, 'c1', { user: 'other', password: 'new-secret' }), {
        user: 'other',
        password: 'new-secret',
        apiKey: 'stored-key-2',
      });
      // The stored credentials themselves are not changed.
      assert.deepEqual(RED.nodes.getCredentials('c1'), stored.c1);
    });

    it('a node that is not deployed yet (or no id) has only what was submitted', async () => {
      await helper.load(testConfigModule, flow, stored);
      assert.deepEqual(resolveCredentials<Creds>(RED, 'not-deployed', { user: 'u', password: '__PWRD__' }), {
        user: 'u',
      });
      assert.deepEqual(resolveCredentials<Creds>(RED, undefined, { user: 'u', password: 'p-123' }), {
        user: 'u',
        password: 'p-123',
      });
    });

    it('ignores values that are not strings', async () => {
      await helper.load(testConfigModule, flow, stored);
      const submitted = { user: 42, password: null } as unknown as Partial<Creds>;
      assert.deepEqual(resolveCredentials<Creds>(RED, 'c1', submitted), stored.c1);
    });

    it('through the endpoint: the dialog posts "__PWRD__" and the stored password is used', async () => {
      await helper.load(testConfigModule, flow, stored);
      const res = await helper
        .request()
        .post(`${ADMIN_PREFIX}/test-config/test`)
        .send({ id: 'c1', credentials: { user: 'admin', password: '__PWRD__' } })
        .expect(200);
      assert.equal(res.body.passwordLength, 'stored-Secret-1'.length);
      const typed = await helper
        .request()
        .post(`${ADMIN_PREFIX}/test-config/test`)
        .send({ id: 'c1', credentials: { password: 'abc' } })
        .expect(200);
      assert.equal(typed.body.passwordLength, 3);
    });
  });

  describe('resolveTestCredentials', () => {
    const scoped = [{ id: 'c1', type: 'test-config', name: 'cfg', url: 'https://api.example.com/v1' }];
    const request = (over: Partial<Parameters<typeof resolveTestCredentials<Creds>>[1]>) =>
      resolveTestCredentials<Creds>(RED, {
        type: 'test-config',
        id: 'c1',
        submitted: { user: 'admin', password: '__PWRD__' },
        scope: ['https://api.example.com/v1'],
        keys: ['user', 'password', 'apiKey'],
        ...over,
      });

    it("reuses the stored secrets for the deployed node's URL, however it is spelt", async () => {
      await helper.load(testConfigModule, scoped, stored);
      for (const url of [
        'https://api.example.com/v1',
        'HTTPS://API.example.com:443/v1/',
        ' https://api.example.com/v1 ',
      ]) {
        assert.deepEqual(request({ scope: [url] }), { ok: true, credentials: stored.c1, fromDeployedNode: true });
      }
    });

    it('another URL, another type, or a node without a known URL: a secret that would come from storage is a 400', async () => {
      await helper.load(testConfigModule, [...scoped, { id: 'c2', type: 'test-config' }], {
        ...stored,
        c2: stored.c1,
      });
      const refusals = [
        request({ scope: ['https://elsewhere.example.com/v1'] }),
        request({ scope: ['https://api.example.com/v2'] }),
        request({ type: 'other-config' }),
        request({ id: 'c2' }),
        // fields left out mean "the stored ones" too
        request({ scope: ['https://elsewhere.example.com'], submitted: { user: 'admin' } }),
      ];
      for (const r of refusals) {
        assert.equal(r.ok, false);
        assert.ok(!r.ok && r.status === 400 && /type password, apiKey again/.test(r.message), JSON.stringify(r));
      }
      for (const r of refusals) assert.ok(!JSON.stringify(r).includes('stored-'));
    });

    it('another URL with the secrets typed again (or cleared) runs with what was typed only', async () => {
      await helper.load(testConfigModule, scoped, stored);
      assert.deepEqual(
        request({
          scope: ['https://elsewhere.example.com'],
          submitted: { user: 'u', password: 'typed-1', apiKey: '' },
        }),
        { ok: true, credentials: { user: 'u', password: 'typed-1' }, fromDeployedNode: false },
      );
    });
  });
});
