// V2 JSON shapes (snake_case, `se-` string ids, ISO 8601 UTC timestamps).
import { INVENTORY_LOCATION_ID, INVENTORY_WAREHOUSE_ID, orderTotal, type ShipStationStore } from './store';
import { dateToUtcIso, formatUtcIso, wallToInstant } from './time';
import type {
  Address,
  FulfillmentRecord,
  InventoryRecord,
  OrderRecord,
  ProductRecord,
  ShipmentRecord,
  V2WebhookRecord,
  WarehouseRecord,
  Weight,
} from './types';

export const se = (id: number): string => `se-${id}`;

/** Parses `se-123` (or a bare number) back to the numeric V1 id. */
export function parseSeId(value: string): number | null {
  const match = /^(?:se-)?(\d+)$/.exec(value);
  return match ? Number(match[1]) : null;
}

/**
 * V1 orderStatus -> V2 shipment_status. The reference's mapping table is truncated [U]; open
 * orders are `pending`, delegated ones `processing`, shipped ones `label_purchased`.
 */
export function v2ShipmentStatus(orderStatus: string): string {
  switch (orderStatus) {
    case 'shipped':
      return 'label_purchased';
    case 'cancelled':
      return 'cancelled';
    case 'pending_fulfillment':
      return 'processing';
    default:
      return 'pending';
  }
}

export function v2Address(a: Address, email: string | null = null): Record<string, unknown> {
  return {
    name: a.name ?? '',
    phone: a.phone ?? '',
    email,
    company_name: a.company,
    address_line1: a.street1 ?? '',
    address_line2: a.street2,
    address_line3: a.street3,
    city_locality: a.city ?? '',
    state_province: a.state ?? '',
    postal_code: a.postalCode ?? '',
    country_code: a.country ?? '',
    address_residential_indicator: a.residential === null ? 'unknown' : a.residential ? 'yes' : 'no',
  };
}

const money = (amount: number | null): Record<string, unknown> | null =>
  amount === null ? null : { currency: 'usd', amount };

function v2Weight(weight: Weight | null): Record<string, unknown> {
  if (!weight) return { value: 0, unit: 'ounce' };
  const unit = weight.units.replace(/s$/, '');
  return { value: weight.value, unit };
}

export function v2Shipment(store: ShipStationStore, order: OrderRecord): Record<string, unknown> {
  const warehouse = store.warehouses.get(order.advancedOptions.warehouseId ?? -1);
  const shipFrom = warehouse ? v2Address(warehouse.originAddress) : null;
  return {
    shipment_id: se(order.orderId),
    carrier_id: null,
    service_code: order.serviceCode,
    shipping_rule_id: null,
    external_order_id: order.orderKey,
    items: order.items.map((item) => ({
      name: item.name,
      sales_order_id: null,
      sales_order_item_id: null,
      quantity: item.quantity,
      sku: item.sku,
      unit_price: item.unitPrice,
      external_order_id: order.orderKey,
      external_order_item_id: item.lineItemKey,
      product_id: item.productId,
      options: item.options,
      weight: item.weight ? v2Weight(item.weight) : null,
    })),
    tax_identifiers: null,
    external_shipment_id: order.orderKey,
    shipment_number: order.orderNumber,
    ship_date: order.shipDate ? dateToUtcIso(order.shipDate) : null,
    ship_by_date: order.shipByDate === null ? null : formatUtcIso(wallToInstant(order.shipByDate)),
    hold_until_date: order.holdUntilDate === null ? null : formatUtcIso(wallToInstant(order.holdUntilDate)),
    created_at: formatUtcIso(order.createDate),
    modified_at: formatUtcIso(order.modifyDate),
    shipment_status: v2ShipmentStatus(order.orderStatus),
    ship_to: v2Address(order.shipTo, order.customerEmail),
    ship_from: shipFrom,
    warehouse_id: order.advancedOptions.warehouseId === null ? null : se(order.advancedOptions.warehouseId),
    return_to: shipFrom,
    is_return: false,
    confirmation: order.confirmation ?? 'none',
    customs: null,
    advanced_options: {
      contains_alcohol: order.advancedOptions.containsAlcohol,
      non_machinable: order.advancedOptions.nonMachinable,
      saturday_delivery: order.advancedOptions.saturdayDelivery,
      custom_field1: order.advancedOptions.customField1,
      custom_field2: order.advancedOptions.customField2,
      custom_field3: order.advancedOptions.customField3,
    },
    insurance_provider: 'none',
    tags: [],
    order_source_code: order.advancedOptions.source,
    store_id: order.advancedOptions.storeId,
    packages: [],
    total_weight: v2Weight(order.weight),
    comparison_rate_type: null,
    amount_paid: money(order.amountPaid),
    shipping_paid: money(order.shippingAmount),
    tax_paid: money(order.taxAmount),
    order_total: money(orderTotal(order)),
    notes_from_buyer: order.customerNotes,
    notes_for_gift: order.giftMessage,
    is_gift: order.gift,
  };
}

export function v2Label(base: string, shipment: ShipmentRecord): Record<string, unknown> {
  const id = se(shipment.shipmentId);
  return {
    label_id: id,
    status: shipment.voided ? 'voided' : 'completed',
    shipment_id: se(shipment.orderId),
    external_shipment_id: shipment.orderKey,
    external_order_id: shipment.orderKey,
    ship_date: dateToUtcIso(shipment.shipDate),
    created_at: formatUtcIso(shipment.createDate),
    shipment_cost: { currency: 'usd', amount: shipment.shipmentCost },
    insurance_cost: { currency: 'usd', amount: shipment.insuranceCost },
    tracking_number: shipment.trackingNumber,
    is_return_label: shipment.isReturnLabel,
    rma_number: null,
    is_international: (shipment.shipTo.country ?? 'US') !== 'US',
    batch_id: '',
    carrier_id: `se-${shipment.carrierCode}`,
    service_code: shipment.serviceCode,
    package_code: shipment.packageCode,
    voided: shipment.voided,
    voided_at: shipment.voidDate === null ? null : formatUtcIso(shipment.voidDate),
    label_format: 'pdf',
    display_scheme: 'label',
    label_layout: '4x6',
    trackable: true,
    label_image_id: null,
    carrier_code: shipment.carrierCode,
    confirmation: shipment.confirmation,
    tracking_status: shipment.voided ? 'unknown' : 'in_transit',
    label_download: {
      href: `${base}/v2/downloads/10/${id}/label-${shipment.shipmentId}.pdf`,
      pdf: `${base}/v2/downloads/10/${id}/label-${shipment.shipmentId}.pdf`,
      png: `${base}/v2/downloads/10/${id}/label-${shipment.shipmentId}.png`,
      zpl: `${base}/v2/downloads/10/${id}/label-${shipment.shipmentId}.zpl`,
    },
    form_download: null,
    insurance_claim: null,
    packages: [
      {
        package_code: shipment.packageCode,
        weight: v2Weight(shipment.weight),
        tracking_number: shipment.trackingNumber,
      },
    ],
  };
}

export function v2Tracking(shipment: ShipmentRecord): Record<string, unknown> {
  return {
    tracking_number: shipment.trackingNumber,
    status_code: shipment.voided ? 'UN' : 'IT',
    status_description: shipment.voided ? 'Unknown' : 'In Transit',
    carrier_status_code: shipment.voided ? null : 'IT',
    carrier_status_description: shipment.voided ? null : 'Package in transit',
    carrier_code: shipment.carrierCode,
    ship_date: dateToUtcIso(shipment.shipDate),
    estimated_delivery_date: null,
    actual_delivery_date: null,
    exception_description: null,
    events: shipment.voided
      ? []
      : [
          {
            occurred_at: formatUtcIso(shipment.createDate),
            carrier_occurred_at: formatUtcIso(shipment.createDate),
            description: 'Shipping label created',
            city_locality: '',
            state_province: '',
            postal_code: '',
            country_code: '',
            company_name: '',
            signer: '',
            event_code: 'AC',
            status_code: 'AC',
            carrier_status_code: 'AC',
          },
        ],
  };
}

export function v2Fulfillment(f: FulfillmentRecord): Record<string, unknown> {
  return {
    fulfillment_id: se(f.fulfillmentId),
    shipment_id: se(f.orderId),
    shipment_number: f.orderNumber,
    user_id: f.userId,
    tracking_number: f.trackingNumber,
    created_at: formatUtcIso(f.createDate),
    ship_date: dateToUtcIso(f.shipDate),
    voided: f.voided,
    voided_at: f.voidDate === null ? null : formatUtcIso(f.voidDate),
    delivered_at: f.deliveryDate === null ? null : formatUtcIso(f.deliveryDate),
    carrier_code: f.carrierCode,
    fulfillment_provider_code: f.fulfillmentProviderCode,
    fulfillment_service_code: f.fulfillmentServiceCode,
    fulfillment_fee: { currency: 'usd', amount: f.fulfillmentFee },
    void_requested: f.voidRequested,
    order_source_notified: f.marketplaceNotified,
    notification_error_message: f.notifyErrorMessage,
    ship_to: v2Address(f.shipTo),
  };
}

export function v2Product(p: ProductRecord): Record<string, unknown> {
  return {
    product_id: p.productId,
    sku: p.sku,
    name: p.name,
    upc: p.upc,
    thumbnail_url: null,
    price: { currency: 'usd', amount: p.price ?? 0 },
    dimensions: { unit: 'inch', length: p.length ?? 0, width: p.width ?? 0, height: p.height ?? 0 },
    weight: { value: p.weightOz ?? 0, unit: 'ounce' },
    internal_notes: p.internalNotes,
    fulfillment_sku: p.fulfillmentSku,
    create_date: formatUtcIso(p.createDate),
    modify_date: formatUtcIso(p.modifyDate),
    active: p.active,
    product_category: p.productCategory
      ? { product_category_id: p.productCategory.categoryId, name: p.productCategory.name }
      : null,
    warehouse_location: p.warehouseLocation,
    default_carrier_code: p.defaultCarrierCode,
    default_service_code: p.defaultServiceCode,
    default_package_code: p.defaultPackageCode,
    default_confirmation: p.defaultConfirmation,
    customs_description: p.customsDescription,
    customs_value: p.customsValue,
    customs_tariff_no: p.customsTariffNo,
    customs_country_code: p.customsCountryCode,
    no_customs: p.noCustoms ?? false,
    tags: p.tags ? p.tags.map((t) => ({ tag_id: t.tagId, name: t.name })) : null,
  };
}

export function v2Inventory(row: InventoryRecord, allocated: number): Record<string, unknown> {
  return {
    sku: row.sku,
    on_hand: row.onHand,
    allocated,
    available: row.onHand - allocated,
    average_cost: row.averageCost,
    inventory_warehouse_id: row.inventoryWarehouseId,
    inventory_location_id: row.inventoryLocationId,
  };
}

export function v2InventoryWarehouse(createdAt: number): Record<string, unknown> {
  return {
    inventory_warehouse_id: INVENTORY_WAREHOUSE_ID,
    name: 'Main inventory warehouse',
    created_at: formatUtcIso(createdAt),
    updated_at: formatUtcIso(createdAt),
  };
}

export function v2InventoryLocation(createdAt: number): Record<string, unknown> {
  return {
    inventory_location_id: INVENTORY_LOCATION_ID,
    name: 'Bin A-1',
    inventory_warehouse_id: INVENTORY_WAREHOUSE_ID,
    created_at: formatUtcIso(createdAt),
    updated_at: formatUtcIso(createdAt),
  };
}

export function v2Warehouse(w: WarehouseRecord): Record<string, unknown> {
  return {
    warehouse_id: se(w.warehouseId),
    is_default: w.isDefault,
    name: w.warehouseName,
    created_at: formatUtcIso(w.createDate),
    origin_address: v2Address(w.originAddress),
    return_address: v2Address(w.originAddress),
  };
}

export function v2Webhook(hook: V2WebhookRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    webhook_id: hook.webhookId,
    url: hook.url,
    event: hook.event,
    headers: hook.headers,
  };
  if (hook.name !== null) out.name = hook.name;
  if (hook.storeId !== null) out.store_id = hook.storeId;
  return out;
}
