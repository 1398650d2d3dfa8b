/**
 * What a store view holds whatever its backend (sqlite-context.ts, pg-context.ts): its masking
 * option, its clock and its closed flag. Several views may share one open database, each with
 * its own masking; once a view is closed it refuses everything, even while the database stays
 * open for another view.
 */

export interface StoreView {
  readonly sanitise: { maskPersonalData: boolean };
  readonly now: () => number;
  readonly closed: boolean;
  isoNow(): string;
  /** From now on the view refuses everything (the database is released by the store's onClose). */
  markClosed(): void;
  /** `fn`, refused (a rejected promise) once the view is closed. */
  whileOpen<F extends (...args: never[]) => Promise<unknown>>(fn: F): F;
}

export interface StoreViewOptions {
  maskPersonalData?: boolean;
  now?: () => number;
}

export function closedError(): Error {
  return new Error('audit store is closed');
}

/** A view's state, with `parts` (which may read `view.closed`) added to it. */
export function storeView<P extends object>(options: StoreViewOptions, parts: (view: StoreView) => P): StoreView & P {
  const now = options.now ?? Date.now;
  let closed = false;
  const view: StoreView = {
    sanitise: { maskPersonalData: options.maskPersonalData === true },
    now,
    get closed() {
      return closed;
    },
    isoNow: () => new Date(now()).toISOString(),
    markClosed() {
      closed = true;
    },
    whileOpen<F extends (...args: never[]) => Promise<unknown>>(fn: F): F {
      return ((...args: Parameters<F>) => (closed ? Promise.reject(closedError()) : fn(...args))) as F;
    },
  };
  return Object.assign(view, parts(view));
}
