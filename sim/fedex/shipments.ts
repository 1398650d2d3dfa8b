/**
 * Turning a validated create request into a committed shipment (tracking numbers, documents,
 * journey) and the create response [spec SHPCResponseVO_ShipShipment / LTL SHPCResponseVO].
 */
import { DateTime } from 'luxon';
import { PACKAGING_DESCRIPTIONS, SERVICES, type ServiceInfo, zoneFor } from './catalog';
import { newTransactionId } from './errors';
import { nominalJourneyHours, planJourney } from './journey';
import { type LabelFacts, renderDocument } from './labels';
import { unitHash } from './random';
import type { SimRuntime } from './runtime';
import { newTrackingNumber } from './tracking-numbers';
import type { ScanPlace, SimAlert, SimDocument, SimPartySummary, SimPiece, SimReference, SimShipment } from './types';
import type { LtlRequest, NormalizedParty, ShipRequest } from './validation';

export function partySummary(p: NormalizedParty): SimPartySummary {
  return {
    personName: p.contact.personName,
    companyName: p.contact.companyName,
    phoneNumber: p.contact.phoneNumber,
    streetLines: p.address.streetLines,
    city: p.address.city,
    stateOrProvinceCode: p.address.stateOrProvinceCode,
    postalCode: p.address.postalCode,
    countryCode: p.address.countryCode,
    residential: p.address.residential,
  };
}

export function placeOf(p: SimPartySummary): ScanPlace {
  return {
    city: p.city.toUpperCase(),
    stateOrProvinceCode: p.stateOrProvinceCode,
    postalCode: p.postalCode,
    countryCode: p.countryCode,
    zone: zoneFor(p.countryCode, p.stateOrProvinceCode),
  };
}

/** "Default value is current date in case the date is not provided or a past date is provided." */
export function effectiveShipDate(requested: string | undefined, now: number, zone: string): string {
  const today = DateTime.fromMillis(now, { zone }).toISODate() ?? new Date(now).toISOString().slice(0, 10);
  return requested === undefined || requested < today ? today : requested;
}

export function formatFedexDate(ms: number, zone: string): string {
  const dt = DateTime.fromMillis(Math.floor(ms / 1000) * 1000, { zone });
  return dt.toISO({ suppressMilliseconds: true }) ?? new Date(ms).toISOString();
}

function msPerHour(rt: SimRuntime, kind: ServiceInfo['journey'], exception: boolean): number {
  const js = rt.config.journeySeconds;
  if (js !== null) return (js * 1000) / nominalJourneyHours(kind, exception);
  return 3600_000 / rt.config.trackingSpeed;
}

function displayName(p: SimPartySummary): string {
  return p.companyName ?? p.personName ?? '';
}

interface CommitInput {
  kind: 'parcel' | 'ltl';
  clientId: string;
  accountNumber: string;
  serviceType: string;
  packagingType: string;
  pickupType: string;
  shipDatestamp?: string;
  shipper: NormalizedParty;
  recipient: NormalizedParty;
  imageType: string;
  labelResponseOptions: string;
  pieces: Array<{ weightLb: number; references: SimReference[] }>;
  shipmentReferences: SimReference[];
  customerTransactionId?: string;
  createdAt?: number;
  /** Trade documents FedEx generates (COMMERCIAL_INVOICE, …), PDF. */
  tradeDocuments?: string[];
}

/** Allocates numbers, renders labels and plans the journey; the shipment is then stored. */
export function commitShipment(rt: SimRuntime, input: CommitInput): SimShipment {
  const service = SERVICES[input.serviceType];
  const createdAt = input.createdAt ?? rt.now();
  const shipper = partySummary(input.shipper);
  const recipient = partySummary(input.recipient);
  const origin = placeOf(shipper);
  const destination = placeOf(recipient);
  const shipDate = effectiveShipDate(input.shipDatestamp, createdAt, origin.zone);
  const taken = (n: string) => rt.byTrackingNumber.has(n);
  const pieces: SimPiece[] = [];
  const allocated = new Set<string>();
  input.pieces.forEach((p, i) => {
    const tn = newTrackingNumber(rt.rng, (n) => taken(n) || allocated.has(n), input.kind);
    allocated.add(tn);
    pieces.push({
      trackingNumber: tn,
      sequenceNumber: i + 1,
      weightLb: Math.round(p.weightLb * 10) / 10,
      references: p.references,
    });
  });
  const master = pieces[0].trackingNumber;
  const exception = unitHash(rt.config.seed, `${master}:exception`) < rt.config.exceptionRate;
  const journey = planJourney({
    trackingNumber: master,
    seed: rt.config.seed,
    createdAt,
    kind: service.journey,
    origin,
    destination,
    exception,
    msPerHour: msPerHour(rt, service.journey, exception),
  });
  // The first delivery attempt (DL, or DE on an exception journey) is the originally planned delivery.
  const odIndex = journey.findIndex((e) => e.eventType === 'OD');
  const firstDelivery = journey[odIndex + 1] ?? journey[journey.length - 1];
  const allRefs: SimReference[] = [];
  for (const r of [...input.shipmentReferences, ...pieces.flatMap((p) => p.references)]) {
    if (!allRefs.some((x) => x.type === r.type && x.value === r.value)) allRefs.push(r);
  }

  const shipment: SimShipment = {
    masterTrackingNumber: master,
    kind: input.kind,
    clientId: input.clientId,
    accountNumber: input.accountNumber,
    serviceType: input.serviceType,
    packagingType: input.packagingType,
    pickupType: input.pickupType,
    carrierCode: service.carrierCode,
    shipDate,
    createdAt,
    shipper,
    recipient,
    pieces,
    references: allRefs,
    documents: [],
    labelResponseOptions: input.labelResponseOptions,
    customerTransactionId: input.customerTransactionId,
    status: 'active',
    dropped: false,
    exception,
    journey,
    originalEtaAt: firstDelivery.dueAt,
    webhookCursor: 0,
  };

  const factsFor = (p: SimPiece, title?: string): LabelFacts => ({
    trackingNumber: p.trackingNumber,
    serviceName: service.name,
    shipDate,
    shipperName: displayName(shipper),
    recipientName: displayName(recipient),
    recipientLines: [
      ...recipient.streetLines,
      `${recipient.city} ${recipient.stateOrProvinceCode ?? ''} ${recipient.postalCode ?? ''} ${recipient.countryCode}`.replace(
        /\s+/g,
        ' ',
      ),
    ],
    references: p.references.map((r) => r.value),
    pieceLabel: `${p.sequenceNumber} of ${pieces.length}`,
    title,
  });
  for (const p of pieces) {
    shipment.documents.push(
      makeDocument(
        rt,
        p.trackingNumber,
        'LABEL',
        input.imageType,
        renderDocument(input.imageType, factsFor(p)),
        createdAt,
      ),
    );
  }
  for (const type of input.tradeDocuments ?? []) {
    const doc = renderDocument('PDF', {
      ...factsFor(pieces[0], type.replace(/_/g, ' ')),
      references: allRefs.map((r) => `${r.type} ${r.value}`),
    });
    shipment.documents.push(makeDocument(rt, master, type, 'PDF', doc, createdAt));
  }
  if (input.kind === 'ltl') {
    const bol = renderDocument('PDF', {
      ...factsFor(pieces[0], 'STRAIGHT BILL OF LADING'),
      references: allRefs.map((r) => `${r.type} ${r.value}`),
    });
    shipment.documents.push(makeDocument(rt, master, 'BILL_OF_LADING', 'PDF', bol, createdAt));
  }
  return shipment;
}

function makeDocument(
  rt: SimRuntime,
  trackingNumber: string,
  contentType: string,
  docType: string,
  bytes: Buffer,
  createdAt: number,
): SimDocument {
  return { id: rt.nextId('doc'), trackingNumber, contentType, docType, base64: bytes.toString('base64'), createdAt };
}

export function documentUrl(rt: SimRuntime, doc: SimDocument): string {
  return `${rt.baseUrl}/document/v2/document/retrieve/SH,${doc.trackingNumber}_${doc.id}/isLabel=${doc.contentType === 'LABEL'}/isDuplicate=false`;
}

/** A merged PDF of all labels for URL_ONLY with mergeLabelDocOption ≠ NONE. */
function mergedDocument(rt: SimRuntime, s: SimShipment, contentType: string): SimDocument {
  const existing = s.documents.find((d) => d.contentType === contentType);
  if (existing) return existing;
  const facts: LabelFacts = {
    trackingNumber: s.masterTrackingNumber,
    serviceName: SERVICES[s.serviceType].name,
    shipDate: s.shipDate,
    shipperName: displayName(s.shipper),
    recipientName: displayName(s.recipient),
    recipientLines: s.pieces.map((p) => `PIECE ${p.sequenceNumber}: ${p.trackingNumber}`),
    references: s.references.map((r) => r.value),
    pieceLabel: `${s.pieces.length} piece(s)`,
    title: contentType === 'MERGED_LABELS_ONLY' ? 'MERGED LABELS' : 'MERGED LABELS AND DOCUMENTS',
  };
  const doc = makeDocument(rt, s.masterTrackingNumber, contentType, 'PDF', renderDocument('PDF', facts), s.createdAt);
  s.documents.push(doc);
  return doc;
}

function docEntry(rt: SimRuntime, d: SimDocument, labelResponseOptions: string): Record<string, unknown> {
  const base: Record<string, unknown> = {
    contentType: d.contentType,
    copiesToPrint: 1,
    trackingNumber: d.trackingNumber,
    docType: d.docType,
  };
  if (labelResponseOptions === 'URL_ONLY') base.url = documentUrl(rt, d);
  else base.encodedLabel = d.base64;
  return base;
}

function charge(s: SimShipment, p: SimPiece): number {
  const svc = SERVICES[s.serviceType];
  const [base, perLb] =
    svc.journey === 'ground' ? [9.85, 0.82] : svc.journey === 'freight' ? [145, 0.21] : [24.5, 2.15];
  return Math.round((base + perLb * Math.max(1, p.weightLb)) * 100) / 100;
}

function serviceDescription(serviceType: string, svc: ServiceInfo): Record<string, unknown> {
  return {
    serviceType,
    code: svc.shortDescription,
    names: [
      { type: 'long', encoding: 'utf-8', value: svc.name },
      { type: 'short', encoding: 'utf-8', value: svc.shortDescription },
    ],
    operatingOrgCodes: [svc.carrierCode === 'FDXE' ? 'FXE' : svc.carrierCode === 'FXFR' ? 'FXF' : 'FXG'],
    description: svc.name,
    astraDescription: svc.name.replace(/^FedEx /, '').toUpperCase(),
    serviceCategory: svc.serviceCategory.toLowerCase(),
  };
}

export interface ResponseOptions {
  mergeLabelDocOption: string;
  alerts: SimAlert[];
}

/** One `transactionShipments[]` entry. */
export function transactionShipment(rt: SimRuntime, s: SimShipment, opts: ResponseOptions): Record<string, unknown> {
  const svc = SERVICES[s.serviceType];
  const destZone = zoneFor(s.recipient.countryCode, s.recipient.stateOrProvinceCode);
  const eta = DateTime.fromMillis(s.originalEtaAt, { zone: destZone });
  const pieceResponses = s.pieces.map((p) => {
    const docs = s.documents.filter((d) => d.trackingNumber === p.trackingNumber && d.contentType === 'LABEL');
    const net = charge(s, p);
    return {
      trackingNumber: p.trackingNumber,
      masterTrackingNumber: s.masterTrackingNumber,
      packageSequenceNumber: p.sequenceNumber,
      serviceCategory: svc.serviceCategory,
      deliveryTimestamp: eta.toISODate(),
      trackingIdType: svc.carrierCode === 'FDXE' ? 'EXPRESS' : svc.carrierCode === 'FXFR' ? 'FREIGHT' : 'GROUND',
      netChargeAmount: net,
      baseRateAmount: net,
      netDiscountAmount: 0,
      customerReferences: p.references.map((r) => ({ customerReferenceType: r.type, value: r.value })),
      packageDocuments: docs.map((d) => docEntry(rt, d, s.labelResponseOptions)),
    };
  });
  const shipmentDocuments: Array<Record<string, unknown>> = [];
  for (const d of s.documents) {
    if (d.contentType !== 'LABEL' && !d.contentType.startsWith('MERGED'))
      shipmentDocuments.push(docEntry(rt, d, s.labelResponseOptions));
  }
  if (s.labelResponseOptions === 'URL_ONLY' && opts.mergeLabelDocOption !== 'NONE') {
    const merged = mergedDocument(
      rt,
      s,
      opts.mergeLabelDocOption === 'LABELS_ONLY' ? 'MERGED_LABELS_ONLY' : 'MERGED_LABEL_DOCUMENTS',
    );
    shipmentDocuments.push(docEntry(rt, merged, 'URL_ONLY'));
  }
  const totalNet = Math.round(pieceResponses.reduce((n, p) => n + p.netChargeAmount, 0) * 100) / 100;
  const totalWeight = Math.round(s.pieces.reduce((n, p) => n + p.weightLb, 0) * 10) / 10;
  return {
    serviceType: s.serviceType,
    shipDatestamp: s.shipDate,
    serviceCategory: svc.serviceCategory,
    serviceName: svc.name,
    masterTrackingNumber: s.masterTrackingNumber,
    alerts: opts.alerts,
    pieceResponses,
    shipmentDocuments,
    completedShipmentDetail: {
      usDomestic: s.shipper.countryCode === 'US' && s.recipient.countryCode === 'US',
      carrierCode: s.carrierCode,
      masterTrackingId: {
        trackingIdType: svc.carrierCode === 'FDXE' ? 'FEDEX' : svc.carrierCode === 'FXFR' ? 'FREIGHT' : 'GROUND',
        formId: svc.carrierCode === 'FDXE' ? '0201' : '0000',
        trackingNumber: s.masterTrackingNumber,
      },
      serviceDescription: serviceDescription(s.serviceType, svc),
      packagingDescription: PACKAGING_DESCRIPTIONS[s.packagingType] ?? s.packagingType,
      operationalDetail: {
        deliveryDate: eta.toISODate(),
        deliveryDay: eta.toFormat('ccc').toUpperCase(),
        transitTime: svc.journey === 'express' ? 'ONE_DAY' : svc.journey === 'freight' ? 'THREE_DAYS' : 'TWO_DAYS',
        countryCode: s.recipient.countryCode,
        postalCode: s.recipient.postalCode,
        stateOrProvinceCode: s.recipient.stateOrProvinceCode,
      },
      shipmentRating: {
        actualRateType: 'PAYOR_ACCOUNT_SHIPMENT',
        shipmentRateDetails: [
          {
            rateType: 'PAYOR_ACCOUNT_SHIPMENT',
            totalNetCharge: totalNet,
            totalNetFedExCharge: totalNet,
            totalBillingWeight: { units: 'LB', value: Math.max(1, Math.ceil(totalWeight)) },
            currency: 'USD',
          },
        ],
      },
    },
  };
}

export function createResponseBody(
  rt: SimRuntime,
  shipments: SimShipment[],
  opts: ResponseOptions,
  customerTransactionId?: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = { transactionId: newTransactionId() };
  if (customerTransactionId !== undefined) body.customerTransactionId = customerTransactionId;
  body.output = { transactionShipments: shipments.map((s) => transactionShipment(rt, s, opts)), alerts: opts.alerts };
  return body;
}

/* ---------------------------------------------------------------- request → commit ----- */

export function commitParcel(
  rt: SimRuntime,
  clientId: string,
  req: ShipRequest,
  customerTransactionId?: string,
  createdAt?: number,
): SimShipment {
  const pieces: Array<{ weightLb: number; references: SimReference[] }> = [];
  for (const pk of req.packages) {
    for (let i = 0; i < pk.groupPackageCount; i++) pieces.push({ weightLb: pk.weightLb, references: pk.references });
  }
  return commitShipment(rt, {
    kind: 'parcel',
    clientId,
    accountNumber: req.accountNumber,
    serviceType: req.serviceType,
    packagingType: req.packagingType,
    pickupType: req.pickupType,
    shipDatestamp: req.shipDatestamp,
    shipper: req.shipper,
    recipient: req.recipient,
    imageType: req.imageType,
    labelResponseOptions: req.labelResponseOptions,
    pieces,
    shipmentReferences: [],
    customerTransactionId,
    createdAt,
    tradeDocuments: req.customs?.documents,
  });
}

export function commitLtl(
  rt: SimRuntime,
  clientId: string,
  req: LtlRequest,
  customerTransactionId?: string,
): SimShipment {
  const lineRefs: SimReference[] = req.lineItems
    .filter((l) => l.purchaseOrderNumber)
    .map((l) => ({ type: 'PO_NUMBER', value: l.purchaseOrderNumber as string }));
  return commitShipment(rt, {
    kind: 'ltl',
    clientId,
    accountNumber: req.accountNumber,
    serviceType: req.serviceType,
    packagingType: req.packagingType,
    pickupType: req.pickupType,
    shipDatestamp: req.shipDatestamp,
    shipper: req.shipper,
    recipient: req.recipient,
    imageType: req.imageType,
    labelResponseOptions: req.labelResponseOptions,
    pieces: req.handlingUnits.map((h) => ({ weightLb: h.weightLb, references: h.references })),
    shipmentReferences: [...req.printedReferences, ...lineRefs],
    customerTransactionId,
  });
}
