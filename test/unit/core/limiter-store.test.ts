import { strict as assert } from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createRateLimiter, type RequestLimiter } from '../../../nodes/core/limiter';
import { openPgStore } from '../../../nodes/audit/pg-store';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditStore } from '../../../nodes/audit/types';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster } from '../../support/pg-cluster';

/** Most starts within any window of `windowMs` (sorted times). */
function busiestWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('a request budget shared by three instances through the store (limiter-store.ts)', function () {
  const limiters: RequestLimiter[] = [];
  const stores: AuditStore[] = [];
  let dir: string | undefined;
  afterEach(async () => {
    for (const l of limiters.splice(0)) await l.stop();
    for (const s of stores.splice(0)) await s.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  const run = async (open: () => AuditStore): Promise<void> => {
    const max = 6;
    const windowMs = 250;
    const instances = [open(), open(), open()];
    stores.push(...instances);
    const ran: string[] = [];
    const byInstance = [0, 0, 0];
    // the starts the store granted, as it recorded them (it prunes rows older than a window)
    const starts: number[] = [];
    const jobs: Array<Promise<unknown>> = [];
    instances.forEach((store, i) => {
      const backend = {
        takeBudget: async (...args: Parameters<AuditStore['takeBudget']>) => {
          const r = await store.takeBudget(...args);
          for (let k = 0; k < r.granted; k++) starts.push(args[3]);
          return r;
        },
      };
      const limiter = createRateLimiter({ max, windowMs, shared: { budget: 'fedex.tx:acct', backend } });
      limiters.push(limiter);
      for (let n = 0; n < 10; n++) {
        jobs.push(
          limiter.schedule(async () => {
            ran.push(`${i}:${n}`);
            byInstance[i] += 1;
          }),
        );
      }
    });
    await Promise.all(jobs);
    assert.equal(new Set(ran).size, 30, 'every job ran once');
    assert.deepEqual(byInstance, [10, 10, 10]);
    assert.equal(starts.length, 30, 'one start granted per job');
    assert.ok(busiestWindow(starts, windowMs) <= max, `at most ${max} per ${windowMs} ms across the instances`);
  };

  it('SQLite (three connections to one file): the sum stays within the budget in every window', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sx3s-budget-'));
    const path = join(dir, 'a.db');
    await run(() => openSqliteStore({ path }));
  });

  it('PostgreSQL (three pools): the sum stays within the budget in every window', async function () {
    this.timeout(180_000);
    const cluster = await sharedPgCluster();
    if (!cluster) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
    const schema = isolatedSchema('budget');
    const first = openPgStore({ connection: cluster.url, schema, poolSize: 2 });
    await first.ready();
    let used = false;
    await run(() => {
      if (!used) {
        used = true;
        return first;
      }
      return openPgStore({ connection: cluster.url, schema, poolSize: 2 });
    });
  });
});
