/**
 * Where running nodes offer their health to the operator console and the metrics (Node-RED-free):
 * a poller its loop state and watermark, a webhook route its last delivery. A node registers a
 * read-only provider when it starts and removes it in close, so a redeploy never leaves a
 * stale report behind. One map per process, as there is one runtime per process.
 */

export type HealthValue = string | number | boolean | null;

export interface HealthReport {
  /** node id */
  id: string;
  /** node type, e.g. x3-poll */
  type: string;
  name?: string;
  /** what the console lists (times as UTC ISO, durations in seconds) */
  facts: Record<string, HealthValue>;
  /** poller lag: seconds between now and the committed watermark (metrics, alerts) */
  lagSeconds?: number;
  /** failed polls in a row (alerts) */
  consecutiveFailures?: number;
  /** jobs waiting (metrics) */
  queueDepth?: number;
}

const providers = new Map<string, () => HealthReport>();

/** Registers a node's provider (replacing an earlier one of the id); returns its removal. */
export function reportHealth(id: string, provider: () => HealthReport): () => void {
  providers.set(id, provider);
  return () => {
    if (providers.get(id) === provider) providers.delete(id);
  };
}

/** Every registered report; a provider that throws is reported as such, never breaks the list. */
export function healthReports(): HealthReport[] {
  return [...providers.entries()].map(([id, provider]) => {
    try {
      return provider();
    } catch (err) {
      return { id, type: 'unknown', facts: { error: err instanceof Error ? err.message : String(err) } };
    }
  });
}

export function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}
