import assert from 'node:assert/strict';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditStore } from '../../../nodes/audit/types';
import {
  decide,
  normaliseCode,
  parseTrackOutput,
  parseTrackResult,
  readEvents,
  statusOf,
  newerStoredStatus,
  TrackingProcessor,
  type TrackingUpdate,
} from '../../../nodes/fedex/tracking';
import { signFedexBody, verifyFedexSignature } from '../../../nodes/fedex/webhook-signature';

function scan(eventType: string, date: string, derivedStatusCode = 'IT', city = 'MEMPHIS'): Record<string, unknown> {
  return { date, eventType, eventDescription: eventType, derivedStatusCode, scanLocation: { city, countryCode: 'US' } };
}

function update(status: TrackingUpdate['status'], statusCode: string, occurredAt?: string): TrackingUpdate {
  return {
    trackingNumber: '794953535000',
    status,
    statusCode,
    occurredAt,
    delivered: status === 'delivered',
    events: [],
  };
}

describe('fedex/tracking', () => {
  it('normalises FedEx codes to the DESIGN statuses', () => {
    const table: Record<string, string> = {
      OC: 'label_created',
      IN: 'label_created',
      PU: 'picked_up',
      AR: 'in_transit',
      DP: 'in_transit',
      DY: 'in_transit',
      OD: 'out_for_delivery',
      HP: 'out_for_delivery',
      DL: 'delivered',
      DE: 'exception',
      SE: 'exception',
      CD: 'exception',
      RS: 'returned',
      CA: 'cancelled',
    };
    for (const [code, status] of Object.entries(table)) assert.equal(normaliseCode(code), status, code);
    assert.equal(normaliseCode(undefined), 'unknown');
    // derivedCode first, the raw code when it says more (OD scan derived IT)
    assert.equal(statusOf('OD', 'IT'), 'out_for_delivery');
    assert.equal(statusOf('OC', 'IN'), 'label_created');
    assert.equal(statusOf('AR', 'IT'), 'in_transit');
  });

  it('orders events oldest first (FedEx lists newest first), converts times to UTC and drops duplicates', () => {
    const events = readEvents([
      scan('DL', '2025-03-16T14:02:00-07:00', 'DL'),
      scan('OD', '2025-03-16T08:15:00-07:00', 'IT'),
      scan('OD', '2025-03-16T08:15:00-07:00', 'IT'),
      scan('PU', '2025-03-14T17:00:00-05:00', 'PU'),
    ]);
    assert.deepEqual(
      events.map((e) => [e.code, e.occurredAt, e.status]),
      [
        ['PU', '2025-03-14T22:00:00.000Z', 'picked_up'],
        ['OD', '2025-03-16T15:15:00.000Z', 'out_for_delivery'],
        ['DL', '2025-03-16T21:02:00.000Z', 'delivered'],
      ],
    );
    assert.equal(events[1].derivedCode, 'IT');
  });

  it('parses a track result with the raw code kept, and a per-number error', () => {
    const parsed = parseTrackOutput({
      output: {
        completeTrackResults: [
          {
            trackingNumber: '794953535000',
            trackResults: [
              {
                trackingNumberInfo: { trackingNumber: '794953535000' },
                latestStatusDetail: {
                  code: 'OD',
                  derivedCode: 'OD',
                  description: 'On FedEx vehicle for delivery',
                  scanLocation: { city: 'OAKLAND', stateOrProvinceCode: 'CA', countryCode: 'US' },
                },
                dateAndTimes: [{ type: 'ESTIMATED_DELIVERY', dateTime: '2025-03-16T00:00:00-07:00' }],
                scanEvents: [scan('OD', '2025-03-16T08:15:00-07:00'), scan('AR', '2025-03-16T05:00:00-07:00')],
                serviceDetail: { type: 'FEDEX_GROUND' },
              },
            ],
          },
          {
            trackingNumber: '123456789012',
            trackResults: [
              {
                trackingNumberInfo: { trackingNumber: '123456789012' },
                error: { code: 'TRACKING.TRACKINGNUMBER.NOTFOUND', message: 'not found' },
              },
            ],
          },
        ],
      },
    });
    assert.equal(parsed.length, 2);
    const u = parsed[0].update as TrackingUpdate;
    assert.equal(u.status, 'out_for_delivery');
    assert.equal(u.statusCode, 'OD');
    assert.equal(u.occurredAt, '2025-03-16T15:15:00.000Z');
    assert.deepEqual(u.location, { city: 'OAKLAND', stateOrProvinceCode: 'CA', countryCode: 'US' });
    assert.equal(u.delivered, false);
    assert.equal(u.estimatedDelivery, '2025-03-16T07:00:00.000Z');
    assert.equal(u.serviceType, 'FEDEX_GROUND');
    assert.deepEqual(parsed[1], {
      trackingNumber: '123456789012',
      error: { code: 'TRACKING.TRACKINGNUMBER.NOTFOUND', message: 'not found' },
    });
  });

  it('takes the delivery time from dateAndTimes when FedEx sends no scans', () => {
    const p = parseTrackResult({
      trackingNumberInfo: { trackingNumber: '1' },
      latestStatusDetail: { code: 'DL', derivedCode: 'DL' },
      dateAndTimes: [{ type: 'ACTUAL_DELIVERY', dateTime: '2025-03-16T14:02:00-07:00' }],
      scanEvents: [],
    });
    assert.equal(p.update?.occurredAt, '2025-03-16T21:02:00.000Z');
    assert.equal(p.update?.delivered, true);
  });

  describe('the monotonic rule', () => {
    const stored = (status: TrackingUpdate['status'], statusCode: string, lastEventAt?: string, closed = false) => ({
      status,
      statusCode,
      lastEventAt,
      closed,
    });

    it('never moves a delivered shipment backwards, even with a later in-transit time', () => {
      const d = decide(
        stored('delivered', 'DL', '2025-03-16T21:02:00.000Z', true),
        update('in_transit', 'AR', '2025-03-17T10:00:00.000Z'),
      );
      assert.equal(d.apply, false);
      assert.equal(d.status, 'delivered');
      assert.equal(d.changed, false);
      assert.equal(d.closed, true);
    });

    it('ignores an event older than the one applied', () => {
      const d = decide(
        stored('out_for_delivery', 'OD', '2025-03-16T15:15:00.000Z'),
        update('in_transit', 'AR', '2025-03-16T12:00:00.000Z'),
      );
      assert.equal(d.apply, false);
      assert.equal(d.status, 'out_for_delivery');
    });

    it('applies a newer event, even one of a lower step (an exception followed by in-transit scans)', () => {
      const d = decide(
        stored('exception', 'DE', '2025-03-16T18:00:00.000Z'),
        update('in_transit', 'AR', '2025-03-17T01:00:00.000Z'),
      );
      assert.equal(d.apply, true);
      assert.equal(d.changed, true);
      assert.equal(d.status, 'in_transit');
    });

    it('reports the same state again as no change, and closes terminal states', () => {
      assert.equal(
        decide(
          stored('in_transit', 'AR', '2025-03-16T12:00:00.000Z'),
          update('in_transit', 'AR', '2025-03-16T12:00:00.000Z'),
        ).changed,
        false,
      );
      const d = decide(
        stored('out_for_delivery', 'OD', '2025-03-16T15:15:00.000Z'),
        update('delivered', 'DL', '2025-03-16T21:02:00.000Z'),
      );
      assert.deepEqual([d.apply, d.changed, d.closed], [true, true, true]);
    });

    it('without times, the further step wins', () => {
      assert.equal(decide(stored('picked_up', 'PU'), update('label_created', 'OC')).apply, false);
      assert.equal(decide(stored('picked_up', 'PU'), update('in_transit', 'IT')).apply, true);
    });
  });

  describe('TrackingProcessor on the audit store', () => {
    let store: AuditStore;
    beforeEach(() => {
      store = openSqliteStore({ path: ':memory:' });
    });
    afterEach(async () => store.close());

    it('applies, closes terminal shipments and keeps a delivered shipment delivered', async () => {
      const p = new TrackingProcessor(store);
      await store.trackShipment('794953535000', { x3Key: 'SD1', x3Entity: 'salesDelivery' });
      const first = await p.apply(update('in_transit', 'AR', '2025-03-16T12:00:00.000Z'));
      assert.equal(first.changed, true);
      assert.deepEqual(first.correlation, { x3Key: 'SD1', x3Entity: 'salesDelivery' });
      const again = await p.apply(update('in_transit', 'AR', '2025-03-16T12:00:00.000Z'));
      assert.equal(again.changed, false);
      const delivered = await p.apply(update('delivered', 'DL', '2025-03-16T21:02:00.000Z'));
      assert.equal(delivered.changed, true);
      assert.equal(delivered.closed, true);
      const late = await p.apply(update('in_transit', 'DP', '2025-03-16T13:00:00.000Z'));
      assert.equal(late.changed, false);
      assert.equal(late.update.status, 'delivered');
      assert.equal(late.update.delivered, true);
      const s = await store.getShipment('794953535000');
      assert.equal(s?.status, 'delivered');
      assert.equal(s?.closed, true);
      assert.deepEqual(await store.listOpenShipments(10), []);
    });

    it('a poll result and a webhook event applied at the same time never reopen a delivered shipment', async () => {
      // fedex-track and fedex-webhook each have a processor on the one store
      const poll = new TrackingProcessor(store);
      const webhook = new TrackingProcessor(store);
      await store.trackShipment('794953535000');
      await poll.apply(update('in_transit', 'AR', '2025-03-16T12:00:00.000Z'));
      const [delivered, older] = await Promise.all([
        webhook.apply(update('delivered', 'DL', '2025-03-16T21:02:00.000Z')),
        poll.apply(update('out_for_delivery', 'OD', '2025-03-16T15:00:00.000Z')),
      ]);
      assert.equal(delivered.changed, true);
      const s = await store.getShipment('794953535000');
      assert.equal(s?.status, 'delivered', 'the store stays on the newest event');
      assert.equal(s?.closed, true);
      assert.deepEqual(await store.listOpenShipments(10), [], 'not polled again: delivered is never emitted twice');
      // whichever ran second saw the other's write: out_for_delivery is emitted only if it came first
      if (older.changed) assert.equal(older.update.status, 'out_for_delivery');
      else assert.equal(older.update.status, 'delivered');
    });

    it('newerStoredStatus: a tracking msg behind the stored state is told the newer status; a newer or equal one is not', async () => {
      const p = new TrackingProcessor(store);
      await p.apply(update('out_for_delivery', 'OD', '2025-03-16T15:00:00.000Z'));
      const msg = (status: string, statusCode: string, occurredAt?: string) => ({
        ...update(status as TrackingUpdate['status'], statusCode, occurredAt),
      });
      assert.equal(
        await newerStoredStatus(store, msg('in_transit', 'AR', '2025-03-16T12:00:00.000Z')),
        'out_for_delivery',
      );
      assert.equal(
        await newerStoredStatus(store, msg('out_for_delivery', 'OD', '2025-03-16T15:00:00.000Z')),
        undefined,
      );
      // an exception after out_for_delivery is newer, though a lower step
      assert.equal(await newerStoredStatus(store, msg('exception', 'DE', '2025-03-16T18:00:00.000Z')), undefined);
      // times with an offset are compared as instants
      assert.equal(
        await newerStoredStatus(store, msg('in_transit', 'AR', '2025-03-16T07:59:00-07:00')),
        'out_for_delivery',
      );
      await p.apply(update('delivered', 'DL', '2025-03-16T21:02:00.000Z'));
      assert.equal(await newerStoredStatus(store, msg('exception', 'DE', '2025-03-17T08:00:00.000Z')), 'delivered');
      // not a tracking msg, or a shipment nobody follows
      assert.equal(await newerStoredStatus(store, { trackingNumber: '794953535000', status: 'toString' }), undefined);
      assert.equal(await newerStoredStatus(store, 'in_transit'), undefined);
      assert.equal(await newerStoredStatus(store, { ...msg('in_transit', 'AR'), trackingNumber: '1' }), undefined);
    });

    it('a followed shipment FedEx could not report on is touched without undoing a concurrent delivery', async () => {
      const poll = new TrackingProcessor(store);
      const webhook = new TrackingProcessor(store);
      await store.trackShipment('794953535000');
      await poll.apply(update('in_transit', 'AR', '2025-03-16T12:00:00.000Z'));
      await Promise.all([
        webhook.apply(update('delivered', 'DL', '2025-03-16T21:02:00.000Z')),
        poll.touch('794953535000'),
      ]);
      const s = await store.getShipment('794953535000');
      assert.equal(s?.status, 'delivered');
      assert.equal(s?.closed, true);
    });
  });

  describe('webhook signature', () => {
    const token = 'Abcdefghijklmnopqrstuvwxyz0123456789';
    const body = Buffer.from('{"output":{"completeTrackResults":[]}}');

    it('accepts the Base64 HMAC-SHA256 of the raw body (and its hex form)', () => {
      assert.ok(verifyFedexSignature(body, signFedexBody(body, token), token));
      const hex = Buffer.from(signFedexBody(body, token), 'base64').toString('hex');
      assert.ok(verifyFedexSignature(body, hex, token));
      assert.ok(verifyFedexSignature(body, hex.toUpperCase(), token));
    });

    it('refuses a tampered body, a wrong key, a missing or empty header', () => {
      const sig = signFedexBody(body, token);
      assert.equal(verifyFedexSignature(Buffer.from(body.toString().replace('[]', '[1]')), sig, token), false);
      assert.equal(verifyFedexSignature(body, signFedexBody(body, `${token}x`), token), false);
      assert.equal(verifyFedexSignature(body, undefined, token), false);
      assert.equal(verifyFedexSignature(body, '', token), false);
      assert.equal(verifyFedexSignature(body, sig, ''), false);
    });
  });
});
