/**
 * Seeded randomness so a run with the same seed and the same requests gives the same tracking
 * numbers, faults and journeys.
 */

/** mulberry32: small, fast, good enough for simulation draws. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * FNV-1a 32-bit plus murmur3's finaliser (so keys differing in one character still spread over the
 * whole range): a stable hash for per-shipment decisions that must not depend on call order.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A value in [0, 1) derived only from the seed and a key. */
export function unitHash(seed: number, key: string): number {
  return hash32(`${seed}:${key}`) / 4294967296;
}

export function pick<T>(items: readonly T[], unit: number): T {
  return items[Math.min(items.length - 1, Math.floor(unit * items.length))];
}
