/**
 * The batch run the crash and cluster e2e tests kill a Node-RED in the middle of: simulators and
 * quotas that keep a batch of X3 deliveries going for several seconds, and the labels FedEx holds
 * for the batch's deliveries, found by example 01's reference.
 */
import type { AllSims, AllSimsOptions } from '../../sim/start-all';
import type { WiringOptions } from '../../sim/example-wiring';

/** Example 01's reference: X3 folder, document type, delivery number. */
export const DELIVERY_REF = 'SEED SDH';

/** The simulators of a batch run; `x3LatencyMs` keeps imports and write-backs running at the kill. */
export function batchSims(x3LatencyMs: number): AllSimsOptions {
  return {
    fedex: { journeySeconds: 3600 },
    shipstation: { rateWindowMs: 5000 },
    x3: {
      latencyMs: x3LatencyMs,
      records: { customer: 10, product: 10, salesOrder: 20, salesDelivery: 0, purchaseOrder: 0 },
    },
  };
}

/** A FedEx budget of 25 labels a second, and ShipStation's window as the simulator's. */
export function batchQuotas(): Pick<WiringOptions, 'fedexConfig' | 'shipstationConfig'> {
  return {
    fedexConfig: { transactionLimit: 25, transactionWindowSeconds: 1 },
    shipstationConfig: { windowSeconds: 5 },
  };
}

/** Active labels per delivery number starting with `prefix`. */
export function labelsFor(sims: AllSims, prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sims.fedex.state.shipments) {
    if (s.status !== 'active') continue;
    for (const r of s.references) {
      if (r.type === 'CUSTOMER_REFERENCE' && r.value.startsWith(`${DELIVERY_REF} ${prefix}`)) {
        const key = r.value.slice(DELIVERY_REF.length + 1);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  return counts;
}
