/**
 * The FedEx shipments the store follows (both backends, sql-dialect.ts): started as
 * label_created when a label is made (or when an event arrives for one nobody asked to follow),
 * correlation keys learnt later merged in by one atomic statement (two instances tracking one
 * shipment at once both keep theirs), updated per tracking event, listed oldest update first for
 * the tracking poll, closed once terminal. SQLite group-commits these writes with the ledger's.
 */
import { normaliseCorrelation } from './entry-input';
import { sql, type SqlBackend } from './sql-dialect';
import { shipmentFromRow, type ShipmentRow } from './sqlite-rows';
import { MAX_QUERY_LIMIT } from './trail-query';
import { SHIPMENT_STATUSES } from './vocabulary';
import type { AuditStore, ShipmentWrite } from './types';

export type SqlTracked = Pick<
  AuditStore,
  'trackShipment' | 'getShipment' | 'listOpenShipments' | 'updateShipment' | 'applyShipment'
>;

function requireStatus(update: ShipmentWrite): void {
  if (!SHIPMENT_STATUSES.includes(update.status)) {
    throw new Error(`unknown shipment status "${String(update.status)}"`);
  }
}

/** The upsert of a shipment's state; an event for one nobody asked to follow (a webhook) starts following it. */
function* writeShipment(tn: string, update: ShipmentWrite, t: string) {
  yield* sql(
    `INSERT INTO tracked_shipments (tracking_number, status, status_code, last_event_at, closed, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tracking_number) DO UPDATE SET status = excluded.status,
       status_code = excluded.status_code, last_event_at = excluded.last_event_at,
       closed = excluded.closed, updated_at = excluded.updated_at`,
    tn,
    update.status,
    update.statusCode ?? null,
    update.lastEventAt ?? null,
    update.closed ? 1 : 0,
    t,
    t,
  );
}

function requireTrackingNumber(tn: string): string {
  const v = typeof tn === 'string' ? tn.trim() : '';
  if (!v) throw new Error('tracking number must be a non-empty string');
  return v;
}

export function sqlTracked(db: SqlBackend): SqlTracked {
  return {
    async trackShipment(trackingNumber, correlation) {
      const tn = requireTrackingNumber(trackingNumber);
      const corr = normaliseCorrelation(correlation);
      // keeps status and poll order; only learns correlation keys it did not know
      const merged = db.dialect.mergeJson("COALESCE(tracked_shipments.correlation, '{}')", 'excluded.correlation');
      await db.write(function* () {
        const t = db.isoNow();
        yield* sql(
          `INSERT INTO tracked_shipments (tracking_number, correlation, status, closed, created_at, updated_at)
           VALUES (?, ?, 'label_created', 0, ?, ?)
           ON CONFLICT (tracking_number) DO UPDATE SET correlation =
             CASE WHEN excluded.correlation IS NULL THEN tracked_shipments.correlation ELSE ${merged} END`,
          tn,
          corr ? JSON.stringify(corr) : null,
          t,
          t,
        );
      });
    },

    async getShipment(trackingNumber) {
      return db.read(function* () {
        const r = yield* sql<ShipmentRow>('SELECT * FROM tracked_shipments WHERE tracking_number = ?', trackingNumber);
        return r.rows[0] ? shipmentFromRow(r.rows[0]) : undefined;
      });
    },

    async listOpenShipments(limit) {
      const n = Math.max(0, Math.min(MAX_QUERY_LIMIT, Math.floor(limit)));
      return db.read(function* () {
        const r = yield* sql<ShipmentRow>(
          'SELECT * FROM tracked_shipments WHERE closed = 0 ORDER BY updated_at ASC, tracking_number ASC LIMIT ?',
          n,
        );
        return r.rows.map(shipmentFromRow);
      });
    },

    async updateShipment(trackingNumber, update) {
      const tn = requireTrackingNumber(trackingNumber);
      requireStatus(update);
      const t = db.isoNow();
      await db.write(function* () {
        yield* writeShipment(tn, update, t);
      });
    },

    async applyShipment(trackingNumber, next) {
      const tn = requireTrackingNumber(trackingNumber);
      // SQLite runs the whole operation inside one synchronous commit; PostgreSQL in one
      // transaction behind a lock on the tracking number (the row may not exist yet, so no FOR UPDATE)
      return db.write(
        function* () {
          const lock = db.dialect.lock("'sage-x3-shipping.tracked:' || ?", tn);
          if (lock) yield* sql(lock.sql, ...lock.params);
          const r = yield* sql<ShipmentRow>('SELECT * FROM tracked_shipments WHERE tracking_number = ?', tn);
          const stored = r.rows[0] ? shipmentFromRow(r.rows[0]) : undefined;
          const update = next(stored);
          if (update) {
            requireStatus(update);
            yield* writeShipment(tn, update, db.isoNow());
          }
          return stored;
        },
        { atomic: true },
      );
    },
  };
}
