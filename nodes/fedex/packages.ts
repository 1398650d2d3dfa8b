/**
 * The packages of a shipment: given on the msg (msg.fedex.packages), or from the X3 document's
 * package count and gross weight (split evenly, X3 units turned into FedEx's), or one package of
 * the default weight; the configured dimensions apply to YOUR_PACKAGING.
 */
import type { DimensionsSetting, ShipSettings } from './ship-options';
import type { DimensionUnit, WeightUnit } from './vocabulary';
import type { DocumentFieldMap, X3Record } from './x3-documents';
import { num, text } from './x3-fields';

/** One package given explicitly (msg.fedex.packages). */
export interface PackageInput {
  weight: number;
  weightUnit?: WeightUnit;
  length?: number;
  width?: number;
  height?: number;
  dimensionUnit?: DimensionUnit;
}

/** X3 units -> FedEx units; grams become kilograms. */
function weightIn(value: number, unit: string | undefined, fallback: WeightUnit): { value: number; units: WeightUnit } {
  const u = (unit ?? '').trim().toUpperCase();
  if (['LB', 'LBS', '#', 'POUND', 'POUNDS'].includes(u)) return { value, units: 'LB' };
  if (['KG', 'KGS', 'KILO', 'KILOGRAM', 'KILOGRAMS'].includes(u)) return { value, units: 'KG' };
  if (['G', 'GR', 'GRAM', 'GRAMS'].includes(u)) return { value: value / 1000, units: 'KG' };
  return { value, units: fallback };
}

const round1 = (n: number): number => Math.max(0.1, Math.round(n * 10) / 10);

export interface PackagePlan {
  weights: Array<{ value: number; units: WeightUnit }>;
  dimensions: Array<DimensionsSetting | undefined>;
  sources: Map<string, string>;
}

export function planPackages(
  record: X3Record,
  fields: DocumentFieldMap,
  settings: ShipSettings,
  explicit?: PackageInput[],
): PackagePlan {
  const sources = new Map<string, string>();
  const dims = settings.dimensions;
  const defaultDims =
    dims && dims.length > 0 && dims.width > 0 && dims.height > 0 && settings.packagingType === 'YOUR_PACKAGING'
      ? {
          length: Math.ceil(dims.length),
          width: Math.ceil(dims.width),
          height: Math.ceil(dims.height),
          units: dims.units,
        }
      : undefined;
  if (Array.isArray(explicit) && explicit.length > 0) {
    sources.set('', 'msg.fedex.packages');
    return {
      weights: explicit.map((p) => ({
        value: num(p.weight) ?? Number.NaN,
        units: p.weightUnit ?? settings.weightUnit,
      })),
      dimensions: explicit.map((p) => {
        const l = num(p.length);
        const w = num(p.width);
        const h = num(p.height);
        return l !== undefined && w !== undefined && h !== undefined
          ? {
              length: Math.ceil(l),
              width: Math.ceil(w),
              height: Math.ceil(h),
              units: p.dimensionUnit ?? defaultDims?.units ?? 'IN',
            }
          : defaultDims;
      }),
      sources,
    };
  }
  const countRaw = fields.packageCount ? num(record[fields.packageCount]) : undefined;
  const count = countRaw !== undefined && countRaw >= 1 ? Math.floor(countRaw) : 1;
  if (fields.packageCount && countRaw !== undefined) sources.set('', fields.packageCount);
  const total = fields.weight ? num(record[fields.weight]) : undefined;
  let each: { value: number; units: WeightUnit };
  if (total !== undefined && total > 0) {
    const unit = fields.weightUnit ? text(record[fields.weightUnit]) : undefined;
    const w = weightIn(total, unit, settings.weightUnit);
    each = { value: round1(w.value / count), units: w.units };
    if (fields.weight) sources.set('weight', fields.weight);
  } else {
    each = { value: settings.defaultWeight, units: settings.weightUnit };
  }
  return {
    weights: Array.from({ length: count }, () => ({ ...each })),
    dimensions: Array.from({ length: count }, () => defaultDims),
    sources,
  };
}

export function notePackageSources(sources: Map<string, string>, itemsPath: string, plan: PackagePlan): void {
  const countSource = plan.sources.get('');
  if (countSource) sources.set(itemsPath, countSource);
  const weightSource = plan.sources.get('weight');
  if (weightSource) {
    for (let i = 0; i < plan.weights.length; i++) sources.set(`${itemsPath}[${i}].weight`, weightSource);
  }
}
