/**
 * Daily retention purge of the audit trail. Runs once shortly after start, then every
 * intervalMs; never two at once. Timers are unref'd so they do not keep a process alive.
 */
import type { AuditStore } from './types';

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionOptions {
  store: Pick<AuditStore, 'purgeBefore'>;
  /** entries older than this many days are deleted; 0 or less keeps everything */
  retentionDays: number;
  now?: () => number;
  /** default one day */
  intervalMs?: number;
  /** first run after this delay (default one minute, so start-up is not slowed) */
  initialDelayMs?: number;
  onPurged?: (count: number, cutoffIso: string) => void;
  /** Runs after each purge of the trail (ledger retention, label files); its errors go to onError. */
  also?: (nowMs: number) => Promise<void>;
  onError?: (err: unknown) => void;
}

export interface RetentionSchedule {
  /** Purges now (also used by the timers); resolves with the number of entries deleted. */
  runNow(): Promise<number>;
  stop(): void;
}

export function retentionCutoff(retentionDays: number, nowMs: number): string {
  return new Date(nowMs - retentionDays * DAY_MS).toISOString();
}

export function startRetentionPurge(options: RetentionOptions): RetentionSchedule {
  const now = options.now ?? Date.now;
  const enabled = Number.isFinite(options.retentionDays) && options.retentionDays > 0;
  let running: Promise<number> | undefined;
  let stopped = false;
  let interval: NodeJS.Timeout | undefined;

  const runNow = (): Promise<number> => {
    if (!enabled || stopped) return Promise.resolve(0);
    if (running) return running;
    const at = now();
    const cutoff = retentionCutoff(options.retentionDays, at);
    running = options.store
      .purgeBefore(cutoff)
      .then(async (n) => {
        options.onPurged?.(n, cutoff);
        await options.also?.(at);
        return n;
      })
      .catch((err: unknown) => {
        options.onError?.(err);
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const first = enabled
    ? setTimeout(() => {
        void runNow();
        interval = setInterval(() => void runNow(), options.intervalMs ?? DAY_MS);
        interval.unref?.();
      }, options.initialDelayMs ?? 60_000)
    : undefined;
  first?.unref?.();

  return {
    runNow,
    stop() {
      stopped = true;
      if (first) clearTimeout(first);
      if (interval) clearInterval(interval);
    },
  };
}
