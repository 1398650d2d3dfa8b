/**
 * What a caller hands the audit store, checked and normalised before it is written: an audit
 * entry (status, system, correlation keys, error text redacted, msg masked), UTC times, and the
 * time-ordered id each entry gets.
 */
import { randomBytes } from 'crypto';
import { redactText, sanitiseMsg } from './masking';
import { AUDIT_STATUSES, AUDIT_SYSTEMS, CORRELATION_SCALAR_KEYS } from './vocabulary';
import type { AuditCorrelation, AuditEntry, AuditEntryInput, AuditErrorInfo, AuditStatus, AuditSystem } from './types';

export function requireStatus(status: string): asserts status is AuditStatus {
  if (!AUDIT_STATUSES.includes(status as AuditStatus)) throw new Error(`unknown audit status "${status}"`);
}

export function requireSystem(system: string): asserts system is AuditSystem {
  if (!AUDIT_SYSTEMS.includes(system as AuditSystem)) throw new Error(`unknown audit system "${system}"`);
}

export function toIso(value: string, name: string): string {
  const d = new Date(value);
  if (typeof value !== 'string' || Number.isNaN(d.getTime()))
    throw new Error(`invalid "${name}" time: ${String(value)}`);
  return d.toISOString();
}

function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t ? t : undefined;
}

/** Trims keys, drops empty ones, de-duplicates tracking numbers; undefined when nothing is left. */
export function normaliseCorrelation(c: AuditCorrelation | undefined): AuditCorrelation | undefined {
  if (!c) return undefined;
  const out: AuditCorrelation = {};
  for (const k of CORRELATION_SCALAR_KEYS) {
    const v = str(c[k]);
    if (v) out[k] = v;
  }
  if (Array.isArray(c.trackingNumbers)) {
    const tns = [...new Set(c.trackingNumbers.map(str).filter((v): v is string => !!v))];
    if (tns.length) out.trackingNumbers = tns;
  }
  return Object.keys(out).length ? out : undefined;
}

export function normaliseError(e: AuditErrorInfo): AuditErrorInfo {
  const out: AuditErrorInfo = {
    code: str(e.code) ?? 'ERROR',
    message: redactText(typeof e.message === 'string' ? e.message : String(e.message)),
  };
  if (typeof e.status === 'number' && Number.isFinite(e.status)) out.status = e.status;
  return out;
}

export function normaliseInput(
  input: AuditEntryInput,
  sanitise: { maskPersonalData: boolean },
  now: () => number,
): AuditEntry {
  if (!input || typeof input !== 'object') throw new Error('audit entry must be an object');
  requireSystem(input.system);
  requireStatus(input.status);
  if (typeof input.operation !== 'string' || !input.operation) throw new Error('audit entry needs an operation');
  const ms = now();
  const entry: AuditEntry = {
    id: timeOrderedId(ms),
    time: new Date(ms).toISOString(),
    system: input.system,
    operation: input.operation,
    status: input.status,
    attempt: Number.isInteger(input.attempt) && (input.attempt as number) > 0 ? (input.attempt as number) : 1,
  };
  const correlation = normaliseCorrelation(input.correlation);
  if (correlation) entry.correlation = correlation;
  if (input.error) entry.error = normaliseError(input.error);
  if (input.msg && typeof input.msg === 'object') entry.msg = sanitiseMsg(input.msg, sanitise).value;
  if (str(input.idempotencyKey)) entry.idempotencyKey = input.idempotencyKey;
  if (str(input.nodeId)) entry.nodeId = input.nodeId;
  if (str(input.replayOf)) entry.replayOf = input.replayOf;
  return entry;
}

/**
 * Random bytes for ids, drawn in blocks: one randomBytes call per entry cost more than the rest
 * of building it (the same batching crypto.randomUUID does). Each 16-byte slice is used once.
 */
const ID_POOL_BYTES = 16 * 256;
let idPool = Buffer.alloc(0);
let idPoolOffset = 0;

/** UUIDv7 layout: 48-bit millisecond time first, so ids sort by time and index inserts append. */
export function timeOrderedId(ms: number): string {
  if (idPoolOffset + 16 > idPool.length) {
    idPool = randomBytes(ID_POOL_BYTES);
    idPoolOffset = 0;
  }
  const b = idPool.subarray(idPoolOffset, idPoolOffset + 16);
  idPoolOffset += 16;
  b.writeUIntBE(Math.max(0, Math.floor(ms)) % 2 ** 48, 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
