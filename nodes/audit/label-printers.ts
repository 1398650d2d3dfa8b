/**
 * The label printers deployed nodes have configured, by node id, so an operator's reprint (admin
 * route) goes to "the configured printer" of the node that printed the label. A node registers
 * its printer when it starts and removes it on close; a redeploy replaces the entry.
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
