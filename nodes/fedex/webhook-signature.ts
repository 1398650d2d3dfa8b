/**
 * FedEx AIV webhook signature (reference §7): header `fdx-signature` =
 * Base64(HMAC-SHA256(key = the project's security token, message = the raw request body)).
 * FedEx's prose also mentions hex; a hex MAC is accepted as well. Compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'fdx-signature';

export function signFedexBody(rawBody: Buffer | string, securityToken: string): string {
  return createHmac('sha256', securityToken).update(rawBody).digest('base64');
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** true when `header` is the MAC of exactly these bytes under this token. */
export function verifyFedexSignature(rawBody: Buffer, header: unknown, securityToken: string): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || !securityToken) return false;
  const got = Buffer.from(value.trim());
  if (got.length === 0) return false;
  const mac = createHmac('sha256', securityToken).update(rawBody).digest();
  const base64Ok = safeEqual(got, Buffer.from(mac.toString('base64')));
  const hexOk = safeEqual(Buffer.from(value.trim().toLowerCase()), Buffer.from(mac.toString('hex')));
  return base64Ok || hexOk;
}
