import assert from 'node:assert/strict';
import { ApiError } from '../../../nodes/core/errors';
import {
  failMessage,
  handleInput,
  userDir,
  type Msg,
  type Node,
  type NodeAPI,
  type NodeDef,
} from '../../../nodes/shared/red';
import { catchNode, helper, startHelper, stopHelper } from './harness';

let RED: NodeAPI;

/** A test-only node: succeeds, fails with an ApiError through failMessage, or rejects raw. */
function workerModule(r: NodeAPI): void {
  RED = r;
  function Worker(this: Node, def: NodeDef): void {
    r.nodes.createNode(this, def);
    handleInput(this, async (msg, send, done) => {
      await Promise.resolve();
      if (msg.payload === 'ok') {
        msg.payload = 'done';
        send(msg);
        done();
        return;
      }
      if (msg.payload === 'api') {
        const err = new ApiError({
          system: 'fedex',
          code: 'HTTP_422',
          status: 422,
          message: 'bad postal code',
          retryable: false,
        });
        done(failMessage(msg, err, 'fedex'));
        return;
      }
      if (msg.payload === 'string') throw 'plain string failure';
      throw new TypeError('unexpected');
    });
  }
  r.nodes.registerType('worker', Worker as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
}

const flow = [
  { id: 't1', type: 'tab' },
  { id: 'w1', z: 't1', type: 'worker', wires: [['out']] },
  { id: 'out', z: 't1', type: 'helper' },
  { id: 'c1', z: 't1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
  { id: 'caught', z: 't1', type: 'helper' },
];

function next(id: string): Promise<Msg> {
  return new Promise((resolve) => helper.getNode(id).once('input', (msg: Msg) => resolve(msg)));
}

describe('shared/red', () => {
  describe('failMessage', () => {
    it('puts the catchable info on msg.error and returns an Error for done()', () => {
      const msg = { payload: 1 } as unknown as Msg;
      const err = new ApiError({ system: 'x3', code: 'TIMEOUT', message: 't', retryable: true, ambiguous: true });
      assert.equal(failMessage(msg, err), err);
      assert.deepEqual(msg.error, { system: 'x3', code: 'TIMEOUT', message: 't', retryable: true, ambiguous: true });
      const other = failMessage(msg, 'text', 'audit');
      assert.ok(other instanceof Error);
      assert.equal(other.message, 'text');
      assert.deepEqual(msg.error, { system: 'audit', code: 'INTERNAL', message: 'text', retryable: false });
    });
  });

  describe('with a flow', () => {
    beforeEach(startHelper);
    afterEach(async () => {
      helper.settings({});
      await stopHelper();
    });

    it('handleInput: a successful handler sends on', async () => {
      await helper.load([workerModule, catchNode], flow);
      const out = next('out');
      helper.getNode('w1').receive({ payload: 'ok', topic: 'keep' });
      const msg = await out;
      assert.equal(msg.payload, 'done');
      assert.equal(msg.topic, 'keep');
    });

    it("a failure reaches the Catch node: Node-RED's info on msg.error, ours on msg._error", async () => {
      await helper.load([workerModule, catchNode], flow);
      const caught = next('caught');
      helper.getNode('w1').receive({ payload: 'api', correlation: 'SDH-1' });
      const msg = await caught;
      assert.equal(msg.correlation, 'SDH-1', 'the incoming msg is kept');
      assert.deepEqual(msg._error, {
        system: 'fedex',
        status: 422,
        code: 'HTTP_422',
        message: 'bad postal code',
        retryable: false,
      });
      const nr = msg.error as { message: string; source: { id: string } };
      assert.match(nr.message, /bad postal code/);
      assert.equal(nr.source.id, 'w1');
    });

    it('a rejected handler (no done called) still reaches done and the Catch node', async () => {
      await helper.load([workerModule, catchNode], flow);
      const errorText = (msg: Msg): string => String((msg.error as { message?: unknown } | undefined)?.message);
      const caught = next('caught');
      helper.getNode('w1').receive({ payload: 'boom' });
      assert.match(errorText(await caught), /unexpected/);
      const caughtString = next('caught');
      helper.getNode('w1').receive({ payload: 'string' });
      assert.match(errorText(await caughtString), /plain string failure/);
    });

    it('userDir: the runtime setting, else the working directory', async () => {
      helper.settings({ userDir: '/srv/node-red' });
      await helper.load([workerModule, catchNode], flow);
      assert.equal(userDir(RED), '/srv/node-red');
      await helper.unload();
      helper.settings({});
      await helper.load([workerModule, catchNode], flow);
      const dir = (RED.settings as unknown as { userDir?: string }).userDir;
      assert.equal(userDir(RED), dir ?? process.cwd());
    });
  });
});
