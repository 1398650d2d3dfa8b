/**
 * The alert check loop of an audit-sink with alerts on (Node-RED-free): every `intervalMs` it
 * reads the input, evaluates the alerts and emits one msg per condition raised or cleared. One
 * check at a time; the returned stop() clears the timer (called from the node's close).
 */
import { AlertTracker, evaluateAlerts, type Alert, type AlertInput, type AlertThresholds } from './alerts';

export const DEFAULT_ALERT_CHECK_MS = 60_000;

export interface AlertMsg {
  topic: string;
  payload: Alert & { state: 'raised' | 'cleared' };
}

export function watchAlerts(options: {
  thresholds: AlertThresholds;
  input: (watchingSince: number) => Promise<AlertInput>;
  emit: (msg: AlertMsg) => void;
  onError: (err: unknown) => void;
  intervalMs?: number;
  now?: () => number;
}): () => void {
  const now = options.now ?? Date.now;
  const since = now();
  const tracker = new AlertTracker();
  let stopped = false;
  let running = false;
  const check = async (): Promise<void> => {
    if (running || stopped) return;
    running = true;
    try {
      const { raised, cleared } = tracker.update(evaluateAlerts(await options.input(since), options.thresholds));
      if (stopped) return;
      for (const a of raised) options.emit({ topic: `alert/${a.kind}`, payload: { ...a, state: 'raised' } });
      for (const a of cleared) options.emit({ topic: `alert/${a.kind}`, payload: { ...a, state: 'cleared' } });
    } catch (err) {
      if (!stopped) options.onError(err);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), options.intervalMs ?? DEFAULT_ALERT_CHECK_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
