/**
 * node-red-node-test-helper for the X3 node tests: typed helper, a per-test user dir, flows,
 * and waits that also work under sinon fake timers (they yield to real I/O with setImmediate).
 */
import { positioned as positionedWith, useUserDir as useUserDirWith } from '../../support/node-helper';

export {
  catchNode,
  completeNode,
  helper,
  recorder,
  settle,
  startStopServer,
  statusTexts,
  type TestHelper,
  type TestNode,
} from '../../support/node-helper';

/** A fresh Node-RED user dir per test (RED.settings.userDir); extra runtime settings merged in. */
export const useUserDir = (extra: Record<string, unknown> = {}): { dir: () => string } =>
  useUserDirWith({ prefix: 'sx3s-nr-x3-', settings: extra });

/** Editor coordinates for flow nodes (Node-RED treats a node without x/y as a config node). */
export const positioned = (flow: Array<Record<string, unknown>>): Array<Record<string, unknown>> =>
  positionedWith(flow, ['x3-config', 'audit-config']);

/** Real elapsed ms, unaffected by fake Date. */
const realNow = (): number => Number(process.hrtime.bigint() / 1_000_000n);

/**
 * Waits until `cond()` holds, yielding to real I/O between checks; `tick` (a fake clock's
 * tick(0)) fires timers due now, such as the limiter's zero-delay scheduling.
 */
export async function waitFor(cond: () => boolean, what: string, tick?: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = realNow() + timeoutMs;
  while (!cond()) {
    if (realNow() > deadline) throw new Error(`timed out waiting for ${what}`);
    tick?.();
    await new Promise((r) => setImmediate(r));
  }
}

interface FakeClock {
  now: number;
  tick(ms: number): unknown;
}

/**
 * A tick for waitFor under sinon fake timers that fires only timers already due, or due 1 ms
 * from now: fake-timers schedules a zero-delay timer created inside a timer callback 1 ms
 * later, and the rate limiter chains such timers. Longer timers (the next poll) are left alone,
 * so waiting does not move the clock.
 */
export function dueTicker(clock: FakeClock): () => void {
  return () => {
    const map = (clock as unknown as { timers?: Map<number, { callAt: number }> | Record<string, { callAt: number }> })
      .timers;
    const timers = map instanceof Map ? [...map.values()] : Object.values(map ?? {});
    if (timers.some((t) => t.callAt <= clock.now)) clock.tick(0);
    else if (timers.some((t) => t.callAt <= clock.now + 1)) clock.tick(1);
  };
}
