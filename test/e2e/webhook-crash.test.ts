/**
 * Crash after the 200: 50 signed FedEx AIV pushes reach example 04's fedex-webhook and Node-RED
 * is killed (SIGKILL: no close handlers) the moment the last one is answered 200. FedEx never
 * redelivers a 200, so whatever was acknowledged must be applied after the restart: every event
 * once, none twice, also when FedEx re-sends them all.
 */
import assert from 'node:assert/strict';
import { signWebhookBody } from '../../sim/fedex/server';
import { WEBHOOK_PATHS } from '../../sim/example-wiring';
import { SIM_CREDENTIALS } from '../../sim/start-all';
import { runtimeProblems, startE2E, waitFor, type E2E } from '../support/e2e';

const PUSHES = 50;

/** One AIV push announcing the delivery of `tn` (FedEx's Track structure, §7). */
function push(tn: string, attempt: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      transactionId: `crash-${tn}-${attempt}`,
      outputMetaData: [{ pushTimestamp: new Date().toISOString(), attemptNumber: attempt }],
      output: {
        completeTrackResults: [
          {
            trackingNumber: tn,
            trackResults: [
              {
                trackingNumberInfo: { trackingNumber: tn, carrierCode: 'FDXE' },
                latestStatusDetail: { code: 'DL', derivedCode: 'DL', description: 'Delivered' },
                scanEvents: [
                  {
                    date: '2025-03-16T10:42:00-07:00',
                    eventType: 'DL',
                    eventDescription: 'Delivered',
                    derivedStatusCode: 'DL',
                    scanLocation: { city: 'OAKLAND', stateOrProvinceCode: 'CA', countryCode: 'US' },
                  },
                ],
              },
            ],
          },
        ],
      },
    }),
  );
}

describe('e2e: SIGKILL right after FedEx webhooks were answered 200', function () {
  this.timeout(10 * 60_000);
  let env: E2E;
  const tns = Array.from({ length: PUSHES }, (_, i) => `79490${String(i + 1).padStart(7, '0')}`);

  before(async function () {
    env = await startE2E({ wiring: { only: ['04'] }, webhooks: { fedex: false, shipstation: false } });
  });

  after(async function () {
    await env?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(runtimeProblems(env.runtime));
  });

  const send = async (body: Buffer): Promise<number> => {
    const res = await fetch(`${env.runtime.url}${WEBHOOK_PATHS.fedex}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'fdx-signature': signWebhookBody(body, SIM_CREDENTIALS.fedex.webhookSecret),
      },
      body: new Uint8Array(body),
    });
    await res.arrayBuffer();
    return res.status;
  };

  /** Tracking number -> how many webhook entries the audit trail holds for it. */
  const applied = async (): Promise<Map<string, number>> => {
    const { entries } = await env.audit({ system: 'fedex', operation: 'webhook' });
    const counts = new Map<string, number>();
    for (const e of entries) {
      for (const tn of e.correlation?.trackingNumbers ?? []) counts.set(tn, (counts.get(tn) ?? 0) + 1);
    }
    return counts;
  };

  it('applies all 50 acknowledged events after the restart, none twice', async function () {
    // all at once, as FedEx does for a busy account: the 200s come back faster than the events are applied
    const statuses = await Promise.all(tns.map((tn) => send(push(tn, 1))));
    await env.runtime.kill();
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      'every push acknowledged',
    );

    await env.restart();
    // a 51st event after the restart: events are applied in arrival order, so once it is in the
    // trail, everything stored before it has been applied
    const sentinel = '794909999999';
    assert.equal(await send(push(sentinel, 1)), 200);
    const counts = await waitFor(
      'the events applied after the restart',
      async () => {
        const c = await applied();
        return c.has(sentinel) ? c : undefined;
      },
      120_000,
      250,
    );
    const missing = tns.filter((tn) => !counts.has(tn));
    assert.deepEqual(missing, [], `${missing.length} acknowledged events lost`);
    for (const [tn, n] of counts) assert.equal(n, 1, `${tn}: applied ${n} times`);

    // FedEx re-sends them all (portal retry, new attempt number): answered 200, applied no second time
    const again = await Promise.all(tns.map((tn) => send(push(tn, 2))));
    assert.ok(again.every((s) => s === 200));
    const second = '794909999998';
    assert.equal(await send(push(second, 1)), 200);
    const after = await waitFor('the second sentinel', async () => {
      const c = await applied();
      return c.has(second) ? c : undefined;
    });
    assert.equal(after.size, PUSHES + 2);
    for (const [tn, n] of after) assert.equal(n, 1, `${tn}: applied ${n} times after the redelivery`);
  });
});
