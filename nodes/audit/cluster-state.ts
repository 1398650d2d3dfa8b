/**
 * The rules of leases and fenced state of the store (sql-cluster.ts, both backends): input
 * checks, the error a fenced write from a lost leader gets, and the row shapes. A lease is a row
 * (name, owner, epoch, expires_at); taking it from another owner bumps the epoch, so every write
 * fenced with the old epoch is refused afterwards.
 */
import type { LeaseFence, LeaseGrant } from './types';

export class LeaseLostError extends Error {
  readonly code = 'LEASE_LOST';
  constructor(readonly fence: LeaseFence) {
    super(`lease "${fence.lease}" is no longer held by ${fence.owner} (epoch ${fence.epoch}); state not written`);
    this.name = 'LeaseLostError';
  }
}

export interface LeaseRow {
  name: string;
  owner: string;
  epoch: number | string;
  expires_at: string;
}

export function grantFromRow(row: LeaseRow): LeaseGrant {
  return { name: row.name, owner: row.owner, epoch: Number(row.epoch), expiresAt: row.expires_at };
}

export function requireLeaseArgs(name: string, owner: string, ttlMs?: number): void {
  if (typeof name !== 'string' || !name) throw new Error('a lease needs a name');
  if (typeof owner !== 'string' || !owner) throw new Error('a lease needs an owner');
  if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs > 0)) throw new Error('a lease needs a positive ttl');
}

export function requireStateName(name: string): void {
  if (typeof name !== 'string' || !name) throw new Error('state needs a name');
}

export function stateJson(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  if (text === undefined) throw new Error('state value cannot be stored as JSON');
  return text;
}

export function requireBudgetArgs(budget: string, limits: { max: number; windowMs: number }, want: number): void {
  if (typeof budget !== 'string' || !budget) throw new Error('a budget needs a name');
  if (!(Number.isInteger(limits.max) && limits.max > 0)) throw new Error('a budget needs a positive max');
  if (!(limits.windowMs > 0)) throw new Error('a budget needs a positive window');
  if (!(Number.isInteger(want) && want > 0)) throw new Error('take at least one start from a budget');
}
