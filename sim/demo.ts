/**
 * `npm start`: builds the package, starts the three simulators with demo data on fixed local
 * ports, starts Node-RED at http://localhost:1880 with the package and every example flow
 * deployed against the simulators, points the simulators' webhooks at the flows, and keeps
 * business going (new X3 deliveries and purchase orders, new ShipStation orders, labels bought,
 * shipments moving fast) so the debug sidebar and the audit trail fill up within a minute.
 * Ctrl-C stops everything.
 *
 * The demo's Node-RED user dir is .demo/demo (git-ignored); its flows, audit database and poll
 * positions are reset at every start, since the simulators start from scratch too.
 */
import { execSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { prepareUserDir, startDevNodeRed } from '../scripts/dev-runtime';
import {
  createShipStationOrders,
  createX3Deliveries,
  createX3PurchaseOrders,
  shipShipStationOrder,
  stockShipStationSkus,
  x3Records,
} from './activity';
import { deployFlows, loadExamples, registerSimWebhooks, wireExamples, type SimEndpoints } from './example-wiring';
import { SIM_CREDENTIALS, startAllSims, type AllSims } from './start-all';

const ROOT = path.resolve(__dirname, '..');
const HOST = '127.0.0.1';
const PORTS = { x3: 8101, fedex: 8102, shipstationV1: 8103, shipstationV2: 8104, nodeRed: 1880 };
const NODE_RED_URL = `http://localhost:${PORTS.nodeRed}`;

function log(text: string): void {
  process.stdout.write(`[demo] ${text}\n`);
}

/** Starts the demo user dir afresh (flows, audit database, poll positions), keeping its module link. */
function resetUserDir(): string {
  const dir = prepareUserDir('demo');
  for (const entry of fs.readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'package.json') continue;
    fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
  return dir;
}

async function waitForNodeRed(child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`Node-RED exited (code ${child.exitCode}); is port ${PORTS.nodeRed} already in use?`);
    try {
      const res = await fetch(`${NODE_RED_URL}/settings`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error('Node-RED did not start');
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Business activity: a few documents every few seconds, each step on its own timer. */
export function startActivity(sims: AllSims): () => void {
  const timers: NodeJS.Timeout[] = [];
  let delivery = 1;
  let purchase = 1;
  let order = 1;
  const shipped = new Set<number>();
  const pending: Array<{ orderId: number; orderNumber: string }> = [];
  const every = (ms: number, what: string, fn: () => Promise<void>): void => {
    let busy = false;
    timers.push(
      setInterval(() => {
        if (busy) return;
        busy = true;
        fn()
          .catch((err: unknown) => log(`${what}: ${(err as Error).message}`))
          .finally(() => (busy = false));
      }, ms),
    );
  };
  every(4000, 'new X3 delivery', async () => {
    const [key] = await createX3Deliveries(sims.x3.url, {
      prefix: 'SDD',
      start: delivery++,
      count: 1,
      packages: 1 + (delivery % 3 === 0 ? 1 : 0),
    });
    log(`X3: new sales delivery ${key} for FedEx`);
  });
  every(15000, 'new X3 purchase order', async () => {
    const [key] = await createX3PurchaseOrders(sims.x3.url, { prefix: 'POD', start: purchase++, count: 1 });
    log(`X3: new purchase order ${key}, inbound by FedEx`);
  });
  every(6000, 'new ShipStation order', async () => {
    const [created] = await createShipStationOrders(sims.shipstation.v1Url, {
      prefix: 'DEMO-',
      start: order++,
      count: 1,
      customers: 8,
    });
    pending.push(created);
    log(`ShipStation: new order ${created.orderNumber}`);
  });
  every(5000, 'ShipStation label', async () => {
    // ship the oldest order that is already in X3, as a warehouse would
    const inX3 = new Set((await x3Records(sims.x3.url, 'salesOrder')).map((o) => String(o.CUSORDREF)));
    const next = pending.find((o) => !shipped.has(o.orderId) && inX3.has(o.orderNumber));
    if (!next) return;
    shipped.add(next.orderId);
    pending.splice(pending.indexOf(next), 1);
    const shipment = await shipShipStationOrder(sims.shipstation.v1Url, next.orderId);
    log(`ShipStation: label ${String(shipment.trackingNumber)} bought for ${next.orderNumber}`);
  });
  return () => timers.forEach((t) => clearInterval(t));
}

/** The demo's simulators (the single-instance and the cluster demo) and their endpoints for the example wiring. */
export async function startDemoSims(): Promise<{ sims: AllSims; endpoints: SimEndpoints }> {
  // generated master data is stamped two hours back: the flows (polling from "now") only pick up
  // the demo's own new documents
  const sims = await startAllSims({
    host: HOST,
    x3: {
      port: PORTS.x3,
      clockSkewMs: -7_200_000,
      records: { customer: 20, product: 30, salesOrder: 50, salesDelivery: 0, purchaseOrder: 0 },
    },
    fedex: { port: PORTS.fedex, journeySeconds: 45, exceptionRate: 0.1, webhooks: { pollMs: 500 } },
    shipstation: { v1Port: PORTS.shipstationV1, v2Port: PORTS.shipstationV2, orders: 10 },
  });
  sims.x3.config.clockSkewMs = 0;
  await stockShipStationSkus(sims.x3.url, ['NA011']);
  const endpoints: SimEndpoints = {
    x3Url: sims.x3.url,
    fedexUrl: sims.fedex.url,
    shipstationV1Url: sims.shipstation.v1Url,
    shipstationV2Url: sims.shipstation.v2Url,
    jwksUrl: sims.shipstation.jwksUrl,
    printer: { host: sims.printer.host, port: sims.printer.port },
  };
  return { sims, endpoints };
}

async function main(): Promise<void> {
  log('building the package (npm run build)...');
  execSync('npm run build', { cwd: ROOT, stdio: 'inherit' });

  const { sims, endpoints } = await startDemoSims();
  log(
    `simulators: X3 ${sims.x3.url}, FedEx ${sims.fedex.url}, ShipStation V1 ${sims.shipstation.v1Url} / V2 ${sims.shipstation.v2Url}`,
  );

  resetUserDir();
  const nodeRed = startDevNodeRed({ name: 'demo', port: PORTS.nodeRed, settings: `uiHost: '${HOST}',` });
  let stopActivity: () => void = () => undefined;
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping...');
    stopActivity();
    if (nodeRed.exitCode === null) {
      const exited = new Promise<void>((resolve) => nodeRed.once('exit', () => resolve()));
      nodeRed.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (nodeRed.exitCode === null) nodeRed.kill('SIGKILL');
    }
    await sims.close();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  nodeRed.once('exit', (code) => {
    if (!stopping) {
      log(`Node-RED exited (code ${code})`);
      void stop(1);
    }
  });

  try {
    await waitForNodeRed(nodeRed);
    const flows = wireExamples(loadExamples(), {
      sims: endpoints,
      credentials: SIM_CREDENTIALS,
      x3PollSeconds: 2,
      trackSeconds: 10,
      shipstationPollSeconds: 10,
      masterDataSeconds: 60,
    });
    await deployFlows(NODE_RED_URL, flows);
    await registerSimWebhooks(endpoints, { nodeRedUrl: `http://${HOST}:${PORTS.nodeRed}` });
    stopActivity = startActivity(sims);
  } catch (err) {
    log(`could not start: ${(err as Error).message}`);
    await stop(1);
    return;
  }
  log('');
  log(`Node-RED with the example flows: ${NODE_RED_URL} (open the debug sidebar)`);
  log(`audit trail: ${NODE_RED_URL}/sage-x3-shipping/audit/a0c0f1ea00000004/entries?limit=20`);
  log(
    `simulator state: ${sims.x3.url}/__sim/state, ${sims.fedex.url}/__sim/state, ${sims.shipstation.v1Url}/__sim/state`,
  );
  log('new X3 deliveries every 4 s, purchase orders every 15 s, ShipStation orders every 6 s; Ctrl-C stops everything');
}

// `npm run start:cluster` (sim/demo-cluster.ts) reuses the activity without starting this demo
if (require.main === module) {
  main().catch((err: unknown) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  });
}
