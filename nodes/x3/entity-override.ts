/**
 * The "entity override" setting of x3-poll and x3-update: JSON the user types to adjust a built-in
 * entity (or define one), read here once for both; what it may contain is checked by
 * overrideEntity/customEntity in entities.ts.
 */

/** The parsed override, or undefined when the setting is empty; throws on text that is not JSON. */
export function parseEntityOverride(text: string | undefined): unknown {
  if (!text || !text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`the entity override is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
