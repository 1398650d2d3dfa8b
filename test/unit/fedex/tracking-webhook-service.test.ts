/**
 * TrackingWebhookService without Node-RED: a push is stored before its 200, and an event whose apply
 * is interrupted by a stop is not emitted into the stopping flow (Node-RED drops the msgs of
 * closed nodes) but left pending and emitted once by the next start.
 */
import { strict as assert } from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { openSqliteStore, type SqliteAuditStore } from '../../../nodes/audit/sqlite-store';
import { TrackingWebhookService, type WebhookUpdate } from '../../../nodes/fedex/tracking-webhook-service';
import { signFedexBody } from '../../../nodes/fedex/webhook-signature';

const SECRET = 'intake-test-token';
const SCOPE = 'fedex-webhook:hook';

function push(tn: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      transactionId: `t-${tn}`,
      outputMetaData: [{ pushTimestamp: '2025-03-16T15:00:00Z', attemptNumber: 1 }],
      output: {
        completeTrackResults: [
          {
            trackingNumber: tn,
            trackResults: [
              {
                trackingNumberInfo: { trackingNumber: tn },
                latestStatusDetail: { code: 'DL', derivedCode: 'DL', description: 'Delivered' },
                scanEvents: [{ date: '2025-03-16T08:15:00-07:00', eventType: 'DL', eventDescription: 'Delivered' }],
              },
            ],
          },
        ],
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

  const intake = (emitted: WebhookUpdate[]): TrackingWebhookService =>
    new TrackingWebhookService({ store, secret: () => SECRET, scope: SCOPE, onUpdate: (u) => emitted.push(u) });
  const signed = (body: Buffer) => ({ raw: body, headers: { 'fdx-signature': signFedexBody(body, SECRET) } });

  it('a stop during an apply emits nothing into the stopping flow; the next start emits the event once', async () => {
    const first: WebhookUpdate[] = [];
    const a = intake(first);
    // the apply reads the shipment first: hold it there until the stop has begun
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const getShipment = store.getShipment.bind(store);
    let reading!: () => void;
    const reached = new Promise<void>((r) => (reading = r));
    store.getShipment = async (tn: string) => {
      reading();
      await gate;
      return getShipment(tn);
    };
    assert.equal((await a.handle(signed(push('794900000301')))).status, 200);
    await reached;
    const closed = a.close();
    release();
    await closed;
    store.getShipment = getShipment;
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
});
