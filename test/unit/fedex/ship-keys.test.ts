/**
 * What tells two documents apart in the exactly-once ledger and at FedEx: the ledger key carries
 * the X3 folder, the FedEx environment and account; the default customer reference carries the
 * folder and the document type, and reconcile adopts only a shipment with exactly that reference.
 */
import assert from 'node:assert/strict';
import { ValidationError } from '../../../nodes/core/errors';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import { holdOf } from '../../../nodes/audit/ledger-hold';
import type { AuditStore } from '../../../nodes/audit/types';
import type { FedexClient } from '../../../nodes/fedex/client';
import { readReferenceLookup } from '../../../nodes/fedex/ship-result';
import { ShipService, type ShipClient } from '../../../nodes/fedex/ship-service';
import type { FedexSim } from '../../../sim/fedex/server';
import { settings, salesDelivery, x3Of } from './fixtures';
import { simClient, startSim } from './sim';

const DOC = 'SD00000001';

/** The real client, seen as another FedEx environment and/or account. */
function asTarget(client: FedexClient, target: { environment?: string; accountNumber?: string }): ShipClient {
  return {
    environment: target.environment ?? client.environment,
    accountNumber: target.accountNumber ?? client.accountNumber,
    createShipment: (b, c) => client.createShipment(b, c),
    createFreightShipment: (b, c) => client.createFreightShipment(b, c),
    cancelShipment: (b, c) => client.cancelShipment(b, c),
    trackByReference: (q, c) => client.trackByReference(q, c),
  };
}

describe('fedex/ship-service ledger keys and references', function () {
  this.timeout(20_000);
  let sim: FedexSim;
  let client: FedexClient;
  let store: AuditStore;

  const service = (opts: Partial<ConstructorParameters<typeof ShipService>[0]> = {}): ShipService =>
    new ShipService({
      client,
      store,
      owner: 'this-process',
      settings: settings(),
      reconcileDelayMs: 0,
      reconcileWindowMs: 0,
      reconcileLookups: 1,
      ...opts,
    });

  beforeEach(async () => {
    sim = await startSim();
    client = simClient(sim);
    store = openSqliteStore({ path: ':memory:' });
  });

  afterEach(async () => {
    await client.close();
    await store.close();
    await sim.close();
  });

  it('the key carries the FedEx environment and account: a sandbox result never answers a production msg', async () => {
    const sandbox = await service({ client: asTarget(client, { environment: 'sandbox' }) }).ship({
      record: salesDelivery(DOC),
      x3: x3Of('salesDelivery', DOC),
    });
    assert.equal(sandbox.outcome, 'created');
    const production = await service({ client: asTarget(client, { environment: 'production' }) }).ship({
      record: salesDelivery(DOC),
      x3: x3Of('salesDelivery', DOC),
    });
    assert.equal(production.outcome, 'created', 'not the stored sandbox label');
    assert.notEqual(production.key, sandbox.key);
    const otherAccount = ShipService.documentKey(salesDelivery(DOC), x3Of('salesDelivery', DOC), settings(), {
      environment: 'production',
      accountNumber: '999999999',
    });
    assert.notEqual(otherAccount, production.key);
  });

  it('a msg without msg.x3.folder is refused before any claim: documents of two folders never share a key', async () => {
    const x3 = { entity: 'salesDelivery', key: DOC };
    await assert.rejects(
      service().ship({ record: salesDelivery(DOC), x3 }),
      (e: unknown) => e instanceof ValidationError && e.field === 'msg.x3.folder',
    );
    assert.equal(sim.state.requests.length, 0);
  });

  it('a document labelled under the key format of the previous version is not labelled again', async () => {
    const legacy = `fedex.ship:SEED:salesDelivery:${DOC}`;
    const claim = await store.claim(legacy, { owner: 'old-version', system: 'fedex', operation: 'ship.create' });
    const stored = {
      payload: {
        trackingNumber: '794600000001',
        masterTrackingNumber: '794600000001',
        trackingNumbers: ['794600000001'],
        labels: [],
      },
      alerts: [],
      kind: 'parcel',
      documentNumber: DOC,
      entity: 'salesDelivery',
      folder: 'SEED',
    };
    await store.complete(legacy, stored, holdOf(claim.entry));
    const out = await service().ship({ record: salesDelivery(DOC), x3: x3Of('salesDelivery', DOC) });
    assert.equal(out.outcome, 'stored');
    assert.equal(out.key, legacy);
    assert.equal(out.result.payload.trackingNumber, '794600000001');
    assert.equal(sim.state.requests.length, 0);
    // and a cancel of the document finds it there too
    const cancel = service().cancel({ record: salesDelivery(DOC), x3: x3Of('salesDelivery', DOC) });
    await assert.rejects(cancel); // the sim has no such shipment: FedEx refuses, but it was asked for that number
    assert.ok(sim.state.cancels.some((c) => JSON.stringify(c).includes('794600000001')));
  });

  it("the default reference names folder and document type: an ambiguous create never adopts another folder's shipment", async () => {
    // folder SEED labels SD00000001
    const first = await service().ship({ record: salesDelivery(DOC), x3: x3Of('salesDelivery', DOC) });
    const reference = sim.findShipment(first.result.payload.trackingNumber)?.references[0]?.value ?? '';
    assert.match(reference, /SEED/);
    assert.match(reference, /SDH/);
    assert.ok(reference.length <= 30, reference);
    // folder TEST has a delivery with the same number; its create fails without creating anything
    await client.testConnection();
    sim.config.error5xxRate = 1;
    const wrapped: ShipClient = {
      ...asTarget(client, {}),
      trackByReference: (q, c) => {
        sim.config.error5xxRate = 0;
        return client.trackByReference(q, c);
      },
    };
    const other = await service({ client: wrapped }).ship({
      record: salesDelivery(DOC),
      x3: { ...x3Of('salesDelivery', DOC), folder: 'TEST' },
    });
    assert.equal(other.outcome, 'created', "not SEED's shipment adopted");
    assert.notEqual(other.result.payload.trackingNumber, first.result.payload.trackingNumber);
    assert.equal(sim.state.shipments.length, 2);
  });

  it('reconcile matches the reference exactly: a shipment of "X3 SD1" does not answer for "X3 SD10"', () => {
    const answer = {
      output: {
        completeTrackResults: [
          {
            trackingNumber: '794600000001',
            trackResults: [
              {
                trackingNumberInfo: { trackingNumber: '794600000001' },
                additionalTrackingInfo: { packageIdentifiers: [{ type: 'CUSTOMER_REFERENCE', values: ['X3 SD10'] }] },
                latestStatusDetail: { code: 'OC' },
              },
            ],
          },
        ],
      },
    };
    assert.equal(readReferenceLookup(answer, new Set(), 'X3 SD1').found, false);
    assert.equal(readReferenceLookup(answer, new Set(), 'X3 SD10').found, true);
  });
});
