/** audit/admin-routes.ts: what the audit-config's admin route sets share (the app once per set, 404 for an unknown config). */
import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { auditRoutesApp, configOr404 } from '../../../nodes/audit/admin-routes';

function fakeRed(httpAdmin: object | undefined, nodes: Record<string, object> = {}): NodeAPI {
  return {
    httpAdmin,
    auth: { needsPermission: (p: string) => `check ${p}` },
    nodes: { getNode: (id: string) => nodes[id] ?? null },
  } as unknown as NodeAPI;
}

describe('audit/admin-routes shared parts', () => {
  it('hands out an admin app once per route set, with the read and write checks', () => {
    const app = {};
    const RED = fakeRed(app);
    const audit = new WeakSet<object>();
    const labels = new WeakSet<object>();
    const first = auditRoutesApp(RED, audit);
    assert.ok(first);
    assert.equal(first.app, app);
    assert.equal(first.read as unknown, 'check audit-config.read');
    assert.equal(first.write as unknown, 'check audit-config.write');
    assert.equal(auditRoutesApp(RED, audit), undefined, 'the same set again: already registered');
    assert.ok(auditRoutesApp(RED, labels), 'another set registers on the same app');
    assert.ok(auditRoutesApp(fakeRed({}), audit), 'a new admin app (a restarted runtime) gets the set again');
    assert.equal(auditRoutesApp(fakeRed(undefined), new WeakSet()), undefined, 'no admin app: nothing');
  });

  it('answers 404 for a config id that is not a deployed audit-config', () => {
    const replies: Array<{ status: number; body: unknown }> = [];
    const res = {
      status(code: number) {
        return { json: (body: unknown) => replies.push({ status: code, body }) };
      },
    } as unknown as Response;
    const RED = fakeRed({}, { other: { type: 'fedex-config' } });
    assert.equal(configOr404(RED, { params: { configId: 'nope' } } as unknown as Request, res), undefined);
    assert.equal(configOr404(RED, { params: { configId: 'other' } } as unknown as Request, res), undefined);
    assert.deepEqual(replies, [
      { status: 404, body: { error: 'no deployed audit-config with id nope' } },
      { status: 404, body: { error: 'no deployed audit-config with id other' } },
    ]);
  });
});
