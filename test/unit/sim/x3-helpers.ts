/** Helpers for the X3 simulator's own tests: a fake clock, HTTP calls per face, JWT minting. */
import { createHmac } from 'crypto';
import { XMLParser } from 'fast-xml-parser';
import { startX3Sim, type X3Sim, type X3SimOptions } from '../../../sim/x3/server';

export const T0 = Date.UTC(2025, 0, 31, 10, 0, 0);

export interface Clock {
  t: number;
  now(): number;
  advance(ms: number): void;
}

export function fakeClock(start = T0): Clock {
  const c: Clock = {
    t: start,
    now: () => c.t,
    advance: (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

export async function startTestSim(
  options: X3SimOptions = {},
  clock: Clock = fakeClock(),
): Promise<{ sim: X3Sim; clock: Clock }> {
  const sim = await startX3Sim({ port: 0, host: '127.0.0.1', now: clock.now, ...options });
  return { sim, clock };
}

export const BASIC_ADMIN = `Basic ${Buffer.from('admin:admin-password').toString('base64')}`;

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

export async function http<T = unknown>(
  sim: X3Sim,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: unknown; raw?: string } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(path.startsWith('http') ? path : `${sim.url}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json: json as T };
}

export interface GqlResponse {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export async function gql(
  sim: X3Sim,
  query: string,
  variables?: Record<string, unknown>,
  opts: { auth?: string; endpoint?: string | null } = {},
): Promise<HttpResult<GqlResponse>> {
  const headers: Record<string, string> = { authorization: opts.auth ?? BASIC_ADMIN };
  if (opts.endpoint !== null) headers['x-xtrem-endpoint'] = opts.endpoint ?? 'SEED';
  return http<GqlResponse>(sim, 'POST', '/xtrem/api', { headers, body: { query, variables } });
}

/** Walks a nested object by dot path (GraphQL results). */
export function at(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

export function rest<T = Record<string, unknown>>(
  sim: X3Sim,
  method: string,
  path: string,
  body?: unknown,
  auth = BASIC_ADMIN,
): Promise<HttpResult<T>> {
  const url = path.startsWith('http') ? path : `/api1/x3/erp/SEED/${path}`;
  return http<T>(sim, method, url, { headers: { authorization: auth, accept: 'application/json' }, body });
}

export function mintJwt(
  claims: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const s = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${s}`;
}

/** A valid connected-app JWT for `sim` at clock time `nowMs` (Sage sample style: iat backdated 30 s). */
export function validJwt(sim: X3Sim, nowMs: number, overrides: Record<string, unknown> = {}): string {
  const iat = Math.floor(nowMs / 1000) - 30;
  return mintJwt(
    { iss: sim.auth.connectedApp.clientId, sub: 'admin', aud: '', iat, exp: iat + 300, ...overrides },
    sim.auth.connectedApp.secret,
  );
}

export function escapeXmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface SoapArgs {
  publicName: string;
  keys?: Record<string, string>;
  xml?: string;
  /** How objectXml travels: escaped text (default) or CDATA. */
  wrap?: 'escape' | 'cdata';
  requestConfig?: string;
  poolAlias?: string;
  listSize?: number;
}

export function soapEnvelope(operation: string, a: SoapArgs): string {
  const keys = a.keys
    ? `<objectKeys>${Object.entries(a.keys)
        .map(
          ([k, v]) =>
            `<CAdxParamKeyValue><key>${escapeXmlText(k)}</key><value>${escapeXmlText(v)}</value></CAdxParamKeyValue>`,
        )
        .join('')}</objectKeys>`
    : '';
  const xmlTag = operation === 'run' ? 'inputXml' : 'objectXml';
  const xml =
    a.xml === undefined
      ? ''
      : `<${xmlTag}>${a.wrap === 'cdata' ? `<![CDATA[${a.xml}]]>` : escapeXmlText(a.xml)}</${xmlTag}>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wss="http://www.adonix.com/WSS">' +
    `<soapenv:Body><wss:${operation}><callContext><codeLang>ENG</codeLang><poolAlias>${a.poolAlias ?? 'SEED'}</poolAlias><poolId></poolId>` +
    `<requestConfig>${escapeXmlText(a.requestConfig ?? '')}</requestConfig></callContext><publicName>${a.publicName}</publicName>` +
    `${keys}${xml}${a.listSize !== undefined ? `<listSize>${a.listSize}</listSize>` : ''}</wss:${operation}></soapenv:Body></soapenv:Envelope>`
  );
}

export interface SoapResult {
  httpStatus: number;
  status?: number;
  messages: Array<{ type: number; message: string }>;
  resultXml: string;
  fault?: string;
  raw: string;
}

const soapParser = new XMLParser({
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  htmlEntities: true,
  ignoreAttributes: true,
  isArray: (n) => n === 'messages',
});

export async function soap(sim: X3Sim, operation: string, a: SoapArgs, auth = BASIC_ADMIN): Promise<SoapResult> {
  const res = await http(sim, 'POST', '/soap-generic/syracuse/collaboration/syracuse/CAdxWebServiceXmlCC', {
    headers: { authorization: auth, 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
    raw: soapEnvelope(operation, a),
  });
  const out: SoapResult = { httpStatus: res.status, messages: [], resultXml: '', raw: res.text };
  if (!res.text.startsWith('<?xml')) return out;
  const body = at(soapParser.parse(res.text), 'Envelope.Body');
  const fault = at(body, 'Fault.faultstring');
  if (fault !== undefined) {
    out.fault = String(fault);
    return out;
  }
  const ret = at(body, `${operation}Response.${operation}Return`);
  out.status = Number(at(ret, 'status'));
  const items = at(ret, 'messages.0.messages');
  out.messages = (Array.isArray(items) ? items : []).map((m) => ({
    type: Number(at(m, 'type')),
    message: String(at(m, 'message')),
  }));
  const resultXml = at(ret, 'resultXml');
  out.resultXml = typeof resultXml === 'string' ? resultXml : '';
  return out;
}

const resultParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  trimValues: false,
  htmlEntities: true,
  isArray: (n) => ['GRP', 'FLD', 'LST', 'ITM', 'TAB', 'LIN'].includes(n),
});

/** Flattens a RESULT document: header fields by NAME (LST as arrays) and lines of the first TAB. */
export function readResult(xml: string): {
  fields: Record<string, string | string[]>;
  lines: Array<Record<string, string>>;
  groups: string[];
} {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const text = (f: unknown): string => (typeof f === 'string' ? f : String(at(f, '#text') ?? ''));
  const root = at(resultParser.parse(xml), 'RESULT');
  const fields: Record<string, string | string[]> = {};
  const groups: string[] = [];
  for (const g of list(at(root, 'GRP'))) {
    groups.push(String(at(g, '@_ID')));
    for (const f of list(at(g, 'FLD'))) fields[String(at(f, '@_NAME'))] = text(f);
    for (const l of list(at(g, 'LST'))) fields[String(at(l, '@_NAME'))] = list(at(l, 'ITM')).map(text);
  }
  const lines: Array<Record<string, string>> = [];
  const lins = at(root, 'TAB.0.LIN') ?? at(root, 'LIN');
  for (const lin of list(lins)) {
    const line: Record<string, string> = {};
    for (const f of list(at(lin, 'FLD'))) line[String(at(f, '@_NAME'))] = text(f);
    lines.push(line);
  }
  return { fields, lines, groups };
}
