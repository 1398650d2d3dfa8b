/**
 * useTokenConfig: a node of a config with a token shows the token's failure from the start and
 * while it lasts, and stops following it once released.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Node, NodeAPI, NodeStatus } from 'node-red';
import type { TokenStatus } from '../../../nodes/core/token-cache';
import { loadCatalogues, translator } from '../../support/catalogues';
import type { ConfigUsers } from '../../../nodes/shared/config-users';
import type { ConfigKind } from '../../../nodes/shared/use-config';
import { useTokenConfig } from '../../../nodes/shared/use-token-config';

class FakeClient extends EventEmitter {
  current: TokenStatus = { state: 'idle' };
  tokenStatus(): TokenStatus {
    return this.current;
  }
  change(s: TokenStatus): void {
    this.current = s;
    this.emit('status', s);
  }
}

interface FakeConfig extends ConfigUsers {
  client: FakeClient;
}

const KIND: ConfigKind<FakeConfig> = {
  type: 'fake-config',
  offers: (n) => n.client !== undefined,
  problem: () => undefined,
  missingStatus: () => 'no config',
  missingMessage: (_RED, t) => `${t}: no config`,
};

function harness(initial: TokenStatus) {
  const client = new FakeClient();
  client.current = initial;
  const tracked: Array<Promise<unknown>> = [];
  const config = {
    id: 'c1',
    type: 'fake-config',
    client,
    track: <T>(p: Promise<T>) => {
      tracked.push(p);
      return p;
    },
  };
  const statuses: NodeStatus[] = [];
  const node = {
    id: 'n1',
    type: 'user-node',
    status: (s: NodeStatus) => void statuses.push(s),
    on: () => undefined,
    error: () => undefined,
  } as unknown as Node;
  const RED = {
    _: translator(),
    settings: {},
    nodes: { getNode: (id: string) => (id === 'c1' ? config : null) },
  } as unknown as NodeAPI;
  return { client, tracked, statuses, node, RED };
}

describe('shared/use-token-config', () => {
  before(loadCatalogues);

  it("shows a token failure already there when the node starts; the node's work is in flight for the config", async () => {
    const h = harness({ state: 'failed' });
    const ctx = useTokenConfig(h.RED, h.node, KIND, 'c1', (c) => c.client);
    assert.ok(ctx);
    await ctx.work.run(async () => undefined);
    assert.equal(h.tracked.length, 1);
    assert.equal(h.statuses.at(-1)?.text, 'auth failed');
  });

  it('follows the token until released: a failure shows, a recovery gives the node its own status back', async () => {
    const h = harness({ state: 'ok' });
    const ctx = useTokenConfig(h.RED, h.node, KIND, 'c1', (c) => c.client)!;
    ctx.board.set({ fill: 'green', shape: 'dot', text: 'ready' });
    h.client.change({ state: 'failed' });
    assert.equal(h.statuses.at(-1)?.text, 'auth failed');
    h.client.change({ state: 'ok' });
    assert.equal(h.statuses.at(-1)?.text, 'ready');
    await ctx.release();
    const shown = h.statuses.length;
    h.client.change({ state: 'failed' });
    assert.equal(h.statuses.length, shown);
    assert.equal(h.client.listenerCount('status'), 0);
  });

  it('without its config: undefined, and the node shows why', () => {
    const h = harness({ state: 'ok' });
    assert.equal(
      useTokenConfig(h.RED, h.node, KIND, 'missing', (c) => c.client),
      undefined,
    );
    assert.equal(h.statuses.at(-1)?.text, 'no config');
  });
});
