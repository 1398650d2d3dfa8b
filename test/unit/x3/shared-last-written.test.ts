import { strict as assert } from 'assert';
import { openPgStore, type PgAuditStore } from '../../../nodes/audit/pg-store';
import { decideWriteBack, lastWrittenId, sharedLastWrittenStore } from '../../../nodes/x3/write-back';
import { PG_SKIP_MESSAGE, isolatedSchema, sharedPgCluster, type PgCluster } from '../../support/pg-cluster';
import { manualClock } from '../audit/store-contract';

describe("x3-update's last-written values shared by the instances", function () {
  let cluster: PgCluster | undefined;
  const stores: PgAuditStore[] = [];
  before(async function () {
    this.timeout(180_000);
    cluster = await sharedPgCluster();
    if (!cluster) {
      console.log(`      ${PG_SKIP_MESSAGE}`);
      this.skip();
    }
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it("what one instance wrote back is the other's own value (appended to, not a conflict), and goes with the retention", async () => {
    const clock = manualClock();
    const schema = isolatedSchema('lw');
    const open = (): PgAuditStore => {
      const s = openPgStore({ connection: (cluster as PgCluster).url, schema, now: clock.now, poolSize: 2 });
      stores.push(s);
      return s;
    };
    const [a, b] = [open(), open()];
    const id = lastWrittenId('SEED', 'SDELIVERY', 'SDH001', 'YTRACKNUM');
    await sharedLastWrittenStore(a, 'upd1').set(id, '794600000001');
    const own = await sharedLastWrittenStore(b, 'upd1').get(id);
    assert.equal(own, '794600000001');
    // instance B appends the second package's number to what A wrote
    const decision = decideWriteBack({
      entity: 'SDELIVERY',
      key: 'SDH001',
      field: 'YTRACKNUM',
      current: '794600000001',
      desired: '794600000002',
      lastWritten: own,
      mode: 'append',
      separator: ',',
    });
    assert.deepEqual(decision, { action: 'write', value: '794600000001,794600000002' });
    assert.equal(await sharedLastWrittenStore(b, 'other-node').get(id), undefined, 'per node');
    clock.advance(100 * 86_400_000);
    await b.purgeBefore(new Date(clock.now() - 90 * 86_400_000).toISOString());
    assert.equal(await sharedLastWrittenStore(a, 'upd1').get(id), undefined);
  });
});
