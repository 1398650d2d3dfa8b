/**
 * x3-config: the X3 server, folder, API routes, credentials and the one shared connection (one
 * token cache, one limiter) used by every x3-poll / x3-update that selects it; plus the
 * "Test connection" admin endpoint.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { toErrorInfo } from '../core/errors';
import type { RetryPolicy } from '../core/http';
import { stateFile } from '../core/state-file';
import {
  bindSecretScope,
  registerAdminRoute,
  resolveTestCredentials,
  type TestConnectionResult,
} from '../shared/admin';
import { configLabel, NotConfiguredError } from '../shared/not-configured';
import { registerNode } from '../shared/register-node';
import { serveConfigUsers } from '../shared/config-users';
import { userDir } from '../shared/red';
import { findConfig } from '../shared/use-config';
import { X3_CONFIG, X3_CONFIG_TYPE, type X3ConfigApi } from './config-api';
import { X3Connection } from './connection';
import type { EntityReport } from './field-resolution';
import { fileRefreshTokenStore, type PersistedRefreshToken, type RefreshTokenStore } from './oauth2';
import { sharedRefreshTokenStore } from './shared-refresh-token';
import { sharedStoreVia } from '../shared/shared-store-via';
import { credentialKeysOf, missingX3Settings, parseX3Settings, secretScopeOf, type X3Credentials } from './settings';

type X3ConfigDef = NodeDef & Record<string, unknown>;
type ConfigInstance = Node<X3Credentials> & { -readonly [K in keyof X3ConfigApi]: X3ConfigApi[K] };

const CREDENTIAL_KEYS = ['clientId', 'clientSecret', 'user', 'username', 'password', 'refreshToken'] as const;

/** Operators may tune the retry policy in settings.js: `x3ConfigRetry: { maxRetries, baseDelayMs, maxDelayMs }`. */
function retrySetting(RED: NodeAPI): Partial<RetryPolicy> | undefined {
  const v = (RED.settings as unknown as { x3ConfigRetry?: unknown }).x3ConfigRetry;
  return v && typeof v === 'object' ? (v as Partial<RetryPolicy>) : undefined;
}

function refreshTokenFile(RED: NodeAPI, id: string) {
  return stateFile<PersistedRefreshToken>(userDir(RED), 'x3-oauth2', id);
}

export = function (RED: NodeAPI): void {
  /** The rotated refresh token: a file of this instance, or sealed in the shared store (shared-refresh-token.ts). */
  function refreshTokenStoreOf(id: string, shareVia: unknown, creds: X3Credentials): RefreshTokenStore {
    const shared = typeof shareVia === 'string' && creds.clientSecret ? sharedStoreVia(RED, shareVia) : undefined;
    if (!shared) return fileRefreshTokenStore(refreshTokenFile(RED, id), creds.refreshToken);
    return sharedRefreshTokenStore({
      store: shared.store,
      owner: shared.owner,
      configId: id,
      configured: creds.refreshToken,
      clientSecret: creds.clientSecret as string,
    });
  }

  function setup(node: ConfigInstance, def: X3ConfigDef): void {
    const creds: X3Credentials = { ...(node.credentials ?? {}) };
    let connection: X3Connection | undefined;
    let problem: Error | undefined;
    const missing = missingX3Settings(def, creds);
    if (missing.length) {
      // an imported example not filled in yet: one warning here, its nodes only show it
      problem = new NotConfiguredError('x3', configLabel(node, def), missing);
      node.warn(problem.message);
    } else {
      try {
        const settings = parseX3Settings(def);
        connection = new X3Connection({
          settings,
          credentials: creds,
          refreshTokenStore: refreshTokenStoreOf(node.id, def.shareVia, creds),
          retry: retrySetting(RED),
          warn: (text) => node.warn(text),
        });
        bindSecretScope(node, secretScopeOf(settings));
      } catch (err) {
        problem = err instanceof Error ? err : new Error(String(err));
        node.error(RED._('x3-config.errors.settings', { name: def.name || node.id, error: problem.message }));
      }
    }

    node.getConnection = () => {
      if (!connection) throw problem ?? new Error(RED._('x3-config.errors.notReady'));
      return connection;
    };
    // The connection outlives the writes and creates of the nodes using it.
    const users = serveConfigUsers(RED, node, (removed) => {
      // The rotated refresh token belongs to this config node: deleting the node forgets it.
      if (removed) refreshTokenFile(RED, node.id).remove();
      return connection?.close();
    });
    node.track = users.track;
  }

  registerNode(RED, X3_CONFIG_TYPE, setup, {
    credentials: {
      clientId: { type: 'text' },
      clientSecret: { type: 'password' },
      user: { type: 'text' },
      username: { type: 'text' },
      password: { type: 'password' },
      refreshToken: { type: 'password' },
    },
  });

  /** Entities the deployed x3-poll/x3-update nodes of this config use; all known ones when none. */
  function entitiesInUse(id: string | undefined, connection: X3Connection): string[] {
    const names = new Set<string>();
    RED.nodes.eachNode((n) => {
      const node = n as unknown as { type?: string; server?: string; entity?: string };
      if ((node.type === 'x3-poll' || node.type === 'x3-update') && node.server === id && node.entity)
        names.add(node.entity);
    });
    return names.size ? [...names] : connection.catalogue.names();
  }

  /** The deployed node's OAuth2 token cache when the test uses exactly its client and refresh token. */
  function deployedTokenCache(id: string | undefined, creds: X3Credentials): X3Connection['tokenCache'] {
    let connection: X3Connection | undefined;
    try {
      connection = findConfig(RED, X3_CONFIG, id)?.getConnection();
    } catch {
      return undefined;
    }
    const stored = (id ? RED.nodes.getCredentials(id) : undefined) as X3Credentials | undefined;
    const same =
      !!stored &&
      connection?.settings.auth === 'oauth2' &&
      creds.clientId === stored.clientId &&
      creds.clientSecret === stored.clientSecret &&
      creds.refreshToken === stored.refreshToken;
    return same ? connection?.tokenCache : undefined;
  }

  // The deployed config's discovery report, for the operator console: read-only, no secrets in it.
  registerAdminRoute(RED, 'get', '/x3/schema/:id', 'x3-config.read', async (req) => {
    const id = req.params.id;
    let connection: X3Connection | undefined;
    try {
      connection = findConfig(RED, X3_CONFIG, id)?.getConnection();
    } catch (err) {
      return { body: { ok: false, message: toErrorInfo(err, 'x3').message } };
    }
    if (!connection) return { status: 404, body: { ok: false, message: `no deployed x3-config ${id}` } };
    const entity = typeof req.query.entity === 'string' && req.query.entity ? [req.query.entity] : undefined;
    const report = await connection.schemaReport(entity ?? entitiesInUse(id, connection));
    return { body: { ok: true, report } };
  });

  registerAdminRoute(RED, 'post', '/x3/test', 'x3-config.write', async (req) => {
    const body = (req.body ?? {}) as {
      id?: string;
      settings?: Record<string, unknown>;
      credentials?: Partial<X3Credentials>;
    };
    const submitted: Partial<X3Credentials> = {};
    for (const k of CREDENTIAL_KEYS) {
      const v = body.credentials?.[k];
      if (typeof v === 'string') submitted[k] = v;
    }
    const id = typeof body.id === 'string' && body.id ? body.id : undefined;
    let connection: X3Connection | undefined;
    try {
      const settings = parseX3Settings(body.settings ?? {});
      const resolved = resolveTestCredentials<Record<string, string | undefined>>(RED, {
        type: X3_CONFIG_TYPE,
        id,
        submitted,
        scope: secretScopeOf(settings),
        keys: credentialKeysOf(settings),
      });
      if (!resolved.ok) {
        const refused: TestConnectionResult = { ok: false, message: resolved.message };
        return { status: resolved.status, body: refused };
      }
      const creds = resolved.credentials as X3Credentials;
      connection = new X3Connection({
        settings,
        credentials: creds,
        // The test never writes the deployed node's refresh-token file (an in-memory store): with
        // the deployed node's own chain it borrows that node's access tokens instead.
        sharedTokenCache: resolved.fromDeployedNode ? deployedTokenCache(id, creds) : undefined,
        retry: { maxRetries: 0 },
      });
      const message = await connection.test();
      // per entity the flows using this config read or write: how each field was found
      const report = await connection.schemaReport(entitiesInUse(id, connection));
      const result: TestConnectionResult & { report: EntityReport[] } = { ok: true, message, report };
      return { body: result };
    } catch (err) {
      const result: TestConnectionResult = { ok: false, message: toErrorInfo(err, 'x3').message };
      return { body: result };
    } finally {
      await connection?.close();
    }
  });
};
