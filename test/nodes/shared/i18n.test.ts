/**
 * Status and log texts come from Node-RED's message catalogues: a node asks its RED._ for a key of
 * its own node set, code shared by several node sets names the catalogue it reads, and with the
 * catalogues Node-RED registers the user reads the English text of locales/en-US/<type>.json.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { NodeAPI } from 'node-red';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import auditSinkNode = require('../../../nodes/audit/audit-sink');
import x3PollNode = require('../../../nodes/x3/x3-poll');
import { PACKAGE_NAME } from '../../../nodes/shared/i18n';
import { ROOT } from '../../support/catalogues';
import { helper, startStopServer, useUserDir, type TestNode } from '../../support/node-helper';

/** The node module with a RED._ that answers `‹key›` and notes every key asked for. */
function askingKeys(module: (RED: NodeAPI) => void, asked: string[]): (RED: NodeAPI) => void {
  return (RED) =>
    module(
      Object.create(RED, {
        _: {
          value: (key: string) => {
            asked.push(key);
            return `‹${key}›`;
          },
        },
      }) as NodeAPI,
    );
}

function ownStatusTexts(node: TestNode): string[] {
  return node.status
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => String((c.args[0] as { text?: unknown }).text ?? ''));
}

function catalogue(system: string, type: string): Record<string, Record<string, Record<string, string>>> {
  const file = path.join(ROOT, 'nodes', system, 'locales', 'en-US', `${type}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Record<string, Record<string, string>>>;
}

const SINK_FLOW = [
  { id: 'tab', type: 'tab', label: 'i18n' },
  { id: 'cfg', type: 'audit-config', name: 'audit', path: 'audit.db', retentionDays: 90 },
  { id: 'sink', type: 'audit-sink', z: 'tab', audit: 'cfg', wires: [[]] },
];
const POLL_FLOW = [
  { id: 'tab', type: 'tab', label: 'i18n' },
  { id: 'poll', type: 'x3-poll', z: 'tab', server: '', wires: [[]] },
];

describe('node texts from the message catalogues', () => {
  useUserDir({ prefix: 'sx3s-i18n-' });
  startStopServer();

  it("a node's status is a key of its own node set's catalogue", async () => {
    const asked: string[] = [];
    await helper.load([askingKeys(auditConfigNode, asked), askingKeys(auditSinkNode, asked)], SINK_FLOW);
    assert.deepEqual(ownStatusTexts(helper.getNode('sink')), ['‹audit-sink.status.recorded›']);
    assert.ok(asked.includes('audit-sink.status.recorded'));
  });

  it('with the catalogues Node-RED registers, that status reads as locales/en-US/audit-sink.json says', async () => {
    await helper.load([auditConfigNode, auditSinkNode], SINK_FLOW);
    const text = catalogue('audit', 'audit-sink')['audit-sink'].status.recorded;
    assert.equal(text, '__count__ recorded');
    assert.deepEqual(ownStatusTexts(helper.getNode('sink')), [text.replace('__count__', '0')]);
  });

  it("shared code names the catalogue it reads: a missing x3-config's texts come from x3-config's", async () => {
    const asked: string[] = [];
    await helper.load(askingKeys(x3PollNode, asked), POLL_FLOW);
    const poll = helper.getNode('poll');
    const namespace = `${PACKAGE_NAME}/x3-config`;
    assert.deepEqual(ownStatusTexts(poll), [`‹${namespace}:x3-config.users.missingStatus›`]);
    assert.deepEqual(
      poll.error
        .getCalls()
        .filter((c) => c.thisValue === poll)
        .map((c) => c.args[0] as unknown),
      [`‹${namespace}:x3-config.users.missing›`],
    );
    await helper.unload();
    await helper.load(x3PollNode, POLL_FLOW);
    const texts = catalogue('x3', 'x3-config')['x3-config'].users;
    const again = helper.getNode('poll');
    assert.deepEqual(ownStatusTexts(again), [texts.missingStatus]);
    assert.deepEqual(
      again.error
        .getCalls()
        .filter((c) => c.thisValue === again)
        .map((c) => c.args[0] as unknown),
      [texts.missing.replace('__type__', 'x3-poll')],
    );
  });
});
