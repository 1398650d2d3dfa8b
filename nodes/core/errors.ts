/**
 * One error type for every outbound call and every node failure, so a Catch node always finds
 * `msg.error = {system, status, code, message, retryable}` whatever system failed.
 */

export type SystemName = 'x3' | 'fedex' | 'shipstation' | 'audit' | 'plugin';

export interface ErrorInfo {
  system: SystemName;
  status?: number;
  code: string;
  message: string;
  retryable: boolean;
  ambiguous?: boolean;
  requestId?: string;
  field?: string;
}

export interface ApiErrorInit {
  system: SystemName;
  code: string;
  message: string;
  status?: number;
  retryable?: boolean;
  ambiguous?: boolean;
  requestId?: string;
  /** Milliseconds the server asked us to wait (Retry-After, rate-limit reset). */
  retryAfterMs?: number;
  details?: unknown;
  cause?: unknown;
}

export class ApiError extends Error {
  readonly system: SystemName;
  readonly code: string;
  readonly status?: number;
  readonly retryable: boolean;
  /** The request may have been applied by the server: never retry blindly. */
  readonly ambiguous: boolean;
  readonly requestId?: string;
  readonly retryAfterMs?: number;
  readonly details?: unknown;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = 'ApiError';
    this.system = init.system;
    this.code = init.code;
    this.status = init.status;
    this.retryable = init.retryable ?? false;
    this.ambiguous = init.ambiguous ?? false;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
    this.details = init.details;
    if (init.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: init.cause, enumerable: false });
    }
  }

  toJSON(): ErrorInfo {
    return toErrorInfo(this);
  }
}

/** Bad input: names the offending field so the user can fix the source record. */
export class ValidationError extends ApiError {
  readonly field: string;

  constructor(system: SystemName, field: string, message: string, details?: unknown) {
    super({ system, code: 'VALIDATION', message, retryable: false, details });
    this.name = 'ValidationError';
    this.field = field;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** The catchable shape put on `msg.error`. */
export function toErrorInfo(err: unknown, system: SystemName = 'plugin'): ErrorInfo {
  if (err instanceof ApiError) {
    const info: ErrorInfo = {
      system: err.system,
      code: err.code,
      message: err.message,
      retryable: err.retryable,
    };
    if (err.status !== undefined) info.status = err.status;
    if (err.ambiguous) info.ambiguous = true;
    if (err.requestId) info.requestId = err.requestId;
    if (err instanceof ValidationError) info.field = err.field;
    return info;
  }
  const message = err instanceof Error ? err.message : String(err);
  return { system, code: 'INTERNAL', message, retryable: false };
}

const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of each secret (and its base64 / URL-encoded forms, which is how
 * Basic auth and form bodies carry them) in a text.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      out = out.split(form).join(REDACTED);
    }
  }
  // Authorization headers carry derived forms (base64 of user:secret, signed JWTs).
  out = out.replace(/(Basic|Bearer)\s+[A-Za-z0-9+/=._-]{8,}/gi, `$1 ${REDACTED}`);
  return out;
}

/**
 * `redact` applied to every string inside a value (error bodies kept as `details`), so an
 * echoed credential is not shown when an error is inspected or logged whole.
 */
export function redactValue(value: unknown, secrets: ReadonlyArray<string | undefined>, depth = 0): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, secrets, depth + 1);
  return out;
}
