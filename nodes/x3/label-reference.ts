/**
 * The label reference x3-update writes back to X3: the stored label of a fedex-ship msg as X3
 * sees it. The label store is a directory Node-RED writes; X3 reads it through a share mounted
 * elsewhere (`\\fs01\labels`, `/mnt/labels`), so the relative path is joined to a configured
 * prefix with the prefix's own separator. The same values serve a download URL template
 * (`downloadQuery`), for sites where X3 cannot read the share.
 */

export interface LabelReference {
  /** relative path in the label store, '/'-separated */
  path: string;
  /** the path as X3 sees it (prefix + path, in the prefix's separator), or `path` without a prefix */
  x3Path: string;
  /** the document's folder as X3 sees it (all its packages' labels) */
  x3Dir: string;
  trackingNumber: string;
  format: string;
  /** the shipment's ledger key (fedex-ship msg.fedex.idempotencyKey) */
  key: string;
  /** `key=...&trackingNumber=...`, URL-encoded, for the admin download route */
  downloadQuery: string;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** `prefix` + the relative path: backslashes when the prefix is a Windows/UNC path. */
export function mapLabelPath(relPath: string, prefix: string): string {
  const p = prefix.trim();
  if (!p) return relPath;
  const windows = p.includes('\\') && !p.includes('/');
  const sep = windows ? '\\' : '/';
  const base = p.replace(/[\\/]+$/, '');
  return `${base}${sep}${relPath.split('/').join(sep)}`;
}

/**
 * The first package's stored label of a fedex-ship msg (payload.labels[].ref), or undefined when
 * none was stored (an adopted shipment, no label store).
 */
export function labelReferenceOf(msg: Record<string, unknown>, prefix: string): LabelReference | undefined {
  const payload = obj(msg.payload);
  const labels = Array.isArray(payload?.labels) ? (payload.labels as unknown[]) : [];
  for (const l of labels) {
    const label = obj(l);
    const ref = obj(label?.ref);
    if (!label || !ref || typeof ref.path !== 'string' || !ref.path) continue;
    const path = ref.path;
    const trackingNumber = typeof label.trackingNumber === 'string' ? label.trackingNumber : '';
    const key = String(obj(msg.fedex)?.idempotencyKey ?? '');
    const dir = path.split('/').slice(0, -1).join('/');
    return {
      path,
      x3Path: mapLabelPath(path, prefix),
      x3Dir: mapLabelPath(dir, prefix),
      trackingNumber,
      format: typeof label.format === 'string' ? label.format : '',
      key,
      downloadQuery: `key=${encodeURIComponent(key)}&trackingNumber=${encodeURIComponent(trackingNumber)}`,
    };
  }
  return undefined;
}
