/**
 * Virtual time for rate-limit tests and the pull benchmark: sinon fakes setTimeout/Date only
 * (setImmediate and I/O stay real), and the driver advances the fake clock to the next timer
 * only while no HTTP request is in flight. Requests therefore take no virtual time, and waits
 * for a rate-limit window cost exactly the window, never a real minute.
 */
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import sinon from 'sinon';
import { EXCHANGE_END_CHANNEL, EXCHANGE_START_CHANNEL } from '../../../nodes/core/http-transport';

export type FakeClock = sinon.SinonFakeTimers;

/**
 * Fakes the timer functions; `Date` stays real unless asked (luxon under a fake Date is several
 * times slower, and the simulator sorts thousands of Pacific timestamps per request), so the
 * simulator and the client get `() => clock.now` as their clock instead.
 */
export function installClock(start: string | number, options: { fakeDate?: boolean } = {}): FakeClock {
  // counting starts before the work does: an exchange begun before the first httpInFlight()
  // call would otherwise never count, and the clock would jump while it is on the wire
  httpInFlight();
  return sinon.useFakeTimers({
    now: typeof start === 'string' ? Date.parse(start) : start,
    toFake: [
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      ...(options.fakeDate ? (['Date'] as const) : []),
    ],
  });
}

let inFlight = 0;
let listening = false;

/**
 * HTTP client requests of this process in flight (request sent, response not fully read), from
 * the diagnostics channels of Node's http and of the plugin's transport (core/http-transport.ts):
 * works whoever makes the request (a client inside a config node). Counting starts at the first
 * call (installClock makes it).
 */
export function httpInFlight(): number {
  if (!listening) {
    listening = true;
    // the plugin's exchanges, from before the connection is asked for until the answer is
    // handed over (undici's own request channels leave gaps: connecting, the hand-over)
    const open = new WeakSet<object>();
    diagnostics.subscribe(EXCHANGE_START_CHANNEL, (message) => {
      open.add(message as object);
      inFlight += 1;
    });
    diagnostics.subscribe(EXCHANGE_END_CHANNEL, (message) => {
      if (open.delete(message as object)) inFlight -= 1;
    });
    diagnostics.subscribe('http.client.request.start', (message) => {
      const req = (message as { request: ClientRequest }).request;
      inFlight += 1;
      let finished = false;
      let answered = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        inFlight -= 1;
      };
      req.once('response', (res: IncomingMessage) => {
        answered = true;
        res.once('close', finish);
      });
      req.once('error', finish);
      req.once('close', () => {
        if (!answered) finish();
      });
    });
  }
  return inFlight;
}

const realImmediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Due time of the earliest pending fake timer (Infinity when none). */
function earliestTimer(clock: FakeClock): number {
  const timers = (clock as unknown as { timers?: Map<number, { callAt: number }> }).timers;
  let min = Infinity;
  for (const t of timers?.values() ?? []) min = Math.min(min, t.callAt);
  return min;
}

/**
 * Runs `work` to completion under the fake clock. `busy()` says a request is in flight: the
 * clock must not jump then (a request timeout would fire), but timers due within a millisecond
 * still run — Bottleneck yields through 0 ms timers, which a fake clock schedules 1 ms ahead
 * when they are created during a tick. When nothing is in flight, the clock jumps to the next
 * timer.
 */
export async function driveVirtualTime<T>(
  clock: FakeClock,
  work: Promise<T>,
  busy: () => boolean,
  maxVirtualMs = 24 * 3_600_000,
): Promise<T> {
  const start = clock.now;
  let settled = false;
  let value: T | undefined;
  let failure: unknown;
  work.then(
    (v) => {
      settled = true;
      value = v;
    },
    (e: unknown) => {
      settled = true;
      failure = e;
    },
  );
  while (!settled) {
    if (clock.now - start > maxVirtualMs)
      throw new Error(`virtual time driver: still running after ${maxVirtualMs} ms of virtual time`);
    await realImmediate();
    if (settled) break;
    const next = earliestTimer(clock);
    if (busy()) {
      if (next <= clock.now + 1) await clock.tickAsync(Math.max(0, next - clock.now));
      continue;
    }
    if (next === Infinity) continue;
    // a few real turns first: work between two requests is not "in flight" for the limiter
    await realImmediate();
    await realImmediate();
    if (settled || busy()) continue;
    await clock.nextAsync();
  }
  if (failure !== undefined) throw failure;
  return value as T;
}
