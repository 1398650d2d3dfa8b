/**
 * Faults: FedEx answers 5% of calls with a 5xx, about 5% with a 429, commits 2% of the shipments
 * and drops the connection without answering, and the X3 tokens expire in the middle of the run.
 * Still exactly one label per delivery and nothing lost.
 */
import assert from 'node:assert/strict';
import { createX3Deliveries, x3Records } from '../../sim/activity';
import { runtimeProblems, startE2E, waitFor, type E2E } from '../support/e2e';

const COUNT = 120;

describe('e2e: faults (FedEx 5xx, 429, commit-then-drop; X3 token expiry)', function () {
  this.timeout(10 * 60_000);
  let env: E2E;

  before(async function () {
    env = await startE2E({
      sims: {
        fedex: { journeySeconds: 3600, error5xxRate: 0.05, commitThenDropRate: 0.02, seed: 11 },
        x3: { records: { customer: 10, product: 10, salesOrder: 20, salesDelivery: 0, purchaseOrder: 0 } },
      },
      wiring: {
        only: ['01', '08'],
        x3PollSeconds: 1,
        reconcileDelaySeconds: 1,
        // connected-app JWTs valid 15 s (iat 30 s back, exp = iat + 45 s), re-minted every 10 s
        x3Config: { jwtLifetimeSeconds: 45, jwtBackdateSeconds: 30, tokenRefreshSeconds: 10 },
      },
      webhooks: { fedex: false, shipstation: false },
    });
  });

  after(async function () {
    await env?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(runtimeProblems(env.runtime));
  });

  it('still buys exactly one label per delivery and loses nothing', async function () {
    const fedex = env.sims.fedex;
    // about one business call in twenty answered 429 (FedEx documents no Retry-After)
    let seen = fedex.state.requests.length;
    const throttle = setInterval(() => {
      const now = fedex.state.requests.length;
      if (now - seen >= 20) {
        fedex.config.burst429 = 1;
        seen = now;
      }
    }, 10);
    // X3's clock runs 8 s ahead of ours: each token expires at X3 before the node renews it, and
    // the calls in between are refused (401) until the node mints a new one
    env.sims.x3.config.clockSkewMs = 8000;
    let keys: string[];
    try {
      keys = await createX3Deliveries(env.sims.x3.url, { prefix: 'SDF', start: 1, count: COUNT / 2 });
      // the second half arrives after the first tokens expired
      await waitFor(
        'a token refused as expired',
        async () => env.sims.x3.logs.auth.some((a) => !a.ok && a.status === 401) || undefined,
      );
      keys.push(
        ...(await createX3Deliveries(env.sims.x3.url, { prefix: 'SDF', start: COUNT / 2 + 1, count: COUNT / 2 })),
      );
      await waitFor(
        'every delivery labelled and written back',
        async () => {
          const docs = (await x3Records(env.sims.x3.url, 'salesDelivery')).filter((d) =>
            keys.includes(String(d.SDHNUM)),
          );
          return docs.length === COUNT && docs.every((d) => d.YTRACKNUM) ? docs : undefined;
        },
        300_000,
        500,
      );
    } finally {
      clearInterval(throttle);
    }

    const docs = (await x3Records(env.sims.x3.url, 'salesDelivery')).filter((d) => keys.includes(String(d.SDHNUM)));
    for (const d of docs) {
      const key = String(d.SDHNUM);
      // dropped-but-committed shipments are real shipments: they count
      const shipments = fedex.state.shipments.filter(
        (s) => s.status === 'active' && s.references.some((r) => r.value === `SEED SDH ${key}`),
      );
      assert.equal(shipments.length, 1, `${key}: ${shipments.length} shipments`);
      assert.equal(d.YTRACKNUM, shipments[0].masterTrackingNumber, `${key}: tracking number`);
    }
    // the faults did happen
    const limits = fedex.state.limits;
    assert.ok(
      limits.some((l) => l.status >= 500),
      'no 5xx was injected',
    );
    assert.ok(
      limits.some((l) => l.status === 429),
      'no 429 was injected',
    );
    assert.ok(
      fedex.state.shipments.some((s) => s.dropped),
      'no commit-then-drop happened',
    );
    const expired = env.sims.x3.logs.auth.filter((a) => !a.ok && a.status === 401);
    assert.ok(expired.length > 0, 'no X3 token expired during the run');
    assert.ok(env.sims.x3.logs.jwtSeen.length > 1, 'the X3 token was never replaced');
    // and no delivery is left failed in the audit trail
    const failed = await env.audit({ status: 'failed', operation: 'x3 delivery labels' });
    assert.equal(failed.total, 0, JSON.stringify(failed.entries.map((e) => e.error)));
  });
});
