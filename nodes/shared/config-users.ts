/**
 * How a config node and the nodes that use it share a shutdown. Node-RED stops every node of a
 * flow, config nodes included, in one loop without waiting between them (Flow.stop), so a config
 * node that released its client or store at once would cut off a label being bought or a ledger
 * write. Here a config node counts its users' work in flight and its close drains that work
 * (bounded, core/in-flight.ts) before releasing; a user node's close waits for the same work.
 */
import { setMaxListeners } from 'node:events';
import type { Node, NodeAPI } from 'node-red';
import { DEFAULT_DRAIN, InFlight, type DrainOptions, type DrainResult } from '../core/in-flight';
import { commonText } from './i18n';
import { number } from './settings';

/**
 * What every config node of the package offers the nodes that use it. It keeps no list of its
 * users: the one thing a config tells them while they run, its token's state, each user follows on
 * the client itself (shared/use-token-config.ts), and what its close waits for is their work.
 */
export interface ConfigUsers {
  /**
   * Counts `work` as in flight: this config's close waits for it (bounded) before releasing its
   * client or store; `abort` is called when the wait runs out. Returns `work`.
   */
  track<T>(work: Promise<T>, abort?: () => void): Promise<T>;
}

/** Node-RED waits 15 s for a node to close; the drain and the release must fit inside. */
const CLOSE_LIMIT_MS = 14_000;

/**
 * The drain of every close: settings.js `shippingCloseDrain: { budgetMs, graceMs }` (defaults
 * 10 s and 3 s), cut down to fit Node-RED's close timeout.
 */
export function drainOptions(RED: NodeAPI): DrainOptions {
  const s = (RED.settings as unknown as { shippingCloseDrain?: Partial<DrainOptions> }).shippingCloseDrain;
  const budgetMs = Math.min(number(s?.budgetMs, DEFAULT_DRAIN.budgetMs, { min: 0 }), CLOSE_LIMIT_MS);
  const graceMs = Math.min(number(s?.graceMs, DEFAULT_DRAIN.graceMs, { min: 0 }), CLOSE_LIMIT_MS - budgetMs);
  return { budgetMs, graceMs };
}

/**
 * The config side: the track a config node offers, and its close handler, which drains its
 * users' work and only then calls `release` (close the client or the store).
 */
export function serveConfigUsers(
  RED: NodeAPI,
  node: Node,
  release: (removed: boolean) => Promise<unknown> | void,
): ConfigUsers {
  const work = new InFlight();
  node.on('close', (removed: boolean, done: () => void) => {
    work
      .drain(drainOptions(RED))
      .then((result) => {
        if (!result.settled) {
          node.warn(commonText(RED, 'warn.closeUnfinished', { count: result.pending }));
        }
        return release(removed);
      })
      .catch((err: unknown) =>
        node.warn(commonText(RED, 'warn.closeFailed', { error: err instanceof Error ? err.message : String(err) })),
      )
      .finally(() => done());
  });
  return {
    track: (p, abort) => work.track(p, abort),
  };
}

/**
 * The user side: the node runs its operations through `run`/`track` so each config it uses waits
 * for them, and closes with `close()`, which waits for them too (aborting them once the budget
 * runs out).
 */
export class ConfigWork {
  private readonly aborter = new AbortController();
  private readonly own = new InFlight();
  private readonly configs: ConfigUsers[] = [];

  constructor(private readonly RED: NodeAPI) {
    // every operation in flight listens to it: thousands at once are normal
    setMaxListeners(0, this.aborter.signal);
  }

  /** Aborted when a close's budget runs out: pass it to the calls of an operation. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  /** Operations started from now on count as work in flight of `config` too. */
  use<C extends ConfigUsers>(config: C): C;
  use<C extends ConfigUsers>(config: C | undefined): C | undefined;
  use<C extends ConfigUsers>(config: C | undefined): C | undefined {
    if (config && !this.configs.includes(config)) this.configs.push(config);
    return config;
  }

  /** Runs one operation as work in flight of this node and of every config it uses. */
  run<T>(operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.track(Promise.resolve().then(() => operation(this.aborter.signal)));
  }

  /** Counts work already started (a queue's tail, a webhook's apply chain). */
  track<T>(work: Promise<T>): Promise<T> {
    const abort = (): void => this.aborter.abort(new Error(commonText(this.RED, 'errors.nodeClosed')));
    for (const config of this.configs) config.track(work, abort);
    return this.own.track(work, abort);
  }

  /** Waits for this node's work (bounded, aborting after the budget); nothing counts on the configs after. */
  async close(): Promise<DrainResult> {
    const result = await this.own.drain(drainOptions(this.RED));
    // whatever did not settle is cut off now: the configs release their resources next
    this.aborter.abort(new Error(commonText(this.RED, 'errors.nodeClosed')));
    this.configs.length = 0;
    return result;
  }
}
