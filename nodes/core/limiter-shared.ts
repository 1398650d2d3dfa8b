/**
 * A fixed budget shared by several Node-RED instances: Bottleneck's reservoir in Redis holds it
 * across instances, our sliding window holds it locally as well.
 */
import Bottleneck from 'bottleneck';
import type { RateLimiterOptions, RequestLimiter } from './limiter';
import { clusterSettings, type ClusterOptions } from './limiter-cluster';
import { PauseGate, Waits } from './limiter-waits';
import { SlidingWindow } from './limiter-window';

/** The same budget shared through Redis: Bottleneck's reservoir across instances, our sliding window locally. */
export function createSharedRateLimiter(options: RateLimiterOptions, cluster: ClusterOptions): RequestLimiter {
  const now = options.now ?? Date.now;
  const bottleneck = new Bottleneck({
    reservoir: options.max,
    reservoirRefreshAmount: options.max,
    reservoirRefreshInterval: options.windowMs,
    minTime: options.minTimeMs ?? 0,
    maxConcurrent: options.maxConcurrent ?? null,
    ...clusterSettings(cluster),
  });
  const gate = new PauseGate(now);
  const window = new SlidingWindow(options.max, options.windowMs);
  const waits = new Waits();
  return {
    schedule: <T>(job: () => Promise<T>) =>
      bottleneck.schedule(async () => {
        for (;;) {
          const paused = gate.remaining();
          if (paused > 0) {
            await waits.wait(paused);
            continue;
          }
          const wait = window.tryStart(now());
          if (wait === 0) break;
          await waits.wait(wait);
        }
        return job();
      }),
    observe: () => undefined,
    pauseUntil: (untilMs) => gate.set(untilMs),
    snapshot: () => {
      const counts = bottleneck.counts();
      return {
        queued: counts.QUEUED + counts.RECEIVED,
        running: counts.RUNNING + counts.EXECUTING,
        limit: options.max,
      };
    },
    stop: async () => {
      waits.stop();
      await bottleneck.stop({ dropWaitingJobs: true }).catch(() => undefined);
      await bottleneck.disconnect().catch(() => undefined);
    },
  };
}
