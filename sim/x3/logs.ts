/** In-memory inspection logs. Tokens are identified by a hash prefix only, never stored. */
import { createHash } from 'crypto';
import type { EntityName } from './entities';

export type Face = 'graphql' | 'rest' | 'soap' | 'token' | 'session';
export type WriteVia = 'graphql' | 'rest' | 'soap' | 'sim';

export interface AuthLogEntry {
  at: string;
  face: Face;
  method: 'jwt' | 'oauth2' | 'basic' | 'none';
  ok: boolean;
  status: number;
  user?: string;
  tokenId?: string;
  issuedAt?: string;
  expiresAt?: string;
  remainingSeconds?: number;
  nearExpiry: boolean;
  reason?: string;
}

export interface TokenLogEntry {
  at: string;
  grantType: 'refresh_token' | 'authorization_code';
  clientId: string;
  accessTokenId: string;
  refreshTokenId: string;
  previousRefreshTokenId?: string;
  expiresAt: string;
  refreshExpiresAt: string;
}

export interface JwtSeenEntry {
  firstSeenAt: string;
  tokenId: string;
  iat: number;
  exp: number;
  sub?: string;
}

export interface WriteLogEntry {
  at: string;
  entity: EntityName;
  key: string;
  operation: 'create' | 'update' | 'delete';
  fields: string[];
  via: WriteVia;
  user?: string;
}

export interface RequestLogEntry {
  at: string;
  face: Face;
  method: string;
  path: string;
  status: number;
  delayMs: number;
  /** GraphQL: the operation's name (`X3Poll`, `X3Schema`...), to tell polls from schema reads. */
  operation?: string;
}

const MAX_ENTRIES = 10_000;

function push<T>(list: T[], entry: T): void {
  list.push(entry);
  // trim in batches so bulk seeding stays linear
  if (list.length > MAX_ENTRIES * 1.5) list.splice(0, list.length - MAX_ENTRIES);
}

export class SimLogs {
  auth: AuthLogEntry[] = [];
  tokens: TokenLogEntry[] = [];
  jwtSeen: JwtSeenEntry[] = [];
  writes: WriteLogEntry[] = [];
  requests: RequestLogEntry[] = [];
  /** Requests answered per face since the start (or reset): the request log keeps only the last ones. */
  requestCounts: Record<Face, number> = emptyCounts();
  private readonly seenJwt = new Set<string>();

  addAuth(e: AuthLogEntry): void {
    push(this.auth, e);
  }
  addToken(e: TokenLogEntry): void {
    push(this.tokens, e);
  }
  addWrite(e: WriteLogEntry): void {
    push(this.writes, e);
  }
  addRequest(e: RequestLogEntry): void {
    this.requestCounts[e.face] += 1;
    push(this.requests, e);
  }
  /** Records the first use of a JWT; returns true when it had not been seen before. */
  noteJwt(e: JwtSeenEntry): boolean {
    if (this.seenJwt.has(e.tokenId)) return false;
    this.seenJwt.add(e.tokenId);
    push(this.jwtSeen, e);
    return true;
  }
  clear(): void {
    this.auth = [];
    this.tokens = [];
    this.jwtSeen = [];
    this.writes = [];
    this.requests = [];
    this.requestCounts = emptyCounts();
    this.seenJwt.clear();
  }
}

function emptyCounts(): Record<Face, number> {
  return { graphql: 0, rest: 0, soap: 0, token: 0, session: 0 };
}

/** Short, non-reversible identifier for a token or secret-bearing credential. */
export function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}
