/**
 * Work in flight that a shutdown must wait for. Node-RED stops every node of a flow, config nodes
 * included, in one loop without waiting between them, so a config node that released its client
 * or store at once would cut off the labels, ledger writes and X3 creates its users are still
 * doing. Whoever owns a resource tracks the work that uses it and drains before releasing it:
 * first a budget for the work to finish on its own, then the work is told to stop (its abort
 * callback: the outcome is then recorded as unknown) and given a short grace to record that.
 */

export interface DrainOptions {
  /** How long work may take to finish on its own. */
  budgetMs: number;
  /** After the budget, how long aborted work gets to record its outcome. */
  graceMs: number;
}

export interface DrainResult {
  /** true when nothing was left in flight. */
  settled: boolean;
  /** Items whose abort callback was called because the budget ran out. */
  aborted: number;
  /** Items still unsettled after the grace (their resource is released under them). */
  pending: number;
}

/** Node-RED gives every node 15 s to close; these leave room for releasing the resource after. */
export const DEFAULT_DRAIN: DrainOptions = { budgetMs: 10_000, graceMs: 3_000 };

export class InFlight {
  private readonly items = new Map<Promise<unknown>, (() => void) | undefined>();

  get size(): number {
    return this.items.size;
  }

  /**
   * Counts `work` as in flight until it settles; `abort` is called if a drain's budget runs out
   * first. Returns `work` itself, so the caller still sees its result or error.
   */
  track<T>(work: Promise<T>, abort?: () => void): Promise<T> {
    const key: Promise<unknown> = work.then(
      () => undefined,
      () => undefined,
    );
    this.items.set(key, abort);
    void key.then(() => this.items.delete(key));
    return work;
  }

  /**
   * Waits for everything in flight (work tracked meanwhile included), aborts what is left after
   * `budgetMs`, then waits up to `graceMs` more. Never rejects.
   */
  async drain(options: DrainOptions = DEFAULT_DRAIN): Promise<DrainResult> {
    if (await this.settleWithin(options.budgetMs)) return { settled: true, aborted: 0, pending: 0 };
    let aborted = 0;
    for (const abort of [...this.items.values()]) {
      aborted += 1;
      try {
        abort?.();
      } catch {
        // an abort callback that throws must not keep the others from running
      }
    }
    const settled = await this.settleWithin(options.graceMs);
    return { settled, aborted, pending: settled ? 0 : this.items.size };
  }

  private async settleWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(
        () => {
          expired = true;
          resolve();
        },
        Math.max(0, ms),
      );
    });
    try {
      while (this.items.size > 0 && !expired) {
        await Promise.race([Promise.all([...this.items.keys()]), deadline]);
      }
      return this.items.size === 0;
    } finally {
      clearTimeout(timer);
    }
  }
}
