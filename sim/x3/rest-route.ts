/**
 * REST api1 (Syracuse SData 2.0 JSON): `/api1/x3/erp/{folder}/{CLASS}...` with facets
 * $query, $details, $edit, $create, $template and $prototypes (reference section 4).
 */
import express, { type Request, type Response, type Router } from 'express';
import { ENTITY_NAMES, keyFieldsOf, type EntityDef, type FieldSpec } from './entities';
import { diagnoses, gate, trackRequest, type SimContext } from './context';
import type { SortKey, SortValue } from './query';
import { compileWhere, WhereSyntaxError } from './sdata-where';
import type { RecordInput, StoredRecord } from './store';
import { defaultValue, parseDatetime, toX3Stamp, X3BusinessError, type FieldValue } from './values';

const DEFAULT_COUNT = 20;
const API_PREFIX = /^\/api1\/x3\/erp\/([^/]+)\/(.+)$/;

type Resource =
  | { kind: 'class'; cls: string }
  | { kind: 'instance'; cls: string; key: string }
  | { kind: 'template'; cls: string }
  | { kind: 'prototype'; cls: string; repr: string; facet: string };

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function parseResource(path: string): Resource | null {
  const p = decode(path);
  let m = /^([A-Za-z0-9_]+)$/.exec(p);
  if (m) return { kind: 'class', cls: m[1] };
  m = /^([A-Za-z0-9_]+)\('((?:[^']|'')*)'\)$/.exec(p);
  if (m) return { kind: 'instance', cls: m[1], key: m[2].replace(/''/g, "'") };
  m = /^([A-Za-z0-9_]+)\/\$template$/.exec(p);
  if (m) return { kind: 'template', cls: m[1] };
  m = /^([A-Za-z0-9_]+)\/\$prototypes\('([A-Za-z0-9_]+)\.\$(\w+)'\)$/.exec(p);
  if (m) return { kind: 'prototype', cls: m[1], repr: m[2], facet: m[3] };
  return null;
}

function comparable(spec: FieldSpec, v: FieldValue | undefined): SortValue {
  if (v === undefined || v === null || v === '') return null;
  if (Array.isArray(v)) return v.join('\u0000');
  if (spec.kind === 'datetime' && typeof v === 'string') return parseDatetime(v);
  return v;
}

/** One value of the `key=gt.` continuation: `~` separates values, so it and `%` are escaped. */
function encodeKeyPart(spec: FieldSpec, v: SortValue): string {
  const s = v === null ? '' : spec.kind === 'datetime' && typeof v === 'number' ? toX3Stamp(v) : String(v);
  return s.replace(/%/g, '%25').replace(/~/g, '%7E');
}

function decodeKeyPart(spec: FieldSpec, raw: string): SortValue {
  const s = decode(raw);
  if (s === '') return null;
  switch (spec.kind) {
    case 'datetime': {
      const t = parseDatetime(s);
      if (Number.isNaN(t)) throw new WhereSyntaxError(`key: invalid datetime '${s}'`);
      return t;
    }
    case 'int':
    case 'decimal':
    case 'menu': {
      const n = Number(s);
      if (!Number.isFinite(n)) throw new WhereSyntaxError(`key: invalid number '${s}'`);
      return n;
    }
    default:
      return s;
  }
}

function restType(spec: FieldSpec): Record<string, unknown> {
  if (spec.dim)
    return { $type: 'application/x-array', $item: { $type: 'application/x-string', $maxLength: spec.maxLength } };
  switch (spec.kind) {
    case 'int':
      return { $type: 'application/x-integer' };
    case 'decimal':
      return { $type: 'application/x-decimal' };
    case 'date':
      return { $type: 'application/x-date' };
    case 'datetime':
      return { $type: 'application/x-datetime' };
    case 'menu':
      return {
        $type: 'application/x-choice',
        $value: {
          $type: 'application/x-integer',
          $enum: (spec.menuLabels ?? []).map((t, i) => ({ $value: i + 1, $title: t })),
        },
      };
    default:
      return { $type: 'application/x-string', $maxLength: spec.maxLength };
  }
}

function prototypeProperties(fields: readonly FieldSpec[]): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const f of fields) {
    props[f.x3] = {
      ...restType(f),
      $title: f.title,
      ...(f.mandatory ? { $isMandatory: true } : {}),
      ...(f.readOnly ? { $isReadOnly: true } : {}),
    };
  }
  return props;
}

function valueCopy(v: FieldValue | undefined): FieldValue {
  return Array.isArray(v) ? [...v] : (v ?? null);
}

export function restRouter(ctx: SimContext): Router {
  const router = express.Router();
  const byClass = new Map<string, EntityDef>(ENTITY_NAMES.map((n) => [ctx.store.defs[n].restClass, ctx.store.defs[n]]));

  const representations = (cls: string): Record<string, { queryColumns?: string[] }> => ({
    [cls]: {},
    ...(ctx.restRepresentations[cls] ?? {}),
  });

  const baseUrl = (req: Request): string => `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  const instanceUrl = (
    req: Request,
    folder: string,
    def: EntityDef,
    key: string,
    repr: string,
    facet: string,
  ): string =>
    `${baseUrl(req)}/api1/x3/erp/${encodeURIComponent(folder)}/${def.restClass}('${encodeURIComponent(key.replace(/'/g, "''"))}')?representation=${repr}.$${facet}`;

  const details = (
    req: Request,
    folder: string,
    def: EntityDef,
    rec: StoredRecord,
    repr: string,
    facet: string,
  ): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      $uuid: rec.uuid,
      $etag: rec.values.UPDDATTIM,
      $url: instanceUrl(req, folder, def, rec.key, repr, facet),
    };
    for (const f of def.fields) out[f.x3] = valueCopy(rec.values[f.x3]);
    if (def.lines) {
      const ld = def.lines;
      out[ld.restName] = rec.lines.map((l) => {
        const o: Record<string, unknown> = {};
        for (const f of ld.fields) o[f.x3] = valueCopy(l[f.x3]);
        return o;
      });
    }
    return out;
  };

  const refuseClassic = (def: EntityDef, repr: string): string | null => {
    if (def.transactionOnly)
      return `${def.restClass}: records are maintained by stock transactions; create/update is not available through the web API`;
    return def.classic && ctx.knobs.refuseClassicRestWrites
      ? `${def.restClass}: the representation ${repr} is not based on a class; create/update is not available through the web API`
      : null;
  };

  const sendError = (res: Response, e: unknown): void => {
    if (e instanceof X3BusinessError) {
      res.status(e.code === 'not-found' ? 404 : 400).json(diagnoses(e.message));
    } else if (e instanceof WhereSyntaxError) {
      res.status(400).json(diagnoses(e.message));
    } else throw e;
  };

  const handleQuery = (
    req: Request,
    res: Response,
    folder: string,
    def: EntityDef,
    repr: string,
    columns: readonly string[],
  ): void => {
    const q = req.query;
    const header = def.fields;
    const colSet = new Set(columns);
    const visible = header.filter((f) => colSet.has(f.x3));
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

    let count = DEFAULT_COUNT;
    const countRaw = str(q.count);
    if (countRaw !== undefined) {
      count = Number(countRaw);
      if (!Number.isInteger(count) || count < 1)
        return void res.status(400).json(diagnoses(`count: positive integer expected, got '${countRaw}'`));
    }
    const itemsPerPage = Math.min(count, ctx.knobs.restMaxPageSize);

    let predicate = null;
    const where = str(q.where);
    if (where !== undefined && where.trim() !== '') {
      const compiled = compileWhere(where, visible);
      predicate = compiled.predicate;
    }

    const sortSpecs: Array<{ spec: FieldSpec; dir: 1 | -1 }> = [];
    const orderBy = str(q.orderBy);
    if (orderBy !== undefined && orderBy.trim() !== '') {
      for (const part of orderBy.split(',')) {
        const m = /^\s*([A-Za-z0-9_]+)(?:\s+(asc|desc))?\s*$/i.exec(part);
        if (!m) throw new WhereSyntaxError(`orderBy: invalid clause '${part.trim()}'`);
        const spec = visible.find((f) => f.x3 === m[1]);
        if (!spec) throw new WhereSyntaxError(`orderBy: unknown property '${m[1]}' in representation ${repr}`);
        sortSpecs.push({ spec, dir: m[2]?.toLowerCase() === 'desc' ? -1 : 1 });
      }
    }
    // the key (each part of a composite key) breaks ties, so `key=gt.` paging is exact
    for (const keyField of keyFieldsOf(def)) {
      const keySpec = header.find((f) => f.x3 === keyField)!;
      if (!sortSpecs.some((s) => s.spec.x3 === keyField)) sortSpecs.push({ spec: keySpec, dir: 1 });
    }
    const sort: SortKey[] = sortSpecs.map(({ spec, dir }) => ({
      id: spec.x3,
      dir,
      get: (v) => comparable(spec, v[spec.x3]),
    }));

    const keyParam = str(q.key);
    let after: SortValue[] | undefined;
    let lastPage = false;
    if (keyParam !== undefined) {
      if (keyParam === 'lt') lastPage = true;
      else if (keyParam.startsWith('gt.')) {
        const parts = keyParam.slice(3).split('~');
        if (parts.length !== sortSpecs.length)
          throw new WhereSyntaxError(`key: ${sortSpecs.length} value(s) expected for the ordering`);
        after = parts.map((p, i) => decodeKeyPart(sortSpecs[i].spec, p));
      } else throw new WhereSyntaxError(`key: unsupported value '${keyParam}'`);
    }

    const filterId = `rest:${where ?? ''}`;
    let rows: StoredRecord[];
    let hasNext: boolean;
    let lastSortValues: SortValue[] | undefined;
    if (lastPage) {
      const all = ctx.engine.page({
        entity: def.name,
        sort,
        predicate,
        filterId,
        limit: Number.MAX_SAFE_INTEGER,
        needTotal: false,
      });
      const slice = all.rows.slice(Math.max(0, all.rows.length - itemsPerPage));
      rows = slice.map((r) => r.record);
      hasNext = false;
    } else {
      const page = ctx.engine.page({
        entity: def.name,
        sort,
        predicate,
        filterId,
        after,
        limit: itemsPerPage,
        needTotal: false,
      });
      rows = page.rows.map((r) => r.record);
      hasNext = page.hasNext;
      lastSortValues = page.rows[page.rows.length - 1]?.sortValues;
    }

    const selfParams = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const link = (key: string): string => {
      const params = new URLSearchParams(selfParams);
      params.set('key', key);
      return `${baseUrl(req)}/api1/x3/erp/${encodeURIComponent(folder)}/${def.restClass}?${params.toString()}`;
    };
    const links: Record<string, unknown> = {};
    if (hasNext && lastSortValues) {
      const key = `gt.${lastSortValues.map((v, i) => encodeKeyPart(sortSpecs[i].spec, v)).join('~')}`;
      links.$next = { $url: link(key), $type: 'application/json; vnd.sage=syracuse', $method: 'GET' };
    }
    links.$last = { $url: link('lt'), $type: 'application/json; vnd.sage=syracuse', $method: 'GET' };

    res.json({
      $itemsPerPage: itemsPerPage,
      $resources: rows.map((r) => {
        const o: Record<string, unknown> = { $uuid: r.uuid };
        for (const f of visible) o[f.x3] = valueCopy(r.values[f.x3]);
        return o;
      }),
      $links: links,
      $url: `${baseUrl(req)}${req.originalUrl}`,
    });
  };

  router.all(API_PREFIX, express.json({ limit: '20mb' }), async (req: Request, res: Response) => {
    const delay = { ms: 0 };
    trackRequest(ctx, 'rest', req, res, delay);
    const user = await gate(ctx, 'rest', req, res, delay);
    if (user === null) return;
    const m = API_PREFIX.exec(req.path)!;
    const folder = decode(m[1]);
    if (!ctx.folders.includes(folder)) return void res.status(404).json(diagnoses(`Endpoint '${folder}' not found`));
    const resource = parseResource(m[2]);
    if (!resource) return void res.status(404).json(diagnoses(`Resource not found: ${decode(m[2])}`));
    const def = byClass.get(resource.cls);
    if (!def) return void res.status(404).json(diagnoses(`Class '${resource.cls}' not found`));

    let repr: string;
    let facet: string;
    if (resource.kind === 'prototype') {
      repr = resource.repr;
      facet = resource.facet;
    } else {
      const reprParam = typeof req.query.representation === 'string' ? req.query.representation : '';
      const rm = /^([A-Za-z0-9_]+)\.\$(\w+)$/.exec(reprParam);
      if (!rm)
        return void res
          .status(400)
          .json(diagnoses(`representation: '<REPRESENTATION>.$<facet>' expected, got '${reprParam}'`));
      repr = rm[1];
      facet = rm[2];
    }
    const reprSettings = representations(def.restClass)[repr];
    if (!reprSettings)
      return void res.status(404).json(diagnoses(`Representation '${repr}' not found for class '${def.restClass}'`));
    const headerColumns = def.fields.map((f) => f.x3);
    const columns = reprSettings.queryColumns
      ? [...new Set([...keyFieldsOf(def), ...reprSettings.queryColumns])]
      : headerColumns;

    try {
      switch (resource.kind) {
        case 'class': {
          if (req.method === 'GET' && facet === 'query') return handleQuery(req, res, folder, def, repr, columns);
          if (req.method === 'POST' && facet === 'create') {
            const refusal = refuseClassic(def, repr);
            if (refusal) return void res.status(400).json(diagnoses(refusal));
            const body: unknown = req.body;
            if (typeof body !== 'object' || body === null || Array.isArray(body))
              return void res.status(400).json(diagnoses('JSON object expected'));
            const { record } = ctx.store.insert(def.name, body as RecordInput, { via: 'rest', user });
            res
              .status(201)
              .set('Location', instanceUrl(req, folder, def, record.key, repr, 'details'))
              .json(details(req, folder, def, record, repr, 'details'));
            return;
          }
          break;
        }
        case 'instance': {
          if (facet !== 'details' && facet !== 'edit') break;
          if (req.method === 'GET') {
            const rec = ctx.store.get(def.name, resource.key);
            if (!rec)
              return void res.status(404).json(diagnoses(`${def.restClass} ${resource.key}: record does not exist`));
            return void res.json(details(req, folder, def, rec, repr, facet));
          }
          if (req.method === 'PUT' && facet === 'edit') {
            const refusal = refuseClassic(def, repr);
            if (refusal) return void res.status(400).json(diagnoses(refusal));
            const body: unknown = req.body;
            if (typeof body !== 'object' || body === null || Array.isArray(body))
              return void res.status(400).json(diagnoses('JSON object expected'));
            const { record } = ctx.store.update(def.name, resource.key, body as RecordInput, { via: 'rest', user });
            return void res.json(details(req, folder, def, record, repr, 'details'));
          }
          break;
        }
        case 'template': {
          if (req.method !== 'GET' || facet !== 'create') break;
          const refusal = refuseClassic(def, repr);
          if (refusal) return void res.status(400).json(diagnoses(refusal));
          const out: Record<string, unknown> = {};
          for (const f of def.fields) if (!f.readOnly) out[f.x3] = defaultValue(f);
          if (def.lines) out[def.lines.restName] = [];
          return void res.json(out);
        }
        case 'prototype': {
          if (req.method !== 'GET') break;
          if (facet === 'create' || facet === 'edit') {
            const refusal = refuseClassic(def, repr);
            if (refusal) return void res.status(400).json(diagnoses(refusal));
          } else if (facet !== 'query' && facet !== 'details') break;
          const fields = facet === 'query' ? def.fields.filter((f) => columns.includes(f.x3)) : def.fields;
          const props = prototypeProperties(fields);
          if (def.lines && facet !== 'query') {
            props[def.lines.restName] = {
              $type: 'application/x-array',
              $item: { $type: 'application/x-object', $properties: prototypeProperties(def.lines.fields) },
            };
          }
          return void res.json({ $representation: repr, $facet: `$${facet}`, $properties: props });
        }
      }
    } catch (e) {
      return sendError(res, e);
    }
    res.status(405).json(diagnoses(`${req.method} not allowed on ${def.restClass} with facet $${facet}`));
  });
  return router;
}
