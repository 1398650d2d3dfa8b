/**
 * The Redis side of a shared budget: Bottleneck settings that make every instance using the same
 * id spend one budget. ioredis is an optional peer dependency, so its absence is reported as the
 * install step that fixes it, when a shared budget is asked for and not before.
 */
import type Bottleneck from 'bottleneck';

export interface ClusterOptions {
  /** Shared limiter id: every instance using the same id shares the budget. */
  id: string;
  /** ioredis connection options or URL. ioredis is an optional peer dependency. */
  redis: string | Record<string, unknown>;
}

export function clusterSettings(cluster: ClusterOptions | undefined): Bottleneck.ConstructorOptions {
  if (!cluster) return {};
  try {
    require.resolve('ioredis');
  } catch {
    throw new Error(
      'Shared rate limits need the optional package "ioredis": run "npm install ioredis" in your Node-RED user directory',
    );
  }
  return {
    id: cluster.id,
    datastore: 'ioredis',
    clearDatastore: false,
    // ioredis accepts either a URL or an options object as its first argument.
    clientOptions: cluster.redis,
  } as Bottleneck.ConstructorOptions;
}
