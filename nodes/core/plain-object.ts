/**
 * The one test for "a JSON object" (not null, not an array) used when reading an answer whose
 * shape is not trusted: X3's GraphQL, REST and SOAP bodies, schemas, entity overrides.
 */

/** A JSON object as read from an answer: any keys, values still unknown. */
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
