/**
 * JSON with object keys sorted, and a short hash of it: the same data gives the same text
 * whatever order its properties arrived in (ledger keys of creates, versions of polled records).
 * The text and the hash are stored (watermarks' versions, ledger keys): they must never change
 * for the same data, however they are computed.
 */
import * as crypto from 'node:crypto';

interface Shape {
  keys: string[];
  /** Positions of `keys` in sorted order. */
  order: number[];
  /** `,"key":` (no comma before the first) for each position of `order`. */
  prefixes: string[];
}

/**
 * Sorted key orders by the keys as they arrived: x3-poll hashes every record of every poll, and
 * records of one entity come with the same keys in the same order, so sorting and quoting them
 * once per shape instead of once per record was most of the cost. Bounded: cleared when full.
 */
const shapes = new Map<string, Shape>();
const MAX_SHAPES = 512;

function shapeOf(keys: string[]): Shape {
  const id = keys.join('\u0000');
  const known = shapes.get(id);
  // keys holding NUL could share an id with another list: the keys themselves decide
  if (known && known.keys.length === keys.length && known.keys.every((k, i) => k === keys[i])) return known;
  // the default sort's order (UTF-16 code units), as Array.prototype.sort() without a comparator
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  const shape = { keys, order, prefixes: order.map((i, n) => `${n ? ',' : ''}${JSON.stringify(keys[i])}:`) };
  if (shapes.size >= MAX_SHAPES) shapes.clear();
  shapes.set(id, shape);
  return shape;
}

export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    let out = '[';
    // a hole of a sparse array stays empty, as Array.prototype.map and join left it
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + (i in v ? stableJson(v[i]) : '');
    return `${out}]`;
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  const { order, prefixes } = shapeOf(keys);
  let out = '{';
  for (let n = 0; n < order.length; n++) out += prefixes[n] + stableJson(obj[keys[order[n]]]);
  return `${out}}`;
}

/** One-shot hashing (Node >= 20.12, 21.7): no Hash object per call; createHash before. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** sha256 of stableJson(v), hex; `length` characters of it (64 = all). */
export function contentHash(v: unknown, length = 64): string {
  const text = stableJson(v);
  const hex = oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
  return hex.slice(0, length);
}
