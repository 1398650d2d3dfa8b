/**
 * ShipStation V2 (ShipEngine) webhook signatures, reference §2.8:
 *   x-shipengine-rsa-sha256-key-id     kid of the signing key (published in a JWKS)
 *   x-shipengine-rsa-sha256-signature  base64 RSASSA-PKCS1-v1_5 / SHA-256
 *   x-shipengine-timestamp             ISO 8601; the signed text is `${timestamp}.${rawBody}`
 * Verified over the raw body bytes, never re-serialised JSON. Old timestamps are refused so a
 * captured delivery cannot be replayed later.
 */
import { createPublicKey, createVerify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const SIGNATURE_HEADERS = {
  keyId: 'x-shipengine-rsa-sha256-key-id',
  signature: 'x-shipengine-rsa-sha256-signature',
  timestamp: 'x-shipengine-timestamp',
} as const;

export const DEFAULT_JWKS_URL = 'https://api.shipengine.com/jwks';
export const DEFAULT_MAX_AGE_MS = 5 * 60_000;
export const DEFAULT_FUTURE_SKEW_MS = 60_000;
export const DEFAULT_REFETCH_INTERVAL_MS = 60_000;

export type VerifyFailure =
  /** headers missing or unreadable: answer 400 */
  | 'malformed'
  /** signature does not verify, key unknown, or timestamp outside the window: answer 401 */
  | 'bad-signature'
  | 'unknown-key'
  | 'stale';

export type VerifyResult =
  { ok: true; keyId: string; timestamp: string } | { ok: false; reason: VerifyFailure; message: string };

/** HTTP status a webhook answers for a failure. */
export function statusForFailure(reason: VerifyFailure): number {
  return reason === 'malformed' ? 400 : 401;
}

export interface JwksSource {
  /** Public key for a kid, fetching the JWKS when it is not known yet (rate-limited). */
  key(kid: string): Promise<KeyObject | undefined>;
}

interface Jwk {
  kid?: unknown;
  kty?: unknown;
  n?: unknown;
  e?: unknown;
}

export interface JwksCacheOptions {
  /** Returns the parsed JWKS document ({keys: [...]}). */
  fetchJwks: () => Promise<unknown>;
  /** Shortest interval between two fetches: an unknown kid in forged requests cannot flood the issuer. */
  minRefetchIntervalMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

/** Keys by kid; refetched once when a kid is unknown, at most once per interval. */
export class JwksCache implements JwksSource {
  private keys = new Map<string, KeyObject>();
  private lastFetch?: number;
  private inFlight?: Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: JwksCacheOptions) {
    this.now = options.now ?? (() => Date.now());
  }

  knownKeyIds(): string[] {
    return [...this.keys.keys()];
  }

  async key(kid: string): Promise<KeyObject | undefined> {
    const cached = this.keys.get(kid);
    if (cached) return cached;
    const interval = this.options.minRefetchIntervalMs ?? DEFAULT_REFETCH_INTERVAL_MS;
    if (!this.inFlight && (this.lastFetch === undefined || this.now() - this.lastFetch >= interval)) {
      this.lastFetch = this.now();
      this.inFlight = this.refresh().finally(() => {
        this.inFlight = undefined;
      });
    }
    if (this.inFlight) await this.inFlight;
    return this.keys.get(kid);
  }

  private async refresh(): Promise<void> {
    try {
      const doc = await this.options.fetchJwks();
      const list =
        doc && typeof doc === 'object' && Array.isArray((doc as { keys?: unknown }).keys)
          ? ((doc as { keys: unknown[] }).keys as Jwk[])
          : [];
      const next = new Map<string, KeyObject>();
      for (const jwk of list) {
        if (typeof jwk?.kid !== 'string' || jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string')
          continue;
        try {
          next.set(jwk.kid, createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }));
        } catch {
          // one unusable key must not hide the others
        }
      }
      // keep keys we had: a delivery signed just before a rotation still verifies
      for (const [kid, k] of next) this.keys.set(kid, k);
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() ? s.trim() : undefined;
}

export interface VerifyOptions {
  now?: number;
  maxAgeMs?: number;
  futureSkewMs?: number;
}

export async function verifyV2Signature(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  keys: JwksSource,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const keyId = header(headers, SIGNATURE_HEADERS.keyId);
  const signature = header(headers, SIGNATURE_HEADERS.signature);
  const timestamp = header(headers, SIGNATURE_HEADERS.timestamp);
  if (!keyId || !signature || !timestamp) {
    const missing = [
      !keyId && SIGNATURE_HEADERS.keyId,
      !signature && SIGNATURE_HEADERS.signature,
      !timestamp && SIGNATURE_HEADERS.timestamp,
    ].filter(Boolean);
    return { ok: false, reason: 'malformed', message: `missing signature header(s): ${missing.join(', ')}` };
  }
  const at = Date.parse(timestamp);
  if (!/^\d{4}-\d\d-\d\dT/.test(timestamp) || Number.isNaN(at)) {
    return { ok: false, reason: 'malformed', message: `${SIGNATURE_HEADERS.timestamp} is not an ISO 8601 time` };
  }
  if (!/^[A-Za-z0-9+/=_-]+$/.test(signature)) {
    return { ok: false, reason: 'malformed', message: `${SIGNATURE_HEADERS.signature} is not base64` };
  }
  const now = options.now ?? Date.now();
  const maxAge = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  if (now - at > maxAge) {
    return {
      ok: false,
      reason: 'stale',
      message: `signature timestamp is more than ${Math.round(maxAge / 1000)} s old`,
    };
  }
  if (at - now > (options.futureSkewMs ?? DEFAULT_FUTURE_SKEW_MS)) {
    return { ok: false, reason: 'stale', message: 'signature timestamp is in the future' };
  }
  const key = await keys.key(keyId);
  if (!key) return { ok: false, reason: 'unknown-key', message: 'signing key id is not in the JWKS' };
  const verifier = createVerify('RSA-SHA256');
  verifier.update(Buffer.from(`${timestamp}.`, 'utf8'));
  verifier.update(rawBody);
  verifier.end();
  let valid: boolean;
  try {
    valid = verifier.verify(key, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad-signature', message: 'signature does not match the body' };
  return { ok: true, keyId, timestamp };
}
