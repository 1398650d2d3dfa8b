/**
 * Classic SOAP web services (CAdxWebServiceXmlCC): read, query, save, modify, delete, run,
 * getDescription over the same store, plus the pool-busy and licence-volume behaviours.
 */
import express, { type Request, type Response, type Router } from 'express';
import { ENTITY_NAMES, type EntityDef, type EntityName } from './entities';
import { gate, trackRequest, type SimContext } from './context';
import { createSalesDelivery } from './delivery-create';
import {
  escapeXml,
  groupsOf,
  groupXml,
  listResultXml,
  paramToRecordInput,
  parseParamXml,
  parseSoapEnvelope,
  recordResultJson,
  recordResultXml,
  soapFault,
  soapResponse,
  SoapFormatError,
  type SoapCall,
  type SoapMessage,
} from './soap-xml';
import type { StoredRecord } from './store';
import { X3BusinessError } from './values';

export const SOAP_PATH = '/soap-generic/syracuse/collaboration/syracuse/CAdxWebServiceXmlCC';

interface Outcome {
  status: 0 | 1;
  messages: SoapMessage[];
  resultXml: string;
}

const LICENCE_MESSAGE = 'Licence: web service data volume limit reached for the period';

function err(message: string): Outcome {
  return { status: 0, messages: [{ type: 3, message }], resultXml: '' };
}

export function soapRouter(ctx: SimContext): Router {
  const router = express.Router();

  const entityFor = (publicName: string): EntityDef | undefined => {
    const name = ENTITY_NAMES.find((n: EntityName) => n !== 'stock' && ctx.publications[n] === publicName);
    return name ? ctx.store.defs[name] : undefined;
  };

  const wantsJson = (call: SoapCall): boolean => /adxwss\.optreturn\s*=\s*JSON/i.test(call.callContext.requestConfig);

  const result = (call: SoapCall, def: EntityDef, rec: StoredRecord, messages: SoapMessage[] = []): Outcome => ({
    status: 1,
    messages,
    resultXml: wantsJson(call) ? recordResultJson(def, rec) : recordResultXml(def, rec),
  });

  const keyOf = (call: SoapCall, def: EntityDef): string | Outcome => {
    const k =
      call.objectKeys.find((x) => x.key === def.key) ?? (call.objectKeys.length === 1 ? call.objectKeys[0] : undefined);
    if (!k || k.value.trim() === '') return err(`${def.key}: key value missing`);
    if (k.key !== def.key) return err(`${k.key}: not a key of ${call.publicName} (expected ${def.key})`);
    return k.value;
  };

  const ignoredWarnings = (ignored: string[]): SoapMessage[] =>
    ignored.map((f) => ({ type: 2, message: `${f}: field not modifiable, value ignored` }));

  const run = (call: SoapCall, user: string): Outcome => {
    if (call.operation === 'run') {
      if (call.publicName === ctx.publications.deliveryAttachmentSubprogram) return runAttachmentSubprogram(call, user);
      if (call.publicName !== ctx.publications.deliveryTrackingSubprogram)
        return err(`${call.publicName}: web service not published`);
      return runTrackingSubprogram(call, user);
    }
    const def = entityFor(call.publicName);
    if (!def) return err(`${call.publicName}: web service not published`);
    switch (call.operation) {
      case 'read': {
        const key = keyOf(call, def);
        if (typeof key !== 'string') return key;
        const rec = ctx.store.get(def.name, key);
        if (!rec) return err(`${def.restClass} ${key}: record does not exist`);
        return result(call, def, rec);
      }
      case 'query': {
        const size =
          call.listSize !== undefined && Number.isInteger(call.listSize) && call.listSize > 0 ? call.listSize : 20;
        const criteria = call.objectKeys.filter((k) => k.value !== '');
        for (const c of criteria)
          if (!def.fields.some((f) => f.x3 === c.key)) return err(`${c.key}: unknown field of ${call.publicName}`);
        const matches = (rec: StoredRecord): boolean =>
          criteria.every((c) => {
            const v = rec.values[c.key];
            const s = Array.isArray(v) ? v.join(' ') : String(v ?? '');
            return c.value.endsWith('*') ? s.startsWith(c.value.slice(0, -1)) : s === c.value;
          });
        const rows = ctx.store.list(def.name).filter(matches).slice(0, size);
        const listFields = groupsOf(def.fields)[0].fields.filter((f) => !f.dim);
        return {
          status: 1,
          messages: [],
          resultXml: listResultXml(rows.map((r) => ({ fields: listFields, values: r.values }))),
        };
      }
      case 'save': {
        const input = paramToRecordInput(def, parseParamXml(call.xml));
        const opts = { via: 'soap', user, ignoreReadOnly: true } as const;
        // a delivery is not a plain insert: it consumes the order and issues stock
        const { record, ignored } =
          def.name === 'salesDelivery'
            ? createSalesDelivery(ctx.store, ctx.knobs, input, opts)
            : ctx.store.insert(def.name, input, opts);
        return result(call, def, record, ignoredWarnings(ignored));
      }
      case 'modify': {
        const key = keyOf(call, def);
        if (typeof key !== 'string') return key;
        const rec = ctx.store.get(def.name, key);
        if (!rec) return err(`${def.restClass} ${key}: record does not exist`);
        if (def.name === 'salesDelivery' && rec.values.CFMFLG === 2 && !ctx.knobs.allowModifyValidatedDelivery) {
          return err(`Delivery ${key}: validated delivery, modification not allowed`);
        }
        const input = paramToRecordInput(def, parseParamXml(call.xml));
        const { record, ignored } = ctx.store.update(def.name, key, input, { via: 'soap', user, ignoreReadOnly: true });
        return result(call, def, record, ignoredWarnings(ignored));
      }
      case 'delete': {
        const key = keyOf(call, def);
        if (typeof key !== 'string') return key;
        ctx.store.remove(def.name, key, { via: 'soap', user });
        return { status: 1, messages: [], resultXml: '' };
      }
      case 'getDescription': {
        const fld = (f: (typeof def.fields)[number]): string =>
          `<FLD NAME="${escapeXml(f.x3)}" TYPE="${f.kind === 'int' || f.kind === 'menu' ? 'Integer' : f.kind === 'decimal' ? 'Decimal' : f.kind === 'date' ? 'Date' : f.kind === 'datetime' ? 'Datetime' : 'Char'}"${f.dim ? ` DIM="${f.dim}"` : ''}${f.maxLength ? ` LEN="${f.maxLength}"` : ''} C_ENG="${escapeXml(f.title)}"${f.readOnly ? ' RO="1"' : ''}/>`;
        let xml = `<?xml version="1.0" encoding="UTF-8"?><ADXDESC><ADXPAR NAME="${escapeXml(call.publicName)}"/>`;
        for (const g of groupsOf(def.fields)) xml += `<GRP ID="${escapeXml(g.id)}">${g.fields.map(fld).join('')}</GRP>`;
        if (def.lines) xml += `<TAB ID="${escapeXml(def.lines.soapTab)}">${def.lines.fields.map(fld).join('')}</TAB>`;
        return { status: 1, messages: [], resultXml: `${xml}</ADXDESC>` };
      }
      default:
        return err(`${call.operation}: operation not supported`);
    }
  };

  const runTrackingSubprogram = (call: SoapCall, user: string): Outcome => {
    const def = ctx.store.defs.salesDelivery;
    const param = parseParamXml(call.xml);
    const sdh = param.fields.SDHNUM;
    if (typeof sdh !== 'string' || sdh.trim() === '') return err('SDHNUM: mandatory parameter');
    if (!ctx.store.get('salesDelivery', sdh)) return err(`${def.restClass} ${sdh}: record does not exist`);
    const writable = def.fields.filter((f) => f.x3.startsWith('Y') && !f.readOnly && !f.dim);
    const changes: Record<string, string> = {};
    for (const [name, value] of Object.entries(param.fields)) {
      if (name === 'SDHNUM') continue;
      if (typeof value !== 'string' || !writable.some((f) => f.x3 === name))
        return err(`${name}: unknown parameter of ${call.publicName}`);
      changes[name] = value;
    }
    const { record } = ctx.store.update('salesDelivery', sdh, changes, { via: 'soap', user });
    const outFields = [def.fields.find((f) => f.x3 === 'SDHNUM')!, ...writable];
    const body = wantsJson(call)
      ? JSON.stringify({ GRP1: Object.fromEntries(outFields.map((f) => [f.x3, String(record.values[f.x3] ?? '')])) })
      : `<?xml version="1.0" encoding="UTF-8"?><RESULT>${groupXml('GRP1', outFields, record.values)}</RESULT>`;
    return { status: 1, messages: [], resultXml: body };
  };

  const runAttachmentSubprogram = (call: SoapCall, user: string): Outcome => {
    const def = ctx.store.defs.salesDelivery;
    const param = parseParamXml(call.xml);
    const known = ['SDHNUM', 'YPATH', 'YDES'];
    for (const name of Object.keys(param.fields))
      if (!known.includes(name)) return err(`${name}: unknown parameter of ${call.publicName}`);
    const sdh = param.fields.SDHNUM;
    const path = param.fields.YPATH;
    const des = param.fields.YDES;
    if (typeof sdh !== 'string' || sdh.trim() === '') return err('SDHNUM: mandatory parameter');
    if (typeof path !== 'string' || path.trim() === '') return err('YPATH: mandatory parameter');
    if (path.length > 250) return err('YPATH: longer than 250 characters');
    if (!ctx.store.get('salesDelivery', sdh)) return err(`${def.restClass} ${sdh}: record does not exist`);
    const a = ctx.store.attach('salesDelivery', sdh, path, typeof des === 'string' ? des : '', user);
    const values = { SDHNUM: sdh, YPATH: a.path, YDES: a.description };
    const body = wantsJson(call)
      ? JSON.stringify({ GRP1: values })
      : `<?xml version="1.0" encoding="UTF-8"?><RESULT><GRP ID="GRP1">${Object.entries(values)
          .map(([k, v]) => `<FLD NAME="${k}">${escapeXml(v)}</FLD>`)
          .join('')}</GRP></RESULT>`;
    return { status: 1, messages: [], resultXml: body };
  };

  router.post(SOAP_PATH, express.text({ type: () => true, limit: '20mb' }), async (req: Request, res: Response) => {
    const delay = { ms: 0 };
    trackRequest(ctx, 'soap', req, res, delay);
    const user = await gate(ctx, 'soap', req, res, delay);
    if (user === null) return;
    const sendXml = (status: number, xml: string): void => {
      ctx.licence.add(Buffer.byteLength(xml, 'utf8'));
      res.status(status).type('text/xml; charset=utf-8').send(xml);
    };
    if (ctx.faults.takePoolBusy()) return sendXml(500, soapFault('No Web services accepted'));

    let call: SoapCall;
    try {
      call = parseSoapEnvelope(typeof req.body === 'string' ? req.body : '');
    } catch (e) {
      if (e instanceof SoapFormatError) return sendXml(500, soapFault(e.message, 'soapenv:Client'));
      throw e;
    }
    if (!ctx.folders.includes(call.callContext.poolAlias))
      return sendXml(500, soapFault(`Pool not found: ${call.callContext.poolAlias}`));

    const phase = ctx.licence.phase();
    if (phase === 'refused')
      return sendXml(200, soapResponse(call.operation, 0, [{ type: 3, message: LICENCE_MESSAGE }], '', 0));
    if (phase === 'grace') {
      delay.ms += ctx.knobs.licence.graceDelayMs;
      await ctx.sleep(ctx.knobs.licence.graceDelayMs);
    }
    const started = ctx.serverNow();
    let outcome: Outcome;
    try {
      outcome = run(call, user);
    } catch (e) {
      if (e instanceof X3BusinessError || e instanceof SoapFormatError) outcome = err(e.message);
      else throw e;
    }
    sendXml(
      200,
      soapResponse(
        call.operation,
        outcome.status,
        outcome.messages,
        outcome.resultXml,
        Math.max(0, ctx.serverNow() - started),
      ),
    );
  });
  return router;
}
