import assert from 'node:assert/strict';
import { ValidationError } from '../../../nodes/core/errors';
import { buildShipment, type BuiltShipment } from '../../../nodes/fedex/mapping';
import { validateFreightRequest, validateShipRequest } from '../../../nodes/fedex/schemas';
import { parseFieldMap, shipSettingsOf } from '../../../nodes/fedex/ship-settings';
import { purchaseOrder, salesDelivery, salesOrder, settings, x3Of } from './fixtures';

const NOW = Date.parse('2025-01-30T15:00:00Z');

function build(
  record: Record<string, unknown>,
  x3 = x3Of('salesDelivery', String(record.SDHNUM ?? '')),
  patch = {},
  overrides = {},
): BuiltShipment {
  return buildShipment({ record, x3, settings: settings(patch), overrides, accountNumber: '740561073', now: NOW });
}

function validate(b: BuiltShipment): void {
  if (b.kind === 'ltl') validateFreightRequest(b.request, b.sources);
  else validateShipRequest(b.request, b.sources);
}

function invalid(b: BuiltShipment): ValidationError {
  try {
    validate(b);
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err;
  }
  assert.fail('expected a validation error');
}

type Rs = {
  shipper: { address: Record<string, unknown>; contact: Record<string, unknown> };
  recipients: Array<{ address: Record<string, unknown>; contact: Record<string, unknown> }>;
  requestedPackageLineItems: Array<Record<string, unknown>>;
  [k: string]: unknown;
};

describe('fedex/mapping: X3 document -> ship request', () => {
  it('maps a sales delivery: our address ships to the X3 ship-to address, weight split over PACNBR packages', () => {
    const b = build(salesDelivery());
    validate(b);
    assert.equal(b.kind, 'parcel');
    assert.equal(b.direction, 'outbound');
    const rs = b.request.requestedShipment as Rs;
    assert.equal(rs.shipper.address.city, 'Memphis');
    assert.equal(rs.shipper.contact.phoneNumber, '9015551234');
    const to = rs.recipients[0];
    assert.deepEqual(to.address.streetLines, ['1 Broadway', 'Floor 3']);
    assert.equal(to.address.city, 'New York');
    assert.equal(to.contact.companyName, 'Jane Industrial Supply');
    assert.equal(to.contact.personName, 'Jane Doe');
    // "+1 (212) 555-0100": punctuation and the US country prefix removed
    assert.equal(to.contact.phoneNumber, '2125550100');
    assert.equal(to.contact.emailAddress, 'jane@example.com');
    assert.equal(rs.requestedPackageLineItems.length, 2);
    assert.deepEqual(rs.requestedPackageLineItems[0].weight, { value: 12.5, units: 'LB' });
    assert.equal(rs.totalWeight, 25);
    assert.deepEqual(rs.requestedPackageLineItems[1].customerReferences, [
      { customerReferenceType: 'CUSTOMER_REFERENCE', value: 'SEED SDH SD00000001' },
    ]);
    assert.equal(rs.requestedPackageLineItems[0].itemDescription, 'X3 SD00000001');
    assert.equal(b.customerReference, 'SEED SDH SD00000001');
    assert.equal(rs.serviceType, 'FEDEX_GROUND');
    assert.deepEqual(rs.labelSpecification, { imageType: 'PDF', labelStockType: 'PAPER_4X6' });
    assert.equal(rs.shipDatestamp, '2025-01-30');
    assert.equal(b.senderCountryCode, 'US');
  });

  it('maps a purchase order inbound: the supplier ships to our address, PO number as P_O_NUMBER', () => {
    const b = build(purchaseOrder(), x3Of('purchaseOrder', 'PO00000007'));
    validate(b);
    assert.equal(b.direction, 'inbound');
    const rs = b.request.requestedShipment as Rs;
    assert.equal(rs.shipper.address.city, 'Chicago');
    assert.equal(rs.shipper.contact.companyName, 'Valve Makers Inc');
    assert.equal(rs.recipients[0].address.city, 'Memphis');
    assert.deepEqual(rs.requestedPackageLineItems[0].customerReferences, [
      { customerReferenceType: 'CUSTOMER_REFERENCE', value: 'SEED POH PO00000007' },
      { customerReferenceType: 'P_O_NUMBER', value: 'PO00000007' },
    ]);
    // no weight in a PO: one package of the default weight
    assert.deepEqual(rs.requestedPackageLineItems[0].weight, { value: 1, units: 'LB' });
  });

  it('maps a sales order and recognises the entity from the record when msg.x3.entity is absent', () => {
    const b = build(salesOrder(), { key: 'SO00000042', folder: 'SEED' } as ReturnType<typeof x3Of>);
    validate(b);
    assert.equal(b.entity, 'salesOrder');
    assert.equal(b.documentNumber, 'SO00000042');
  });

  it('takes settings and per-msg overrides: service, label, payment, packages, parties, templates', () => {
    const b = build(
      salesDelivery(),
      undefined,
      { descriptionTemplate: 'Order {{payload.SOHNUM}}', customerReferenceTemplate: '{{x3.key}}/{{payload.SOHNUM}}' },
      {
        options: {
          serviceType: 'PRIORITY_OVERNIGHT',
          labelImageType: 'ZPLII',
          labelStockType: 'STOCK_4X6',
          paymentType: 'THIRD_PARTY',
          payorAccountNumber: '123456789',
        },
        recipient: { personName: 'Receiving Dock', phoneNumber: '2125559999' },
        packages: [{ weight: 3, weightUnit: 'KG', length: 10, width: 8, height: 4.2 }],
      },
    );
    validate(b);
    const rs = b.request.requestedShipment as Rs;
    assert.equal(rs.serviceType, 'PRIORITY_OVERNIGHT');
    assert.deepEqual(rs.labelSpecification, { imageType: 'ZPLII', labelStockType: 'STOCK_4X6' });
    assert.deepEqual(rs.shippingChargesPayment, {
      paymentType: 'THIRD_PARTY',
      payor: { responsibleParty: { accountNumber: { value: '123456789' } } },
    });
    assert.equal(rs.recipients[0].contact.personName, 'Receiving Dock');
    assert.equal(rs.recipients[0].contact.companyName, 'Jane Industrial Supply');
    assert.deepEqual(rs.requestedPackageLineItems, [
      {
        sequenceNumber: 1,
        weight: { value: 3, units: 'KG' },
        dimensions: { length: 10, width: 8, height: 5, units: 'IN' },
        itemDescription: 'Order SO00000001',
        customerReferences: [{ customerReferenceType: 'CUSTOMER_REFERENCE', value: 'SD00000001/SO00000001' }],
      },
    ]);
    assert.equal(rs.totalWeight, 6.6);
  });

  it('builds an LTL freight request with freight class, handling units and the PO references', () => {
    const b = build(purchaseOrder(), x3Of('purchaseOrder', 'PO00000007'), {
      freight: {
        enabled: true,
        serviceType: 'FEDEX_FREIGHT_PRIORITY',
        freightClass: 'CLASS_085',
        subPackagingType: 'PALLET',
        role: 'SHIPPER',
        accountNumber: '',
      },
      defaultWeight: 450,
      dimensions: { length: 48, width: 40, height: 50, units: 'IN' },
    });
    validate(b);
    assert.equal(b.kind, 'ltl');
    const frs = b.request.freightRequestedShipment as Record<string, Record<string, unknown>>;
    assert.equal(frs.serviceType, 'FEDEX_FREIGHT_PRIORITY');
    const detail = frs.freightShipmentDetail as Record<string, unknown>;
    assert.deepEqual(detail.printedReferences, [{ printedReferenceType: 'PO_NUMBER', value: 'PO00000007' }]);
    const line = (detail.lineItem as Array<Record<string, unknown>>)[0];
    assert.equal(line.freightClass, 'CLASS_085');
    assert.equal(line.description, 'X3 PO00000007');
    assert.equal(line.purchaseOrderNumber, 'PO00000007');
    assert.deepEqual(line.weight, { units: 'LB', value: 450 });
    const units = frs.requestedPackageLineItems as unknown as Array<Record<string, unknown>>;
    assert.deepEqual(units[0].associatedFreightLineItems, [{ id: '1' }]);
    assert.deepEqual((detail.fedExFreightAccountNumber as Record<string, unknown>).value, '740561073');
  });

  describe('pre-flight validation names the X3 field', () => {
    it('a city longer than 35 characters', () => {
      const err = invalid(build(salesDelivery('SD1', { BPDCTY: 'Llanfairpwllgwyngyllgogerychwyrndrobwll' })));
      assert.equal(err.field, 'BPDCTY');
      assert.match(err.message, /recipient city \(BPDCTY\) is longer than 35 characters/);
    });

    it('a missing phone, an empty address, a bad state', () => {
      const err = invalid(build(salesDelivery('SD1', { BPDTEL: '', BPDADDLIG: ['', ''], BPDSAT: 'New York' })));
      assert.match(err.message, /recipient phone \(BPDTEL\) is required/);
      assert.match(err.message, /recipient address lines \(BPDADDLIG\) needs at least 1 entry/);
      assert.match(err.message, /recipient state \(BPDSAT\) must be a 2-letter code for US/);
    });

    it('a phone that is not 10 digits for the US, a long address line, a long name', () => {
      const err = invalid(
        build(salesDelivery('SD1', { BPDTEL: '555-0100', BPDADDLIG: ['x'.repeat(36)], BPDNAM: ['N'.repeat(36), ''] })),
      );
      assert.match(err.message, /recipient phone \(BPDTEL\) must have exactly 10 digits for US/);
      assert.match(err.message, /recipient address line 1 \(BPDADDLIG\) is longer than 35 characters/);
      assert.match(err.message, /recipient company name \(BPDNAM\) is longer than 35 characters/);
    });

    it('more than 30 packages', () => {
      const err = invalid(build(salesDelivery('SD1', { PACNBR: 31 })));
      assert.equal(err.field, 'PACNBR');
      assert.match(err.message, /packages \(PACNBR\) has more than 30 entries/);
    });

    it('a reference longer than 30 characters names the document field', () => {
      const err = invalid(
        build(salesDelivery('SD1'), undefined, {
          customerReferenceTemplate: 'X3 {{x3.key}} {{payload.BPDNAM.0}} {{payload.BPDNAM.1}}',
        }),
      );
      assert.match(err.message, /package 1 reference 1 \(SDHNUM\) is longer than 30 characters/);
    });

    it('bad enums and a stock that does not fit the image type', () => {
      const err = invalid(
        build(
          salesDelivery(),
          undefined,
          {},
          { options: { serviceType: 'FEDEX_WARP', labelImageType: 'PDF', labelStockType: 'STOCK_4X6' } },
        ),
      );
      assert.match(err.message, /service type must be one of/);
      assert.match(err.message, /label stock type must be a PAPER_\* stock for PDF labels/);
    });

    it('a msg override is named as the msg property it came from', () => {
      const err = invalid(build(salesDelivery(), undefined, {}, { recipient: { city: 'C'.repeat(40) } }));
      assert.equal(err.field, 'msg.fedex.recipient.city');
    });

    it('a missing document number', () => {
      assert.throws(
        () => build({ BPDCTY: 'x' }, { entity: 'salesDelivery' } as ReturnType<typeof x3Of>),
        (e: unknown) => e instanceof ValidationError && e.field === 'SDHNUM',
      );
    });

    it('THIRD_PARTY payment without a payor account', () => {
      const err = invalid(build(salesDelivery(), undefined, { paymentType: 'THIRD_PARTY' }));
      assert.match(err.message, /payor account number/);
    });
  });

  describe('node settings', () => {
    it('turns the editor fields into settings with defaults', () => {
      const s = shipSettingsOf({
        id: 'n1',
        type: 'fedex-ship',
        name: '',
        z: '',
        ourCompany: 'Acme',
        ourPhone: '9015551234',
        ourStreet1: '10 Main St',
        ourStreet2: ' ',
        ourCity: 'Memphis',
        ourCountry: 'US',
        dimLength: '12',
        dimWidth: '10',
        dimHeight: '8',
        fieldMap: '{"phoneNumber": ["BPDTEL", "TEL"], "weight": "ZWEIGHT"}',
        freight: 'true',
      } as never);
      assert.deepEqual(s.ourAddress.streetLines, ['10 Main St']);
      assert.deepEqual(s.dimensions, { length: 12, width: 10, height: 8, units: 'IN' });
      assert.deepEqual(s.fieldMap, { phoneNumber: ['BPDTEL', 'TEL'], weight: 'ZWEIGHT' });
      assert.equal(s.freight.enabled, true);
      assert.equal(s.serviceType, 'FEDEX_GROUND');
      assert.equal(s.customerReferenceTemplate, '{{x3.folder}} {{x3.code}} {{x3.key}}');
    });

    it('refuses a field map that is not an object of field names', () => {
      assert.throws(() => parseFieldMap('{"city": 3}'), /"city" must name an X3 field/);
      assert.throws(() => parseFieldMap('{nope'), /not valid JSON/);
    });
  });
});
