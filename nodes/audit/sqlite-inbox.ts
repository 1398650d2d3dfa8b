/**
 * The webhook inbox of the SQLite store: what a webhook receiver stores before it answers the
 * sender (a 200 is never redelivered), and what it applies from there, also after a restart.
 * The store delegates its inbox* methods here (migration 2 holds the table).
 *
 * An add is one commit made durable like a ledger write (the WAL fsynced before the promise
 * resolves): the sender is answered only after that. A settle needs no fsync: losing it to a
 * power cut means the event is applied again, which the receiver tolerates; the audit entry
 * recorded with it is in the same commit, so the trail and the inbox never disagree.
 */
import type { Statement } from 'better-sqlite3';
import { inboxEventFromRow, type InboxRow } from './sqlite-rows';
import type { AuditEntryInput, AuditStore } from './types';

export interface InboxDeps {
  st(sql: string): Statement;
  isoNow(): string;
  /** A group-committed write, durable (fsynced) before it resolves. */
  durableWrite<T>(key: string, fn: () => T): Promise<T>;
  /** A group-committed write (committed, not fsynced). */
  groupWrite<T>(fn: () => T): Promise<T>;
  /** Commits queued writes before a read. */
  beforeRead(): void;
  /** Normalises and inserts an audit entry inside the current transaction. */
  insertEntry(entry: AuditEntryInput): void;
}

export type SqliteInbox = Pick<AuditStore, 'inboxAdd' | 'inboxPending' | 'inboxSettle' | 'inboxClaim'> & {
  /** Deletes settled events older than the cutoff (never pending ones). */
  purgeSettled(cutoffIso: string): void;
};

function requireScope(scope: string): void {
  if (typeof scope !== 'string' || !scope) throw new Error('inbox scope must be a non-empty string');
}

export function sqliteInbox(d: InboxDeps): SqliteInbox {
  return {
    async inboxAdd(scope, events) {
      requireScope(scope);
      const rows = events.map((e) => {
        if (typeof e.eventId !== 'string' || !e.eventId) throw new Error('inbox event needs an eventId');
        return { eventId: e.eventId, payload: JSON.stringify(e.payload ?? null) };
      });
      return d.durableWrite(`inbox:${scope}`, () => {
        const insert = d.st(
          `INSERT INTO webhook_inbox (scope, event_id, state, payload, received_at)
           VALUES (?, ?, 'pending', ?, ?) ON CONFLICT(scope, event_id) DO NOTHING`,
        );
        const t = d.isoNow();
        const added: string[] = [];
        const duplicates: string[] = [];
        for (const r of rows) {
          if (insert.run(scope, r.eventId, r.payload, t).changes === 1) added.push(r.eventId);
          else duplicates.push(r.eventId);
        }
        return { added, duplicates };
      });
    },

    async inboxClaim(scope, eventId, owner, ttlMs) {
      requireScope(scope);
      const t = d.isoNow();
      const until = new Date(Date.parse(t) + ttlMs).toISOString();
      return d.durableWrite(
        `inbox:${scope}`,
        () =>
          d
            .st(
              `UPDATE webhook_inbox SET claim_owner = ?, claim_until = ?
               WHERE scope = ? AND event_id = ? AND state = 'pending'
                 AND (claim_owner IS NULL OR claim_owner = ? OR claim_until <= ?)`,
            )
            .run(owner, until, scope, eventId, owner, t).changes === 1,
      );
    },

    async inboxPending(scope, limit) {
      requireScope(scope);
      d.beforeRead();
      const n = Math.max(0, Math.floor(limit));
      const rows = d
        .st(
          `SELECT scope, event_id, payload, received_at FROM webhook_inbox
           WHERE scope = ? AND state = 'pending' ORDER BY seq LIMIT ?`,
        )
        .all(scope, n) as InboxRow[];
      return rows.map(inboxEventFromRow);
    },

    async inboxSettle(scope, eventId, state, entry) {
      requireScope(scope);
      if (state !== 'applied' && state !== 'failed') throw new Error(`unknown inbox state "${String(state)}"`);
      await d.groupWrite(() => {
        const info = d
          .st(
            `UPDATE webhook_inbox SET state = ?, settled_at = ?
             WHERE scope = ? AND event_id = ? AND state = 'pending'`,
          )
          .run(state, d.isoNow(), scope, eventId);
        // settled already (a second settle) records nothing a second time
        if (info.changes === 1 && entry) d.insertEntry(entry);
      });
    },

    purgeSettled(cutoffIso) {
      d.st("DELETE FROM webhook_inbox WHERE state != 'pending' AND settled_at < ?").run(cutoffIso);
    },
  };
}
