/**
 * audit-config's metrics on RED.httpNode: the Prometheus text behind a bearer token, 401
 * otherwise, the token never told, and the route gone once the config is.
 */
import { strict as assert } from 'assert';
import type { NodeAPI } from 'node-red';
import supertest from 'supertest';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import { isAuditConfigNode } from '../../../nodes/audit/config-api';
import { helper, startStopServer, useUserDir, type TestNode } from './harness';

const PATH = '/ops/metrics';
const TOKEN = 'mt-SECRET-7f3a9c';

describe('audit-config metrics endpoint on httpNode', () => {
  useUserDir();
  startStopServer();

  let RED: NodeAPI | undefined;
  const capture = (r: NodeAPI): void => {
    RED = r;
  };
  const httpNode = () => supertest(RED!.httpNode as unknown as Parameters<typeof supertest>[0]);
  const load = (metricsPath: string, token?: string): Promise<void> =>
    helper.load(
      [auditConfigNode, capture],
      [{ id: 'cfg', type: 'audit-config', path: 'm.db', metricsPath }],
      token === undefined ? {} : { cfg: { metricsToken: token } },
    );
  /** Everything the config node said, to check the token is never in it. */
  const said = (): string => {
    const n = helper.getNode('cfg') as TestNode;
    return [n.log, n.warn, n.error, n.status]
      .flatMap((spy) => spy.getCalls().map((c) => JSON.stringify(c.args)))
      .join('\n');
  };

  it('answers the Prometheus text with the bearer token', async () => {
    await load(PATH, TOKEN);
    const cfg: unknown = helper.getNode('cfg');
    assert.ok(isAuditConfigNode(cfg));
    await cfg
      .getStore()
      .record({ system: 'x3', operation: 'x3.update', status: 'failed', error: { code: 'X3_X', message: 'refused' } });
    const res = await httpNode().get(PATH).set('Authorization', `Bearer ${TOKEN}`).expect(200);
    // express puts charset first: the parameters' order carries no meaning
    assert.match(String(res.headers['content-type']), /^text\/plain;.*version=0\.0\.4/);
    assert.match(res.text, /^# TYPE sage_x3_shipping_failed_entries_open gauge$/m);
    assert.match(res.text, /^sage_x3_shipping_failed_entries_open\{audit_config="cfg"\} 1$/m);
    assert.match(res.text, /^sage_x3_shipping_unknown_outcomes_open\{audit_config="cfg"\} 0$/m);
    // the scheme is case-insensitive (RFC 6750)
    await httpNode().get(PATH).set('Authorization', `bearer ${TOKEN}`).expect(200);
  });

  it('refuses a scrape without the token or with another one (401), and never tells the token', async () => {
    await load(PATH, TOKEN);
    const attempts = [
      undefined,
      'Bearer wrong-token',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`,
      TOKEN,
      'Bearer ',
    ];
    for (const auth of attempts) {
      const req = httpNode().get(PATH);
      const res = await (auth === undefined ? req : req.set('Authorization', auth));
      assert.equal(res.status, 401, `Authorization: ${auth}`);
      assert.match(String(res.headers['www-authenticate']), /^Bearer /);
      assert.doesNotMatch(res.text, /sage_x3_shipping_/);
      assert.ok(!res.text.includes(TOKEN) && !JSON.stringify(res.headers).includes(TOKEN));
    }
    assert.ok(!said().includes(TOKEN), said());
  });

  it('is gone once the config closes, and on a redeploy without the path', async () => {
    await load(PATH, TOKEN);
    await httpNode().get(PATH).set('Authorization', `Bearer ${TOKEN}`).expect(200);
    await helper.setFlows([{ id: 'cfg', type: 'audit-config', path: 'm.db', metricsPath: '' }], 'full', {
      cfg: { metricsToken: TOKEN },
    });
    await httpNode().get(PATH).set('Authorization', `Bearer ${TOKEN}`).expect(404);
    await helper.setFlows([{ id: 'cfg', type: 'audit-config', path: 'm.db', metricsPath: PATH }], 'full', {
      cfg: { metricsToken: TOKEN },
    });
    await httpNode().get(PATH).set('Authorization', `Bearer ${TOKEN}`).expect(200);
    await helper.setFlows([], 'full');
    await httpNode().get(PATH).set('Authorization', `Bearer ${TOKEN}`).expect(404);
  });

  it('is not served without a token: one warning naming the path, not a public endpoint', async () => {
    await load(PATH);
    await httpNode().get(PATH).expect(404);
    const warned = (helper.getNode('cfg') as TestNode).warn.getCalls().map((c) => String(c.args[0]));
    assert.deepEqual(warned, [`metrics endpoint ${PATH} not served: set the metrics token`]);
  });

  it('is off by default', async () => {
    await helper.load([auditConfigNode, capture], [{ id: 'cfg', type: 'audit-config', path: 'm.db' }], {
      cfg: { metricsToken: TOKEN },
    });
    await httpNode().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(404);
  });
});
