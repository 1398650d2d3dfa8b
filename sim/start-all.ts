/**
 * Starts the three simulators together (demo and end-to-end tests) and describes how to reach
 * them: base URLs and the demo credentials each accepts.
 */
import { startFedexSim, type FedexSim } from './fedex/server';
import type { FedexSimOptions } from './fedex/types';
import { startShipStationSim, type ShipStationSim, type ShipStationSimOptions } from './shipstation/server';
import { startX3Sim, type X3Sim, type X3SimOptions } from './x3/server';
import { startPrinterSim, type PrinterSim, type PrinterSimOptions } from './printer/server';

export interface SimCredentials {
  x3: { user: string; password: string; clientId: string; clientSecret: string; folder: string };
  fedex: { clientId: string; clientSecret: string; accountNumber: string; webhookSecret: string };
  shipstation: { v1Key: string; v1Secret: string; v2Key: string };
}

/** The simulators' own defaults (see each sim's README); demo only, never real secrets. */
export const SIM_CREDENTIALS: SimCredentials = {
  x3: {
    user: 'WSUSER',
    password: 'ws-password',
    clientId: 'sim-connected-app',
    clientSecret: 'sim-connected-app-secret',
    folder: 'SEED',
  },
  fedex: {
    clientId: 'sim-fedex-client-id',
    clientSecret: 'sim-fedex-client-secret',
    accountNumber: '740561073',
    webhookSecret: 'DemoWebhookSecurityToken2026abc',
  },
  shipstation: { v1Key: 'sim-v1-key', v1Secret: 'sim-v1-secret', v2Key: 'sim-v2-key' },
};

export interface AllSims {
  x3: X3Sim;
  fedex: FedexSim;
  shipstation: ShipStationSim;
  /** a raw TCP label printer (ZPL/EPL), the warehouse's thermal printer */
  printer: PrinterSim;
  credentials: SimCredentials;
  close(): Promise<void>;
}

export interface AllSimsOptions {
  host?: string;
  x3?: X3SimOptions;
  fedex?: FedexSimOptions;
  shipstation?: ShipStationSimOptions;
  printer?: PrinterSimOptions;
}

export async function startAllSims(options: AllSimsOptions = {}): Promise<AllSims> {
  const host = options.host ?? '127.0.0.1';
  const x3 = await startX3Sim({ port: 0, host, ...options.x3 });
  const fedex = await startFedexSim({ port: 0, host, ...options.fedex });
  const shipstation = await startShipStationSim({ v1Port: 0, v2Port: 0, host, ...options.shipstation });
  const printer = await startPrinterSim({ port: 0, ...options.printer });
  return {
    x3,
    fedex,
    shipstation,
    printer,
    credentials: SIM_CREDENTIALS,
    close: async () => {
      await Promise.allSettled([x3.close(), fedex.close(), shipstation.close(), printer.close()]);
    },
  };
}
