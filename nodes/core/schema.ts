/**
 * The one ajv instance. The few formats we need are added here instead of pulling in
 * ajv-formats (one dependency fewer; our formats are simple).
 */
import Ajv, { type ErrorObject, type JSONSchemaType, type Schema } from 'ajv';
import { ValidationError, type SystemName } from './errors';

export const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });

ajv.addFormat('date', /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/i);
ajv.addFormat('email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
ajv.addFormat('uri', (value: string) => {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
});

export interface ValidatorOptions {
  system: SystemName;
  /** What is being validated, for the message ("FedEx shipment request"). */
  subject: string;
  /** Friendlier names for data paths: "/requestedShipment/recipients/0/address/city" -> "ship-to city (BPDCTY)". */
  describeField?: (path: string) => string | undefined;
}

export type Validator<T> = (data: unknown) => T;

export function compileValidator<T>(schema: Schema | JSONSchemaType<T>, options: ValidatorOptions): Validator<T> {
  const validate = ajv.compile<T>(schema as Schema);
  return (data: unknown): T => {
    if (validate(data)) return data;
    const errors = validate.errors ?? [];
    const first = errors[0];
    const field = first ? fieldPath(first) : '';
    const parts = errors.slice(0, 5).map((e) => describeError(e, options.describeField));
    const more = errors.length > 5 ? ` (and ${errors.length - 5} more)` : '';
    throw new ValidationError(
      options.system,
      field,
      `${options.subject} is invalid: ${parts.join('; ')}${more}`,
      errors,
    );
  };
}

/** "/a/b/0/c" -> "a.b[0].c"; a missing property is named as the property itself. */
export function fieldPath(error: ErrorObject): string {
  const base = error.instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return base ? `${base}.${missing}` : missing;
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return base ? `${base}.${extra}` : extra;
  }
  return base || '(root)';
}

function describeError(error: ErrorObject, describeField?: (path: string) => string | undefined): string {
  const path = fieldPath(error);
  const name = describeField?.(path) ?? path;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${name} is required`;
    case 'maxLength':
      return `${name} is longer than ${String(p.limit)} characters`;
    case 'minLength':
      return Number(p.limit) <= 1
        ? `${name} must not be empty`
        : `${name} is shorter than ${String(p.limit)} characters`;
    case 'enum':
      return `${name} must be one of ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'maxItems':
      return `${name} has more than ${String(p.limit)} entries`;
    case 'minItems':
      return `${name} needs at least ${String(p.limit)} entr${Number(p.limit) === 1 ? 'y' : 'ies'}`;
    case 'type': {
      // ajv gives "integer", "object" or, for a union, ["string", "null"] / "string,null".
      const types = (Array.isArray(p.type) ? p.type.map(String) : String(p.type).split(',')).map(
        (t) => `${/^[aeiou]/i.test(t) ? 'an' : 'a'} ${t}`,
      );
      return `${name} must be ${types.join(' or ')}`;
    }
    case 'pattern':
      return `${name} has an invalid format`;
    case 'format':
      return `${name} is not a valid ${String(p.format)}`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `${name} must be ${error.keyword === 'minimum' ? 'at least' : 'more than'} ${String(p.limit)}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `${name} must be ${error.keyword === 'maximum' ? 'at most' : 'less than'} ${String(p.limit)}`;
    case 'additionalProperties':
      return `${name} is not an allowed field`;
    default:
      return `${name} ${error.message ?? 'is invalid'}`;
  }
}
