/**
 * The msg shipstation-in and shipstation-fetch emit for one record (DESIGN message contract):
 *   payload      the full order / shipment / fulfilment / ... (V1 timestamps already UTC)
 *   topic        the record kind
 *   shipstation  {version, resourceType, resourceUrl, event?, id}
 *   x3Draft      the X3 records to write (when "map to X3" is on and the kind maps)
 */
import { mapRecordToX3, type X3Draft, type X3MappingOptions } from './mapping';
import { recordIdentity, type RecordKind } from './records';
import type { ApiVersion } from './resource-url';

export interface ShipStationMsgInfo {
  version: ApiVersion;
  resourceType: RecordKind;
  resourceUrl?: string;
  /** webhook resource_type (ORDER_NOTIFY, SHIPMENT_CREATED_V2...) */
  event?: string;
  /** "order:123456" */
  id: string;
}

export interface RecordMessageOptions {
  version: ApiVersion;
  kind: RecordKind;
  resourceUrl?: string;
  event?: string;
  mapToX3: boolean;
  mapping?: X3MappingOptions;
}

export interface RecordMessage {
  msg: Record<string, unknown>;
  /** Mapping failure: the msg is complete except x3Draft and should go out as an error. */
  error?: unknown;
}

export function recordMessage(
  base: Record<string, unknown>,
  record: Record<string, unknown>,
  o: RecordMessageOptions,
): RecordMessage {
  const info: ShipStationMsgInfo = {
    version: o.version,
    resourceType: o.kind,
    id: recordIdentity(o.kind, o.version, record).id,
  };
  if (o.resourceUrl) info.resourceUrl = o.resourceUrl;
  if (o.event) info.event = o.event;
  const msg: Record<string, unknown> = { ...base, topic: o.kind, payload: record, shipstation: info };
  delete msg.x3Draft;
  if (!o.mapToX3) return { msg };
  try {
    const draft: X3Draft | undefined = mapRecordToX3(o.kind, o.version, record, o.mapping);
    if (draft) msg.x3Draft = draft;
    return { msg };
  } catch (err) {
    return { msg, error: err };
  }
}
