/**
 * x3-config's schema discovery seen from the nodes (issue 13): against every simulator schema
 * variant and without an entities override, x3-poll reads the same deliveries and x3-update
 * writes the same tracking fields; a misspelt override reaches Catch naming the property, the
 * entity and X3's suggestions, and the schema is read again once, not on every poll; "Test
 * connection" and the admin endpoint show the resolved mapping.
 */
import { strict as assert } from 'assert';
import configNode = require('../../../nodes/x3/x3-config');
import pollNode = require('../../../nodes/x3/x3-poll');
import updateNode = require('../../../nodes/x3/x3-update');
import type { EntityReport } from '../../../nodes/x3/field-resolution';
import type { NodeAPI } from 'node-red';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { SCHEMA_VARIANTS, type SchemaVariant } from '../../../sim/x3/schema-variants';
import { catchNode, helper, positioned, recorder, startStopServer, useUserDir, waitFor } from './harness';

type Msg = Record<string, unknown>;

const CREDS = {
  clientId: 'sim-connected-app',
  clientSecret: 'sim-connected-app-secret',
  user: 'admin',
  username: 'admin',
  password: 'admin-password',
};

function flow(sim: X3Sim, entities = '', pollExtra: Msg = {}): Array<Record<string, unknown>> {
  return positioned([
    { id: 'tab', type: 'tab', label: 'x3' },
    { id: 'cfg', type: 'x3-config', url: sim.url, folder: 'SEED', api: 'graphql', auth: 'connected-app', entities },
    {
      id: 'poll',
      type: 'x3-poll',
      z: 'tab',
      server: 'cfg',
      entity: 'salesDelivery',
      initial: 'all',
      interval: 3600,
      filter: "{isValidated: 'no', yTrackingNumber: ''}",
      ...pollExtra,
      wires: [['out', 'upd']],
    },
    {
      id: 'upd',
      type: 'x3-update',
      z: 'tab',
      server: 'cfg',
      entity: 'salesDelivery',
      trackingField: 'YTRACKNUM',
      trackingValue: 'T-{{x3.key}}',
      statusField: 'YTRKSTA',
      statusValue: 'label_created',
      wires: [['written']],
    },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'written', type: 'helper', z: 'tab' },
    { id: 'catch', type: 'catch', z: 'tab', scope: ['poll', 'upd'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ]);
}

const DELIVERIES = 4;

function startSim(variant: SchemaVariant): Promise<X3Sim> {
  return startX3Sim({
    port: 0,
    host: '127.0.0.1',
    schemaVariant: variant,
    dataSeed: 7,
    records: { customer: 2, product: 2, salesOrder: DELIVERIES, salesDelivery: DELIVERIES },
  });
}

describe('x3-config schema discovery, through the nodes', function () {
  this.timeout(30_000);
  useUserDir();
  startStopServer();
  let sim: X3Sim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('polls and writes back the same way against every schema variant, with no entities override', async () => {
    const seen: Record<string, { records: Msg[]; writes: unknown[] }> = {};
    for (const variant of SCHEMA_VARIANTS) {
      sim = await startSim(variant);
      await helper.load([configNode, pollNode, updateNode, catchNode], flow(sim), { cfg: CREDS });
      const out = recorder(helper.getNode('out'));
      const written = recorder(helper.getNode('written'));
      const caught = recorder(helper.getNode('caught'));
      const open = sim.store.list('salesDelivery').filter((d) => d.values.CFMFLG === 1);
      assert.ok(open.length > 0);
      await waitFor(() => written.length + caught.length >= open.length, `${variant}: the write-backs`);
      assert.deepEqual(
        caught.map((m) => (m.error as Msg).message),
        [],
        variant,
      );
      const records = out.map((m) => {
        const p = { ...(m.payload as Msg) };
        // shown by some releases only (the xtremX3 2023 variant lacks them on GraphQL)
        for (const f of ['BOLNUM', 'LBENUM', 'BPDCRYNAM']) delete p[f];
        // stamped by the sim's wall clock
        delete p.CREDATTIM;
        delete p.UPDDATTIM;
        return p;
      });
      const writes = sim.logs.writes
        .filter((w) => w.via !== 'sim')
        .map((w) => ({ entity: w.entity, key: w.key, fields: w.fields, via: w.via }));
      seen[variant] = { records, writes };
      for (const d of open) assert.equal(d.values.YTRACKNUM, `T-${d.key}`, `${variant}: ${d.key} written back`);
      await helper.unload();
      await sim.close();
      sim = undefined;
    }
    const ref = seen.current;
    assert.ok(ref.writes.length > 0);
    assert.ok(ref.records.every((r) => Array.isArray(r.BPDADDLIG) && 'YTRACKNUM' in r));
    for (const variant of SCHEMA_VARIANTS) {
      assert.deepEqual(seen[variant].records, ref.records, `${variant}: the same records`);
      assert.deepEqual(seen[variant].writes, ref.writes, `${variant}: the same X3 writes`);
    }
  });

  it("a misspelt override: Catch gets the property, the entity and X3's suggestions; the schema is read again once", async () => {
    sim = await startSim('alternative');
    const entities = JSON.stringify({
      salesDelivery: { fields: { shipToCustomerPhone: { x3: 'BPDTEL', gql: 'shipToCustomerPhon' } } },
    });
    await helper.load([configNode, pollNode, updateNode, catchNode], flow(sim, entities), { cfg: CREDS });
    const caught = recorder(helper.getNode('caught'));
    const schemaReads = (): number => sim!.logs.requests.filter((r) => r.operation === 'X3Schema').length;
    await waitFor(() => caught.length === 1, 'first failure');
    for (let i = 0; i < 3; i++) {
      helper.getNode('poll').receive({ payload: i });
      await waitFor(() => caught.length === i + 2, `failure ${i + 2}`);
    }
    for (const m of caught) {
      const err = m.error as Msg;
      assert.match(String(err.message), /salesDelivery \(type SalesDelivery\) has no property "shipToCustomerPhon"/);
      assert.match(String(err.message), /did you mean "shipToCustomerPhone"/);
    }
    // deploy, then once after the first mismatch; not on every poll
    assert.equal(schemaReads(), 2);
    assert.equal(sim.logs.writes.filter((w) => w.via !== 'sim').length, 0);
  });

  it('"Test connection" and the admin endpoint show per entity which property each field matched', async () => {
    sim = await startSim('alternative');
    const entities = JSON.stringify({
      salesDelivery: { fields: { shipToCustomerPhone: { x3: 'BPDTEL', gql: 'shipToCustomerPhon' } } },
    });
    await helper.load([configNode, pollNode, updateNode, catchNode], flow(sim, entities), { cfg: CREDS });
    const settings = { url: sim.url, folder: 'SEED', api: 'graphql', auth: 'connected-app', entities };
    const res = await helper
      .request()
      .post('/sage-x3-shipping/x3/test')
      .send({ id: 'cfg', settings, credentials: { ...CREDS, clientSecret: '__PWRD__', password: '__PWRD__' } })
      .expect(200);
    assert.equal(res.body.ok, true, JSON.stringify(res.body));
    const report = res.body.report as EntityReport[];
    // the entities the flows use
    assert.deepEqual(
      report.map((r) => r.entity),
      ['salesDelivery'],
    );
    const fields = report[0].graphql!.fields;
    const by = (x3: string) => fields.find((f) => f.x3 === x3)!;
    assert.deepEqual(by('BPDADDLIG').parts, [
      'shipToCustomerAddressLine1',
      'shipToCustomerAddressLine2',
      'shipToCustomerAddressLine3',
    ]);
    assert.equal(by('BPDNAM').match, 'alternative');
    assert.equal(by('YTRACKNUM').match, 'custom');
    assert.equal(by('BPDTEL').match, 'override');
    assert.equal(by('BPDTEL').suggestions?.[0], 'shipToCustomerPhone');
    assert.doesNotMatch(JSON.stringify(res.body), /admin-password|sim-connected-app-secret/);

    const admin = await helper.request().get('/sage-x3-shipping/x3/schema/cfg').expect(200);
    assert.equal(admin.body.ok, true);
    assert.deepEqual(
      (admin.body.report as EntityReport[])[0].graphql!.fields.find((f) => f.x3 === 'BPDTEL')?.suggestions?.[0],
      'shipToCustomerPhone',
    );
    await helper.request().get('/sage-x3-shipping/x3/schema/nope').expect(404);
  });

  it('the report endpoint needs the x3-config read permission', () => {
    const permissions: string[] = [];
    const routes: string[] = [];
    const app = {
      get: (path: string, guard: unknown) => {
        routes.push(`GET ${path} ${String(guard)}`);
      },
      post: (path: string, guard: unknown) => {
        routes.push(`POST ${path} ${String(guard)}`);
      },
    };
    const RED = {
      nodes: { registerType: () => undefined },
      httpAdmin: app,
      auth: {
        needsPermission: (p: string) => {
          permissions.push(p);
          return p;
        },
      },
    } as unknown as NodeAPI;
    (configNode as unknown as (red: NodeAPI) => void)(RED);
    assert.ok(routes.includes('GET /sage-x3-shipping/x3/schema/:id x3-config.read'), routes.join('; '));
  });
});
