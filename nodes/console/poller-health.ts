/**
 * A poller's health report (x3-poll, shipstation-fetch) from its PollLoop state and committed
 * watermark: last run, last success, next run, the watermark and the lag behind now (how far
 * the source may have moved on without us).
 */
import type { PollLoopState } from '../core/poll-loop';
import { isoOrNull, type HealthReport } from './health-registry';

export function pollerReport(
  node: { id: string; type: string; name?: string },
  state: PollLoopState,
  watermark: string | undefined,
  now: number = Date.now(),
): HealthReport {
  const mark = watermark ? Date.parse(watermark) : undefined;
  const lagSeconds = mark !== undefined && Number.isFinite(mark) ? Math.max(0, (now - mark) / 1000) : undefined;
  return {
    id: node.id,
    type: node.type,
    name: node.name || undefined,
    facts: {
      lastRun: isoOrNull(state.lastRunAt),
      lastSuccess: isoOrNull(state.lastSuccessAt),
      nextRun: isoOrNull(state.nextRunAt),
      watermark: watermark ?? null,
      lagSeconds: lagSeconds === undefined ? null : Math.round(lagSeconds),
      failuresInARow: state.consecutiveFailures,
      lastError: state.lastError ?? null,
      running: state.running,
    },
    lagSeconds,
    consecutiveFailures: state.consecutiveFailures,
  };
}
