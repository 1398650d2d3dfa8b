import { strict as assert } from 'assert';
import { createHash } from 'node:crypto';
import { contentHash, stableJson } from '../../../nodes/core/stable-json';

/** The text as it was first defined: stored versions and ledger keys were computed with it. */
function reference(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** mulberry32: the same values on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['SDHNUM', 'a', 'B', 'b', '10', '2', 'é', 'Z\u0000', '\u0000Z', '', '"q"', 'ÿ', '\u{1F4E6}', 'lines'];
const LEAVES: unknown[] = ['', 'x', 'a"b\\c\n', 0, -1.5, 1e21, NaN, true, false, null, undefined, '中', () => 1];

function value(rnd: () => number, depth: number): unknown {
  const r = rnd();
  if (depth > 3 || r < 0.5) return LEAVES[Math.floor(rnd() * LEAVES.length)];
  if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(rnd, depth + 1));
  const obj: Record<string, unknown> = {};
  const n = Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++) obj[KEYS[Math.floor(rnd() * KEYS.length)]] = value(rnd, depth + 1);
  return obj;
}

describe('stable JSON and content hashes', () => {
  it('gives the text it always gave, whatever order the keys arrived in', () => {
    const rec = { SDHNUM: 'SD1', BPCORD: 'C1', lines: [{ QTY: 2, ITMREF: 'P1' }], SHIDAT: '2026-01-02' };
    const reordered = { lines: [{ ITMREF: 'P1', QTY: 2 }], SHIDAT: '2026-01-02', BPCORD: 'C1', SDHNUM: 'SD1' };
    const text = '{"BPCORD":"C1","SDHNUM":"SD1","SHIDAT":"2026-01-02","lines":[{"ITMREF":"P1","QTY":2}]}';
    for (let i = 0; i < 3; i++) {
      assert.equal(stableJson(rec), text);
      assert.equal(stableJson(reordered), text);
    }
    assert.equal(contentHash(rec), createHash('sha256').update(text).digest('hex'));
    assert.equal(contentHash(reordered, 24), createHash('sha256').update(text).digest('hex').slice(0, 24));
  });

  it('agrees with the first definition on odd values: keys holding NUL, holes, undefined, dates', () => {
    const odd: unknown[] = [
      { 'a\u0000b': 1, c: 2 },
      { a: 1, 'b\u0000c': 2 },
      { a: undefined, b: () => 1 },
      // eslint-disable-next-line no-sparse-arrays
      [1, , 3],
      [undefined, null],
      new Date(0),
      { d: new Date(0) },
      { 2: 'two', 10: 'ten', b: 'b', a: 'a' },
      'text',
      7,
      undefined,
    ];
    for (const v of odd) assert.equal(stableJson(v), reference(v), reference(v));
  });

  it('agrees with the first definition on thousands of generated values, shapes seen again and again', () => {
    const rnd = random(7);
    for (let i = 0; i < 5000; i++) {
      const v = value(rnd, 0);
      assert.equal(stableJson(v), reference(v));
    }
  });
});
