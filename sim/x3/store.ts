/**
 * The one record store behind all three faces. Records hold X3 dictionary names; every write
 * goes through insert/update/remove so stamps, counters, validation and the write log stay
 * consistent whichever face made it.
 */
import { randomUUID } from 'crypto';
import {
  ENTITY_NAMES,
  ENTITY_REFS,
  keyFieldsOf,
  keyFromValues,
  STAMP_CREATE,
  STAMP_UPDATE,
  type EntityDef,
  type EntityName,
  type FieldSpec,
  type LineDef,
  type LookupKind,
} from './entities';
import type { SimLogs, WriteVia } from './logs';
import {
  coerceField,
  defaultValue,
  isEmptyValue,
  toX3Stamp,
  X3BusinessError,
  type FieldValue,
  type RecordValues,
} from './values';

export interface StoredRecord {
  readonly key: string;
  readonly uuid: string;
  /** Revision counter (X3 UPDTICK): +1 on every update. */
  updTick: number;
  values: RecordValues;
  lines: RecordValues[];
}

/** Loose input: field name -> value, lines under `lines` or the REST child array name. */
export type RecordInput = Record<string, unknown>;

export interface WriteOptions {
  via: WriteVia;
  user?: string;
  /** Read-only fields in the input are dropped instead of refused (SOAP behaviour). */
  ignoreReadOnly?: boolean;
  /** Seeding may carry stamps and skips reference checks. */
  trusted?: boolean;
}

export interface WriteResult {
  record: StoredRecord;
  changed: string[];
  ignored: string[];
}

export type Lookups = Record<LookupKind, Record<string, string>>;

export function emptyLookups(): Lookups {
  return {
    site: {},
    supplier: {},
    currency: {},
    country: {},
    unit: {},
    carrier: {},
    deliveryMode: {},
    orderType: {},
    address: {},
    category: {},
    salesInvoice: {},
  };
}

interface EntityTable {
  byKey: Map<string, StoredRecord>;
  /** Insertion order, for stable default listings. */
  order: StoredRecord[];
  version: number;
  counter: number;
}

/** A file attached to a record (the customer's attachment subprogram writes these). */
export interface StoredAttachment {
  entity: EntityName;
  key: string;
  path: string;
  description: string;
  /** X3 stamp */
  at: string;
  user: string;
}

export class X3Store {
  readonly lookups: Lookups = emptyLookups();
  /** Attachments in the order they were made; the same (record, path) is kept once. */
  readonly attachments: StoredAttachment[] = [];
  private readonly tables = new Map<EntityName, EntityTable>();
  private readonly fieldMaps = new WeakMap<readonly FieldSpec[], Map<string, FieldSpec>>();
  private readonly defaultCache = new WeakMap<readonly FieldSpec[], RecordValues>();

  constructor(
    readonly defs: Readonly<Record<EntityName, EntityDef>>,
    private readonly serverNow: () => number,
    private readonly logs: SimLogs,
  ) {
    for (const name of ENTITY_NAMES) this.tables.set(name, { byKey: new Map(), order: [], version: 0, counter: 0 });
  }

  private table(entity: EntityName): EntityTable {
    const t = this.tables.get(entity);
    if (!t) throw new Error(`unknown entity ${entity}`);
    return t;
  }

  list(entity: EntityName): readonly StoredRecord[] {
    return this.table(entity).order;
  }

  get(entity: EntityName, key: string): StoredRecord | undefined {
    return this.table(entity).byKey.get(key);
  }

  count(entity: EntityName): number {
    return this.table(entity).order.length;
  }

  /** Changes whenever the entity's records change; query caches key on it. */
  version(entity: EntityName): number {
    return this.table(entity).version;
  }

  nowStamp(): string {
    return toX3Stamp(this.serverNow());
  }

  clear(): void {
    for (const t of this.tables.values()) {
      t.byKey.clear();
      t.order = [];
      t.version++;
      t.counter = 0;
    }
    for (const k of Object.keys(this.lookups) as LookupKind[]) this.lookups[k] = {};
    this.attachments.length = 0;
  }

  /** Attaches a file to a record; attaching the same path again changes only its description. */
  attach(entity: EntityName, key: string, path: string, description: string, user: string): StoredAttachment {
    const existing = this.attachments.find((a) => a.entity === entity && a.key === key && a.path === path);
    if (existing) {
      existing.description = description || existing.description;
      return existing;
    }
    const a: StoredAttachment = { entity, key, path, description, at: this.nowStamp(), user };
    this.attachments.push(a);
    return a;
  }

  nextKey(entity: EntityName): string {
    const def = this.defs[entity];
    const t = this.table(entity);
    let key: string;
    do {
      t.counter++;
      key = def.numbering.prefix + String(t.counter).padStart(def.numbering.width, '0');
    } while (t.byKey.has(key));
    return key;
  }

  insert(entity: EntityName, input: RecordInput, opts: WriteOptions): WriteResult {
    const def = this.defs[entity];
    const t = this.table(entity);
    const ignored: string[] = [];
    const values = this.defaults(def.fields);
    const given = this.coerceInput(def.fields, input, def, opts, ignored, lineNames(def));
    Object.assign(values, given);

    let key: string;
    if (def.keyFields) {
      // composite keys are never generated: every part is mandatory
      for (const name of def.keyFields) {
        if (isEmptyValue(values[name])) {
          const f = def.fields.find((x) => x.x3 === name);
          throw new X3BusinessError(`${name}: mandatory field (${f?.title ?? name})`);
        }
      }
      key = keyFromValues(def, values);
    } else {
      key = typeof values[def.key] === 'string' ? (values[def.key] as string).trim() : '';
      if (key === '') key = this.nextKey(entity);
      values[def.key] = key;
    }
    if (t.byKey.has(key)) throw new X3BusinessError(`${def.restClass} ${key}: record already exists`, 'duplicate');
    this.bumpCounter(def, t, key);

    for (const f of def.fields) {
      if (f.mandatory && isEmptyValue(values[f.x3])) throw new X3BusinessError(`${f.x3}: mandatory field (${f.title})`);
    }
    const lines = def.lines ? this.coerceLines(def, def.lines, linesOf(def, input), opts, ignored) : [];

    const stamp = this.nowStamp();
    if (!opts.trusted || isEmptyValue(values[STAMP_CREATE])) values[STAMP_CREATE] = stamp;
    if (!opts.trusted || isEmptyValue(values[STAMP_UPDATE])) values[STAMP_UPDATE] = values[STAMP_CREATE];
    if (!opts.trusted) this.checkReferences(def, values, lines);
    this.derive(def, values, lines);

    const record: StoredRecord = { key, uuid: randomUUID(), updTick: 1, values, lines };
    t.byKey.set(key, record);
    t.order.push(record);
    t.version++;
    this.logs.addWrite({
      at: stamp,
      entity,
      key,
      operation: 'create',
      fields: Object.keys(given),
      via: opts.via,
      user: opts.user,
    });
    return { record, changed: Object.keys(given), ignored };
  }

  /**
   * Applies changed fields (and, when `input` holds lines, replaces the lines). The update
   * stamp is set from the server clock even when no value changed, as an X3 save does.
   */
  update(entity: EntityName, key: string, input: RecordInput, opts: WriteOptions): WriteResult {
    const def = this.defs[entity];
    const t = this.table(entity);
    const record = t.byKey.get(key);
    if (!record) throw new X3BusinessError(`${def.restClass} ${key}: record does not exist`, 'not-found');
    const ignored: string[] = [];
    const given = this.coerceInput(def.fields, input, def, opts, ignored, lineNames(def));
    for (const name of keyFieldsOf(def)) {
      if (name in given && given[name] !== record.values[name])
        throw new X3BusinessError(`${name}: the key cannot be modified`);
      delete given[name];
    }
    const rawLines = linesOf(def, input);
    const newValues: RecordValues = { ...record.values, ...given };
    const newLines =
      def.lines && rawLines !== undefined ? this.coerceLines(def, def.lines, rawLines, opts, ignored) : record.lines;
    if (def.lines && rawLines !== undefined && !opts.trusted) keepComputedLineValues(def.lines, record.lines, newLines);
    if (!opts.trusted) this.checkReferences(def, newValues, newLines, given, rawLines !== undefined);
    const stamp = this.nowStamp();
    if (!(opts.trusted && STAMP_UPDATE in given)) newValues[STAMP_UPDATE] = stamp;
    this.derive(def, newValues, newLines);
    record.values = newValues;
    record.lines = newLines;
    record.updTick++;
    t.version++;
    const fields = Object.keys(given);
    if (rawLines !== undefined && def.lines) fields.push(def.lines.restName);
    this.logs.addWrite({ at: stamp, entity, key, operation: 'update', fields, via: opts.via, user: opts.user });
    return { record, changed: fields, ignored };
  }

  remove(entity: EntityName, key: string, opts: WriteOptions): void {
    const def = this.defs[entity];
    const t = this.table(entity);
    const record = t.byKey.get(key);
    if (!record) throw new X3BusinessError(`${def.restClass} ${key}: record does not exist`, 'not-found');
    t.byKey.delete(key);
    t.order = t.order.filter((r) => r !== record);
    t.version++;
    this.logs.addWrite({
      at: this.nowStamp(),
      entity,
      key,
      operation: 'delete',
      fields: [],
      via: opts.via,
      user: opts.user,
    });
  }

  /** Simulates edits by X3 users: re-stamps (and optionally changes) the given records. */
  touch(entity: EntityName, keys: readonly string[], fields: RecordInput = {}): string[] {
    const touched: string[] = [];
    for (const key of keys) {
      if (!this.get(entity, key)) continue;
      this.update(entity, key, fields, { via: 'sim', trusted: true });
      touched.push(key);
    }
    return touched;
  }

  /** A fresh record of default values (computed once per field list, copied per record). */
  private defaults(fields: readonly FieldSpec[]): RecordValues {
    let base = this.defaultCache.get(fields);
    if (!base) {
      base = {};
      for (const f of fields) base[f.x3] = defaultValue(f);
      this.defaultCache.set(fields, base);
    }
    const out: RecordValues = { ...base };
    for (const f of fields) if (f.dim) out[f.x3] = [...(base[f.x3] as string[])];
    return out;
  }

  private bumpCounter(def: EntityDef, t: EntityTable, key: string): void {
    if (!key.startsWith(def.numbering.prefix)) return;
    const n = Number(key.slice(def.numbering.prefix.length));
    if (Number.isInteger(n) && n > t.counter) t.counter = n;
  }

  private coerceInput(
    fields: readonly FieldSpec[],
    input: RecordInput,
    def: EntityDef,
    opts: WriteOptions,
    ignored: string[],
    skip: ReadonlySet<string>,
  ): RecordValues {
    const out: RecordValues = {};
    let map = this.fieldMaps.get(fields);
    if (!map) {
      map = new Map(fields.map((f) => [f.x3, f]));
      this.fieldMaps.set(fields, map);
    }
    for (const [name, raw] of Object.entries(input)) {
      if (skip.has(name) || name.startsWith('$')) continue;
      const spec = map.get(name);
      if (!spec) throw new X3BusinessError(`${name}: unknown field of ${def.restClass}`);
      if (spec.readOnly && !opts.trusted) {
        if (opts.ignoreReadOnly) {
          ignored.push(name);
          continue;
        }
        throw new X3BusinessError(`${name}: field not modifiable (${spec.title})`, 'forbidden');
      }
      out[name] = coerceField(spec, raw);
    }
    return out;
  }

  private coerceLines(
    def: EntityDef,
    ld: LineDef,
    raw: unknown,
    opts: WriteOptions,
    ignored: string[],
  ): RecordValues[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) throw new X3BusinessError(`${ld.restName}: array of lines expected`);
    const lines: RecordValues[] = [];
    raw.forEach((item, i) => {
      if (typeof item !== 'object' || item === null)
        throw new X3BusinessError(`${ld.restName}: line ${i + 1} is not an object`);
      const line = this.defaults(ld.fields);
      Object.assign(line, this.coerceInput(ld.fields, item as RecordInput, def, opts, ignored, NO_NAMES));
      if (!line[ld.lineKey]) line[ld.lineKey] = (i + 1) * 1000;
      for (const f of ld.fields) {
        if (f.mandatory && isEmptyValue(line[f.x3]))
          throw new X3BusinessError(`${f.x3}: mandatory field (${f.title}), line ${i + 1}`);
      }
      lines.push(line);
    });
    return lines;
  }

  /** Referential integrity for customer/product/salesOrder references, as X3 checks on save. */
  private checkReferences(
    def: EntityDef,
    values: RecordValues,
    lines: RecordValues[],
    only?: RecordValues,
    linesChanged = true,
  ): void {
    const check = (spec: FieldSpec, v: FieldValue | undefined, where: string): void => {
      if (spec.kind !== 'ref' || !spec.ref || typeof v !== 'string' || v === '') return;
      const target = ENTITY_REFS[spec.ref];
      if (target && !this.get(target, v)) {
        throw new X3BusinessError(
          `${spec.x3}${where}: ${this.defs[target].restClass} ${v}: record does not exist`,
          'not-found',
        );
      }
    };
    for (const f of def.fields) if (!only || f.x3 in only) check(f, values[f.x3], '');
    if (def.lines && linesChanged)
      lines.forEach((l, i) => def.lines!.fields.forEach((f) => check(f, l[f.x3], `, line ${i + 1}`)));
  }

  /** Values X3 computes or defaults from referenced records. */
  private derive(def: EntityDef, values: RecordValues, lines: RecordValues[]): void {
    if (!def.lines) return;
    const descField = def.lines.fields.find((f) => f.x3 === 'ITMDES1' || f.x3 === 'ITMDES');
    for (const line of lines) {
      const product = typeof line.ITMREF === 'string' ? this.get('product', line.ITMREF) : undefined;
      if (!product) continue;
      if (descField && isEmptyValue(line[descField.x3]))
        line[descField.x3] = String(product.values.DES1AXX ?? '').slice(0, descField.maxLength ?? 30);
      if (def.name === 'salesOrder' && !line.GROPRI) line.GROPRI = Number(product.values.BASPRI ?? 0);
    }
    if (def.name === 'salesOrder') {
      const total = lines.reduce((sum, l) => sum + Number(l.QTY ?? 0) * Number(l.GROPRI ?? 0), 0);
      values.ORDINVATI = Math.round(total * 100) / 100;
    }
  }
}

/**
 * Lines replaced through a face keep the values X3 computes on them (delivered or received
 * quantities), matched by line number: a client re-sending its lines cannot reset them.
 */
function keepComputedLineValues(ld: LineDef, oldLines: readonly RecordValues[], newLines: RecordValues[]): void {
  const computed = ld.fields.filter((f) => f.readOnly);
  if (computed.length === 0) return;
  const byNumber = new Map(oldLines.map((l) => [l[ld.lineKey], l]));
  for (const line of newLines) {
    const old = byNumber.get(line[ld.lineKey]);
    if (old) for (const f of computed) line[f.x3] = old[f.x3];
  }
}

const NO_NAMES: ReadonlySet<string> = new Set();
const lineNameSets = new WeakMap<EntityDef, ReadonlySet<string>>();

function lineNames(def: EntityDef): ReadonlySet<string> {
  let s = lineNameSets.get(def);
  if (!s) {
    s = new Set(def.lines ? [def.lines.restName, 'lines'] : []);
    lineNameSets.set(def, s);
  }
  return s;
}

function linesOf(def: EntityDef, input: RecordInput): unknown {
  if (!def.lines) return undefined;
  if (input[def.lines.restName] !== undefined) return input[def.lines.restName];
  return input.lines;
}

/** X3 dictionary form of a record for inspection and seeding round trips. */
export function recordToPlain(def: EntityDef, r: StoredRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { ...r.values };
  if (def.lines) out.lines = r.lines.map((l) => ({ ...l }));
  return out;
}
