/**
 * The floor under example 01's CPU per document (issue 19 item 4, target <= 1 ms for the whole
 * Node-RED process): what the unavoidable work of one X3 delivery costs in a Node-RED process on
 * this machine when it is done with Node-RED's core nodes only, no plugin node.
 *
 * One Node-RED process (the same runtime helper as pipeline.bench.ts, test/support/e2e.ts, the
 * three simulators at zero latency in this process, FedEx's quota lifted). Deployed in turn:
 *
 *   ex01  example 01 itself (x3-poll -> fedex-ship -> x3-update -> audit), as pipeline-profile.ts.
 *   a     "bare": the calls example 01 makes, with core nodes (inject, function, http request with
 *         keep-alive): one GraphQL poll per batch (the query x3-poll sends, pages of 100 followed
 *         by cursor, a 1 s interval, the same filter, a watermark with 120 s overlap and the keys
 *         in flight kept out), the FedEx OAuth token once (kept in flow context, one request
 *         when it is missing, the waiting documents released by its answer), per document the
 *         FedEx ship create (the body fedex-ship sends for a one-package domestic delivery), the
 *         X3 SOAP read and modify of the delivery (x3-update's envelopes: Basic auth, the
 *         Syracuse session cookie kept, YTRACKNUM and YLABEL written only when YTRACKNUM is empty).
 *   b     the same calls made from function nodes through node:http with a keep-alive agent (one
 *         function node polls, one labels each document): the cost of the http request node
 *         against a lean client.
 *   c     b plus the durable writes a safe pipeline needs per document: an fsynced append to a
 *         journal before the FedEx call (the ledger claim), the label written to a temp file,
 *         fsynced and renamed, an fsynced append after the FedEx answer (complete + trail); one
 *         fsync each, no group commit, on the file system of the Node-RED user dir (where the
 *         plugin's audit SQLite lives).
 *   d     c plus what example 01 also does per document: the label sent to the (simulated) label
 *         printer as one raw TCP job (a connection per job, as fedex-ship prints), and one more
 *         fsynced append once it is taken (the print record that keeps a re-poll from printing
 *         it twice).
 *
 * Each one: a warm-up batch (BENCH_FLOOR_WARMUP X3 deliveries, default 200), 3 s idle (the
 * deployed flow polling X3 with nothing new), then BENCH_FLOOR_DOCS deliveries (default 1,000)
 * created at once in the X3 simulator (as pipeline-profile.ts feeds example 01); measured from
 * their creation until the last tracking number is in X3: Node-RED process CPU (user + system,
 * all threads, /proc) per document, also less the idle rate over the batch. At most
 * BENCH_FLOOR_CONCURRENCY documents (default 4, x3-config's maxConcurrent in the example) are in
 * flight in the core variants. BENCH_FLOOR_ROUNDS rounds (default 2; the second in reverse
 * order) and ratios to example 01, to take the machine's load, which moves every figure, out of
 * the comparison; the load average is reported before and after. Under a changing load the
 * ratios move too (the lean variants gain more than example 01 when the load falls): compare
 * runs made under a similar load.
 *
 * Every variant really does the work: each measured delivery must have exactly one active FedEx
 * shipment carrying its reference, X3 must hold that shipment's tracking number and the label
 * path, variants c and d's journals must hold their lines (2, 3) and their label folders one file
 * per document, the printer must have taken one complete job per document of variant d, and a
 * core variant asks FedEx for at most one token per deployment. Anything else fails the bench.
 *
 * Not in the floor: example 01 also keeps the audit trail and the ledger in SQLite, splits
 * weights over packages, checks the X3 fields and FedEx's answer against schemas, shows status;
 * the core variants handle one-package domestic deliveries from the simulator and read SOAP
 * answers in the JSON form the example asks for. Variants a-c do not print (example 01 does).
 *
 * Quick run: BENCH_FLOOR_DOCS=300 BENCH_FLOOR_ROUNDS=1 npx tsx test/bench/pipeline-floor.bench.ts
 * (`npm run bench -- pipeline-floor` runs it as one of the benchmarks).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_SHIPPER, deployFlows, type FlowNode, type WiringOptions } from '../../sim/example-wiring';
import { SIM_CREDENTIALS } from '../../sim/start-all';
import { runtimeProblems, startE2E, type E2E } from '../support/e2e';
import { envNumber, labelBatch, procSample, round, runStandalone, until } from './runtime-support';
import type { BenchResult } from './types';

type Variant = 'ex01' | 'a' | 'b' | 'c' | 'd';
type LeanVariant = 'b' | 'c' | 'd';

const VARIANT_NAMES: Record<Variant, string> = {
  ex01: 'example 01 (plugin nodes)',
  a: 'a: core nodes, http request node',
  b: 'b: core nodes, node:http in function nodes',
  c: 'c: b + fsynced journal and label file',
  d: 'd: c + the label printed over TCP',
};

/** Variant c's and d's journal lines per document: claim, complete; d adds printed. */
const JOURNAL_LINES: Record<'c' | 'd', number> = { c: 2, d: 3 };

const X3_RECORDS = { customer: 10, product: 10, salesOrder: 20, salesDelivery: 0, purchaseOrder: 0 };
const POLL_SECONDS = 1;
const IDLE_MS = 3000;

/** Example 01 as pipeline-profile.ts deploys it: zero latency, no FedEx quota. */
const EX01_WIRING: Omit<WiringOptions, 'sims'> = {
  only: ['01'],
  x3PollSeconds: POLL_SECONDS,
  catchUpDelaySeconds: 1,
  fedexConfig: { transactionLimit: 1_000_000_000 },
};

/** The non-secret settings every core flow's code reads (the secrets come from env.get). */
interface FloorConfig {
  x3Url: string;
  fedexUrl: string;
  folder: string;
  account: string;
  concurrency: number;
  pollSeconds: number;
  /** variants c and d: journal and labels go here */
  dir: string;
  durable: boolean;
  /** variant d: the raw (port 9100) label printer */
  printer: { host: string; port: number } | null;
  shipper: Record<string, unknown>;
}

/**
 * The Node-RED process's environment: the credentials the core flows read through env.get, so
 * no secret is written into a flow. Demo credentials of the simulators.
 */
const RUNTIME_ENV: Record<string, string> = {
  FLOOR_X3_CLIENT_ID: SIM_CREDENTIALS.x3.clientId,
  FLOOR_X3_CLIENT_SECRET: SIM_CREDENTIALS.x3.clientSecret,
  FLOOR_X3_USER: SIM_CREDENTIALS.x3.user,
  FLOOR_X3_PASSWORD: SIM_CREDENTIALS.x3.password,
  FLOOR_FEDEX_CLIENT_ID: SIM_CREDENTIALS.fedex.clientId,
  FLOOR_FEDEX_CLIENT_SECRET: SIM_CREDENTIALS.fedex.clientSecret,
};

/** Node's modules for the function nodes (functionGlobalContext: no install, no `libs`). */
const SETTINGS = `functionGlobalContext: { http: require('node:http'), fs: require('node:fs'), crypto: require('node:crypto'), net: require('node:net') },`;

/** The query x3-poll sends for example 01 (all fields of the delivery and its lines). */
const POLL_QUERY =
  'query X3Poll($first: Int!, $after: String, $filter: String, $orderBy: String) { x3Sales { salesDelivery { query(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { pageInfo { endCursor hasNextPage } edges { node { _id _updateStamp id shippingSite { _id } salesSite { _id } soldToCustomer { _id } salesOrder { _id } shipmentDate deliveryDate isValidated billToCustomer { _id } shipToCustomerAddress { _id } shipToCustomerCompanyNames { query { edges { node { companyName } } } } shipToCustomerAddressLines { query { edges { node { addressLine } } } } shipToCustomerPostalCode shipToCustomerCity shipToCustomerState shipToCustomerCountry { _id } shipToCustomerCountryName shipToCustomerTelephone shipToCustomerEmail carrier { _id } deliveryMode { _id } billOfLadingNumber labelNumber numberOfPackages grossWeight weightUnit { _id } salesInvoice { _id } _createStamp yTrackingNumber yTrackingStatus yLabel lines { query(first: 1000) { edges { node { lineNumber salesOrder { _id } salesOrderLineNumber product { _id } productDescription salesUnit { _id } quantityInSalesUnitDelivered } } } } } } } } } }';

/**
 * JavaScript shared by the core flows' function nodes (run by Node-RED, not by this process):
 * the X3 connected-app JWT, the poll request, the FedEx ship body, the SOAP envelopes and their
 * answers. Each function node puts it in its On Start code and keeps the helpers in its context.
 */
function helpers(cfg: FloorConfig): string {
  return `
const CFG = ${JSON.stringify(cfg)};
const POLL_QUERY = ${JSON.stringify(POLL_QUERY)};
const crypto = global.get('crypto');
const OVERLAP_MS = 120000;
const stamp = (ms) => new Date(ms).toISOString().replace(/\\.\\d{3}Z$/, 'Z');
const h = {
  watermark: Date.now() - OVERLAP_MS,
  seen: new Set(),
  jwt: null,
  cookie: '',
  // the connected app's JWT (HS256, 300 s, iat 30 s back), minted again 60 s before it expires
  x3Auth() {
    const now = Math.floor(Date.now() / 1000);
    if (!h.jwt || h.jwt.exp - now < 60) {
      const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const iat = now - 30;
      const input = b64({ alg: 'HS256', typ: 'JWT' }) + '.' +
        b64({ iss: env.get('FLOOR_X3_CLIENT_ID'), sub: env.get('FLOOR_X3_USER'), aud: '', iat, exp: iat + 300 });
      const sig = crypto.createHmac('sha256', env.get('FLOOR_X3_CLIENT_SECRET')).update(input).digest('base64url');
      h.jwt = { token: input + '.' + sig, exp: iat + 300 };
    }
    return 'Bearer ' + h.jwt.token;
  },
  pollRequest(after) {
    return {
      url: CFG.x3Url + '/xtrem/api',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-xtrem-endpoint': CFG.folder, authorization: h.x3Auth() },
      body: JSON.stringify({ query: POLL_QUERY, variables: {
        first: 100, after,
        filter: "[{_updateStamp: {_gte: '" + stamp(h.watermark) + "'}}, {carrier: 'FEDEX', isValidated: 'no', yTrackingNumber: ''}]",
        orderBy: '{_updateStamp: 1, _id: 1}' } }),
    };
  },
  // one page of the poll: the deliveries not yet in flight, the next cursor; the watermark moves
  // to the newest stamp less the overlap once the last page is read
  pollPage(body) {
    if (body.errors) throw new Error('X3 GraphQL: ' + JSON.stringify(body.errors).slice(0, 300));
    const q = body.data.x3Sales.salesDelivery.query;
    const fresh = [];
    let newest = 0;
    for (const e of q.edges) {
      newest = Math.max(newest, Date.parse(e.node._updateStamp));
      if (h.seen.has(e.node._id)) continue;
      h.seen.add(e.node._id);
      fresh.push(e.node);
    }
    if (newest) h.pendingWatermark = Math.max(h.pendingWatermark || 0, newest - OVERLAP_MS);
    const next = q.pageInfo.hasNextPage ? q.pageInfo.endCursor : null;
    if (!next && h.pendingWatermark) { h.watermark = Math.max(h.watermark, h.pendingWatermark); h.pendingWatermark = 0; }
    return { fresh, next };
  },
  fedexTokenRequest() {
    return {
      url: CFG.fedexUrl + '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'grant_type=client_credentials&client_id=' + encodeURIComponent(env.get('FLOOR_FEDEX_CLIENT_ID')) +
        '&client_secret=' + encodeURIComponent(env.get('FLOOR_FEDEX_CLIENT_SECRET')),
    };
  },
  // fedex-ship's body for a one-package domestic delivery (example 01's settings)
  shipRequest(d, token) {
    const names = d.shipToCustomerCompanyNames.query.edges.map((e) => e.node.companyName);
    const lines = d.shipToCustomerAddressLines.query.edges.map((e) => e.node.addressLine).filter(Boolean);
    if (Number(d.numberOfPackages) !== 1) throw new Error(d._id + ': the floor ships one package per delivery');
    const weight = Number(d.grossWeight);
    const phone = String(d.shipToCustomerTelephone || '').replace(/\\D/g, '').replace(/^1(?=\\d{10}$)/, '');
    const recipient = {
      address: { streetLines: lines, city: d.shipToCustomerCity, stateOrProvinceCode: d.shipToCustomerState,
        postalCode: d.shipToCustomerPostalCode, countryCode: d.shipToCustomerCountry._id, residential: false },
      contact: { companyName: names[0], personName: names[1], phoneNumber: phone, emailAddress: d.shipToCustomerEmail },
    };
    const body = {
      labelResponseOptions: 'LABEL',
      accountNumber: { value: CFG.account },
      requestedShipment: {
        shipDatestamp: new Date().toISOString().slice(0, 10),
        pickupType: 'DROPOFF_AT_FEDEX_LOCATION', serviceType: 'FEDEX_GROUND', packagingType: 'YOUR_PACKAGING',
        totalWeight: weight, shipper: CFG.shipper, recipients: [recipient],
        shippingChargesPayment: { paymentType: 'SENDER', payor: { responsibleParty: { accountNumber: { value: CFG.account } } } },
        labelSpecification: { imageType: 'ZPLII', labelStockType: 'STOCK_4X6' },
        requestedPackageLineItems: [{ sequenceNumber: 1, weight: { value: weight, units: d.weightUnit._id },
          itemDescription: 'X3 ' + d._id,
          customerReferences: [{ customerReferenceType: 'CUSTOMER_REFERENCE', value: CFG.folder + ' SDH ' + d._id }] }],
      },
    };
    return {
      url: CFG.fedexUrl + '/ship/v1/shipments',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-locale': 'en_US',
        'x-customer-transaction-id': 'floor:' + CFG.folder + ':salesDelivery:' + d._id, authorization: 'Bearer ' + token },
      body: JSON.stringify(body),
    };
  },
  shipped(status, body, key) {
    const s = body && body.output && body.output.transactionShipments && body.output.transactionShipments[0];
    if (status !== 200 || !s) throw new Error(key + ': FedEx ship HTTP ' + status + ' ' + JSON.stringify(body).slice(0, 300));
    const piece = s.pieceResponses[0];
    return { trackingNumber: s.masterTrackingNumber, label: piece.packageDocuments[0].encodedLabel };
  },
  xml(s) {
    return String(s).replace(/[<>&"]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&quot;'));
  },
  soapRequest(op, key, objectXml) {
    const x = h.xml;
    const envelope = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wss="http://www.adonix.com/WSS" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"><soapenv:Header></soapenv:Header><soapenv:Body><wss:' + op +
      ' soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><callContext xsi:type="wss:CAdxCallContext"><codeLang xsi:type="xsd:string">ENG</codeLang><poolAlias xsi:type="xsd:string">' + x(CFG.folder) +
      '</poolAlias><poolId xsi:type="xsd:string"></poolId><requestConfig xsi:type="xsd:string">adxwss.optreturn=JSON</requestConfig></callContext><publicName xsi:type="xsd:string">SDH</publicName><objectKeys xsi:type="wss:ArrayOfCAdxParamKeyValue" soapenc:arrayType="wss:CAdxParamKeyValue[1]"><CAdxParamKeyValue xsi:type="wss:CAdxParamKeyValue"><key xsi:type="xsd:string">SDHNUM</key><value xsi:type="xsd:string">' + x(key) +
      '</value></CAdxParamKeyValue></objectKeys>' + (objectXml === undefined ? '' : '<objectXml xsi:type="xsd:string">' + x(objectXml) + '</objectXml>') +
      '</wss:' + op + '></soapenv:Body></soapenv:Envelope>';
    const headers = { 'content-type': 'text/xml; charset=utf-8', soapaction: '""',
      authorization: 'Basic ' + Buffer.from(env.get('FLOOR_X3_USER') + ':' + env.get('FLOOR_X3_PASSWORD')).toString('base64') };
    if (h.cookie) headers.cookie = h.cookie;
    return { url: CFG.x3Url + '/soap-generic/syracuse/collaboration/syracuse/CAdxWebServiceXmlCC', headers, body: envelope };
  },
  modifyRequest(key, trackingNumber) {
    const x = h.xml;
    const param = '<PARAM><GRP ID="SDH2_1"><FLD NAME="YTRACKNUM">' + x(trackingNumber) + '</FLD><FLD NAME="YLABEL">' +
      x(h.labelPath(key, trackingNumber)) + '</FLD></GRP></PARAM>';
    return h.soapRequest('modify', key, param);
  },
  labelPath(key, trackingNumber) {
    return CFG.folder + '/salesDelivery/' + key + '/' + trackingNumber + '.zpl';
  },
  // the session cookie Syracuse sets, sent back from then on
  keepCookie(headers) {
    const set = headers && headers['set-cookie'];
    if (set && set.length) h.cookie = [].concat(set).map((c) => String(c).split(';')[0]).join('; ');
  },
  // the status flag and the record (resultXml as JSON) of a SOAP answer
  soapAnswer(status, text, what) {
    const flag = /<status[^>]*>(\\d+)<\\/status>/.exec(text);
    if (status !== 200 || !flag || flag[1] !== '1') throw new Error(what + ': X3 SOAP HTTP ' + status + ' ' + String(text).slice(0, 300));
    const a = text.indexOf('<![CDATA[');
    const b = text.indexOf(']]>', a);
    return a >= 0 && b > a ? JSON.parse(text.slice(a + 9, b)) : null;
  },
  // x3-update writes the tracking number only where none is, or the same one is
  // the http request node (got, no retry) answers a transport error with its code as msg.statusCode,
  // e.g. ECONNRESET on a kept-alive socket the server closed: the request goes again, at most twice
  again(msg) {
    if (typeof msg.statusCode !== 'string' || !msg.req || msg.attempt >= 2) return null;
    msg.attempt++;
    msg.method = 'POST'; msg.url = msg.req.url; msg.headers = msg.req.headers; msg.payload = msg.req.body;
    return msg;
  },
  writable(record, key, trackingNumber) {
    const now = record && record.SDH2_1 ? record.SDH2_1.YTRACKNUM : undefined;
    if (now === undefined) throw new Error(key + ': X3 read has no SDH2_1.YTRACKNUM');
    return now === '' || now === trackingNumber;
  },
};
`;
}

/** node:http with one keep-alive agent, for variants b and c (On Start code). */
const LEAN_CLIENT = `
const http = global.get('http');
const agent = new http.Agent({ keepAlive: true });
// a kept-alive socket the server closed as it was reused fails before any answer: sent again
// (Node's documented pattern, request.reusedSocket), at most twice
function post(req, attempt = 0) {
  return new Promise((resolve, reject) => {
    const r = http.request(req.url, { method: 'POST', agent,
      headers: Object.assign({ 'content-length': Buffer.byteLength(req.body) }, req.headers) }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', (err) => {
      if (r.reusedSocket && attempt < 2 && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) resolve(post(req, attempt + 1));
      else reject(err);
    });
    r.end(req.body);
  });
}
`;

/** A node of a core flow before ids: `key` names it for the wires. */
type NodeDef = Record<string, unknown> & { key: string; type: string };

/** One tab of core nodes; ids are fixed per variant so a redeploy replaces the same nodes. */
function tab(variant: 'a' | LeanVariant, label: string, nodes: Array<NodeDef>): FlowNode[] {
  const tabId = `f1007${variant.charCodeAt(0).toString(16)}000000000`;
  const ids = new Map(nodes.map((n, i) => [n.key, `${tabId.slice(0, 8)}${String(i + 1).padStart(8, '0')}`]));
  const out: FlowNode[] = [{ id: tabId, type: 'tab', label, disabled: false, info: '' }];
  for (const { key, ...n } of nodes) {
    const wires = (n.wires as string[][] | undefined)?.map((port) => port.map((k) => ids.get(k) ?? k)) ?? [];
    out.push({ x: 100, y: 100, ...n, id: ids.get(key)!, type: n.type, z: tabId, wires });
  }
  return out;
}

function fn(key: string, name: string, func: string, initialize: string, wires: string[][]): NodeDef {
  return { key, type: 'function', name, func, initialize, finalize: '', outputs: wires.length, libs: [], wires };
}

function httpRequest(key: string, ret: 'obj' | 'txt', wires: string[][]): NodeDef {
  return {
    key,
    type: 'http request',
    name: key,
    method: 'use',
    ret,
    paytoqs: 'ignore',
    url: '',
    tls: '',
    persist: true,
    proxy: '',
    insecureHTTPParser: false,
    authType: '',
    senderr: false,
    headers: [],
    wires,
  };
}

function pollInject(key: string, wires: string[][]): NodeDef {
  return {
    key,
    type: 'inject',
    name: 'poll X3',
    props: [{ p: 'payload' }],
    repeat: String(POLL_SECONDS),
    crontab: '',
    once: true,
    onceDelay: 1,
    topic: '',
    payload: '',
    payloadType: 'date',
    wires,
  };
}

/** a request object of the helpers -> the http request node's msg properties */
const AS_MSG = `msg.method = 'POST'; msg.url = req.url; msg.headers = req.headers; msg.payload = req.body; msg.req = req; msg.attempt = 0;`;

/**
 * Variant a: every call through Node-RED's http request node (keep-alive on), the flow's logic
 * in function nodes; a gate keeps at most CFG.concurrency documents in flight.
 */
function bareFlow(cfg: FloorConfig): FlowNode[] {
  const init = `${helpers(cfg)}\nflow.set('h', h);\nflow.set('gate', { queue: [], running: 0 });\nflow.set('fedex', { token: null, exp: 0, waiting: [], pending: false });`;
  return tab('a', 'floor a: core http request', [
    pollInject('tick', [['poll']]),
    fn(
      'poll',
      'poll request',
      `const h = flow.get('h');
if (h.polling) return null;
h.polling = true;
const req = h.pollRequest(null);
${AS_MSG}
return msg;`,
      init,
      [['pollHttp']],
    ),
    httpRequest('pollHttp', 'obj', [['page']]),
    fn(
      'page',
      'deliveries of the page',
      `const h = flow.get('h');
const again = h.again(msg);
if (again) return [null, again];
let page;
try {
  if (msg.statusCode !== 200) throw new Error('X3 GraphQL HTTP ' + msg.statusCode);
  page = h.pollPage(msg.payload);
} catch (err) {
  h.polling = false;
  node.error(err.message);
  return null;
}
const docs = page.fresh.map((d) => ({ payload: d, key: d._id }));
let next = null;
if (page.next) {
  const req = h.pollRequest(page.next);
  next = { method: 'POST', url: req.url, headers: req.headers, payload: req.body, req, attempt: 0 };
} else h.polling = false;
return [docs, next];`,
      '',
      [['gate'], ['pollHttp']],
    ),
    fn(
      'gate',
      'at most N in flight',
      `const g = flow.get('gate');
if (msg.release) g.running--;
else g.queue.push(msg);
const out = [];
while (g.running < ${cfg.concurrency} && g.queue.length) { g.running++; out.push(g.queue.shift()); }
return [out];`,
      '',
      [['token']],
    ),
    fn(
      'token',
      'FedEx token once',
      `const f = flow.get('fedex');
const h = flow.get('h');
if (f.token && f.exp - Date.now() > 60000) return [msg, null];
f.waiting.push(msg);
if (f.pending) return null;
f.pending = true;
const req = h.fedexTokenRequest();
return [null, { method: 'POST', url: req.url, headers: req.headers, payload: req.body, req, attempt: 0 }];`,
      '',
      [['ship'], ['tokenHttp']],
    ),
    httpRequest('tokenHttp', 'obj', [['tokenKept']]),
    fn(
      'tokenKept',
      'token kept, waiting released',
      `const again = flow.get('h').again(msg);
if (again) return [null, null, again];
const f = flow.get('fedex');
f.pending = false;
const waiting = f.waiting;
f.waiting = [];
if (msg.statusCode !== 200 || !msg.payload.access_token) {
  node.error('FedEx token HTTP ' + msg.statusCode);
  return [null, waiting.map(() => ({ release: true }))];
}
f.token = msg.payload.access_token;
f.exp = Date.now() + msg.payload.expires_in * 1000;
return [waiting, null];`,
      '',
      [['ship'], ['gate'], ['tokenHttp']],
    ),
    fn(
      'ship',
      'FedEx ship request',
      `const h = flow.get('h');
msg.delivery = msg.payload;
const req = h.shipRequest(msg.payload, flow.get('fedex').token);
${AS_MSG}
return msg;`,
      '',
      [['shipHttp']],
    ),
    httpRequest('shipHttp', 'obj', [['read']]),
    fn(
      'read',
      'shipped -> X3 SOAP read',
      `const h = flow.get('h');
const again = h.again(msg);
if (again) return [null, null, again];
try {
  msg.shipped = h.shipped(msg.statusCode, msg.payload, msg.key);
} catch (err) {
  node.error(err.message);
  return [null, { release: true }];
}
const req = h.soapRequest('read', msg.key);
${AS_MSG}
return [msg, null];`,
      '',
      [['readHttp'], ['gate'], ['shipHttp']],
    ),
    httpRequest('readHttp', 'txt', [['modify']]),
    fn(
      'modify',
      'read checked -> X3 SOAP modify',
      `const h = flow.get('h');
const again = h.again(msg);
if (again) return [null, null, again];
try {
  h.keepCookie(msg.headers);
  const record = h.soapAnswer(msg.statusCode, msg.payload, msg.key + ' read');
  if (!h.writable(record, msg.key, msg.shipped.trackingNumber)) throw new Error(msg.key + ': X3 holds another tracking number');
} catch (err) {
  node.error(err.message);
  return [null, { release: true }];
}
const req = h.modifyRequest(msg.key, msg.shipped.trackingNumber);
${AS_MSG}
return [msg, null];`,
      '',
      [['modifyHttp'], ['gate'], ['readHttp']],
    ),
    httpRequest('modifyHttp', 'txt', [['written']]),
    fn(
      'written',
      'written to X3',
      `const h = flow.get('h');
const again = h.again(msg);
if (again) return [null, again];
try {
  h.keepCookie(msg.headers);
  h.soapAnswer(msg.statusCode, msg.payload, msg.key + ' modify');
} catch (err) {
  node.error(err.message);
}
return [{ release: true }, null];`,
      '',
      [['gate'], ['modifyHttp']],
    ),
  ]);
}

/**
 * Variants b and c: one function node polls X3 and sends one msg per new delivery, another labels
 * each (at most CFG.concurrency at once), all calls through node:http with a keep-alive agent; c
 * adds the journal appends and the label file, each fsynced.
 */
function leanFlow(variant: LeanVariant, cfg: FloorConfig): FlowNode[] {
  const pollInit = `${helpers(cfg)}${LEAN_CLIENT}\ncontext.set('h', h);\ncontext.set('post', post);\ncontext.set('agent', agent);`;
  const labelInit = `${helpers(cfg)}${LEAN_CLIENT}
const fsp = global.get('fs').promises;
const state = { queue: [], running: 0, token: null, tokenExp: 0, tokenPending: null, journal: null };
if (CFG.durable) {
  await fsp.mkdir(CFG.dir + '/labels', { recursive: true });
  state.journal = await fsp.open(CFG.dir + '/journal.ndjson', 'a');
}
// one fsynced append: durable before the caller goes on
async function append(entry) {
  await state.journal.write(JSON.stringify(entry) + '\\n');
  await state.journal.sync();
}
async function saveLabel(key, trackingNumber, encoded) {
  const final = CFG.dir + '/labels/' + key + '-' + trackingNumber + '.zpl';
  const tmp = final + '.tmp';
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(Buffer.from(encoded, 'base64'));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, final);
  return final;
}
// one raw job per connection, done when the printer has taken it and closed its side
function print(bytes) {
  const net = global.get('net');
  return new Promise((resolve, reject) => {
    const socket = net.connect(CFG.printer.port, CFG.printer.host);
    socket.on('error', reject);
    socket.on('connect', () => socket.end(bytes));
    socket.on('close', (failed) => (failed ? reject(new Error('print failed')) : resolve()));
  });
}
async function fedexToken() {
  if (state.token && state.tokenExp - Date.now() > 60000) return state.token;
  if (!state.tokenPending) {
    state.tokenPending = post(h.fedexTokenRequest()).then((res) => {
      const body = JSON.parse(res.text);
      if (res.status !== 200 || !body.access_token) throw new Error('FedEx token HTTP ' + res.status);
      state.token = body.access_token;
      state.tokenExp = Date.now() + body.expires_in * 1000;
      return state.token;
    }).finally(() => { state.tokenPending = null; });
  }
  return state.tokenPending;
}
async function label(d) {
  const key = d._id;
  const shipReq = h.shipRequest(d, await fedexToken());
  if (CFG.durable) await append({ op: 'claim', key, at: Date.now() });
  const res = await post(shipReq);
  const shipped = h.shipped(res.status, JSON.parse(res.text), key);
  if (CFG.durable) {
    const file = await saveLabel(key, shipped.trackingNumber, shipped.label);
    await append({ op: 'complete', key, trackingNumber: shipped.trackingNumber, label: file, at: Date.now() });
  }
  if (CFG.printer) {
    await print(Buffer.from(shipped.label, 'base64'));
    await append({ op: 'printed', key, trackingNumber: shipped.trackingNumber, at: Date.now() });
  }
  const read = await post(h.soapRequest('read', key));
  h.keepCookie(read.headers);
  if (!h.writable(h.soapAnswer(read.status, read.text, key + ' read'), key, shipped.trackingNumber))
    throw new Error(key + ': X3 holds another tracking number');
  const mod = await post(h.modifyRequest(key, shipped.trackingNumber));
  h.keepCookie(mod.headers);
  h.soapAnswer(mod.status, mod.text, key + ' modify');
}
function pump() {
  while (state.running < CFG.concurrency && state.queue.length) {
    const d = state.queue.shift();
    state.running++;
    label(d).catch((err) => node.error(err.message)).finally(() => { state.running--; pump(); });
  }
}
context.set('enqueue', (d) => { state.queue.push(d); pump(); });
context.set('close', async () => { agent.destroy(); if (state.journal) await state.journal.close(); });`;
  return tab(variant, `floor ${variant}: node:http${cfg.durable ? ' + fsync' : ''}${cfg.printer ? ' + print' : ''}`, [
    pollInject('tick', [['poll']]),
    {
      ...fn(
        'poll',
        'poll X3',
        `const h = context.get('h');
const post = context.get('post');
if (h.polling) return null;
h.polling = true;
try {
  let after = null;
  do {
    const res = await post(h.pollRequest(after));
    if (res.status !== 200) throw new Error('X3 GraphQL HTTP ' + res.status);
    const page = h.pollPage(JSON.parse(res.text));
    for (const d of page.fresh) node.send({ payload: d, key: d._id });
    after = page.next;
  } while (after);
} catch (err) {
  node.error(err.message);
} finally {
  h.polling = false;
}
return null;`,
        pollInit,
        [['label']],
      ),
      finalize: `context.get('agent').destroy();`,
    },
    {
      ...fn('label', 'label each delivery', `context.get('enqueue')(msg.payload);\nreturn null;`, labelInit, []),
      finalize: `context.get('close')().catch((err) => node.error(err.message));`,
    },
  ]);
}

interface Measured {
  variant: Variant;
  round: number;
  docs: number;
  cpuMs: number;
  wallMs: number;
  idleRate: number;
  tokenRequests: number;
  /** complete jobs the printer got during the warm-up and the measured batch */
  printed: number;
}

async function deploy(env: E2E, variant: Variant, cfg: FloorConfig): Promise<void> {
  if (variant === 'ex01') return env.redeploy(EX01_WIRING);
  const started = (): number => env.runtime.log().split('Started flows').length;
  const before = started();
  const flows = variant === 'a' ? bareFlow(cfg) : leanFlow(variant, cfg);
  await deployFlows(env.runtime.url, flows, env.adminHeaders);
  await until('the floor flow to start', () => started() > before, 60_000);
}

/**
 * The checks that make a figure count: one active FedEx shipment per delivery, and X3 holding its
 * tracking number and label path.
 */
function verify(env: E2E, keys: string[]): void {
  const refs = new Set(keys.map((k) => `SEED SDH ${k}`));
  const byRef = new Map<string, string[]>();
  for (const s of env.sims.fedex.state.shipments) {
    if (s.status !== 'active') continue;
    for (const r of s.references)
      if (refs.has(r.value)) byRef.set(r.value, [...(byRef.get(r.value) ?? []), s.masterTrackingNumber]);
  }
  const wrong: string[] = [];
  for (const k of keys) {
    const shipments = byRef.get(`SEED SDH ${k}`) ?? [];
    const values = env.sims.x3.store.get('salesDelivery', k)?.values;
    if (shipments.length !== 1) wrong.push(`${k}: ${shipments.length} FedEx shipments`);
    else if (values?.YTRACKNUM !== shipments[0]) wrong.push(`${k}: X3 YTRACKNUM ${String(values?.YTRACKNUM)}`);
    else if (!String(values?.YLABEL ?? '').endsWith(`${shipments[0]}.zpl`))
      wrong.push(`${k}: X3 YLABEL ${String(values?.YLABEL)}`);
  }
  if (wrong.length)
    throw new Error(`${wrong.length} of ${keys.length} deliveries wrong: ${wrong.slice(0, 5).join('; ')}`);
}

async function measure(
  env: E2E,
  variant: Variant,
  round: number,
  sizes: { docs: number; warmup: number },
): Promise<Measured> {
  const pid = env.runtime.process.pid!;
  const tokens0 = env.sims.fedex.state.tokenRequests.length;
  const printed0 = env.sims.printer.printed().length;
  const prefix = `F${variant === 'ex01' ? 'X' : variant.toUpperCase()}${round}`;
  const problems = (): string => runtimeProblems(env.runtime);
  const warm = await labelBatch(env.sims.x3, `${prefix}W`, sizes.warmup, 300_000, problems);
  verify(env, warm.keys);
  const idle0 = procSample(pid).cpuMs;
  const idleStart = Date.now();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idleRate = (procSample(pid).cpuMs - idle0) / (Date.now() - idleStart);
  const cpu0 = procSample(pid).cpuMs;
  const b = await labelBatch(env.sims.x3, `${prefix}M`, sizes.docs, 600_000, problems);
  const cpuMs = procSample(pid).cpuMs - cpu0;
  verify(env, b.keys);
  return {
    variant,
    round,
    docs: sizes.docs,
    cpuMs,
    wallMs: b.doneAt - b.startedAt,
    idleRate,
    tokenRequests: env.sims.fedex.state.tokenRequests.length - tokens0,
    printed: env.sims.printer.printed().length - printed0,
  };
}

/** Variant c's and d's files: their journal lines and one label per document labelled. */
function verifyDurable(variant: 'c' | 'd', dir: string, labelled: number): void {
  const journal = path.join(dir, 'journal.ndjson');
  const lines = fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).length : 0;
  const labelDir = path.join(dir, 'labels');
  const labels = fs.existsSync(labelDir) ? fs.readdirSync(labelDir).filter((f) => f.endsWith('.zpl')).length : 0;
  if (lines !== JOURNAL_LINES[variant] * labelled || labels !== labelled)
    throw new Error(`variant ${variant}: ${lines} journal lines and ${labels} label files for ${labelled} documents`);
}

export async function run(): Promise<BenchResult[]> {
  const docs = Math.floor(envNumber('BENCH_FLOOR_DOCS', 1000));
  const warmup = Math.floor(envNumber('BENCH_FLOOR_WARMUP', 200));
  const rounds = Math.floor(envNumber('BENCH_FLOOR_ROUNDS', 2));
  const concurrency = Math.floor(envNumber('BENCH_FLOOR_CONCURRENCY', 4));
  const load0 = os.loadavg();
  const env = await startE2E({
    sims: { x3: { records: X3_RECORDS }, fedex: { quotaLimit: 1_000_000_000 } },
    wiring: EX01_WIRING,
    webhooks: { fedex: false, shipstation: false },
    runtimeEnv: RUNTIME_ENV,
    settings: SETTINGS,
  });
  const measured: Measured[] = [];
  try {
    env.sims.fedex.config.latencyMs = 0;
    env.sims.x3.config.latencyMs = 0;
    const dir = (v: Variant): string => path.join(env.userDir, 'floor', v);
    const cfg = (v: Variant): FloorConfig => ({
      x3Url: env.endpoints.x3Url,
      fedexUrl: env.endpoints.fedexUrl,
      folder: SIM_CREDENTIALS.x3.folder,
      account: SIM_CREDENTIALS.fedex.accountNumber,
      concurrency,
      pollSeconds: POLL_SECONDS,
      dir: dir(v),
      durable: v === 'c' || v === 'd',
      printer: v === 'd' ? { host: env.sims.printer.host, port: env.sims.printer.port } : null,
      shipper: {
        address: {
          streetLines: [DEMO_SHIPPER.street1],
          city: DEMO_SHIPPER.city,
          stateOrProvinceCode: DEMO_SHIPPER.state,
          postalCode: DEMO_SHIPPER.postal,
          countryCode: DEMO_SHIPPER.country,
        },
        contact: {
          companyName: DEMO_SHIPPER.company,
          personName: DEMO_SHIPPER.contact,
          emailAddress: DEMO_SHIPPER.email,
          phoneNumber: DEMO_SHIPPER.phone,
        },
      },
    });
    const order: Variant[] = ['ex01', 'a', 'b', 'c', 'd'];
    const durableDocs = { c: 0, d: 0 };
    // example 01 is deployed by startE2E; its start-up injects have nothing to do
    let deployed: Variant | undefined = 'ex01';
    for (let round = 1; round <= rounds; round++) {
      for (const variant of round % 2 ? order : [...order].reverse()) {
        if (deployed !== variant) await deploy(env, variant, cfg(variant));
        deployed = variant;
        await new Promise((r) => setTimeout(r, 2500));
        const m = await measure(env, variant, round, { docs, warmup });
        if (variant !== 'ex01' && m.tokenRequests > 1)
          throw new Error(`variant ${variant}: ${m.tokenRequests} FedEx token requests in one deployment`);
        if (variant === 'c' || variant === 'd') durableDocs[variant] += docs + warmup;
        if (variant === 'd' && m.printed !== docs + warmup)
          throw new Error(`variant d: ${m.printed} complete print jobs for ${docs + warmup} documents`);
        measured.push(m);
        console.log(
          `round ${round} ${variant}: ${(m.cpuMs / m.docs).toFixed(3)} ms CPU/doc, ${oneDecimal(m.docs / (m.wallMs / 1000))} docs/s, idle ${(m.idleRate * 1000).toFixed(1)} ms/s, ${m.printed} labels printed`,
        );
      }
    }
    for (const v of ['c', 'd'] as const) if (durableDocs[v]) verifyDurable(v, dir(v), durableDocs[v]);
  } finally {
    await env.stop();
  }
  const load1 = os.loadavg();
  return report(measured, { docs, rounds, concurrency, load0, load1 });
}

function oneDecimal(v: number): number {
  return round(v, 1);
}

function report(
  measured: Measured[],
  info: { docs: number; rounds: number; concurrency: number; load0: number[]; load1: number[] },
): BenchResult[] {
  const total = (v: Variant): { perDoc: number; lessIdle: number; docsPerS: number } => {
    const ms = measured.filter((m) => m.variant === v);
    const docs = ms.reduce((n, m) => n + m.docs, 0);
    const cpu = ms.reduce((n, m) => n + m.cpuMs, 0);
    const idle = ms.reduce((n, m) => n + m.idleRate * m.wallMs, 0);
    const wall = ms.reduce((n, m) => n + m.wallMs, 0);
    return { perDoc: cpu / docs, lessIdle: (cpu - idle) / docs, docsPerS: docs / (wall / 1000) };
  };
  const ex01 = total('ex01');
  const rows: BenchResult[] = [];
  for (const v of ['ex01', 'a', 'b', 'c', 'd'] as Variant[]) {
    const t = total(v);
    const perRound = measured
      .filter((m) => m.variant === v)
      .map((m) => {
        const base = measured.find((x) => x.variant === 'ex01' && x.round === m.round)!;
        return round(m.cpuMs / m.docs / (base.cpuMs / base.docs), 2);
      });
    rows.push(
      {
        name: `${VARIANT_NAMES[v]}: Node-RED CPU per document`,
        value: round(t.perDoc),
        unit: `ms (less idle polling ${round(t.lessIdle)} ms; ${oneDecimal(t.docsPerS)} docs/s)`,
        ...(v === 'ex01' ? { target: '<= 1', pass: t.perDoc <= 1 } : {}),
      },
      ...(v === 'ex01'
        ? []
        : [
            {
              name: `${VARIANT_NAMES[v]}: ratio to example 01`,
              value: round(t.perDoc / ex01.perDoc, 2),
              unit: `(per round ${perRound.join(', ')})`,
            },
          ]),
    );
  }
  rows.push({
    name: `load average (1/5 min) before / after, ${info.rounds} round(s) of ${info.docs} docs, ${info.concurrency} in flight`,
    value: round(info.load0[0], 2),
    unit: `/ ${round(info.load0[1], 2)} before, ${round(info.load1[0], 2)} / ${round(info.load1[1], 2)} after (${os.cpus().length} CPUs)`,
  });
  return rows;
}

if (require.main === module) runStandalone(run);
