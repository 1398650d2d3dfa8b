/**
 * What x3-update does with one msg (Node-RED-free): update (with the guarded tracking write-back),
 * create and upsert (found by key or by an external reference first, then created under an
 * exactly-once ledger claim so a replay never creates twice), and ensure (the records exist).
 */
import { ApiError, ValidationError } from '../core/errors';
import { isObj, type Obj } from '../core/plain-object';
import { sleep } from '../core/retry';
import { contentHash } from '../core/stable-json';
import { renderMapping, renderTemplate, type Mapping } from '../core/template';
import { errorInfo, runExactlyOnce } from '../audit/exactly-once';
import { isLedgerNotHeld } from '../audit/ledger-hold';
import type { AuditCorrelation, AuditStore, LedgerEntry, LedgerHold } from '../audit/types';
import { changedFields, type X3Client, type X3WriteResult } from './client';
import type { ApiStyle, EntityDefinition, EntityOperation, X3Record } from './entities';
import type { SoapMessage } from './soap';
import { decideWriteBack, lastWrittenId, type LastWrittenStore, type WriteBackMode } from './write-back';
import { labelReferenceOf, type LabelReference } from './label-reference';
import { canReadMany, type ReadBatcher } from './read-batch';

export type UpdateOperation = 'update' | 'create' | 'upsert' | 'ensure';
export const UPDATE_OPERATIONS: readonly UpdateOperation[] = ['update', 'create', 'upsert', 'ensure'];

export interface TrackingTarget {
  /** X3 field receiving the tracking number (no standard field exists: e.g. a custom YTRACKNUM). */
  field: string;
  /** Mustache template of the value, e.g. `{{payload.trackingNumber}}`. */
  template: string;
  mode: WriteBackMode;
  separator: string;
}

/** Where the label reference goes (issue 15): a field, a customer's subprogram, or both. */
export interface LabelTarget {
  /** X3 field receiving the reference (custom, e.g. YLABEL); guarded like the tracking number */
  field?: string;
  /** Mustache template of the value: `{{label.x3Path}}` (default) or a download URL */
  template: string;
  /** how X3 sees the label directory (`\\fs01\labels`, `/mnt/labels`); empty: the relative path */
  pathPrefix: string;
  /** a published subprogram (e.g. attaching the file to the delivery), called once per label */
  subprogram?: { publication: string; group: string; parameters: Mapping };
}

export interface StatusTarget {
  field: string;
  template: string;
}

export interface UpdateSettings {
  operation: UpdateOperation;
  /** Template of the record key; empty = the record's key field, else msg.x3.key of the same entity. */
  keyTemplate: string;
  /** External reference field used to find an existing record (e.g. CUSORDREF). */
  externalRefField: string;
  /** Template of its value (e.g. `{{payload.orderNumber}}`); empty = the record's own value. */
  externalRefTemplate: string;
  /** field -> mustache template, rendered against the msg (+ `item` for each record). */
  mapping: Mapping;
  /** Msg property holding a record or an array of records (X3 names), e.g. `x3Draft.customer`. */
  recordProperty: string;
  tracking?: TrackingTarget;
  status?: StatusTarget;
  label?: LabelTarget;
  /**
   * A published SOAP subprogram that writes the tracking and status fields (input group with the
   * key and those fields), for documents X3 no longer lets `modify`, such as validated deliveries.
   */
  subprogram?: { publication: string; group: string };
  /** Template of the ledger key of a create; empty = derived from the reference/key/content. */
  idempotencyTemplate: string;
  /**
   * A create claimed by another process (one that died) is looked at only this long after it was
   * sent: its SOAP `save` may still be running in X3's pool. Default DEFAULT_TAKEOVER_GRACE_MS.
   */
  takeoverGraceMs?: number;
}

/**
 * Longer than a create stays in flight (x3-config's 30 s timeout, pool-busy retries) plus the
 * time X3's web-service pool may still take to finish a `save` its caller stopped waiting for.
 */
export const DEFAULT_TAKEOVER_GRACE_MS = 2 * 60_000;

/** What x3-update needs of the config node's connection. */
export interface X3Gateway {
  readonly folder: string;
  clientFor(def: EntityDefinition, operation: EntityOperation): X3Client;
  styleFor(def: EntityDefinition, operation: EntityOperation): ApiStyle;
  /** SOAP `run` of a published subprogram with one input group. */
  runSubprogram(publication: string, group: string, fields: X3Record): Promise<X3WriteResult>;
}

export interface LedgerAccess {
  store: AuditStore;
  owner: string;
}

export interface UpdateContext {
  gateway: X3Gateway;
  def: EntityDefinition;
  settings: UpdateSettings;
  lastWritten: LastWrittenStore;
  /** Required for create/upsert. */
  ledger?: LedgerAccess;
  /** Gathers the re-reads of documents written at the same time into key-list queries. */
  reads?: ReadBatcher;
  /** Reads a msg property path (RED.util.getMessageProperty). */
  getProperty: (msg: Record<string, unknown>, path: string) => unknown;
  /** Ledger key a replayed msg must reuse (msg.audit.idempotencyKey). */
  replayKey?: string;
  /** Clock of the takeover grace (tests); the ledger's timestamps use the store's clock. */
  now?: () => number;
  /** The wait for the takeover grace (tests: simulated time); default core sleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Aborts that wait (the node is closing). */
  signal?: AbortSignal;
  /**
   * The newer status already known for the tracking event a msg (its view) carries, when the
   * msg's is behind it (fedex/tracking.ts newerStoredStatus): the status field is then left alone.
   */
  newerStatus?: (view: Obj) => Promise<string | undefined>;
}

export interface ItemOutcome {
  key: string;
  record: X3Record;
  /** create/upsert: true when this call created the record. */
  created?: boolean;
  /** Fields sent to X3 (empty when nothing had to change). */
  changed: string[];
  /** The status field was not written: the msg's status is behind this one (a delayed msg). */
  newerStatus?: string;
  messages: SoapMessage[];
  idempotencyKey?: string;
}

export interface UpdateOutcome {
  items: ItemOutcome[];
  /** The msg had an array of records (bulk). */
  bulk: boolean;
  api: ApiStyle;
}

function keyText(v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' ? v.trim() : '';
}

/** Mapped values that render empty are not sent: a missing msg property must not blank an X3 field. */
function dropEmpty(rec: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(rec)) if (!(typeof v === 'string' && v === '')) out[k] = v;
  return out;
}

interface Item {
  /** The record given in recordProperty (or a bare key for ensure), if any. */
  source: unknown;
  view: Obj;
  fields: X3Record;
}

function itemsOf(ctx: UpdateContext, msg: Obj): { items: Item[]; bulk: boolean } {
  const { settings } = ctx;
  let sources: unknown[] = [undefined];
  let bulk = false;
  if (settings.recordProperty) {
    const value = ctx.getProperty(msg, settings.recordProperty);
    if (value === undefined || value === null) {
      throw new ValidationError(
        'x3',
        settings.recordProperty,
        `x3-update: msg.${settings.recordProperty} is missing (the record to ${settings.operation})`,
      );
    }
    bulk = Array.isArray(value);
    sources = bulk ? (value as unknown[]) : [value];
    if (bulk && sources.length === 0)
      throw new ValidationError(
        'x3',
        settings.recordProperty,
        `x3-update: msg.${settings.recordProperty} is an empty list`,
      );
  }
  const items = sources.map((source, i) => {
    const where = bulk ? `${settings.recordProperty}[${i}]` : settings.recordProperty;
    if (
      source !== undefined &&
      !isObj(source) &&
      !(settings.operation === 'ensure' && (typeof source === 'string' || typeof source === 'number'))
    ) {
      throw new ValidationError('x3', where, `x3-update: msg.${where} must be an object of X3 fields`);
    }
    const view: Obj = { ...msg, item: source };
    const fields: X3Record = {
      ...(isObj(source) ? source : {}),
      ...dropEmpty(renderMapping(settings.mapping, view) as Obj),
    };
    // Lines may come as `lines` (drafts) or under the REST child name; records carry the latter.
    const lines = ctx.def.lines;
    if (lines && 'lines' in fields && lines.x3 !== 'lines') {
      if (!(lines.x3 in fields)) fields[lines.x3] = fields.lines;
      delete fields.lines;
    }
    return { source, view, fields };
  });
  return { items, bulk };
}

function resolveKey(ctx: UpdateContext, msg: Obj, item: Item, allowMsgKey: boolean): string {
  const { def, settings } = ctx;
  const fromTemplate = settings.keyTemplate ? renderTemplate(settings.keyTemplate, item.view).trim() : '';
  if (fromTemplate) return fromTemplate;
  const own = keyText(item.fields[def.key]);
  if (own) return own;
  if (typeof item.source === 'string' || typeof item.source === 'number') return keyText(item.source);
  const x3 = isObj(msg.x3) ? msg.x3 : undefined;
  if (allowMsgKey && x3 && x3.entity === def.name) return keyText(x3.key);
  return '';
}

function missingKey(ctx: UpdateContext): ValidationError {
  const { def } = ctx;
  return new ValidationError(
    'x3',
    def.key,
    `x3-update: no ${def.key} (key of ${def.name}) to ${ctx.settings.operation}: set "Key" (e.g. {{payload.${def.key}}}), map ${def.key}, or send msg.x3.key from x3-poll`,
  );
}

function notFound(ctx: UpdateContext, key: string): ApiError {
  return new ApiError({
    system: 'x3',
    code: 'X3_NOT_FOUND',
    status: 404,
    message: `${ctx.def.name} ${key} does not exist in X3 (folder ${ctx.gateway.folder})`,
    retryable: false,
  });
}

/* ---------- update ---------- */

async function updateItem(ctx: UpdateContext, key: string, item: Item): Promise<ItemOutcome> {
  const { def, settings, gateway } = ctx;
  const client = gateway.clientFor(def, 'update');
  const desired: X3Record = { ...item.fields };
  delete desired[def.key];
  const withLines = def.lines ? def.lines.x3 in desired : false;
  // Re-read right before writing: api1 is last-writer-wins and SOAP has no version check either.
  const current = await readCurrent(ctx, client, key, desired, withLines);
  if (!current) throw notFound(ctx, key);

  let tracked: { id: string; value: string } | undefined;
  let labelTracked: { id: string; value: string } | undefined;
  if (settings.tracking?.field) {
    const t = settings.tracking;
    const value = renderTemplate(t.template, item.view).trim();
    if (!value) {
      throw new ValidationError(
        'x3',
        t.field,
        `x3-update: the tracking number template "${t.template}" rendered empty: nothing to write into ${t.field}`,
      );
    }
    const id = lastWrittenId(gateway.folder, def.name, key, t.field);
    const decision = decideWriteBack({
      entity: def.name,
      key,
      field: t.field,
      current: current[t.field],
      desired: value,
      lastWritten: await ctx.lastWritten.get(id),
      mode: t.mode,
      separator: t.separator,
    });
    if (decision.action === 'write') {
      desired[t.field] = decision.value;
      tracked = { id, value: decision.value };
    } else {
      delete desired[t.field];
      // X3 holds exactly what we meant to write (a replay after a crash): it is ours now.
      if (decision.value === value) await ctx.lastWritten.set(id, decision.value);
    }
  }
  let newerStatus: string | undefined;
  if (settings.status?.field) {
    const value = renderTemplate(settings.status.template, item.view).trim();
    // asked after the re-read, right before the write: two flows (polling and webhook) write the
    // same field through different nodes, and a msg held up behind a newer one must not win
    newerStatus = value ? await ctx.newerStatus?.(item.view) : undefined;
    if (value && !newerStatus) desired[settings.status.field] = value;
  }
  // the label reference: same guard as the tracking number (replace mode), its own last-written
  const label = settings.label ? labelReferenceOf(item.view, settings.label.pathPrefix) : undefined;
  const labelView = label ? { ...item.view, label, key } : undefined;
  if (label && labelView && settings.label?.field) {
    const t = settings.label;
    const field = t.field as string;
    const value = renderTemplate(t.template || '{{label.x3Path}}', labelView).trim();
    const id = lastWrittenId(gateway.folder, def.name, key, field);
    const decision = decideWriteBack({
      entity: def.name,
      key,
      field,
      current: current[field],
      desired: value,
      lastWritten: await ctx.lastWritten.get(id),
      mode: 'replace',
      separator: '',
    });
    if (decision.action === 'write') {
      desired[field] = decision.value;
      labelTracked = { id, value: decision.value };
    } else {
      delete desired[field];
      if (decision.value === value) await ctx.lastWritten.set(id, decision.value);
    }
  }

  const changes = changedFields(current, desired);
  if (Object.keys(changes).length === 0) {
    const messages = label && labelView ? await attachLabel(ctx, key, labelView) : [];
    return { key, record: current, changed: [], messages, ...(newerStatus ? { newerStatus } : {}) };
  }
  // With a tracking subprogram, the tracking/status fields go through `run`, the rest as usual.
  const viaRun: X3Record = {};
  if (settings.subprogram?.publication) {
    for (const field of [settings.tracking?.field, settings.status?.field, settings.label?.field]) {
      if (field && field in changes) {
        viaRun[field] = changes[field];
        delete changes[field];
      }
    }
  }
  const messages: X3WriteResult['messages'] = [];
  let record: X3Record = { ...current };
  if (Object.keys(viaRun).length) {
    const ran = await ctx.gateway.runSubprogram(settings.subprogram!.publication, settings.subprogram!.group, {
      [def.key]: key,
      ...viaRun,
    });
    messages.push(...ran.messages);
    record = { ...record, ...viaRun };
  }
  if (Object.keys(changes).length) {
    const result = await client.update(def, key, changes);
    messages.push(...result.messages);
    record = Object.keys(result.record).length ? { ...result.record, ...viaRun } : { ...record, ...changes };
  }
  if (tracked) await ctx.lastWritten.set(tracked.id, tracked.value);
  if (labelTracked) await ctx.lastWritten.set(labelTracked.id, labelTracked.value);
  if (label && labelView) messages.push(...(await attachLabel(ctx, key, labelView)));
  return {
    key,
    record,
    changed: [...Object.keys(viaRun), ...Object.keys(changes)],
    messages,
    ...(newerStatus ? { newerStatus } : {}),
  };
}

/**
 * The record as X3 holds it now: with a read batcher (x3-update), gathered with the other
 * documents' re-reads of this turn into one key-list query of the read API, when that record
 * carries every field the write-back compares; otherwise the update API's own read.
 */
function readCurrent(
  ctx: UpdateContext,
  client: X3Client,
  key: string,
  desired: X3Record,
  withLines: boolean,
): Promise<X3Record | undefined> {
  const { def, settings } = ctx;
  const single = (): Promise<X3Record | undefined> => client.read(def, key, { withLines });
  const reader = ctx.reads && !withLines ? ctx.gateway.clientFor(def, 'read') : undefined;
  if (!ctx.reads || !reader || !canReadMany(reader)) return single();
  const fields = new Set(Object.keys(desired));
  for (const f of [settings.tracking?.field, settings.status?.field, settings.label?.field]) if (f) fields.add(f);
  return ctx.reads.read(reader, def, key, [...fields], single);
}

/**
 * The customer's subprogram for a label (attach the file to the document, run an import
 * template): called once per (record, label reference); a replay of the same label skips it.
 */
async function attachLabel(
  ctx: UpdateContext,
  key: string,
  view: Obj & { label: LabelReference },
): Promise<X3WriteResult['messages']> {
  const sub = ctx.settings.label?.subprogram;
  if (!sub?.publication) return [];
  const id = lastWrittenId(ctx.gateway.folder, ctx.def.name, key, `run:${sub.publication}`);
  if ((await ctx.lastWritten.get(id)) === view.label.path) return [];
  const fields = renderMapping(sub.parameters, view) as X3Record;
  const ran = await ctx.gateway.runSubprogram(sub.publication, sub.group, fields);
  await ctx.lastWritten.set(id, view.label.path);
  return ran.messages;
}

/* ---------- create / upsert ---------- */

function externalRef(ctx: UpdateContext, item: Item): { field: string; value: string } | undefined {
  const { settings } = ctx;
  if (!settings.externalRefField) return undefined;
  const field = settings.externalRefField;
  const value = (
    settings.externalRefTemplate ? renderTemplate(settings.externalRefTemplate, item.view) : keyText(item.fields[field])
  ).trim();
  if (!value) {
    throw new ValidationError(
      'x3',
      field,
      `x3-update: the external reference ${field} is empty${settings.externalRefTemplate ? ` ("${settings.externalRefTemplate}" rendered empty)` : ''}: without it a replay could create the record twice`,
    );
  }
  item.fields[field] = value;
  return { field, value };
}

function ledgerKey(
  ctx: UpdateContext,
  item: Item,
  ref: { field: string; value: string } | undefined,
  key: string,
  single: boolean,
): string {
  if (single && ctx.replayKey) return ctx.replayKey;
  const custom = ctx.settings.idempotencyTemplate
    ? renderTemplate(ctx.settings.idempotencyTemplate, item.view).trim()
    : '';
  const id = custom
    ? custom
    : ref
      ? `${ref.field}=${ref.value}`
      : key
        ? `${ctx.def.key}=${key}`
        : `sha256=${contentHash(item.fields)}`;
  return `x3.create:${ctx.gateway.folder}:${ctx.def.name}:${id}`;
}

function ledgerError(ctx: UpdateContext, code: string, message: string, ledgerKeyValue: string): ApiError {
  return new ApiError({
    system: 'x3',
    code,
    message: `${ctx.def.name}: ${message} (ledger key ${ledgerKeyValue})`,
    retryable: false,
    details: { idempotencyKey: ledgerKeyValue },
  });
}

function storedRecord(v: unknown): X3Record {
  return isObj(v) && isObj(v.record) ? (v.record as X3Record) : isObj(v) ? (v as X3Record) : {};
}

/** Runs a create under a ledger claim this process already holds, recording its outcome. */
async function createUnderClaim(
  store: AuditStore,
  lk: string,
  hold: LedgerHold,
  create: () => Promise<{ record: X3Record; messages: SoapMessage[] }>,
): Promise<{ record: X3Record; messages: SoapMessage[] }> {
  let res: { record: X3Record; messages: SoapMessage[] };
  try {
    res = await create();
  } catch (err) {
    // refused (LEDGER_NOT_HELD): another attempt took the key over and records its own outcome
    const settle =
      err instanceof ApiError && err.ambiguous
        ? store.markUnknown(lk, errorInfo(err), hold)
        : store.fail(lk, errorInfo(err), hold);
    await settle.catch((ledgerErr: unknown) => {
      if (!isLedgerNotHeld(ledgerErr)) throw ledgerErr;
    });
    throw err;
  }
  const result = { record: res.record, messages: res.messages };
  await store.complete(lk, result, hold);
  return result;
}

async function createItem(
  ctx: UpdateContext,
  item: Item,
  single: boolean,
  upsert: boolean,
  msg: Obj,
): Promise<ItemOutcome> {
  const { def, gateway } = ctx;
  if (!ctx.ledger) throw new Error('x3-update: create needs the audit ledger');
  const ref = externalRef(ctx, item);
  const key = resolveKey(ctx, msg, item, upsert);
  if (key) item.fields[def.key] = key;
  const reader = gateway.clientFor(def, 'read');
  const existing = ref ? await reader.findBy(def, ref.field, ref.value) : key ? await reader.read(def, key) : undefined;
  if (existing) {
    const existingKey = keyText(existing[def.key]) || key;
    if (upsert) {
      const outcome = await updateItem(ctx, existingKey, item);
      return { ...outcome, created: false };
    }
    return { key: existingKey, record: existing, created: false, changed: [], messages: [] };
  }
  const lk = ledgerKey(ctx, item, ref, key, single);
  const correlation: AuditCorrelation = { x3Folder: gateway.folder, x3Entity: def.name };
  if (key) correlation.x3Key = key;
  const writer = gateway.clientFor(def, 'create');
  const run = await runExactlyOnce(
    {
      store: ctx.ledger.store,
      key: lk,
      meta: { owner: ctx.ledger.owner, system: 'x3', operation: 'x3.create', correlation },
      isOutcomeUnknown: (err) => err instanceof ApiError && err.ambiguous,
    },
    async () => {
      const res = await writer.create(def, item.fields);
      return { record: res.record, messages: res.messages };
    },
  );
  switch (run.outcome) {
    case 'executed':
      return {
        key: keyText(run.result.record[def.key]) || key,
        record: run.result.record,
        created: true,
        changed: Object.keys(item.fields),
        messages: run.result.messages,
        idempotencyKey: lk,
      };
    case 'stored': {
      const record = storedRecord(run.result);
      return {
        key: keyText(record[def.key]) || key,
        record,
        created: false,
        changed: [],
        messages: [],
        idempotencyKey: lk,
      };
    }
    case 'in-progress':
      return takeOverDeadClaim(ctx, { lk, entry: run.entry, ref, key, item, writer, upsert });
    case 'unknown':
      throw ledgerError(
        ctx,
        'X3_OUTCOME_UNKNOWN',
        `an earlier create may have reached X3 without an answer; look for it in X3${ref ? ` (${ref.field} = ${ref.value})` : ''} and resolve the ledger entry before retrying`,
        lk,
      );
    default:
      throw ledgerError(ctx, 'X3_VOIDED', 'this create was voided', lk);
  }
}

/**
 * A create claimed by another process instance (the owner changes at every start), which died
 * before recording the outcome. Its `save` may still be running in X3's pool, or have created
 * the record: nothing is decided before the grace has passed since the create was sent (the
 * claim is written just before it is sent; the msg waits for it, so a re-poll after a restart
 * still settles the document unattended), and a new create needs proof that X3 has no such
 * record: X3's own well-formed "none" for the external reference (or key), asked after the
 * grace. A record found is adopted; no answer, an error, or nothing to look it up by is no proof:
 * the entry becomes 'unknown' for an operator to resolve, and is never created again by itself.
 * A claim of this process is an attempt still running and is left alone.
 */
async function takeOverDeadClaim(
  ctx: UpdateContext,
  c: {
    lk: string;
    entry: LedgerEntry;
    ref: { field: string; value: string } | undefined;
    key: string;
    item: Item;
    writer: X3Client;
    upsert: boolean;
  },
): Promise<ItemOutcome> {
  const { def, gateway } = ctx;
  const { store, owner } = ctx.ledger!;
  const { lk, entry } = c;
  if (entry.owner === owner) {
    throw ledgerError(ctx, 'X3_IN_PROGRESS', 'another attempt of this create is running in this process', lk);
  }
  const sentAt = Math.max(Date.parse(entry.claimedAt), Date.parse(entry.updatedAt));
  if (!Number.isFinite(sentAt)) {
    throw ledgerError(ctx, 'X3_IN_PROGRESS', 'another process claimed this create (the claim has no time)', lk);
  }
  const wait = sentAt + (ctx.settings.takeoverGraceMs ?? DEFAULT_TAKEOVER_GRACE_MS) - (ctx.now ?? Date.now)();
  if (wait > 0) await (ctx.sleep ?? sleep)(wait, ctx.signal);
  const by = c.ref ?? (c.key ? { field: def.key, value: c.key } : undefined);
  let found: X3Record | undefined;
  let noProof: string | undefined;
  if (!by) noProof = 'there is no external reference or key to look it up by in X3';
  else {
    try {
      found = await gateway.clientFor(def, 'read').findBy(def, by.field, by.value);
    } catch (err) {
      noProof = `looking it up by ${by.field} = ${by.value} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  // Compare-and-set on the dead owner: of two instances that saw it, one goes on.
  const hold = await store.takeOver(lk, owner, ['claimed'], entry.owner);
  if (!hold) {
    const now = await store.get(lk);
    if (now?.state === 'succeeded') {
      const record = storedRecord(now.result);
      return {
        key: keyText(record[def.key]) || c.key,
        record,
        created: false,
        changed: [],
        messages: [],
        idempotencyKey: lk,
      };
    }
    throw ledgerError(ctx, 'X3_IN_PROGRESS', 'another attempt is settling this create', lk);
  }
  if (noProof !== undefined) {
    const message = `a process that died claimed this create; whether it reached X3 is not known (${noProof}): look for it in X3 and resolve the ledger entry`;
    await store.markUnknown(lk, { code: 'X3_OUTCOME_UNKNOWN', message }, hold);
    throw ledgerError(ctx, 'X3_OUTCOME_UNKNOWN', message, lk);
  }
  if (found) {
    // the dead attempt did create it: that is this create's result
    await store.complete(lk, { record: found, messages: [] }, hold);
    if (c.upsert) {
      const outcome = await updateItem(ctx, keyText(found[def.key]) || c.key, c.item);
      return { ...outcome, created: false, idempotencyKey: lk };
    }
    return {
      key: keyText(found[def.key]) || c.key,
      record: found,
      created: false,
      changed: [],
      messages: [],
      idempotencyKey: lk,
    };
  }
  const created = await createUnderClaim(store, lk, hold, () => c.writer.create(def, c.item.fields));
  return {
    key: keyText(created.record[def.key]) || c.key,
    record: created.record,
    created: true,
    changed: Object.keys(c.item.fields),
    messages: created.messages,
    idempotencyKey: lk,
  };
}

/* ---------- ensure ---------- */

async function ensureItems(ctx: UpdateContext, items: Item[], msg: Obj): Promise<ItemOutcome[]> {
  const { def, gateway } = ctx;
  const keys: string[] = [];
  items.forEach((item, i) => {
    const key = resolveKey(ctx, msg, item, items.length === 1);
    if (!key) {
      const where = ctx.settings.recordProperty
        ? `${ctx.settings.recordProperty}${items.length > 1 || Array.isArray(ctx.getProperty(msg, ctx.settings.recordProperty)) ? `[${i}]` : ''}`
        : def.key;
      throw new ValidationError('x3', where, `x3-update: ${where} has no ${def.key} (key of ${def.name}) to check`);
    }
    if (!keys.includes(key)) keys.push(key);
  });
  const reader = gateway.clientFor(def, 'read');
  const found = new Map<string, X3Record>();
  const queue = [...keys];
  const worker = async (): Promise<void> => {
    for (let k = queue.shift(); k !== undefined; k = queue.shift()) {
      const rec = await reader.read(def, k, { withLines: false });
      if (rec) found.set(k, rec);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
  const missing = keys.filter((k) => !found.has(k));
  if (missing.length) {
    throw new ApiError({
      system: 'x3',
      code: 'X3_MISSING',
      status: 404,
      message: `${missing.length} ${def.name} record${missing.length > 1 ? 's' : ''} missing in X3 (folder ${gateway.folder}): ${def.key} ${missing.join(', ')}`,
      retryable: false,
      details: { entity: def.name, field: def.key, missing },
    });
  }
  return keys.map((k) => ({ key: k, record: found.get(k)!, changed: [], messages: [] }));
}

/* ---------- entry point ---------- */

/**
 * The documents a msg writes, as queue keys: x3-update runs msgs for different documents in
 * parallel and msgs for one document one after another (the guarded write-back re-reads then
 * writes; X3 has no optimistic locking). A record found by external reference is keyed by it,
 * a create without key or reference by its ledger identity. `ensure` only reads: no key. A msg
 * whose keys cannot be worked out fails in runUpdate with the reason; it holds no key.
 */
export function documentKeys(ctx: UpdateContext, msg: Obj): string[] {
  const { settings, def } = ctx;
  if (settings.operation === 'ensure') return [];
  let items: Item[];
  try {
    items = itemsOf(ctx, msg).items;
  } catch {
    return [];
  }
  const single = items.length === 1;
  // the same key and reference the operation itself resolves (runUpdate, createItem)
  const allowMsgKey = settings.operation === 'update' ? single : settings.operation === 'upsert';
  const keys: string[] = [];
  for (const item of items) {
    try {
      const key = resolveKey(ctx, msg, item, allowMsgKey);
      if (settings.operation === 'update' && key) {
        keys.push(`${def.name}:${key}`);
        continue;
      }
      const ref = settings.externalRefField ? externalRef(ctx, { ...item, fields: { ...item.fields } }) : undefined;
      if (ref) keys.push(`${def.name}:${ref.field}=${ref.value}`);
      else if (key) keys.push(`${def.name}:${key}`);
      else if (settings.operation !== 'update') keys.push(`${def.name}:sha256=${contentHash(item.fields)}`);
    } catch {
      // this item fails in runUpdate with the reason, before anything is written for it
    }
  }
  return keys;
}

export async function runUpdate(ctx: UpdateContext, msg: Obj): Promise<UpdateOutcome> {
  const { settings, def, gateway } = ctx;
  const { items, bulk } = itemsOf(ctx, msg);
  const single = items.length === 1;
  const opForStyle: EntityOperation =
    settings.operation === 'ensure' ? 'read' : settings.operation === 'create' ? 'create' : 'update';
  const api = gateway.styleFor(def, opForStyle);
  if (settings.operation === 'ensure') return { items: await ensureItems(ctx, items, msg), bulk, api };
  const out: ItemOutcome[] = [];
  for (const item of items) {
    if (settings.operation === 'update') {
      let key = resolveKey(ctx, msg, item, single);
      const ref = key ? undefined : externalRef(ctx, item);
      if (ref) {
        const found = await gateway.clientFor(def, 'read').findBy(def, ref.field, ref.value);
        if (!found) throw notFound(ctx, `with ${ref.field} = ${ref.value}`);
        key = keyText(found[def.key]);
        delete item.fields[ref.field];
      }
      if (!key) throw missingKey(ctx);
      out.push(await updateItem(ctx, key, item));
    } else {
      out.push(await createItem(ctx, item, single, settings.operation === 'upsert', msg));
    }
  }
  // what this node wrote is on disk before the msg goes on (the guard's memory of it)
  await ctx.lastWritten.durable();
  return { items: out, bulk, api };
}
