import { strict as assert } from 'assert';
import { Watermark, type WatermarkData } from '../../../nodes/core/watermark';
import type { X3Connection } from '../../../nodes/x3/connection';
import { pollOnce, type PolledRecord } from '../../../nodes/x3/poller';
import { startX3Sim, type X3Sim } from '../../../sim/x3/server';
import { connect, JWT_CREDS } from './fixtures';

function memoryStore(): {
  read: () => WatermarkData | undefined;
  write: (d: WatermarkData) => void;
  data?: WatermarkData;
} {
  const s: { data?: WatermarkData; read: () => WatermarkData | undefined; write: (d: WatermarkData) => void } = {
    read: () => s.data && JSON.parse(JSON.stringify(s.data)),
    write: (d) => {
      s.data = JSON.parse(JSON.stringify(d));
    },
  };
  return s;
}

const T0 = Date.UTC(2025, 0, 31, 10, 0, 0);

describe('x3 poller (watermark, same-second records, paging) against the simulator', () => {
  let sim: X3Sim;
  let conn: X3Connection;
  let t = T0;
  beforeEach(async () => {
    t = T0;
    sim = await startX3Sim({ port: 0, host: '127.0.0.1', now: () => t, records: { customer: 3, product: 3 } });
  });
  afterEach(async () => {
    await conn?.close();
    await sim.close();
  });

  const addDeliveries = (n: number): string[] => {
    const customer = String(sim.store.list('customer')[0].values.BPCNUM);
    const keys: string[] = [];
    for (let i = 0; i < n; i++) {
      const { record } = sim.store.insert('salesDelivery', { STOFCY: 'NA011', BPCORD: customer }, { via: 'sim' });
      keys.push(record.key);
    }
    return keys;
  };

  for (const api of ['graphql', 'rest'] as const) {
    it(`${api}: records of the watermark's second are neither lost nor duplicated, across pages and polls`, async () => {
      conn = connect(sim, { api }, JWT_CREDS, { now: () => t });
      const def = conn.entity('salesDelivery');
      const client = conn.clientFor(def, 'read');
      const store = memoryStore();
      const watermark = new Watermark({ store, overlapMs: 120_000, initial: 'all', now: () => t });
      const emitted: PolledRecord[] = [];
      const poll = (): ReturnType<typeof pollOnce> =>
        pollOnce({ client, def, watermark, pageSize: 2, emit: (r) => void emitted.push(...r) });

      const first = addDeliveries(5); // all stamped 10:00:00
      let res = await poll();
      assert.deepEqual(
        emitted.map((e) => e.key),
        first,
      );
      assert.equal(res.count, 5);
      assert.equal(res.pages, 3);
      assert.equal(store.data?.position, '2025-01-31T10:00:00.000Z');

      // more records in the very same second as the watermark
      const same = addDeliveries(3);
      emitted.length = 0;
      res = await poll();
      assert.deepEqual(
        emitted.map((e) => e.key),
        same,
        'only the new ones of that second',
      );
      assert.equal(res.read, 8, 'the overlap re-read the earlier ones');

      // a minute later: one old record edited, one new record; the overlap re-reads 10:00:00 again
      t += 60_000;
      sim.store.touch('salesDelivery', [first[1]], { BOLNUM: 'B-1' });
      const later = addDeliveries(1);
      emitted.length = 0;
      await poll();
      assert.deepEqual(
        emitted.map((e) => [e.key, e.updatedAt]),
        [
          [first[1], '2025-01-31T10:01:00Z'],
          [later[0], '2025-01-31T10:01:00Z'],
        ],
      );
      assert.equal(emitted[0].record.BOLNUM, 'B-1');

      // nothing new: nothing emitted
      emitted.length = 0;
      res = await poll();
      assert.equal(emitted.length, 0);
      assert.equal(res.count, 0);
    });
  }

  for (const api of ['graphql', 'rest'] as const) {
    it(`${api}: a record changed again within the second it was read in is emitted again (X3 stamps have whole seconds)`, async () => {
      conn = connect(sim, { api }, JWT_CREDS, { now: () => t });
      const def = conn.entity('salesDelivery');
      const client = conn.clientFor(def, 'read');
      const watermark = new Watermark({ store: memoryStore(), overlapMs: 120_000, initial: 'all', now: () => t });
      const emitted: PolledRecord[] = [];
      const poll = (): ReturnType<typeof pollOnce> =>
        pollOnce({ client, def, watermark, pageSize: 2, emit: (r) => void emitted.push(...r) });
      const [key] = addDeliveries(1);
      await poll();
      assert.deepEqual(
        emitted.map((e) => e.key),
        [key],
      );
      // the same second (t unchanged): an X3 user sets the BOL number; UPDDATTIM stays the same
      sim.store.touch('salesDelivery', [key], { BOLNUM: 'SAME-SECOND' });
      emitted.length = 0;
      await poll();
      assert.deepEqual(
        emitted.map((e) => [e.key, e.updatedAt, e.record.BOLNUM]),
        [[key, '2025-01-31T10:00:00Z', 'SAME-SECOND']],
        'the second version of that second comes out',
      );
      emitted.length = 0;
      await poll();
      assert.equal(emitted.length, 0, 'and only once');
    });
  }

  it('initial "now" is X3\'s now: an X3 clock far behind this host loses no change made after the start', async () => {
    conn = connect(sim, {}, JWT_CREDS, { now: () => t });
    const def = conn.entity('salesDelivery');
    const client = conn.clientFor(def, 'read');
    const before = addDeliveries(2); // X3 time 10:00:00
    t += 1000;
    const hostNow = t + 3_600_000; // this host's clock is an hour ahead of X3's
    const store = memoryStore();
    const watermark = new Watermark({ store, overlapMs: 120_000, initial: 'source', now: () => hostNow });
    const out: string[] = [];
    const poll = (): ReturnType<typeof pollOnce> =>
      pollOnce({ client, def, watermark, pageSize: 10, emit: (r) => void out.push(...r.map((x) => x.key)) });
    await poll();
    assert.deepEqual(out, [], 'what X3 held at the start is not emitted');
    assert.equal(store.data?.position, '2025-01-31T10:00:00.000Z', "the start is X3's newest stamp");
    const after = addDeliveries(1); // X3 time 10:00:01, an hour before this host's "now"
    sim.store.touch('salesDelivery', [before[0]], { BOLNUM: 'CHANGED' });
    await poll();
    assert.deepEqual(out.sort(), [before[0], after[0]].sort());

    // an entity without any record yet: everything that appears is new
    const empty = new Watermark({ store: memoryStore(), overlapMs: 0, initial: 'source', now: () => hostNow });
    const none: string[] = [];
    await pollOnce({
      client,
      def,
      watermark: empty,
      pageSize: 10,
      filter: "{id: {_eq: 'NO-SUCH-DELIVERY'}}",
      emit: (r) => void none.push(...r.map((x) => x.key)),
    });
    assert.equal(empty.awaitingStart(), false);
    assert.equal(empty.current(), undefined, 'from the beginning');
  });

  it('a reset asked for while the first poll asks X3 where "now" is wins: records made meanwhile are emitted', async () => {
    conn = connect(sim, {}, JWT_CREDS, { now: () => t });
    const def = conn.entity('salesDelivery');
    const real = conn.clientFor(def, 'read');
    addDeliveries(1); // made before the start
    t += 60_000;
    const watermark = new Watermark({ store: memoryStore(), overlapMs: 0, initial: 'source', now: () => t });
    let made: string[] = [];
    // x3-poll's "Catch up at start" (a reset to 24 h back) arrives while the start query is in
    // flight, and the documents a user enters meanwhile are in that query's answer
    const client = Object.create(real) as typeof real;
    client.queryPages = (d, query) => {
      if (query.newestFirst && made.length === 0) {
        watermark.reset(new Date(t - 86_400_000).toISOString());
        made = addDeliveries(2);
      }
      return real.queryPages(d, query);
    };
    const out: string[] = [];
    await pollOnce({ client, def, watermark, pageSize: 10, emit: (r) => void out.push(...r.map((x) => x.key)) });
    assert.equal(made.length, 2);
    for (const key of made) assert.ok(out.includes(key), `${key} emitted (got ${out.join(', ')})`);
  });

  it('a signal stops the poll at once: no further page is read, nothing more is emitted or committed', async () => {
    conn = connect(sim, {}, JWT_CREDS, { now: () => t });
    const def = conn.entity('salesDelivery');
    const client = conn.clientFor(def, 'read');
    for (let i = 0; i < 5; i++) {
      addDeliveries(2);
      t += 1000;
    }
    const store = memoryStore();
    let writes = 0;
    const counted = { read: store.read, write: (d: WatermarkData) => ((writes += 1), store.write(d)) };
    const watermark = new Watermark({ store: counted, overlapMs: 0, initial: 'all', now: () => t });
    const aborter = new AbortController();
    const sent: string[] = [];
    const requestsBefore = sim.logs.requests.length;
    await assert.rejects(
      pollOnce({
        client,
        def,
        watermark,
        pageSize: 2,
        signal: aborter.signal,
        emit: (recs) => {
          sent.push(...recs.map((r) => r.key));
          aborter.abort(); // the node closes while the first page goes out
        },
      }),
      (err: unknown) => (err as { code?: string }).code === 'CANCELED',
    );
    assert.equal(sent.length, 2, 'one page');
    assert.equal(writes, 0, 'the watermark was not written after the close');
    assert.equal(sim.logs.requests.length - requestsBefore, 1, 'no second page was read');
  });

  it('advances the watermark only after a page was sent; a failed emit re-sends that page, not the others', async () => {
    conn = connect(sim, {}, JWT_CREDS, { now: () => t });
    const def = conn.entity('salesDelivery');
    const client = conn.clientFor(def, 'read');
    const store = memoryStore();
    const watermark = new Watermark({ store, overlapMs: 0, initial: 'all', now: () => t });
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      keys.push(...addDeliveries(2));
      t += 1000;
    }
    const sent: string[] = [];
    let calls = 0;
    await assert.rejects(
      pollOnce({
        client,
        def,
        watermark,
        pageSize: 2,
        emit: (recs) => {
          calls += 1;
          if (calls === 2) throw new Error('downstream failed');
          sent.push(...recs.map((r) => r.key));
        },
      }),
      /downstream failed/,
    );
    assert.deepEqual(sent, keys.slice(0, 2));
    assert.equal(store.data?.position, '2025-01-31T10:00:00.000Z', 'only the first page committed');
    const again = new Watermark({ store, overlapMs: 0, initial: 'all', now: () => t });
    await pollOnce({
      client,
      def,
      watermark: again,
      pageSize: 2,
      emit: (recs) => void sent.push(...recs.map((r) => r.key)),
    });
    assert.deepEqual(sent, keys);
  });

  it('starts from now, a date or everything', async () => {
    conn = connect(sim, {}, JWT_CREDS, { now: () => t });
    const def = conn.entity('salesDelivery');
    const client = conn.clientFor(def, 'read');
    const old = addDeliveries(2);
    t += 3_600_000;
    const recent = addDeliveries(1);
    const run = async (initial: string): Promise<string[]> => {
      const out: string[] = [];
      const wm = new Watermark({ store: memoryStore(), overlapMs: 0, initial, now: () => t });
      await pollOnce({ client, def, watermark: wm, pageSize: 10, emit: (r) => void out.push(...r.map((x) => x.key)) });
      return out;
    };
    assert.deepEqual(await run('all'), [...old, ...recent]);
    assert.deepEqual(await run('2025-01-31T10:30:00Z'), recent);
    t += 1000;
    assert.deepEqual(await run('now'), []);
  });

  it('fails clearly when records come without the update stamp', async () => {
    conn = connect(sim, { entities: JSON.stringify({ salesDelivery: { stamp: 'ZSTAMP' } }), api: 'rest' }, JWT_CREDS, {
      now: () => t,
    });
    addDeliveries(1);
    const def = conn.entity('salesDelivery');
    await assert.rejects(
      pollOnce({
        client: conn.clientFor(def, 'read'),
        def,
        watermark: new Watermark({ store: memoryStore(), overlapMs: 0, initial: 'all' }),
        pageSize: 5,
        emit: () => undefined,
      }),
      /ZSTAMP|where/,
    );
  });
});
