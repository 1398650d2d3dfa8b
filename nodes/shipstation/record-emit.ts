/**
 * One record out, the same for shipstation-in and shipstation-fetch (Node-RED-free): the msg is
 * built (record-message.ts), its outcome goes to the audit trail first, then the msg is sent, or,
 * when its X3 mapping failed, handed to `fail` (the node's Catch) without x3Draft.
 */
import { toErrorInfo } from '../core/errors';
import type { AuditEntryInput } from '../audit/types';
import { recordMessage, type RecordMessageOptions } from './record-message';
import { correlationOf } from './records';

type Json = Record<string, unknown>;

export interface EmitRecordOptions extends RecordMessageOptions {
  /** The audit operation's verb: `<kind>.<verb>` (fetch, receive). */
  verb: string;
  nodeId: string;
  record: (entry: AuditEntryInput) => Promise<unknown>;
  send: (msg: Json) => void;
  fail: (err: unknown, msg: Json) => void;
}

/** Builds, audits and sends (or fails) the msg of one record. */
export async function emitRecord(base: Json, record: Json, o: EmitRecordOptions): Promise<void> {
  const built = recordMessage(base, record, o);
  const stored = { topic: built.msg.topic, payload: record, shipstation: built.msg.shipstation };
  const entry = {
    system: 'shipstation',
    operation: `${o.kind}.${o.verb}`,
    correlation: correlationOf(o.kind, o.version, record),
    nodeId: o.nodeId,
  } as const;
  if (built.error) {
    const info = toErrorInfo(built.error, 'shipstation');
    await o.record({
      ...entry,
      status: 'failed',
      error: { code: info.code, message: info.message },
      msg: stored,
    });
    o.fail(built.error, built.msg);
    return;
  }
  await o.record({ ...entry, status: 'succeeded', msg: { ...stored, x3Draft: built.msg.x3Draft } });
  o.send(built.msg);
}
