/**
 * The simulated X3 dictionary: one definition per entity, with each field's name on every face
 * (X3 dictionary name for REST api1 and SOAP, camelCase property for GraphQL). The record store
 * keeps X3 dictionary names; the GraphQL face is derived from these maps, so both faces always
 * show the same record.
 *
 * Names come from /work/shared/reference/sage-x3-api.md (sections 3.4, 4.3, 6). Names that the
 * reference does not confirm are listed as such in sim/x3/README.md.
 */

export type EntityName = 'salesOrder' | 'salesDelivery' | 'purchaseOrder' | 'customer' | 'product' | 'stock';

export const ENTITY_NAMES: readonly EntityName[] = [
  'salesOrder',
  'salesDelivery',
  'purchaseOrder',
  'customer',
  'product',
  'stock',
];

/** Entities with a classic SOAP publication (stock has none: it changes through stock transactions). */
export type PublishedEntityName = Exclude<EntityName, 'stock'>;

export function isEntityName(value: unknown): value is EntityName {
  return typeof value === 'string' && (ENTITY_NAMES as readonly string[]).includes(value);
}

export type FieldKind = 'string' | 'int' | 'decimal' | 'date' | 'datetime' | 'menu' | 'ref';

/** Reference targets. The first three resolve to stored entities; the rest to small lookup tables. */
export type RefKind =
  | 'customer'
  | 'product'
  | 'salesOrder'
  | 'site'
  | 'supplier'
  | 'currency'
  | 'country'
  | 'unit'
  | 'carrier'
  | 'deliveryMode'
  | 'orderType'
  | 'address'
  | 'category'
  | 'salesInvoice';

export const ENTITY_REFS: Partial<Record<RefKind, EntityName>> = {
  customer: 'customer',
  product: 'product',
  salesOrder: 'salesOrder',
};

export type LookupKind = Exclude<RefKind, 'customer' | 'product' | 'salesOrder'>;

export interface FieldSpec {
  /** X3 dictionary name (REST api1 property, SOAP FLD NAME). */
  x3: string;
  /** GraphQL property name. */
  gql: string;
  kind: FieldKind;
  title: string;
  maxLength?: number;
  /** Local menu: X3 stores 1..n, GraphQL shows these enum names in that order. */
  menu?: readonly string[];
  /** Labels of the local menu (SOAP MENULAB), same order as `menu`. */
  menuLabels?: readonly string[];
  ref?: RefKind;
  /** Dimensioned field (X3 array): REST JSON array, SOAP LST/ITM, GraphQL sub-node collection. */
  dim?: number;
  /** Property of the GraphQL sub-node holding one element of a dimensioned field. */
  dimProperty?: 'addressLine' | 'companyName';
  /** SOAP group (GRP ID) of a header field; lines use the TAB id of their line definition. */
  soapGroup: string;
  /** Maintained by X3 itself (stamps, process statuses): never writable through any face. */
  readOnly?: boolean;
  /** Required on create. */
  mandatory?: boolean;
  /** Default on create when absent. */
  defaultValue?: string | number;
  /**
   * GraphQL face of a dimensioned field as one scalar property per element instead of a
   * sub-node collection (some releases: `shipToCustomerAddressLine1..3`), schema-variants.ts.
   */
  gqlParts?: readonly string[];
  /** Not exposed on the GraphQL face in this schema variant (REST and SOAP still have it). */
  gqlAbsent?: boolean;
  /** GraphQL description of the property (default: the title). */
  gqlDescription?: string;
}

export interface LineDef {
  /** Child array name in REST details/edit payloads. */
  restName: string;
  /** GraphQL collection property on the parent node. */
  gqlName: string;
  /** GraphQL type of one line. */
  gqlType: string;
  /** SOAP TAB ID. */
  soapTab: string;
  /** Line number field (X3 dictionary name). */
  lineKey: string;
  fields: FieldSpec[];
}

export interface EntityDef {
  name: EntityName;
  /** REST class; the standard representation has the same name. */
  restClass: string;
  /**
   * Key field (X3 dictionary name); also GraphQL `_id`. For a composite key this is the key's
   * display form (`STOFCY~ITMREF`) and `keyFields` lists the fields.
   */
  key: string;
  /** Fields of a composite key, joined with `~` as api1 does (`STOCK('NA011~ITM000001')`). */
  keyFields?: readonly string[];
  gqlPackage: 'Sales' | 'Purchasing' | 'MasterData' | 'StockData';
  gqlNode: string;
  gqlType: string;
  /** Default SOAP publication name (configurable per sim). */
  soapPublication: string;
  /** Classic (non class-based) object: api1 writes are refused when `refuseClassicRestWrites`. */
  classic: boolean;
  /** Maintained only by X3 transactions (stock): no face writes it directly, whatever the knobs. */
  transactionOnly?: boolean;
  gqlMutations: ReadonlyArray<'create' | 'update'>;
  /** Number format for created keys: prefix + zero-padded counter. */
  numbering: { prefix: string; width: number };
  fields: FieldSpec[];
  lines?: LineDef;
}

/** A site-specific (custom) field added with X3 Builder, e.g. the tracking-number target. */
export interface CustomFieldSpec {
  x3: string;
  gql: string;
  title: string;
  maxLength: number;
  /** SOAP group that carries it; defaults to the entity's carrier/shipping group. */
  soapGroup?: string;
}

export const STAMP_CREATE = 'CREDATTIM';
export const STAMP_UPDATE = 'UPDDATTIM';

const YES_NO = ['no', 'yes'] as const;
const YES_NO_LABELS = ['No', 'Yes'] as const;

function stamps(group: string): FieldSpec[] {
  return [
    {
      x3: STAMP_CREATE,
      gql: '_createStamp',
      kind: 'datetime',
      title: 'Creation date/time',
      soapGroup: group,
      readOnly: true,
    },
    {
      x3: STAMP_UPDATE,
      gql: '_updateStamp',
      kind: 'datetime',
      title: 'Update date/time',
      soapGroup: group,
      readOnly: true,
    },
  ];
}

function str(
  x3: string,
  gql: string,
  title: string,
  soapGroup: string,
  maxLength: number,
  extra: Partial<FieldSpec> = {},
): FieldSpec {
  return { x3, gql, kind: 'string', title, soapGroup, maxLength, ...extra };
}

function ref(
  x3: string,
  gql: string,
  title: string,
  soapGroup: string,
  target: RefKind,
  maxLength: number,
  extra: Partial<FieldSpec> = {},
): FieldSpec {
  return { x3, gql, kind: 'ref', ref: target, title, soapGroup, maxLength, ...extra };
}

function shipToAddress(group: string, prefix: 'BPD' | 'BPO', gqlPrefix: string): FieldSpec[] {
  return [
    str(`${prefix}NAM`, `${gqlPrefix}CompanyNames`, 'Name', group, 35, { dim: 2, dimProperty: 'companyName' }),
    str(`${prefix}ADDLIG`, `${gqlPrefix}AddressLines`, 'Address lines', group, 50, {
      dim: 3,
      dimProperty: 'addressLine',
    }),
    str(`${prefix}POSCOD`, `${gqlPrefix}PostalCode`, 'Postal code', group, 10),
    str(`${prefix}CTY`, `${gqlPrefix}City`, 'City', group, 40),
    str(`${prefix}SAT`, `${gqlPrefix}State`, 'State/County', group, 35),
    ref(`${prefix}CRY`, `${gqlPrefix}Country`, 'Country', group, 'country', 3),
    str(`${prefix}CRYNAM`, `${gqlPrefix}CountryName`, 'Country name', group, 40),
    str(`${prefix}TEL`, `${gqlPrefix}Telephone`, 'Telephone', group, 20),
    str(`${prefix}WEB`, `${gqlPrefix}Email`, 'Email', group, 80),
  ];
}

function customFields(list: readonly CustomFieldSpec[], defaultGroup: string): FieldSpec[] {
  return list.map((c) => str(c.x3, c.gql, c.title, c.soapGroup ?? defaultGroup, c.maxLength));
}

export const DEFAULT_CUSTOM_FIELDS: Readonly<
  Record<'salesOrder' | 'salesDelivery' | 'purchaseOrder' | 'product', readonly CustomFieldSpec[]>
> = {
  salesOrder: [
    { x3: 'YTRACKNUM', gql: 'yTrackingNumber', title: 'Tracking number', maxLength: 40 },
    { x3: 'YTRKSTA', gql: 'yTrackingStatus', title: 'Shipping status', maxLength: 30 },
  ],
  salesDelivery: [
    { x3: 'YTRACKNUM', gql: 'yTrackingNumber', title: 'Tracking number', maxLength: 40 },
    { x3: 'YTRKSTA', gql: 'yTrackingStatus', title: 'Shipping status', maxLength: 30 },
    // where the shipping label is (a path on a share X3 reads, or a download URL)
    { x3: 'YLABEL', gql: 'yLabel', title: 'Shipping label', maxLength: 250 },
  ],
  purchaseOrder: [
    { x3: 'YTRACKNUM', gql: 'yTrackingNumber', title: 'Tracking number', maxLength: 40 },
    { x3: 'YTRKSTA', gql: 'yTrackingStatus', title: 'Shipping status', maxLength: 30 },
  ],
  // Installations keep a product's customs code and origin country in fields of their own
  // (names differ per installation): none by default, e.g. [{x3: 'CUSREF', gql: 'yCustomsCode', …}].
  product: [],
};

export type CustomFieldOptions = Partial<
  Record<'salesOrder' | 'salesDelivery' | 'purchaseOrder' | 'product', readonly CustomFieldSpec[]>
>;

/** Builds the dictionary for one simulator instance (custom fields differ per install). */
export function buildEntityDefs(custom: CustomFieldOptions = {}): Record<EntityName, EntityDef> {
  const cf = { ...DEFAULT_CUSTOM_FIELDS, ...custom };
  const salesOrder: EntityDef = {
    name: 'salesOrder',
    restClass: 'SORDER',
    key: 'SOHNUM',
    gqlPackage: 'Sales',
    gqlNode: 'salesOrder',
    gqlType: 'SalesOrder',
    soapPublication: 'SOH',
    classic: true,
    gqlMutations: ['create'],
    numbering: { prefix: 'SO', width: 8 },
    fields: [
      ref('SALFCY', 'salesSite', 'Sales site', 'SOH0_1', 'site', 5, { mandatory: true }),
      ref('SOHTYP', 'orderType', 'Order type', 'SOH0_1', 'orderType', 5, { defaultValue: 'SON' }),
      str('SOHNUM', 'id', 'Order no.', 'SOH0_1', 20),
      ref('BPCORD', 'soldToCustomer', 'Sold-to', 'SOH0_1', 'customer', 15, { mandatory: true }),
      { x3: 'ORDDAT', gql: 'orderDate', kind: 'date', title: 'Order date', soapGroup: 'SOH0_1' },
      str('CUSORDREF', 'customerOrderReference', 'Customer order ref.', 'SOH0_1', 30),
      ref('CUR', 'currency', 'Currency', 'SOH0_1', 'currency', 3, { defaultValue: 'USD' }),
      ref('BPCINV', 'billToCustomer', 'Bill-to customer', 'SOH1_1', 'customer', 15),
      ref('BPAADD', 'shipToCustomerAddress', 'Ship-to address', 'SOH1_1', 'address', 5),
      ...shipToAddress('SOH1_1', 'BPD', 'shipToCustomer'),
      ref('STOFCY', 'shippingSite', 'Shipping site', 'SOH2_1', 'site', 5),
      {
        x3: 'DEMDLVDAT',
        gql: 'requestedDeliveryDate',
        kind: 'date',
        title: 'Requested delivery date',
        soapGroup: 'SOH2_1',
      },
      { x3: 'SHIDAT', gql: 'shipmentDate', kind: 'date', title: 'Shipment date', soapGroup: 'SOH2_1' },
      ref('BPTNUM', 'carrier', 'Carrier', 'SOH2_1', 'carrier', 15),
      ref('MDL', 'deliveryMode', 'Delivery mode', 'SOH2_1', 'deliveryMode', 3),
      ...customFields(cf.salesOrder, 'SOH2_1'),
      {
        x3: 'ORDSTA',
        gql: 'orderStatus',
        kind: 'menu',
        menu: ['open', 'closed'],
        menuLabels: ['Open', 'Closed'],
        title: 'Order status',
        soapGroup: 'SOH3_1',
        readOnly: true,
        defaultValue: 1,
      },
      {
        x3: 'DLVSTA',
        gql: 'deliveryStatus',
        kind: 'menu',
        menu: ['notDelivered', 'partlyDelivered', 'delivered'],
        menuLabels: ['Not delivered', 'Partly delivered', 'Delivered'],
        title: 'Delivery status',
        soapGroup: 'SOH3_1',
        readOnly: true,
        defaultValue: 1,
      },
      {
        x3: 'INVSTA',
        gql: 'invoiceStatus',
        kind: 'menu',
        menu: ['notInvoiced', 'partlyInvoiced', 'invoiced'],
        menuLabels: ['Not invoiced', 'Partly invoiced', 'Invoiced'],
        title: 'Invoice status',
        soapGroup: 'SOH3_1',
        readOnly: true,
        defaultValue: 1,
      },
      {
        x3: 'ORDINVATI',
        gql: 'totalAmountIncludingTax',
        kind: 'decimal',
        title: 'Order total incl. tax',
        soapGroup: 'SOH3_1',
        readOnly: true,
      },
      ...stamps('SOH3_1'),
    ],
    lines: {
      restName: 'SORDERQ',
      gqlName: 'lines',
      gqlType: 'SalesOrderLine',
      soapTab: 'SOH4_1',
      lineKey: 'SOPLIN',
      fields: [
        { x3: 'SOPLIN', gql: 'lineNumber', kind: 'int', title: 'Line', soapGroup: 'SOH4_1' },
        ref('ITMREF', 'product', 'Product', 'SOH4_1', 'product', 20, { mandatory: true }),
        str('ITMDES1', 'productDescription', 'Description', 'SOH4_1', 30),
        ref('SAU', 'salesUnit', 'Sales unit', 'SOH4_1', 'unit', 3, { defaultValue: 'UN' }),
        {
          x3: 'QTY',
          gql: 'quantityInSalesUnitOrdered',
          kind: 'decimal',
          title: 'Ordered qty.',
          soapGroup: 'SOH4_1',
          mandatory: true,
        },
        { x3: 'GROPRI', gql: 'grossPrice', kind: 'decimal', title: 'Gross price', soapGroup: 'SOH4_1' },
        {
          // SORDERQ.DLVQTY: raised by deliveries created from the order
          x3: 'DLVQTY',
          gql: 'quantityInSalesUnitDelivered',
          kind: 'decimal',
          title: 'Delivered qty.',
          soapGroup: 'SOH4_1',
          readOnly: true,
        },
      ],
    },
  };

  const salesDelivery: EntityDef = {
    name: 'salesDelivery',
    restClass: 'SDELIVERY',
    key: 'SDHNUM',
    gqlPackage: 'Sales',
    gqlNode: 'salesDelivery',
    gqlType: 'SalesDelivery',
    soapPublication: 'SDH',
    classic: true,
    gqlMutations: [],
    numbering: { prefix: 'SD', width: 8 },
    fields: [
      ref('STOFCY', 'shippingSite', 'Shipping site', 'SDH0_1', 'site', 5, { mandatory: true }),
      str('SDHNUM', 'id', 'Delivery no.', 'SDH0_1', 20),
      ref('SALFCY', 'salesSite', 'Sales site', 'SDH0_1', 'site', 5),
      ref('BPCORD', 'soldToCustomer', 'Customer', 'SDH0_1', 'customer', 15, { mandatory: true }),
      ref('SOHNUM', 'salesOrder', 'Order no.', 'SDH0_1', 'salesOrder', 20),
      { x3: 'SHIDAT', gql: 'shipmentDate', kind: 'date', title: 'Shipment date', soapGroup: 'SDH0_1' },
      { x3: 'DLVDAT', gql: 'deliveryDate', kind: 'date', title: 'Delivery date', soapGroup: 'SDH0_1' },
      {
        x3: 'CFMFLG',
        gql: 'isValidated',
        kind: 'menu',
        menu: YES_NO,
        menuLabels: YES_NO_LABELS,
        title: 'Validated',
        soapGroup: 'SDH0_1',
        readOnly: true,
        defaultValue: 1,
      },
      ref('BPCINV', 'billToCustomer', 'Bill-to customer', 'SDH1_1', 'customer', 15),
      ref('BPAADD', 'shipToCustomerAddress', 'Ship-to address', 'SDH1_1', 'address', 5),
      ...shipToAddress('SDH1_1', 'BPD', 'shipToCustomer'),
      ref('BPTNUM', 'carrier', 'Carrier', 'SDH2_1', 'carrier', 15),
      ref('MDL', 'deliveryMode', 'Delivery mode', 'SDH2_1', 'deliveryMode', 3),
      str('BOLNUM', 'billOfLadingNumber', 'BOL number', 'SDH2_1', 30),
      str('LBENUM', 'labelNumber', 'Label no.', 'SDH2_1', 10),
      { x3: 'PACNBR', gql: 'numberOfPackages', kind: 'int', title: 'Number of packages', soapGroup: 'SDH2_1' },
      { x3: 'GROWEI', gql: 'grossWeight', kind: 'decimal', title: 'Gross weight', soapGroup: 'SDH2_1' },
      ref('WEU', 'weightUnit', 'Weight unit', 'SDH2_1', 'unit', 3, { defaultValue: 'LB' }),
      ...customFields(cf.salesDelivery, 'SDH2_1'),
      ref('SIHNUM', 'salesInvoice', 'Invoice', 'SDH3_1', 'salesInvoice', 20, { readOnly: true }),
      ...stamps('SDH3_1'),
    ],
    lines: {
      restName: 'SDELIVERYD',
      gqlName: 'lines',
      gqlType: 'SalesDeliveryLine',
      soapTab: 'SDH4_1',
      lineKey: 'SDDLIN',
      fields: [
        { x3: 'SDDLIN', gql: 'lineNumber', kind: 'int', title: 'Line', soapGroup: 'SDH4_1' },
        ref('SOHNUM', 'salesOrder', 'Order no.', 'SDH4_1', 'salesOrder', 20),
        { x3: 'SOPLIN', gql: 'salesOrderLineNumber', kind: 'int', title: 'Order line', soapGroup: 'SDH4_1' },
        ref('ITMREF', 'product', 'Product', 'SDH4_1', 'product', 20, { mandatory: true }),
        str('ITMDES1', 'productDescription', 'Description', 'SDH4_1', 30),
        ref('SAU', 'salesUnit', 'Sales unit', 'SDH4_1', 'unit', 3, { defaultValue: 'UN' }),
        {
          x3: 'QTY',
          gql: 'quantityInSalesUnitDelivered',
          kind: 'decimal',
          title: 'Delivered qty.',
          soapGroup: 'SDH4_1',
          mandatory: true,
        },
      ],
    },
  };

  const purchaseOrder: EntityDef = {
    name: 'purchaseOrder',
    restClass: 'PORDER',
    key: 'POHNUM',
    gqlPackage: 'Purchasing',
    gqlNode: 'purchaseOrder',
    gqlType: 'PurchaseOrder',
    soapPublication: 'POH',
    classic: true,
    gqlMutations: [],
    numbering: { prefix: 'PO', width: 8 },
    fields: [
      ref('POHFCY', 'purchaseSite', 'Order site', 'POH0_1', 'site', 5, { mandatory: true }),
      str('POHNUM', 'id', 'Order no.', 'POH0_1', 20),
      ref('BPSNUM', 'orderFromSupplier', 'Supplier', 'POH0_1', 'supplier', 15, { mandatory: true }),
      { x3: 'ORDDAT', gql: 'orderDate', kind: 'date', title: 'Order date', soapGroup: 'POH0_1' },
      str('ORDREF', 'internalOrderReference', 'Int. order ref.', 'POH0_1', 20),
      ref('CUR', 'currency', 'Currency', 'POH0_1', 'currency', 3, { defaultValue: 'USD' }),
      ref('PRHFCY', 'receiptSite', 'Receiving site', 'POH0_1', 'site', 5),
      ...shipToAddress('POH1_1', 'BPO', 'shipFromSupplier'),
      ref('BPTNUM', 'carrier', 'Carrier', 'POH2_1', 'carrier', 15),
      ...customFields(cf.purchaseOrder, 'POH2_1'),
      {
        x3: 'RCPFLG',
        gql: 'receiptStatus',
        kind: 'menu',
        menu: ['no', 'partly', 'totally'],
        menuLabels: ['No', 'Partly', 'Totally'],
        title: 'Received',
        soapGroup: 'POH3_1',
        readOnly: true,
        defaultValue: 1,
      },
      {
        x3: 'APPFLG',
        gql: 'signatureStatus',
        kind: 'menu',
        menu: ['no', 'partly', 'totally', 'notManaged'],
        menuLabels: ['No', 'Partly', 'Totally', 'Not managed'],
        title: 'Signed',
        soapGroup: 'POH3_1',
        readOnly: true,
        defaultValue: 4,
      },
      {
        x3: 'CLEFLG',
        gql: 'isClosed',
        kind: 'menu',
        menu: YES_NO,
        menuLabels: YES_NO_LABELS,
        title: 'Closed',
        soapGroup: 'POH3_1',
        readOnly: true,
        defaultValue: 1,
      },
      ...stamps('POH3_1'),
    ],
    lines: {
      restName: 'PORDERQ',
      gqlName: 'purchaseOrderLines',
      gqlType: 'PurchaseOrderLine',
      soapTab: 'POH4_1',
      lineKey: 'POPLIN',
      fields: [
        { x3: 'POPLIN', gql: 'lineNumber', kind: 'int', title: 'Line', soapGroup: 'POH4_1' },
        ref('ITMREF', 'product', 'Product', 'POH4_1', 'product', 20, { mandatory: true }),
        str('ITMDES', 'productDescription', 'Description', 'POH4_1', 30),
        ref('UOM', 'orderUnit', 'Purchase unit', 'POH4_1', 'unit', 3, { defaultValue: 'UN' }),
        {
          x3: 'QTYUOM',
          gql: 'quantityInOrderUnitOrdered',
          kind: 'decimal',
          title: 'Ordered qty.',
          soapGroup: 'POH4_1',
          mandatory: true,
        },
        {
          x3: 'RCPQTYSTU',
          gql: 'quantityInStockUnitReceived',
          kind: 'decimal',
          title: 'Received qty. (STK)',
          soapGroup: 'POH4_1',
          readOnly: true,
        },
        { x3: 'NETPRI', gql: 'netPrice', kind: 'decimal', title: 'Net price', soapGroup: 'POH4_1' },
      ],
    },
  };

  const customer: EntityDef = {
    name: 'customer',
    restClass: 'BPCUSTOMER',
    key: 'BPCNUM',
    gqlPackage: 'MasterData',
    gqlNode: 'customer',
    gqlType: 'Customer',
    soapPublication: 'BPC',
    classic: false,
    gqlMutations: ['create', 'update'],
    numbering: { prefix: 'C', width: 6 },
    fields: [
      str('BPCNUM', 'code', 'Customer', 'BPC0_1', 15),
      str('BPCNAM', 'companyName', 'Company name', 'BPC0_1', 35, { mandatory: true }),
      str('BPCSHO', 'shortCompanyName', 'Short title', 'BPC0_1', 10),
      ref('BCGCOD', 'customerCategory', 'Category', 'BPC0_1', 'category', 5, { defaultValue: 'COM' }),
      ref('CUR', 'currency', 'Currency', 'BPC0_1', 'currency', 3, { defaultValue: 'USD' }),
      {
        x3: 'BPCSTA',
        gql: 'isActive',
        kind: 'menu',
        menu: YES_NO,
        menuLabels: YES_NO_LABELS,
        title: 'Active',
        soapGroup: 'BPC0_1',
        defaultValue: 2,
      },
      str('BPAADD', 'defaultAddress', 'Default address', 'BPC1_1', 5, { defaultValue: 'MAIN' }),
      str('BPAADDLIG', 'addressLines', 'Address lines', 'BPC1_1', 50, { dim: 3, dimProperty: 'addressLine' }),
      str('POSCOD', 'postalCode', 'Postal code', 'BPC1_1', 10),
      str('CTY', 'city', 'City', 'BPC1_1', 40),
      str('SAT', 'state', 'State/County', 'BPC1_1', 35),
      ref('CRY', 'country', 'Country', 'BPC1_1', 'country', 3),
      str('TEL', 'telephone', 'Telephone', 'BPC1_1', 20),
      str('WEB', 'email', 'Email', 'BPC1_1', 80),
      ...stamps('BPC3_1'),
    ],
  };

  const product: EntityDef = {
    name: 'product',
    restClass: 'ITMMASTER',
    key: 'ITMREF',
    gqlPackage: 'MasterData',
    gqlNode: 'product',
    gqlType: 'Product',
    soapPublication: 'ITM',
    classic: false,
    gqlMutations: ['create', 'update'],
    numbering: { prefix: 'ITM', width: 6 },
    fields: [
      str('ITMREF', 'code', 'Product', 'ITM0_1', 20),
      str('DES1AXX', 'description1', 'Description', 'ITM0_1', 30, { mandatory: true }),
      str('DES2AXX', 'description2', 'Description 2', 'ITM0_1', 30),
      ref('TCLCOD', 'productCategory', 'Category', 'ITM0_1', 'category', 5, { defaultValue: 'GEN' }),
      {
        x3: 'ITMSTA',
        gql: 'productStatus',
        kind: 'menu',
        menu: ['active', 'inDevelopment', 'onShortage', 'notRenewed', 'obsolete', 'notUsable'],
        menuLabels: ['Active', 'In development', 'On shortage', 'Not renewed', 'Obsolete', 'Not usable'],
        title: 'Status',
        soapGroup: 'ITM0_1',
        defaultValue: 1,
      },
      str('EANCOD', 'eanCode', 'EAN code', 'ITM0_1', 20),
      ref('STU', 'stockUnit', 'Stock unit', 'ITM1_1', 'unit', 3, { defaultValue: 'UN' }),
      ref('SAU', 'salesUnit', 'Sales unit', 'ITM1_1', 'unit', 3, { defaultValue: 'UN' }),
      { x3: 'BASPRI', gql: 'basePrice', kind: 'decimal', title: 'Base price', soapGroup: 'ITM1_1' },
      { x3: 'ITMWEI', gql: 'weight', kind: 'decimal', title: 'Product weight', soapGroup: 'ITM1_1' },
      ref('WEU', 'weightUnit', 'Weight unit', 'ITM1_1', 'unit', 3, { defaultValue: 'LB' }),
      ...customFields(cf.product, 'ITM1_1'),
      ...stamps('ITM3_1'),
    ],
  };

  // One row per product and site (the sim has no lots, locations or statuses): X3's STOCK table
  // is finer grained, see sim/x3/README.md.
  const stock: EntityDef = {
    name: 'stock',
    restClass: 'STOCK',
    key: 'STOFCY~ITMREF',
    keyFields: ['STOFCY', 'ITMREF'],
    gqlPackage: 'StockData',
    gqlNode: 'stock',
    gqlType: 'Stock',
    soapPublication: '',
    classic: false,
    transactionOnly: true,
    gqlMutations: [],
    numbering: { prefix: '', width: 0 },
    fields: [
      ref('STOFCY', 'stockSite', 'Site', 'STO0_1', 'site', 5, { mandatory: true }),
      ref('ITMREF', 'product', 'Product', 'STO0_1', 'product', 20, { mandatory: true }),
      ref('STU', 'stockUnit', 'Stock unit', 'STO0_1', 'unit', 3, { defaultValue: 'UN' }),
      {
        x3: 'QTYSTU',
        gql: 'quantityInStockUnit',
        kind: 'decimal',
        title: 'Quantity (STK)',
        soapGroup: 'STO0_1',
        readOnly: true,
      },
      { x3: 'LASISSDAT', gql: 'lastIssueDate', kind: 'date', title: 'Last issue', soapGroup: 'STO0_1', readOnly: true },
      ...stamps('STO1_1'),
    ],
  };

  return { salesOrder, salesDelivery, purchaseOrder, customer, product, stock };
}

/** The fields making up an entity's key (one, or several for a composite key). */
export function keyFieldsOf(def: EntityDef): readonly string[] {
  return def.keyFields ?? [def.key];
}

/** The record key held by `values`: the key field, or the composite parts joined with `~`. */
export function keyFromValues(def: EntityDef, values: Readonly<Record<string, unknown>>): string {
  return keyFieldsOf(def)
    .map((f) => {
      const v = values[f];
      return typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : String(v);
    })
    .join('~');
}

export function findField(def: EntityDef, x3: string): FieldSpec | undefined {
  return def.fields.find((f) => f.x3 === x3);
}

export function findFieldByGql(fields: readonly FieldSpec[], gql: string): FieldSpec | undefined {
  return fields.find((f) => f.gql === gql);
}
