/**
 * The FedEx shipments the PostgreSQL store follows, with the rules of sqlite-tracked.ts: started
 * as label_created, correlation keys learnt later merged in (one atomic statement, so two
 * instances tracking one shipment at once both keep theirs), updated per event, listed oldest
 * update first for the tracking poll.
 */
import { normaliseCorrelation } from './entry-input';
import type { PgStoreContext } from './pg-context';
import { shipmentFromRow, type ShipmentRow } from './sqlite-rows';
import { MAX_QUERY_LIMIT } from './trail-query';
import { SHIPMENT_STATUSES } from './vocabulary';
import type { AuditStore } from './types';

export type PgTracked = Pick<AuditStore, 'trackShipment' | 'getShipment' | 'listOpenShipments' | 'updateShipment'>;

function requireTrackingNumber(tn: string): string {
  const v = typeof tn === 'string' ? tn.trim() : '';
  if (!v) throw new Error('tracking number must be a non-empty string');
  return v;
}

export function pgTracked(ctx: PgStoreContext): PgTracked {
  return {
    async trackShipment(trackingNumber, correlation) {
      const tn = requireTrackingNumber(trackingNumber);
      const corr = normaliseCorrelation(correlation);
      const t = ctx.isoNow();
      // keeps status and poll order; only learns correlation keys it did not know
      await ctx.query(
        `INSERT INTO tracked_shipments (tracking_number, correlation, status, closed, created_at, updated_at)
         VALUES ($1, $2, 'label_created', 0, $3, $3)
         ON CONFLICT (tracking_number) DO UPDATE SET correlation =
           CASE WHEN $2::text IS NULL THEN tracked_shipments.correlation
                ELSE (COALESCE(tracked_shipments.correlation, '{}')::jsonb || $2::jsonb)::text END`,
        [tn, corr ? JSON.stringify(corr) : null, t],
      );
    },

    async getShipment(trackingNumber) {
      const r = await ctx.query<ShipmentRow>('SELECT * FROM tracked_shipments WHERE tracking_number = $1', [
        trackingNumber,
      ]);
      return r.rows[0] ? shipmentFromRow(r.rows[0]) : undefined;
    },

    async listOpenShipments(limit) {
      const n = Math.max(0, Math.min(MAX_QUERY_LIMIT, Math.floor(limit)));
      const r = await ctx.query<ShipmentRow>(
        `SELECT * FROM tracked_shipments WHERE closed = 0
         ORDER BY updated_at ASC, tracking_number COLLATE "C" ASC LIMIT $1`,
        [n],
      );
      return r.rows.map(shipmentFromRow);
    },

    async updateShipment(trackingNumber, update) {
      const tn = requireTrackingNumber(trackingNumber);
      if (!SHIPMENT_STATUSES.includes(update.status)) {
        throw new Error(`unknown shipment status "${String(update.status)}"`);
      }
      const t = ctx.isoNow();
      // an event for a shipment nobody asked to follow (e.g. a webhook) starts following it
      await ctx.query(
        `INSERT INTO tracked_shipments (tracking_number, status, status_code, last_event_at, closed, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (tracking_number) DO UPDATE SET status = excluded.status,
           status_code = excluded.status_code, last_event_at = excluded.last_event_at,
           closed = excluded.closed, updated_at = excluded.updated_at`,
        [tn, update.status, update.statusCode ?? null, update.lastEventAt ?? null, update.closed ? 1 : 0, t],
      );
    },
  };
}
