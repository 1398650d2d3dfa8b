/**
 * Live counts for the console tab: after an audit-config's store records something, its
 * attention counts are pushed over RED.comms (ids and counts only, never entry details: those
 * come over the guarded admin routes). Throttled to one push per interval per config, trailing,
 * so the last change of a burst is always pushed; the timer is released by close().
 */
import { needsAttention, type AttentionCounts, type AttentionOptions } from './attention';
import type { AuditStore } from '../audit/types';

export const LIVE_TOPIC = 'sage-x3-shipping/console/counts';

export interface LiveCountsMessage {
  configId: string;
  counts: AttentionCounts;
}

export interface LiveCounts {
  /** something was recorded: push the counts soon */
  poke(): void;
  close(): void;
}

export function liveCounts(options: {
  configId: string;
  store: () => AuditStore;
  publish: (topic: string, data: LiveCountsMessage) => void;
  attention?: () => AttentionOptions;
  intervalMs?: number;
  onError?: (err: unknown) => void;
}): LiveCounts {
  const intervalMs = options.intervalMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let again = false;
  let running = false;
  let closed = false;

  const push = async (): Promise<void> => {
    timer = undefined;
    running = true;
    again = false;
    try {
      const { counts } = await needsAttention(options.store(), { ...options.attention?.(), countsOnly: true });
      if (!closed) options.publish(LIVE_TOPIC, { configId: options.configId, counts });
    } catch (err) {
      if (!closed) options.onError?.(err);
    } finally {
      running = false;
      if (again && !closed) schedule();
    }
  };
  const schedule = (): void => {
    if (closed || timer) return;
    if (running) {
      again = true;
      return;
    }
    timer = setTimeout(() => void push(), intervalMs);
  };
  return {
    poke: schedule,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
