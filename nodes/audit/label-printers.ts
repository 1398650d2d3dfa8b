/**
 * The label printers deployed nodes have configured, by node id, so an operator's reprint (admin
 * route) goes to "the configured printer" of the node that printed the label; and the nodes that
 * can cancel and ship again an adopted shipment. A node registers when it starts and removes its
 * entry on close; a redeploy replaces it.
 */
import type { LabelPrintService } from './label-print-service';

export interface RegisteredPrinter {
  /** the node that prints with it (fedex-ship) */
  nodeId: string;
  /** the audit-config whose ledger holds its print records */
  auditConfigId?: string;
  service: LabelPrintService;
}

const printers = new Map<string, RegisteredPrinter>();

export function registerLabelPrinter(entry: RegisteredPrinter): void {
  printers.set(entry.nodeId, entry);
}

export function deregisterLabelPrinter(nodeId: string, service: LabelPrintService): void {
  if (printers.get(nodeId)?.service === service) printers.delete(nodeId);
}

/** Printers whose print records are in this audit-config's ledger, ordered by node id. */
export function labelPrintersOf(auditConfigId: string): RegisteredPrinter[] {
  return [...printers.values()]
    .filter((p) => p.auditConfigId === auditConfigId)
    .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
}

/** A node that can cancel an adopted shipment and ship its document again (fedex-ship). */
export interface RegisteredReshipper {
  nodeId: string;
  auditConfigId?: string;
  /** runs as the node's own work (a redeploy drains it) */
  reship(key: string): Promise<unknown>;
}

const reshippers = new Map<string, RegisteredReshipper>();

export function registerReshipper(entry: RegisteredReshipper): void {
  reshippers.set(entry.nodeId, entry);
}

export function deregisterReshipper(entry: RegisteredReshipper): void {
  if (reshippers.get(entry.nodeId) === entry) reshippers.delete(entry.nodeId);
}

/** Reshippers on this audit-config's ledger, ordered by node id. */
export function reshippersOf(auditConfigId: string): RegisteredReshipper[] {
  return [...reshippers.values()]
    .filter((r) => r.auditConfigId === auditConfigId)
    .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
}
