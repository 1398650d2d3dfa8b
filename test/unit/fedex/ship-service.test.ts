import assert from 'node:assert/strict';
import { ApiError, ValidationError } from '../../../nodes/core/errors';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabelStore } from '../../../nodes/audit/label-store';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditEntryInput, AuditStore } from '../../../nodes/audit/types';
import type { FedexClient } from '../../../nodes/fedex/client';
import { buildShipment } from '../../../nodes/fedex/mapping';
import { ShipService, type ShipClient } from '../../../nodes/fedex/ship-service';
import type { FedexSim } from '../../../sim/fedex/server';
import { purchaseOrder, salesDelivery, settings, x3Of } from './fixtures';
import { simClient, startSim, tokenRequestsOk } from './sim';

const DOC = 'SD00000001';
const KEY = `fedex.ship:custom:740561073:SEED:salesDelivery:${DOC}`;

describe('fedex/ship-service against the FedEx simulator', function () {
  this.timeout(20_000);
  let sim: FedexSim;
  let client: FedexClient;
  let store: AuditStore;
  let audit: AuditEntryInput[];

  const service = (opts: Partial<ConstructorParameters<typeof ShipService>[0]> = {}): ShipService =>
    new ShipService({
      client,
      store,
      owner: 'this-process',
      settings: settings(),
      record: async (e) => void audit.push(e),
      // real time here: one lookup at once (the window and its lookups: ship-reconcile.test.ts)
      reconcileDelayMs: 0,
      reconcileWindowMs: 0,
      reconcileLookups: 1,
      ...opts,
    });

  const ship = (svc: ShipService, key = DOC, extra: Record<string, unknown> = {}) =>
    svc.ship({ record: salesDelivery(key), x3: x3Of('salesDelivery', key), ...extra });

  beforeEach(async () => {
    sim = await startSim();
    client = simClient(sim);
    store = openSqliteStore({ path: ':memory:' });
    audit = [];
  });

  afterEach(async () => {
    await client.close();
    await store.close();
    await sim.close();
  });

  it('creates the shipment, stores it in the ledger, registers tracking and sends the claim key', async () => {
    const out = await ship(service());
    assert.equal(out.outcome, 'created');
    assert.equal(out.key, KEY);
    const p = out.result.payload;
    assert.match(p.trackingNumber, /^\d{12}$/);
    assert.equal(p.masterTrackingNumber, p.trackingNumber);
    assert.equal(p.trackingNumbers.length, 2);
    assert.equal(p.serviceType, 'FEDEX_GROUND');
    assert.match(p.shipDate ?? '', /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(p.labels.length, 2);
    assert.equal(p.labels[0].format, 'PDF');
    assert.equal(p.labels[0].contentType, 'application/pdf');
    assert.ok(
      Buffer.from(p.labels[0].data ?? '', 'base64')
        .subarray(0, 5)
        .equals(Buffer.from('%PDF-')),
    );
    assert.equal(sim.state.shipments.length, 1);
    assert.equal(sim.state.creates[0].customerTransactionId, KEY);
    const shipment = sim.state.shipments[0];
    assert.deepEqual(
      shipment.references.map((r) => [r.type, r.value]),
      [['CUSTOMER_REFERENCE', `SEED SDH ${DOC}`]],
    );
    const entry = await store.get(KEY);
    assert.equal(entry?.state, 'succeeded');
    const tracked = await store.getShipment(p.masterTrackingNumber);
    assert.equal(tracked?.status, 'label_created');
    assert.equal(tracked?.correlation?.x3Key, DOC);
    assert.deepEqual(
      audit.map((a) => [a.operation, a.status, a.idempotencyKey]),
      [['ship.create', 'succeeded', KEY]],
    );
  });

  it('the same X3 document twice, concurrently and again later, yields one shipment', async () => {
    const svc = service();
    const [a, b] = await Promise.all([ship(svc), ship(svc)]);
    const c = await ship(svc);
    assert.deepEqual([a.outcome, b.outcome, c.outcome].sort(), ['created', 'stored', 'stored']);
    assert.equal(b.result.payload.trackingNumber, a.result.payload.trackingNumber);
    assert.equal(c.result.payload.labels[0].data, a.result.payload.labels[0].data);
    assert.equal(sim.state.shipments.length, 1);
    assert.equal(sim.state.creates.length, 1);
  });

  it('labels go to the label store once; the ledger keeps references; a duplicate gets the bytes back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sx3s-ship-labels-'));
    try {
      const labels = new LabelStore({ dir });
      const first = await ship(service({ labels }));
      const out = first.result.payload.labels;
      assert.equal(out.length, 2);
      const row = await store.get(KEY);
      const kept = (row?.result as { payload: { labels: Array<{ data?: string; ref?: { path: string } }> } }).payload
        .labels;
      out.forEach((l, i) => {
        assert.ok(l.data, 'the msg still carries the label bytes');
        assert.deepEqual(
          (l as { ref?: unknown }).ref,
          kept[i].ref,
          'the msg carries the reference too (x3-update writes it back)',
        );
        assert.equal(kept[i].data, undefined, 'no label bytes in the ledger');
        assert.equal(kept[i].ref?.path, `SEED/salesDelivery/${DOC}/${l.trackingNumber}.pdf`);
        assert.deepEqual(
          readFileSync(join(dir, ...(kept[i].ref?.path ?? '').split('/'))),
          Buffer.from(l.data ?? '', 'base64'),
        );
      });
      assert.ok(!JSON.stringify(row).includes(out[0].data ?? '-'));
      const again = await ship(service({ labels }));
      assert.equal(again.outcome, 'stored');
      assert.deepEqual(again.result.payload, first.result.payload);
      assert.equal(sim.state.creates.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a replay (msg.audit.idempotencyKey) returns the stored result without calling FedEx', async () => {
    const first = await ship(service());
    const creates = sim.state.creates.length;
    // another node instance (a redeploy) replaying the audit entry
    const replay = await service().ship({ record: {}, x3: {}, idempotencyKey: first.key });
    assert.equal(replay.outcome, 'stored');
    assert.equal(replay.result.payload.trackingNumber, first.result.payload.trackingNumber);
    assert.equal(sim.state.creates.length, creates);
  });

  it('commit then drop: the shipment is found by its reference and adopted, never created twice', async () => {
    sim.config.commitThenDropNext = 1;
    const out = await ship(service());
    assert.equal(out.outcome, 'adopted');
    assert.equal(sim.state.shipments.length, 1);
    assert.equal(sim.state.drops.length, 1);
    assert.equal(out.result.payload.masterTrackingNumber, sim.state.shipments[0].masterTrackingNumber);
    assert.deepEqual(out.result.payload.labels, []);
    assert.equal(out.result.alerts[0].code, 'LABEL.NOT.RECOVERED');
    assert.equal((await store.get(KEY))?.state, 'succeeded');
    assert.deepEqual(
      audit.map((a) => a.status),
      ['unknown', 'succeeded'],
    );
    // a re-poll of the document now returns the adopted shipment
    const again = await ship(service());
    assert.equal(again.outcome, 'stored');
    assert.equal(sim.state.shipments.length, 1);
  });

  it("waits out FedEx's tracking visibility delay before the lookup may prove anything", async () => {
    // a new shipment answers NOTFOUND for 50 ms: a lookup at once would wrongly "prove" it absent
    sim.config.trackVisibilityDelayMs = 50;
    sim.config.commitThenDropNext = 1;
    const out = await ship(service({ reconcileDelayMs: 80 }));
    assert.equal(out.outcome, 'adopted');
    assert.equal(sim.state.shipments.length, 1);
  });

  it('an ambiguous 500 for a create FedEx did not commit: the lookup proves none exists, one new attempt', async () => {
    await client.testConnection(); // the token first: the fault below hits every request
    sim.config.error5xxRate = 1;
    const realLookup = client.trackByReference.bind(client);
    const lookups: string[] = [];
    const wrapped: ShipClient = {
      environment: client.environment,
      accountNumber: client.accountNumber,
      createShipment: (b, c) => client.createShipment(b, c),
      createFreightShipment: (b, c) => client.createFreightShipment(b, c),
      cancelShipment: (b, c) => client.cancelShipment(b, c),
      // the outage ends while we look the shipment up
      trackByReference: (q, c) => {
        sim.config.error5xxRate = 0;
        lookups.push(q.value);
        return realLookup(q, c);
      },
    };
    const out = await ship(service({ client: wrapped }));
    assert.equal(out.outcome, 'created');
    assert.deepEqual(lookups, [`SEED SDH ${DOC}`]);
    assert.ok(sim.state.limits.some((l) => l.status === 500 && l.path === '/ship/v1/shipments'));
    assert.equal(sim.state.shipments.length, 1);
    const entry = await store.get(KEY);
    assert.equal(entry?.state, 'succeeded');
    assert.equal(entry?.attempts, 2);
  });

  it('a claim left by a crashed process is reconciled: adopted when FedEx has it, created when it has not', async () => {
    // crashed after FedEx committed: the shipment exists with the document's reference
    await store.claim(KEY, { owner: 'dead-process', system: 'fedex', operation: 'ship.create' });
    const seeded = await fetch(`${sim.url}/__sim/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: (await buildRequestFor(DOC)).request }),
    });
    assert.equal(seeded.status, 201);
    const adopted = await ship(service());
    assert.equal(adopted.outcome, 'adopted');
    assert.equal(sim.state.shipments.length, 1);

    // crashed before sending: nothing at FedEx, so one new shipment
    const other = 'SD00000002';
    await store.claim(`fedex.ship:custom:740561073:SEED:salesDelivery:${other}`, {
      owner: 'dead-process',
      system: 'fedex',
      operation: 'ship.create',
    });
    const created = await ship(service(), other);
    assert.equal(created.outcome, 'created');
    assert.equal(sim.state.shipments.length, 2);
  });

  it('a claim held by this process (running now elsewhere) is reported as in progress, not sent', async () => {
    await store.claim(KEY, { owner: 'this-process', system: 'fedex', operation: 'ship.create' });
    await assert.rejects(
      ship(service()),
      (e: unknown) => e instanceof ApiError && e.code === 'IN_PROGRESS' && e.retryable,
    );
    assert.equal(sim.state.requests.length, 0);
  });

  it('a claim of this process left by an interrupted attempt is reconciled once it is clearly old', async () => {
    await store.claim(KEY, { owner: 'this-process', system: 'fedex', operation: 'ship.create' });
    const later = service({ now: () => Date.now() + 11 * 60_000 });
    const out = await ship(later);
    assert.equal(out.outcome, 'created');
    assert.equal(sim.state.shipments.length, 1);
  });

  it('an attempt taken over while FedEx answered cannot overwrite the new holder; its label is audited', async () => {
    // another instance took the claim for stale while this create was in flight
    const slow: ShipClient = {
      accountNumber: client.accountNumber,
      environment: client.environment,
      createShipment: async (body, call) => {
        const res = await client.createShipment(body, call);
        assert.ok(await store.takeOver(KEY, 'other-instance', ['claimed'], 'this-process'));
        return res;
      },
      createFreightShipment: (body, call) => client.createFreightShipment(body, call),
      cancelShipment: (body, call) => client.cancelShipment(body, call),
      trackByReference: (query, call) => client.trackByReference(query, call),
    };
    await assert.rejects(
      ship(service({ client: slow })),
      (e: unknown) => e instanceof ApiError && e.code === 'LEDGER_NOT_HELD',
    );
    const entry = await store.get(KEY);
    assert.equal(entry?.state, 'claimed');
    assert.equal(entry?.owner, 'other-instance');
    const made = sim.state.shipments[0].masterTrackingNumber;
    const last = audit[audit.length - 1];
    assert.deepEqual([last.status, last.error?.code], ['unknown', 'LEDGER_NOT_HELD']);
    assert.ok(last.correlation?.trackingNumbers?.includes(made));
  });

  it('pre-flight validation names the X3 field and makes no call (not even a token request)', async () => {
    const svc = service();
    await assert.rejects(
      svc.ship({ record: salesDelivery(DOC, { BPDCTY: 'X'.repeat(36) }), x3: x3Of('salesDelivery', DOC) }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.field === 'BPDCTY' &&
        /recipient city \(BPDCTY\) is longer than 35/.test(e.message),
    );
    assert.equal(sim.state.requests.length, 0);
    assert.equal(sim.state.tokenRequests.length, 0);
    assert.equal(await store.get(KEY), undefined);
    assert.deepEqual(
      audit.map((a) => [a.status, a.error?.code]),
      [['failed', 'VALIDATION']],
    );
  });

  it('a FedEx refusal (400) fails the claim; the next msg may try again', async () => {
    const svc = service({ settings: settings({ serviceType: 'SMART_POST' }) }); // needs smartPostInfoDetail at FedEx
    await assert.rejects(ship(svc), (e: unknown) => e instanceof ApiError && e.status === 400 && !e.ambiguous);
    assert.equal((await store.get(KEY))?.state, 'failed');
    const ok = await ship(service());
    assert.equal(ok.outcome, 'created');
    assert.equal((await store.get(KEY))?.attempts, 2);
  });

  it('cancel voids the shipment and the ledger entry; a new label for the document needs reship', async () => {
    const svc = service();
    const first = await ship(svc);
    const tn = first.result.payload.masterTrackingNumber;
    const cancelled = await svc.cancel({ record: salesDelivery(DOC), x3: x3Of('salesDelivery', DOC) });
    assert.equal(cancelled.cancelled, true);
    assert.equal(cancelled.trackingNumber, tn);
    assert.equal(sim.findShipment(tn)?.status, 'cancelled');
    assert.equal((await store.get(KEY))?.state, 'voided');
    const tracked = await store.getShipment(tn);
    assert.deepEqual([tracked?.status, tracked?.closed], ['cancelled', true]);
    // cancelling twice is harmless and calls FedEx no more
    const cancels = sim.state.cancels.length;
    const twice = await svc.cancel({ idempotencyKey: KEY });
    assert.equal(twice.message, 'already cancelled');
    assert.equal(sim.state.cancels.length, cancels);

    await assert.rejects(ship(svc), (e: unknown) => e instanceof ApiError && e.code === 'SHIPMENT_VOIDED');
    const reship = await ship(svc, DOC, { reship: true });
    assert.equal(reship.outcome, 'created');
    assert.equal(reship.key, `${KEY}#2`);
    assert.notEqual(reship.result.payload.trackingNumber, tn);
    assert.equal(sim.state.shipments.length, 2);
    // the current generation is what a re-poll gets
    const again = await ship(svc);
    assert.equal(again.outcome, 'stored');
    assert.equal(again.result.payload.trackingNumber, reship.result.payload.trackingNumber);
    // cancelling the document now cancels the current generation
    const second = await svc.cancel({ idempotencyKey: KEY });
    assert.equal(second.trackingNumber, reship.result.payload.trackingNumber);
    assert.equal((await store.get(`${KEY}#2`))?.state, 'voided');
  });

  it('ledger retention never purges a voided generation whose reship is still kept: a re-poll gets the reship', async () => {
    // the voided first label is older than the ledger retention, its reship is not
    let clock = Date.parse('2024-01-10T12:00:00.000Z');
    await store.close();
    store = openSqliteStore({ path: ':memory:', now: () => clock });
    const svc = service();
    await ship(svc);
    await svc.cancel({ idempotencyKey: KEY });
    clock += 400 * 86_400_000;
    const reship = await ship(svc, DOC, { reship: true });
    assert.equal(reship.key, `${KEY}#2`);
    await store.purgeLedger({ finishedBefore: new Date(clock - 30 * 86_400_000).toISOString() });
    const creates = sim.state.creates.length;
    const again = await ship(svc);
    assert.equal(again.outcome, 'stored');
    assert.equal(again.result.payload.trackingNumber, reship.result.payload.trackingNumber);
    assert.equal(sim.state.creates.length, creates, 'no second label for the document');
  });

  it('after a reship the ambiguous-outcome lookup ignores the cancelled first shipment', async () => {
    const svc = service();
    await ship(svc);
    await svc.cancel({ record: salesDelivery(DOC), x3: x3Of('salesDelivery', DOC) });
    sim.config.commitThenDropNext = 1;
    const reship = await ship(svc, DOC, { reship: true });
    assert.equal(reship.outcome, 'adopted');
    assert.equal(sim.state.shipments.length, 2);
    assert.equal(reship.result.payload.masterTrackingNumber, sim.state.shipments[1].masterTrackingNumber);
  });

  it('ships a purchase order inbound with its PO number, and an LTL freight shipment', async () => {
    const po = await service().ship({ record: purchaseOrder(), x3: x3Of('purchaseOrder', 'PO00000007') });
    const s = sim.findShipment(po.result.payload.trackingNumber);
    assert.deepEqual(
      s?.references.map((r) => [r.type, r.value]),
      [
        ['CUSTOMER_REFERENCE', 'SEED POH PO00000007'],
        ['P_O_NUMBER', 'PO00000007'],
      ],
    );
    assert.equal(s?.shipper.city, 'Chicago');

    const ltl = await service({
      settings: settings({
        freight: {
          enabled: true,
          serviceType: 'FEDEX_FREIGHT_ECONOMY',
          freightClass: 'CLASS_070',
          subPackagingType: 'PALLET',
          role: 'SHIPPER',
          accountNumber: '',
        },
        defaultWeight: 500,
      }),
    }).ship({ record: salesDelivery('SD00000009'), x3: x3Of('salesDelivery', 'SD00000009') });
    assert.equal(ltl.result.kind, 'ltl');
    assert.equal(sim.findShipment(ltl.result.payload.trackingNumber)?.kind, 'ltl');
    assert.ok(ltl.result.payload.documents?.some((d) => d.type === 'BILL_OF_LADING'));
  });

  it('makes one token request however many documents ship at once', async () => {
    const svc = service();
    const keys = Array.from({ length: 200 }, (_, i) => `SD${String(i).padStart(8, '0')}`);
    const out = await Promise.all(keys.map((k) => ship(svc, k)));
    assert.equal(out.filter((o) => o.outcome === 'created').length, 200);
    assert.equal(sim.state.tokenRequests.length, 1);
    assert.equal(tokenRequestsOk(sim), 1);
  });
});

async function buildRequestFor(doc: string) {
  return buildShipment({
    record: salesDelivery(doc),
    x3: x3Of('salesDelivery', doc),
    settings: settings(),
    accountNumber: '740561073',
    now: Date.now(),
  });
}
