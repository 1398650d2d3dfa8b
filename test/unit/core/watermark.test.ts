import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stateFile } from '../../../nodes/core/state-file';
import { Watermark, type WatermarkData, type WatermarkStore } from '../../../nodes/core/watermark';

class MemoryStore implements WatermarkStore {
  data?: WatermarkData;
  writes = 0;
  read(): WatermarkData | undefined {
    return this.data === undefined ? undefined : structuredClone(this.data);
  }
  write(data: WatermarkData): void {
    this.writes += 1;
    this.data = structuredClone(data);
  }
}

interface Row {
  key: string;
  /** second-precision stamp, as X3 and ShipStation V1 give them */
  stamp: string;
}

/** A source whose query is "stamp >= since" (or everything). */
class Source {
  rows: Row[] = [];
  add(key: string, stamp: string): void {
    this.rows = this.rows.filter((r) => r.key !== key);
    this.rows.push({ key, stamp });
  }
  query(since: string | undefined): Row[] {
    if (since === undefined) return [...this.rows];
    const from = Date.parse(since);
    return this.rows.filter((r) => Date.parse(r.stamp) >= from);
  }
}

/** One poll as x3-poll / shipstation-fetch do it; returns the keys emitted. */
function poll(wm: Watermark, source: Source): string[] {
  const out: string[] = [];
  for (const row of source.query(wm.since())) {
    if (!wm.isNew(row.key, row.stamp)) continue;
    out.push(row.key);
    wm.accept(row.key, row.stamp);
  }
  wm.commit();
  return out;
}

const T = (s: string): string => `2026-03-01T10:${s}Z`;

describe('core/watermark', () => {
  it('asks for records from position - overlap', () => {
    const store = new MemoryStore();
    const wm = new Watermark({ store, overlapMs: 60_000, initial: '2026-03-01T10:00:00Z' });
    assert.equal(wm.current(), '2026-03-01T10:00:00.000Z');
    assert.equal(wm.since(), '2026-03-01T09:59:00.000Z');
  });

  it('initial "all" reads everything; "now" starts at the clock; a date starts there', () => {
    const all = new Watermark({ store: new MemoryStore(), overlapMs: 1000, initial: 'all' });
    assert.equal(all.since(), undefined);
    assert.equal(all.current(), undefined);
    const empty = new Watermark({ store: new MemoryStore(), overlapMs: 1000, initial: '' });
    assert.equal(empty.since(), undefined);
    const now = new Watermark({
      store: new MemoryStore(),
      overlapMs: 1000,
      initial: 'now',
      now: () => Date.parse('2026-03-01T12:00:00Z'),
    });
    assert.equal(now.current(), '2026-03-01T12:00:00.000Z');
    assert.equal(now.since(), '2026-03-01T11:59:59.000Z');
    const date = new Watermark({ store: new MemoryStore(), overlapMs: 0, initial: '2026-02-01T08:00:00-08:00' });
    assert.equal(date.current(), '2026-02-01T16:00:00.000Z');
    assert.throws(
      () => new Watermark({ store: new MemoryStore(), overlapMs: 0, initial: 'last tuesday' }),
      /not a date-time/,
    );
  });

  it('the stored position wins over the initial setting', () => {
    const store = new MemoryStore();
    store.data = { position: '2026-03-01T10:00:00.000Z', seen: [] };
    const wm = new Watermark({ store, overlapMs: 0, initial: 'all' });
    assert.equal(wm.current(), '2026-03-01T10:00:00.000Z');
  });

  it('emits everything once, then only what is new', () => {
    const source = new Source();
    source.add('A', T('00:01'));
    source.add('B', T('00:02'));
    const wm = new Watermark({ store: new MemoryStore(), overlapMs: 30_000, initial: 'all' });
    assert.deepEqual(poll(wm, source), ['A', 'B']);
    assert.equal(wm.current(), '2026-03-01T10:00:02.000Z');
    assert.deepEqual(poll(wm, source), []);
    source.add('C', T('00:10'));
    assert.deepEqual(poll(wm, source), ['C']);
    assert.deepEqual(poll(wm, source), []);
  });

  for (const overlapMs of [0, 5_000]) {
    it(`records sharing one second with the watermark are neither lost nor duplicated (overlap ${overlapMs} ms)`, () => {
      const source = new Source();
      const wm = new Watermark({ store: new MemoryStore(), overlapMs, initial: T('00:00') });
      source.add('A', T('00:05'));
      source.add('B', T('00:05'));
      assert.deepEqual(poll(wm, source), ['A', 'B']);
      assert.equal(wm.current(), '2026-03-01T10:00:05.000Z');
      // C committed late inside the same second as the watermark.
      source.add('C', T('00:05'));
      assert.deepEqual(poll(wm, source), ['C']);
      // D in the same second again, E a second later.
      source.add('D', T('00:05'));
      source.add('E', T('00:06'));
      assert.deepEqual(poll(wm, source), ['D', 'E']);
      for (let i = 0; i < 3; i++) assert.deepEqual(poll(wm, source), []);
    });
  }

  it('a late record stamped inside the overlap window is still emitted, once', () => {
    const source = new Source();
    const wm = new Watermark({ store: new MemoryStore(), overlapMs: 60_000, initial: T('00:00') });
    source.add('A', T('05:00'));
    assert.deepEqual(poll(wm, source), ['A']);
    source.add('LATE', T('04:30')); // committed after A but stamped 30 s earlier
    assert.deepEqual(poll(wm, source), ['LATE']);
    assert.deepEqual(poll(wm, source), []);
  });

  it('a record changed again (newer stamp) is emitted again', () => {
    const source = new Source();
    const wm = new Watermark({ store: new MemoryStore(), overlapMs: 10_000, initial: 'all' });
    source.add('A', T('00:01'));
    assert.deepEqual(poll(wm, source), ['A']);
    source.add('A', T('00:03'));
    assert.deepEqual(poll(wm, source), ['A']);
    assert.deepEqual(poll(wm, source), []);
  });

  it('a record changed again within the same second (same stamp, another version) is emitted again; a re-read is not', () => {
    const wm = new Watermark({ store: new MemoryStore(), overlapMs: 10_000, initial: 'all' });
    assert.equal(wm.isNew('A', T('00:01'), 'v1'), true);
    wm.accept('A', T('00:01'), 'v1');
    wm.commit();
    assert.equal(wm.isNew('A', T('00:01'), 'v1'), false, 'the overlap re-reads the same version');
    assert.equal(wm.isNew('A', T('00:01'), 'v2'), true, 'changed again in the same second');
    wm.accept('A', T('00:01'), 'v2');
    wm.commit();
    assert.equal(wm.isNew('A', T('00:01'), 'v2'), false);
    assert.equal(wm.isNew('A', T('00:00'), 'v0'), false, 'an older stamp is never new');
    // the version survives a restart
    const store = new MemoryStore();
    const first = new Watermark({ store, overlapMs: 10_000, initial: 'all' });
    first.accept('A', T('00:01'), 'v1');
    first.commit();
    const second = new Watermark({ store, overlapMs: 10_000, initial: 'all' });
    assert.equal(second.isNew('A', T('00:01'), 'v1'), false);
    assert.equal(second.isNew('A', T('00:01'), 'v2'), true);
  });

  it('initial "source" waits for the poller to settle "now" from the polled system, across restarts', () => {
    const store = new MemoryStore();
    const wm = new Watermark({ store, overlapMs: 60_000, initial: 'source', now: () => Date.parse(T('30:00')) });
    assert.equal(wm.awaitingStart(), true);
    assert.equal(wm.current(), undefined, 'not this host clock');
    wm.commit();
    assert.equal(new Watermark({ store, overlapMs: 60_000, initial: 'source' }).awaitingStart(), true);
    // the source's newest stamp, and the version read with it, which existed before the start
    wm.startAt(T('05:00'), [{ key: 'OLD', stamp: T('05:00'), version: 'v1' }]);
    assert.equal(wm.awaitingStart(), false);
    assert.equal(wm.current(), '2026-03-01T10:05:00.000Z');
    assert.equal(wm.since(), '2026-03-01T10:04:00.000Z');
    assert.equal(wm.isNew('OLD', T('05:00'), 'v1'), false);
    assert.equal(wm.isNew('OLD', T('05:00'), 'v2'), true);
    const again = new Watermark({ store, overlapMs: 60_000, initial: 'source' });
    assert.equal(again.awaitingStart(), false);
    assert.equal(again.current(), '2026-03-01T10:05:00.000Z');
    // a source holding nothing yet: everything that appears is new
    const empty = new Watermark({ store: new MemoryStore(), overlapMs: 0, initial: 'source' });
    empty.startAt(undefined);
    assert.equal(empty.since(), undefined);
    assert.equal(empty.awaitingStart(), false);
    // msg.reset = 'source' asks again
    again.reset('source');
    assert.equal(again.awaitingStart(), true);
    assert.equal(store.data?.awaitingStart, true);
  });

  it('does not advance or remember anything that was not accepted', () => {
    const store = new MemoryStore();
    const source = new Source();
    source.add('A', T('00:01'));
    const wm = new Watermark({ store, overlapMs: 0, initial: 'all' });
    for (const row of source.query(wm.since())) assert.equal(wm.isNew(row.key, row.stamp), true);
    wm.commit(); // e.g. the send failed: nothing accepted
    assert.equal(wm.current(), undefined);
    assert.deepEqual(poll(wm, source), ['A']);
  });

  it('position and seen set survive a new Watermark instance on the same store', () => {
    const store = new MemoryStore();
    const source = new Source();
    const first = new Watermark({ store, overlapMs: 10_000, initial: T('00:00') });
    source.add('A', T('00:05'));
    source.add('B', T('00:05'));
    assert.deepEqual(poll(first, source), ['A', 'B']);
    // Node-RED restarts: a new instance reads the store; the 'initial' setting no longer applies.
    const second = new Watermark({ store, overlapMs: 10_000, initial: 'all' });
    assert.equal(second.current(), '2026-03-01T10:00:05.000Z');
    assert.equal(second.seenCount(), 2);
    source.add('C', T('00:05'));
    assert.deepEqual(poll(second, source), ['C']);
  });

  it('a poll that finds nothing new does not write the store again; a change, a prune or a reset does', () => {
    const store = new MemoryStore();
    const source = new Source();
    source.add('A', T('00:05'));
    const wm = new Watermark({ store, overlapMs: 10_000, initial: 'all' });
    assert.deepEqual(poll(wm, source), ['A']);
    assert.equal(store.writes, 1);
    // idle polls: the same record re-read inside the overlap, nothing accepted
    assert.deepEqual(poll(wm, source), []);
    assert.deepEqual(poll(wm, source), []);
    assert.equal(store.writes, 1);
    // a new instance on the stored state is clean too
    const restarted = new Watermark({ store, overlapMs: 10_000, initial: 'all' });
    assert.deepEqual(poll(restarted, source), []);
    assert.equal(store.writes, 1);
    // a new record moves the position: written
    source.add('B', T('00:20'));
    assert.deepEqual(poll(restarted, source), ['B']);
    assert.equal(store.writes, 2);
    assert.deepEqual(
      store.data?.seen.map(([k]) => k),
      // A (00:05) is now below position - overlap (00:10): pruned
      ['B'],
    );
    // the same stamp with another version: a change, written
    assert.equal(restarted.isNew('B', T('00:20'), 'v2'), false); // no version remembered for B
    restarted.accept('B', T('00:20'), 'v2');
    restarted.commit();
    assert.equal(store.writes, 3);
    restarted.reset('all');
    assert.equal(store.writes, 4);
    assert.equal(store.data?.position, undefined);
  });

  it('works with an atomic state file as the store', () => {
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'x3ship-wm-'));
    try {
      const store = stateFile<WatermarkData>(userDir, 'watermark', 'poll1');
      const source = new Source();
      source.add('SDH-1', '2026-03-01T10:00:05Z');
      assert.deepEqual(poll(new Watermark({ store, overlapMs: 5000, initial: 'all' }), source), ['SDH-1']);
      assert.deepEqual(store.read(), {
        position: '2026-03-01T10:00:05.000Z',
        seen: [['SDH-1', Date.parse('2026-03-01T10:00:05Z')]],
      });
      source.add('SDH-2', '2026-03-01T10:00:05Z');
      assert.deepEqual(poll(new Watermark({ store, overlapMs: 5000, initial: 'all' }), source), ['SDH-2']);
    } finally {
      fs.rmSync(userDir, { recursive: true, force: true });
    }
  });

  it('prunes the seen set below position - overlap, so memory stays bounded', () => {
    const store = new MemoryStore();
    const source = new Source();
    const wm = new Watermark({ store, overlapMs: 10_000, initial: 'all' });
    const start = Date.parse('2026-03-01T10:00:00Z');
    let emitted = 0;
    let maxSeen = 0;
    for (let s = 0; s < 2000; s++) {
      // three new records per second, polled every second
      for (let k = 0; k < 3; k++) source.add(`R${s}-${k}`, new Date(start + s * 1000).toISOString());
      emitted += poll(wm, source).length;
      maxSeen = Math.max(maxSeen, wm.seenCount());
      source.rows = source.rows.filter((r) => Date.parse(r.stamp) >= start + (s - 60) * 1000); // keep the source small
    }
    assert.equal(emitted, 6000, 'every record once');
    // Only the records of the last 10 s (11 stamps x 3) are remembered.
    assert.ok(maxSeen <= 33, `seen set grew to ${maxSeen}`);
    assert.ok(store.data && store.data.seen.length <= 33);
    const floor = Date.parse(wm.current() as string) - 10_000;
    assert.ok(store.data.seen.every(([, stamp]) => stamp >= floor));
  });

  it('a commit that changes nothing (an overlap page of records already seen) writes nothing; any change is written', () => {
    const store = new MemoryStore();
    const source = new Source();
    source.add('A', T('00:01'));
    source.add('B', T('00:02'));
    const wm = new Watermark({ store, overlapMs: 60_000, initial: 'all' });
    assert.deepEqual(poll(wm, source), ['A', 'B']);
    const writes = store.writes;
    for (let i = 0; i < 5; i++) assert.deepEqual(poll(wm, source), [], 'the overlap re-reads A and B');
    assert.equal(store.writes, writes, 'nothing rewritten for re-reads');
    // a restart on the stored state: still nothing to write
    const again = new Watermark({ store, overlapMs: 60_000, initial: 'all' });
    assert.deepEqual(poll(again, source), []);
    assert.equal(store.writes, writes);
    // a version given for the same stamp, a newer record, records leaving the window: written
    again.accept('B', T('00:02'), 'v2');
    again.commit();
    assert.equal(store.writes, writes + 1);
    assert.deepEqual(store.data?.seen, [
      ['A', Date.parse(T('00:01'))],
      ['B', Date.parse(T('00:02')), 'v2'],
    ]);
    source.add('C', T('01:30'));
    assert.deepEqual(poll(again, source), ['C']);
    assert.equal(store.writes, writes + 2);
    assert.deepEqual(
      store.data?.seen.map(([key]) => key),
      ['C'],
      'A and B fell out of the window',
    );
    // a fresh watermark persists its start once
    const fresh = new MemoryStore();
    const first = new Watermark({ store: fresh, overlapMs: 0, initial: 'source' });
    first.commit();
    first.commit();
    assert.equal(fresh.writes, 1);
    assert.equal(fresh.data?.awaitingStart, true);
  });

  it('pages committed one by one: an older record on a later page is still emitted', () => {
    const wm = new Watermark({ store: new MemoryStore(), overlapMs: 5_000, initial: 'all' });
    // Page 1 of a source sorted newest first, committed before page 2 is read.
    assert.equal(wm.isNew('NEW', T('05:00')), true);
    wm.accept('NEW', T('05:00'));
    wm.commit();
    // Page 2 holds an older record, far below position - overlap: it was never emitted.
    assert.equal(wm.isNew('OLDER', T('00:00')), true);
  });

  it('reset() starts over from a new initial position and persists it', () => {
    const store = new MemoryStore();
    const source = new Source();
    source.add('A', T('00:01'));
    const wm = new Watermark({ store, overlapMs: 0, initial: 'all' });
    assert.deepEqual(poll(wm, source), ['A']);
    wm.reset('all');
    assert.equal(wm.current(), undefined);
    assert.equal(wm.seenCount(), 0);
    assert.deepEqual(store.data, { position: undefined, seen: [] });
    assert.deepEqual(poll(wm, source), ['A']);
    wm.reset('2026-03-01T11:00:00Z');
    assert.equal(store.data?.position, '2026-03-01T11:00:00.000Z');
    assert.deepEqual(poll(wm, source), []);
  });

  it('accepts stamps as epoch ms as well as text', () => {
    const wm = new Watermark({ store: new MemoryStore(), overlapMs: 0, initial: 'all' });
    const ms = Date.parse(T('00:07'));
    assert.equal(wm.isNew('A', ms), true);
    wm.accept('A', ms);
    assert.equal(wm.isNew('A', T('00:07')), false);
    wm.commit();
    assert.equal(wm.current(), '2026-03-01T10:00:07.000Z');
  });
});
