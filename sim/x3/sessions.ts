/**
 * Syracuse sessions (reference 2.3: "reuse the Syracuse session cookie between calls"). A request
 * authenticated by Basic credentials without a live session cookie opens a new session and gets
 * its cookie; a request carrying a live session's cookie is served in that session (reused). A
 * session idle longer than `sessionIdleSeconds` is gone; `POST /logout` with its cookie ends it.
 * Bearer tokens (connected app, OAuth2) are stateless and open no session. The cookie name and the
 * logout path are not documented in the reference **[U]**: the client stores whatever cookie is set
 * and takes the logout path from its settings.
 */
import { randomBytes } from 'crypto';

export const SESSION_COOKIE = 'syracuse.sid';
export const LOGOUT_PATH = '/logout';

export interface SessionStats {
  /** Sessions opened (each one is a Basic authentication without a live cookie). */
  created: number;
  /** Requests served in an existing session. */
  reused: number;
  /** Sessions found past their idle timeout when their cookie came back. */
  expired: number;
  /** Sessions ended by a logout. */
  loggedOut: number;
  /** Sessions live now. */
  active: number;
}

interface Session {
  user: string;
  lastUsedAt: number;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private counts = { created: 0, reused: 0, expired: 0, loggedOut: 0 };
  private sweptAt = 0;

  constructor(
    private readonly serverNow: () => number,
    private readonly idleMs: () => number,
  ) {}

  /** The user of the live session named by the Cookie header (touched), or undefined. */
  resume(cookieHeader: string | undefined): string | undefined {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = this.serverNow();
    if (now - s.lastUsedAt > this.idleMs()) {
      this.sessions.delete(id);
      this.counts.expired += 1;
      return undefined;
    }
    s.lastUsedAt = now;
    this.counts.reused += 1;
    return s.user;
  }

  /** Opens a session for an authenticated user; returns the Set-Cookie value. */
  open(user: string): string {
    this.sweep();
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, { user, lastUsedAt: this.serverNow() });
    this.counts.created += 1;
    return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly`;
  }

  /** Ends the session named by the Cookie header; false when there was none. */
  logout(cookieHeader: string | undefined): boolean {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    if (!id || !this.sessions.delete(id)) return false;
    this.counts.loggedOut += 1;
    return true;
  }

  stats(): SessionStats {
    this.sweep();
    return { ...this.counts, active: this.sessions.size };
  }

  reset(): void {
    this.sessions.clear();
    this.counts = { created: 0, reused: 0, expired: 0, loggedOut: 0 };
  }

  /** Idle sessions time out on the server whether or not their cookie comes back. */
  private sweep(): void {
    const now = this.serverNow();
    // at most once a second: a client opening a session per request must not make this quadratic
    if (now - this.sweptAt < 1000) return;
    this.sweptAt = now;
    const limit = now - this.idleMs();
    for (const [id, s] of this.sessions) {
      if (s.lastUsedAt < limit) {
        this.sessions.delete(id);
        this.counts.expired += 1;
      }
    }
  }
}
