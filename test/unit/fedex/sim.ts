/**
 * The FedEx simulator and a plugin client pointed at it, for the FedEx tests.
 */
import { startFedexSim, type FedexSim, type FedexSimOptions } from '../../../sim/fedex/server';
import { FedexClient, type FedexClientOptions } from '../../../nodes/fedex/client';

export const SIM_CLIENT_ID = 'sim-fedex-client-id';
export const SIM_CLIENT_SECRET = 'sim-fedex-client-secret';
export const SIM_ACCOUNT = '740561073';
export const WEBHOOK_TOKEN = 'SimWebhookToken0123456789abcdefXYZ';

export async function startSim(options: FedexSimOptions = {}): Promise<FedexSim> {
  return startFedexSim({ port: 0, webhooks: { pollMs: 0 }, exceptionRate: 0, ...options });
}

/** Retries at once (no jitter waits) unless a test says otherwise. */
export function simClient(sim: FedexSim, options: Partial<FedexClientOptions> = {}): FedexClient {
  return new FedexClient({
    baseURL: sim.url,
    accountNumber: SIM_ACCOUNT,
    credentials: { clientId: SIM_CLIENT_ID, clientSecret: SIM_CLIENT_SECRET },
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...options,
  });
}

export function tokenRequestsOk(sim: FedexSim): number {
  return sim.state.tokenRequests.filter((t) => t.status === 200).length;
}
