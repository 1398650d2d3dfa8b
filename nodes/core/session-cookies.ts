/**
 * A server session kept by cookie (Syracuse, reference 2.3): the cookies a server sets are sent
 * back on the next requests so they run in one session instead of opening one each. While no
 * session is held, the first request opens it alone and the others wait for its answer
 * (single-flight), so a burst opens one session, not one per request. A cookie refused (401) or
 * idle longer than the server keeps sessions is dropped and the next request opens a new one.
 * The cookie is a credential: `secrets()` names it for redaction.
 */

export interface SessionCookiesOptions {
  /** Drop the session after this long unused (a little under the server's idle timeout). */
  idleMs: number;
  now?: () => number;
}

/** One request's part: headers to send, and its outcome to report (status 0: no answer). */
export interface SessionTicket {
  headers: Record<string, string>;
  done(status: number, setCookie: string[] | undefined): void;
}

export class SessionCookies {
  private cookies = new Map<string, string>();
  private lastUsedAt = 0;
  /** The request opening a session; others wait for it. */
  private opening?: Promise<void>;
  /** An opener got no cookie: this server keeps no session for us; stop making requests wait. */
  private sessionless = false;
  private readonly now: () => number;

  constructor(private readonly options: SessionCookiesOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether a session is held now. */
  get active(): boolean {
    return this.cookies.size > 0;
  }

  async begin(): Promise<SessionTicket> {
    if (this.cookies.size && this.now() - this.lastUsedAt > this.options.idleMs) this.drop();
    while (!this.cookies.size && this.opening && !this.sessionless) await this.opening;
    if (this.cookies.size || this.sessionless) return this.ticket(this.header(), false);
    let opened!: () => void;
    this.opening = new Promise<void>((resolve) => (opened = resolve));
    const ticket = this.ticket({}, true);
    const done = ticket.done;
    ticket.done = (status, setCookie) => {
      done(status, setCookie);
      if (!this.cookies.size && status >= 200 && status < 300) this.sessionless = true;
      this.opening = undefined;
      opened();
    };
    return ticket;
  }

  /** The Cookie header of the session held, if any (logout). */
  header(): Record<string, string> {
    if (!this.cookies.size) return {};
    return { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  /** Values to keep out of messages. */
  secrets(): string[] {
    return [...this.cookies.values()];
  }

  /** Forget the session (refused, expired, or ended by a logout). */
  drop(): void {
    this.cookies.clear();
    this.sessionless = false;
  }

  private ticket(headers: Record<string, string>, opener: boolean): SessionTicket {
    const sent = headers.Cookie;
    return {
      headers,
      done: (status, setCookie) => {
        if (status === 401 && sent !== undefined && this.header().Cookie === sent) this.drop();
        if (status > 0) this.store(setCookie);
        if (status >= 200 && status < 300 && (sent !== undefined || opener)) this.lastUsedAt = this.now();
      },
    };
  }

  private store(setCookie: string[] | undefined): void {
    if (!setCookie?.length) return;
    for (const line of setCookie) {
      const pair = line.split(';')[0];
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value) this.cookies.set(name, value);
      else this.cookies.delete(name);
    }
    this.lastUsedAt = this.now();
    this.sessionless = false;
  }
}
