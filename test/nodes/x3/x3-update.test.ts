import { strict as assert } from 'assert';
import sinon from 'sinon';
import auditConfigNode = require('../../../nodes/audit/audit-config');
import type { AuditConfigNode } from '../../../nodes/audit/config-api';
import { KeyedQueue } from '../../../nodes/core/keyed-queue';
import configNode = require('../../../nodes/x3/x3-config');
import updateNode = require('../../../nodes/x3/x3-update');
import type { X3Connection } from '../../../nodes/x3/connection';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { connect } from '../../unit/x3/fixtures';
import { catchNode, helper, positioned, recorder, startStopServer, useUserDir, waitFor } from './harness';

const TAB = { id: 'tab', type: 'tab', label: 'x3' };
const CREDS = {
  clientId: 'sim-connected-app',
  clientSecret: 'sim-connected-app-secret',
  user: 'admin',
  username: 'admin',
  password: 'admin-password',
};
const NASTY = `Mü & <Sons> "Ltd" 'x' 東京`;

type Msg = Record<string, unknown>;
const errorOf = (m: Msg): Record<string, unknown> => (m._error ?? m.error) as Record<string, unknown>;

describe('x3-update node', () => {
  useUserDir({ x3ConfigRetry: { baseDelayMs: 1, maxDelayMs: 2 } });
  startStopServer();
  let sim: X3Sim;
  let reader: X3Connection;
  /** What the sim's latency waits for (set with its latencyMs knob); default none. */
  let simWait: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    simWait = undefined;
    sim = await startX3Sim({
      port: 0,
      host: '127.0.0.1',
      sleep: () => simWait?.() ?? Promise.resolve(),
      records: { customer: 3, product: 4, salesOrder: 3, salesDelivery: 8 },
    });
    reader = connect(sim);
  });
  afterEach(async () => {
    await reader.close();
    await sim.close();
  });

  async function load(
    update: Record<string, unknown>,
    config: Record<string, unknown> = {},
  ): Promise<{ out: Msg[]; caught: Msg[] }> {
    await helper.load(
      [configNode, updateNode, catchNode, auditConfigNode],
      positioned([
        TAB,
        {
          id: 'cfg',
          type: 'x3-config',
          url: sim.url,
          folder: 'SEED',
          api: 'graphql',
          auth: 'connected-app',
          entities: JSON.stringify({ salesDelivery: { fields: { yTrackingNumber: 'YTRACKNUM' } } }),
          ...config,
        },
        { id: 'audit', type: 'audit-config', path: 'audit.db' },
        {
          id: 'upd',
          type: 'x3-update',
          z: 'tab',
          server: 'cfg',
          audit: 'audit',
          entity: 'salesDelivery',
          operation: 'update',
          wires: [['out']],
          ...update,
        },
        { id: 'out', type: 'helper', z: 'tab' },
        { id: 'catch', type: 'catch', z: 'tab', scope: ['upd'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'tab' },
      ]),
      { cfg: CREDS },
    );
    const out = recorder(helper.getNode('out'));
    const caught = recorder(helper.getNode('caught'));
    return { out, caught };
  }

  const audit = (): AuditConfigNode => helper.getNode('audit') as unknown as AuditConfigNode;
  const openDelivery = (i = 0): string => sim.store.list('salesDelivery').filter((r) => r.values.CFMFLG !== 2)[i].key;

  it('guarded write-back: writes an empty field, overwrites its own value, refuses a foreign one (X3_CONFLICT to Catch, record unchanged, audited)', async () => {
    const { out, caught } = await load({ trackingField: 'YTRACKNUM', statusField: 'YTRKSTA' });
    const key = openDelivery();
    const upd = helper.getNode('upd');
    upd.receive({
      payload: { trackingNumber: '794600000001', status: 'label_created' },
      x3: { entity: 'salesDelivery', key },
      keep: 'me',
    });
    await waitFor(() => out.length === 1, 'first write');
    assert.equal((out[0].payload as Msg).YTRACKNUM, '794600000001');
    assert.deepEqual(out[0].x3, {
      entity: 'salesDelivery',
      operation: 'update',
      folder: 'SEED',
      api: 'soap',
      key,
      changed: ['YTRACKNUM', 'YTRKSTA'],
    });
    assert.equal(out[0].keep, 'me');
    upd.receive({
      payload: { trackingNumber: '794600000002', status: 'in_transit' },
      x3: { entity: 'salesDelivery', key },
    });
    await waitFor(() => out.length === 2, 'own value overwritten');
    assert.equal(sim.store.get('salesDelivery', key)?.values.YTRACKNUM, '794600000002');

    sim.store.touch('salesDelivery', [key], { YTRACKNUM: 'TYPED-IN-X3' });
    const before = JSON.stringify(sim.store.get('salesDelivery', key)?.values);
    upd.receive({
      payload: { trackingNumber: '794600000003', status: 'in_transit' },
      x3: { entity: 'salesDelivery', key },
    });
    await waitFor(() => caught.length === 1, 'conflict');
    const err = caught[0].error as Msg;
    assert.match(String(err.message), /YTRACKNUM holds "TYPED-IN-X3", which this node did not write/);
    assert.equal(errorOf(caught[0]).code, 'X3_CONFLICT');
    assert.equal(JSON.stringify(sim.store.get('salesDelivery', key)?.values), before);
    const failed = await audit().getStore().query({ status: 'failed', operation: 'x3.update' });
    assert.equal(failed.total, 1);
    assert.equal(failed.entries[0].error?.code, 'X3_CONFLICT');
    assert.equal(failed.entries[0].correlation?.x3Key, key);
    const ok = await audit().getStore().query({ status: 'succeeded', operation: 'x3.update' });
    assert.equal(ok.total, 2);
  });

  it('never writes a tracking status older than the one the tracked shipments already hold (poll and webhook flows)', async () => {
    // examples 03 and 04 deployed together: two x3-update nodes, nothing orders their writes,
    // and the poll's out_for_delivery reaches X3 after the webhook's delivered
    const { out, caught } = await load({ statusField: 'YTRKSTA' });
    const key = openDelivery();
    const tn = '794600000101';
    const store = audit().getStore();
    await store.trackShipment(tn, { x3Entity: 'salesDelivery', x3Key: key });
    await store.updateShipment(tn, {
      status: 'delivered',
      statusCode: 'DL',
      lastEventAt: '2025-03-16T21:02:00.000Z',
      closed: true,
    });
    const upd = helper.getNode('upd');
    const event = (status: string, statusCode: string, occurredAt: string, number = tn) => ({
      payload: {
        trackingNumber: number,
        status,
        statusCode,
        occurredAt,
        delivered: status === 'delivered',
        events: [],
      },
      x3: { entity: 'salesDelivery', key },
    });
    upd.receive(event('delivered', 'DL', '2025-03-16T21:02:00.000Z'));
    await waitFor(() => out.length === 1, 'delivered written');
    assert.equal(sim.store.get('salesDelivery', key)?.values.YTRKSTA, 'delivered');
    upd.receive(event('out_for_delivery', 'OD', '2025-03-16T15:00:00.000Z'));
    await waitFor(() => out.length === 2, 'the late msg passes');
    assert.equal(sim.store.get('salesDelivery', key)?.values.YTRKSTA, 'delivered', 'X3 keeps the newer status');
    assert.deepEqual((out[1].x3 as Msg).changed, []);
    assert.equal((out[1].x3 as Msg).newerStatus, 'delivered');
    assert.deepEqual(caught, []);
    // a msg about a shipment the store does not follow is written as before
    upd.receive(event('in_transit', 'AR', '2025-03-17T10:00:00.000Z', '794600000199'));
    await waitFor(() => out.length === 3, 'unfollowed shipment');
    assert.equal(sim.store.get('salesDelivery', key)?.values.YTRKSTA, 'in_transit');
  });

  it('two x3-update nodes on one X3 write a document one after another: a status checked before a newer one was applied lands first', async () => {
    // example 03's and example 04's x3-update: B's newer status must not be overtaken by A's
    // older one whose guard looked at the store just before the newer event was applied
    await helper.load(
      [configNode, updateNode, auditConfigNode],
      positioned([
        TAB,
        {
          id: 'cfg',
          type: 'x3-config',
          url: sim.url,
          folder: 'SEED',
          api: 'graphql',
          auth: 'connected-app',
        },
        { id: 'audit', type: 'audit-config', path: 'audit.db' },
        ...['A', 'B'].map((n) => ({
          id: `upd${n}`,
          type: 'x3-update',
          z: 'tab',
          server: 'cfg',
          audit: 'audit',
          entity: 'salesDelivery',
          operation: 'update',
          statusField: 'YTRKSTA',
          wires: [[`out${n}`]],
        })),
        { id: 'outA', type: 'helper', z: 'tab' },
        { id: 'outB', type: 'helper', z: 'tab' },
      ]),
      { cfg: CREDS },
    );
    const outA = recorder(helper.getNode('outA'));
    const outB = recorder(helper.getNode('outB'));
    const key = openDelivery();
    const tn = '794600000102';
    const store = audit().getStore();
    await store.trackShipment(tn, { x3Entity: 'salesDelivery', x3Key: key });
    await store.updateShipment(tn, {
      status: 'out_for_delivery',
      statusCode: 'OD',
      lastEventAt: '2025-03-16T15:00:00.000Z',
      closed: false,
    });
    const event = (status: string, statusCode: string, occurredAt: string) => ({
      payload: { trackingNumber: tn, status, statusCode, occurredAt, delivered: status === 'delivered', events: [] },
      x3: { entity: 'salesDelivery', key },
    });
    // A's write is held in X3 right after its guard read the store
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held = false;
    const getShipment = store.getShipment.bind(store);
    const guard = sinon.stub(store, 'getShipment').callsFake(async (n) => {
      const s = await getShipment(n);
      if (guard.callCount === 1) {
        sim.config.latencyMs = 1;
        simWait = () => {
          simWait = undefined;
          sim.config.latencyMs = 0;
          held = true;
          return released;
        };
      }
      return s;
    });
    const queued = sinon.spy(KeyedQueue.prototype, 'runAll');
    try {
      helper.getNode('updA').receive(event('out_for_delivery', 'OD', '2025-03-16T15:00:00.000Z'));
      await waitFor(() => held, "A's write held");
      await store.updateShipment(tn, {
        status: 'delivered',
        statusCode: 'DL',
        lastEventAt: '2025-03-16T21:02:00.000Z',
        closed: true,
      });
      helper.getNode('updB').receive(event('delivered', 'DL', '2025-03-16T21:02:00.000Z'));
      // B either waits behind A for this document, or (each node on its own) writes at once
      await waitFor(
        () => outB.length === 1 || (queued.callCount === 2 && queued.thisValues[0] === queued.thisValues[1]),
        'B written or queued behind A',
      );
      release();
      await waitFor(() => outA.length === 1 && outB.length === 1, 'both msgs passed');
    } finally {
      queued.restore();
      guard.restore();
    }
    assert.equal(sim.store.get('salesDelivery', key)?.values.YTRKSTA, 'delivered');
  });

  it('appends the numbers of a multi-package shipment', async () => {
    const { out } = await load({ trackingField: 'YTRACKNUM', trackingMode: 'append', separator: ' ' });
    const key = openDelivery();
    for (const n of ['111', '222', '333'])
      helper.getNode('upd').receive({ payload: { trackingNumber: n }, x3: { entity: 'salesDelivery', key } });
    await waitFor(() => out.length === 3, 'three writes');
    assert.equal(sim.store.get('salesDelivery', key)?.values.YTRACKNUM, '111 222 333');
  });

  it('bad input reaches Catch with a clear message: missing key, unknown entity, no entity', async () => {
    const { caught } = await load({ entity: '', trackingField: 'YTRACKNUM' }, { api: 'rest' });
    const upd = helper.getNode('upd');
    upd.receive({ topic: 'salesDelivery', payload: { trackingNumber: '1' } });
    await waitFor(() => caught.length === 1, 'missing key');
    assert.equal(errorOf(caught[0]).code, 'VALIDATION');
    assert.equal(errorOf(caught[0]).field, 'SDHNUM');
    assert.match(String((caught[0].error as Msg).message), /no SDHNUM \(key of salesDelivery\)/);

    upd.receive({ topic: 'invoice', payload: {} });
    await waitFor(() => caught.length === 2, 'unknown entity');
    assert.equal(errorOf(caught[1]).field, 'entity');
    assert.match(String((caught[1].error as Msg).message), /unknown X3 entity "invoice"/);

    upd.receive({ payload: {} });
    await waitFor(() => caught.length === 3, 'no entity');
    assert.match(String((caught[2].error as Msg).message), /msg\.topic/);
  });

  it('an X3 4xx error body (REST $diagnoses) reaches Catch with X3 text', async () => {
    const { caught } = await load(
      { entity: 'customer', mapping: '{"BPCSHO": "{{payload.x}}"}', key: '{{payload.id}}' },
      { api: 'rest' },
    );
    // longer than BPCSHO's 10 characters: X3 refuses it
    helper.getNode('upd').receive({ payload: { id: sim.store.list('customer')[0].key, x: 'a short name too long' } });
    await waitFor(() => caught.length === 1, 'rest 400');
    const info = errorOf(caught[0]);
    assert.equal(info.status, 400);
    assert.match(String((caught[0].error as Msg).message), /BPCSHO/);
  });

  it('a write naming a field this X3 does not have is refused before any call, naming it', async () => {
    const { caught } = await load(
      { entity: 'customer', mapping: '{"ZZNOFIELD": "{{payload.x}}"}', key: '{{payload.id}}' },
      { api: 'rest' },
    );
    helper.getNode('upd').receive({ payload: { id: sim.store.list('customer')[0].key, x: 'y' } });
    await waitFor(() => caught.length === 1, 'refused');
    assert.equal(errorOf(caught[0]).code, 'VALIDATION');
    assert.match(
      String((caught[0].error as Msg).message),
      /ZZNOFIELD is not in this X3's REST representation BPCUSTOMER/,
    );
    assert.equal(sim.logs.requests.filter((r) => r.method === 'PUT').length, 0, 'nothing sent');
  });

  it('creates a sales order with lines through SOAP once (replay-safe by CUSORDREF); GraphQL and REST see it intact', async () => {
    const { out } = await load({
      entity: 'salesOrder',
      operation: 'create',
      recordProperty: 'x3Draft.salesOrder',
      externalRefField: 'CUSORDREF',
      externalRefValue: '{{payload.orderNumber}}',
    });
    const customer = sim.store.list('customer')[0].key;
    const [p1, p2] = sim.store.list('product').map((r) => r.key);
    const msg = (): Msg => ({
      payload: { orderNumber: 'SS-1001' },
      x3Draft: {
        salesOrder: {
          SALFCY: 'NA012',
          BPCORD: customer,
          ORDDAT: '2025-02-01',
          BPDNAM: [NASTY],
          BPDADDLIG: ['1 <Main> & "St"'],
          lines: [
            { ITMREF: p1, QTY: 2, ITMDES1: 'Ä & <b>' },
            { ITMREF: p2, QTY: 1 },
          ],
        },
      },
    });
    helper.getNode('upd').receive(msg());
    await waitFor(() => out.length === 1, 'create');
    const x3 = out[0].x3 as Msg;
    assert.equal(x3.created, true);
    assert.equal(x3.api, 'soap');
    const key = String(x3.key);
    helper.getNode('upd').receive(msg());
    await waitFor(() => out.length === 2, 'replay');
    assert.equal((out[1].x3 as Msg).created, false);
    assert.equal((out[1].x3 as Msg).key, key);
    assert.equal(sim.store.list('salesOrder').filter((r) => r.values.CUSORDREF === 'SS-1001').length, 1);
    const so = reader.entity('salesOrder');
    for (const style of ['graphql', 'rest'] as const) {
      const rec = (await reader.client(style).read(so, key))!;
      assert.equal(rec.CUSORDREF, 'SS-1001', style);
      assert.deepEqual(rec.BPDNAM, [NASTY], style);
      assert.deepEqual(rec.BPDADDLIG, ['1 <Main> & "St"'], style);
      assert.deepEqual(
        (rec.SORDERQ as Msg[]).map((l) => [l.ITMREF, l.QTY, l.ITMDES1]).slice(0, 1),
        [[p1, 2, 'Ä & <b>']],
        style,
      );
    }
    const ledger = await audit().getStore().get('x3.create:SEED:salesOrder:CUSORDREF=SS-1001');
    assert.equal(ledger?.state, 'succeeded');
  });

  it('modifies a delivery tracking field through SOAP, visible through GraphQL and REST; a busy pool is retried', async () => {
    const { out } = await load({ trackingField: 'YTRACKNUM', key: '{{payload.sdh}}' });
    const key = openDelivery(1);
    sim.config.soapPoolBusyCount = 2;
    helper.getNode('upd').receive({ payload: { sdh: key, trackingNumber: 'TRK<&>"é"' } });
    await waitFor(() => out.length === 1, 'modify');
    assert.ok(
      sim.logs.requests.filter((r) => r.face === 'soap' && r.status === 500).length >= 2,
      'the busy answers were retried',
    );
    const sd = reader.entity('salesDelivery');
    assert.equal((await reader.client('graphql').read(sd, key))?.YTRACKNUM, 'TRK<&>"é"');
    assert.equal((await reader.client('rest').read(sd, key))?.YTRACKNUM, 'TRK<&>"é"');
    assert.deepEqual(
      sim.logs.writes.filter((w) => w.key === key && w.operation === 'update').map((w) => w.via),
      ['soap'],
    );
  });

  it('writes the tracking number of a validated delivery through a published subprogram, still guarded', async () => {
    const { out, caught } = await load({
      trackingField: 'YTRACKNUM',
      statusField: 'YTRKSTA',
      subprogram: sim.publications.deliveryTrackingSubprogram,
    });
    const validated = sim.store.list('salesDelivery').find((r) => r.values.CFMFLG === 2)!.key;
    helper.getNode('upd').receive({
      payload: { trackingNumber: 'V-1', status: 'delivered' },
      x3: { entity: 'salesDelivery', key: validated },
    });
    await waitFor(() => out.length === 1, 'run');
    assert.deepEqual((out[0].x3 as Msg).changed, ['YTRACKNUM', 'YTRKSTA']);
    assert.equal(sim.store.get('salesDelivery', validated)?.values.YTRACKNUM, 'V-1');
    assert.equal(sim.store.get('salesDelivery', validated)?.values.YTRKSTA, 'delivered');
    sim.store.touch('salesDelivery', [validated], { YTRACKNUM: 'SOMEONE-ELSE' });
    helper.getNode('upd').receive({
      payload: { trackingNumber: 'V-2', status: 'delivered' },
      x3: { entity: 'salesDelivery', key: validated },
    });
    await waitFor(() => caught.length === 1, 'conflict');
    assert.equal(errorOf(caught[0]).code, 'X3_CONFLICT');
    assert.equal(sim.store.get('salesDelivery', validated)?.values.YTRACKNUM, 'SOMEONE-ELSE');
  });

  it('writes the label reference (prefix mapped) and calls the named attachment subprogram once', async () => {
    const { out } = await load({
      trackingField: 'YTRACKNUM',
      labelField: 'YLABEL',
      labelPathPrefix: '/mnt/x3labels/',
      labelSubprogram: sim.publications.deliveryAttachmentSubprogram,
      labelSubprogramParams:
        '{"SDHNUM": "{{key}}", "YPATH": "{{label.x3Path}}", "YDES": "FedEx {{label.trackingNumber}}"}',
    });
    const key = sim.store.list('salesDelivery').find((r) => r.values.CFMFLG !== 2)!.key;
    const msg = () => ({
      payload: {
        trackingNumber: '794600000001',
        labels: [
          {
            trackingNumber: '794600000001',
            format: 'PDF',
            ref: {
              path: `SEED/salesDelivery/${key}/794600000001.pdf`,
              sha256: 'x',
              size: 1,
              contentType: 'application/pdf',
            },
          },
        ],
      },
      fedex: { idempotencyKey: `fedex.ship:x:${key}` },
      x3: { entity: 'salesDelivery', key },
    });
    helper.getNode('upd').receive(msg());
    await waitFor(() => out.length === 1, 'label written');
    const path = `/mnt/x3labels/SEED/salesDelivery/${key}/794600000001.pdf`;
    assert.equal(sim.store.get('salesDelivery', key)?.values.YLABEL, path);
    assert.deepEqual((out[0].x3 as Msg).changed, ['YTRACKNUM', 'YLABEL']);
    helper.getNode('upd').receive(msg());
    await waitFor(() => out.length === 2, 'replay');
    assert.deepEqual(
      sim.store.attachments.map((a) => [a.key, a.path, a.description]),
      [[key, path, 'FedEx 794600000001']],
    );
  });

  it('X3 error and warning messages reach Catch with X3 text', async () => {
    const { caught, out } = await load({
      trackingField: 'YTRACKNUM',
      mapping: '{"CFMFLG": "{{payload.flag}}"}',
      warnings: 'error',
    });
    const validated = sim.store.list('salesDelivery').find((r) => r.values.CFMFLG === 2)!.key;
    helper
      .getNode('upd')
      .receive({ payload: { trackingNumber: '1' }, x3: { entity: 'salesDelivery', key: validated } });
    await waitFor(() => caught.length === 1, 'validated delivery');
    assert.equal(
      errorOf(caught[0]).message,
      `X3 modify SDH: error: Delivery ${validated}: validated delivery, modification not allowed`,
    );
    assert.equal(errorOf(caught[0]).code, 'X3_ERROR');

    const key = openDelivery();
    helper
      .getNode('upd')
      .receive({ payload: { trackingNumber: '2', flag: '2' }, x3: { entity: 'salesDelivery', key } });
    await waitFor(() => caught.length === 2, 'warning');
    assert.equal(errorOf(caught[1]).code, 'X3_WARNING');
    assert.match(String((caught[1].error as Msg).message), /warning: CFMFLG: field not modifiable, value ignored/);
    assert.equal(out.length, 0);
  });

  it('ensure names the missing SKUs and passes the msg on when all exist', async () => {
    const { caught, out } = await load({ entity: 'product', operation: 'ensure', recordProperty: 'x3Draft.products' });
    const known = sim.store.list('product')[0].key;
    helper
      .getNode('upd')
      .receive({ payload: 'order', x3Draft: { products: [{ ITMREF: known }, { ITMREF: 'SKU-MISSING' }] } });
    await waitFor(() => caught.length === 1, 'missing product');
    assert.match(
      String((caught[0].error as Msg).message),
      /product records? missing in X3 \(folder SEED\): ITMREF SKU-MISSING/,
    );
    helper.getNode('upd').receive({ payload: 'order', x3Draft: { products: [{ ITMREF: known }] } });
    await waitFor(() => out.length === 1, 'all there');
    assert.equal(out[0].payload, 'order');
    assert.deepEqual((out[0].x3 as Msg).keys, [known]);
  });
});
