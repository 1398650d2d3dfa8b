/**
 * Secrets kept in the shared store (a FedEx token, a rotated refresh token) are sealed before they
 * leave the process: AES-256-GCM under a key derived (HKDF-SHA256) from a secret every instance
 * has from its own credentials and the database does not. The database host, its backups and
 * anyone reading the table see ciphertext; a tampered value fails to open.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'crypto';

export interface Sealed {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

function keyOf(secret: string, context: string): Buffer {
  if (!secret) throw new Error('sealing needs a secret');
  return Buffer.from(hkdfSync('sha256', secret, context, 'sage-x3-shipping sealed state v1', 32));
}

/** Seals `value` (JSON) under `secret`; `context` (what it is, for whom) binds it to its use. */
export function seal(value: unknown, secret: string, context: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret, context), iv);
  cipher.setAAD(Buffer.from(context));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return {
    v: 1,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** The sealed value, or undefined when it is not one, another secret sealed it, or it was changed. */
export function unseal<T>(sealed: unknown, secret: string, context: string): T | undefined {
  const s = sealed as Partial<Sealed> | undefined;
  if (!s || s.v !== 1 || typeof s.iv !== 'string' || typeof s.tag !== 'string' || typeof s.data !== 'string') {
    return undefined;
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret, context), Buffer.from(s.iv, 'base64'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(s.tag, 'base64'));
    const text = Buffer.concat([decipher.update(Buffer.from(s.data, 'base64')), decipher.final()]).toString('utf8');
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
