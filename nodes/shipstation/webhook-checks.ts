/**
 * What shipstation-in checks before it accepts a webhook, in order:
 *  V1: the secret token (`?token=`, or exactly the last path segment as sent) -> 401
 *  V2: the RSA-SHA256 signature headers      -> 400 missing/unreadable, 401 bad/unknown key/stale
 *  both: a JSON body {resource_url, resource_type} -> 400; an event this node accepts -> 400;
 *        resource_url on exactly the configured API host -> 400 (security event, nothing fetched)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isApiError } from '../core/errors';
import type { WebhookRequest } from '../shared/webhook-route';
import { resolveResourceUrl, type ApiBases, type ApiVersion } from './resource-url';
import { statusForFailure, verifyV2Signature, type JwksSource } from './webhook-verify';

export const V1_EVENTS = [
  'ORDER_NOTIFY',
  'ITEM_ORDER_NOTIFY',
  'SHIP_NOTIFY',
  'ITEM_SHIP_NOTIFY',
  'FULFILLMENT_SHIPPED',
  'FULFILLMENT_REJECTED',
] as const;

/** V2 payload resource_type values (subscribed lower case, delivered upper case, §2.8). */
export const V2_EVENTS = [
  'SHIPMENT_CREATED_V2',
  'LABEL_CREATED_V2',
  'FULFILLMENT_SHIPPED_V2',
  'FULFILLMENT_REJECTED_V2',
  'TRACK_EVENT_V2',
  'BATCH_PROCESSED_V2',
  // named by community code only [U]; accepted so such subscriptions are not refused
  'FULFILLMENT_CREATED_V2',
  'FULFILLMENT_UPDATED_V2',
  'FULFILLMENT_CANCELED_V2',
] as const;

/** Events a node accepts: its setting (comma-separated) or every event of its API version. */
export function acceptedEvents(version: ApiVersion, setting: string | undefined): Set<string> {
  const chosen = (setting ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  return new Set(chosen.length ? chosen : version === 'v1' ? V1_EVENTS : V2_EVENTS);
}

/** What an accepted webhook points at: fetched after the 200 (pointer-inbox.ts). */
export interface WebhookPointer {
  version: ApiVersion;
  resourceUrl: string;
  resourceType: string;
  /** V2 tracking events carry their data inline. */
  data?: unknown;
}

export interface IntakeOptions {
  version: ApiVersion;
  token?: string;
  /** The request came in on the route whose last path segment carries the token. */
  tokenInPath: boolean;
  events: Set<string>;
  bases: ApiBases;
  jwks: JwksSource;
  maxAgeMs?: number;
  now?: number;
}

export interface IntakeRejection {
  ok: false;
  status: number;
  code: string;
  message: string;
  /** Looks like an attack or a misdirected sender: goes to the audit trail as a security event. */
  security: boolean;
}

export type IntakeResult = { ok: true; pointer: WebhookPointer } | IntakeRejection;

function rejection(status: number, code: string, message: string, security = false): IntakeRejection {
  return { ok: false, status, code, message, security };
}

function sameSecret(given: string, expected: string): boolean {
  // hash first: equal lengths for timingSafeEqual, and no length leak
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The last segment of the path as sent. The router matched it case-insensitively, with or without
 * a trailing slash, after decoding escapes: the token is compared here, byte for byte, instead.
 */
function pathToken(rawPath: string): string {
  return rawPath.slice(rawPath.lastIndexOf('/') + 1);
}

function queryToken(query: Record<string, unknown>): string | undefined {
  const v = query.token;
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : undefined;
}

export async function checkWebhook(req: WebhookRequest, o: IntakeOptions): Promise<IntakeResult> {
  if (o.token) {
    // in a path the token is sent the way encodeURIComponent writes it (as the editor shows it)
    const given = o.tokenInPath ? pathToken(req.rawPath) : queryToken(req.query);
    const expected = o.tokenInPath ? encodeURIComponent(o.token) : o.token;
    if (given === undefined || !sameSecret(given, expected)) {
      return rejection(
        401,
        'BAD_TOKEN',
        given === undefined ? 'webhook token missing' : 'webhook token does not match',
        true,
      );
    }
  }
  if (o.version === 'v2') {
    const verified = await verifyV2Signature(req.headers, req.raw, o.jwks, { now: o.now, maxAgeMs: o.maxAgeMs });
    if (!verified.ok) {
      return rejection(
        statusForFailure(verified.reason),
        `SIGNATURE_${verified.reason.toUpperCase().replace('-', '_')}`,
        verified.message,
        true,
      );
    }
  }
  let body: unknown;
  try {
    body = JSON.parse(req.raw.toString('utf8'));
  } catch {
    return rejection(400, 'BAD_BODY', 'body is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return rejection(400, 'BAD_BODY', 'body is not a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.resource_url !== 'string' || !b.resource_url)
    return rejection(400, 'BAD_BODY', 'resource_url is missing');
  if (typeof b.resource_type !== 'string' || !b.resource_type)
    return rejection(400, 'BAD_BODY', 'resource_type is missing');
  const event = b.resource_type.toUpperCase();
  if (!o.events.has(event)) return rejection(400, 'EVENT_NOT_ACCEPTED', `event ${event} is not accepted by this node`);
  try {
    const resolved = resolveResourceUrl(b.resource_url, o.bases, o.version);
    return {
      ok: true,
      pointer: {
        version: resolved.version,
        resourceUrl: resolved.url.toString(),
        resourceType: event,
        ...(b.data !== undefined ? { data: b.data } : {}),
      },
    };
  } catch (err) {
    const code = isApiError(err) ? err.code : 'BAD_RESOURCE_URL';
    return rejection(400, code, (err as Error).message, code === 'FOREIGN_RESOURCE_URL');
  }
}
