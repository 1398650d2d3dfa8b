import { strict as assert } from 'assert';
import { existsSync } from 'fs';
import { join } from 'path';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import auditSinkNode = require('../../../nodes/audit/audit-sink');
import { PROCESS_INSTANCE_ID, isAuditConfigNode, type AuditConfigNode } from '../../../nodes/audit/config-api';
import { DEFAULT_AUDIT_DB_FILE, openSqliteHandles } from '../../../nodes/audit/store-factory';
import { helper, positioned, startStopServer, useUserDir, type TestNode } from './harness';

const TAB = { id: 'tab', type: 'tab', label: 'audit' };

describe('audit-config node', () => {
  const user = useUserDir();
  startStopServer();

  const cfg = (id = 'cfg'): AuditConfigNode => {
    const n: unknown = helper.getNode(id);
    assert.ok(isAuditConfigNode(n), 'an audit-config node');
    return n;
  };

  it('opens the default SQLite file in the user directory and exposes the store API', async () => {
    await helper.load(auditConfigNode, [{ id: 'cfg', type: 'audit-config', name: 'a' }]);
    const c = cfg();
    assert.ok(existsSync(join(user.dir(), DEFAULT_AUDIT_DB_FILE)));
    assert.equal(c.instanceId, PROCESS_INSTANCE_ID);
    assert.equal(c.retentionDays, 90);
    assert.equal(c.maskPersonalData, false);
    // SQLite: a claim of another owner was left by an earlier process; any claim is stale after 15 min
    assert.deepEqual(c.ledgerResolveOptions, { staleClaimMs: 15 * 60_000, liveOwners: [PROCESS_INSTANCE_ID] });
    const claim = await c.getStore().claim('k', { owner: c.instanceId, system: 'x3', operation: 'x3.create' });
    assert.equal(claim.claimed, true);
    const e = await c.recordSafe({ system: 'x3', operation: 'poll', status: 'received' });
    assert.ok(e?.id);
  });

  it('recordSafe never throws: a bad entry is a warning', async () => {
    await helper.load(auditConfigNode, [{ id: 'cfg', type: 'audit-config', path: 'a.db' }]);
    const c = cfg();
    const result = await c.recordSafe({ system: 'nope' as never, operation: 'x', status: 'received' });
    assert.equal(result, undefined);
    const warned = (c as unknown as TestNode).warn.getCalls().map((call) => String(call.args[0]));
    assert.ok(
      warned.some((w) => /audit entry not recorded.*unknown audit system/.test(w)),
      warned.join('\n'),
    );
  });

  it('applies masking and retention settings', async () => {
    await helper.load(auditConfigNode, [
      { id: 'cfg', type: 'audit-config', path: 'm.db', maskPersonalData: true, retentionDays: '30' },
    ]);
    const c = cfg();
    assert.equal(c.maskPersonalData, true);
    assert.equal(c.retentionDays, 30);
    const e = await c.getStore().record({
      system: 'fedex',
      operation: 'ship.create',
      status: 'received',
      msg: { payload: { contact: { personName: 'Jane Doe' } } },
    });
    assert.deepEqual(e.msg, { payload: { contact: { personName: '[masked]' } } });
  });

  it('two configs on one file share one handle; close releases it (also across a redeploy)', async () => {
    const flow = [
      { id: 'c1', type: 'audit-config', path: 'shared.db' },
      { id: 'c2', type: 'audit-config', path: 'shared.db', maskPersonalData: true },
    ];
    await helper.load(auditConfigNode, flow);
    const path = join(user.dir(), 'shared.db');
    assert.deepEqual(
      openSqliteHandles().filter((h) => h.path === path),
      [{ path, refs: 2 }],
    );
    const e = await cfg('c1').getStore().record({ system: 'flow', operation: 'x', status: 'received' });
    assert.ok(await cfg('c2').getStore().getEntry(e.id));

    await helper.setFlows([{ id: 'c1', type: 'audit-config', path: 'shared.db', retentionDays: 7 }], 'full');
    assert.deepEqual(
      openSqliteHandles().filter((h) => h.path === path),
      [{ path, refs: 1 }],
    );
    assert.ok(await cfg('c1').getStore().getEntry(e.id), 'the redeployed config sees the same data');
    await helper.unload();
    assert.deepEqual(
      openSqliteHandles().filter((h) => h.path === path),
      [],
    );
  });

  it('a store that cannot be opened is reported; getStore says why, recordSafe warns', async () => {
    await helper.load(auditConfigNode, [{ id: 'cfg', type: 'audit-config', backend: 'postgres', connection: '' }]);
    const c = cfg();
    const errors = (c as unknown as TestNode).error.getCalls().map((call) => String(call.args[0]));
    assert.ok(
      errors.some((m) => m.includes('could not be opened') && m.includes('connection string')),
      errors.join('\n'),
    );
    assert.throws(() => c.getStore(), /audit store is not available/);
    assert.equal(await c.recordSafe({ system: 'flow', operation: 'x', status: 'received' }), undefined);
  });

  it('keeps the postgres password as a credential, never in the node properties', async () => {
    await helper.load(
      auditConfigNode,
      [{ id: 'cfg', type: 'audit-config', backend: 'postgres', connection: 'postgres://u@h/db' }],
      { cfg: { password: 'pg-SECRET-pw' } },
    );
    const c = cfg() as unknown as TestNode & { credentials: { password?: string } };
    assert.equal(c.credentials.password, 'pg-SECRET-pw');
    const logged = [...c.error.getCalls(), ...c.warn.getCalls()].map((call) => String(call.args[0])).join('\n');
    assert.ok(!logged.includes('pg-SECRET-pw'));
  });

  it('audit-sinks register as replay targets and leave on close', async () => {
    await helper.load(
      [auditConfigNode, auditSinkNode],
      positioned([
        TAB,
        { id: 'cfg', type: 'audit-config', path: 't.db' },
        { id: 's2', type: 'audit-sink', z: 'tab', audit: 'cfg', wires: [] },
        { id: 's1', type: 'audit-sink', z: 'tab', audit: 'cfg', wires: [] },
      ]),
    );
    assert.deepEqual(
      cfg()
        .replayTargets()
        .map((t) => t.id),
      ['s1', 's2'],
    );
    await helper.setFlows(
      positioned([
        TAB,
        { id: 'cfg', type: 'audit-config', path: 't.db' },
        { id: 's1', type: 'audit-sink', z: 'tab', audit: 'cfg', wires: [] },
      ]),
      'nodes',
    );
    assert.deepEqual(
      cfg()
        .replayTargets()
        .map((t) => t.id),
      ['s1'],
    );
  });
});
