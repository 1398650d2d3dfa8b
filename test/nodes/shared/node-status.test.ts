import assert from 'node:assert/strict';
import sinon from 'sinon';
import { TokenCache, type TokenStatus } from '../../../nodes/core/token-cache';
import { StatusBoard, authStatus, followTokenStatus } from '../../../nodes/shared/node-status';
import type { Node, NodeAPI, NodeDef } from '../../../nodes/shared/red';
import { loadCatalogues, translator } from '../../support/catalogues';
import { helper, startHelper, stopHelper, type TestNode } from './harness';

/** Node-RED's RED._ with the package's catalogues, as a node of any node set has it. */
const RED_TEXTS = { _: translator() };

/** A test-only node that shows its own status and its credential state through a StatusBoard. */
let boards: Map<string, StatusBoard>;
function boardModule(RED: NodeAPI): void {
  function BoardNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    boards.set(this.id, new StatusBoard(RED, this));
  }
  RED.nodes.registerType('board-node', BoardNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
}

/** The helper spies on Node.prototype, so one spy records every node: keep this node's calls. */
function statusCalls(node: TestNode): unknown[] {
  return node.status
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => c.args[0]);
}

function lastStatus(node: TestNode): unknown {
  return statusCalls(node).at(-1);
}

describe('shared/node-status', () => {
  before(loadCatalogues);

  describe('authStatus', () => {
    it('shows failures with their retry time and lockouts with their end, nothing otherwise', () => {
      assert.deepEqual(
        authStatus(RED_TEXTS, { state: 'failed', retryAt: Date.parse('2026-03-01T10:15:30Z'), error: 'x' }),
        {
          fill: 'red',
          shape: 'ring',
          text: 'auth failed, retry 10:15:30Z',
        },
      );
      assert.deepEqual(authStatus(RED_TEXTS, { state: 'failed' }), { fill: 'red', shape: 'ring', text: 'auth failed' });
      assert.deepEqual(authStatus(RED_TEXTS, { state: 'locked', lockedUntil: Date.parse('2026-03-01T10:25:00Z') }), {
        fill: 'red',
        shape: 'dot',
        text: 'auth locked until 10:25:00Z',
      });
      assert.deepEqual(authStatus(RED_TEXTS, { state: 'locked' }), {
        fill: 'red',
        shape: 'dot',
        text: 'auth locked until ?',
      });
      for (const state of ['idle', 'refreshing', 'ok'] as const)
        assert.equal(authStatus(RED_TEXTS, { state }), undefined);
    });
  });

  describe('StatusBoard with a node', () => {
    beforeEach(async () => {
      boards = new Map();
      await startHelper();
    });
    afterEach(stopHelper);

    it("shows the node's own status, an auth problem while it lasts, then its own status again", async () => {
      await helper.load(boardModule, [{ id: 'n1', type: 'board-node' }]);
      const node = helper.getNode('n1');
      const board = boards.get('n1');
      assert.ok(board);
      board.set({ fill: 'green', shape: 'dot', text: '12 records' });
      assert.deepEqual(lastStatus(node), { fill: 'green', shape: 'dot', text: '12 records' });
      board.setAuth({ state: 'failed', retryAt: Date.parse('2026-03-01T10:00:05Z') });
      assert.deepEqual(lastStatus(node), { fill: 'red', shape: 'ring', text: 'auth failed, retry 10:00:05Z' });
      // The node's own updates are kept but not shown while the auth problem lasts.
      board.set({ fill: 'green', shape: 'dot', text: '13 records' });
      assert.equal((lastStatus(node) as { text: string }).text, 'auth failed, retry 10:00:05Z');
      board.setAuth({ state: 'ok', expiresAt: Date.now() + 1000 });
      assert.deepEqual(lastStatus(node), { fill: 'green', shape: 'dot', text: '13 records' });
      board.clear();
      assert.deepEqual(lastStatus(node), {});
    });

    it('follows a token cache: a failed token request shows at once, a success clears it, unfollow stops it', async () => {
      const clock = sinon.useFakeTimers({
        now: Date.parse('2026-03-01T10:00:00Z'),
        shouldAdvanceTime: false,
        toFake: ['Date'],
      });
      try {
        await helper.load(boardModule, [{ id: 'n1', type: 'board-node' }]);
        const node = helper.getNode('n1');
        const board = boards.get('n1');
        assert.ok(board);
        board.set({ fill: 'blue', shape: 'dot', text: 'polling' });
        let fail = true;
        const cache = new TokenCache({
          system: 'x3',
          fetchToken: async () => {
            if (fail) throw new Error('invalid_client');
            return { token: 't', expiresInMs: 300_000 };
          },
          failureBackoff: { baseDelayMs: 5000, maxDelayMs: 5000 },
          random: () => 0,
        });
        const unfollow = followTokenStatus(board, cache);
        await assert.rejects(cache.get(), /invalid_client/);
        assert.deepEqual(lastStatus(node), { fill: 'red', shape: 'ring', text: 'auth failed, retry 10:00:05Z' });
        fail = false;
        clock.tick(5000);
        await cache.get();
        assert.deepEqual(lastStatus(node), { fill: 'blue', shape: 'dot', text: 'polling' });
        unfollow();
        const calls = statusCalls(node).length;
        cache.clear();
        fail = true;
        await assert.rejects(cache.get());
        assert.equal(statusCalls(node).length, calls, 'no status after unfollow');
        cache.close();
      } finally {
        clock.restore();
      }
    });

    it('several nodes follow one cache independently', async () => {
      await helper.load(boardModule, [
        { id: 'a', type: 'board-node' },
        { id: 'b', type: 'board-node' },
      ]);
      const source = {
        listeners: new Set<(s: TokenStatus) => void>(),
        on(_e: 'status', fn: (s: TokenStatus) => void) {
          this.listeners.add(fn);
        },
        off(_e: 'status', fn: (s: TokenStatus) => void) {
          this.listeners.delete(fn);
        },
        emit(s: TokenStatus) {
          for (const fn of this.listeners) fn(s);
        },
      };
      const stopA = followTokenStatus(boards.get('a') as StatusBoard, source);
      followTokenStatus(boards.get('b') as StatusBoard, source);
      stopA();
      const before = statusCalls(helper.getNode('a')).length;
      source.emit({ state: 'locked', lockedUntil: Date.parse('2026-03-01T10:10:00Z') });
      assert.equal(statusCalls(helper.getNode('a')).length, before);
      assert.deepEqual(lastStatus(helper.getNode('b')), {
        fill: 'red',
        shape: 'dot',
        text: 'auth locked until 10:10:00Z',
      });
      assert.equal(source.listeners.size, 1);
    });
  });

  describe('StatusBoard throttling and suffix', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({
        now: Date.parse('2026-03-01T10:00:00Z'),
        toFake: ['Date', 'setTimeout', 'clearTimeout'],
      });
    });
    afterEach(() => clock.restore());

    function fakeNode(): { node: Node; shown: unknown[] } {
      const shown: unknown[] = [];
      return { node: { status: (s: unknown) => shown.push(s) } as unknown as Node, shown };
    }

    it('update() draws at most once per interval, the newest status at its end; set() draws at once', () => {
      const { node, shown } = fakeNode();
      const board = new StatusBoard(RED_TEXTS, node, { throttleMs: 500 });
      board.update(() => ({ text: '1' }));
      assert.deepEqual(shown, [{ text: '1' }]);
      board.update(() => ({ text: '2' }));
      board.update(() => ({ text: '3' }));
      assert.equal(shown.length, 1, 'nothing drawn inside the interval');
      clock.tick(499);
      assert.equal(shown.length, 1);
      clock.tick(1);
      assert.deepEqual(shown, [{ text: '1' }, { text: '3' }]);
      board.set({ text: 'now' });
      assert.deepEqual(shown.at(-1), { text: 'now' });
      board.update(() => ({ text: 'later' }));
      board.clear();
      clock.tick(1000);
      assert.deepEqual(shown.at(-1), {}, 'clear() drops a pending redraw');
    });

    it("appends the suffix to the node's own text, and refresh() redraws it throttled", () => {
      const { node, shown } = fakeNode();
      let left = 40;
      const board = new StatusBoard(RED_TEXTS, node, { throttleMs: 1000, suffix: () => `v1 ${left}/40` });
      board.set({ fill: 'green', shape: 'dot', text: '5 new' });
      assert.deepEqual(shown.at(-1), { fill: 'green', shape: 'dot', text: '5 new · v1 40/40' });
      left = 39;
      board.refresh();
      left = 38;
      board.refresh();
      assert.equal(shown.length, 1);
      clock.tick(1000);
      assert.deepEqual(shown, [
        { fill: 'green', shape: 'dot', text: '5 new · v1 40/40' },
        { fill: 'green', shape: 'dot', text: '5 new · v1 38/40' },
      ]);
      board.set({});
      assert.deepEqual(shown.at(-1), { text: 'v1 38/40' });
      board.setAuth({ state: 'locked', lockedUntil: Date.parse('2026-03-01T10:10:00Z') });
      assert.deepEqual(shown.at(-1), { fill: 'red', shape: 'dot', text: 'auth locked until 10:10:00Z' });
    });
  });
});
