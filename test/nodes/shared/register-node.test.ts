/**
 * shared/register-node.ts in a real Node-RED runtime: the node is created before setup runs,
 * setup gets that node and its def; and the credentials declaration reaches registerType (the
 * test helper's runtime has no credentials admin API to show it, so a recording RED checks that).
 */
import assert from 'node:assert/strict';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { registerNode } from '../../../nodes/shared/register-node';
import { helper, startHelper, stopHelper } from './harness';

interface Creds {
  user?: string;
  secret?: string;
}

interface Seen {
  node: Node<Creds>;
  def: NodeDef & { colour?: string };
  /** what the node already was when setup ran */
  id: string;
  credentials: Creds;
  canWarn: boolean;
}

const seen: Seen[] = [];

function probeModule(RED: NodeAPI): void {
  registerNode(
    RED,
    'probe',
    (node: Node<Creds>, def: NodeDef & { colour?: string }) => {
      seen.push({
        node,
        def,
        id: node.id,
        credentials: { ...node.credentials },
        canWarn: typeof node.warn === 'function',
      });
      node.on('input', (msg, send, done) => {
        send({ ...msg, payload: `${def.colour ?? ''}:${node.credentials.user ?? ''}` });
        done();
      });
    },
    { credentials: { user: { type: 'text' }, secret: { type: 'password' } } },
  );
}

describe('shared/register-node', () => {
  beforeEach(async () => {
    seen.length = 0;
    await startHelper();
  });
  afterEach(stopHelper);

  it('creates the node, then hands it and its def to setup, with the declared credentials', async () => {
    await helper.load(
      probeModule,
      [
        { id: 'p1', type: 'probe', colour: 'blue', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      { p1: { user: 'ann', secret: 's3cret' } },
    );
    assert.equal(seen.length, 1);
    const [s] = seen;
    assert.equal(s.id, 'p1', 'createNode ran before setup');
    assert.equal(s.canWarn, true);
    assert.equal(s.def.colour, 'blue');
    assert.deepEqual(s.credentials, { user: 'ann', secret: 's3cret' });
    assert.equal(helper.getNode('p1') as unknown, s.node as unknown, 'setup got the node the runtime holds');

    const out = new Promise<Record<string, unknown>>((resolve) => helper.getNode('out').once('input', resolve));
    helper.getNode('p1').receive({ payload: 'x' });
    assert.equal((await out).payload, 'blue:ann');
  });

  it('passes the credentials declaration to registerType and creates the node first', () => {
    const calls: string[] = [];
    let registered: { type: string; ctor: (this: Node, def: NodeDef) => void; options: unknown } | undefined;
    const RED = {
      nodes: {
        createNode: (node: Node, def: NodeDef) =>
          calls.push(`create ${def.id} on ${(node as unknown as { tag: string }).tag}`),
        registerType: (type: string, ctor: (this: Node, def: NodeDef) => void, options: unknown) => {
          registered = { type, ctor, options };
        },
      },
    } as unknown as NodeAPI;
    const declared = { credentials: { user: { type: 'text' as const }, secret: { type: 'password' as const } } };
    registerNode(
      RED,
      'probe',
      (node: Node<Creds>, def: NodeDef) => calls.push(`setup ${def.id} on ${(node as unknown as { tag: string }).tag}`),
      declared,
    );
    assert.ok(registered);
    assert.equal(registered.type, 'probe');
    assert.equal(registered.options, declared);
    registered.ctor.call({ tag: 'n1' } as unknown as Node, { id: 'x1', type: 'probe', z: '', name: '' });
    assert.deepEqual(calls, ['create x1 on n1', 'setup x1 on n1']);
  });

  it('one setup call per deployed node', async () => {
    await helper.load(probeModule, [
      { id: 'a', type: 'probe' },
      { id: 'b', type: 'probe' },
    ]);
    assert.deepEqual(seen.map((s) => s.id).sort(), ['a', 'b']);
    assert.notEqual(seen[0].node, seen[1].node);
  });
});
