import assert from 'node:assert/strict';
import type { FedexSim } from '../../../sim/fedex/server';
import { salesDelivery, x3Of } from '../../unit/fedex/fixtures';
import { PRODUCTS, intlOrder, monterreyDelivery, torontoDelivery } from '../../unit/fedex/intl-fixtures';
import { startSim } from '../../unit/fedex/sim';
import { catchNode, collect, credentials, helper, modules, startStopServer } from './harness';
import { shipFlow } from './ship-harness';

const msgFor = (record: Record<string, unknown>, fedex: Record<string, unknown> = {}) => ({
  topic: 'salesDelivery',
  payload: record,
  x3: x3Of('salesDelivery', String(record.SDHNUM)),
  fedex: { products: PRODUCTS, salesOrder: intlOrder(), ...fedex },
});

type Doc = { type?: string; contentType: string; format: string; data?: string; ref?: unknown };

describe('fedex-ship node: international deliveries (customs)', function () {
  this.timeout(30_000);
  let sim: FedexSim;
  startStopServer();
  beforeEach(async () => {
    sim = await startSim();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('US -> CA and US -> MX deliveries of several lines: one shipment each with a commercial invoice, accepted by the sim', async () => {
    await helper.load([...modules, catchNode], shipFlow(sim), credentials());
    const got = collect(helper.getNode('out'), 2);
    const caught = collect(helper.getNode('caught'), 1, 500).catch(() => []);
    helper.getNode('ship').receive(msgFor(torontoDelivery()));
    helper.getNode('ship').receive(msgFor(monterreyDelivery()));
    const out = await got;
    assert.deepEqual(await caught, []);
    assert.equal(sim.state.shipments.length, 2);
    for (const msg of out) {
      const payload = msg.payload as { serviceType: string; documents?: Doc[]; labels: Doc[] };
      assert.equal(payload.serviceType, 'FEDEX_INTERNATIONAL_PRIORITY');
      const invoice = payload.documents?.find((d) => d.type === 'COMMERCIAL_INVOICE');
      assert.ok(invoice, JSON.stringify(payload.documents));
      assert.equal(
        Buffer.from(invoice.data ?? '', 'base64')
          .subarray(0, 5)
          .toString(),
        '%PDF-',
      );
    }
    const countries = sim.state.shipments.map((s) => s.recipient.countryCode).sort();
    assert.deepEqual(countries, ['CA', 'MX']);
    assert.ok(sim.state.shipments.every((s) => s.documents.some((d) => d.contentType === 'COMMERCIAL_INVOICE')));
  });

  it('a delivery whose product has no customs code fails before any FedEx call, naming the X3 field', async () => {
    await helper.load([...modules, catchNode], shipFlow(sim), credentials());
    const caught = collect(helper.getNode('caught'), 1);
    const products = { ...PRODUCTS, ITM000003: { ...PRODUCTS.ITM000003, CUSREF: '' } };
    helper.getNode('ship').receive(msgFor(torontoDelivery('SD00000201'), { products }));
    const [msg] = await caught;
    const error = msg.error as { code: string; message: string };
    assert.equal(error.code, 'VALIDATION');
    assert.match(error.message, /product ITM000003: harmonized code missing \(product master CUSREF of ITM000003\)/);
    assert.equal(sim.state.shipments.length, 0);
    assert.equal(
      sim.state.requests.filter((r) => r.path.startsWith('/ship/')).length,
      0,
      'no ship request reached FedEx',
    );
  });

  it('the customs field names are settings: a customer-named customs code field is read', async () => {
    const products = Object.fromEntries(
      Object.entries(PRODUCTS).map(([k, p]) => [k, { ...p, CUSREF: undefined, ZHSCODE: p.CUSREF }]),
    );
    await helper.load(
      [...modules, catchNode],
      shipFlow(sim, {
        customsFields: '{"productHarmonizedCode": "ZHSCODE"}',
        customsServiceType: 'INTERNATIONAL_ECONOMY',
      }),
      credentials(),
    );
    const got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(msgFor(monterreyDelivery('SD00000301'), { products }));
    const [msg] = await got;
    assert.equal((msg.payload as { serviceType: string }).serviceType, 'INTERNATIONAL_ECONOMY');
  });

  it('a domestic delivery is unchanged: no customs, no documents, the node service', async () => {
    await helper.load([...modules, catchNode], shipFlow(sim), credentials());
    const got = collect(helper.getNode('out'), 1);
    helper.getNode('ship').receive(msgFor(salesDelivery('SD00000401')));
    const [msg] = await got;
    const payload = msg.payload as { serviceType: string; documents?: unknown };
    assert.equal(payload.serviceType, 'FEDEX_GROUND');
    assert.equal(payload.documents, undefined);
  });
});
