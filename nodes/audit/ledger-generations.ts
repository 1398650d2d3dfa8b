/**
 * Generations of one ledger key: after a cancel (`voided`) a new attempt for the same document
 * gets the next key, `K`, `K#2`, `K#3`, … (fedex-ship's reship). Whoever looks a document up walks
 * the chain from `K` and stops at the first key missing, so a voided generation must stay in the
 * ledger as long as a later one does (ledger retention asks nextGenerationKey).
 */

/** The key of a generation (1: the base key itself). */
export function generationKey(base: string, generation: number): string {
  return generation <= 1 ? base : `${base}#${generation}`;
}

/** The base key and generation of a key made by generationKey. */
export function splitGenerationKey(key: string): { base: string; generation: number } {
  const m = /^(.*)#(\d+)$/.exec(key);
  return m ? { base: m[1], generation: Number(m[2]) } : { base: key, generation: 1 };
}

/** The key the generation after `key` gets. */
export function nextGenerationKey(key: string): string {
  const { base, generation } = splitGenerationKey(key);
  return generationKey(base, generation + 1);
}
