import assert from 'node:assert/strict';
import type { Node, NodeAPI } from 'node-red';
import type { AuditConfigNode } from '../../../nodes/audit/config-api';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditEntryInput, AuditStore } from '../../../nodes/audit/types';
import { loadCatalogues, translator } from '../../support/catalogues';
import { ConfigWork } from '../../../nodes/shared/config-users';
import { useAudit } from '../../../nodes/shared/use-audit';

const ENTRY: AuditEntryInput = { system: 'x3', operation: 'x3.poll', status: 'received' };

function harness(configs: Record<string, unknown> = {}) {
  const warnings: string[] = [];
  const node = { id: 'n1', type: 'test-node', warn: (t: unknown) => warnings.push(String(t)) } as unknown as Node;
  const RED = {
    _: translator(),
    settings: {},
    nodes: { getNode: (id: string) => configs[id] ?? null },
  } as unknown as NodeAPI;
  return { RED, node, warnings, work: new ConfigWork(RED) };
}

function auditConfig(store: AuditStore | Error) {
  const tracked: Array<Promise<unknown>> = [];
  const recorded: AuditEntryInput[] = [];
  const cfg = {
    id: 'a1',
    type: 'audit-config',
    instanceId: 'owner-1',
    getStore: () => {
      if (store instanceof Error) throw store;
      return store;
    },
    recordSafe: async (e: AuditEntryInput) => {
      recorded.push(e);
      return undefined;
    },
    track: <T>(p: Promise<T>) => {
      tracked.push(p);
      return p;
    },
  };
  return { cfg: cfg as unknown as AuditConfigNode, tracked, recorded };
}

describe('shared/use-audit', () => {
  before(loadCatalogues);

  it("binds the selected audit-config: the node's work in flight for it, its store, owner and recordSafe", async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const { cfg, tracked, recorded } = auditConfig(store);
    const h = harness({ a1: cfg });
    const audit = useAudit(h.RED, h.node, h.work, 'a1', { warning: 'fallback!' });
    await h.work.run(async () => undefined);
    assert.equal(tracked.length, 1);
    assert.equal(audit.persistent, true);
    assert.equal(audit.owner, 'owner-1');
    assert.equal(audit.store(), store);
    await audit.record(ENTRY);
    assert.deepEqual(recorded, [ENTRY]);
    assert.deepEqual(h.warnings, []);
    await store.close();
  });

  it('a selected audit-config whose store failed is not replaced: store() throws, available() warns', () => {
    const { cfg } = auditConfig(new Error('disk full'));
    const h = harness({ a1: cfg });
    const audit = useAudit(h.RED, h.node, h.work, 'a1', { warning: 'fallback!' });
    assert.throws(() => audit.store(), /disk full/);
    assert.equal(audit.available(), undefined);
    assert.deepEqual(h.warnings, ['audit store unavailable: disk full']);
  });

  it('without an audit-config and no fallback: no store, entries are not recorded', async () => {
    const h = harness();
    const audit = useAudit(h.RED, h.node, h.work, undefined);
    assert.equal(audit.persistent, false);
    assert.equal(audit.store(), undefined);
    assert.equal(await audit.record(ENTRY), undefined);
    assert.deepEqual(h.warnings, []);
  });

  it('the fallback opens on first need with its warning once, records the trail, and closes with the binding', async () => {
    const h = harness();
    const audit = useAudit(h.RED, h.node, h.work, '', { warning: 'kept in memory' });
    assert.deepEqual(h.warnings, []);
    const store = audit.store();
    assert.ok(store);
    assert.equal(audit.store(), store);
    assert.deepEqual(h.warnings, ['kept in memory']);
    const entry = await audit.record(ENTRY);
    assert.ok(entry?.id);
    await audit.close();
    await assert.rejects(() => store.record(ENTRY));
  });

  it('a fallback with trail: false holds the ledger only; a store owned elsewhere is not closed', async () => {
    const shared = openSqliteStore({ path: ':memory:' });
    const h = harness();
    const audit = useAudit(h.RED, h.node, h.work, undefined, { warning: 'w', store: () => shared, trail: false });
    assert.equal(audit.store(), shared);
    assert.equal(await audit.record(ENTRY), undefined);
    await audit.close();
    assert.ok((await shared.record(ENTRY)).id);
    await shared.close();
  });
});
