import assert from 'node:assert/strict';
import { ValidationError } from '../../../nodes/core/errors';
import { buildShipment, type BuiltShipment } from '../../../nodes/fedex/mapping';
import { validateShipRequest } from '../../../nodes/fedex/schemas';
import { CustomsDataReader } from '../../../nodes/fedex/customs-data';
import { DEFAULT_CUSTOMS_FIELDS } from '../../../nodes/fedex/customs-options';
import type { CustomsData } from '../../../nodes/fedex/commodities';
import { salesDelivery, settings, x3Of } from './fixtures';
import { PRODUCTS, intlOrder, monterreyDelivery, torontoDelivery } from './intl-fixtures';

const NOW = Date.parse('2025-01-30T15:00:00Z');

function data(order = intlOrder(), products = PRODUCTS): CustomsData {
  return { order, products: new Map(Object.entries(products)) };
}

function build(record: Record<string, unknown>, customs?: CustomsData, patch = {}, overrides = {}): BuiltShipment {
  return buildShipment({
    record,
    x3: x3Of('salesDelivery', String(record.SDHNUM)),
    settings: settings(patch),
    overrides,
    accountNumber: '740561073',
    now: NOW,
    customs,
  });
}

type Rs = Record<string, unknown> & { customsClearanceDetail: Record<string, unknown> };
const rsOf = (b: BuiltShipment): Rs => b.request.requestedShipment as Rs;
const commoditiesOf = (b: BuiltShipment) =>
  rsOf(b).customsClearanceDetail.commodities as Array<Record<string, unknown>>;

function fails(f: () => unknown): ValidationError {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err;
  }
  assert.fail('expected a ValidationError');
}

describe('fedex customs (international shipments from X3)', () => {
  it('US -> CA: one commodity per product and harmonized code, priced from the sales order, weighed from the product master', () => {
    const b = build(torontoDelivery(), data());
    assert.equal(b.international, true);
    assert.equal(b.customsPending, false);
    validateShipRequest(b.request, b.sources);
    const rs = rsOf(b);
    assert.equal(rs.serviceType, 'FEDEX_INTERNATIONAL_PRIORITY');
    const c = commoditiesOf(b);
    assert.equal(c.length, 3, 'lines 1000 and 4000 (same product and code) are one commodity');
    const pump = c.find((x) => x.partNumber === 'ITM000001')!;
    assert.equal(pump.quantity, 4);
    assert.equal(pump.quantityUnits, 'EA');
    assert.equal(pump.harmonizedCode, '8413702004');
    assert.equal(pump.countryOfManufacture, 'US');
    assert.deepEqual(pump.unitPrice, { amount: 120, currency: 'USD' });
    assert.deepEqual(pump.customsValue, { amount: 480, currency: 'USD' });
    assert.deepEqual(pump.weight, { units: 'LB', value: 16 });
    const seal = c.find((x) => x.partNumber === 'ITM000002')!;
    // 0.5 KG x 10 in pounds
    assert.equal((seal.weight as { value: number }).value, 11.023);
    const gauge = c.find((x) => x.partNumber === 'ITM000003')!;
    // no unit weight: the gross weight (40 LB) less the weighed lines, by quantity
    assert.equal((gauge.weight as { value: number }).value, Math.round((40 - 16 - 11.0231) * 1000) / 1000);
    const detail = rs.customsClearanceDetail;
    assert.deepEqual(detail.totalCustomsValue, { amount: 480 + 155 + 84, currency: 'USD' });
    assert.deepEqual(detail.exportDetail, { exportComplianceStatement: 'NO EEI 30.36' });
    assert.deepEqual(detail.commercialInvoice, { shipmentPurpose: 'SOLD', termsOfSale: 'DDP' });
    assert.equal((detail.dutiesPayment as { paymentType: string }).paymentType, 'SENDER');
    assert.deepEqual(rs.shipmentSpecialServices, {
      specialServiceTypes: ['ELECTRONIC_TRADE_DOCUMENTS'],
      etdDetail: { requestedDocumentTypes: ['COMMERCIAL_INVOICE'] },
    });
    assert.deepEqual((rs.shippingDocumentSpecification as { shippingDocumentTypes: string[] }).shippingDocumentTypes, [
      'COMMERCIAL_INVOICE',
    ]);
  });

  it('US -> MX in the order currency; International Ground is for Canada only', () => {
    const mx = build(monterreyDelivery(), data(intlOrder('SO00000077', 'MXN')), { serviceType: 'FEDEX_2_DAY' });
    assert.equal(rsOf(mx).serviceType, 'FEDEX_INTERNATIONAL_PRIORITY');
    assert.ok(commoditiesOf(mx).every((c) => (c.customsValue as { currency: string }).currency === 'MXN'));
    const ground = { customs: { ...settings().customs, internationalServiceType: 'FEDEX_GROUND' } };
    assert.equal(rsOf(build(torontoDelivery(), data(), ground)).serviceType, 'FEDEX_GROUND');
    const err = fails(() => build(monterreyDelivery(), data(), ground));
    assert.equal(err.field, 'internationalServiceType');
    const economy = build(
      monterreyDelivery(),
      data(),
      {},
      { customs: { internationalServiceType: 'INTERNATIONAL_ECONOMY' } },
    );
    assert.equal(rsOf(economy).serviceType, 'INTERNATIONAL_ECONOMY');
  });

  it('international without the X3 data read yet: customs pending, nothing built', () => {
    const b = build(torontoDelivery());
    assert.equal(b.customsPending, true);
    assert.equal(rsOf(b).customsClearanceDetail, undefined);
  });

  it('a product without harmonized code fails naming the X3 field and the product', () => {
    const products = { ...PRODUCTS, ITM000002: { ...PRODUCTS.ITM000002, CUSREF: '' } };
    const err = fails(() => build(torontoDelivery(), data(intlOrder(), products)));
    assert.equal(err.field, 'product master CUSREF of ITM000002');
    assert.match(err.message, /harmonized code missing/);
  });

  it('missing origin, price and currency are each named', () => {
    const products = { ...PRODUCTS, ITM000003: { ...PRODUCTS.ITM000003, ORICRY: undefined } };
    const order = intlOrder();
    delete order.CUR;
    (order.SORDERQ as Array<Record<string, unknown>>)[1].GROPRI = 0;
    const record = torontoDelivery();
    delete record.CUR;
    const err = fails(() => build(record, data(order, products)));
    assert.match(err.message, /currency is missing \(sales order CUR\)/);
    assert.match(
      err.message,
      /line 3000, product ITM000003: country of manufacture missing \(product master ORICRY of ITM000003\)/,
    );
    assert.match(err.message, /line 2000, product ITM000002: no customs value, unit price 0 \(sales order line GROPRI/);
  });

  it('Canadian province and postal code, Mexican state and postal code are checked', () => {
    const e1 = fails(() => build(torontoDelivery('SD1', { BPDSAT: 'PQ', BPDPOSCOD: '12345' }), data()));
    assert.equal(e1.field, 'BPDSAT');
    assert.match(e1.message, /postal code '12345' must look like A1A 1A1 \(BPDPOSCOD\)/);
    const e2 = fails(() => build(monterreyDelivery('SD2', { BPDSAT: 'XX', BPDPOSCOD: '640' }), data()));
    assert.equal(e2.field, 'BPDSAT');
    assert.match(e2.message, /5 digits \(BPDPOSCOD\)/);
  });

  it('US exports over 2,500 USD a line need the EEI ITN or exemption setting', () => {
    const order = intlOrder();
    (order.SORDERQ as Array<Record<string, unknown>>)[0].GROPRI = 1000;
    const err = fails(() => build(monterreyDelivery(), data(order)));
    assert.equal(err.field, 'exportCompliance');
    const ok = build(monterreyDelivery(), data(order), {
      customs: { ...settings().customs, exportCompliance: 'AES X20250130123456' },
    });
    assert.deepEqual(rsOf(ok).customsClearanceDetail.exportDetail, {
      exportComplianceStatement: 'AES X20250130123456',
    });
  });

  it('msg.fedex.commodities replace the derived list; documents uploaded later use POST_SHIPMENT_UPLOAD_REQUESTED', () => {
    const b = build(
      torontoDelivery('SD3', { SDELIVERYD: undefined }),
      undefined,
      { customs: { ...settings().customs, documents: 'upload-later', currency: 'CAD' } },
      {
        commodities: [
          {
            description: 'Pumps',
            quantity: 2,
            unitPrice: 100,
            currency: 'CAD',
            weight: 8,
            harmonizedCode: '841370',
            countryOfManufacture: 'us',
          },
        ],
      },
    );
    validateShipRequest(b.request, b.sources);
    const c = commoditiesOf(b);
    assert.equal(c.length, 1);
    assert.deepEqual(c[0].customsValue, { amount: 200, currency: 'CAD' });
    assert.equal(c[0].countryOfManufacture, 'US');
    assert.deepEqual(rsOf(b).shipmentSpecialServices, {
      specialServiceTypes: ['ELECTRONIC_TRADE_DOCUMENTS'],
      etdDetail: { attributes: ['POST_SHIPMENT_UPLOAD_REQUESTED'] },
    });
    assert.equal(rsOf(b).shippingDocumentSpecification, undefined);
  });

  it('a domestic delivery is built exactly as before: no customs, the node service', () => {
    const b = build(salesDelivery('SD4'));
    assert.equal(b.international, false);
    const rs = rsOf(b);
    assert.equal(rs.serviceType, 'FEDEX_GROUND');
    for (const k of ['customsClearanceDetail', 'shipmentSpecialServices', 'shippingDocumentSpecification'])
      assert.equal(rs[k], undefined, k);
  });

  it('CustomsDataReader reads each product once per reader (deploy) and the order per shipment', async () => {
    const reads: string[] = [];
    const reader = new CustomsDataReader({
      read: async (entity, key) => {
        reads.push(`${entity}:${key}`);
        return entity === 'product' ? PRODUCTS[key] : intlOrder(key);
      },
    });
    const a = await reader.load(torontoDelivery(), DEFAULT_CUSTOMS_FIELDS);
    assert.equal(a.products.size, 3);
    assert.equal((a.order as Record<string, unknown>).SOHNUM, 'SO00000077');
    await reader.load(monterreyDelivery(), DEFAULT_CUSTOMS_FIELDS);
    assert.deepEqual(reads.filter((r) => r.startsWith('product:')).sort(), [
      'product:ITM000001',
      'product:ITM000002',
      'product:ITM000003',
    ]);
    assert.equal(reads.filter((r) => r.startsWith('salesOrder:')).length, 2);
    // data on the msg: no read at all
    reads.length = 0;
    const fresh = new CustomsDataReader({ read: async () => assert.fail('no read expected') });
    const given = await fresh.load(torontoDelivery(), DEFAULT_CUSTOMS_FIELDS, {
      products: Object.values(PRODUCTS),
      salesOrder: intlOrder(),
    });
    assert.equal(given.products.size, 3);
  });
});
