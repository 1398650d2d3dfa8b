/**
 * The FedEx shipments the SQLite store follows: started when a label is made (or when an event
 * arrives for one nobody asked to follow), updated per tracking event, listed oldest update first
 * for the tracking poll, closed once terminal. Writes are group-committed with the ledger writes.
 */
import { normaliseCorrelation } from './entry-input';
import type { SqliteStoreContext } from './sqlite-context';
import { parseJson, shipmentFromRow, type ShipmentRow } from './sqlite-rows';
import { MAX_QUERY_LIMIT } from './trail-query';
import { SHIPMENT_STATUSES } from './vocabulary';
import type { AuditCorrelation, AuditStore } from './types';

export type SqliteTracked = Pick<AuditStore, 'trackShipment' | 'getShipment' | 'listOpenShipments' | 'updateShipment'>;

function requireTrackingNumber(tn: string): string {
  const v = typeof tn === 'string' ? tn.trim() : '';
  if (!v) throw new Error('tracking number must be a non-empty string');
  return v;
}

export function sqliteTracked(ctx: SqliteStoreContext): SqliteTracked {
  const st = ctx.st;
  return {
    async trackShipment(trackingNumber, correlation) {
      const tn = requireTrackingNumber(trackingNumber);
      const corr = normaliseCorrelation(correlation);
      await ctx.groupWrite(() => {
        const existing = st('SELECT correlation FROM tracked_shipments WHERE tracking_number = ?').get(tn) as
          { correlation: string | null } | undefined;
        if (!existing) {
          const t = ctx.isoNow();
          st(
            `INSERT INTO tracked_shipments (tracking_number, correlation, status, closed, created_at, updated_at)
             VALUES (?, ?, 'label_created', 0, ?, ?)`,
          ).run(tn, corr ? JSON.stringify(corr) : null, t, t);
        } else if (corr) {
          // keeps status and poll order; only learns correlation keys it did not know
          const merged = { ...parseJson<AuditCorrelation>(existing.correlation), ...corr };
          st('UPDATE tracked_shipments SET correlation = ? WHERE tracking_number = ?').run(JSON.stringify(merged), tn);
        }
      });
    },

    async getShipment(trackingNumber) {
      ctx.beforeRead();
      const row = st('SELECT * FROM tracked_shipments WHERE tracking_number = ?').get(trackingNumber) as
        ShipmentRow | undefined;
      return row ? shipmentFromRow(row) : undefined;
    },

    async listOpenShipments(limit) {
      const n = Math.max(0, Math.min(MAX_QUERY_LIMIT, Math.floor(limit)));
      ctx.beforeRead();
      const rows = st(
        'SELECT * FROM tracked_shipments WHERE closed = 0 ORDER BY updated_at ASC, tracking_number ASC LIMIT ?',
      ).all(n) as ShipmentRow[];
      return rows.map(shipmentFromRow);
    },

    async updateShipment(trackingNumber, update) {
      const tn = requireTrackingNumber(trackingNumber);
      if (!SHIPMENT_STATUSES.includes(update.status)) {
        throw new Error(`unknown shipment status "${String(update.status)}"`);
      }
      const t = ctx.isoNow();
      // an event for a shipment nobody asked to follow (e.g. a webhook) starts following it
      await ctx.groupWrite(() =>
        st(
          `INSERT INTO tracked_shipments (tracking_number, status, status_code, last_event_at, closed, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(tracking_number) DO UPDATE SET status = excluded.status,
           status_code = excluded.status_code, last_event_at = excluded.last_event_at,
           closed = excluded.closed, updated_at = excluded.updated_at`,
        ).run(tn, update.status, update.statusCode ?? null, update.lastEventAt ?? null, update.closed ? 1 : 0, t, t),
      );
    },
  };
}
