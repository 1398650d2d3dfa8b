/**
 * JSON with object keys sorted, and a short hash of it: the same data gives the same text
 * whatever order its properties arrived in (ledger keys of creates, versions of polled records).
 */
import { createHash } from 'node:crypto';

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** sha256 of stableJson(v), hex; `length` characters of it (64 = all). */
export function contentHash(v: unknown, length = 64): string {
  return createHash('sha256').update(stableJson(v)).digest('hex').slice(0, length);
}
