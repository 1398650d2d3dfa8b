/**
 * X3 document (msg from x3-poll) -> FedEx ship request: the parcel or LTL freight request
 * assembled from the document's parties (parties.ts), packages (packages.ts) and rendered
 * references (references.ts), with the node's settings (ship-options.ts) and the msg's overrides
 * (msg.fedex.options / shipper / recipient / packages) on top. Field names are X3 dictionary
 * names (x3-documents.ts); every name and setting has a default and can be overridden.
 *
 * Purchase orders are inbound: the supplier is the shipper and our address the recipient, with
 * the PO number also sent as a P_O_NUMBER reference.
 */
import { ValidationError } from '../core/errors';
import { LTL_SERVICE_TYPES } from './vocabulary';
import {
  DOCUMENT_PROFILES,
  profileFor,
  type Direction,
  type DocumentFieldMap,
  type X3Info,
  type X3Record,
} from './x3-documents';
import { text } from './x3-fields';
import { mergeSettings, type PartyInput, type ShipSettings } from './ship-options';
import { applyPartyInput, normalisePhone, partyFromInput, partyFromX3, stripUsCountryPrefix } from './parties';
import { notePackageSources, planPackages, type PackageInput } from './packages';
import { noteReferenceSources, renderReferences } from './references';
import { buildCustoms, isInternationalService, serviceCrossesBorder } from './customs';
import type { CustomsData } from './commodities';
import { mergeCustoms, type CommodityInput, type CustomsMsgInput } from './customs-options';

export interface ShipOverrides {
  options?: Partial<ShipSettings>;
  shipper?: PartyInput;
  recipient?: PartyInput;
  packages?: PackageInput[];
  /** Replaces the commodities derived from X3 (international shipments). */
  commodities?: CommodityInput[];
  /** Customs settings for this msg, the recipient's tax ids, the importer of record. */
  customs?: CustomsMsgInput;
}

export interface MappingInput {
  record: X3Record;
  x3: X3Info;
  settings: ShipSettings;
  overrides?: ShipOverrides;
  accountNumber: string;
  now: number;
  /** Extra values for templates (e.g. the msg). */
  view?: Record<string, unknown>;
  /** The X3 data customs are derived from (customs-data.ts); absent: not read yet. */
  customs?: CustomsData;
}

export interface BuiltShipment {
  kind: 'parcel' | 'ltl';
  request: Record<string, unknown>;
  /** FedEx data path -> where the value came from (X3 field or msg property). */
  sources: Map<string, string>;
  entity: string;
  documentNumber: string;
  direction: Direction;
  /** Rendered CUSTOMER_REFERENCE (the ambiguous-outcome lookup searches by it). */
  customerReference?: string;
  poNumber?: string;
  senderCountryCode?: string;
  shipDate: string;
  /** The shipper's and the recipient's countries differ (customs are built, or pending). */
  international: boolean;
  /** International, and the customs data was not given: read it and build again. */
  customsPending: boolean;
}

function addSources(target: Map<string, string>, prefix: string, from: Map<string, string>): void {
  for (const [k, v] of from) target.set(`${prefix}.${k}`, v);
}

/** The local calendar day (the shipper's, as FedEx reads shipDatestamp) as YYYY-MM-DD. */
function isoDay(now: number): string {
  const d = new Date(now);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function shipDateFor(record: X3Record, fields: DocumentFieldMap, settings: ShipSettings, now: number): string {
  const today = isoDay(now);
  if (settings.shipDate !== 'x3' || !fields.shipDate) return today;
  const raw = text(record[fields.shipDate]);
  if (!raw) return today;
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(raw);
  const iso = compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : raw.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return today;
  // FedEx moves a past date to today itself; sending today keeps the stored result truthful.
  return iso < today ? today : iso;
}

/* ---------------------------------------------------------------- build ---------------- */

export function buildShipment(input: MappingInput): BuiltShipment {
  const { record, x3, overrides } = input;
  const settings = mergeSettings(input.settings, overrides?.options);
  const profile = profileFor(x3.entity, record);
  const fields: DocumentFieldMap = {
    ...(profile?.fields ?? DOCUMENT_PROFILES.salesDelivery.fields),
    ...settings.fieldMap,
  };
  const entity = profile?.entity ?? x3.entity ?? 'document';
  const direction: Direction = settings.direction === 'auto' ? (profile?.direction ?? 'outbound') : settings.direction;
  const purchaseOrder = profile?.purchaseOrder ?? false;

  const documentNumber = text(x3.key) ?? (fields.document ? text(record[fields.document]) : undefined);
  if (!documentNumber) {
    throw new ValidationError(
      'fedex',
      fields.document ?? 'msg.x3.key',
      `the X3 document number is missing: msg.x3.key is not set and the record has no ${fields.document ?? 'key field'}`,
    );
  }
  const code = profile?.code ?? entity;
  const view = { ...input.view, x3: { ...x3, key: documentNumber, entity, code }, payload: record, record };
  const docSource = fields.document ?? 'msg.x3.key';

  // Parties: the X3 address on one side, our address on the other, msg overrides on top.
  const x3Party = partyFromX3(record, fields, settings);
  const ours = partyFromInput(settings.ourAddress, '');
  const shipper = direction === 'outbound' ? ours : x3Party;
  const recipient = direction === 'outbound' ? x3Party : ours;
  applyPartyInput(shipper.party, overrides?.shipper, shipper.sources, 'msg.fedex.shipper');
  applyPartyInput(recipient.party, overrides?.recipient, recipient.sources, 'msg.fedex.recipient');
  if (!recipient.party.contact.phoneNumber && settings.recipientPhoneFallback) {
    recipient.party.contact.phoneNumber = normalisePhone(settings.recipientPhoneFallback);
    recipient.sources.delete('contact.phoneNumber');
  }
  stripUsCountryPrefix(shipper.party);
  stripUsCountryPrefix(recipient.party);

  const plan = planPackages(record, fields, settings, overrides?.packages);
  const { customerReference, poNumber, description, references } = renderReferences(settings, view, purchaseOrder);

  const shipDate = shipDateFor(record, fields, settings, input.now);
  const payment = {
    paymentType: settings.paymentType,
    payor: {
      responsibleParty: {
        accountNumber: { value: settings.paymentType === 'SENDER' ? input.accountNumber : settings.payorAccountNumber },
      },
    },
  };
  const labelSpecification = { imageType: settings.labelImageType, labelStockType: settings.labelStockType };
  const sources = new Map<string, string>();
  const senderCountryCode = text(shipper.party.address.countryCode);
  // what a parcel and a freight shipment report alike beside their request
  const described = {
    sources,
    entity,
    documentNumber,
    direction,
    customerReference,
    poNumber,
    senderCountryCode,
    shipDate,
  };

  if (settings.freight.enabled || (LTL_SERVICE_TYPES as readonly string[]).includes(settings.serviceType)) {
    const root = 'freightRequestedShipment';
    addSources(sources, `${root}.shipper`, shipper.sources);
    addSources(sources, `${root}.recipient`, recipient.sources);
    const count = plan.weights.length;
    const unit = plan.weights[0]?.units ?? settings.weightUnit;
    const total = Math.round(plan.weights.reduce((s, w) => s + w.value, 0) * 10) / 10;
    const lineDims = plan.dimensions[0];
    const lineItem: Record<string, unknown> = {
      id: '1',
      description: description ?? documentNumber,
      freightClass: settings.freight.freightClass,
      subPackagingType: settings.freight.subPackagingType,
      pieces: count,
      handlingUnits: count,
      weight: { units: unit, value: total },
    };
    if (lineDims) lineItem.dimensions = lineDims;
    if (poNumber) lineItem.purchaseOrderNumber = poNumber;
    const detail: Record<string, unknown> = {
      role: settings.freight.role,
      fedExFreightAccountNumber: { value: settings.freight.accountNumber || input.accountNumber },
      fedExFreightBillingContactAndAddress: { contact: ours.party.contact, address: ours.party.address },
      totalHandlingUnits: count,
      lineItem: [lineItem],
    };
    if (poNumber) detail.printedReferences = [{ printedReferenceType: 'PO_NUMBER', value: poNumber }];
    const units = plan.weights.map((w, i) => {
      const unitItem: Record<string, unknown> = {
        subPackagingType: settings.freight.subPackagingType,
        weight: w,
        associatedFreightLineItems: [{ id: '1' }],
      };
      if (plan.dimensions[i]) unitItem.dimensions = plan.dimensions[i];
      if (references.length) unitItem.customerReferences = references;
      return unitItem;
    });
    noteReferenceSources(sources, `${root}.requestedPackageLineItems`, units.length, references, docSource);
    notePackageSources(sources, `${root}.requestedPackageLineItems`, plan);
    if (description) sources.set(`${root}.freightShipmentDetail.lineItem[0].description`, docSource);
    if (poNumber) {
      sources.set(`${root}.freightShipmentDetail.lineItem[0].purchaseOrderNumber`, docSource);
      sources.set(`${root}.freightShipmentDetail.printedReferences[0].value`, docSource);
    }
    const request = {
      labelResponseOptions: settings.labelResponse,
      accountNumber: { value: input.accountNumber },
      freightRequestedShipment: {
        shipDatestamp: shipDate,
        serviceType: (LTL_SERVICE_TYPES as readonly string[]).includes(settings.serviceType)
          ? settings.serviceType
          : settings.freight.serviceType,
        packagingType: settings.packagingType,
        pickupType: settings.pickupType,
        shipper: shipper.party,
        recipient: recipient.party,
        shippingChargesPayment: payment,
        labelSpecification,
        freightShipmentDetail: detail,
        requestedPackageLineItems: units,
      },
    };
    return { kind: 'ltl', request, ...described, international: false, customsPending: false };
  }

  const root = 'requestedShipment';
  addSources(sources, `${root}.shipper`, shipper.sources);
  addSources(sources, `${root}.recipients[0]`, recipient.sources);
  const items = plan.weights.map((w, i) => {
    const item: Record<string, unknown> = { sequenceNumber: i + 1, weight: w };
    if (plan.dimensions[i]) item.dimensions = plan.dimensions[i];
    if (description) item.itemDescription = description;
    if (references.length) item.customerReferences = references;
    return item;
  });
  noteReferenceSources(sources, `${root}.requestedPackageLineItems`, items.length, references, docSource);
  notePackageSources(sources, `${root}.requestedPackageLineItems`, plan);
  for (let i = 0; i < items.length; i++)
    if (description) sources.set(`${root}.requestedPackageLineItems[${i}].itemDescription`, docSource);
  const totalLb = plan.weights.reduce((s, w) => s + (w.units === 'KG' ? w.value * 2.20462 : w.value), 0);
  const recipientCountry = text(recipient.party.address.countryCode);
  const international = !!senderCountryCode && !!recipientCountry && senderCountryCode !== recipientCountry;
  let serviceType = settings.serviceType;
  const customsSettings = mergeCustoms(settings.customs, overrides?.customs);
  // The node's service is a domestic one unless it is an international service itself; the
  // customs setting (or msg.fedex.customs) picks the service across the border.
  if (international && !isInternationalService(serviceType))
    serviceType = customsSettings.internationalServiceType || serviceType;
  if (international && !serviceCrossesBorder(serviceType, recipientCountry ?? ''))
    throw new ValidationError(
      'fedex',
      'internationalServiceType',
      `${serviceType} does not go from ${senderCountryCode} to ${recipientCountry}: choose International Priority or Economy (FedEx Ground: to Canada only) in the international service setting or msg.fedex.customs.internationalServiceType`,
    );
  const request = {
    labelResponseOptions: settings.labelResponse,
    accountNumber: { value: input.accountNumber },
    requestedShipment: {
      shipDatestamp: shipDate,
      pickupType: settings.pickupType,
      serviceType,
      packagingType: settings.packagingType,
      // The spec lists it as required (in pounds); FedEx's domestic samples omit it.
      totalWeight: Math.round(totalLb * 10) / 10,
      shipper: shipper.party,
      recipients: [recipient.party],
      shippingChargesPayment: payment,
      labelSpecification,
      requestedPackageLineItems: items,
    } as Record<string, unknown>,
  };
  const customsPending = international && !input.customs && !overrides?.commodities?.length;
  if (international && !customsPending) {
    const unit = plan.weights[0]?.units ?? settings.weightUnit;
    const built = buildCustoms({
      record,
      settings: customsSettings,
      data: input.customs ?? { products: new Map() },
      commodities: overrides?.commodities,
      shipperCountry: senderCountryCode ?? '',
      recipient: recipient.party,
      recipientSources: recipient.sources,
      weightUnit: unit,
      grossWeight: plan.weights.reduce((s, w) => s + (w.units === unit ? w.value : 0), 0),
      accountNumber: input.accountNumber,
      recipientTins: overrides?.customs?.recipientTins,
      importerOfRecord: overrides?.customs?.importerOfRecord,
    });
    const rs = request.requestedShipment;
    rs.customsClearanceDetail = built.customsClearanceDetail;
    if (built.shipmentSpecialServices) rs.shipmentSpecialServices = built.shipmentSpecialServices;
    if (built.shippingDocumentSpecification) rs.shippingDocumentSpecification = built.shippingDocumentSpecification;
    if (built.recipientTins) (recipient.party as Record<string, unknown>).tins = built.recipientTins;
  }
  return { kind: 'parcel', request, ...described, international, customsPending };
}
