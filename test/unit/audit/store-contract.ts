/**
 * The behaviour every AuditStore backend must have. A backend's test file calls
 * describeAuditStoreContract(name, harness); the PostgreSQL backend will reuse it unchanged.
 */
import { strict as assert } from 'assert';
import type { AuditEntryInput, AuditStore, ClaimMeta, LedgerHold } from '../../../nodes/audit/types';

export interface StoreOpenOptions {
  maskPersonalData?: boolean;
  now: () => number;
}

export interface StoreHarness {
  /** Opens a store on database `db` (a fresh one per test; the same name reopens the same data). */
  open(db: string, options: StoreOpenOptions): Promise<AuditStore>;
  /** Called after each test: remove what open() created. */
  cleanup(): Promise<void>;
}

/** A clock the tests move by hand. */
export function manualClock(startIso = '2025-03-01T12:00:00.000Z'): {
  now: () => number;
  advance(ms: number): void;
  set(iso: string): void;
} {
  let t = Date.parse(startIso);
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(iso) {
      t = Date.parse(iso);
    },
  };
}

const meta = (owner: string, extra: Partial<ClaimMeta> = {}): ClaimMeta => ({
  owner,
  system: 'fedex',
  operation: 'ship.create',
  ...extra,
});

/** The hold of a first claim by `owner` (attempt 1). */
const held = (owner: string, attempt = 1): LedgerHold => ({ owner, attempt });

const sample = (extra: Partial<AuditEntryInput> = {}): AuditEntryInput => ({
  system: 'fedex',
  operation: 'ship.create',
  status: 'succeeded',
  ...extra,
});

export function describeAuditStoreContract(name: string, harness: StoreHarness): void {
  describe(`AuditStore contract: ${name}`, () => {
    let clock: ReturnType<typeof manualClock>;
    const open: AuditStore[] = [];
    const openStore = async (db = 'main', extra: Partial<StoreOpenOptions> = {}): Promise<AuditStore> => {
      const s = await harness.open(db, { now: clock.now, ...extra });
      open.push(s);
      return s;
    };

    beforeEach(() => {
      clock = manualClock();
    });

    afterEach(async () => {
      for (const s of open.splice(0)) await s.close().catch(() => undefined);
      await harness.cleanup();
    });

    describe('record / getEntry', () => {
      it('assigns an id, the UTC time of the clock and attempt 1', async () => {
        const store = await openStore();
        const e = await store.record(
          sample({ correlation: { x3Key: 'SDH001', trackingNumbers: ['794'] }, msg: { payload: { a: 1 } } }),
        );
        assert.match(e.id, /^[0-9a-f-]{36}$/);
        assert.equal(e.time, '2025-03-01T12:00:00.000Z');
        assert.equal(e.attempt, 1);
        const got = await store.getEntry(e.id);
        assert.deepEqual(got, e);
        assert.deepEqual(got?.msg, { payload: { a: 1 } });
        assert.deepEqual(got?.correlation, { x3Key: 'SDH001', trackingNumbers: ['794'] });
      });

      it('keeps error, attempt, idempotency key, node id and replayOf', async () => {
        const store = await openStore();
        const e = await store.record(
          sample({
            status: 'failed',
            error: { code: 'FEDEX.TIMEOUT', message: 'timed out', status: 504 },
            attempt: 3,
            idempotencyKey: 'fedex.ship:SDH001',
            nodeId: 'n1',
            replayOf: 'r0',
          }),
        );
        const got = await store.getEntry(e.id);
        assert.deepEqual(got?.error, { code: 'FEDEX.TIMEOUT', message: 'timed out', status: 504 });
        assert.equal(got?.attempt, 3);
        assert.equal(got?.idempotencyKey, 'fedex.ship:SDH001');
        assert.equal(got?.nodeId, 'n1');
        assert.equal(got?.replayOf, 'r0');
      });

      it('returns undefined for an unknown id', async () => {
        const store = await openStore();
        assert.equal(await store.getEntry('nope'), undefined);
      });

      it('rejects an unknown system or status and a missing operation', async () => {
        const store = await openStore();
        await assert.rejects(store.record(sample({ system: 'ups' as never })), /system/);
        await assert.rejects(store.record(sample({ status: 'done' as never })), /status/);
        await assert.rejects(store.record(sample({ operation: '' })), /operation/);
      });

      it('records many entries written at once, each exactly once', async () => {
        const store = await openStore();
        const written = await Promise.all(
          Array.from({ length: 200 }, (_, i) => store.record(sample({ correlation: { x3Key: `K${i}` } }))),
        );
        assert.equal(new Set(written.map((e) => e.id)).size, 200);
        assert.equal((await store.query({ limit: 0 })).total, 200);
        assert.equal((await store.query({ x3Key: 'K150' })).entries[0].id, written[150].id);
      });

      it('keeps the data when the store is closed and opened again', async () => {
        const store = await openStore('persist');
        const e = await store.record(sample());
        await store.claim('k1', meta('a'));
        await store.close();
        const again = await openStore('persist');
        assert.deepEqual(await again.getEntry(e.id), e);
        assert.equal((await again.get('k1'))?.state, 'claimed');
      });

      it('rejects calls after close', async () => {
        const store = await openStore();
        await store.close();
        await assert.rejects(store.record(sample()), /closed/);
        await assert.rejects(store.claim('k', meta('a')), /closed/);
      });
    });

    describe('query', () => {
      let store: AuditStore;
      let ids: Record<string, string>;

      beforeEach(async () => {
        store = await openStore();
        ids = {};
        const add = async (name: string, input: AuditEntryInput): Promise<void> => {
          ids[name] = (await store.record(input)).id;
          clock.advance(60_000);
        };
        await add('poll', {
          system: 'x3',
          operation: 'poll',
          status: 'received',
          correlation: { x3Entity: 'salesDelivery', x3Key: 'SDH001' },
          nodeId: 'poll-node',
        });
        await add('ship', {
          system: 'fedex',
          operation: 'ship.create',
          status: 'succeeded',
          correlation: { x3Entity: 'salesDelivery', x3Key: 'SDH001', trackingNumbers: ['111', '222'] },
          idempotencyKey: 'fedex.ship:SDH001',
          nodeId: 'ship-node',
        });
        await add('track', {
          system: 'fedex',
          operation: 'track',
          status: 'failed',
          correlation: { trackingNumbers: ['222'] },
          nodeId: 'track-node',
        });
        await add('order', {
          system: 'shipstation',
          operation: 'order.fetch',
          status: 'failed',
          correlation: { shipstationOrderId: '987', shipstationOrderNumber: 'SO-1' },
        });
        await add('x3', {
          system: 'x3',
          operation: 'x3.update',
          status: 'unknown',
          correlation: { x3Entity: 'salesOrder', x3Key: 'SO-X' },
          nodeId: 'update-node',
        });
      });

      const idsOf = async (q: Parameters<AuditStore['query']>[0]): Promise<string[]> =>
        (await store.query(q)).entries.map((e) => Object.keys(ids).find((k) => ids[k] === e.id) ?? e.id);

      it('returns newest first by default, oldest first with order asc', async () => {
        assert.deepEqual(await idsOf({}), ['x3', 'order', 'track', 'ship', 'poll']);
        assert.deepEqual(await idsOf({ order: 'asc' }), ['poll', 'ship', 'track', 'order', 'x3']);
      });

      it('filters by status, one or several', async () => {
        assert.deepEqual(await idsOf({ status: 'failed' }), ['order', 'track']);
        assert.deepEqual(await idsOf({ status: ['failed', 'unknown'], order: 'asc' }), ['track', 'order', 'x3']);
      });

      it('filters by system and operation', async () => {
        assert.deepEqual(await idsOf({ system: 'fedex' }), ['track', 'ship']);
        assert.deepEqual(await idsOf({ system: 'x3', operation: 'poll' }), ['poll']);
      });

      it('filters by an inclusive time range', async () => {
        assert.deepEqual(
          await idsOf({ from: '2025-03-01T12:01:00.000Z', to: '2025-03-01T12:03:00.000Z', order: 'asc' }),
          ['ship', 'track', 'order'],
        );
        assert.deepEqual(await idsOf({ from: '2025-03-01T12:04:00Z' }), ['x3']);
      });

      it('finds entries by each correlation key', async () => {
        assert.deepEqual(await idsOf({ x3Key: 'SDH001' }), ['ship', 'poll']);
        assert.deepEqual(await idsOf({ trackingNumber: '111' }), ['ship']);
        assert.deepEqual(await idsOf({ trackingNumber: '222' }), ['track', 'ship']);
        assert.deepEqual(await idsOf({ shipstationOrderNumber: 'SO-1' }), ['order']);
        assert.deepEqual(await idsOf({ shipstationOrderId: '987' }), ['order']);
        assert.deepEqual(await idsOf({ idempotencyKey: 'fedex.ship:SDH001' }), ['ship']);
        assert.deepEqual(await idsOf({ id: ids.track }), ['track']);
        assert.deepEqual(await idsOf({ trackingNumber: '999' }), []);
      });

      it('filters by X3 entity; an entity no entry has matches nothing', async () => {
        assert.deepEqual(await idsOf({ x3Entity: 'salesDelivery' }), ['ship', 'poll']);
        assert.deepEqual(await idsOf({ x3Entity: 'salesOrder' }), ['x3']);
        assert.deepEqual(await idsOf({ x3Entity: 'noSuchEntity' }), []);
        assert.equal((await store.query({ x3Entity: 'salesDelivery', status: 'received', limit: 0 })).total, 1);
      });

      it('filters by the nodes of a flow (nodeIds); an empty list matches nothing, a too long one is refused', async () => {
        assert.deepEqual(await idsOf({ nodeIds: ['poll-node', 'track-node', 'gone-node'] }), ['track', 'poll']);
        assert.deepEqual(await idsOf({ nodeIds: ['ship-node'], x3Entity: 'salesDelivery' }), ['ship']);
        assert.deepEqual(await idsOf({ nodeIds: ['update-node'], x3Entity: 'salesDelivery' }), []);
        assert.deepEqual(await idsOf({ nodeIds: [] }), []);
        const page = await store.query({ nodeIds: ['poll-node', 'ship-node', 'update-node'], limit: 1, offset: 1 });
        assert.equal(page.total, 3);
        assert.deepEqual(
          page.entries.map((e) => e.id),
          [ids.ship],
        );
        await assert.rejects(
          store.query({ nodeIds: Array.from({ length: 501 }, (_, i) => `n${i}`) }),
          /at most 500 node ids/,
        );
      });

      it('lists the distinct X3 entities of the trail, sorted', async () => {
        assert.deepEqual(await store.listX3Entities(), ['salesDelivery', 'salesOrder']);
        await store.record({
          system: 'x3',
          operation: 'x3.create',
          status: 'succeeded',
          correlation: { x3Entity: 'customer' },
        });
        assert.deepEqual(await store.listX3Entities(), ['customer', 'salesDelivery', 'salesOrder']);
      });

      it('combines filters with AND', async () => {
        assert.deepEqual(await idsOf({ system: 'fedex', status: 'failed', trackingNumber: '222' }), ['track']);
        assert.deepEqual(await idsOf({ system: 'x3', trackingNumber: '222' }), []);
      });

      it('pages with limit/offset and reports the total', async () => {
        const p1 = await store.query({ limit: 2, offset: 0, order: 'asc' });
        const p2 = await store.query({ limit: 2, offset: 2, order: 'asc' });
        const p3 = await store.query({ limit: 2, offset: 4, order: 'asc' });
        assert.equal(p1.total, 5);
        assert.equal(p3.total, 5);
        assert.deepEqual(
          [...p1.entries, ...p2.entries, ...p3.entries].map((e) => e.id),
          ['poll', 'ship', 'track', 'order', 'x3'].map((k) => ids[k]),
        );
        assert.equal((await store.query({ status: 'failed', limit: 0 })).total, 2);
      });

      it('rejects an invalid status or time bound', async () => {
        await assert.rejects(store.query({ status: 'bad' as never }), /status/);
        await assert.rejects(store.query({ from: 'yesterday' }), /from/);
      });

      it('setStatus changes an entry and rejects an unknown id', async () => {
        await store.setStatus(ids.track, 'replayed');
        assert.equal((await store.getEntry(ids.track))?.status, 'replayed');
        assert.deepEqual(await idsOf({ status: 'failed' }), ['order']);
        await assert.rejects(store.setStatus('nope', 'replayed'), /not found/);
      });
    });

    describe('ledger', () => {
      it('claims a new key once; a second claim gets the existing entry', async () => {
        const store = await openStore();
        const first = await store.claim('fedex.ship:SDH001', meta('owner-a', { correlation: { x3Key: 'SDH001' } }));
        assert.equal(first.claimed, true);
        assert.equal(first.entry.state, 'claimed');
        assert.equal(first.entry.attempts, 1);
        assert.equal(first.entry.owner, 'owner-a');
        assert.equal(first.entry.claimedAt, '2025-03-01T12:00:00.000Z');
        assert.deepEqual(first.entry.correlation, { x3Key: 'SDH001' });
        const second = await store.claim('fedex.ship:SDH001', meta('owner-b'));
        assert.equal(second.claimed, false);
        assert.equal(second.entry.owner, 'owner-a');
        assert.equal(second.entry.state, 'claimed');
      });

      it('complete stores the result; later claims return it and are not granted', async () => {
        const store = await openStore();
        await store.claim('k', meta('a'));
        clock.advance(1000);
        const label = { trackingNumber: '794', labels: [{ format: 'PDF', data: 'JVBERi0=' }] };
        await store.complete('k', label, held('a'));
        const again = await store.claim('k', meta('b'));
        assert.equal(again.claimed, false);
        assert.equal(again.entry.state, 'succeeded');
        assert.deepEqual(again.entry.result, label);
        assert.equal(again.entry.updatedAt, '2025-03-01T12:00:01.000Z');
        assert.deepEqual((await store.get('k'))?.result, label);
      });

      it('a failed key can be claimed again, counting attempts', async () => {
        const store = await openStore();
        await store.claim('k', meta('a'));
        await store.fail('k', { code: 'FEDEX.VALIDATION', message: 'bad address', status: 400 }, held('a'));
        const failed = await store.get('k');
        assert.equal(failed?.state, 'failed');
        assert.deepEqual(failed?.error, { code: 'FEDEX.VALIDATION', message: 'bad address', status: 400 });
        const retry = await store.claim('k', meta('b'));
        assert.equal(retry.claimed, true);
        assert.equal(retry.entry.attempts, 2);
        assert.equal(retry.entry.owner, 'b');
        assert.equal(retry.entry.error, undefined);
      });

      it('an unknown outcome is never re-claimed', async () => {
        const store = await openStore();
        await store.claim('k', meta('a'));
        await store.markUnknown('k', { code: 'TIMEOUT', message: 'no answer after sending' }, held('a'));
        const again = await store.claim('k', meta('a'));
        assert.equal(again.claimed, false);
        assert.equal(again.entry.state, 'unknown');
        assert.equal(again.entry.error?.code, 'TIMEOUT');
      });

      it('an unknown outcome can later be completed or failed (reconciliation)', async () => {
        const store = await openStore();
        await store.claim('k1', meta('a'));
        await store.markUnknown('k1', undefined, held('a'));
        await store.complete('k1', { trackingNumber: '1' }, held('a'));
        assert.equal((await store.get('k1'))?.state, 'succeeded');
        await store.claim('k2', meta('a'));
        await store.markUnknown('k2', undefined, held('a'));
        await store.fail('k2', { code: 'NOT_FOUND', message: 'no such shipment at FedEx' }, held('a'));
        assert.equal((await store.claim('k2', meta('a'))).claimed, true);
      });

      it('voids a succeeded key, keeping or replacing its result', async () => {
        const store = await openStore();
        await store.claim('k', meta('a'));
        await store.complete('k', { trackingNumber: '1' }, held('a'));
        await store.markVoided('k');
        let e = await store.get('k');
        assert.equal(e?.state, 'voided');
        assert.deepEqual(e?.result, { trackingNumber: '1' });
        await store.markVoided('k', { cancelled: true });
        e = await store.get('k');
        assert.deepEqual(e?.result, { cancelled: true });
        assert.equal((await store.claim('k', meta('b'))).claimed, false);
      });

      it('refuses transitions that do not fit the state', async () => {
        const store = await openStore();
        await assert.rejects(store.complete('never', {}, held('a')), /never claimed/);
        await store.claim('k', meta('a'));
        await store.complete('k', { ok: 1 }, held('a'));
        await assert.rejects(
          store.fail('k', { code: 'X', message: 'x' }, held('a')),
          /succeeded, cannot mark it failed/,
        );
        await assert.rejects(store.markUnknown('k', undefined, held('a')), /cannot mark it unknown/);
        await assert.rejects(store.complete('k', { ok: 2 }, held('a')), /cannot mark it succeeded/);
        await assert.rejects(store.complete('k', { ok: 2 }, undefined as never), /hold/);
        assert.deepEqual((await store.get('k'))?.result, { ok: 1 });
        await store.claim('c', meta('a'));
        await assert.rejects(store.markVoided('c'), /claimed, cannot mark it voided/);
      });

      it('get returns undefined for an unknown key', async () => {
        const store = await openStore();
        assert.equal(await store.get('nope'), undefined);
      });

      it('takeOver is a compare-and-set on state (and owner when given)', async () => {
        const store = await openStore();
        await store.claim('k', meta('dead-process'));
        assert.equal(await store.takeOver('k', 'me', ['unknown']), undefined);
        assert.equal(await store.takeOver('k', 'me', ['claimed'], 'someone-else'), undefined);
        const [a, b] = await Promise.all([
          store.takeOver('k', 'me', ['claimed'], 'dead-process'),
          store.takeOver('k', 'other', ['claimed'], 'dead-process'),
        ]);
        assert.deepEqual([a, b], [{ owner: 'me', attempt: 2 }, undefined]);
        const e = await store.get('k');
        assert.equal(e?.owner, 'me');
        assert.equal(e?.attempts, 2);
        assert.equal(await store.takeOver('missing', 'me', ['claimed']), undefined);
      });

      it('a taken-over attempt cannot settle the claim it lost (owner and attempt must match)', async () => {
        const store = await openStore();
        const first = await store.claim('k', meta('dead-process'));
        const lost = { owner: first.entry.owner, attempt: first.entry.attempts };
        const hold = await store.takeOver('k', 'me', ['claimed'], 'dead-process');
        assert.deepEqual(hold, { owner: 'me', attempt: 2 });
        const notHeld = (err: unknown): boolean => (err as { code?: string }).code === 'LEDGER_NOT_HELD';
        await assert.rejects(store.complete('k', { trackingNumber: 'late' }, lost), notHeld);
        await assert.rejects(store.fail('k', { code: 'X', message: 'late' }, lost), notHeld);
        await assert.rejects(store.markUnknown('k', undefined, lost), notHeld);
        let e = await store.get('k');
        assert.equal(e?.state, 'claimed');
        assert.equal(e?.owner, 'me');
        // the same owner taking its own stale claim over: the older attempt is refused too
        const again = await store.takeOver('k', 'me', ['claimed'], 'me');
        assert.deepEqual(again, { owner: 'me', attempt: 3 });
        await assert.rejects(store.complete('k', { trackingNumber: 'old' }, hold as LedgerHold), notHeld);
        await store.complete('k', { trackingNumber: 'new' }, again as LedgerHold);
        e = await store.get('k');
        assert.equal(e?.state, 'succeeded');
        assert.deepEqual(e?.result, { trackingNumber: 'new' });
      });

      it('the holder of an unknown outcome settles it; after a takeover only the new holder can', async () => {
        const store = await openStore();
        const c = await store.claim('k', meta('a'));
        const a = { owner: 'a', attempt: c.entry.attempts };
        await store.markUnknown('k', { code: 'TIMEOUT', message: 'no answer' }, a);
        await store.markUnknown('k', { code: 'TIMEOUT', message: 'still no answer' }, a);
        const b = await store.takeOver('k', 'b', ['unknown'], 'a');
        assert.ok(b);
        await assert.rejects(
          store.fail('k', { code: 'NOT_FOUND', message: 'x' }, a),
          /LEDGER_NOT_HELD|no longer holds/,
        );
        await store.fail('k', { code: 'NOT_FOUND', message: 'x' }, b);
        assert.equal((await store.get('k'))?.state, 'failed');
      });

      it('of many concurrent claims of one key exactly one wins', async () => {
        const store = await openStore();
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.claim('race', meta(`owner-${i}`))),
        );
        const winners = results.filter((r) => r.claimed);
        assert.equal(winners.length, 1);
        assert.equal((await store.get('race'))?.owner, winners[0].entry.owner);
      });

      it('two store instances on one database: each key is won exactly once', async () => {
        const a = await openStore('shared');
        const b = await openStore('shared');
        const keys = Array.from({ length: 100 }, (_, i) => `key-${i}`);
        const results = await Promise.all(
          keys.flatMap((k) => [
            a.claim(k, meta('A')).then((r) => ({ k, who: 'A', won: r.claimed })),
            b.claim(k, meta('B')).then((r) => ({ k, who: 'B', won: r.claimed })),
          ]),
        );
        for (const k of keys) {
          const won = results.filter((r) => r.k === k && r.won);
          assert.equal(won.length, 1, `key ${k} won ${won.length} times`);
          assert.equal((await a.get(k))?.owner, won[0].who);
        }
      });

      it('rejects a claim without owner, system or operation', async () => {
        const store = await openStore();
        await assert.rejects(store.claim('k', { ...meta(''), owner: '' }), /owner/);
        await assert.rejects(store.claim('k', meta('a', { system: 'ups' as never })), /system/);
        await assert.rejects(store.claim('', meta('a')), /key/);
      });
    });

    describe('tracked shipments', () => {
      it('starts following a shipment as label_created and keeps its status when tracked again', async () => {
        const store = await openStore();
        await store.trackShipment('794', { x3Key: 'SDH001' });
        let s = await store.getShipment('794');
        assert.equal(s?.status, 'label_created');
        assert.equal(s?.closed, false);
        assert.deepEqual(s?.correlation, { x3Key: 'SDH001' });
        clock.advance(1000);
        await store.updateShipment('794', {
          status: 'in_transit',
          statusCode: 'IT',
          lastEventAt: '2025-03-01T11:00:00.000Z',
          closed: false,
        });
        await store.trackShipment('794', { shipstationOrderNumber: 'SO-1' });
        s = await store.getShipment('794');
        assert.equal(s?.status, 'in_transit');
        assert.equal(s?.statusCode, 'IT');
        assert.equal(s?.lastEventAt, '2025-03-01T11:00:00.000Z');
        assert.equal(s?.updatedAt, '2025-03-01T12:00:01.000Z');
        assert.deepEqual(s?.correlation, { x3Key: 'SDH001', shipstationOrderNumber: 'SO-1' });
        assert.equal(await store.getShipment('nope'), undefined);
      });

      it('lists open shipments, least recently updated first, and drops closed ones', async () => {
        const store = await openStore();
        for (const tn of ['A', 'B', 'C']) {
          await store.trackShipment(tn);
          clock.advance(1000);
        }
        await store.updateShipment('A', { status: 'in_transit', closed: false });
        clock.advance(1000);
        await store.updateShipment('B', { status: 'delivered', statusCode: 'DL', closed: true });
        assert.deepEqual(
          (await store.listOpenShipments(10)).map((s) => s.trackingNumber),
          ['C', 'A'],
        );
        assert.deepEqual(
          (await store.listOpenShipments(1)).map((s) => s.trackingNumber),
          ['C'],
        );
      });

      it('an update for a shipment not yet followed starts following it', async () => {
        const store = await openStore();
        await store.updateShipment('NEW', { status: 'picked_up', closed: false });
        assert.equal((await store.getShipment('NEW'))?.status, 'picked_up');
        await assert.rejects(store.updateShipment('X', { status: 'lost' as never, closed: false }), /status/);
      });

      it('applyShipment reads, decides and writes in one step: concurrent ones from two handles lose nothing', async () => {
        // two instances (or fedex-track and fedex-webhook) applying events to one shipment at once
        const a = await openStore();
        const b = await openStore();
        await a.trackShipment('794');
        const step = (s: { statusCode?: string } | undefined) => ({
          status: 'in_transit' as const,
          statusCode: `${s?.statusCode ?? ''}x`,
          closed: false,
        });
        const befores = await Promise.all(
          Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).applyShipment('794', step)),
        );
        assert.equal((await a.getShipment('794'))?.statusCode, 'x'.repeat(12));
        // each saw the state the one before it wrote
        assert.deepEqual(
          befores.map((s) => (s?.statusCode ?? '').length).sort((x, y) => x - y),
          Array.from({ length: 12 }, (_, i) => i),
        );
        // undefined from the decision: nothing written, nothing started
        assert.equal(await a.applyShipment('NONE', () => undefined), undefined);
        assert.equal(await a.getShipment('NONE'), undefined);
        await assert.rejects(
          a.applyShipment('794', () => ({ status: 'lost' as never, closed: false })),
          /status/,
        );
        assert.equal((await a.getShipment('794'))?.statusCode, 'x'.repeat(12));
      });
    });

    describe('markSeen', () => {
      it('is true the first time a (scope, id) is seen, false afterwards, per scope', async () => {
        const store = await openStore('seen');
        assert.equal(await store.markSeen('fedex.webhook', 'evt-1'), true);
        assert.equal(await store.markSeen('fedex.webhook', 'evt-1'), false);
        assert.equal(await store.markSeen('shipstation.webhook', 'evt-1'), true);
        const all = await Promise.all(Array.from({ length: 10 }, () => store.markSeen('race', 'x')));
        assert.equal(all.filter(Boolean).length, 1);
        await store.close();
        const again = await openStore('seen');
        assert.equal(await again.markSeen('fedex.webhook', 'evt-1'), false);
      });
    });

    describe('leases and fenced state', () => {
      const lost = (err: unknown): boolean => (err as { code?: string }).code === 'LEASE_LOST';

      it('one holder at a time; renewals keep the epoch; after expiry the next holder gets epoch + 1', async () => {
        const a = await openStore('lease');
        const b = await openStore('lease');
        const first = await a.acquireLease('x3-poll:n1', 'A', 30_000);
        assert.deepEqual(first, {
          name: 'x3-poll:n1',
          owner: 'A',
          epoch: 1,
          expiresAt: '2025-03-01T12:00:30.000Z',
        });
        assert.equal(await b.acquireLease('x3-poll:n1', 'B', 30_000), undefined);
        clock.advance(20_000);
        assert.equal((await a.acquireLease('x3-poll:n1', 'A', 30_000))?.epoch, 1, 'a renewal');
        clock.advance(29_999);
        assert.equal(await b.acquireLease('x3-poll:n1', 'B', 30_000), undefined, 'renewed: not expired yet');
        clock.advance(1);
        const taken = await b.acquireLease('x3-poll:n1', 'B', 30_000);
        assert.equal(taken?.owner, 'B');
        assert.equal(taken?.epoch, 2);
        assert.equal(await a.acquireLease('x3-poll:n1', 'A', 30_000), undefined);
        assert.ok(await a.acquireLease('other', 'A', 30_000), 'leases are independent');
      });

      it('of concurrent candidates exactly one becomes leader', async () => {
        const a = await openStore('lease');
        const b = await openStore('lease');
        const grants = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).acquireLease('poll', `owner-${i}`, 30_000)),
        );
        assert.equal(grants.filter(Boolean).length, 1);
      });

      it('a fenced write from a leader that lost its lease is refused; the new leader writes', async () => {
        const a = await openStore('lease');
        const b = await openStore('lease');
        const ga = await a.acquireLease('poll', 'A', 30_000);
        assert.ok(ga);
        const fenceA = { lease: 'poll', owner: 'A', epoch: ga.epoch };
        await a.writeState('wm', { position: 1 }, fenceA);
        assert.deepEqual(await b.readState('wm'), { position: 1 });
        clock.advance(30_000);
        await assert.rejects(a.writeState('wm', { position: 2 }, fenceA), lost, 'expired: refused even untaken');
        const gb = await b.acquireLease('poll', 'B', 30_000);
        assert.ok(gb);
        await b.writeState('wm', { position: 3 }, { lease: 'poll', owner: 'B', epoch: gb.epoch });
        await assert.rejects(a.writeState('wm', { position: 4 }, fenceA), lost);
        // the old holder taking it back later is a new epoch: its old fence stays refused
        clock.advance(30_000);
        const again = await a.acquireLease('poll', 'A', 30_000);
        assert.equal(again?.epoch, 3);
        await assert.rejects(a.writeState('wm', { position: 5 }, fenceA), lost);
        assert.deepEqual(await a.readState('wm'), { position: 3 });
      });

      it('a released lease is free at once for another owner', async () => {
        const a = await openStore('lease');
        const g = await a.acquireLease('poll', 'A', 30_000);
        assert.ok(g);
        await a.releaseLease('poll', 'B', g.epoch);
        assert.equal(await a.acquireLease('poll', 'B', 30_000), undefined, 'only the holder releases');
        await a.releaseLease('poll', 'A', g.epoch);
        assert.equal((await a.acquireLease('poll', 'B', 30_000))?.epoch, 2);
      });

      it('unfenced state is read back after a reopen; missing state is undefined', async () => {
        const a = await openStore('state');
        assert.equal(await a.readState('nothing'), undefined);
        await a.writeState('journal', { last: ['SDH1', 'T1'] });
        await a.close();
        const again = await openStore('state');
        assert.deepEqual(await again.readState('journal'), { last: ['SDH1', 'T1'] });
        await assert.rejects(again.writeState('', 1), /name/);
        await assert.rejects(again.acquireLease('x', 'A', 0), /ttl/);
      });
    });

    describe('shared request budgets', () => {
      it('instances taking from one budget at once never exceed it in any sliding window', async () => {
        const a = await openStore('budget');
        const b = await openStore('budget');
        const limits = { max: 10, windowMs: 1000 };
        const t0 = 1_000_000;
        const first = await Promise.all(
          Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).takeBudget('fedex.tx:acct', limits, 3, t0)),
        );
        assert.equal(
          first.reduce((n, r) => n + r.granted, 0),
          10,
          'ten of the 24 asked for',
        );
        const refused = first.filter((r) => r.granted === 0);
        assert.ok(refused.length > 0 && refused.every((r) => r.waitMs === 1000));
        assert.deepEqual(await a.takeBudget('fedex.tx:acct', limits, 1, t0 + 999), { granted: 0, waitMs: 1 });
        assert.deepEqual(await b.takeBudget('fedex.tx:acct', limits, 20, t0 + 1000), { granted: 10, waitMs: 0 });
        assert.deepEqual(await a.takeBudget('other', limits, 1, t0 + 1000), { granted: 1, waitMs: 0 });
        await assert.rejects(a.takeBudget('x', { max: 0, windowMs: 1 }, 1, t0), /max/);
      });
    });

    describe('inbox claims', () => {
      it("one instance at a time applies a pending event; a dead holder's claim runs out; settled events are not claimed", async () => {
        const a = await openStore('inbox');
        const b = await openStore('inbox');
        await a.inboxAdd('fedex-webhook:n1', [
          { eventId: 'e1', payload: { n: 1 } },
          { eventId: 'e2', payload: { n: 2 } },
        ]);
        const [ca, cb] = await Promise.all([
          a.inboxClaim('fedex-webhook:n1', 'e1', 'A', 60_000),
          b.inboxClaim('fedex-webhook:n1', 'e1', 'B', 60_000),
        ]);
        assert.equal([ca, cb].filter(Boolean).length, 1, 'exactly one claim granted');
        const [winner, loser] = ca ? ['A', 'B'] : ['B', 'A'];
        assert.equal(await a.inboxClaim('fedex-webhook:n1', 'e1', winner, 60_000), true, 'the holder renews');
        clock.advance(59_999);
        assert.equal(await b.inboxClaim('fedex-webhook:n1', 'e1', loser, 60_000), false);
        clock.advance(1);
        assert.equal(await b.inboxClaim('fedex-webhook:n1', 'e1', loser, 60_000), true, 'after the holder died');
        await b.inboxSettle('fedex-webhook:n1', 'e1', 'applied');
        clock.advance(3_600_000);
        assert.equal(await a.inboxClaim('fedex-webhook:n1', 'e1', 'A', 60_000), false, 'settled');
        assert.equal(await a.inboxClaim('fedex-webhook:n1', 'nope', 'A', 60_000), false, 'unknown');
        assert.deepEqual(
          (await b.inboxPending('fedex-webhook:n1', 10)).map((e) => e.eventId),
          ['e2'],
        );
      });
    });

    describe('purgeBefore', () => {
      it('deletes entries older than the cutoff and their tracking links, keeps newer ones', async () => {
        const store = await openStore();
        const old = await store.record(sample({ correlation: { trackingNumbers: ['OLD'] } }));
        clock.advance(10 * 86_400_000);
        const recent = await store.record(sample({ correlation: { trackingNumbers: ['NEW'] } }));
        await store.claim('ledger-key', meta('a'));
        const n = await store.purgeBefore('2025-03-05T00:00:00.000Z');
        assert.equal(n, 1);
        assert.equal(await store.getEntry(old.id), undefined);
        assert.ok(await store.getEntry(recent.id));
        assert.equal((await store.query({ trackingNumber: 'OLD' })).total, 0);
        assert.equal((await store.query({ trackingNumber: 'NEW' })).total, 1);
        assert.ok(await store.get('ledger-key'), 'the ledger is never purged');
        await assert.rejects(store.purgeBefore('not a date'), /cutoff/);
      });
    });

    describe('purgeLedger', () => {
      it('deletes finished entries past their cutoff, never a claimed or unknown one', async () => {
        const store = await openStore();
        for (const k of ['ok', 'void', 'failed', 'claimed', 'unknown']) await store.claim(k, meta('a'));
        await store.complete('ok', { trackingNumber: '1' }, held('a'));
        await store.complete('void', { trackingNumber: '2' }, held('a'));
        await store.markVoided('void');
        await store.fail('failed', { code: 'X', message: 'refused' }, held('a'));
        await store.markUnknown('unknown', undefined, held('a'));
        clock.advance(100 * 86_400_000);
        await store.claim('recent', meta('a'));
        await store.complete('recent', { trackingNumber: '3' }, held('a'));
        const failedOnly = await store.purgeLedger({ failedBefore: '2025-05-01T00:00:00.000Z' });
        assert.equal(failedOnly, 1);
        assert.equal(await store.get('failed'), undefined);
        assert.equal((await store.get('ok'))?.state, 'succeeded');
        const n = await store.purgeLedger({ finishedBefore: '2025-05-01T00:00:00.000Z' });
        assert.equal(n, 2);
        assert.equal(await store.get('ok'), undefined);
        assert.equal(await store.get('void'), undefined);
        assert.equal((await store.get('claimed'))?.state, 'claimed');
        assert.equal((await store.get('unknown'))?.state, 'unknown');
        assert.equal((await store.get('recent'))?.state, 'succeeded');
      });

      it('keeps a voided generation while a later generation of its key is kept', async () => {
        const store = await openStore();
        for (const k of ['D', 'D#2', 'E']) {
          await store.claim(k, meta('a'));
          await store.complete(k, { trackingNumber: k }, held('a'));
          await store.markVoided(k);
        }
        clock.advance(100 * 86_400_000);
        await store.claim('D#3', meta('a'));
        await store.markUnknown('D#3', undefined, held('a'));
        const n = await store.purgeLedger({ finishedBefore: '2025-05-01T00:00:00.000Z' });
        assert.equal(n, 1, 'only E, whose chain ends with it');
        assert.equal(await store.get('E'), undefined);
        assert.equal((await store.get('D'))?.state, 'voided');
        assert.equal((await store.get('D#2'))?.state, 'voided');
      });

      it('rewrites finished results without touching state, owner or attempt', async () => {
        const store = await openStore();
        await store.claim('k', meta('a'));
        await store.complete('k', { labels: [{ data: 'QUJD' }] }, held('a'));
        await store.claim('c', meta('a'));
        const n = await store.rewriteLedgerResults(
          async (e) => ({ ...(e.result as object), labels: [{ ref: 'file' }] }),
          { contains: '"data":' },
        );
        assert.equal(n, 1);
        const e = await store.get('k');
        assert.deepEqual(e?.result, { labels: [{ ref: 'file' }] });
        assert.deepEqual([e?.state, e?.owner, e?.attempts], ['succeeded', 'a', 1]);
        assert.equal(await store.rewriteLedgerResults(async () => ({ x: 1 }), { contains: '"data":' }), 0);
      });
    });

    describe('listLedger', () => {
      it('lists entries by operation, state and result text, in key order, a page at a time', async () => {
        const store = await openStore();
        for (const k of ['s1', 's2', 's3']) {
          await store.claim(k, meta('a'));
          await store.complete(k, { adopted: k !== 's2', payload: { labels: [] } }, held('a'));
        }
        await store.claim('p1', meta('a', { operation: 'label.print' }));
        await store.claim('s0', meta('a'));
        const adopted = await store.listLedger({
          operation: 'ship.create',
          states: ['succeeded'],
          contains: '"adopted":true',
        });
        assert.deepEqual(
          adopted.entries.map((e) => e.key),
          ['s1', 's3'],
        );
        assert.equal(adopted.total, 2);
        const claimed = await store.listLedger({ states: ['claimed'] });
        assert.deepEqual(
          claimed.entries.map((e) => e.key),
          ['p1', 's0'],
        );
        const page = await store.listLedger({ operation: 'ship.create', limit: 2, after: 's0' });
        assert.deepEqual(
          page.entries.map((e) => e.key),
          ['s1', 's2'],
        );
        assert.equal(page.total, 3, 'the total counts every match after the cursor');
        const byUpdate = await store.listLedger({ states: ['claimed'], order: 'updated', limit: 1, offset: 1 });
        assert.deepEqual(
          byUpdate.entries.map((e) => e.key),
          ['s0'],
          'p1 was claimed before s0',
        );
        assert.deepEqual((await store.listLedger({ contains: '100%_' })).entries, []);
      });
    });

    describe('secrets and personal data', () => {
      const msg = (): Record<string, unknown> => ({
        payload: {
          requestedShipment: {
            recipients: [
              {
                contact: { personName: 'Jane Doe', phoneNumber: '2125550100', emailAddress: 'jane@example.com' },
                address: { streetLines: ['1 Broadway', 'Floor 3'], city: 'New York', countryCode: 'US' },
              },
            ],
          },
          items: [{ sku: 'ABC', name: 'Widget' }],
        },
        headers: { Authorization: 'Bearer abc.def.ghi', 'x-api-key': 'KEY-123' },
        password: 'hunter2-secret',
        x3: { key: 'SDH001' },
      });

      it('never stores secrets, with masking off', async () => {
        const store = await openStore();
        const e = await store.record(sample({ msg: msg() }));
        const got = await store.getEntry(e.id);
        const text = JSON.stringify(got);
        assert.ok(!text.includes('hunter2-secret'));
        assert.ok(!text.includes('KEY-123'));
        assert.ok(!text.includes('abc.def.ghi'));
        assert.ok(text.includes('Jane Doe'), 'personal data kept when masking is off');
      });

      it('masks personal data when enabled, keeping non-personal fields', async () => {
        const store = await openStore('main', { maskPersonalData: true });
        const e = await store.record(sample({ msg: msg() }));
        const got = await store.getEntry(e.id);
        const text = JSON.stringify(got);
        for (const v of [
          'Jane Doe',
          '2125550100',
          'jane@example.com',
          '1 Broadway',
          'Floor 3',
          'hunter2-secret',
          'KEY-123',
        ]) {
          assert.ok(!text.includes(v), `${v} must not be stored`);
        }
        const r = (
          got?.msg?.payload as { requestedShipment: { recipients: Array<Record<string, Record<string, unknown>>> } }
        ).requestedShipment.recipients[0];
        assert.equal(r.contact.personName, '[masked]');
        assert.deepEqual(r.address.streetLines, ['[masked]', '[masked]']);
        assert.equal(r.address.city, 'New York');
        assert.ok(text.includes('Widget'), 'a product name is not personal data');
        assert.ok(text.includes('SDH001'));
      });

      it('strips secrets from ledger results and redacts credentials in error messages', async () => {
        const store = await openStore();
        await store.claim('k', meta('a'));
        await store.complete('k', { trackingNumber: '1', accessToken: 'tok-SECRET-1' }, held('a'));
        assert.deepEqual((await store.get('k'))?.result, { trackingNumber: '1' });
        await store.claim('k2', meta('a'));
        await store.fail('k2', { code: 'AUTH', message: 'rejected header Bearer eyJhbGciOi.secret.sig' }, held('a'));
        assert.ok(!JSON.stringify(await store.get('k2')).includes('eyJhbGciOi'));
        const e = await store.record(
          sample({ status: 'failed', error: { code: 'A', message: 'Basic dXNlcjpwYXNz failed' } }),
        );
        assert.ok(!(await store.getEntry(e.id))?.error?.message.includes('dXNlcjpwYXNz'));
      });
    });
  });
}
