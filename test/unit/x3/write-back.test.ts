import { strict as assert } from 'assert';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ApiError } from '../../../nodes/core/errors';
import { stateFile, stateJournal } from '../../../nodes/core/state-file';
import {
  decideWriteBack,
  fileLastWrittenStore,
  LAST_WRITTEN_COMPACT_MIN,
  lastWrittenId,
  type WriteBackInput,
} from '../../../nodes/x3/write-back';

const base: WriteBackInput = {
  entity: 'salesDelivery',
  key: 'SD1',
  field: 'YTRACKNUM',
  current: '',
  desired: '111',
  mode: 'replace',
  separator: ',',
};

describe('x3 guarded write-back decision', () => {
  it('writes into an empty field', () => {
    assert.deepEqual(decideWriteBack(base), { action: 'write', value: '111' });
    assert.deepEqual(decideWriteBack({ ...base, current: null }), { action: 'write', value: '111' });
    assert.deepEqual(decideWriteBack({ ...base, current: '   ' }), { action: 'write', value: '111' });
  });

  it('overwrites the value this node wrote last', () => {
    assert.deepEqual(decideWriteBack({ ...base, current: '000', lastWritten: '000' }), {
      action: 'write',
      value: '111',
    });
  });

  it('writes nothing when X3 already holds the value (replay)', () => {
    assert.deepEqual(decideWriteBack({ ...base, current: '111' }), { action: 'none', value: '111' });
  });

  it('refuses a foreign value with X3_CONFLICT naming record, field and both values', () => {
    assert.throws(
      () => decideWriteBack({ ...base, current: 'USER-TYPED', lastWritten: '000' }),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 'X3_CONFLICT' &&
        err.status === 409 &&
        err.message ===
          'salesDelivery SD1: field YTRACKNUM holds "USER-TYPED", which this node did not write; "111" was not written and the record is unchanged',
    );
    assert.throws(() => decideWriteBack({ ...base, current: 'USER-TYPED' }), /X3_CONFLICT|did not write/);
  });

  it('appends packages of a multi-package shipment to its own value, once', () => {
    const append = { ...base, mode: 'append' as const };
    assert.deepEqual(decideWriteBack({ ...append, desired: '111' }), { action: 'write', value: '111' });
    assert.deepEqual(decideWriteBack({ ...append, current: '111', lastWritten: '111', desired: '222' }), {
      action: 'write',
      value: '111,222',
    });
    assert.deepEqual(decideWriteBack({ ...append, current: '111,222', lastWritten: '111,222', desired: '222' }), {
      action: 'none',
      value: '111,222',
    });
    assert.deepEqual(decideWriteBack({ ...append, current: '111', lastWritten: '111', desired: '222,333' }), {
      action: 'write',
      value: '111,222,333',
    });
    assert.deepEqual(
      decideWriteBack({ ...append, current: '111 | 222', lastWritten: '111 | 222', desired: '333', separator: ' | ' }),
      {
        action: 'write',
        value: '111 | 222 | 333',
      },
    );
    assert.throws(
      () => decideWriteBack({ ...append, current: 'FOREIGN', lastWritten: '111', desired: '222' }),
      /did not write/,
    );
  });
});

describe('x3 last-written store', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sx3s-x3-wb-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('survives a restart (a new store on the same file) and is removed with the node', () => {
    const id = lastWrittenId('SEED', 'salesDelivery', 'SD1', 'YTRACKNUM');
    const first = fileLastWrittenStore(stateFile(dir, 'x3-update-writeback', 'n1'));
    first.set(id, '111');
    const second = fileLastWrittenStore(stateFile(dir, 'x3-update-writeback', 'n1'));
    assert.equal(second.get(id), '111');
    assert.equal(second.get(lastWrittenId('SEED', 'salesDelivery', 'SD2', 'YTRACKNUM')), undefined);
    second.remove();
    assert.equal(fileLastWrittenStore(stateFile(dir, 'x3-update-writeback', 'n1')).get(id), undefined);
  });

  it('keeps at most maxEntries, newest first, and forgets old entries', () => {
    let t = 0;
    const store = fileLastWrittenStore(stateFile(dir, 'wb', 'n'), { maxEntries: 2, maxAgeMs: 1000, now: () => t });
    store.set('a', '1');
    t = 10;
    store.set('b', '2');
    t = 20;
    store.set('c', '3');
    assert.equal(store.get('a'), undefined);
    assert.equal(store.get('b'), '2');
    t = 1015;
    store.set('d', '4');
    assert.equal(store.get('b'), undefined, 'older than maxAgeMs');
    assert.equal(store.get('c'), '3');
    assert.equal(store.get('d'), '4');
  });

  it('appends each set to a journal and rewrites the state file only when the journal is as long as the map', () => {
    const file = stateFile<{ entries: Record<string, [string, number]> }>(dir, 'wb', 'j');
    const journal = stateJournal(file);
    const lines = (): number =>
      existsSync(journal.path) ? readFileSync(journal.path, 'utf8').split('\n').filter(Boolean).length : 0;
    const store = fileLastWrittenStore(file);
    let rewrites = 0;
    const write = file.write.bind(file);
    file.write = (v) => {
      rewrites += 1;
      write(v);
    };
    for (let i = 0; i < LAST_WRITTEN_COMPACT_MIN - 1; i++) store.set(`k${i}`, String(i));
    assert.equal(rewrites, 0, 'no whole-map rewrite per set');
    assert.equal(lines(), LAST_WRITTEN_COMPACT_MIN - 1);
    store.set('k-last', 'x');
    assert.equal(rewrites, 1);
    assert.equal(lines(), 0, 'journal emptied after the rewrite');
    assert.equal(Object.keys(file.read()?.entries ?? {}).length, LAST_WRITTEN_COMPACT_MIN);
    // with a map larger than the minimum, the journal may grow to the map's size (amortised O(1) per set)
    for (let i = 0; i < LAST_WRITTEN_COMPACT_MIN * 3; i++) store.set(`m${i}`, String(i));
    assert.ok(lines() <= LAST_WRITTEN_COMPACT_MIN * 4, `journal bounded (${lines()} lines)`);
    assert.ok(rewrites <= 3, `${rewrites} rewrites for ${LAST_WRITTEN_COMPACT_MIN * 3} sets`);
    // a restart sees state file + journal
    const restarted = fileLastWrittenStore(stateFile(dir, 'wb', 'j'));
    assert.equal(restarted.get('k0'), '0');
    assert.equal(restarted.get('k-last'), 'x');
    assert.equal(restarted.get(`m${LAST_WRITTEN_COMPACT_MIN * 3 - 1}`), String(LAST_WRITTEN_COMPACT_MIN * 3 - 1));
  });

  it('the journal wins over the state file, and a torn journal tail is dropped and compacted away', () => {
    const file = stateFile<{ entries: Record<string, [string, number]> }>(dir, 'wb', 't');
    const first = fileLastWrittenStore(file);
    first.set('a', '1');
    first.set('a', '2');
    first.set('b', '3');
    // a crash between rewriting the state file and emptying the journal: both hold the records
    file.write({ entries: { a: ['1', 0] } });
    appendFileSync(stateJournal(file).path, '["c","4",');
    const second = fileLastWrittenStore(stateFile(dir, 'wb', 't'));
    assert.equal(second.get('a'), '2');
    assert.equal(second.get('b'), '3');
    assert.equal(second.get('c'), undefined);
    assert.equal(existsSync(stateJournal(file).path), false, 'torn journal compacted into the state file');
    second.set('c', '5');
    const third = fileLastWrittenStore(stateFile(dir, 'wb', 't'));
    assert.equal(third.get('c'), '5');
    third.remove();
    assert.equal(existsSync(stateJournal(file).path), false);
    assert.equal(fileLastWrittenStore(stateFile(dir, 'wb', 't')).get('a'), undefined);
  });
});
