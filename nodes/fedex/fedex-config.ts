/**
 * fedex-config: FedEx credentials and the one client (OAuth token cache, 3/s token pacing,
 * lockout gate, 1,400/10 s transaction limiter) shared by every FedEx node that selects it, plus
 * the "Test connection" admin endpoint.
 */
import type { Node, NodeAPI } from 'node-red';
import { openSqliteStore } from '../audit/sqlite-store';
import type { AuditStore } from '../audit/types';
import { configLabel, NotConfiguredError } from '../shared/not-configured';
import { registerNode } from '../shared/register-node';
import { stateFile } from '../core/state-file';
import { bindSecretScope, registerAdminRoute, resolveTestCredentials } from '../shared/admin';
import { authLockouts, fileLockoutStore } from './auth-gate';
import { serveConfigUsers } from '../shared/config-users';
import { FedexClient } from './client';
import { sharedStoreVia } from '../shared/shared-store-via';
import {
  FEDEX_CONFIG_TYPE,
  baseUrlOf,
  clientOptionsOf,
  secretScopeOf,
  type FedexConfigApi,
  type FedexConfigCredentials,
  type FedexConfigDef,
} from './config-api';

type ConfigInstance = Node<FedexConfigCredentials> & { -readonly [K in keyof FedexConfigApi]: FedexConfigApi[K] };

export = function (RED: NodeAPI): void {
  // FedEx's 10-minute IP penalty outlives a restart: keep its end where the next start finds it.
  // Only with a user dir Node-RED was given (a real runtime always has one), never the cwd.
  const dir = (RED.settings as unknown as { userDir?: string }).userDir;
  authLockouts.useStore(dir ? fileLockoutStore(stateFile(dir, 'fedex', 'lockouts')) : undefined);

  function setup(node: ConfigInstance, def: FedexConfigDef): void {
    const creds = node.credentials ?? {};
    const options = clientOptionsOf(def, creds);
    node.accountNumber = options.accountNumber;
    node.client = new FedexClient({ ...options, shared: sharedStoreVia(RED, def.shareVia) });
    bindSecretScope(node, secretScopeOf(def));
    node.webhookSecret = () => (creds.webhookSecret ? creds.webhookSecret : undefined);
    // ship/track need the API key and secret, fedex-webhook only the webhook token: with none of
    // them no node can work, which is the one line for this config's deploy
    if (!(creds.clientId && creds.clientSecret) && !creds.webhookSecret) {
      node.notConfigured = new NotConfiguredError('fedex', configLabel(node, def), [
        'the API key (client id) and secret key, or the webhook security token',
      ]);
      node.warn(node.notConfigured.message);
    } else if (!creds.clientId || !creds.clientSecret) {
      node.warn(RED._('fedex-config.warn.apiKey'));
    }

    let fallback: AuditStore | undefined;
    node.fallbackStore = () => {
      fallback ??= openSqliteStore({ path: ':memory:' });
      return fallback;
    };

    // The client and the fallback store outlive the labels and ledger writes of the nodes using them.
    const users = serveConfigUsers(RED, node, () => {
      const store = fallback;
      fallback = undefined;
      return Promise.allSettled([node.client.close(), store?.close()]);
    });
    node.track = users.track;
  }

  registerNode(RED, FEDEX_CONFIG_TYPE, setup, {
    credentials: {
      clientId: { type: 'text' },
      clientSecret: { type: 'password' },
      childKey: { type: 'text' },
      childSecret: { type: 'password' },
      webhookSecret: { type: 'password' },
    },
  });

  // Gets a token with the settings in the dialog. The throwaway client shares the host's token
  // pacing and lockout gate with the deployed ones, so a test can never trigger the penalty.
  registerAdminRoute(RED, 'post', '/fedex/test', 'fedex-config.write', async (req) => {
    const body = (req.body ?? {}) as Partial<FedexConfigDef> & { id?: string; credentials?: FedexConfigCredentials };
    const resolved = resolveTestCredentials<Record<keyof FedexConfigCredentials, string | undefined>>(RED, {
      type: FEDEX_CONFIG_TYPE,
      id: body.id,
      submitted: body.credentials,
      scope: [baseUrlOf(body)],
      keys: ['clientId', 'clientSecret', 'childKey', 'childSecret'],
    });
    if (!resolved.ok) return { status: resolved.status, body: { ok: false, message: resolved.message } };
    const creds = resolved.credentials;
    if (!creds.clientId || !creds.clientSecret) {
      return { body: { ok: false, message: 'enter the API key (client id) and secret key first' } };
    }
    const client = new FedexClient({ ...clientOptionsOf(body, creds), retry: { maxRetries: 0 }, authRetries: 0 });
    try {
      const result = await client.testConnection();
      const account = (body.accountNumber ?? '').trim();
      const note = /^\d{9}$/.test(account) ? '' : ' — the account number should be 9 digits';
      return { body: { ok: true, message: `${result.message}${note}` } };
    } finally {
      await client.close();
    }
  });
};
