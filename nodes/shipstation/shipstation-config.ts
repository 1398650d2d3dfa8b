/**
 * shipstation-config: credentials and the one shared ShipStation client (one budget limiter per
 * API version) used by every shipstation-* node that selects it; also the V2 webhook key cache
 * and the "Test connection" admin endpoint.
 */
import type { Node, NodeAPI } from 'node-red';
import { sharedStoreVia } from '../shared/shared-store-via';
import { registerNode } from '../shared/register-node';
import { HttpClient } from '../core/http';
import { configLabel, NotConfiguredError } from '../shared/not-configured';
import { bindSecretScope, registerAdminRoute, resolveTestCredentials } from '../shared/admin';
import { serveConfigUsers } from '../shared/config-users';
import { ShipStationClient, type ShipStationCredentials } from './client';
import {
  clientSettings,
  secretScopeOf,
  SHIPSTATION_CONFIG_TYPE,
  type ShipStationConfigApi,
  type ShipStationConfigDef,
} from './config-api';
import { DEFAULT_JWKS_URL, JwksCache } from './webhook-verify';

type Credentials = ShipStationCredentials;

type ConfigInstance = Node<Credentials> & { -readonly [K in keyof ShipStationConfigApi]: ShipStationConfigApi[K] };

export = function (RED: NodeAPI): void {
  function setup(node: ConfigInstance, def: ShipStationConfigDef): void {
    const creds = node.credentials ?? {};
    node.defaultVersion = def.version === 'v2' ? 'v2' : 'v1';
    node.client = new ShipStationClient({
      credentials: { apiKey: creds.apiKey, apiSecret: creds.apiSecret, v2ApiKey: creds.v2ApiKey },
      ...clientSettings(def),
      shared: sharedStoreVia(RED, def.shareVia),
    });
    if (!node.client.has('v1') && !node.client.has('v2')) {
      node.notConfigured = new NotConfiguredError('shipstation', configLabel(node, def), [
        'the V1 API key and secret, or the V2 API key',
      ]);
      node.warn(node.notConfigured.message);
    }
    bindSecretScope(node, secretScopeOf(def));
    const jwksUrl = def.jwksUrl?.trim() || DEFAULT_JWKS_URL;
    const jwksHttp = new HttpClient({
      system: 'shipstation',
      baseURL: jwksUrl,
      retry: { maxRetries: 1 },
      timeoutMs: 10_000,
    });
    node.jwks = new JwksCache({
      fetchJwks: async () => (await jwksHttp.request({ method: 'GET', url: '', auth: false })).data,
      onError: (err) =>
        node.warn(RED._('shipstation-config.warn.jwks', { url: jwksUrl, error: (err as Error).message })),
    });

    // The client outlives the writes of the nodes using it.
    const users = serveConfigUsers(RED, node, () => {
      jwksHttp.close();
      return node.client.close();
    });
    node.track = users.track;
  }

  registerNode(RED, SHIPSTATION_CONFIG_TYPE, setup, {
    credentials: {
      apiKey: { type: 'password' },
      apiSecret: { type: 'password' },
      v2ApiKey: { type: 'password' },
    },
  });

  registerAdminRoute(RED, 'post', '/shipstation/test', 'shipstation-config.write', async (req) => {
    const body = (req.body ?? {}) as Partial<ShipStationConfigDef> & {
      id?: string;
      credentials?: Partial<Credentials>;
    };
    const resolved = resolveTestCredentials<{ apiKey?: string; apiSecret?: string; v2ApiKey?: string }>(RED, {
      type: SHIPSTATION_CONFIG_TYPE,
      id: body.id,
      submitted: body.credentials,
      scope: secretScopeOf(body),
      keys: ['apiKey', 'apiSecret', 'v2ApiKey'],
    });
    if (!resolved.ok) return { status: resolved.status, body: { ok: false, message: resolved.message } };
    const creds = resolved.credentials;
    // a throwaway client: the deployed one keeps its budget; a test costs one request per version
    const client = new ShipStationClient({ credentials: creds, ...clientSettings(body), retry: { maxRetries: 0 } });
    try {
      const lines = await client.testConnection();
      return { body: { ok: true, message: lines.join('\n') } };
    } finally {
      await client.close();
    }
  });
};
