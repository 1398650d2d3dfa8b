/** Options, live knobs and their defaults for the simulated X3 server. */
import type { CustomFieldOptions, EntityName } from './entities';
import type { SchemaVariant } from './schema-variants';

export type AuthMethod = 'jwt' | 'oauth2' | 'basic';

export interface ConnectedAppSettings {
  clientId: string;
  secret: string;
  allowedUsers: string[];
  /** Expected `aud`; Sage's samples send "" (reference 2.1). */
  audience: string;
  /** The connected app's "Tokens validity": exp may be at most this far ahead. */
  maxTokenLifetimeSeconds: number;
  /** How far in the future `iat` may be before "Error 21". */
  iatLeewaySeconds: number;
}

export interface OAuth2Settings {
  clientId: string;
  clientSecret: string;
  tokenPath: string;
  accessTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  rotateRefreshTokens: boolean;
  /** A refresh token valid at start (stands in for a completed pairing). Empty = none. */
  initialRefreshToken: string;
  /** X3 user the paired tokens act as. */
  user: string;
}

export interface AuthSettings {
  methods: AuthMethod[];
  basicUsers: Record<string, string>;
  connectedApp: ConnectedAppSettings;
  oauth2: OAuth2Settings;
}

export interface LicenceKnob {
  /** WSSIZELIMIT: bytes per period before the grace slow-down; 0 disables licence metering. */
  sizeLimitBytes: number;
  /** WSGRACELIMIT: extra bytes served slowly before refusal. */
  graceLimitBytes: number;
  /** WSPERIOD in ms. */
  periodMs: number;
  /** Delay added to each call while in grace. */
  graceDelayMs: number;
}

export interface X3SimKnobs {
  latencyMs: number;
  error5xxRate: number;
  forced401Count: number;
  clockSkewMs: number;
  refuseClassicRestWrites: boolean;
  allowModifyValidatedDelivery: boolean;
  /** Deliveries may take a product's stock below zero (X3's negative-stock authorisation). */
  allowNegativeStock: boolean;
  soapPoolBusyCount: number;
  licence: LicenceKnob;
  graphqlMaxPageSize: number;
  restMaxPageSize: number;
  nearExpirySeconds: number;
  randomSeed: number;
  /** Syracuse session idle timeout: a session unused this long is gone **[U]** (sessions.ts). */
  sessionIdleSeconds: number;
}

export interface RestRepresentationSettings {
  /** Columns of the representation's `$query` list; undefined = every header field. */
  queryColumns?: string[];
}

export interface SoapPublications {
  salesOrder: string;
  salesDelivery: string;
  purchaseOrder: string;
  customer: string;
  product: string;
  /** Subprogram publication writing tracking data onto a delivery. */
  deliveryTrackingSubprogram: string;
  /**
   * A customer's subprogram attaching a file to a delivery (X3 attachments are site-specific):
   * parameters SDHNUM, YPATH (path or URL of the file), YDES (description, optional).
   */
  deliveryAttachmentSubprogram: string;
}

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K];
};

export interface X3SimOptions extends Partial<Omit<X3SimKnobs, 'licence'>> {
  port?: number;
  host?: string;
  /** X3 endpoint (folder) names; the first is the default. */
  folders?: string[];
  /** Shorthand for a single folder. */
  folder?: string;
  now?: () => number;
  /** Delay function (latency, licence grace); replace for fake timers. */
  sleep?: (ms: number) => Promise<void>;
  auth?: DeepPartial<AuthSettings>;
  graphqlPackagePrefix?: 'x3' | 'xtremX3';
  /** GraphQL names of another release or installation (schema-variants.ts); default `current`. */
  schemaVariant?: SchemaVariant;
  /** Site-specific fields (Y..., Z...) per document, on every face (default: YTRACKNUM and YTRKSTA). */
  customFields?: CustomFieldOptions;
  /** Extra representations per REST class, or restricted query columns of standard ones. */
  restRepresentations?: Record<string, Record<string, RestRepresentationSettings>>;
  soap?: { publications?: Partial<SoapPublications> };
  licence?: Partial<LicenceKnob>;
  /** Records generated at start (and on reset). */
  records?: Partial<Record<EntityName, number>>;
  dataSeed?: number;
}

export const DEFAULT_KNOBS: X3SimKnobs = {
  latencyMs: 0,
  error5xxRate: 0,
  forced401Count: 0,
  clockSkewMs: 0,
  refuseClassicRestWrites: true,
  allowModifyValidatedDelivery: false,
  allowNegativeStock: false,
  soapPoolBusyCount: 0,
  licence: { sizeLimitBytes: 0, graceLimitBytes: 0, periodMs: 86_400_000, graceDelayMs: 2000 },
  graphqlMaxPageSize: 0,
  restMaxPageSize: 200,
  nearExpirySeconds: 30,
  randomSeed: 1,
  sessionIdleSeconds: 1200,
};

export const DEFAULT_AUTH: AuthSettings = {
  methods: ['jwt', 'oauth2', 'basic'],
  basicUsers: { admin: 'admin-password', WSUSER: 'ws-password' },
  connectedApp: {
    clientId: 'sim-connected-app',
    secret: 'sim-connected-app-secret',
    allowedUsers: ['admin', 'WSUSER'],
    audience: '',
    maxTokenLifetimeSeconds: 600,
    iatLeewaySeconds: 0,
  },
  oauth2: {
    clientId: 'sim-oauth-client',
    clientSecret: 'sim-oauth-secret',
    tokenPath: '/token',
    accessTokenLifetimeSeconds: 300,
    refreshTokenLifetimeSeconds: 30 * 24 * 3600,
    rotateRefreshTokens: true,
    initialRefreshToken: 'sim-initial-refresh-token',
    user: 'admin',
  },
};

export function resolveAuth(partial: DeepPartial<AuthSettings> = {}): AuthSettings {
  return {
    methods: partial.methods ? [...partial.methods] : [...DEFAULT_AUTH.methods],
    basicUsers: partial.basicUsers
      ? { ...(partial.basicUsers as Record<string, string>) }
      : { ...DEFAULT_AUTH.basicUsers },
    connectedApp: {
      ...DEFAULT_AUTH.connectedApp,
      ...(partial.connectedApp ?? {}),
      allowedUsers: partial.connectedApp?.allowedUsers
        ? [...partial.connectedApp.allowedUsers]
        : [...DEFAULT_AUTH.connectedApp.allowedUsers],
    },
    oauth2: { ...DEFAULT_AUTH.oauth2, ...(partial.oauth2 ?? {}) },
  };
}

export function resolveKnobs(options: X3SimOptions): X3SimKnobs {
  const knobs: X3SimKnobs = { ...DEFAULT_KNOBS, licence: { ...DEFAULT_KNOBS.licence } };
  applyKnobs(knobs, options as Record<string, unknown>);
  return knobs;
}

const NUMBER_KNOBS = [
  'latencyMs',
  'error5xxRate',
  'forced401Count',
  'clockSkewMs',
  'soapPoolBusyCount',
  'graphqlMaxPageSize',
  'restMaxPageSize',
  'nearExpirySeconds',
  'randomSeed',
  'sessionIdleSeconds',
] as const;
const BOOLEAN_KNOBS = ['refuseClassicRestWrites', 'allowModifyValidatedDelivery', 'allowNegativeStock'] as const;
const LICENCE_KEYS = ['sizeLimitBytes', 'graceLimitBytes', 'periodMs', 'graceDelayMs'] as const;

/**
 * Merges knob values from untrusted input (JSON body or options) into `target`, validating
 * types; unknown keys are ignored so options can carry non-knob settings. Returns the names
 * of the knobs that changed.
 */
export function applyKnobs(target: X3SimKnobs, input: Record<string, unknown>): string[] {
  const changed: string[] = [];
  for (const k of NUMBER_KNOBS) {
    const v = input[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`knob ${k} must be a finite number`);
    if (k === 'error5xxRate' && (v < 0 || v > 1)) throw new Error('knob error5xxRate must be within 0..1');
    target[k] = v;
    changed.push(k);
  }
  for (const k of BOOLEAN_KNOBS) {
    const v = input[k];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new Error(`knob ${k} must be a boolean`);
    target[k] = v;
    changed.push(k);
  }
  const lic = input.licence;
  if (lic !== undefined) {
    if (typeof lic !== 'object' || lic === null) throw new Error('knob licence must be an object');
    const licObj = lic as Record<string, unknown>;
    for (const k of LICENCE_KEYS) {
      const v = licObj[k];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new Error(`knob licence.${k} must be a non-negative number`);
      target.licence[k] = v;
    }
    changed.push('licence');
  }
  return changed;
}

export const DEFAULT_PUBLICATIONS: SoapPublications = {
  salesOrder: 'SOH',
  salesDelivery: 'SDH',
  purchaseOrder: 'POH',
  customer: 'BPC',
  product: 'ITM',
  deliveryTrackingSubprogram: 'YSDHTRK',
  deliveryAttachmentSubprogram: 'YSDHATT',
};
