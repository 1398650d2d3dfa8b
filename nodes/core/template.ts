/**
 * Mustache rendering for references, descriptions and field mappings. HTML escaping is off:
 * these values go into JSON and XML payloads (escaped there by their own serialisers), and an
 * order number like "A&B" must reach FedEx as "A&B", not "A&amp;B".
 */
import Mustache from 'mustache';

const noEscape = { escape: (value: unknown): string => String(value) };

export function renderTemplate(template: string, view: unknown): string {
  return Mustache.render(template, view, {}, noEscape);
}

export type Mapping = { [field: string]: MappingValue };
export type MappingValue = string | number | boolean | null | Mapping | MappingValue[];

/** Renders every string value of a (nested) mapping; other values are kept as they are. */
export function renderMapping(mapping: Mapping, view: unknown): Mapping {
  return renderValue(mapping, view) as Mapping;
}

function renderValue(value: MappingValue, view: unknown): MappingValue {
  if (typeof value === 'string') return renderTemplate(value, view);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, view));
  if (value && typeof value === 'object') {
    const out: Mapping = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, view);
    return out;
  }
  return value;
}

/** Parses a mapping setting (JSON text from the editor) with an error naming the setting. */
export function parseMapping(text: string, settingName: string): Mapping {
  if (!text || !text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${settingName} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${settingName} must be a JSON object of field: template`);
  }
  return parsed as Mapping;
}
