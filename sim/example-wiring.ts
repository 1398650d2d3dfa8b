/**
 * Turns the example flows (examples/*.json) into one deployable flow set pointed at running
 * simulators: config nodes get the simulators' URLs and demo credentials (as `credentials` on the
 * node, which Node-RED's POST /flows stores encrypted), intervals get short enough for a demo or
 * a test, and the simulators' webhooks are pointed at the Node-RED webhook nodes.
 *
 * The example files stay production-shaped (real API hosts, empty X3 URL, no secrets); everything
 * simulator-specific happens here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SIM_CREDENTIALS, type SimCredentials } from './start-all';

export const EXAMPLES_DIR = path.resolve(__dirname, '..', 'examples');

/** The shared config nodes: the same id in every example file. */
export const CONFIG_IDS = {
  x3: 'a0c0f1ea00000001',
  fedex: 'a0c0f1ea00000002',
  shipstation: 'a0c0f1ea00000003',
  audit: 'a0c0f1ea00000004',
} as const;

/** Webhook paths of the example flows (fedex-webhook, shipstation-in). */
export const WEBHOOK_PATHS = {
  fedex: '/fedex/webhook',
  shipstationOrders: '/shipstation/orders',
  shipstationShipments: '/shipstation/shipments',
} as const;

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface ExampleFlow {
  /** File name without .json, e.g. "01 X3 deliveries to FedEx labels". */
  name: string;
  nodes: FlowNode[];
}

export function loadExamples(dir: string = EXAMPLES_DIR): ExampleFlow[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      name: f.replace(/\.json$/, ''),
      nodes: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as FlowNode[],
    }));
}

export interface SimEndpoints {
  x3Url: string;
  fedexUrl: string;
  shipstationV1Url: string;
  shipstationV2Url: string;
  jwksUrl: string;
  /** the simulated label printer (raw TCP): fedex-ship prints its ZPL labels there */
  printer?: { host: string; port: number };
}

export interface Address {
  company: string;
  contact: string;
  phone: string;
  email: string;
  street1: string;
  city: string;
  state: string;
  postal: string;
  country: string;
}

export const DEMO_SHIPPER: Address = {
  company: 'Sage X3 Shipping Demo',
  contact: 'Shipping Desk',
  phone: '9015550100',
  email: 'shipping@example.com',
  street1: '3610 Hacks Cross Rd',
  city: 'Memphis',
  state: 'TN',
  postal: '38125',
  country: 'US',
};

export interface WiringOptions {
  sims: SimEndpoints;
  credentials?: SimCredentials;
  /** Examples to keep, by file-name prefix ("01", "05"...); default all. */
  only?: string[];
  /** Seconds between X3 polls (x3-poll), default 2. */
  x3PollSeconds?: number;
  /** Seconds between FedEx Track runs (example 03's inject), default 3. */
  trackSeconds?: number;
  /** Seconds between ShipStation order polls, default 5. */
  shipstationPollSeconds?: number;
  /** Seconds between master-data runs (example 07), default 30. */
  masterDataSeconds?: number;
  /** Delay of the "catch up at start" injects, default 2 s. */
  catchUpDelaySeconds?: number;
  /** fedex-ship lookup delay after an unknown outcome, default 1 s. */
  reconcileDelaySeconds?: number;
  /**
   * x3-update: seconds after a crashed process sent a create before X3 is asked for it, default
   * 5 s (the simulated pool finishes a save within its latency; a real one needs minutes).
   */
  x3TakeoverGraceSeconds?: number;
  /** fedex-ship lookup window after an unknown outcome, default 3 s (the node's default is 600 s). */
  reconcileWindowSeconds?: number;
  /** shipstation-in fetch retry: first delay and cap (s), default 1 / 5. */
  webhookRetrySeconds?: [number, number];
  /** Shipper / receiving address of fedex-ship. */
  shipper?: Address;
  /** X3 sales and shipping site of the ShipStation mapping, default NA011 / NA011. */
  x3Sites?: { sales: string; shipping: string };
  /** Secret token of the V1 shipstation-in webhooks. */
  shipstationWebhookToken?: string;
  /** Extra x3-config properties (e.g. jwtLifetimeSeconds for a token-expiry test). */
  x3Config?: Record<string, unknown>;
  /** Extra fedex-config properties. */
  fedexConfig?: Record<string, unknown>;
  /** Extra shipstation-config properties (e.g. windowSeconds matching the sim's rate window). */
  shipstationConfig?: Record<string, unknown>;
  /** Audit SQLite file (relative to the user dir), default the node's default. */
  auditPath?: string;
  /**
   * Several instances on one PostgreSQL (`npm run start:cluster`, the cluster e2e): the audit-config
   * on it, with this poller lease, and the FedEx config sharing its token and budget through it.
   */
  auditPostgres?: { connection: string; schema?: string; leaseSeconds?: number };
}

export const DEFAULT_WEBHOOK_TOKEN = 'demo-shipstation-webhook-token-0123456789';

/** One flow set: every node of the chosen examples, each config node once. */
export function mergeExamples(examples: ExampleFlow[], only?: string[]): FlowNode[] {
  const chosen = only?.length ? examples.filter((e) => only.some((p) => e.name.startsWith(p))) : examples;
  const byId = new Map<string, FlowNode>();
  for (const ex of chosen) {
    for (const node of ex.nodes) {
      const existing = byId.get(node.id);
      if (existing && JSON.stringify(existing) !== JSON.stringify(node)) {
        throw new Error(
          `example "${ex.name}": node ${node.id} (${node.type}) differs from another example's node with the same id`,
        );
      }
      byId.set(node.id, node);
    }
  }
  const nodes = [...byId.values()];
  // replay links whose example was left out go nowhere
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) if (Array.isArray(n.links)) n.links = (n.links as string[]).filter((l) => ids.has(l));
  return nodes;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The example flows wired to the simulators, ready for POST /flows. */
export function wireExamples(examples: ExampleFlow[], options: WiringOptions): FlowNode[] {
  const creds = options.credentials ?? SIM_CREDENTIALS;
  const shipper = options.shipper ?? DEMO_SHIPPER;
  const sites = options.x3Sites ?? { sales: 'NA011', shipping: 'NA011' };
  const token = options.shipstationWebhookToken ?? DEFAULT_WEBHOOK_TOKEN;
  const [retryFirst, retryMax] = options.webhookRetrySeconds ?? [1, 5];
  const nodes = clone(mergeExamples(examples, options.only));

  for (const n of nodes) {
    switch (n.type) {
      case 'x3-config':
        Object.assign(n, {
          url: options.sims.x3Url,
          folder: creds.x3.folder,
          auth: 'connected-app',
          ...options.x3Config,
        });
        n.credentials = {
          clientId: creds.x3.clientId,
          clientSecret: creds.x3.clientSecret,
          user: creds.x3.user,
          username: creds.x3.user,
          password: creds.x3.password,
        };
        break;
      case 'fedex-config':
        Object.assign(n, {
          environment: 'custom',
          url: options.sims.fedexUrl,
          accountNumber: creds.fedex.accountNumber,
          ...(options.auditPostgres ? { shareVia: CONFIG_IDS.audit } : {}),
          ...options.fedexConfig,
        });
        n.credentials = {
          clientId: creds.fedex.clientId,
          clientSecret: creds.fedex.clientSecret,
          webhookSecret: creds.fedex.webhookSecret,
        };
        break;
      case 'shipstation-config':
        Object.assign(n, {
          v1Url: options.sims.shipstationV1Url,
          v2Url: `${options.sims.shipstationV2Url}/v2`,
          jwksUrl: options.sims.jwksUrl,
          ...options.shipstationConfig,
        });
        n.credentials = {
          apiKey: creds.shipstation.v1Key,
          apiSecret: creds.shipstation.v1Secret,
          v2ApiKey: creds.shipstation.v2Key,
        };
        break;
      case 'audit-config':
        if (options.auditPath) n.path = options.auditPath;
        if (options.auditPostgres) {
          Object.assign(n, {
            backend: 'postgres',
            connection: options.auditPostgres.connection,
            schema: options.auditPostgres.schema ?? '',
            leaseSeconds: options.auditPostgres.leaseSeconds ?? 30,
          });
        }
        break;
      case 'x3-poll':
        n.interval = options.x3PollSeconds ?? 2;
        break;
      case 'x3-update':
        n.takeoverGrace = options.x3TakeoverGraceSeconds ?? 5;
        break;
      case 'fedex-ship':
        Object.assign(n, {
          ourCompany: shipper.company,
          ourContact: shipper.contact,
          ourPhone: shipper.phone,
          ourEmail: shipper.email,
          ourStreet1: shipper.street1,
          ourCity: shipper.city,
          ourState: shipper.state,
          ourPostal: shipper.postal,
          ourCountry: shipper.country,
          reconcileDelaySeconds: options.reconcileDelaySeconds ?? 1,
          reconcileWindowSeconds: options.reconcileWindowSeconds ?? 3,
        });
        // only a node that prints in the example (printerPort set) gets the simulated printer
        if (options.sims.printer && n.printerPort !== undefined) {
          Object.assign(n, { printerHost: options.sims.printer.host, printerPort: options.sims.printer.port });
        }
        break;
      case 'shipstation-in':
        Object.assign(n, {
          x3SalesSite: sites.sales,
          x3ShippingSite: sites.shipping,
          retrySeconds: retryFirst,
          retryMaxSeconds: retryMax,
        });
        n.credentials = { token };
        break;
      case 'shipstation-fetch':
        Object.assign(n, { x3SalesSite: sites.sales, x3ShippingSite: sites.shipping });
        if (n.operation === 'orders-modified') n.interval = options.shipstationPollSeconds ?? 5;
        break;
      case 'inject':
        wireInject(n, options);
        break;
      default:
        break;
    }
  }
  return nodes;
}

function wireInject(n: FlowNode, options: WiringOptions): void {
  const name = String(n.name ?? '');
  if (name === 'Catch up at start') n.onceDelay = options.catchUpDelaySeconds ?? 2;
  else if (name === 'every 15 min') {
    n.repeat = String(options.trackSeconds ?? 3);
    n.onceDelay = 1;
  } else if (name === 'every hour') {
    n.repeat = String(options.masterDataSeconds ?? 30);
    n.onceDelay = 3;
  }
}

/** Deploys a full flow set (Node-RED admin API v2); resolves once Node-RED answered. */
export async function deployFlows(
  nodeRedUrl: string,
  flows: FlowNode[],
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await fetch(`${nodeRedUrl}/flows`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'Node-RED-API-Version': 'v2',
      'Node-RED-Deployment-Type': 'full',
      ...headers,
    },
    body: JSON.stringify({ flows }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST /flows: HTTP ${res.status} ${text}`);
  return (JSON.parse(text) as { rev: string }).rev;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

export interface WebhookRegistration {
  /** Base URL of Node-RED as the simulators reach it (http://127.0.0.1:1880). */
  nodeRedUrl: string;
  credentials?: SimCredentials;
  shipstationWebhookToken?: string;
  /** Subscribe the FedEx target (default true). */
  fedex?: boolean;
  /** Subscribe the ShipStation V1 webhooks (default true). */
  shipstation?: boolean;
}

/**
 * Points the simulators' webhooks at the example flows: the FedEx sim's AIV target at
 * fedex-webhook, and ShipStation V1 ORDER_NOTIFY / SHIP_NOTIFY / FULFILLMENT_SHIPPED at the two
 * shipstation-in nodes (subscribed through the V1 API, as a user would).
 */
export async function registerSimWebhooks(sims: SimEndpoints, options: WebhookRegistration): Promise<void> {
  const creds = options.credentials ?? SIM_CREDENTIALS;
  const token = encodeURIComponent(options.shipstationWebhookToken ?? DEFAULT_WEBHOOK_TOKEN);
  if (options.fedex !== false) {
    await post(`${sims.fedexUrl}/__sim/webhooks`, {
      url: `${options.nodeRedUrl}${WEBHOOK_PATHS.fedex}`,
      securityToken: creds.fedex.webhookSecret,
      accountNumbers: [creds.fedex.accountNumber],
    });
  }
  if (options.shipstation !== false) {
    const basic = {
      authorization: `Basic ${Buffer.from(`${creds.shipstation.v1Key}:${creds.shipstation.v1Secret}`).toString('base64')}`,
    };
    const subscribe = (event: string, p: string) =>
      post(
        `${sims.shipstationV1Url}/webhooks/subscribe`,
        { target_url: `${options.nodeRedUrl}${p}?token=${token}`, event, friendly_name: `Node-RED ${event}` },
        basic,
      );
    await subscribe('ORDER_NOTIFY', WEBHOOK_PATHS.shipstationOrders);
    await subscribe('SHIP_NOTIFY', WEBHOOK_PATHS.shipstationShipments);
    await subscribe('FULFILLMENT_SHIPPED', WEBHOOK_PATHS.shipstationShipments);
  }
}
