/**
 * The webhook inbox (both backends, sql-dialect.ts): what a webhook receiver stores before it
 * answers the sender (a 200 is never redelivered), and what it applies from there, also after a
 * restart or on another instance. A redelivery (same scope and event id) is reported as a
 * duplicate, whichever instance stored the first copy.
 *
 * An add is one commit made durable like a ledger write before the sender is answered. A settle
 * needs no fsync: losing it to a power cut means the event is applied again, which the receiver
 * tolerates; the audit entry recorded with it is in the same commit, so the trail and the inbox
 * never disagree.
 */
import { recordEntry, sql, type SqlBackend } from './sql-dialect';
import { inboxEventFromRow, type InboxRow } from './sqlite-rows';
import type { AuditStore } from './types';

export type SqlInbox = Pick<AuditStore, 'inboxAdd' | 'inboxPending' | 'inboxSettle' | 'inboxClaim'> & {
  /** Deletes settled events older than the cutoff (never pending ones). */
  purgeSettled(cutoffIso: string): Promise<void>;
};

function requireScope(scope: string): void {
  if (typeof scope !== 'string' || !scope) throw new Error('inbox scope must be a non-empty string');
}

export function sqlInbox(db: SqlBackend): SqlInbox {
  return {
    async inboxAdd(scope, events) {
      requireScope(scope);
      const rows = events.map((e) => {
        if (typeof e.eventId !== 'string' || !e.eventId) throw new Error('inbox event needs an eventId');
        return { eventId: e.eventId, payload: JSON.stringify(e.payload ?? null) };
      });
      return db.write(
        function* () {
          const t = db.isoNow();
          const added: string[] = [];
          const duplicates: string[] = [];
          for (const r of rows) {
            const info = yield* sql(
              `INSERT INTO webhook_inbox (scope, event_id, state, payload, received_at)
               VALUES (?, ?, 'pending', ?, ?) ON CONFLICT (scope, event_id) DO NOTHING`,
              scope,
              r.eventId,
              r.payload,
              t,
            );
            if (info.changes === 1) added.push(r.eventId);
            else duplicates.push(r.eventId);
          }
          return { added, duplicates };
        },
        { durableKey: `inbox:${scope}`, atomic: true },
      );
    },

    async inboxClaim(scope, eventId, owner, ttlMs) {
      requireScope(scope);
      const t = db.isoNow();
      const until = new Date(Date.parse(t) + ttlMs).toISOString();
      return db.write(
        function* () {
          const r = yield* sql(
            `UPDATE webhook_inbox SET claim_owner = ?, claim_until = ?
             WHERE scope = ? AND event_id = ? AND state = 'pending'
               AND (claim_owner IS NULL OR claim_owner = ? OR claim_until <= ?)`,
            owner,
            until,
            scope,
            eventId,
            owner,
            t,
          );
          return r.changes === 1;
        },
        { durableKey: `inbox:${scope}` },
      );
    },

    async inboxPending(scope, limit) {
      requireScope(scope);
      const n = Math.max(0, Math.floor(limit));
      return db.read(function* () {
        const r = yield* sql<InboxRow>(
          `SELECT scope, event_id, payload, received_at FROM webhook_inbox
           WHERE scope = ? AND state = 'pending' ORDER BY seq LIMIT ?`,
          scope,
          n,
        );
        return r.rows.map(inboxEventFromRow);
      });
    },

    async inboxSettle(scope, eventId, state, entry) {
      requireScope(scope);
      if (state !== 'applied' && state !== 'failed') throw new Error(`unknown inbox state "${String(state)}"`);
      await db.write(
        function* () {
          const r = yield* sql(
            `UPDATE webhook_inbox SET state = ?, settled_at = ?
             WHERE scope = ? AND event_id = ? AND state = 'pending'`,
            state,
            db.isoNow(),
            scope,
            eventId,
          );
          // settled already (a second settle, or another instance) records nothing a second time
          if (r.changes === 1 && entry) yield* recordEntry(entry);
        },
        { atomic: true },
      );
    },

    async purgeSettled(cutoffIso) {
      await db.write(
        function* () {
          yield* sql("DELETE FROM webhook_inbox WHERE state != 'pending' AND settled_at < ?", cutoffIso);
        },
        { now: true },
      );
    },
  };
}
