/**
 * X3 classic SOAP web services (CAdxWebServiceXmlCC, reference 1, 6 and 7): the SOAP 1.1
 * envelope, the PARAM document carried in objectXml/inputXml, and the answer (status flag,
 * typed messages, resultXml as XML or JSON). Requests are written from templates in which every
 * value and attribute from user data goes through escapeXml: nothing reaches the XML unescaped.
 */
import { XMLParser } from 'fast-xml-parser';
import { ApiError, ValidationError } from '../core/errors';
import { isObj, type Obj } from '../core/plain-object';
import { scanXml, type XmlElement } from './xml-scan';
import { linesOf, soapGroupOf, trimDim, type EntityDefinition, type FieldMapping, type X3Record } from './entities';

export type SoapOperation = 'read' | 'query' | 'save' | 'modify' | 'delete' | 'run' | 'getDescription';

export interface SoapCallContext {
  /** X3 language code, e.g. ENG. */
  codeLang: string;
  /** Web-service pool alias (usually the folder's pool). */
  poolAlias: string;
  poolId?: string;
  /** e.g. "adxwss.optreturn=JSON" to get JSON in resultXml where the server supports it. */
  requestConfig?: string;
}

export interface SoapRequest {
  operation: SoapOperation;
  context: SoapCallContext;
  publicName: string;
  keys?: Array<{ key: string; value: string }>;
  /** PARAM document (save/modify); `inputXml` for run. */
  objectXml?: string;
  inputXml?: string;
  listSize?: number;
}

export type SoapMessageType = 'information' | 'warning' | 'error';

export interface SoapMessage {
  type: SoapMessageType;
  text: string;
}

export interface SoapAnswer {
  /** 1 = success, 0 = failure (X3's status flag). */
  status: number;
  messages: SoapMessage[];
  /** resultXml content (XML or JSON text), '' when absent. */
  result: string;
}

export const SOAP_PATH = '/soap-generic/syracuse/collaboration/syracuse/CAdxWebServiceXmlCC';
const NS_SOAPENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const NS_WSS = 'http://www.adonix.com/WSS';
const ENCODING = 'http://schemas.xmlsoap.org/soap/encoding/';

const PARSER_OPTIONS = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  removeNSPrefix: true,
  htmlEntities: true,
  isArray: (name: string) => ['GRP', 'FLD', 'LST', 'ITM', 'TAB', 'LIN'].includes(name),
};

/** resultXml documents (RESULT / PARAM). */
const parser = new XMLParser(PARSER_OPTIONS);

/**
 * SOAP envelopes. Every X3 answer carries a `technicalInfos` block (pool timings, about twenty
 * typed elements) that nothing here reads: kept as raw text instead of being parsed into
 * objects, which halves the cost of reading an answer.
 */
const envelopeParser = new XMLParser({ ...PARSER_OPTIONS, stopNodes: ['*.technicalInfos'] });

// XML 1.0 cannot carry most control characters even escaped: X3 would reject the envelope.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text or an attribute value escaped as fast-xml-parser's builder escaped it (the five entities). */
function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

function typed(name: string, type: string, value: string | number): string {
  const text = typeof value === 'string' ? escapeXml(value.replace(INVALID_XML_CHARS, '')) : String(value);
  return `<${name} xsi:type="${type}">${text}</${name}>`;
}

const ENVELOPE_HEAD =
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${NS_SOAPENV}" xmlns:wss="${NS_WSS}" ` +
  `xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
  `xmlns:soapenc="${ENCODING}"><soapenv:Header></soapenv:Header><soapenv:Body>`;

/**
 * The request envelope, written from a template (a builder per call cost more than the HTTP
 * request around it); every value is escaped, and control characters XML cannot carry dropped.
 */
export function buildSoapEnvelope(req: SoapRequest): string {
  const { context } = req;
  let xml =
    `${ENVELOPE_HEAD}<wss:${req.operation} soapenv:encodingStyle="${ENCODING}">` +
    `<callContext xsi:type="wss:CAdxCallContext">${typed('codeLang', 'xsd:string', context.codeLang)}` +
    `${typed('poolAlias', 'xsd:string', context.poolAlias)}${typed('poolId', 'xsd:string', context.poolId ?? '')}` +
    `${typed('requestConfig', 'xsd:string', context.requestConfig ?? '')}</callContext>` +
    typed('publicName', 'xsd:string', req.publicName);
  if (req.keys) {
    xml += `<objectKeys xsi:type="wss:ArrayOfCAdxParamKeyValue" soapenc:arrayType="wss:CAdxParamKeyValue[${req.keys.length}]">`;
    for (const k of req.keys) {
      xml += `<CAdxParamKeyValue xsi:type="wss:CAdxParamKeyValue">${typed('key', 'xsd:string', k.key)}${typed('value', 'xsd:string', k.value)}</CAdxParamKeyValue>`;
    }
    xml += '</objectKeys>';
  }
  if (req.objectXml !== undefined) xml += typed('objectXml', 'xsd:string', req.objectXml);
  if (req.inputXml !== undefined) xml += typed('inputXml', 'xsd:string', req.inputXml);
  if (req.listSize !== undefined) xml += typed('listSize', 'xsd:int', req.listSize);
  return `${xml}</wss:${req.operation}></soapenv:Body></soapenv:Envelope>`;
}

/* ---------- PARAM documents ---------- */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Kind by X3 field name, per field list: an answer's fields are looked up one by one, and a
 * linear search of the catalogue for each made reading a record quadratic. Rebuilt if the list
 * grew (definitions are only extended while being built).
 */
const kindIndexes = new WeakMap<readonly FieldMapping[], { size: number; kinds: Map<string, FieldMapping['kind']> }>();

function fieldKind(fields: readonly FieldMapping[] | undefined, name: string): FieldMapping['kind'] {
  if (!fields) return undefined;
  let index = kindIndexes.get(fields);
  if (!index || index.size !== fields.length) {
    const kinds = new Map<string, FieldMapping['kind']>();
    // the first mapping of a name wins, as with a linear find
    for (const f of fields) if (!kinds.has(f.x3)) kinds.set(f.x3, f.kind);
    index = { size: fields.length, kinds };
    kindIndexes.set(fields, index);
  }
  return index.kinds.get(name);
}

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

/** The FLD elements, then the LST elements, of a group or a line. */
function fieldsXml(rec: Obj, where: string): string {
  let fld = '';
  let lst = '';
  for (const [name, value] of Object.entries(rec)) {
    if (name.startsWith('$')) continue;
    const path = where ? `${where}.${name}` : name;
    if (Array.isArray(value)) {
      lst += `<LST NAME="${escapeXml(name)}">`;
      value.forEach((v, i) => {
        lst += `<ITM>${escapeXml(soapText(v, `${path}[${i}]`))}</ITM>`;
      });
      lst += '</LST>';
    } else {
      fld += `<FLD NAME="${escapeXml(name)}">${escapeXml(soapText(value, path))}</FLD>`;
    }
  }
  return fld + lst;
}

/**
 * A record -> `<PARAM>`: header fields in the publication's groups (GRP ID from the catalogue),
 * dimensioned fields as LST/ITM, lines as a TAB of LIN.
 */
export function buildParamXml(def: EntityDefinition, record: X3Record): string {
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
  let xml = '<PARAM>';
  for (const [id, fields] of groups) xml += `<GRP ID="${escapeXml(id)}">${fieldsXml(fields, '')}</GRP>`;
  if (lines) {
    if (!def.lines) throw new ValidationError('x3', 'lines', `${def.name} has no lines`);
    xml += `<TAB ID="${escapeXml(def.lines.soapTab)}">`;
    lines.forEach((line, i) => {
      if (!isObj(line))
        throw new ValidationError('x3', `${def.lines!.x3}[${i}]`, `line ${i + 1} must be an object of X3 fields`);
      xml += `<LIN NUM="${i + 1}">${fieldsXml(line, `${def.lines!.x3}[${i}]`)}</LIN>`;
    });
    xml += '</TAB>';
  }
  return `${xml}</PARAM>`;
}

/** `<PARAM><GRP ID=group>` of plain fields, the input of a published subprogram (run). */
export function buildRunInputXml(groupId: string, fields: Record<string, unknown>): string {
  return `<PARAM><GRP ID="${escapeXml(groupId)}">${fieldsXml(fields, '')}</GRP></PARAM>`;
}

/* ---------- answers ---------- */

function textOf(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isObj(v)) return v['#text'] === undefined ? '' : String(v['#text']);
  return '';
}

function firstChild(node: Obj): [string, unknown] | undefined {
  return Object.entries(node).find(([k]) => !k.startsWith('@_') && k !== '#text');
}

const MESSAGE_TYPES: Record<string, SoapMessageType> = { '1': 'information', '2': 'warning', '3': 'error' };

function collectMessages(v: unknown, out: SoapMessage[]): void {
  if (Array.isArray(v)) {
    for (const item of v) collectMessages(item, out);
    return;
  }
  if (!isObj(v)) return;
  if ('message' in v && 'type' in v) {
    const code = textOf(v.type).trim();
    out.push({ type: MESSAGE_TYPES[code] ?? 'information', text: textOf(v.message).trim() });
    return;
  }
  for (const [k, child] of Object.entries(v)) if (!k.startsWith('@_')) collectMessages(child, out);
}

/** SOAP Fault text (faultstring), or undefined when the body is not a fault. */
export function soapFaultText(body: unknown): string | undefined {
  if (typeof body !== 'string' || !/Fault/.test(body)) return undefined;
  try {
    const doc = envelopeParser.parse(body) as Obj;
    const env = isObj(doc.Envelope) ? doc.Envelope : undefined;
    const b = env && isObj(env.Body) ? env.Body : undefined;
    const fault = b && isObj(b.Fault) ? b.Fault : undefined;
    if (!fault) return undefined;
    return textOf(fault.faultstring).trim() || textOf(fault.faultcode).trim() || 'SOAP Fault';
  } catch {
    return undefined;
  }
}

/** "No Web services accepted": the X3 host has no web-service child process free (pool busy). */
export function isPoolBusy(status: number, body: unknown): boolean {
  return status >= 500 && typeof body === 'string' && /No Web services? accepted/i.test(body);
}

/** The one child element named `name`; undefined when absent, null when there are several. */
function onlyChild(el: XmlElement, name: string): XmlElement | undefined | null {
  let found: XmlElement | undefined;
  for (const c of el.children) {
    if (c.name !== name) continue;
    if (found) return null;
    found = c;
  }
  return found;
}

/** Text of a leaf element; null when it has child elements (the general reader decides those). */
function leafText(el: XmlElement | undefined | null): string | null {
  if (el === null) return null;
  if (!el) return '';
  return el.children.length ? null : el.text;
}

const SPACE_ONLY = /^[ \t\r\n]*$/;

/** Element names the general reader always turns into lists (PARSER_OPTIONS.isArray). */
const LIST_NAMES = new Set(['GRP', 'FLD', 'LST', 'ITM', 'TAB', 'LIN']);

/**
 * An element the general reader would see as a plain object of children, with only blanks as
 * text and a first child it would find under its own name (not in a list).
 */
function structural(el: XmlElement | undefined | null): el is XmlElement {
  return !!el && el.children.length > 0 && SPACE_ONLY.test(el.text) && !LIST_NAMES.has(el.name);
}

/**
 * The answer read from the scanned tree, exactly as parseSoapAnswer's general reader reads it;
 * undefined for anything beyond the ordinary shape (faults, repeated or mixed elements, an
 * unwrapped message), which the general reader handles as it always did.
 */
function answerFromTree(root: XmlElement): SoapAnswer | undefined {
  if (root.name !== 'Envelope' || !SPACE_ONLY.test(root.text)) return undefined;
  const body = onlyChild(root, 'Body');
  if (!structural(body) || onlyChild(body, 'Fault') !== undefined) return undefined;
  const response = body.children[0];
  if (!structural(response) || onlyChild(body, response.name) !== response) return undefined;
  const ret = response.children[0];
  if (!structural(ret) || onlyChild(response, ret.name) !== ret) return undefined;
  const messages: SoapMessage[] = [];
  const list = onlyChild(ret, 'messages');
  if (list === null) return undefined;
  if (list) {
    if (!SPACE_ONLY.test(list.text)) return undefined;
    const itemName = list.children[0]?.name;
    for (const item of list.children) {
      if (item.name !== itemName || item.name === 'message' || item.name === 'type') return undefined;
      if (LIST_NAMES.has(item.name) || !SPACE_ONLY.test(item.text)) return undefined;
      const type = leafText(onlyChild(item, 'type'));
      const message = leafText(onlyChild(item, 'message'));
      if (type === null || message === null || !onlyChild(item, 'type') || !onlyChild(item, 'message'))
        return undefined;
      messages.push({ type: MESSAGE_TYPES[type.trim()] ?? 'information', text: message.trim() });
    }
  }
  const status = leafText(onlyChild(ret, 'status'));
  const result = leafText(onlyChild(ret, 'resultXml'));
  if (status === null || result === null) return undefined;
  const statusText = status.trim();
  return { status: statusText === '' ? 0 : Number(statusText), messages, result };
}

/**
 * Status, messages and resultXml of an answer. The ordinary answer is read by the strict scan of
 * xml-scan.ts (the envelope's fast-xml-parser parse was most of the X3 path's CPU per document);
 * faults, malformed and unusual answers by the general reader, as before.
 */
export function parseSoapAnswer(body: string): SoapAnswer {
  return scanSoapAnswer(body) ?? parseSoapAnswerGeneral(body);
}

/** The answer when the strict scan can read it (the ordinary answer), else undefined. */
export function scanSoapAnswer(body: string): SoapAnswer | undefined {
  const root = scanXml(body);
  return root && answerFromTree(root);
}

/** The general reader of an answer (fast-xml-parser): every answer the scan leaves. */
export function parseSoapAnswerGeneral(body: string): SoapAnswer {
  let doc: Obj;
  try {
    doc = envelopeParser.parse(body) as Obj;
  } catch (err) {
    throw new ApiError({
      system: 'x3',
      code: 'X3_BAD_RESPONSE',
      message: `X3 SOAP answer is not XML: ${(err as Error).message}`,
    });
  }
  const env = isObj(doc.Envelope) ? doc.Envelope : undefined;
  const b = env && isObj(env.Body) ? env.Body : undefined;
  if (!b) throw new ApiError({ system: 'x3', code: 'X3_BAD_RESPONSE', message: 'X3 SOAP answer has no Envelope/Body' });
  if (isObj(b.Fault)) {
    throw new ApiError({
      system: 'x3',
      code: 'X3_SOAP_FAULT',
      message: `X3 SOAP fault: ${textOf(b.Fault.faultstring).trim()}`,
    });
  }
  const response = firstChild(b);
  const ret = response && isObj(response[1]) ? firstChild(response[1]) : undefined;
  if (!ret || !isObj(ret[1]))
    throw new ApiError({ system: 'x3', code: 'X3_BAD_RESPONSE', message: 'X3 SOAP answer has no result' });
  const r = ret[1];
  const messages: SoapMessage[] = [];
  collectMessages(r.messages, messages);
  const statusText = textOf(r.status).trim();
  return { status: statusText === '' ? 0 : Number(statusText), messages, result: textOf(r.resultXml) };
}

/* ---------- resultXml -> record ---------- */

function convertScalar(type: string | undefined, kind: FieldMapping['kind'], text: string): unknown {
  const t = type?.toLowerCase();
  if (t === 'integer' || t === 'decimal' || kind === 'number' || kind === 'menu') {
    if (text.trim() === '') return t || kind ? null : '';
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  if (t === 'date' || kind === 'date') {
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text.trim());
    if (m) return m[1] === '0000' ? null : `${m[1]}-${m[2]}-${m[3]}`;
    return text.trim() === '' ? null : text;
  }
  return text;
}

function readXmlFields(node: Obj, fields: readonly FieldMapping[] | undefined, into: X3Record): void {
  for (const f of (node.FLD as unknown[] | undefined) ?? []) {
    if (!isObj(f)) continue;
    const name = String(f['@_NAME'] ?? '');
    if (!name) continue;
    into[name] = convertScalar(f['@_TYPE'] as string | undefined, fieldKind(fields, name), textOf(f));
  }
  for (const l of (node.LST as unknown[] | undefined) ?? []) {
    if (!isObj(l)) continue;
    const name = String(l['@_NAME'] ?? '');
    if (name) into[name] = trimDim(((l.ITM as unknown[] | undefined) ?? []).map(textOf));
  }
}

function linesKey(def: EntityDefinition | undefined, tabId: string): string {
  return def?.lines && def.lines.soapTab === tabId ? def.lines.x3 : tabId;
}

function fromXmlResult(def: EntityDefinition | undefined, xml: string): X3Record {
  const doc = parser.parse(xml) as Obj;
  const root = isObj(doc.RESULT) ? doc.RESULT : isObj(doc.PARAM) ? doc.PARAM : {};
  const rec: X3Record = {};
  readXmlFields(root, def?.fields, rec);
  for (const g of (root.GRP as unknown[] | undefined) ?? []) if (isObj(g)) readXmlFields(g, def?.fields, rec);
  for (const t of (root.TAB as unknown[] | undefined) ?? []) {
    if (!isObj(t)) continue;
    const id = String(t['@_ID'] ?? '');
    const lineFields = def?.lines?.soapTab === id ? def.lines.fields : undefined;
    rec[linesKey(def, id)] = ((t.LIN as unknown[] | undefined) ?? []).map((lin) => {
      const line: X3Record = {};
      if (isObj(lin)) readXmlFields(lin, lineFields, line);
      return line;
    });
  }
  return rec;
}

function fromJsonFields(src: Obj, fields: readonly FieldMapping[] | undefined, into: X3Record): void {
  for (const [name, v] of Object.entries(src)) {
    into[name] = Array.isArray(v)
      ? trimDim(v.map((x) => (x === null ? '' : String(x))))
      : typeof v === 'string'
        ? convertScalar(undefined, fieldKind(fields, name), v)
        : v;
  }
}

function fromJsonResult(def: EntityDefinition | undefined, text: string): X3Record {
  const doc = JSON.parse(text) as unknown;
  const rec: X3Record = {};
  if (!isObj(doc)) return rec;
  for (const [id, part] of Object.entries(doc)) {
    if (Array.isArray(part)) {
      const lineFields = def?.lines?.soapTab === id ? def.lines.fields : undefined;
      rec[linesKey(def, id)] = part.map((line) => {
        const out: X3Record = {};
        if (isObj(line)) fromJsonFields(line, lineFields, out);
        return out;
      });
    } else if (isObj(part)) {
      fromJsonFields(part, def?.fields, rec);
    } else {
      rec[id] = part;
    }
  }
  return rec;
}

/**
 * resultXml -> a record keyed by X3 names. Accepts the XML RESULT document and the JSON form
 * (`adxwss.optreturn=JSON`); typed XML fields (Integer, Decimal, Date) and catalogue kinds give
 * numbers and YYYY-MM-DD dates, so both forms (and REST) yield the same record.
 */
export function recordFromSoapResult(def: EntityDefinition | undefined, result: string): X3Record {
  const text = result.trim();
  if (!text) return {};
  try {
    return text.startsWith('{') ? fromJsonResult(def, text) : fromXmlResult(def, text);
  } catch (err) {
    throw new ApiError({
      system: 'x3',
      code: 'X3_BAD_RESPONSE',
      message: `X3 SOAP resultXml cannot be read: ${(err as Error).message}`,
    });
  }
}

/** A `query` answer: one record per LIN (XML) or per array element (JSON). */
export function recordsFromSoapQuery(def: EntityDefinition | undefined, result: string): X3Record[] {
  const text = result.trim();
  if (!text) return [];
  if (text.startsWith('[') || text.startsWith('{')) {
    const doc = JSON.parse(text) as unknown;
    const list = Array.isArray(doc) ? doc : isObj(doc) ? (Object.values(doc).find(Array.isArray) ?? []) : [];
    return (list as unknown[]).map((row) => {
      const out: X3Record = {};
      if (isObj(row)) fromJsonFields(row, def?.fields, out);
      return out;
    });
  }
  const doc = parser.parse(text) as Obj;
  const root = isObj(doc.RESULT) ? doc.RESULT : {};
  return ((root.LIN as unknown[] | undefined) ?? []).map((lin) => {
    const out: X3Record = {};
    if (isObj(lin)) readXmlFields(lin, def?.fields, out);
    return out;
  });
}

/* ---------- failures ---------- */

/** Text X3 uses when the web-service data volume of the licence is used up [C for the mechanism]. */
const LICENCE_LIMIT = /(licen[cs]e|data volume|WSSIZELIMIT|WSGRACELIMIT)/i;

export function describeMessages(messages: readonly SoapMessage[]): string {
  return messages.map((m) => `${m.type}: ${m.text}`).join('; ');
}

/** A status-0 answer -> ApiError carrying X3's own messages (errors first, then warnings). */
export function soapFailure(operation: SoapOperation, publicName: string, answer: SoapAnswer): ApiError {
  const ordered = [
    ...answer.messages.filter((m) => m.type === 'error'),
    ...answer.messages.filter((m) => m.type === 'warning'),
    ...answer.messages.filter((m) => m.type === 'information'),
  ];
  const text = ordered.length ? describeMessages(ordered) : 'X3 answered status 0 without a message';
  if (ordered.some((m) => LICENCE_LIMIT.test(m.text))) {
    return new ApiError({
      system: 'x3',
      code: 'X3_WS_LICENCE_LIMIT',
      message: `X3 ${operation} ${publicName} refused by the web-service licence volume limit (WSSIZELIMIT/WSGRACELIMIT; it resets at the end of the licence period): ${text}`,
      retryable: true,
      details: { messages: answer.messages },
    });
  }
  return new ApiError({
    system: 'x3',
    code: 'X3_ERROR',
    message: `X3 ${operation} ${publicName}: ${text}`,
    retryable: false,
    details: { messages: answer.messages },
  });
}
