import { strict as assert } from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { LeaderLease } from '../../../nodes/core/leader-lease';
import { SharedPollState } from '../../../nodes/core/shared-poll-state';
import { Watermark } from '../../../nodes/core/watermark';
import { openPgStore } from '../../../nodes/audit/pg-store';
import { openSqliteStore } from '../../../nodes/audit/sqlite-store';
import type { AuditStore } from '../../../nodes/audit/types';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster } from '../../support/pg-cluster';
import { manualClock } from '../audit/store-contract';

type Open = (now: () => number) => Promise<[AuditStore, AuditStore]>;

function electionSuite(name: string, open: Open, skip: () => Promise<string | undefined>): void {
  describe(`leader election and the shared watermark on ${name}`, function () {
    let stores: AuditStore[] = [];
    let clock: ReturnType<typeof manualClock>;
    let a: AuditStore;
    let b: AuditStore;
    before(async function () {
      this.timeout(180_000);
      const why = await skip();
      if (why) {
        console.log(`      ${why}`);
        this.skip();
      }
    });
    beforeEach(async () => {
      clock = manualClock();
      [a, b] = await open(clock.now);
      stores = [a, b];
    });
    afterEach(async () => {
      for (const s of stores) await s.close();
    });

    const lease = (store: AuditStore, owner: string, changes: boolean[] = []): LeaderLease =>
      new LeaderLease({ store, name: 'x3-poll:n1', owner, leaseMs: 30_000, onChange: (l) => changes.push(l) });

    it('one instance polls, the other stands by; after the leader dies a standby takes over within the lease and continues from its watermark; the dead leader cannot write', async () => {
      const changesA: boolean[] = [];
      const changesB: boolean[] = [];
      const la = lease(a, 'A', changesA);
      const lb = lease(b, 'B', changesB);
      assert.ok(await la.check());
      assert.equal(await lb.check(), undefined);
      assert.deepEqual([changesA, changesB], [[true], [false]]);

      // A polls: its watermark goes to the store, fenced
      const stateA = new SharedPollState(a, 'x3-poll:n1', 'scope');
      const loadedA = await stateA.load(la.fence() as NonNullable<ReturnType<LeaderLease['fence']>>);
      const wmA = new Watermark({ store: loadedA.store, overlapMs: 0, initial: 'all' });
      wmA.accept('SDH1', '2025-03-01T11:00:00Z');
      wmA.commit();
      await stateA.settle();

      // A stops renewing (killed); 10 s into the lease B is still standby, at expiry it leads
      clock.advance(10_000);
      assert.equal(await lb.check(), undefined);
      clock.advance(20_000);
      const grantB = await lb.check();
      assert.equal(grantB?.epoch, 2);
      assert.deepEqual(changesB, [false, true]);

      const stateB = new SharedPollState(b, 'x3-poll:n1', 'scope');
      const loadedB = await stateB.load(lb.fence() as NonNullable<ReturnType<LeaderLease['fence']>>);
      assert.equal(loadedB.data?.position, '2025-03-01T11:00:00.000Z', 'continues where A committed');
      assert.equal(
        loadedB.catchUpFrom,
        '2025-03-01T10:50:00.000Z',
        'after a takeover it reads again what A may have sent but not finished',
      );
      assert.equal(loadedA.catchUpFrom, undefined, 'nothing to catch up on a first start');
      const wmB = new Watermark({ store: loadedB.store, overlapMs: 0, initial: 'all' });
      assert.equal(wmB.isNew('SDH1', '2025-03-01T11:00:00Z'), false, 'nothing emitted twice');

      // A wakes up and commits a page it had in hand: refused, and it learns it lost the lease
      wmA.accept('SDH2', '2025-03-01T11:05:00Z');
      wmA.commit();
      await assert.rejects(stateA.settle(), (err: Error & { code?: string }) => err.code === 'LEASE_LOST');
      assert.equal(await la.check(), undefined);
      assert.deepEqual(changesA, [true, false]);
      const stored = (await b.readState('x3-poll:n1:watermark')) as { data: { position: string } };
      assert.equal(stored.data.position, '2025-03-01T11:00:00.000Z');
    });

    it('a msg on a standby is forwarded: the holder takes each request once, with its reset', async () => {
      const la = lease(a, 'A');
      const lb = lease(b, 'B');
      assert.ok(await la.check());
      assert.equal(await lb.check(), undefined);
      const onA = new SharedPollState(a, 'x3-poll:n1', 'scope');
      const onB = new SharedPollState(b, 'x3-poll:n1', 'scope');
      const fence = la.fence() as NonNullable<ReturnType<LeaderLease['fence']>>;
      assert.equal(await onA.takeRequest(fence), undefined);
      await onB.forward({ reset: 'all' });
      assert.equal((await onA.takeRequest(fence))?.reset, 'all');
      assert.equal(await onA.takeRequest(fence), undefined, 'handled once');
      await onB.forward({});
      assert.ok(await onA.takeRequest(fence));
    });

    it('a leader that closes releases the lease: the standby takes over at its next check, not after expiry', async () => {
      const la = lease(a, 'A');
      const lb = lease(b, 'B');
      assert.ok(await la.check());
      assert.equal(await lb.check(), undefined);
      await la.close();
      assert.equal((await lb.check())?.owner, 'B');
      assert.equal(await la.check(), undefined, 'a closed lease takes nothing');
    });
  });
}

let dir: string | undefined;
electionSuite(
  'SQLite (two connections to one file)',
  async (now) => {
    dir = mkdtempSync(join(tmpdir(), 'sx3s-lease-'));
    const path = join(dir, 'a.db');
    return [openSqliteStore({ path, now }), openSqliteStore({ path, now })];
  },
  async () => undefined,
);
after(() => dir && rmSync(dir, { recursive: true, force: true }));

electionSuite(
  'PostgreSQL (two pools on one schema)',
  async (now) => {
    const cluster = await sharedPgCluster();
    const schema = isolatedSchema('lease');
    const url = (cluster as NonNullable<typeof cluster>).url;
    const one = openPgStore({ connection: url, schema, now, poolSize: 2 });
    await one.ready();
    const two = openPgStore({ connection: url, schema, now, poolSize: 2 });
    return [one, two];
  },
  async () => ((await sharedPgCluster()) ? undefined : PG_SKIP_MESSAGE),
);
