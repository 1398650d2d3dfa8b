/**
 * GraphQL schema variants of the simulated X3: the same dictionary (REST and SOAP faces keep the
 * X3 names) with the GraphQL property names of another release or installation. The reference
 * marks most delivery and order property names uncertain (sage-x3-api.md 3.4-3.5, gotcha 1), so
 * the plugin must work against each of these without a hand-written override:
 *
 * - `current`: the names of sim/x3/entities.ts (2024 R1+ style, `x3` packages);
 * - `alternative`: ship-to names as some releases spell them: `shipToCustomerCompanyName` and
 *   `shipToContactName` (the two elements of BPDNAM), `shipToCustomerAddressLine1..3`,
 *   `shipToCustomerPhone`;
 * - `xtremX3-2023`: the 2023 R2 package roots (`xtremX3Sales`...), a few properties renamed
 *   (`customerReference`, `emailAddress`, `totalGrossWeight`, `globalTradeItemNumber`) or absent
 *   (`billOfLadingNumber`, `labelNumber`, `shipToCustomerCountryName`); descriptions name the X3
 *   dictionary field ("Gross weight (GROWEI)") [U: a sim choice; where a real X3 shows it].
 */
import type { EntityDef, EntityName, FieldSpec } from './entities';

export const SCHEMA_VARIANTS = ['current', 'alternative', 'xtremX3-2023'] as const;
export type SchemaVariant = (typeof SCHEMA_VARIANTS)[number];

export function isSchemaVariant(v: unknown): v is SchemaVariant {
  return typeof v === 'string' && (SCHEMA_VARIANTS as readonly string[]).includes(v);
}

/** The package prefix a variant's release uses. */
export function variantPrefix(variant: SchemaVariant): 'x3' | 'xtremX3' {
  return variant === 'xtremX3-2023' ? 'xtremX3' : 'x3';
}

type Change = Partial<Pick<FieldSpec, 'gql' | 'gqlParts' | 'gqlAbsent'>>;
type Changes = Partial<Record<EntityName, Record<string, Change>>>;

const SHIP_TO_ALTERNATIVE: Record<string, Change> = {
  BPDNAM: { gqlParts: ['shipToCustomerCompanyName', 'shipToContactName'] },
  BPDADDLIG: { gqlParts: ['shipToCustomerAddressLine1', 'shipToCustomerAddressLine2', 'shipToCustomerAddressLine3'] },
  BPDTEL: { gql: 'shipToCustomerPhone' },
};

const CHANGES: Record<SchemaVariant, Changes> = {
  current: {},
  alternative: { salesOrder: SHIP_TO_ALTERNATIVE, salesDelivery: SHIP_TO_ALTERNATIVE },
  'xtremX3-2023': {
    salesOrder: { CUSORDREF: { gql: 'customerReference' } },
    salesDelivery: {
      BOLNUM: { gqlAbsent: true },
      LBENUM: { gqlAbsent: true },
      BPDCRYNAM: { gqlAbsent: true },
      GROWEI: { gql: 'totalGrossWeight' },
    },
    customer: { WEB: { gql: 'emailAddress' } },
    product: { EANCOD: { gql: 'globalTradeItemNumber' } },
  },
};

function changed(fields: FieldSpec[], changes: Record<string, Change> | undefined, dictionary: boolean): FieldSpec[] {
  return fields.map((f) => {
    const c = changes?.[f.x3];
    const out: FieldSpec = c ? { ...f, ...c } : { ...f };
    if (dictionary) out.gqlDescription = `${f.title} (${f.x3})`;
    return out;
  });
}

/** The dictionary with the variant's GraphQL names (a new object; `defs` is left as is). */
export function applySchemaVariant(
  defs: Record<EntityName, EntityDef>,
  variant: SchemaVariant,
): Record<EntityName, EntityDef> {
  const changes = CHANGES[variant];
  const dictionary = variant === 'xtremX3-2023';
  const out = {} as Record<EntityName, EntityDef>;
  for (const [name, def] of Object.entries(defs) as Array<[EntityName, EntityDef]>) {
    out[name] = {
      ...def,
      fields: changed(def.fields, changes[name], dictionary),
      ...(def.lines ? { lines: { ...def.lines, fields: changed(def.lines.fields, undefined, dictionary) } } : {}),
    };
  }
  return out;
}
