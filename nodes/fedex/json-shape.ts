/**
 * Reading FedEx response bodies, whose every level may be missing or of another type: an object is
 * an object or nothing, a list keeps only its objects. One pair for the ship and track readers.
 */

/** `v` when it is a plain object, else undefined. */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The objects of `v` when it is an array (anything else in it dropped), else an empty list. */
export function asObjectList(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? (v.map(asObject).filter(Boolean) as Record<string, unknown>[]) : [];
}
