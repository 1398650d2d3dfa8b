// RSA-SHA256 signing of V2 webhook deliveries, with the public keys published as a JWKS.
// Message = `${timestamp}.${rawBody}`, RSASSA-PKCS1-v1_5 + SHA-256, base64 signature
// (reference §2.8, as implemented by independent verifiers).
import { createSign, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface Jwk {
  kty: string;
  kid: string;
  use: string;
  alg: string;
  n: string;
  e: string;
}

export async function createSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

export function toJwk(key: SigningKey): Jwk {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return { kty: 'RSA', kid: key.kid, use: 'sig', alg: 'RS256', n: String(jwk.n), e: String(jwk.e) };
}

export function signPayload(key: SigningKey, timestamp: string, rawBody: string): string {
  const signer = createSign('RSA-SHA256');
  signer.update(`${timestamp}.${rawBody}`);
  signer.end();
  return signer.sign(key.privateKey, 'base64');
}

export const SIGNATURE_HEADERS = {
  keyId: 'x-shipengine-rsa-sha256-key-id',
  signature: 'x-shipengine-rsa-sha256-signature',
  timestamp: 'x-shipengine-timestamp',
} as const;
