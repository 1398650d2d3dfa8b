/** Timing of retries: the one backoff formula and the one Retry-After parser. */

export interface BackoffPolicy {
  /** First retry waits up to this long. */
  baseDelayMs: number;
  /** No wait exceeds this. */
  maxDelayMs: number;
}

/**
 * "Full jitter" (AWS Architecture Blog, Exponential Backoff and Jitter): a uniform wait in
 * [0, min(max, base * 2^attempt)). Spreads retries of many clients hit by the same 429 burst.
 * `attempt` is 0 for the first retry.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(attempt, policy));
}

/**
 * The exponential bound itself, min(max, base * 2^attempt): the longest wait before retry
 * `attempt` (0 for the first). A lone waiter with nobody to spread from (a poll loop backing off
 * after failures) waits exactly this long.
 */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt));
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns ms or undefined. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date always names its month ("Sun, 06 Nov 1994 08:49:37 GMT"); without this check
  // Date.parse would read junk such as "-5" as a year and we would retry at once.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** setTimeout-based, so fake timers drive it in tests; rejects when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
