import { strict as assert } from 'assert';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import sinon from 'sinon';
import configNode = require('../../../nodes/x3/x3-config');
import pollNode = require('../../../nodes/x3/x3-poll');
import updateNode = require('../../../nodes/x3/x3-update');
import { STATE_DIR_NAME } from '../../../nodes/core/state-file';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import {
  catchNode,
  completeNode,
  dueTicker,
  helper,
  positioned,
  recorder,
  settle,
  startStopServer,
  statusTexts,
  useUserDir,
  waitFor,
} from './harness';

const TAB = { id: 'tab', type: 'tab', label: 'x3' };
const JWT = { clientId: 'sim-connected-app', clientSecret: 'sim-connected-app-secret', user: 'admin' };
const OAUTH = {
  clientId: 'sim-oauth-client',
  clientSecret: 'sim-oauth-secret',
  refreshToken: 'sim-initial-refresh-token',
};
const BASIC = { username: 'admin', password: 'admin-password' };

function flow(
  sim: X3Sim,
  config: Record<string, unknown>,
  poll: Record<string, unknown>,
  extra: Array<Record<string, unknown>> = [],
): Array<Record<string, unknown>> {
  return positioned([
    TAB,
    { id: 'cfg', type: 'x3-config', url: sim.url, folder: 'SEED', api: 'graphql', auth: 'connected-app', ...config },
    {
      id: 'poll',
      type: 'x3-poll',
      z: 'tab',
      server: 'cfg',
      entity: 'salesDelivery',
      interval: 3600,
      initial: 'all',
      wires: [['out']],
      ...poll,
    },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'catch', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
    ...extra,
  ]);
}

const polls = (id = 'poll'): number => statusTexts(helper.getNode(id)).filter((t) => / new at /.test(t)).length;

describe('x3-poll node', () => {
  let sim: X3Sim | undefined;
  let clock: sinon.SinonFakeTimers | undefined;
  // hooks run in definition order: real timers back before Node-RED stops
  afterEach(() => {
    clock?.restore();
    clock = undefined;
  });
  const userDir = useUserDir({ x3ConfigRetry: { baseDelayMs: 1, maxDelayMs: 2 } });
  startStopServer();
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('in 30 simulated minutes of polling every 10 s, no request carries an expired or about-to-expire token; a new JWT every 240 s, not more often', async () => {
    const start = Date.UTC(2025, 0, 31, 10, 0, 0);
    clock = sinon.useFakeTimers({
      now: start,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    const tick0 = dueTicker(clock);
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      now: () => Date.now(),
      records: { customer: 2, product: 2, salesDelivery: 5 },
    });
    await helper.load([configNode, pollNode], flow(sim, {}, { interval: 10 }), { cfg: JWT });
    const out = recorder(helper.getNode('out'));
    await waitFor(() => polls() === 1, 'the first poll', tick0);
    for (let i = 1; i <= 180; i++) {
      clock.tick(10_000);
      await waitFor(() => polls() === i + 1, `poll ${i + 1}`, tick0);
    }
    await settle();
    assert.equal(Date.now() - start, 1_800_000);
    assert.equal(out.length, 5, 'the records once, then nothing new');
    // one query per poll; the schema was read once, at deploy
    assert.equal(sim.logs.requests.filter((r) => r.operation === 'X3Poll').length, 181);
    const gql = sim.logs.auth.filter((a) => a.face === 'graphql');
    assert.ok(gql.length > 181);
    assert.ok(
      gql.every((a) => a.ok && a.method === 'jwt' && !a.nearExpiry && (a.remainingSeconds ?? 0) >= 30),
      'every token valid with at least 30 s left',
    );
    const minted = sim.logs.jwtSeen;
    assert.equal(minted.length, 8, 'minted at 0, 240, ..., 1680 s');
    for (let i = 1; i < minted.length; i++) assert.equal(minted[i].iat - minted[i - 1].iat, 240);
    assert.ok(minted.every((m) => m.exp - m.iat === 300 && m.sub === 'admin'));
    assert.equal(minted[0].iat, start / 1000 - 30);
  });

  it('the watermark survives a Node-RED restart: only records changed meanwhile come out', async () => {
    let t = Date.UTC(2025, 0, 31, 10, 0, 0);
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      now: () => t,
      records: { customer: 2, product: 2, salesDelivery: 6 },
    });
    const f = flow(sim, { auth: 'basic', api: 'rest' }, {});
    await helper.load([configNode, pollNode], f, { cfg: BASIC });
    let out = recorder(helper.getNode('out'));
    await waitFor(() => polls() === 1 && out.length === 6, 'first poll');
    const file = join(userDir.dir(), STATE_DIR_NAME, 'x3-poll-poll.json');
    assert.ok(existsSync(file));
    await helper.unload();

    t += 5000;
    const keys = sim.store.list('salesDelivery').map((r) => r.key);
    sim.store.touch('salesDelivery', [keys[1], keys[4]], { BOLNUM: 'after-restart' });

    await helper.load([configNode, pollNode], f, { cfg: BASIC });
    out = recorder(helper.getNode('out'));
    await waitFor(() => polls() === 1, 'first poll after restart');
    await settle();
    assert.deepEqual(
      out.map((m) => (m.x3 as { key: string }).key),
      [keys[1], keys[4]],
    );
    assert.ok(out.every((m) => (m.payload as Record<string, unknown>).BOLNUM === 'after-restart'));
  });

  for (const [api, auth, creds] of [
    ['graphql', 'connected-app', JWT],
    ['graphql', 'oauth2', OAUTH],
    ['graphql', 'basic', BASIC],
    ['rest', 'basic', BASIC],
    ['rest', 'oauth2', OAUTH],
  ] as const) {
    it(`reads with ${api} and ${auth} authentication: one msg per record, X3 names, msg.x3`, async () => {
      sim = await startX3Sim({ port: 0, host: '127.0.0.1', records: { customer: 2, product: 2, salesOrder: 4 } });
      await helper.load(
        [configNode, pollNode],
        flow(sim, { api, auth, tokenUrl: `${sim.url}/token` }, { entity: 'salesOrder', pageSize: 3 }),
        { cfg: creds },
      );
      const out = recorder(helper.getNode('out'));
      await waitFor(() => polls() === 1, 'first poll');
      await settle();
      assert.equal(out.length, 4);
      const expectedKeys = [...sim.store.list('salesOrder')]
        .sort((a, b) =>
          `${String(a.values.UPDDATTIM)}|${a.key}`.localeCompare(`${String(b.values.UPDDATTIM)}|${b.key}`),
        )
        .map((r) => r.key);
      assert.deepEqual(
        out.map((m) => (m.x3 as { key: string }).key),
        expectedKeys,
      );
      const first = out[0];
      assert.equal(first.topic, 'salesOrder');
      const rec = first.payload as Record<string, unknown>;
      assert.deepEqual(first.x3, { entity: 'salesOrder', key: rec.SOHNUM, updatedAt: rec.UPDDATTIM, folder: 'SEED' });
      assert.equal(typeof rec.BPCORD, 'string');
      assert.match(statusTexts(helper.getNode('poll')).pop()!, /^4 new at \d\d:\d\d:\d\dZ$/);
      assert.ok(sim.logs.auth.every((a) => a.ok));
    });
  }

  it('initial "now" is X3\'s now: with X3\'s clock 10 minutes behind this host, a change right after deploy comes out', async () => {
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      now: () => Date.now() - 10 * 60_000,
      records: { customer: 2, product: 2, salesDelivery: 3 },
    });
    // Basic: a JWT minted by this host's clock would be "issued in the future" for that X3
    await helper.load([configNode, pollNode], flow(sim, { auth: 'basic' }, { initial: 'now', overlap: 120 }), {
      cfg: BASIC,
    });
    const out = recorder(helper.getNode('out'));
    await waitFor(() => polls() === 1, 'first poll');
    await settle();
    assert.equal(out.length, 0, 'what X3 held at deploy is not emitted');
    const customer = String(sim.store.list('customer')[0].values.BPCNUM);
    const { record } = sim.store.insert('salesDelivery', { STOFCY: 'NA011', BPCORD: customer }, { via: 'sim' });
    helper.getNode('poll').receive({ payload: 'poll' });
    await waitFor(() => polls() === 2, 'second poll');
    await settle();
    assert.deepEqual(
      out.map((m) => (m.x3 as { key: string }).key),
      [record.key],
    );
  });

  it('closing stops a long catch-up at once: nothing more is sent and the watermark file is not written after the close', async () => {
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      latencyMs: 20,
      records: { customer: 2, product: 2, salesDelivery: 30 },
    });
    await helper.load([configNode, pollNode], flow(sim, {}, { pageSize: 1 }), { cfg: JWT });
    const poll = helper.getNode('poll') as unknown as { close(removed: boolean): Promise<void> };
    const file = join(userDir.dir(), STATE_DIR_NAME, 'x3-poll-poll.json');
    const out = recorder(helper.getNode('out'));
    let closing: Promise<void> | undefined;
    let fileAtClose: string | undefined;
    let sentAtClose = 0;
    // a redeploy arrives while the first page goes out
    helper.getNode('out').once('input', () => {
      fileAtClose = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
      sentAtClose = out.length;
      closing = poll.close(false);
    });
    await waitFor(() => closing !== undefined, 'first msg');
    await closing;
    await settle();
    assert.ok(out.length <= sentAtClose + 1, `${out.length - sentAtClose} msgs after the close`);
    assert.ok(out.length < 30, 'the catch-up did not run on');
    assert.equal(existsSync(file) ? readFileSync(file, 'utf8') : undefined, fileAtClose);
  });

  it('can emit one msg per page', async () => {
    sim = await startX3Sim({ port: 0, host: '127.0.0.1', records: { customer: 2, product: 2, salesDelivery: 5 } });
    await helper.load([configNode, pollNode], flow(sim, {}, { output: 'page', pageSize: 2 }), { cfg: JWT });
    const out = recorder(helper.getNode('out'));
    await waitFor(() => polls() === 1, 'first poll');
    await settle();
    assert.deepEqual(
      out.map((m) => (m.payload as unknown[]).length),
      [2, 2, 1],
    );
    assert.deepEqual(Object.keys(out[0].x3 as object).sort(), ['count', 'entity', 'folder', 'keys']);
  });

  it('never runs two polls at once: msgs arriving during a poll share one follow-up poll', async () => {
    sim = await startX3Sim({ port: 0, host: '127.0.0.1', latencyMs: 60, records: { customer: 1, product: 1 } });
    await helper.load(
      [configNode, pollNode, completeNode],
      flow(sim, {}, {}, [
        { id: 'complete', type: 'complete', z: 'tab', scope: ['poll'], uncaught: false, wires: [['completed']] },
        { id: 'completed', type: 'helper', z: 'tab' },
      ]),
      { cfg: JWT },
    );
    const completed = recorder(helper.getNode('completed'));
    await waitFor(
      () => sim!.logs.auth.length + statusTexts(helper.getNode('poll')).filter((s) => s === 'polling').length >= 1,
      'poll started',
    );
    for (let i = 0; i < 3; i++) helper.getNode('poll').receive({ payload: i });
    await waitFor(() => completed.length === 3, 'three msgs done');
    await waitFor(() => polls() === 2, 'two polls');
    const gql = sim.logs.requests.filter((r) => r.face === 'graphql' && r.operation === 'X3Poll');
    assert.equal(gql.length, 2, 'the first poll and one follow-up');
  });

  it('reports a failing poll to Catch with X3 text, shows it red (also on other nodes of the config), and backs off', async () => {
    const start = Date.UTC(2025, 0, 31, 10, 0, 0);
    clock = sinon.useFakeTimers({
      now: start,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    const tick0 = dueTicker(clock);
    sim = await startX3Sim({ port: 0, host: '127.0.0.1', now: () => Date.now() });
    await helper.load(
      [configNode, pollNode, updateNode, catchNode],
      flow(sim, { auth: 'basic', api: 'rest' }, { interval: 10 }, [
        { id: 'upd', type: 'x3-update', z: 'tab', server: 'cfg', entity: 'salesDelivery', wires: [[]] },
      ]),
      { cfg: { username: 'admin', password: 'wrong-password' } },
    );
    const caught = recorder(helper.getNode('caught'));
    const requests = (): number => sim!.logs.requests.filter((r) => r.face === 'rest').length;
    await waitFor(() => caught.length === 1, 'first failure', tick0);
    const err = caught[0].error as Record<string, unknown>;
    const ours = caught[0]._error as Record<string, unknown> | undefined;
    const info = (ours ?? err) as Record<string, unknown>;
    assert.equal(caught[0].topic, 'salesDelivery');
    assert.match(String(err.message), /X3 refused the credentials \(HTTP 401\)/);
    assert.doesNotMatch(JSON.stringify(caught[0]), /wrong-password/);
    assert.equal(info.system ?? 'x3', 'x3');
    assert.match(statusTexts(helper.getNode('poll')).pop()!, /auth failed|X3_UNAUTHORIZED/);
    assert.ok(
      statusTexts(helper.getNode('upd')).some((s) => /auth failed/.test(s)),
      'the token/credential status shows on every node of the config',
    );
    // backoff: the next timed polls come 10 s, then 20 s, then 40 s after each failure
    assert.equal(requests(), 1);
    clock.tick(10_000);
    await waitFor(() => caught.length === 2, 'second attempt 10 s later', tick0);
    clock.tick(19_900);
    await settle();
    assert.equal(requests(), 2, 'no attempt within 20 s of the second failure');
    clock.tick(100);
    await waitFor(() => caught.length === 3, 'third attempt 20 s later', tick0);
    clock.tick(39_900);
    await settle();
    assert.equal(requests(), 3, 'no attempt within 40 s of the third failure');
    clock.tick(100);
    await waitFor(() => caught.length === 4, 'fourth attempt 40 s later', tick0);
    assert.equal(requests(), 4);
  });

  it('refuses to start without a config and reports bad settings', async () => {
    sim = await startX3Sim({ port: 0, host: '127.0.0.1' });
    await helper.load(
      [configNode, pollNode],
      positioned([TAB, { id: 'poll', type: 'x3-poll', z: 'tab', server: '', wires: [[]] }]),
    );
    assert.match(statusTexts(helper.getNode('poll')).pop()!, /no x3-config/);
    await helper.unload();
    await helper.load([configNode, pollNode], flow(sim, {}, { entity: 'invoice' }), { cfg: JWT });
    assert.ok(
      helper
        .getNode('poll')
        .error.getCalls()
        .some((c) => /unknown X3 entity "invoice"/.test(String(c.args[0]))),
    );
  });
});
