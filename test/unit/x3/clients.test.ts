import { strict as assert } from 'assert';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ApiError } from '../../../nodes/core/errors';
import { HttpClient } from '../../../nodes/core/http';
import { stateFile } from '../../../nodes/core/state-file';
import type { X3Client } from '../../../nodes/x3/client';
import type { X3Connection } from '../../../nodes/x3/connection';
import type { EntityDefinition, X3Record } from '../../../nodes/x3/entities';
import { GraphqlX3Client } from '../../../nodes/x3/graphql-client';
import { RestX3Client } from '../../../nodes/x3/rest-client';
import { fileRefreshTokenStore, type PersistedRefreshToken } from '../../../nodes/x3/oauth2';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { BASIC_CREDS, comparable, connect, JWT_CREDS, OAUTH_CREDS } from './fixtures';
import { ScriptedDispatcher } from '../../support/scripted-dispatcher';

const NASTY = `O'Brien & <Söhne> "Ltd" 中文 ]]>`;

async function all(
  client: X3Client,
  def: EntityDefinition,
  pageSize: number,
  since?: string,
): Promise<{ records: X3Record[]; pages: number }> {
  const records: X3Record[] = [];
  let pages = 0;
  for await (const page of client.queryPages(def, { pageSize, since, withLines: true })) {
    pages += 1;
    records.push(...page);
  }
  return { records, pages };
}

describe('x3 clients against the simulator', () => {
  let sim: X3Sim;
  let conn: X3Connection | undefined;
  beforeEach(async () => {
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      records: { customer: 4, product: 5, salesOrder: 6, salesDelivery: 45, purchaseOrder: 3 },
    });
  });
  afterEach(async () => {
    await conn?.close();
    conn = undefined;
    await sim.close();
  });

  it('GraphQL and REST page to the end and return the same records under X3 dictionary names', async () => {
    conn = connect(sim);
    const def = conn.entity('salesDelivery');
    const gql = await all(conn.client('graphql'), def, 7);
    const rest = await all(conn.client('rest'), def, 7);
    assert.equal(gql.records.length, 45);
    assert.equal(gql.pages, 7);
    assert.equal(rest.records.length, 45);
    assert.deepEqual(
      gql.records.map((r) => r.SDHNUM),
      rest.records.map((r) => r.SDHNUM),
    );
    // ordered by stamp then key
    const order = gql.records.map((r) => `${String(r.UPDDATTIM)}|${String(r.SDHNUM)}`);
    assert.deepEqual(order, [...order].sort());
    assert.deepEqual(gql.records.map(comparable), rest.records.map(comparable));
    assert.ok(Array.isArray(gql.records[0].SDELIVERYD) && (gql.records[0].SDELIVERYD as unknown[]).length > 0);
  });

  it('reads only records stamped at or after `since`', async () => {
    conn = connect(sim);
    const def = conn.entity('salesDelivery');
    const stamps = sim.store
      .list('salesDelivery')
      .map((r) => String(r.values.UPDDATTIM))
      .sort();
    const since = stamps[30];
    const expected = stamps.filter((s) => s >= since).length;
    for (const style of ['graphql', 'rest'] as const) {
      const { records } = await all(conn.client(style), def, 10, since);
      assert.equal(records.length, expected, style);
      assert.ok(
        records.every((r) => String(r.UPDDATTIM) >= since),
        style,
      );
    }
  });

  it('SOAP save creates a sales order with lines; GraphQL and REST see it with every character intact', async () => {
    conn = connect(sim);
    const so = conn.entity('salesOrder');
    const [c] = sim.store.list('customer').map((r) => String(r.values.BPCNUM));
    const [p1, p2] = sim.store.list('product').map((r) => String(r.values.ITMREF));
    assert.equal(conn.styleFor(so, 'create'), 'soap');
    const created = await conn.clientFor(so, 'create').create(so, {
      SALFCY: 'NA012',
      BPCORD: c,
      ORDDAT: '2025-02-01',
      CUSORDREF: NASTY.slice(0, 30),
      BPDNAM: [NASTY.slice(0, 35)],
      BPDADDLIG: ['1 <Main> & "St"', 'Zürich — 東京'],
      lines: [
        { ITMREF: p1, QTY: 2 },
        { ITMREF: p2, QTY: 1.5, ITMDES1: 'Ä & <b>' },
      ],
    });
    const key = String(created.record.SOHNUM);
    assert.match(key, /^SO/);
    assert.deepEqual(
      sim.logs.writes.filter((w) => w.key === key).map((w) => [w.operation, w.via]),
      [['create', 'soap']],
    );
    const viaGql = await conn.client('graphql').read(so, key);
    const viaRest = await conn.client('rest').read(so, key);
    for (const rec of [created.record, viaGql!, viaRest!]) {
      assert.equal(rec.CUSORDREF, NASTY.slice(0, 30));
      assert.deepEqual(rec.BPDNAM, [NASTY.slice(0, 35)]);
      assert.deepEqual(rec.BPDADDLIG, ['1 <Main> & "St"', 'Zürich — 東京']);
      assert.deepEqual(
        (rec.SORDERQ as X3Record[]).map((l) => [l.SOPLIN, l.ITMREF, l.QTY]),
        [
          [1000, p1, 2],
          [2000, p2, 1.5],
        ],
      );
      assert.equal((rec.SORDERQ as X3Record[])[1].ITMDES1, 'Ä & <b>');
    }
  });

  it('SOAP modify writes a delivery tracking field, visible through GraphQL and REST with a new stamp', async () => {
    sim.config.clockSkewMs = 0;
    conn = connect(sim);
    const sd = conn.entity('salesDelivery');
    const target = sim.store.list('salesDelivery').find((r) => r.values.CFMFLG !== 2)!;
    const key = String(target.values.SDHNUM);
    const res = await conn.clientFor(sd, 'update').update(sd, key, { YTRACKNUM: '7946<&>"1"' });
    assert.equal(res.record.YTRACKNUM, '7946<&>"1"');
    assert.equal((await conn.client('graphql').read(sd, key))?.YTRACKNUM, '7946<&>"1"');
    assert.equal((await conn.client('rest').read(sd, key))?.YTRACKNUM, '7946<&>"1"');
    const w = sim.logs.writes.filter((x) => x.key === key && x.operation === 'update');
    assert.deepEqual(
      w.map((x) => [x.operation, x.via, x.fields]),
      [['update', 'soap', ['YTRACKNUM']]],
    );
  });

  it('reports X3 SOAP error messages with their text: a validated delivery refuses changes', async () => {
    conn = connect(sim);
    const sd = conn.entity('salesDelivery');
    const validated = sim.store.list('salesDelivery').find((r) => r.values.CFMFLG === 2)!;
    const key = String(validated.values.SDHNUM);
    await assert.rejects(
      conn.clientFor(sd, 'update').update(sd, key, { YTRACKNUM: '1' }),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 'X3_ERROR' &&
        err.message === `X3 modify SDH: error: Delivery ${key}: validated delivery, modification not allowed`,
    );
    assert.equal(sim.store.get('salesDelivery', key)?.values.YTRACKNUM, '');
  });

  it('runs a published subprogram (run), e.g. a tracking subprogram that also works on validated deliveries', async () => {
    conn = connect(sim);
    const validated = sim.store.list('salesDelivery').find((r) => r.values.CFMFLG === 2)!.key;
    const res = await conn.soapClient().run(sim.publications.deliveryTrackingSubprogram, 'GRP1', {
      SDHNUM: validated,
      YTRACKNUM: '7946 & <1>',
      YTRKSTA: 'in_transit',
    });
    assert.equal(res.record.YTRACKNUM, '7946 & <1>');
    assert.equal(sim.store.get('salesDelivery', validated)?.values.YTRACKNUM, '7946 & <1>');
    await assert.rejects(
      conn.soapClient().run('NOSUCHSUB', 'GRP1', {}),
      (err: unknown) => err instanceof ApiError && /NOSUCHSUB: web service not published/.test(err.message),
    );
  });

  it('retries the busy SOAP pool ("No Web services accepted") and reports it when it lasts', async () => {
    conn = connect(sim);
    const sd = conn.entity('salesDelivery');
    const key = String(sim.store.list('salesDelivery')[0].values.SDHNUM);
    sim.config.soapPoolBusyCount = 2;
    const before = sim.logs.requests.filter((r) => r.face === 'soap').length;
    assert.equal((await conn.client('soap').read(sd, key))?.SDHNUM, key);
    assert.equal(sim.logs.requests.filter((r) => r.face === 'soap').length - before, 3);
    sim.config.soapPoolBusyCount = 10;
    await assert.rejects(
      conn.client('soap').read(sd, key),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 'X3_POOL_BUSY' &&
        /No Web services accepted/.test(err.message) &&
        err.retryable,
    );
  });

  it('reports the licence volume refusal clearly', async () => {
    conn = connect(sim);
    const sd = conn.entity('salesDelivery');
    const key = String(sim.store.list('salesDelivery')[0].values.SDHNUM);
    sim.config.licence = { sizeLimitBytes: 1, graceLimitBytes: 1, periodMs: 86_400_000, graceDelayMs: 0 };
    await conn
      .client('soap')
      .read(sd, key)
      .catch(() => undefined);
    await assert.rejects(
      conn.client('soap').read(sd, key),
      (err: unknown) =>
        err instanceof ApiError && err.code === 'X3_WS_LICENCE_LIMIT' && /data volume limit reached/.test(err.message),
    );
  });

  it('REST refuses writes of classic documents with X3 diagnoses, and says to route them to SOAP', async () => {
    conn = connect(sim, { api: 'rest' });
    const so = conn.entity('salesOrder');
    await assert.rejects(
      conn.client('rest').create(so, { SALFCY: 'NA012' }),
      (err: unknown) =>
        err instanceof ApiError &&
        err.status === 400 &&
        /not based on a class/.test(err.message) &&
        /route salesOrder writes to SOAP/.test(err.message),
    );
    // class-based entities are writable over REST
    const cu = conn.entity('customer');
    const key = String(sim.store.list('customer')[0].values.BPCNUM);
    const res = await conn.client('rest').update(cu, key, { CTY: 'Zürich' });
    assert.equal(res.record.CTY, 'Zürich');
  });

  it('GraphQL errors carry X3 text (HTTP 400 validation and 200 errors[])', async () => {
    conn = connect(sim, { entities: JSON.stringify({ salesDelivery: { fields: { noSuchProperty: 'ZZZ' } } }) });
    await assert.rejects(
      conn.client('graphql').read(conn.entity('salesDelivery'), 'SD1'),
      (err: unknown) => err instanceof ApiError && err.status === 400 && /noSuchProperty/.test(err.message),
    );
    await conn.close();
    conn = connect(sim);
    await assert.rejects(
      conn
        .client('graphql')
        .queryPages(conn.entity('salesDelivery'), { pageSize: 5, filter: '{noSuchField: 1}' })
        .next(),
      (err: unknown) => err instanceof ApiError && err.code === 'X3_GRAPHQL_ERROR' && /noSuchField/.test(err.message),
    );
  });

  it('finds records by an external reference over GraphQL, REST and SOAP', async () => {
    conn = connect(sim);
    const so = conn.entity('salesOrder');
    const order = sim.store.list('salesOrder').find((r) => r.values.CUSORDREF)!;
    const ref = String(order.values.CUSORDREF);
    for (const style of ['graphql', 'rest', 'soap'] as const) {
      const found = await conn.client(style).findBy(so, 'CUSORDREF', ref);
      assert.equal(found?.SOHNUM, order.values.SOHNUM, style);
      assert.equal(await conn.client(style).findBy(so, 'CUSORDREF', `${ref}'x`), undefined, style);
    }
    assert.equal(await conn.client('soap').read(so, 'NOPE'), undefined);
    assert.equal(await conn.client('rest').read(so, 'NOPE'), undefined);
    assert.equal(await conn.client('graphql').read(so, 'NOPE'), undefined);
  });

  it('a lookup answer without its list (a proxy page, another schema) is an error, never "none": a create is repeated on "none"', async () => {
    conn = connect(sim);
    const so = conn.entity('salesOrder');
    const answering = (data: unknown): HttpClient =>
      new HttpClient({
        system: 'x3',
        baseURL: sim.url,
        dispatcher: new ScriptedDispatcher(() => ({ status: 200, body: data })),
      });
    const graphql = new GraphqlX3Client(answering({ data: {} }), { path: '/xtrem/api', folder: 'SEED', prefix: 'x3' });
    await assert.rejects(
      graphql.findBy(so, 'CUSORDREF', 'REF-1'),
      (err: unknown) => err instanceof ApiError && err.code === 'X3_BAD_RESPONSE',
    );
    const rest = new RestX3Client(answering('<html>maintenance</html>'), {
      url: sim.url,
      path: '/api1/x3/erp',
      folder: 'SEED',
      datetimeLiteral: '@{{value}}@',
    });
    await assert.rejects(
      rest.findBy(so, 'CUSORDREF', 'REF-1'),
      (err: unknown) => err instanceof ApiError && err.code === 'X3_BAD_RESPONSE',
    );
    // X3's own "none" stays "none"
    assert.equal(
      await new GraphqlX3Client(answering({ data: { x3Sales: { salesOrder: { query: { edges: [] } } } } }), {
        path: '/xtrem/api',
        folder: 'SEED',
        prefix: 'x3',
      }).findBy(so, 'CUSORDREF', 'REF-1'),
      undefined,
    );
    assert.equal(await conn.client('rest').findBy(so, 'CUSORDREF', 'NO-SUCH-REF'), undefined);
  });

  describe('authentication', () => {
    it('connected app: a JWT per 240 s, re-minted after a 401, wrong secret reported with X3 text', async () => {
      let t = Date.UTC(2025, 0, 31, 10, 0, 0);
      await sim.close();
      sim = await startX3Sim({ port: 0, host: '127.0.0.1', now: () => t, records: { salesDelivery: 3 } });
      conn = connect(sim, {}, JWT_CREDS, { now: () => t });
      const sd = conn.entity('salesDelivery');
      const key = String(sim.store.list('salesDelivery')[0].values.SDHNUM);
      await conn.client('graphql').read(sd, key);
      t += 239_000;
      await conn.client('graphql').read(sd, key);
      assert.equal(sim.logs.jwtSeen.length, 1);
      t += 1000;
      await conn.client('graphql').read(sd, key);
      assert.equal(sim.logs.jwtSeen.length, 2);
      assert.equal(sim.logs.jwtSeen[1].iat - sim.logs.jwtSeen[0].iat, 240);
      t += 1000;
      sim.config.forced401Count = 1;
      assert.equal((await conn.client('graphql').read(sd, key))?.SDHNUM, key);
      assert.equal(sim.logs.jwtSeen.length, 3, 'the refused token was replaced');
      assert.ok(sim.logs.auth.every((a) => !a.nearExpiry));
      await conn.close();
      conn = connect(sim, {}, { ...JWT_CREDS, clientSecret: 'wrong-secret' }, { now: () => t });
      await assert.rejects(
        conn.client('graphql').read(sd, key),
        (err: unknown) =>
          err instanceof ApiError &&
          err.status === 401 &&
          err.code === 'X3_UNAUTHORIZED' &&
          /Error 50: Invalid token/.test(err.message) &&
          !err.message.includes('wrong-secret'),
      );
    });

    it('basic: wrong password is a 401 with X3 text and no secret in the message', async () => {
      conn = connect(sim, { auth: 'basic', api: 'rest' }, { ...BASIC_CREDS, password: 'bad-password' });
      await assert.rejects(
        conn.client('rest').read(conn.entity('customer'), 'C000001'),
        (err: unknown) => err instanceof ApiError && err.status === 401 && !err.message.includes('bad-password'),
      );
      assert.equal(conn.tokenStatus().state, 'failed');
    });

    it('oauth2: refreshes, persists the rotated refresh token, and a restart continues from it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sx3s-x3-oauth-'));
      try {
        const file = stateFile<PersistedRefreshToken>(dir, 'x3-oauth2', 'cfg1');
        const store = fileRefreshTokenStore(file, OAUTH_CREDS.refreshToken);
        conn = connect(sim, { auth: 'oauth2' }, OAUTH_CREDS, { refreshTokenStore: store });
        const cu = conn.entity('customer');
        const key = String(sim.store.list('customer')[0].values.BPCNUM);
        assert.equal((await conn.client('graphql').read(cu, key))?.BPCNUM, key);
        const saved = JSON.parse(readFileSync(file.path, 'utf8')) as PersistedRefreshToken;
        assert.ok(saved.refreshToken && saved.refreshToken !== OAUTH_CREDS.refreshToken);
        assert.doesNotMatch(JSON.stringify(saved), /sim-initial-refresh-token/);
        await conn.close();
        // "restart": a new connection with the same file uses the rotated token (the initial one is spent)
        conn = connect(sim, { auth: 'oauth2' }, OAUTH_CREDS, {
          refreshTokenStore: fileRefreshTokenStore(file, OAUTH_CREDS.refreshToken),
        });
        assert.equal((await conn.client('graphql').read(cu, key))?.BPCNUM, key);
        assert.equal(sim.logs.tokens.length, 2);
        assert.equal(sim.logs.tokens[1].previousRefreshTokenId, sim.logs.tokens[0].refreshTokenId);
        await conn.close();
        // without the file, the spent initial token is rejected with a clear message
        conn = connect(sim, { auth: 'oauth2' }, OAUTH_CREDS);
        await assert.rejects(
          conn.client('graphql').read(cu, key),
          (err: unknown) =>
            err instanceof ApiError &&
            err.code === 'X3_REFRESH_TOKEN_REJECTED' &&
            /pair the application again/.test(err.message),
        );
        assert.equal(conn.tokenStatus().state, 'failed');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
