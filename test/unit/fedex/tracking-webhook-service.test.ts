/**
 * TrackingWebhookService without Node-RED: the signature over the raw bytes (401), the body shape
 * (400), a push stored before its 200 (503 when it cannot be), redeliveries stored and emitted
 * once, emitAll, events a crash or a stop left pending applied at the next start, and an apply
 * the store refused retried until it succeeds.
 */
import { strict as assert } from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { openSqliteStore, type SqliteAuditStore } from '../../../nodes/audit/sqlite-store';
import type { AuditEntryInput } from '../../../nodes/audit/types';
import { parseTrackOutput } from '../../../nodes/fedex/tracking';
import {
  eventIdOf,
  TrackingWebhookService,
  type TrackingWebhookOptions,
  type WebhookUpdate,
} from '../../../nodes/fedex/tracking-webhook-service';
import { signFedexBody } from '../../../nodes/fedex/webhook-signature';

const SECRET = 'intake-test-token';
const SCOPE = 'fedex-webhook:hook';

interface PushEvent {
  tn: string;
  /** FedEx scan event type / latest status code (DL, IT, PU...) */
  code?: string;
  /** local time with offset, as FedEx sends it */
  date?: string;
  /** FedEx retries and portal re-sends carry a new attemptNumber: other bytes, same event */
  attempt?: number;
  /** a per-number error inside the 200 instead of a result */
  error?: { code: string; message: string };
}

function push(tn: string | PushEvent[], attempt = 1): Buffer {
  const events: PushEvent[] = typeof tn === 'string' ? [{ tn }] : tn;
  return Buffer.from(
    JSON.stringify({
      transactionId: `t-${events.map((e) => e.tn).join('-')}`,
      outputMetaData: [{ pushTimestamp: '2025-03-16T15:00:00Z', attemptNumber: attempt }],
      output: {
        completeTrackResults: events.map((e) => {
          const code = e.code ?? 'DL';
          const description = code === 'DL' ? 'Delivered' : `scan ${code}`;
          const result = e.error
            ? { trackingNumberInfo: { trackingNumber: e.tn }, error: e.error }
            : {
                trackingNumberInfo: { trackingNumber: e.tn },
                latestStatusDetail: { code, derivedCode: code, description },
                scanEvents: [
                  { date: e.date ?? '2025-03-16T08:15:00-07:00', eventType: code, eventDescription: description },
                ],
              };
          return { trackingNumber: e.tn, trackResults: [result] };
        }),
      },
    }),
  );
}

describe('TrackingWebhookService', () => {
  let dir: string;
  let store: SqliteAuditStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sx3s-intake-'));
    store = openSqliteStore({ path: join(dir, 'audit.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const intake = (emitted: WebhookUpdate[], more: Partial<TrackingWebhookOptions> = {}): TrackingWebhookService =>
    new TrackingWebhookService({
      store,
      secret: () => SECRET,
      scope: SCOPE,
      onUpdate: (u) => emitted.push(u),
      ...more,
    });
  const signed = (body: Buffer) => ({ raw: body, headers: { 'fdx-signature': signFedexBody(body, SECRET) } });

  it('a stop during an apply emits nothing into the stopping flow; the next start emits the event once', async () => {
    const first: WebhookUpdate[] = [];
    const a = intake(first);
    // the apply reads the shipment first: hold it there until the stop has begun
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const applyShipment = store.applyShipment.bind(store);
    let reading!: () => void;
    const reached = new Promise<void>((r) => (reading = r));
    store.applyShipment = async (...args) => {
      reading();
      await gate;
      return applyShipment(...args);
    };
    assert.equal((await a.handle(signed(push('794900000301')))).status, 200);
    await reached;
    const closed = a.close();
    release();
    await closed;
    store.applyShipment = applyShipment;
    assert.deepEqual(first, [], 'nothing emitted while the node was stopping');
    assert.equal((await store.inboxPending(SCOPE, 10)).length, 1, 'the event is still pending');

    const second: WebhookUpdate[] = [];
    const b = intake(second);
    assert.equal(await b.recover(), 1);
    await b.idle();
    assert.deepEqual(
      second.map((u) => [u.update.trackingNumber, u.update.status]),
      [['794900000301', 'delivered']],
    );
    assert.equal((await store.inboxPending(SCOPE, 10)).length, 0);
    await b.close();
  });
  it('refuses a push without a valid fdx-signature with 401, stores nothing and audits a security event', async () => {
    const emitted: WebhookUpdate[] = [];
    const entries: AuditEntryInput[] = [];
    const a = intake(emitted, { record: async (e) => void entries.push(e), nodeId: 'hook' });
    const body = push('794900000302');
    const tampered = Buffer.from(body.toString('utf8').replace('794900000302', '794900000303'));
    const attempts = [
      { raw: body, headers: {} },
      { raw: body, headers: { 'fdx-signature': '' } },
      { raw: body, headers: { 'fdx-signature': signFedexBody(body, 'another-projects-token') } },
      // signed, then changed on the way: the MAC is over the exact bytes
      { raw: tampered, headers: { 'fdx-signature': signFedexBody(body, SECRET) } },
    ];
    for (const req of attempts) {
      assert.deepEqual(await a.handle(req), { status: 401, body: { error: 'invalid signature' } });
    }
    await a.idle();
    assert.deepEqual(emitted, []);
    assert.deepEqual(await store.inboxPending(SCOPE, 10), []);
    assert.equal(await store.getShipment('794900000302'), undefined);
    assert.equal(await store.getShipment('794900000303'), undefined);
    assert.equal(a.counters.rejected, 4);
    assert.equal(a.counters.received, 0);
    assert.deepEqual(
      entries.map((e) => [e.system, e.operation, e.status, e.error?.code, e.error?.status, e.nodeId]),
      Array.from({ length: 4 }, () => ['fedex', 'security', 'failed', 'BAD_SIGNATURE', 401, 'hook']),
    );
    assert.ok(!JSON.stringify(entries).includes(SECRET), 'the security token never reaches the audit trail');
    await a.close();
  });

  it('with no security token configured every push is refused (401, NO_SECURITY_TOKEN), a signed one too', async () => {
    const emitted: WebhookUpdate[] = [];
    const entries: AuditEntryInput[] = [];
    for (const missing of [undefined, '']) {
      const a = intake(emitted, { secret: () => missing, record: async (e) => void entries.push(e) });
      const reply = await a.handle(signed(push('794900000304')));
      assert.equal(reply.status, 401);
      assert.equal(a.counters.rejected, 1);
      await a.close();
    }
    assert.deepEqual(
      entries.map((e) => e.error?.code),
      ['NO_SECURITY_TOKEN', 'NO_SECURITY_TOKEN'],
    );
    assert.deepEqual(emitted, []);
    assert.deepEqual(await store.inboxPending(SCOPE, 10), []);
  });

  it('answers 400 to a signed body that is not JSON or not a FedEx tracking push, and stores nothing', async () => {
    const emitted: WebhookUpdate[] = [];
    const entries: AuditEntryInput[] = [];
    const a = intake(emitted, { record: async (e) => void entries.push(e) });
    const notJson = await a.handle(signed(Buffer.from('{"output": ')));
    assert.deepEqual(notJson, { status: 400, body: { error: 'body is not JSON' } });
    const shapes: unknown[] = [
      {},
      { output: {} },
      { output: { completeTrackResults: [] } },
      { output: { completeTrackResults: [{ trackingNumber: '794900000305' }] } },
      [],
    ];
    for (const shape of shapes) {
      const reply = await a.handle(signed(Buffer.from(JSON.stringify(shape))));
      assert.equal(reply.status, 400, JSON.stringify(shape));
      assert.match((reply.body as { error: string }).error, /^FedEx webhook body is invalid: /);
    }
    await a.idle();
    assert.equal(a.counters.rejected, 1 + shapes.length);
    assert.equal(a.counters.received, 0);
    assert.deepEqual(emitted, []);
    assert.deepEqual(await store.inboxPending(SCOPE, 10), []);
    assert.deepEqual(entries, [], 'a malformed body from a holder of the token is not a security event');
    await a.close();
  });

  it('a redelivered push (new attemptNumber, same event) is answered 200, stored once and emitted once', async () => {
    const emitted: WebhookUpdate[] = [];
    // emitAll: a redelivery is kept out by the inbox, not only by "nothing changed"
    const a = intake(emitted, { nodeId: 'hook', emitAll: true });
    const first = push('794900000306', 1);
    const again = push('794900000306', 2);
    assert.notDeepEqual(first, again, 'the redelivery has other bytes');
    assert.deepEqual(await a.handle(signed(first)), { status: 200, body: { received: true } });
    await a.idle();
    assert.deepEqual(await a.handle(signed(again)), { status: 200, body: { received: true } });
    // a push holding the known event and a new one: only the new one is stored and applied
    const mixed = push([{ tn: '794900000306' }, { tn: '794900000307', code: 'OD', date: '2025-03-16T07:00:00-07:00' }]);
    assert.equal((await a.handle(signed(mixed))).status, 200);
    await a.idle();
    assert.deepEqual(
      emitted.map((u) => [u.eventId, u.update.status]),
      [
        ['794900000306|DL|2025-03-16T15:15:00.000Z', 'delivered'],
        ['794900000307|OD|2025-03-16T14:00:00.000Z', 'out_for_delivery'],
      ],
    );
    assert.deepEqual(
      { ...a.counters, lastAt: undefined },
      { received: 3, emitted: 2, duplicates: 2, rejected: 0, lastAt: undefined },
    );
    assert.equal(typeof a.counters.lastAt, 'number');
    assert.deepEqual(await store.inboxPending(SCOPE, 10), []);
    // each applied event is in the audit trail once, settled with it
    const trail = await store.query({ system: 'fedex', operation: 'webhook', order: 'asc' });
    assert.deepEqual(
      trail.entries.map((e) => [e.status, e.correlation?.trackingNumbers, e.nodeId]),
      [
        ['received', ['794900000306'], 'hook'],
        ['received', ['794900000307'], 'hook'],
      ],
    );
    await a.close();
  });

  it('an event that changes nothing is not emitted; with emitAll it is, with the shipment state as it stands', async () => {
    const delivered = push([{ tn: '794900000308', code: 'DL', date: '2025-03-16T08:15:00-07:00' }]);
    // an older scan arriving late (FedEx does not push in order): a different event
    const older = push([{ tn: '794900000308', code: 'IT', date: '2025-03-15T20:00:00-07:00' }]);

    const quiet: WebhookUpdate[] = [];
    const a = intake(quiet);
    assert.equal((await a.handle(signed(delivered))).status, 200);
    assert.equal((await a.handle(signed(older))).status, 200);
    await a.idle();
    assert.deepEqual(
      quiet.map((u) => u.update.status),
      ['delivered'],
    );
    assert.equal(a.counters.duplicates, 0, 'the late scan is a new event, not a redelivery');
    await a.close();

    const loud: WebhookUpdate[] = [];
    const b = intake(loud, { scope: `${SCOPE}:all`, emitAll: true });
    assert.equal((await b.handle(signed(older))).status, 200, 'a redelivery in another scope is new there');
    await b.idle();
    assert.equal(loud.length, 1);
    assert.equal(loud[0].eventId, '794900000308|IT|2025-03-16T03:00:00.000Z');
    assert.equal(loud[0].update.status, 'delivered', 'the stored delivery is never reported as in transit');
    assert.equal(loud[0].update.occurredAt, '2025-03-16T15:15:00.000Z');
    assert.equal((await store.getShipment('794900000308'))?.status, 'delivered');
    await b.close();
  });

  it('events stored before a crash are applied at the next start, in arrival order, each once', async () => {
    // what the previous process stored before its 200s (and never applied: it died)
    const updates = parseTrackOutput(
      JSON.parse(
        push([
          { tn: '794900000309', code: 'PU', date: '2025-03-14T10:00:00-07:00' },
          { tn: '794900000310', code: 'OD', date: '2025-03-16T07:00:00-07:00' },
        ]).toString('utf8'),
      ),
    ).map((r) => r.update!);
    await store.inboxAdd(
      SCOPE,
      updates.map((u) => ({ eventId: eventIdOf(u), payload: u })),
    );

    const emitted: WebhookUpdate[] = [];
    const b = intake(emitted);
    assert.equal(await b.recover(), 2);
    // FedEx redelivers one of them meanwhile: it is already stored, so not queued again
    const reply = await b.handle(
      signed(push([{ tn: '794900000310', code: 'OD', date: '2025-03-16T07:00:00-07:00' }], 2)),
    );
    assert.equal(reply.status, 200);
    await b.idle();
    assert.deepEqual(
      emitted.map((u) => [u.update.trackingNumber, u.update.status]),
      [
        ['794900000309', 'picked_up'],
        ['794900000310', 'out_for_delivery'],
      ],
    );
    assert.equal(b.counters.duplicates, 1);
    assert.deepEqual(await store.inboxPending(SCOPE, 10), []);
    assert.equal(await b.recover(), 0, 'nothing is left to recover');
    await b.close();
  });

  it('a push the store cannot hold is answered 503 (FedEx delivers it again) and nothing is emitted', async () => {
    const emitted: WebhookUpdate[] = [];
    const errors: unknown[] = [];
    const a = intake(emitted, { onError: (e) => errors.push(e) });
    const inboxAdd = store.inboxAdd.bind(store);
    const disk = new Error('SQLITE_FULL: database or disk is full');
    store.inboxAdd = async () => Promise.reject(disk);
    const body = push('794900000311');
    assert.deepEqual(await a.handle(signed(body)), { status: 503, body: { error: 'could not store the webhook' } });
    await a.idle();
    assert.equal(emitted.length, 0);
    assert.deepEqual(errors, [disk]);
    assert.equal(a.counters.received, 0);

    store.inboxAdd = inboxAdd;
    assert.equal((await a.handle(signed(push('794900000311', 2)))).status, 200);
    await a.idle();
    assert.deepEqual(
      emitted.map((u) => u.update.trackingNumber),
      ['794900000311'],
    );
    await a.close();
  });

  it('an event the store refuses to apply stays pending and is retried until it is applied, emitted once', async () => {
    const errors: unknown[] = [];
    let emittedOne!: (u: WebhookUpdate) => void;
    const emittedNow = new Promise<WebhookUpdate>((r) => (emittedOne = r));
    const emitted: WebhookUpdate[] = [];
    const a = new TrackingWebhookService({
      store,
      secret: () => SECRET,
      scope: SCOPE,
      onUpdate: (u) => {
        emitted.push(u);
        emittedOne(u);
      },
      onError: (e) => errors.push(e),
      // no wait between attempts: the test does not depend on the clock
      retry: { baseDelayMs: 0, maxDelayMs: 0 },
    });
    const applyShipment = store.applyShipment.bind(store);
    const busy = new Error('SQLITE_BUSY: database is locked');
    let refusals = 2;
    store.applyShipment = async (...args) => {
      if (refusals > 0) {
        refusals -= 1;
        throw busy;
      }
      return applyShipment(...args);
    };
    assert.equal((await a.handle(signed(push('794900000312')))).status, 200);
    const u = await emittedNow;
    await a.idle();
    assert.equal(u.update.trackingNumber, '794900000312');
    assert.equal(emitted.length, 1);
    assert.deepEqual(errors, [busy, busy]);
    assert.deepEqual(await store.inboxPending(SCOPE, 10), []);
    assert.equal((await store.getShipment('794900000312'))?.status, 'delivered');
    await a.close();
  });

  it('a per-number error inside a push is reported, not stored; the other numbers are', async () => {
    const emitted: WebhookUpdate[] = [];
    const resultErrors: string[][] = [];
    const a = intake(emitted, { onResultError: (tn, code, message) => resultErrors.push([tn, code, message]) });
    const body = push([
      { tn: '794900000313', error: { code: 'TRACKING.TRACKINGNUMBER.NOTFOUND', message: 'Tracking number not found' } },
      { tn: '794900000314' },
    ]);
    assert.equal((await a.handle(signed(body))).status, 200);
    await a.idle();
    assert.deepEqual(resultErrors, [['794900000313', 'TRACKING.TRACKINGNUMBER.NOTFOUND', 'Tracking number not found']]);
    assert.deepEqual(
      emitted.map((u) => u.update.trackingNumber),
      ['794900000314'],
    );
    assert.equal(await store.getShipment('794900000313'), undefined);
    await a.close();
  });
});
