/**
 * ShipStation's rate-limit headers (reference shipstation-api.md §1.3: X-Rate-Limit-Limit,
 * -Remaining, -Reset in seconds) and the header-budget limiter that reads them, one per API
 * version. V2 does not document these headers (§2.3): the core limiter notices a response
 * without them and then keeps to its own window.
 */
import {
  createHeaderBudgetLimiter,
  type BudgetHeaderNames,
  type HeaderBudgetOptions,
  type RequestLimiter,
} from '../core/limiter';

export const SHIPSTATION_RATE_HEADERS: BudgetHeaderNames = {
  limit: 'x-rate-limit-limit',
  remaining: 'x-rate-limit-remaining',
  reset: 'x-rate-limit-reset',
};

/** A limiter driven by ShipStation's announced budget. */
export function createShipStationLimiter(options: Omit<HeaderBudgetOptions, 'headers'>): RequestLimiter {
  return createHeaderBudgetLimiter({ ...options, headers: SHIPSTATION_RATE_HEADERS });
}
