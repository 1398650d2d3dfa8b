/**
 * The customs part of an international parcel request (Ship API CustomsClearanceDetail): the
 * commodities (derived from X3 in commodities.ts, or msg.fedex.commodities), duties payment,
 * total customs value, commercial invoice terms, export compliance (EEI/ITN or exemption) for US
 * exports, and the trade documents: a FedEx-generated commercial invoice (ELECTRONIC_TRADE_DOCUMENTS
 * + shippingDocumentSpecification) or POST_SHIPMENT_UPLOAD_REQUESTED when the shipper uploads
 * its own after the shipment. Everything is validated (customs-validation.ts) before any call.
 */
import type { CommodityInput, CustomsSettings } from './customs-options';
import {
  commoditiesFromMsg,
  currencyOf,
  deriveCommodities,
  linesOf,
  round2,
  type CommodityDraft,
  type CustomsData,
} from './commodities';
import { commodityProblems, destinationProblems, throwProblems, type Problem } from './customs-validation';
import type { WeightUnit } from './vocabulary';
import type { X3Record } from './x3-documents';
import { text } from './x3-fields';

/** US exports need an EEI (ITN) above this value per Schedule B line, unless exempt (FTR 30.37(a)). */
export const EEI_THRESHOLD_USD = 2500;

export interface CustomsInput {
  record: X3Record;
  settings: CustomsSettings;
  data: CustomsData;
  /** msg.fedex.commodities: replaces the derived list. */
  commodities?: CommodityInput[];
  shipperCountry: string;
  recipient: { address: Record<string, unknown>; contact: Record<string, unknown> };
  /** recipient data path ('address.city') -> its X3 field. */
  recipientSources: ReadonlyMap<string, string>;
  weightUnit: WeightUnit;
  /** The packages' total weight (weightUnit). */
  grossWeight: number;
  /** The account billed when duties are paid by the sender. */
  accountNumber: string;
  /** msg.fedex.customs extras. */
  recipientTins?: Array<{ number: string; tinType: string }>;
  importerOfRecord?: Record<string, unknown>;
}

export interface BuiltCustoms {
  customsClearanceDetail: Record<string, unknown>;
  shipmentSpecialServices?: Record<string, unknown>;
  shippingDocumentSpecification?: Record<string, unknown>;
  /** Tax ids to put on the recipient (Party_1.tins). */
  recipientTins?: Array<{ number: string; tinType: string }>;
  commodities: CommodityDraft[];
  currency: string;
}

/** International Priority / Economy: the services that are international wherever they go. */
export function isInternationalService(serviceType: string): boolean {
  return serviceType === 'FEDEX_INTERNATIONAL_PRIORITY' || serviceType === 'INTERNATIONAL_ECONOMY';
}

/** FedEx's International Ground crosses one border: US -> Canada (reference §3, issue 16). */
export function serviceCrossesBorder(serviceType: string, recipientCountry: string): boolean {
  if (isInternationalService(serviceType)) return true;
  return serviceType === 'FEDEX_GROUND' && recipientCountry === 'CA';
}

function exportCompliance(
  settings: CustomsSettings,
  shipperCountry: string,
  recipientCountry: string,
  commodities: CommodityDraft[],
  currency: string,
): { statement?: string; problem?: Problem } {
  if (settings.exportCompliance.trim()) return { statement: settings.exportCompliance.trim() };
  if (shipperCountry !== 'US') return {};
  // FTR 30.36: no EEI for exports to Canada (licensed goods aside: set the statement then).
  if (recipientCountry === 'CA') return { statement: 'NO EEI 30.36' };
  const over = commodities.filter((c) => (c.customsValue ?? 0) > EEI_THRESHOLD_USD);
  if (!over.length) return { statement: 'NO EEI 30.37(a)' };
  const note = currency === 'USD' ? '' : ` (values in ${currency}, compared as if USD)`;
  return {
    problem: {
      field: 'exportCompliance',
      message: `${over.map((c) => c.label).join(', ')} exceed${over.length === 1 ? 's' : ''} ${EEI_THRESHOLD_USD} USD${note}: a US export needs its EEI ITN (or the FTR exemption) in the Export compliance setting or msg.fedex.customs.exportCompliance`,
    },
  };
}

export function buildCustoms(input: CustomsInput): BuiltCustoms {
  const { settings, record, data } = input;
  const fields = settings.fields;
  const recipientCountry = String(input.recipient.address.countryCode ?? '');
  const problems: Problem[] = [];

  let drafts: CommodityDraft[];
  if (Array.isArray(input.commodities) && input.commodities.length) {
    drafts = commoditiesFromMsg(input.commodities);
  } else if (!linesOf(record, fields)) {
    throwProblems([
      {
        field: fields.lines,
        message: `the document has no lines (${fields.lines}) to declare: poll it with its lines, or give msg.fedex.commodities`,
      },
    ]);
    drafts = [];
  } else {
    drafts = deriveCommodities(record, data, fields, input.weightUnit, input.grossWeight);
  }
  const fromMsg = drafts[0]?.label.startsWith('msg.') ? input.commodities?.[0]?.currency : undefined;
  const cur = fromMsg
    ? { currency: fromMsg.toUpperCase(), source: 'msg.fedex.commodities[0].currency' }
    : currencyOf(record, data, fields, settings.currency);
  problems.push(...commodityProblems(drafts, cur.currency, cur.source));
  problems.push(...destinationProblems(input.recipient, input.recipientSources));
  if (settings.dutiesPaymentType !== 'SENDER' && !settings.dutiesAccountNumber.trim())
    problems.push({
      field: 'dutiesAccountNumber',
      message: `duties paid by ${settings.dutiesPaymentType} need the duties account number setting`,
    });
  const currency = cur.currency ?? '';
  const eei = exportCompliance(settings, input.shipperCountry, recipientCountry, drafts, currency);
  if (eei.problem) problems.push(eei.problem);
  throwProblems(problems);

  const commodities = drafts.map((d) => {
    const c: Record<string, unknown> = {
      description: (d.description ?? '').slice(0, 450),
      countryOfManufacture: d.countryOfManufacture,
      harmonizedCode: (d.harmonizedCode ?? '').replace(/[.\s-]/g, ''),
      quantity: Math.max(1, Math.round(d.quantity ?? 0)),
      quantityUnits: d.quantityUnits,
      unitPrice: { amount: round2(d.unitPrice ?? 0), currency },
      customsValue: { amount: round2(d.customsValue ?? 0), currency },
      weight: { units: input.weightUnit, value: Math.max(0.001, d.weight ?? 0) },
    };
    if (d.partNumber) c.partNumber = d.partNumber;
    return c;
  });
  const total = round2(drafts.reduce((s, d) => s + round2(d.customsValue ?? 0), 0));
  const detail: Record<string, unknown> = {
    dutiesPayment: {
      paymentType: settings.dutiesPaymentType,
      payor: {
        responsibleParty: {
          accountNumber: {
            value: settings.dutiesPaymentType === 'SENDER' ? input.accountNumber : settings.dutiesAccountNumber.trim(),
          },
        },
      },
    },
    isDocumentOnly: settings.documentOnly,
    commercialInvoice: {
      shipmentPurpose: settings.shipmentPurpose,
      ...(settings.termsOfSale ? { termsOfSale: settings.termsOfSale } : {}),
    },
    commodities,
    totalCustomsValue: { amount: total, currency },
  };
  if (eei.statement) detail.exportDetail = { exportComplianceStatement: eei.statement };
  if (input.importerOfRecord) detail.importerOfRecord = input.importerOfRecord;

  const built: BuiltCustoms = { customsClearanceDetail: detail, commodities: drafts, currency };
  if (settings.documents === 'generate') {
    built.shipmentSpecialServices = {
      specialServiceTypes: ['ELECTRONIC_TRADE_DOCUMENTS'],
      etdDetail: { requestedDocumentTypes: ['COMMERCIAL_INVOICE'] },
    };
    built.shippingDocumentSpecification = {
      shippingDocumentTypes: ['COMMERCIAL_INVOICE'],
      commercialInvoiceDetail: { documentFormat: { docType: 'PDF', stockType: 'PAPER_LETTER' } },
    };
  } else if (settings.documents === 'upload-later') {
    // FedEx clears on the electronic data now and waits for the shipper's own invoice upload.
    built.shipmentSpecialServices = {
      specialServiceTypes: ['ELECTRONIC_TRADE_DOCUMENTS'],
      etdDetail: { attributes: ['POST_SHIPMENT_UPLOAD_REQUESTED'] },
    };
  }
  const tins = [...(input.recipientTins ?? [])];
  const taxId = settings.recipientTaxIdField ? text(record[settings.recipientTaxIdField]) : undefined;
  if (taxId) tins.push({ number: taxId.slice(0, 18), tinType: settings.recipientTaxIdType });
  if (tins.length) built.recipientTins = tins;
  return built;
}
