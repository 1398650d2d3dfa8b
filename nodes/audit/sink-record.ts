/**
 * How audit-sink turns a msg into an audit entry.
 *
 * Status: 'failed' when the msg carries an error (msg.error), otherwise msg.audit.status (a
 * replay marker counts as 'received'), otherwise 'received'.
 * Behind a Catch node msg.error is Node-RED's {message, source: {id, type, name}, code?}; the
 * structured error our nodes set ({system, status, code, message, retryable}) was moved by the
 * runtime to msg._error, so both are read.
 */
import { correlationFromMsg } from './correlation';
import { readAuditInfo } from './msg-audit';
import type { AuditEntryInput, AuditErrorInfo, AuditStatus, AuditSystem } from './types';
import { isAuditSystem } from './vocabulary';

export interface SinkSettings {
  /** the sink's node id, recorded as the entry's node (and the default replay emitter) */
  nodeId: string;
  /** fixed system; undefined = from the msg */
  system?: AuditSystem;
  /** fixed operation; undefined = from the msg */
  operation?: string;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v ? v : undefined;
}

/** Node-RED's Catch-node error: {message, source: {id, type, ...}}. */
export function isCatchError(v: unknown): boolean {
  const e = obj(v);
  return !!e && typeof e.message === 'string' && !!obj(e.source);
}

/** System a node type belongs to, from the package's type prefixes. */
export function systemFromNodeType(type: unknown): AuditSystem | undefined {
  if (typeof type !== 'string') return undefined;
  if (type.startsWith('x3-')) return 'x3';
  if (type.startsWith('fedex-')) return 'fedex';
  if (type.startsWith('shipstation-')) return 'shipstation';
  if (type.startsWith('audit-')) return 'audit';
  return undefined;
}

function errorOf(msg: Obj): { info: AuditErrorInfo; structured?: Obj; source?: Obj } | undefined {
  const raw = msg.error;
  if (raw === undefined || raw === null || raw === false || raw === '') return undefined;
  if (typeof raw === 'string') return { info: { code: 'ERROR', message: raw } };
  const err = obj(raw) ?? {};
  const fromCatch = isCatchError(err);
  const structured = fromCatch ? obj(msg._error) : err;
  const info: AuditErrorInfo = {
    code: text(structured?.code) ?? text(err.code) ?? 'ERROR',
    message: text(structured?.message) ?? text(err.message) ?? String(raw),
  };
  const status = structured?.status ?? err.status;
  if (typeof status === 'number' && Number.isFinite(status)) info.status = status;
  return { info, structured, source: fromCatch ? obj(err.source) : undefined };
}

export function entryFromMsg(msg: Obj, settings: SinkSettings): AuditEntryInput {
  const audit = readAuditInfo(msg);
  const error = errorOf(msg);
  const status: AuditStatus = error
    ? 'failed'
    : audit.status && audit.status !== 'replayed'
      ? audit.status
      : 'received';
  const structuredSystem = error?.structured?.system;
  const system: AuditSystem =
    settings.system ??
    (isAuditSystem(structuredSystem) ? structuredSystem : undefined) ??
    audit.system ??
    systemFromNodeType(error?.source?.type) ??
    'flow';
  const operation = settings.operation ?? text(error?.source?.type) ?? audit.operation ?? 'record';

  // the stored msg is what a replay re-emits: without the error and the previous audit marker
  const stored: Obj = { ...msg };
  delete stored.error;
  delete stored._error;
  delete stored.audit;

  const entry: AuditEntryInput = {
    system,
    operation,
    status,
    correlation: correlationFromMsg(msg),
    nodeId: settings.nodeId,
    msg: stored,
  };
  if (error) entry.error = error.info;
  if (audit.attempt) entry.attempt = audit.attempt;
  if (audit.idempotencyKey) entry.idempotencyKey = audit.idempotencyKey;
  if (audit.replayOf) entry.replayOf = audit.replayOf;
  return entry;
}
