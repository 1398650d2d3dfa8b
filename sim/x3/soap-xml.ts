/**
 * X3 classic web-service XML: the SOAP 1.1 envelope of CAdxWebServiceXmlCC and the
 * PARAM/RESULT documents (GRP/FLD/LST/TAB/LIN) carried inside it as escaped text or CDATA.
 * Parsing uses fast-xml-parser; output is built by hand with strict escaping.
 */
import { XMLParser } from 'fast-xml-parser';
import type { EntityDef, FieldSpec } from './entities';
import type { RecordInput, StoredRecord } from './store';
import type { FieldValue, RecordValues } from './values';

export class SoapFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SoapFormatError';
  }
}

const PARAM_ARRAYS = new Set(['GRP', 'FLD', 'LST', 'ITM', 'TAB', 'LIN']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  // values keep their spaces; whitespace between elements is ignored by the readers below
  trimValues: false,
  removeNSPrefix: true,
  htmlEntities: true,
  isArray: (name) => PARAM_ARRAYS.has(name) || name === 'CAdxParamKeyValue',
});

type XmlNode = Record<string, unknown>;

function asNode(v: unknown): XmlNode | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as XmlNode) : undefined;
}

/** Text of a parsed element (string, or object with #text, or empty element). */
export function textOf(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const n = asNode(v);
  if (n) {
    const t = n['#text'];
    return t === undefined ? '' : String(t);
  }
  return '';
}

export interface SoapCall {
  operation: string;
  callContext: { codeLang: string; poolAlias: string; poolId: string; requestConfig: string };
  publicName: string;
  objectKeys: Array<{ key: string; value: string }>;
  /** objectXml (save/modify) or inputXml (run). */
  xml: string;
  listSize: number | undefined;
}

const OPERATIONS = new Set(['read', 'query', 'save', 'modify', 'delete', 'run', 'getDescription']);

export function parseSoapEnvelope(body: string): SoapCall {
  let doc: XmlNode;
  try {
    doc = parser.parse(body, true) as XmlNode;
  } catch (e) {
    throw new SoapFormatError(`Malformed XML: ${(e as Error).message}`);
  }
  const env = asNode(doc.Envelope);
  const bodyNode = env ? asNode(env.Body) : undefined;
  if (!bodyNode) throw new SoapFormatError('SOAP Envelope/Body expected');
  const opName = Object.keys(bodyNode).find((k) => !k.startsWith('@_') && k !== '#text');
  if (!opName) throw new SoapFormatError('No operation in SOAP Body');
  if (!OPERATIONS.has(opName)) throw new SoapFormatError(`Unknown operation '${opName}'`);
  const op = asNode(bodyNode[opName]) ?? {};
  const ctx = asNode(op.callContext) ?? {};
  const keysNode = asNode(op.objectKeys);
  const kv = keysNode ? keysNode.CAdxParamKeyValue : undefined;
  const objectKeys = (Array.isArray(kv) ? kv : [])
    .map((x) => asNode(x) ?? {})
    .map((x) => ({ key: textOf(x.key).trim(), value: textOf(x.value) }));
  const xmlField = op.objectXml ?? op.inputXml;
  if (
    xmlField !== undefined &&
    asNode(xmlField) &&
    Object.keys(asNode(xmlField)!).some((k) => !k.startsWith('@_') && k !== '#text')
  ) {
    throw new SoapFormatError('objectXml/inputXml must be a string (escaped or CDATA), not XML elements');
  }
  const listSizeText = textOf(op.listSize).trim();
  return {
    operation: opName,
    callContext: {
      codeLang: textOf(ctx.codeLang).trim(),
      poolAlias: textOf(ctx.poolAlias).trim(),
      poolId: textOf(ctx.poolId).trim(),
      requestConfig: textOf(ctx.requestConfig).trim(),
    },
    publicName: textOf(op.publicName).trim(),
    objectKeys,
    xml: textOf(xmlField),
    listSize: listSizeText === '' ? undefined : Number(listSizeText),
  };
}

/** Fields and lines of a PARAM document, matched by FLD NAME whatever the group. */
export interface ParsedParam {
  fields: Record<string, string | string[]>;
  /** Lines per TAB ID. */
  tabs: Record<string, Array<Record<string, string | string[]>>>;
}

function readFields(container: XmlNode, into: Record<string, string | string[]>): void {
  for (const f of (container.FLD as unknown[] | undefined) ?? []) {
    const n = asNode(f);
    const name = n ? String(n['@_NAME'] ?? '') : '';
    if (!name) throw new SoapFormatError('FLD without NAME');
    into[name] = textOf(f);
  }
  for (const l of (container.LST as unknown[] | undefined) ?? []) {
    const n = asNode(l) ?? {};
    const name = String(n['@_NAME'] ?? '');
    if (!name) throw new SoapFormatError('LST without NAME');
    into[name] = ((n.ITM as unknown[] | undefined) ?? []).map(textOf);
  }
}

export function parseParamXml(xml: string): ParsedParam {
  if (xml.trim() === '') return { fields: {}, tabs: {} };
  let doc: XmlNode;
  try {
    doc = parser.parse(xml, true) as XmlNode;
  } catch (e) {
    throw new SoapFormatError(`objectXml: malformed XML: ${(e as Error).message}`);
  }
  const root = asNode(doc.PARAM);
  if (!root) throw new SoapFormatError('objectXml: <PARAM> root expected');
  const fields: Record<string, string | string[]> = {};
  const tabs: ParsedParam['tabs'] = {};
  readFields(root, fields);
  for (const g of (root.GRP as unknown[] | undefined) ?? []) readFields(asNode(g) ?? {}, fields);
  for (const t of (root.TAB as unknown[] | undefined) ?? []) {
    const tn = asNode(t) ?? {};
    const id = String(tn['@_ID'] ?? '');
    const lines: Array<Record<string, string | string[]>> = [];
    for (const lin of (tn.LIN as unknown[] | undefined) ?? []) {
      const line: Record<string, string | string[]> = {};
      readFields(asNode(lin) ?? {}, line);
      lines.push(line);
    }
    tabs[id] = lines;
  }
  return { fields, tabs };
}

// ---- output ----

// XML 1.0 forbids most control characters even when escaped: drop them.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(s: string): string {
  return s
    .replace(INVALID_XML_CHARS, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function cdata(s: string): string {
  return `<![CDATA[${s.replace(INVALID_XML_CHARS, '').replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

function soapType(spec: FieldSpec): string {
  switch (spec.kind) {
    case 'int':
    case 'menu':
      return 'Integer';
    case 'decimal':
      return 'Decimal';
    case 'date':
      return 'Date';
    case 'datetime':
      return 'Datetime';
    default:
      return 'Char';
  }
}

export function soapText(spec: FieldSpec, v: FieldValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (spec.kind === 'date' && typeof v === 'string') return v.replace(/-/g, '');
  return String(v);
}

function fieldXml(spec: FieldSpec, v: FieldValue | undefined): string {
  if (spec.dim) {
    const items = Array.isArray(v) ? v : [];
    return `<LST NAME="${escapeXml(spec.x3)}" SIZE="${spec.dim}" TYPE="Char">${items.map((x) => `<ITM>${escapeXml(x)}</ITM>`).join('')}</LST>`;
  }
  let attrs = `NAME="${escapeXml(spec.x3)}" TYPE="${soapType(spec)}"`;
  if (spec.kind === 'menu' && typeof v === 'number' && spec.menuLabels)
    attrs += ` MENULAB="${escapeXml(spec.menuLabels[v - 1] ?? '')}"`;
  const text = soapText(spec, v);
  return text === '' ? `<FLD ${attrs}/>` : `<FLD ${attrs}>${escapeXml(text)}</FLD>`;
}

/** Groups in dictionary order. */
export function groupsOf(fields: readonly FieldSpec[]): Array<{ id: string; fields: FieldSpec[] }> {
  const out: Array<{ id: string; fields: FieldSpec[] }> = [];
  for (const f of fields) {
    let g = out.find((x) => x.id === f.soapGroup);
    if (!g) {
      g = { id: f.soapGroup, fields: [] };
      out.push(g);
    }
    g.fields.push(f);
  }
  return out;
}

export function recordResultXml(def: EntityDef, rec: StoredRecord): string {
  let xml = '<?xml version="1.0" encoding="UTF-8"?><RESULT>';
  for (const g of groupsOf(def.fields)) {
    xml += `<GRP ID="${escapeXml(g.id)}">${g.fields.map((f) => fieldXml(f, rec.values[f.x3])).join('')}</GRP>`;
  }
  if (def.lines) {
    const ld = def.lines;
    xml += `<TAB DIM="${Math.max(ld.fields.length, 200)}" ID="${escapeXml(ld.soapTab)}" SIZE="${rec.lines.length}">`;
    rec.lines.forEach((line, i) => {
      xml += `<LIN NUM="${i + 1}">${ld.fields.map((f) => fieldXml(f, line[f.x3])).join('')}</LIN>`;
    });
    xml += '</TAB>';
  }
  return `${xml}</RESULT>`;
}

function jsonValue(spec: FieldSpec, v: FieldValue | undefined): unknown {
  if (spec.dim) return Array.isArray(v) ? v : [];
  return soapText(spec, v);
}

/** `adxwss.optreturn=JSON`: same content as the XML result, as JSON text. */
export function recordResultJson(def: EntityDef, rec: StoredRecord): string {
  const out: Record<string, unknown> = {};
  for (const g of groupsOf(def.fields)) {
    const grp: Record<string, unknown> = {};
    for (const f of g.fields) grp[f.x3] = jsonValue(f, rec.values[f.x3]);
    out[g.id] = grp;
  }
  if (def.lines) {
    const ld = def.lines;
    out[ld.soapTab] = rec.lines.map((line: RecordValues) => {
      const o: Record<string, unknown> = {};
      for (const f of ld.fields) o[f.x3] = jsonValue(f, line[f.x3]);
      return o;
    });
  }
  return JSON.stringify(out);
}

export function groupXml(id: string, fields: readonly FieldSpec[], values: RecordValues): string {
  return `<GRP ID="${escapeXml(id)}">${fields.map((f) => fieldXml(f, values[f.x3])).join('')}</GRP>`;
}

export function listResultXml(rows: Array<{ fields: readonly FieldSpec[]; values: RecordValues }>): string {
  const lins = rows.map(
    (r, i) => `<LIN NUM="${i + 1}">${r.fields.map((f) => fieldXml(f, r.values[f.x3])).join('')}</LIN>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><RESULT>${lins.join('')}</RESULT>`;
}

/** X3 input: SOAP text to a loose record; a single FLD on a dimensioned field sets element 1. */
export function paramToRecordInput(def: EntityDef, param: ParsedParam): RecordInput {
  const out: RecordInput = {};
  const convert = (fields: readonly FieldSpec[], src: Record<string, string | string[]>): RecordInput => {
    const o: RecordInput = {};
    for (const [name, v] of Object.entries(src)) {
      const spec = fields.find((f) => f.x3 === name);
      if (spec?.dim && typeof v === 'string') o[name] = [v];
      else o[name] = v;
    }
    return o;
  };
  Object.assign(out, convert(def.fields, param.fields));
  if (def.lines) {
    const lines = param.tabs[def.lines.soapTab];
    if (lines !== undefined) out[def.lines.restName] = lines.map((l) => convert(def.lines!.fields, l));
    const unknownTab = Object.keys(param.tabs).find((t) => t !== def.lines!.soapTab);
    if (unknownTab) throw new SoapFormatError(`TAB ${unknownTab}: unknown table for ${def.soapPublication}`);
  } else if (Object.keys(param.tabs).length > 0) {
    throw new SoapFormatError(`TAB ${Object.keys(param.tabs)[0]}: unknown table`);
  }
  return out;
}

export interface SoapMessage {
  type: 1 | 2 | 3;
  message: string;
}

export function soapResponse(
  operation: string,
  status: 0 | 1,
  messages: SoapMessage[],
  resultXml: string,
  durationMs: number,
): string {
  const ret = `${operation}Return`;
  const msgs = messages
    .map(
      (m) =>
        `<messages xsi:type="wss:CAdxMessage"><message xsi:type="xsd:string">${escapeXml(m.message)}</message><type xsi:type="xsd:string">${m.type}</type></messages>`,
    )
    .join('');
  const tech =
    '<technicalInfos xsi:type="wss:CAdxTechnicalInfos"><busy xsi:type="xsd:boolean">false</busy><changeLanguage xsi:type="xsd:boolean">false</changeLanguage>' +
    '<changeUserId xsi:type="xsd:boolean">false</changeUserId><flushAdx xsi:type="xsd:boolean">false</flushAdx><loadWebsDuration xsi:type="xsd:double">0</loadWebsDuration>' +
    `<nbDistributionCycle xsi:type="xsd:int">-1</nbDistributionCycle><poolDistribDuration xsi:type="xsd:double">-1</poolDistribDuration><poolEntryIdx xsi:type="xsd:int">1</poolEntryIdx>` +
    `<poolExecDuration xsi:type="xsd:double">${durationMs}</poolExecDuration><poolRequestDuration xsi:type="xsd:double">${durationMs}</poolRequestDuration><poolWaitDuration xsi:type="xsd:double">0</poolWaitDuration>` +
    '<processReport xsi:type="xsd:string"/><processReportSize xsi:type="xsd:int">-1</processReportSize><reloadWebs xsi:type="xsd:boolean">false</reloadWebs>' +
    `<resumitAfterDBOpen xsi:type="xsd:boolean">false</resumitAfterDBOpen><rowInDistribStack xsi:type="xsd:int">-1</rowInDistribStack><totalDuration xsi:type="xsd:double">${durationMs}</totalDuration>` +
    '<traceRequest xsi:type="xsd:string"/><traceRequestSize xsi:type="xsd:int">-1</traceRequestSize></technicalInfos>';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:wss="http://www.adonix.com/WSS">' +
    `<soapenv:Body><wss:${operation}Response soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">` +
    `<${ret} xsi:type="wss:CAdxResultXml">` +
    `<messages xsi:type="soapenc:Array" soapenc:arrayType="wss:CAdxMessage[${messages.length}]">${msgs}</messages>` +
    `<resultXml xsi:type="xsd:string">${resultXml === '' ? '' : cdata(resultXml)}</resultXml>` +
    `<status xsi:type="xsd:int">${status}</status>${tech}</${ret}></wss:${operation}Response></soapenv:Body></soapenv:Envelope>`
  );
}

export function soapFault(faultString: string, faultCode = 'soapenv:Server'): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault>' +
    `<faultcode>${escapeXml(faultCode)}</faultcode><faultstring>${escapeXml(faultString)}</faultstring>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>'
  );
}
