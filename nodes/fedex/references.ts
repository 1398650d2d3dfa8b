/**
 * The texts rendered from the reference templates (mustache, core/template.ts): the
 * CUSTOMER_REFERENCE the ambiguous-outcome lookup finds a shipment by, the PO number of a purchase
 * order, the package description; and the references' sources for error messages.
 */
import { renderTemplate } from '../core/template';
import type { ShipSettings } from './ship-options';
import { text } from './x3-fields';

export interface RenderedReferences {
  /** Rendered CUSTOMER_REFERENCE (the ambiguous-outcome lookup searches by it). */
  customerReference?: string;
  /** Purchase orders only. */
  poNumber?: string;
  description?: string;
  /** The customerReferences each package carries. */
  references: Array<{ customerReferenceType: string; value: string }>;
}

/** The document's references from the templates; a template that renders empty gives none. */
export function renderReferences(
  settings: Pick<ShipSettings, 'customerReferenceTemplate' | 'poNumberTemplate' | 'descriptionTemplate'>,
  view: unknown,
  purchaseOrder: boolean,
): RenderedReferences {
  const customerReference = render(settings.customerReferenceTemplate, view);
  const poNumber = purchaseOrder ? render(settings.poNumberTemplate, view) : undefined;
  const description = render(settings.descriptionTemplate, view);
  const references: Array<{ customerReferenceType: string; value: string }> = [];
  if (customerReference) references.push({ customerReferenceType: 'CUSTOMER_REFERENCE', value: customerReference });
  if (poNumber) references.push({ customerReferenceType: 'P_O_NUMBER', value: poNumber });
  return { customerReference, poNumber, description, references };
}

function render(template: string, view: unknown): string | undefined {
  return text(renderTemplate(template, view));
}

export function noteReferenceSources(
  sources: Map<string, string>,
  itemsPath: string,
  count: number,
  references: Array<{ customerReferenceType: string }>,
  docSource: string,
): void {
  for (let i = 0; i < count; i++) {
    references.forEach((_, j) => sources.set(`${itemsPath}[${i}].customerReferences[${j}].value`, docSource));
  }
}
