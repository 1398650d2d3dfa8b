/**
 * Process-wide counters and the Prometheus text exposition format (version 0.0.4). Counters
 * are counted where the event happens (a token request, a 429, an audit entry); gauges are
 * computed when scraped by whoever renders them. Counters start at 0 with the process, which
 * Prometheus' rate() treats as a counter reset. Names follow Prometheus conventions: a
 * `sage_x3_shipping_` prefix, `_total` for counters, base units (seconds).
 */

export const METRIC_PREFIX = 'sage_x3_shipping_';

export type MetricLabels = Record<string, string>;

export interface MetricSample {
  labels?: MetricLabels;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: MetricSample[];
}

/** What each counter counts (its HELP line); a counter not listed here cannot be incremented. */
export const COUNTERS = {
  audit_entries_total: 'Audit entries recorded, by system, operation and status',
  failures_total: 'Failed steps recorded in the audit trail, by system and error code',
  labels_created_total: 'FedEx shipments (labels) created',
  replays_total: 'Audit entries replayed',
  token_requests_total: 'Token requests sent to an issuer (X3, FedEx), by system',
  rate_limited_total: 'HTTP 429 answers received, by system',
  webhook_events_total: 'Webhook deliveries, by system and result (accepted or refused)',
} as const;

export type CounterName = keyof typeof COUNTERS;

const counters = new Map<CounterName, Map<string, MetricSample>>();

function labelKey(labels: MetricLabels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

export function incCounter(name: CounterName, labels: MetricLabels = {}, by = 1): void {
  const family = counters.get(name) ?? new Map<string, MetricSample>();
  counters.set(name, family);
  const key = labelKey(labels);
  const sample = family.get(key) ?? { labels: { ...labels }, value: 0 };
  sample.value += by;
  family.set(key, sample);
}

/** The counters as families (every known counter, an unlabelled 0 when never incremented). */
export function counterFamilies(): MetricFamily[] {
  return (Object.keys(COUNTERS) as CounterName[]).map((name) => {
    const samples = [...(counters.get(name)?.values() ?? [])].map((s) => ({ labels: { ...s.labels }, value: s.value }));
    return {
      name: METRIC_PREFIX + name,
      help: COUNTERS[name],
      type: 'counter' as const,
      samples: samples.length ? samples : [{ value: 0 }],
    };
  });
}

/** For tests: every counter back to 0. */
export function resetCounters(): void {
  counters.clear();
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** Renders families in the text format; label names must be [a-zA-Z_][a-zA-Z0-9_]*. */
export function renderPrometheus(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const entries = Object.entries(s.labels ?? {});
      for (const [k] of entries) {
        if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) throw new Error(`metric ${f.name}: invalid label name ${k}`);
      }
      const labels = entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      lines.push(`${f.name}${labels} ${formatValue(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}
