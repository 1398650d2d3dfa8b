/**
 * Everything one x3-config node owns: the credentials, ONE token cache (connected-app JWT or
 * OAuth2), ONE limiter, and the three API clients built on the core HTTP client. Nodes ask it
 * for the client of an (entity, operation) pair.
 */
import { EventEmitter } from 'node:events';
import { ApiError, ValidationError } from '../core/errors';
import { HttpClient, type HttpClientOptions, type RetryPolicy } from '../core/http';
import { KeyedQueue } from '../core/keyed-queue';
import { createRateLimiter, type RequestLimiter } from '../core/limiter';
import { SessionCookies } from '../core/session-cookies';
import { TokenCache, type TokenStatus } from '../core/token-cache';
import { resolveStyle, type PageQuery, type X3Client, type X3WriteResult } from './client';
import {
  ENTITY_OPERATIONS,
  EntityCatalogue,
  type ApiStyle,
  type EntityDefinition,
  type EntityOperation,
  type X3Record,
} from './entities';
import { refuseUnknownFields, type EntityReport } from './field-resolution';
import { GraphqlX3Client, graphqlErrorText } from './graphql-client';
import { mintConnectedAppJwt } from './jwt';
import { oauthErrorText, refreshAccessToken, type RefreshTokenStore, memoryRefreshTokenStore } from './oauth2';
import { RestX3Client, restErrorText } from './rest-client';
import { SchemaCache, schemaMismatchOf } from './schema-cache';
import { isPoolBusy, soapFaultText } from './soap';
import { SoapX3Client } from './soap-client';
import { checkCredentials, type X3Credentials, type X3Settings } from './settings';

export interface X3ConnectionOptions {
  settings: X3Settings;
  credentials: X3Credentials;
  /** Where the rotated OAuth2 refresh token lives (default: memory only). */
  refreshTokenStore?: RefreshTokenStore;
  /**
   * OAuth2: take access tokens from this (the deployed connection's) cache instead of spending a
   * refresh token: X3 rotates it on every use, so a second user of the same chain would break it.
   */
  sharedTokenCache?: TokenCache;
  /** Retry policy overrides (runtime setting `x3ConfigRetry`). */
  retry?: Partial<RetryPolicy>;
  now?: () => number;
  random?: () => number;
  dispatcher?: HttpClientOptions['dispatcher'];
  /** Schema discovery's warnings (an optional field X3 lacks), one per text per deploy. */
  warn?: (text: string) => void;
}

/** Token status for nodes using a config whose credentials carry no token (Basic). */
type StatusListener = (status: TokenStatus) => void;

function basicHeader(username: string | undefined, password: string | undefined): Record<string, string> {
  if (!username || !password) {
    throw new ValidationError('x3', 'username', 'x3-config: Basic authentication needs the user name and password');
  }
  return { Authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` };
}

/** Error text of any X3 face: GraphQL errors[], api1 $diagnoses, SOAP faults, 401 text bodies. */
export function describeX3Error(status: number, body: unknown): { message?: string; code?: string } | undefined {
  const message = soapFaultText(body) ?? graphqlErrorText(body) ?? restErrorText(body) ?? oauthErrorText(body);
  if (status === 401) {
    return {
      code: 'X3_UNAUTHORIZED',
      message: `X3 refused the credentials (HTTP 401)${message ? `: ${message}` : ''}`,
    };
  }
  if (isPoolBusy(status, body)) {
    return {
      code: 'X3_POOL_BUSY',
      message: `X3 has no web-service process free (${message ?? 'No Web services accepted'}); check the pool's web-service child processes`,
    };
  }
  return message ? { message } : undefined;
}

export class X3Connection {
  readonly catalogue: EntityCatalogue;
  readonly tokenCache?: TokenCache;
  private readonly events = new EventEmitter();
  private readonly limiter: RequestLimiter;
  private readonly https: HttpClient[] = [];
  private readonly clients: Record<ApiStyle, X3Client>;
  private readonly soap: SoapX3Client;
  /** The Syracuse session of the Basic-authenticated calls (REST, SOAP), and who logs it out. */
  private readonly session: SessionCookies;
  private sessionHttp?: HttpClient;
  private status: TokenStatus = { state: 'idle' };
  private lastToken?: string;
  /** X3 answered 401 to the last call: shown as an auth failure until a call succeeds. */
  private refused = false;
  private readonly ownsTokenCache: boolean;
  /** What this X3's schema has: discovered once per deploy, resolved per entity. */
  readonly schema: SchemaCache;
  /** Unobserved: the report's probes must not count as schema mismatches. */
  private readonly graphqlProbe: GraphqlX3Client;
  /**
   * The writes of every x3-update on this X3, one document after another: a guarded write-back
   * re-reads then writes, and two nodes write the same fields (examples 03 and 04 the status).
   */
  readonly documents = new KeyedQueue();

  constructor(private readonly options: X3ConnectionOptions) {
    const { settings, credentials } = options;
    checkCredentials(settings, credentials, false);
    this.catalogue = new EntityCatalogue(settings.entities);
    this.events.setMaxListeners(0);
    const now = options.now ?? (() => Date.now());
    this.limiter = createRateLimiter({ max: 1_000_000, windowMs: 1000, maxConcurrent: settings.maxConcurrent, now });

    if (settings.auth === 'connected-app') {
      this.tokenCache = new TokenCache({
        system: 'x3',
        now,
        random: options.random,
        refreshAfterMs: settings.tokenRefreshSeconds * 1000,
        fetchToken: async () => {
          const jwt = mintConnectedAppJwt({
            clientId: credentials.clientId ?? '',
            secret: credentials.clientSecret ?? '',
            user: credentials.user,
            audience: settings.audience,
            lifetimeSeconds: settings.jwtLifetimeSeconds,
            backdateSeconds: settings.jwtBackdateSeconds,
            now: now(),
          });
          this.lastToken = jwt.token;
          return { token: jwt.token, expiresInMs: jwt.exp * 1000 - now() };
        },
      });
    } else if (settings.auth === 'oauth2' && options.sharedTokenCache) {
      this.tokenCache = options.sharedTokenCache;
    } else if (settings.auth === 'oauth2') {
      const tokenHttp = this.http({ baseURL: settings.tokenUrl });
      const store = options.refreshTokenStore ?? memoryRefreshTokenStore(credentials.refreshToken);
      this.tokenCache = new TokenCache({
        system: 'x3',
        now,
        random: options.random,
        refreshAfterMs: settings.tokenRefreshSeconds * 1000,
        refreshMarginMs: 30_000,
        fetchToken: async () => {
          const grant = await refreshAccessToken({
            http: tokenHttp,
            clientId: credentials.clientId ?? '',
            clientSecret: credentials.clientSecret ?? '',
            store,
          });
          this.lastToken = grant.token;
          return grant;
        },
      });
    }
    this.ownsTokenCache = this.tokenCache !== options.sharedTokenCache;
    if (this.ownsTokenCache) this.tokenCache?.on('status', (s: TokenStatus) => this.setStatus(s));

    // One session for every Basic call of this config (REST and SOAP share the Syracuse server);
    // bearer tokens (connected app, OAuth2) are sent as they always were.
    this.session = new SessionCookies({ idleMs: settings.session.timeoutSeconds * 1000, now });
    const basicAuth: Partial<HttpClientOptions> = {
      credentialHeaders: () => basicHeader(credentials.username, credentials.password),
      session: this.session,
    };
    const tokenAuth: Partial<HttpClientOptions> = this.tokenCache ? { tokenProvider: this.tokenCache } : basicAuth;
    const apiHttp = this.http({ baseURL: settings.url, ...tokenAuth });
    const soapAuth: Partial<HttpClientOptions> =
      settings.soap.auth === 'token' && this.tokenCache ? { tokenProvider: this.tokenCache } : basicAuth;
    const soapHttp = this.http({ baseURL: settings.url, ...soapAuth, isRetryableResponse: isPoolBusy });
    this.sessionHttp = soapAuth === basicAuth ? soapHttp : tokenAuth === basicAuth ? apiHttp : undefined;

    this.soap = new SoapX3Client(soapHttp, {
      path: settings.soap.path,
      context: {
        codeLang: settings.soap.language,
        poolAlias: settings.soap.poolAlias,
        poolId: settings.soap.poolId,
        requestConfig: settings.soap.requestConfig,
      },
    });
    const observe = (c: X3Client): X3Client =>
      new ObservedClient(c, (err) => this.noteOutcome(err), this.explainSchemaError.bind(this));
    const graphql = new GraphqlX3Client(apiHttp, {
      path: settings.graphqlPath,
      folder: settings.folder,
      prefix: settings.graphqlPrefix,
    });
    this.graphqlProbe = graphql;
    const soapPossible =
      settings.soap.auth === 'token' ? !!this.tokenCache : !!(credentials.username && credentials.password);
    this.schema = new SchemaCache({
      graphql: {
        run: (query, variables) => this.noted(graphql.execute(query, variables, true)),
        prefix: settings.graphqlPrefix,
      },
      rest: {
        get: async (url) =>
          (await this.noted(apiHttp.request<unknown>({ method: 'GET', url, headers: { accept: 'application/json' } })))
            .data,
        classUrl: (def) =>
          `${settings.restPath.replace(/\/$/, '')}/${encodeURIComponent(settings.folder)}/${encodeURIComponent(def.rest.class)}`,
      },
      ...(soapPossible
        ? {
            soap: {
              describe: async (publication: string) =>
                (await this.noted(this.soap.call({ operation: 'getDescription', publicName: publication }))).result,
            },
          }
        : {}),
      styles: (def) => ENTITY_OPERATIONS.map((op) => this.styleFor(def, op)),
      readStyle: settings.api,
      warn: options.warn,
    });
    this.clients = {
      graphql: observe(graphql),
      rest: observe(
        new RestX3Client(apiHttp, {
          url: settings.url,
          path: settings.restPath,
          folder: settings.folder,
          datetimeLiteral: settings.restDatetimeLiteral,
        }),
      ),
      soap: observe(this.soap),
    };
  }

  get settings(): X3Settings {
    return this.options.settings;
  }

  get folder(): string {
    return this.options.settings.folder;
  }

  private http(extra: Partial<HttpClientOptions> & { baseURL: string }): HttpClient {
    const { settings, credentials } = this.options;
    const client = new HttpClient({
      system: 'x3',
      timeoutMs: settings.timeoutMs,
      limiter: this.limiter,
      rejectUnauthorized: settings.rejectUnauthorized,
      retry: this.options.retry,
      random: this.options.random,
      now: this.options.now,
      dispatcher: this.options.dispatcher,
      describeError: describeX3Error,
      secrets: () => [
        credentials.clientSecret,
        credentials.password,
        credentials.refreshToken,
        this.lastToken,
        ...this.session.secrets(),
      ],
      ...extra,
    });
    this.https.push(client);
    return client;
  }

  /** Entity definition by name, with an optional node-level override. */
  entity(name: string, override?: unknown): EntityDefinition {
    return this.catalogue.get(name, override);
  }

  /**
   * The definition as this X3 has it (schema-cache.ts): what every selection and write is built
   * from. Discovers the schema on first use; a missing key or stamp is an error naming it.
   */
  resolve(def: EntityDefinition): Promise<EntityDefinition> {
    return this.schema.resolve(def);
  }

  /** The discovery report of these entities (Test connection, admin endpoint). */
  schemaReport(names: string[]): Promise<EntityReport[]> {
    const defs = names.filter((n) => this.catalogue.has(n)).map((n) => this.catalogue.get(n));
    return this.schema.report(defs, (def, property) => this.probeProperty(def, property));
  }

  /** X3's own suggestions for a property it does not have: its answer to a query selecting it. */
  private async probeProperty(def: EntityDefinition, property: string): Promise<string[]> {
    const graphql = this.graphqlProbe;
    const resolved = await this.schema.resolve(def).catch(() => def);
    const pages = graphql.queryPages(
      { ...resolved, graphql: { ...resolved.graphql, selection: property } },
      { pageSize: 1 },
    );
    try {
      await pages.next();
      return [];
    } catch (err) {
      return schemaMismatchOf(err)?.suggestions ?? [];
    } finally {
      await pages.return(undefined);
    }
  }

  /**
   * A property X3 refused: the error names it, the entity and X3's suggestions, and the schema is
   * read again once for it (the next call uses what X3 has now).
   */
  private explainSchemaError(def: EntityDefinition, err: unknown): unknown {
    const m = schemaMismatchOf(err);
    if (!m || !(err instanceof ApiError)) return err;
    const again = this.schema.noteMismatch(def, m);
    const overridden = def.fields.some((f) => f.overridden && (f.gql === m.property || f.x3 === m.property));
    const hint = overridden
      ? `the entities override in x3-config names it: correct it (Test connection lists what X3 has)`
      : again
        ? 'the schema is read again before the next call'
        : 'the schema was already read again; map the field under "entities" in x3-config';
    return new ApiError({
      system: 'x3',
      code: 'X3_SCHEMA_MISMATCH',
      status: err.status,
      message:
        `X3 ${m.face === 'graphql' ? 'GraphQL' : 'REST'}: ${def.name}${m.type ? ` (type ${m.type})` : ''} has no property "${m.property}"` +
        `${m.suggestions.length ? ` (did you mean ${m.suggestions.map((x) => `"${x}"`).join(', ')}?)` : ''}; ${hint}`,
      retryable: false,
      details: { entity: def.name, property: m.property, type: m.type, suggestions: m.suggestions, rediscovery: again },
      cause: err,
    });
  }

  styleFor(def: EntityDefinition, operation: EntityOperation): ApiStyle {
    return resolveStyle(this.options.settings.routes, def, this.options.settings.api, operation);
  }

  /** The client that serves this operation on this entity. */
  clientFor(def: EntityDefinition, operation: EntityOperation): X3Client {
    return this.clients[this.styleFor(def, operation)];
  }

  client(style: ApiStyle): X3Client {
    return this.clients[style];
  }

  /** A schema read's outcome reaches the credential status like any call's. */
  private noted<T>(p: Promise<T>): Promise<T> {
    return noting(p, (err) => this.noteOutcome(err));
  }

  /** SOAP `run` of a published subprogram (credential outcomes reach the status like any call). */
  runSubprogram(publication: string, group: string, fields: X3Record): Promise<X3WriteResult> {
    return this.noted(this.soap.run(publication, group, fields));
  }

  /** The SOAP client itself. */
  soapClient(): SoapX3Client {
    return this.soap;
  }

  /**
   * "Test connection": reads one customer with the read API and, when credentials for it are
   * there, asks SOAP for one customer too. Returns what worked; throws X3's own error.
   */
  async test(): Promise<string> {
    const parts: string[] = [];
    const catalogued = this.entity('customer');
    // what this X3 calls the customer's properties: the catalogue's names may not be its names
    const def = await this.resolve(catalogued).catch(() => catalogued);
    const style = this.settings.api;
    const pages = this.clients[style].queryPages(def, { pageSize: 1 });
    try {
      const first = await pages.next();
      const rec = first.done ? undefined : first.value[0];
      parts.push(
        `${style === 'graphql' ? 'GraphQL' : 'REST'} OK (folder ${this.folder}, ${rec ? `read customer ${String(rec[def.key] ?? '')}` : 'no customer found'})`,
      );
    } finally {
      await pages.return(undefined);
    }
    const creds = this.options.credentials;
    const soapPossible = this.settings.soap.auth === 'token' ? !!this.tokenCache : !!(creds.username && creds.password);
    if (soapPossible && def.soap.publication) {
      await this.soapClient().call({ operation: 'query', publicName: def.soap.publication, keys: [], listSize: 1 });
      parts.push(`SOAP OK (pool ${this.settings.soap.poolAlias})`);
    } else {
      parts.push('SOAP not tested (no web-service user name/password)');
    }
    return parts.join('; ');
  }

  /**
   * Observe the outcome of a call for the credential status shown on every node: Basic has no
   * token cache, so a 401 is the only sign that the credentials are wrong.
   */
  noteOutcome(err?: unknown): void {
    if (err instanceof ApiError && err.status === 401) {
      this.refused = true;
      this.setStatus({ state: 'failed', error: err.message });
    } else if (!err && (this.refused || (!this.tokenCache && this.status.state !== 'ok'))) {
      this.refused = false;
      this.setStatus(this.tokenCache?.getStatus() ?? { state: 'ok' });
    }
  }

  tokenStatus(): TokenStatus {
    return { ...this.status };
  }

  on(event: 'status', listener: StatusListener): this {
    this.events.on(event, listener);
    return this;
  }

  off(event: 'status', listener: StatusListener): this {
    this.events.off(event, listener);
    return this;
  }

  private setStatus(s: TokenStatus): void {
    this.status = s;
    this.events.emit('status', s);
  }

  /** Ends the Syracuse session, if one is held (best effort: X3 times it out otherwise). */
  private async logout(): Promise<void> {
    const path = this.settings.session.logoutPath;
    if (!this.sessionHttp || !this.session.active || !path) return;
    const headers = this.session.header();
    this.session.drop();
    await this.sessionHttp
      .request({ method: 'POST', url: path, auth: false, headers, timeoutMs: 2000, idempotent: false })
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.logout();
    for (const h of this.https) h.close();
    if (this.ownsTokenCache) this.tokenCache?.close();
    this.events.removeAllListeners();
    await this.limiter.stop();
  }
}

/**
 * Awaits a call and tells `note` how it ended (no argument: it succeeded), so its outcome reaches
 * the credential status; a failure is rethrown as `explain` makes it (as it came by default).
 */
async function noting<T>(
  p: Promise<T>,
  note: (err?: unknown) => void,
  explain: (err: unknown) => unknown = (err) => err,
): Promise<T> {
  try {
    const v = await p;
    note();
    return v;
  } catch (err) {
    note(err);
    throw explain(err);
  }
}

/** Passes every call through and reports its outcome (Basic auth status). */
class ObservedClient implements X3Client {
  readonly style: ApiStyle;
  readonly readMany?: X3Client['readMany'];

  constructor(
    private readonly inner: X3Client,
    private readonly note: (err?: unknown) => void,
    private readonly explain: (def: EntityDefinition, err: unknown) => unknown,
  ) {
    this.style = inner.style;
    const many = inner.readMany?.bind(inner);
    if (many) this.readMany = (def, keys, options) => this.watch(def, many(def, keys, options));
  }

  private watch<T>(def: EntityDefinition, p: Promise<T>): Promise<T> {
    return noting(p, this.note, (err) => this.explain(def, err));
  }

  async *queryPages(def: EntityDefinition, q: PageQuery): AsyncGenerator<X3Record[], void, void> {
    const it = this.inner.queryPages(def, q);
    for (;;) {
      const r = await this.watch(def, it.next());
      if (r.done) return;
      yield r.value;
    }
  }

  read(def: EntityDefinition, key: string, options?: { withLines?: boolean }): Promise<X3Record | undefined> {
    return this.watch(def, this.inner.read(def, key, options));
  }

  findBy(def: EntityDefinition, field: string, value: string): Promise<X3Record | undefined> {
    return this.watch(def, this.inner.findBy(def, field, value));
  }

  async create(def: EntityDefinition, record: X3Record): Promise<X3WriteResult> {
    // a field this X3's face lacks is refused before any call
    refuseUnknownFields(def, this.style, record);
    return this.watch(def, this.inner.create(def, record));
  }

  async update(def: EntityDefinition, key: string, changes: X3Record): Promise<X3WriteResult> {
    refuseUnknownFields(def, this.style, changes);
    return this.watch(def, this.inner.update(def, key, changes));
  }
}
