/**
 * msg.audit: what the audit trail puts on a msg, and how connector nodes read it.
 *
 * Every recorded msg leaves with msg.audit = {id, status}. A replayed msg also carries
 * replayOf (the entry it replays), system/operation of that entry, its idempotencyKey and a
 * snapshot of that key's ledger entry, so the connector node that performs the operation reuses
 * the original key: a label request that already succeeded then returns the stored label.
 */
import type { AuditCorrelation, AuditStatus, AuditSystem, LedgerState } from './types';
import { isAuditStatus, isAuditSystem, isLedgerState } from './vocabulary';

export { isAuditStatus, isAuditSystem };

export interface AuditMsgLedger {
  state: LedgerState;
  /** stored result when state is 'succeeded' (e.g. the label already bought) */
  result?: unknown;
}

export interface AuditMsgInfo {
  id?: string;
  status?: AuditStatus;
  /** set on replays: id of the entry being replayed */
  replayOf?: string;
  system?: AuditSystem;
  operation?: string;
  idempotencyKey?: string;
  correlation?: AuditCorrelation;
  attempt?: number;
  ledger?: AuditMsgLedger;
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The well-formed parts of msg.audit (an empty object when there is none). */
export function readAuditInfo(msg: unknown): AuditMsgInfo {
  if (!msg || typeof msg !== 'object') return {};
  const a = (msg as { audit?: unknown }).audit;
  if (!a || typeof a !== 'object' || Array.isArray(a)) return {};
  const raw = a as Record<string, unknown>;
  const info: AuditMsgInfo = {};
  if (nonEmpty(raw.id)) info.id = raw.id as string;
  if (isAuditStatus(raw.status)) info.status = raw.status;
  if (nonEmpty(raw.replayOf)) info.replayOf = raw.replayOf as string;
  if (isAuditSystem(raw.system)) info.system = raw.system;
  if (nonEmpty(raw.operation)) info.operation = raw.operation as string;
  if (nonEmpty(raw.idempotencyKey)) info.idempotencyKey = raw.idempotencyKey as string;
  if (raw.correlation && typeof raw.correlation === 'object' && !Array.isArray(raw.correlation)) {
    info.correlation = raw.correlation as AuditCorrelation;
  }
  if (typeof raw.attempt === 'number' && Number.isInteger(raw.attempt) && raw.attempt > 0) {
    info.attempt = raw.attempt;
  }
  const ledger = raw.ledger as Record<string, unknown> | undefined;
  if (ledger && typeof ledger === 'object' && isLedgerState(ledger.state)) {
    info.ledger = { state: ledger.state };
    if ('result' in ledger) info.ledger.result = ledger.result;
  }
  return info;
}

/**
 * The ledger key a connector must reuse for `operation`: the replayed entry's key, only when the
 * msg is a replay of that same operation. A key of another step (a replayed x3.update flowing
 * through fedex-ship first) is never borrowed, or a step could be skipped as "already done".
 */
export function replayLedgerKey(msg: unknown, operation: string): string | undefined {
  const info = readAuditInfo(msg);
  if (!info.replayOf || !info.idempotencyKey) return undefined;
  return info.operation === operation ? info.idempotencyKey : undefined;
}
