/**
 * fedex-ship's printer option: the thermal labels of a shipment go to the printer as part of the
 * same in-flight work as the shipment itself, so a redeploy drains both (no msg between two nodes
 * to lose) and the print records sit in the same ledger, keyed by the shipment's key.
 */
import { LabelPrintService, type PrintReport } from '../audit/label-print-service';
import type { LabelStore } from '../audit/label-store';
import { RAW_PRINT_PORT } from '../audit/raw-print';
import type { AuditEntryInput, AuditStore } from '../audit/types';
import { number, text } from '../shared/settings';
import type { StoredShipment } from './ship-ledger';

export interface ShipPrintDef {
  /** host name or address of a raw (port 9100) label printer; empty: no printing */
  printerHost?: string;
  printerPort?: string | number;
  printAttempts?: string | number;
}

export interface ShipPrintContext {
  store: AuditStore;
  owner: string;
  labels?: LabelStore;
  record?: (entry: AuditEntryInput) => Promise<unknown>;
  nodeId?: string;
}

/** The node's label printer, or undefined when no printer host is set. */
export function shipPrinterOf(def: ShipPrintDef, ctx: ShipPrintContext): LabelPrintService | undefined {
  const host = text(def.printerHost);
  if (!host) return undefined;
  return new LabelPrintService({
    ...ctx,
    printer: { host, port: Math.min(65535, Math.floor(number(def.printerPort, RAW_PRINT_PORT, { min: 1 }))) },
    attempts: Math.floor(number(def.printAttempts, 5, { min: 1 })),
  });
}

/** Prints the shipment's thermal labels not printed yet (package order). */
export function printShipment(
  printer: LabelPrintService,
  key: string,
  shipment: StoredShipment,
  signal?: AbortSignal,
): Promise<PrintReport> {
  return printer.print({
    key,
    labels: shipment.payload.labels,
    correlation: {
      x3Folder: shipment.folder,
      x3Entity: shipment.entity,
      x3Key: shipment.documentNumber,
    },
    signal,
  });
}
