/**
 * The webhook inbox of the PostgreSQL store (the rules of sqlite-inbox.ts): an add is one
 * committed transaction before the sender is answered, so any instance behind a load balancer may
 * receive an event and a crash right after the 200 loses nothing; a settle and the audit entry
 * recorded with it share one transaction. A redelivery (same scope and event id) is reported as a
 * duplicate, whichever instance stored the first copy.
 */
import type { PgStoreContext } from './pg-context';
import type { PgQuery } from './pg-database';
import { inboxEventFromRow, type InboxRow } from './sqlite-rows';
import type { AuditEntryInput, AuditStore } from './types';

export type PgInbox = Pick<AuditStore, 'inboxAdd' | 'inboxPending' | 'inboxSettle' | 'inboxClaim'> & {
  /** Deletes settled events older than the cutoff (never pending ones). */
  purgeSettled(cutoffIso: string): Promise<void>;
};

function requireScope(scope: string): void {
  if (typeof scope !== 'string' || !scope) throw new Error('inbox scope must be a non-empty string');
}

export function pgInbox(
  ctx: PgStoreContext,
  insertEntry: (q: PgQuery, entry: AuditEntryInput) => Promise<void>,
): PgInbox {
  return {
    async inboxAdd(scope, events) {
      requireScope(scope);
      const rows = events.map((e) => {
        if (typeof e.eventId !== 'string' || !e.eventId) throw new Error('inbox event needs an eventId');
        return { eventId: e.eventId, payload: JSON.stringify(e.payload ?? null) };
      });
      return ctx.tx(async (q) => {
        const t = ctx.isoNow();
        const added: string[] = [];
        const duplicates: string[] = [];
        for (const r of rows) {
          const info = await q(
            `INSERT INTO webhook_inbox (scope, event_id, state, payload, received_at)
             VALUES ($1, $2, 'pending', $3, $4) ON CONFLICT (scope, event_id) DO NOTHING`,
            [scope, r.eventId, r.payload, t],
          );
          if (info.rowCount === 1) added.push(r.eventId);
          else duplicates.push(r.eventId);
        }
        return { added, duplicates };
      });
    },

    async inboxClaim(scope, eventId, owner, ttlMs) {
      requireScope(scope);
      const t = ctx.isoNow();
      const r = await ctx.query(
        `UPDATE webhook_inbox SET claim_owner = $1, claim_until = $2
         WHERE scope = $3 AND event_id = $4 AND state = 'pending'
           AND (claim_owner IS NULL OR claim_owner = $1 OR claim_until <= $5)`,
        [owner, new Date(ctx.now() + ttlMs).toISOString(), scope, eventId, t],
      );
      return r.rowCount === 1;
    },

    async inboxPending(scope, limit) {
      requireScope(scope);
      const n = Math.max(0, Math.floor(limit));
      const r = await ctx.query<InboxRow>(
        `SELECT scope, event_id, payload, received_at FROM webhook_inbox
         WHERE scope = $1 AND state = 'pending' ORDER BY seq LIMIT $2`,
        [scope, n],
      );
      return r.rows.map(inboxEventFromRow);
    },

    async inboxSettle(scope, eventId, state, entry) {
      requireScope(scope);
      if (state !== 'applied' && state !== 'failed') throw new Error(`unknown inbox state "${String(state)}"`);
      await ctx.tx(async (q) => {
        const info = await q(
          `UPDATE webhook_inbox SET state = $1, settled_at = $2
           WHERE scope = $3 AND event_id = $4 AND state = 'pending'`,
          [state, ctx.isoNow(), scope, eventId],
        );
        // settled already (a second settle, or another instance) records nothing a second time
        if (info.rowCount === 1 && entry) await insertEntry(q, entry);
      });
    },

    async purgeSettled(cutoffIso) {
      await ctx.query("DELETE FROM webhook_inbox WHERE state != 'pending' AND settled_at < $1", [cutoffIso]);
    },
  };
}
