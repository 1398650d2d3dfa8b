/**
 * End-to-end harness: the three simulators in this process, a real Node-RED child process with
 * the packed package installed, the example flows wired to the simulators and deployed through
 * the admin API, and the simulators' webhooks pointed at the flows.
 *
 * Everything waits for conditions (polling the simulators' inspection APIs and the audit admin
 * API) with generous deadlines; nothing assumes how fast this machine is.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAllSims, type AllSims, type AllSimsOptions } from '../../sim/start-all';
import {
  CONFIG_IDS,
  deployFlows,
  loadExamples,
  registerSimWebhooks,
  wireExamples,
  type FlowNode,
  type SimEndpoints,
  type WiringOptions,
} from '../../sim/example-wiring';
import { installedModuleDir, startNodeRed, type Runtime } from './nodered';

export interface AuditEntry {
  id: string;
  time: string;
  system: string;
  operation: string;
  status: string;
  correlation?: { x3Entity?: string; x3Key?: string; trackingNumbers?: string[]; shipstationOrderNumber?: string };
  error?: { code: string; message: string };
  msg?: Record<string, unknown>;
  nodeId?: string;
  replayOf?: string;
}

export interface E2EOptions {
  sims?: AllSimsOptions;
  wiring?: Omit<WiringOptions, 'sims'>;
  /** Register the simulators' webhooks (default true). */
  webhooks?: { fedex?: boolean; shipstation?: boolean };
  /** Extra environment of the Node-RED process (e.g. NODE_OPTIONS for a memory bound). */
  runtimeEnv?: Record<string, string>;
  /** Extra settings.js properties (e.g. an adminAuth). */
  settings?: string;
  /** With an adminAuth: the user the harness logs in as for its own admin calls (deploy, audit, inject). */
  login?: { username: string; password: string };
  /** Another Node-RED (red.js), Node binary and install for it, e.g. Node-RED 5 on Node 22. */
  runtime?: { redJs?: string; nodeBinary?: string; moduleDir?: string };
}

/** An admin API token from Node-RED's /auth/token (adminAuth with credentials). */
export async function adminToken(
  url: string,
  login: { username: string; password: string },
  scope = '*',
): Promise<string> {
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope, ...login }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!res.ok || !body.access_token) throw new Error(`login ${login.username}: HTTP ${res.status}`);
  return body.access_token;
}

export interface E2E {
  sims: AllSims;
  endpoints: SimEndpoints;
  runtime: Runtime;
  flows: FlowNode[];
  userDir: string;
  /** Node-RED as the simulators reach it. */
  nodeRedUrl: string;
  /** The harness's admin headers (an Authorization bearer when E2EOptions.login is set). */
  adminHeaders: Record<string, string>;
  /** Audit entries through the audit-config admin endpoint (newest first). */
  audit(query?: Record<string, string | number>): Promise<{ entries: AuditEntry[]; total: number }>;
  /** Presses an inject node (POST /inject/:id). */
  inject(nodeId: string): Promise<void>;
  /** Deploys the examples again (full deploy) with other wiring options, e.g. other examples. */
  redeploy(wiring: Omit<WiringOptions, 'sims'>): Promise<void>;
  /** Starts Node-RED again on the same user dir and port (after kill() or stop()). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

let moduleDirCache: string | undefined;

/** The packed package, installed once per test process (cached across runs by tarball hash). */
export function moduleDir(): string {
  moduleDirCache ??= installedModuleDir();
  return moduleDirCache;
}

export function endpointsOf(sims: AllSims): SimEndpoints {
  return {
    x3Url: sims.x3.url,
    fedexUrl: sims.fedex.url,
    shipstationV1Url: sims.shipstation.v1Url,
    shipstationV2Url: sims.shipstation.v2Url,
    jwksUrl: sims.shipstation.jwksUrl,
    printer: { host: sims.printer.host, port: sims.printer.port },
  };
}

/** The three simulators (and the printer) for a test that runs the example flows. */
export async function startE2ESims(options: AllSimsOptions = {}): Promise<AllSims> {
  // the X3 sim's generated records are stamped two hours back, so pollers starting "now" (with
  // their overlap) see only the documents a test creates
  const sims = await startAllSims({ ...options, x3: { clockSkewMs: -7_200_000, ...options.x3 } });
  sims.x3.config.clockSkewMs = 0;
  return sims;
}

export async function startE2E(options: E2EOptions = {}): Promise<E2E> {
  const dir = options.runtime?.moduleDir ?? moduleDir();
  const { redJs, nodeBinary } = options.runtime ?? {};
  const sims = await startE2ESims(options.sims);
  const endpoints = endpointsOf(sims);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sx3s-e2e-'));
  let runtime: Runtime;
  try {
    runtime = await startNodeRed({
      moduleDir: dir,
      userDir,
      redJs,
      nodeBinary,
      env: options.runtimeEnv,
      extraSettings: options.settings,
    });
  } catch (err) {
    await sims.close();
    throw err;
  }
  const port = runtime.port;
  const flows = wireExamples(loadExamples(), { sims: endpoints, ...options.wiring });
  const env: E2E = {
    sims,
    endpoints,
    runtime,
    flows,
    userDir,
    nodeRedUrl: runtime.url,
    adminHeaders: {},
    audit: async (query = {}) => {
      const qs = new URLSearchParams(
        Object.entries({ limit: 1000, ...query }).map(([k, v]) => [k, String(v)]),
      ).toString();
      const res = await env.runtime.request<{ entries: AuditEntry[]; total: number }>(
        'GET',
        `/sage-x3-shipping/audit/${CONFIG_IDS.audit}/entries?${qs}`,
        undefined,
        env.adminHeaders,
      );
      if (res.status !== 200) throw new Error(`audit query: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    inject: async (nodeId) => {
      const res = await env.runtime.request('POST', `/inject/${nodeId}`, undefined, env.adminHeaders);
      if (res.status !== 200) throw new Error(`inject ${nodeId}: HTTP ${res.status}`);
    },
    redeploy: async (wiring) => {
      env.flows = wireExamples(loadExamples(), { sims: endpoints, ...wiring });
      const before = env.runtime.log().length;
      await deployFlows(env.runtime.url, env.flows, env.adminHeaders);
      await waitFor(
        'flows started',
        async () => /Started flows/.test(env.runtime.log().slice(before)) || undefined,
        60_000,
      );
    },
    restart: async () => {
      env.runtime = await startNodeRed({
        moduleDir: dir,
        userDir,
        port,
        redJs,
        nodeBinary,
        env: options.runtimeEnv,
        extraSettings: options.settings,
      });
    },
    stop: async () => {
      await env.runtime.stop().catch(() => undefined);
      await sims.close();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
  try {
    if (options.login) env.adminHeaders = { authorization: `Bearer ${await adminToken(runtime.url, options.login)}` };
    await deployFlows(runtime.url, flows, env.adminHeaders);
    await waitFor(
      'flows started',
      async () => /Started flows/.test(runtime.log().split('Stopping flows').pop() ?? '') || undefined,
      60_000,
    );
    await registerSimWebhooks(endpoints, {
      nodeRedUrl: runtime.url,
      fedex: options.webhooks?.fedex,
      shipstation: options.webhooks?.shipstation,
      shipstationWebhookToken: options.wiring?.shipstationWebhookToken,
    });
  } catch (err) {
    await env.stop();
    throw err;
  }
  return env;
}

/**
 * Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`
 * with the last value seen (the deadline is generous: it bounds a hang, it does not measure speed).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Ids of example nodes by (tab prefix, node name), for injects and assertions. */
export function nodeId(flows: FlowNode[], tabPrefix: string, name: string): string {
  const tab = flows.find((n) => n.type === 'tab' && String(n.label).startsWith(tabPrefix));
  const node = flows.find((n) => n.z === tab?.id && n.name === name);
  if (!node) throw new Error(`no node "${name}" on tab ${tabPrefix}`);
  return node.id;
}

/** The log lines of our package and errors, for diagnosing a failed wait. */
export function runtimeProblems(runtime: Runtime): string {
  return runtime
    .log()
    .split('\n')
    .filter((l) => /\[(error|warn)\]/.test(l))
    .slice(-40)
    .join('\n');
}
