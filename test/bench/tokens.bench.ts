/**
 * Token requests per hour under load, in a real Node-RED running examples 01 (X3 deliveries ->
 * FedEx labels -> X3) and 03 (FedEx tracking by polling) against the simulators: one
 * fedex-config shared by fedex-ship and fedex-track, one x3-config shared by x3-poll and the two
 * x3-update nodes.
 *
 * An hour is simulated by scaling every token lifetime down by BENCH_TOKEN_SCALE (default 24, the
 * most x3-config allows: its re-mint period is at least 10 s) and scaling the counts back:
 *   - FedEx: the simulator's tokens live 3,600 s / scale (expires_in one second less), and
 *     fedex-config refreshes 300 s / scale before expiry: one token request per
 *     (3,599 - 300) s of simulated time, i.e. one per token lifetime less the margin;
 *   - X3 (connected app): x3-config re-mints its JWT every 240 s / scale (the JWT lives at least
 *     the 30 s x3-config allows): one JWT per 240 s of simulated time. X3 has no token endpoint:
 *     the JWTs are counted as the X3 simulator first sees them (`jwtSeen`).
 * Load: BENCH_TOKEN_LOAD new X3 deliveries per second (default 5) for BENCH_TOKEN_HOURS simulated
 * hours (default 2), x3-poll every second, a Track run every 2 s. Expected counts include the
 * first token: 1 + floor(span / period), span from the first token to the end of the load; the
 * per-hour figures are the steady-state rate (simulated hour / mean time between requests), so
 * FedEx needs more than one simulated hour to show one.
 *
 * Quick run: BENCH_TOKEN_HOURS=0.5 npx tsx test/bench/tokens.bench.ts (75 s of load)
 */
import { createX3Deliveries } from '../../sim/activity';
import { runtimeProblems, startE2E } from '../support/e2e';
import { envNumber, round, runStandalone } from './runtime-support';
import type { BenchResult } from './types';

const FEDEX_LIFETIME_S = 3600;
const FEDEX_MARGIN_S = 300;
const X3_REFRESH_S = 240;
const X3_MIN_REFRESH_S = 10;

export async function run(): Promise<BenchResult[]> {
  const scale = Math.min(envNumber('BENCH_TOKEN_SCALE', 24), X3_REFRESH_S / X3_MIN_REFRESH_S);
  const hours = envNumber('BENCH_TOKEN_HOURS', 2);
  const load = Math.floor(envNumber('BENCH_TOKEN_LOAD', 5));
  const loadMs = (hours * 3_600_000) / scale;

  const fedexLifetimeS = FEDEX_LIFETIME_S / scale;
  const fedexMarginS = FEDEX_MARGIN_S / scale;
  const x3RefreshS = X3_REFRESH_S / scale;
  const env = await startE2E({
    sims: {
      x3: { records: { customer: 10, product: 10, salesOrder: 20, salesDelivery: 0, purchaseOrder: 0 } },
      fedex: { tokenLifetimeSec: fedexLifetimeS },
    },
    wiring: {
      only: ['01', '03'],
      x3PollSeconds: 1,
      trackSeconds: 2,
      catchUpDelaySeconds: 1,
      fedexConfig: { tokenMarginSeconds: fedexMarginS },
      x3Config: {
        tokenRefreshSeconds: x3RefreshS,
        jwtLifetimeSeconds: Math.max(30, 300 / scale),
        jwtBackdateSeconds: 30 / scale,
      },
    },
    webhooks: { fedex: false, shipstation: false },
  });
  try {
    const startedAt = Date.now();
    const endAt = startedAt + loadMs;
    let created = 0;
    while (Date.now() < endAt) {
      const tick = Date.now();
      await createX3Deliveries(env.sims.x3.url, { prefix: 'SDT', start: created + 1, count: load });
      created += load;
      await new Promise((r) => setTimeout(r, Math.max(0, tick + 1000 - Date.now())));
    }
    const endedAt = Date.now();

    const fedex = env.sims.fedex.state;
    const fedexTokens = fedex.tokenRequests.filter((t) => t.at <= endedAt);
    const fedexIssued = fedexTokens.filter((t) => t.outcome === 'issued');
    const fedex401 = fedex.requests.filter((r) => r.status === 401).length;
    // the token counts from the moment it was requested; expires_in is one second short of its life
    const fedexPeriodMs = (fedexLifetimeS - 1 - fedexMarginS) * 1000;
    const fedexSpan = fedexTokens.length ? endedAt - fedexTokens[0].at : 0;
    const fedexExpected = 1 + Math.floor(fedexSpan / fedexPeriodMs);

    const x3 = env.sims.x3.logs;
    const jwts = x3.jwtSeen.filter((j) => Date.parse(j.firstSeenAt) <= endedAt);
    const x3Refused = x3.auth.filter((a) => !a.ok).length;
    const x3Span = jwts.length ? endedAt - Date.parse(jwts[0].firstSeenAt) : 0;
    const x3Expected = 1 + Math.floor(x3Span / (x3RefreshS * 1000));

    const labelled = env.sims.x3.store.list('salesDelivery').filter((r) => r.values.YTRACKNUM).length;
    if (fedexTokens.length === 0 || jwts.length === 0)
      throw new Error(`no token was used under load:\n${runtimeProblems(env.runtime)}`);
    // steady-state rate: simulated hour / mean time between two requests (needs two of them)
    const perHour = (count: number, spanFirstToLastMs: number): number =>
      count < 2 ? NaN : round(3_600_000 / ((spanFirstToLastMs * scale) / (count - 1)), 2);
    const fedexRate = perHour(fedexTokens.length, fedexTokens[fedexTokens.length - 1].at - fedexTokens[0].at);
    const x3Rate = perHour(
      jwts.length,
      Date.parse(jwts[jwts.length - 1].firstSeenAt) - Date.parse(jwts[0].firstSeenAt),
    );
    const fedexNominal = 3600 / (FEDEX_LIFETIME_S - 1 - FEDEX_MARGIN_S);
    const x3Nominal = 3600 / X3_REFRESH_S;
    // timing jitter of a few ms on a scaled period
    const within = (rate: number, nominal: number): boolean => Number.isNaN(rate) || rate <= nominal * 1.01;
    return [
      {
        name: `load: ${created} deliveries over ${hours} simulated h (${round(loadMs / 1000, 1)} s, lifetimes scaled 1/${scale})`,
        value: labelled,
        unit: 'labelled',
      },
      {
        name: 'FedEx token requests (one fedex-config: ship + track)',
        value: fedexTokens.length,
        unit: 'requests',
        target: `<= ${fedexExpected}`,
        pass: fedexTokens.length <= fedexExpected && fedexIssued.length === fedexTokens.length,
      },
      {
        name: 'FedEx token requests per simulated hour (steady state)',
        value: fedexRate,
        unit: '/h',
        target: `<= ${round(fedexNominal, 2)} (1 per 3,599 s token less 300 s margin)`,
        pass: within(fedexRate, fedexNominal),
      },
      {
        name: 'FedEx 401 answers (expired or refused token)',
        value: fedex401,
        unit: 'answers',
        target: '0',
        pass: fedex401 === 0,
      },
      {
        name: 'X3 JWTs used (one x3-config: poll + updates)',
        value: jwts.length,
        unit: 'JWTs',
        target: `<= ${x3Expected}`,
        pass: jwts.length <= x3Expected,
      },
      {
        name: 'X3 JWTs per simulated hour (steady state)',
        value: x3Rate,
        unit: '/h',
        target: `<= ${x3Nominal} (1 per 240 s)`,
        pass: within(x3Rate, x3Nominal),
      },
      {
        name: 'X3 requests refused for authentication',
        value: x3Refused,
        unit: 'requests',
        target: '0',
        pass: x3Refused === 0,
      },
    ];
  } finally {
    await env.stop();
  }
}

if (require.main === module) runStandalone(run);
