import { strict as assert } from 'assert';
import { XMLBuilder } from 'fast-xml-parser';
import { ValidationError } from '../../../nodes/core/errors';
import { isObj, type Obj } from '../../../nodes/core/plain-object';
import {
  EntityCatalogue,
  linesOf,
  soapGroupOf,
  type EntityDefinition,
  type X3Record,
} from '../../../nodes/x3/entities';
import { buildParamXml, buildRunInputXml, buildSoapEnvelope, type SoapRequest } from '../../../nodes/x3/soap';

/*
 * The requests as fast-xml-parser's builder wrote them before the templates (copied from
 * nodes/x3/soap.ts as it was): X3 must receive the same bytes.
 */
const NS_SOAPENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const NS_WSS = 'http://www.adonix.com/WSS';
const ENCODING = 'http://schemas.xmlsoap.org/soap/encoding/';
const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  suppressEmptyNode: false,
  processEntities: true,
});
// XML 1.0 cannot carry most control characters even escaped: X3 would reject the envelope.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const typed = (type: string, value: string | number): Record<string, unknown> => ({
  '@_xsi:type': type,
  '#text': typeof value === 'string' ? value.replace(INVALID_XML_CHARS, '') : value,
});

function builderEnvelope(req: SoapRequest): string {
  const op: Record<string, unknown> = {
    '@_soapenv:encodingStyle': ENCODING,
    callContext: {
      '@_xsi:type': 'wss:CAdxCallContext',
      codeLang: typed('xsd:string', req.context.codeLang),
      poolAlias: typed('xsd:string', req.context.poolAlias),
      poolId: typed('xsd:string', req.context.poolId ?? ''),
      requestConfig: typed('xsd:string', req.context.requestConfig ?? ''),
    },
    publicName: typed('xsd:string', req.publicName),
  };
  if (req.keys) {
    op.objectKeys = {
      '@_xsi:type': 'wss:ArrayOfCAdxParamKeyValue',
      '@_soapenc:arrayType': `wss:CAdxParamKeyValue[${req.keys.length}]`,
      CAdxParamKeyValue: req.keys.map((k) => ({
        '@_xsi:type': 'wss:CAdxParamKeyValue',
        key: typed('xsd:string', k.key),
        value: typed('xsd:string', k.value),
      })),
    };
  }
  if (req.objectXml !== undefined) op.objectXml = typed('xsd:string', req.objectXml);
  if (req.inputXml !== undefined) op.inputXml = typed('xsd:string', req.inputXml);
  if (req.listSize !== undefined) op.listSize = typed('xsd:int', req.listSize);
  const doc = {
    'soapenv:Envelope': {
      '@_xmlns:soapenv': NS_SOAPENV,
      '@_xmlns:wss': NS_WSS,
      '@_xmlns:xsd': 'http://www.w3.org/2001/XMLSchema',
      '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      '@_xmlns:soapenc': ENCODING,
      'soapenv:Header': '',
      'soapenv:Body': { [`wss:${req.operation}`]: op },
    },
  };
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build(doc) as string}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** X3 SOAP wants dates as YYYYMMDD; other scalars as text. */
function soapText(value: unknown, field: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') {
    const m = ISO_DATE.exec(value);
    return m ? `${m[1]}${m[2]}${m[3]}` : value.replace(INVALID_XML_CHARS, '');
  }
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? '2' : '1';
  throw new ValidationError(
    'x3',
    field,
    `X3 field ${field} must be a text, number or list of texts, not ${JSON.stringify(value)}`,
  );
}

function fieldNodes(rec: Obj, where: string): { FLD: Obj[]; LST: Obj[] } {
  const FLD: Obj[] = [];
  const LST: Obj[] = [];
  for (const [name, value] of Object.entries(rec)) {
    if (name.startsWith('$')) continue;
    const path = where ? `${where}.${name}` : name;
    if (Array.isArray(value)) {
      LST.push({ '@_NAME': name, ITM: value.map((v, i) => ({ '#text': soapText(v, `${path}[${i}]`) })) });
    } else {
      FLD.push({ '@_NAME': name, '#text': soapText(value, path) });
    }
  }
  return { FLD, LST };
}

/**
 * A record -> `<PARAM>`: header fields in the publication's groups (GRP ID from the catalogue),
 * dimensioned fields as LST/ITM, lines as a TAB of LIN.
 */
function builderParam(def: EntityDefinition, record: X3Record): string {
  const groups = new Map<string, Obj>();
  const lines = linesOf(def, record);
  for (const [name, value] of Object.entries(record)) {
    if (def.lines && (name === def.lines.x3 || name === 'lines')) continue;
    if (isObj(value)) {
      throw new ValidationError('x3', name, `X3 field ${name} must be a text, number or list of texts, not an object`);
    }
    const id = soapGroupOf(def, name);
    if (!id)
      throw new ValidationError(
        'x3',
        name,
        `no SOAP group is configured for field ${name} of ${def.name} (entities.${def.name}.soap.groups)`,
      );
    const g = groups.get(id) ?? {};
    g[name] = value;
    groups.set(id, g);
  }
  const param: Obj = {
    GRP: [...groups].map(([id, fields]) => ({ '@_ID': id, ...fieldNodes(fields, '') })),
  };
  if (lines) {
    if (!def.lines) throw new ValidationError('x3', 'lines', `${def.name} has no lines`);
    const tab = def.lines.soapTab;
    param.TAB = [
      {
        '@_ID': tab,
        LIN: lines.map((line, i) => {
          if (!isObj(line))
            throw new ValidationError('x3', `${def.lines!.x3}[${i}]`, `line ${i + 1} must be an object of X3 fields`);
          return { '@_NUM': String(i + 1), ...fieldNodes(line, `${def.lines!.x3}[${i}]`) };
        }),
      },
    ];
  }
  return builder.build({ PARAM: param }) as string;
}

/** `<PARAM><GRP ID=group>` of plain fields, the input of a published subprogram (run). */
function builderRunInput(groupId: string, fields: Record<string, unknown>): string {
  return builder.build({ PARAM: { GRP: [{ '@_ID': groupId, ...fieldNodes(fields, '') }] } }) as string;
}

/* ---------- the tests ---------- */

const NASTY = [
  '',
  'plain',
  `O'Brien & <Söhne> "Ltd" ]]> 中 \u{1F4E6}`,
  'ctl\u0001\u0008\u000b\u001f\ufffe end',
  'tab\tnew\nline\r',
  '&amp; &#233; &lt;',
];

function outcome(build: () => string): string {
  try {
    return build();
  } catch (err) {
    return err instanceof ValidationError ? `ValidationError ${err.field}: ${err.message}` : `${String(err)}`;
  }
}

describe('x3 SOAP requests written from templates', () => {
  const cat = new EntityCatalogue();
  const defs: EntityDefinition[] = ['salesDelivery', 'salesOrder', 'customer', 'purchaseOrder'].map((n) => cat.get(n));

  it('writes the envelope byte for byte as the builder did, whatever the values', () => {
    const ops: SoapRequest['operation'][] = ['read', 'query', 'save', 'modify', 'delete', 'run', 'getDescription'];
    let n = 0;
    for (const op of ops)
      for (const text of NASTY) {
        const req: SoapRequest = {
          operation: op,
          context: {
            codeLang: 'ENG',
            poolAlias: text,
            poolId: n % 2 ? text : undefined,
            requestConfig: text || undefined,
          },
          publicName: `SDH${text}`,
          keys:
            n % 3 === 0
              ? undefined
              : n % 3 === 1
                ? []
                : [
                    { key: text, value: text },
                    { key: 'SDHNUM', value: 'X' },
                  ],
          objectXml: n % 2 ? `<PARAM><FLD NAME="A">${text}</FLD></PARAM>` : undefined,
          inputXml: n % 4 === 1 ? text : undefined,
          listSize: n % 5 === 0 ? undefined : n,
        };
        n += 1;
        assert.equal(buildSoapEnvelope(req), builderEnvelope(req));
      }
  });

  it('writes PARAM documents byte for byte as the builder did, errors included', () => {
    const values: unknown[] = [...NASTY, 0, 2.5, -1, true, false, null, undefined, '2026-02-03', '2026-2-3', 10n];
    const records: X3Record[] = [
      {},
      { YTRACKNUM: '794612345678' },
      { YTRACKNUM: '1', BPDADDLIG: [], SHIDAT: '2026-01-02' },
      { BPDADDLIG: ['a', '', 'c'], YTRKSTA: 'Delivered' },
      {
        SDHNUM: 'X',
        $meta: 'skipped',
        lines: [
          { ITMREF: 'P1', QTY: 2 },
          { ITMREF: 'P2', QTY: '3' },
        ],
      },
      { lines: [] },
      { lines: ['not a line'] },
      { lines: [{ ITMREF: { nested: 1 } }] },
      { YTRACKNUM: { an: 'object' } },
      { NOSUCHFIELD: 'x' },
      { BPDADDLIG: ['a', { not: 'text' }] },
      { [`NAME"<&>'`]: 'x' },
    ];
    for (const v of values) records.push({ YTRACKNUM: v, BPDADDLIG: [v, 'x'], lines: [{ QTY: v }] });
    for (const def of defs)
      for (const [i, rec] of records.entries()) {
        const mine = outcome(() => buildParamXml(def, rec));
        assert.equal(
          mine,
          outcome(() => builderParam(def, rec)),
          `${def.name} ${String(Object.keys(rec))} ${i}`,
        );
      }
  });

  it('writes subprogram inputs byte for byte as the builder did', () => {
    for (const text of NASTY) {
      const fields = { SDHNUM: text, YTRACKNUM: 12, [`F${text}`]: [text, 1], DAT: '2026-01-02' };
      assert.equal(
        outcome(() => buildRunInputXml(text, fields)),
        outcome(() => builderRunInput(text, fields)),
      );
    }
  });
});
