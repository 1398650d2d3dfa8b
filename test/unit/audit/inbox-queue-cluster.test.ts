import { strict as assert } from 'assert';
import { InboxQueue, type InboxItem } from '../../../nodes/audit/inbox-queue';
import { openPgStore, type PgAuditStore } from '../../../nodes/audit/pg-store';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster, type PgCluster } from '../../support/pg-cluster';
import { manualClock } from './store-contract';

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), what);
}

describe('webhook inbox on a shared (PostgreSQL) store: each event applied once cluster-wide', function () {
  let cluster: PgCluster | undefined;
  const stores: PgAuditStore[] = [];
  const queues: Array<InboxQueue<{ n: number }>> = [];
  before(async function () {
    this.timeout(180_000);
    cluster = await sharedPgCluster();
    if (!cluster) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
  });
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close();
    for (const s of stores.splice(0)) await s.close();
  });

  const instances = async (now: () => number): Promise<[PgAuditStore, PgAuditStore]> => {
    const schema = isolatedSchema('inbox');
    const open = (): PgAuditStore => {
      const s = openPgStore({ connection: (cluster as PgCluster).url, schema, now, poolSize: 3 });
      stores.push(s);
      return s;
    };
    const a = open();
    await a.ready();
    return [a, open()];
  };

  const queue = (store: PgAuditStore, owner: string, applied: string[]): InboxQueue<{ n: number }> => {
    const q = new InboxQueue<{ n: number }>({
      store,
      scope: 'fedex-webhook:n1',
      owner,
      claimMs: 60_000,
      recoverEveryMs: 20,
      maxAttempts: 0,
      backoff: { baseDelayMs: 10, maxDelayMs: 20 },
      apply: async (item: InboxItem<{ n: number }>) => {
        applied.push(`${owner}:${item.eventId}`);
      },
    });
    queues.push(q);
    return q;
  };

  it('events received by one instance while another recovers: every event applied exactly once', async () => {
    const clock = manualClock();
    const [sa, sb] = await instances(clock.now);
    const applied: string[] = [];
    const qa = queue(sa, 'A', applied);
    const qb = queue(sb, 'B', applied);
    const ids = Array.from({ length: 40 }, (_, i) => `e${i}`);
    const stored = await sa.inboxAdd(
      'fedex-webhook:n1',
      ids.map((eventId, n) => ({ eventId, payload: { n } })),
    );
    assert.equal(stored.added.length, 40);
    // A applies what it received; B (another instance) recovers the same pending events meanwhile
    for (const id of ids) qa.enqueue(id, { n: 0 });
    await Promise.all([qb.recover(), qa.recover()]);
    await until(() => applied.length >= 40, 'every event applied');
    await Promise.all([qa.idle(), qb.idle()]);
    const byEvent = new Map<string, number>();
    for (const a of applied) byEvent.set(a.split(':')[1], (byEvent.get(a.split(':')[1]) ?? 0) + 1);
    assert.deepEqual(
      [...byEvent.values()].filter((n) => n !== 1),
      [],
      'no event applied twice',
    );
    assert.equal(byEvent.size, 40);
    assert.equal((await sa.inboxPending('fedex-webhook:n1', 100)).length, 0);
  });

  it('the receiving instance dies after answering 200: another instance applies its events', async () => {
    const clock = manualClock();
    const [sa, sb] = await instances(clock.now);
    const applied: string[] = [];
    // A stored the events (answered 200) and claimed one, then was killed before applying
    await sa.inboxAdd('fedex-webhook:n1', [
      { eventId: 'x1', payload: { n: 1 } },
      { eventId: 'x2', payload: { n: 2 } },
    ]);
    assert.equal(await sa.inboxClaim('fedex-webhook:n1', 'x1', 'A', 60_000), true);
    await sa.close();
    const qb = queue(sb, 'B', applied);
    await qb.recover();
    await until(() => applied.length === 1, 'the unclaimed event');
    assert.deepEqual(applied, ['B:x2'], "A's claim still runs");
    clock.advance(60_000);
    await until(() => applied.length === 2, 'the event whose holder died, after its claim ran out');
    assert.deepEqual(applied, ['B:x2', 'B:x1']);
  });
});
