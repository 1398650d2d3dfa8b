/**
 * The metrics scrape on RED.httpNode (audit-config's "Metrics path"): a Prometheus server reaches
 * the flows' port, not the editor's, and carries a bearer token rather than an admin login. The
 * token is a secret: compared in constant time, never echoed, and a refusal says nothing about it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookReply } from '../shared/webhook-route';

/** The text exposition format's media type, as Prometheus asks for it. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750) carries `token`. */
export function bearerMatches(headers: IncomingHttpHeaders, token: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(headers.authorization ?? '');
  // hash first: equal lengths for timingSafeEqual, and no length leak; an empty token never matches
  const given = createHash('sha256')
    .update(match ? match[1] : '')
    .digest();
  const expected = createHash('sha256').update(token).digest();
  return Boolean(match) && token.length > 0 && timingSafeEqual(given, expected);
}

/** The reply to one scrape: the metrics with the right token, 401 otherwise (the text is not read). */
export async function metricsReply(
  headers: IncomingHttpHeaders,
  token: string,
  render: () => Promise<string>,
): Promise<WebhookReply> {
  if (!bearerMatches(headers, token)) {
    return {
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="sage-x3-shipping metrics"' },
      body: { error: 'unauthorized' },
    };
  }
  return { status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: await render() };
}
