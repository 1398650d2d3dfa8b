/**
 * fedex-config: FedEx credentials and the one client (OAuth token cache, 3/s token pacing,
 * lockout gate, 1,400/10 s transaction limiter) shared by every FedEx node that selects it, plus
 * the "Test connection" admin endpoint.
 */
import type { Node, NodeAPI } from 'node-red';
import { openSqliteStore } from '../audit/sqlite-store';
import type { AuditStore } from '../audit/types';
import { registerAdminRoute, resolveCredentials } from '../shared/admin';
import { serveConfigUsers } from '../shared/config-users';
import { FedexClient } from './client';
import {
  FEDEX_CONFIG_TYPE,
  clientOptionsOf,
  type FedexConfigApi,
  type FedexConfigCredentials,
  type FedexConfigDef,
} from './config-api';

type ConfigInstance = Node<FedexConfigCredentials> & { -readonly [K in keyof FedexConfigApi]: FedexConfigApi[K] };

export = function (RED: NodeAPI): void {
  function FedexConfigNode(this: ConfigInstance, def: FedexConfigDef): void {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: ConfigInstance, def: FedexConfigDef): void {
    const creds = node.credentials ?? {};
    const options = clientOptionsOf(def, creds);
    node.accountNumber = options.accountNumber;
    node.client = new FedexClient(options);
    node.webhookSecret = () => (creds.webhookSecret ? creds.webhookSecret : undefined);
    if (!creds.clientId || !creds.clientSecret)
      node.warn('fedex-config: enter the FedEx API key (client id) and secret key');

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
    node.register = users.register;
    node.deregister = users.deregister;
    node.track = users.track;
  }

  RED.nodes.registerType<ConfigInstance, FedexConfigDef, unknown, FedexConfigCredentials>(
    FEDEX_CONFIG_TYPE,
    FedexConfigNode,
    {
      credentials: {
        clientId: { type: 'text' },
        clientSecret: { type: 'password' },
        childKey: { type: 'text' },
        childSecret: { type: 'password' },
        webhookSecret: { type: 'password' },
      },
    },
  );

  // Gets a token with the settings in the dialog. The throwaway client shares the host's token
  // pacing and lockout gate with the deployed ones, so a test can never trigger the penalty.
  registerAdminRoute(RED, 'post', '/fedex/test', 'fedex-config.write', async (req) => {
    const body = (req.body ?? {}) as Partial<FedexConfigDef> & { id?: string; credentials?: FedexConfigCredentials };
    const creds = resolveCredentials<Record<keyof FedexConfigCredentials, string | undefined>>(
      RED,
      body.id,
      body.credentials,
    );
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
