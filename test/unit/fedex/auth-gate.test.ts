import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import { createRateLimiter } from '../../../nodes/core/limiter';
import { stateFile } from '../../../nodes/core/state-file';
import {
  AuthGate,
  DEFAULT_TOKEN_RATE,
  LockoutRegistry,
  acquireAuthGate,
  fileLockoutStore,
  releaseAuthGate,
  type LockoutStore,
} from '../../../nodes/fedex/auth-gate';

const TEN_MIN = 10 * 60_000;

describe('fedex/auth-gate lockout registry', () => {
  let t = 0;
  const now = (): number => t;
  let dir = '';
  beforeEach(() => {
    t = Date.UTC(2026, 0, 5, 12);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fx-gate-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a lockout outlives the last client of its host: a new gate starts shut until the end (simulated time)', () => {
    const registry = new LockoutRegistry();
    const first = acquireAuthGate('https://apis-sandbox.fedex.com', { now, registry });
    const start = t;
    first.lockUntil(start + TEN_MIN);
    releaseAuthGate(first); // a redeploy closes every client of the host

    t = start + 60_000;
    const second = acquireAuthGate('https://apis-sandbox.fedex.com/', { now, registry });
    try {
      assert.notEqual(second, first, 'the old gate was disposed');
      assert.equal(second.lockedUntil, start + TEN_MIN);
      t = start + TEN_MIN - 1;
      assert.equal(second.lockedUntil, start + TEN_MIN);
      t = start + TEN_MIN;
      assert.equal(second.lockedUntil, undefined, 'open once the lockout is over');
    } finally {
      releaseAuthGate(second);
    }
    // another host is not held back
    const other = acquireAuthGate('https://apis.fedex.com', { now, registry });
    t = start + 1;
    assert.equal(other.lockedUntil, undefined);
    releaseAuthGate(other);
  });

  it('a restart within the lockout honours it: the end is read back from the state file', () => {
    const file = stateFile<Record<string, number>>(dir, 'fedex', 'lockouts');
    const before = new LockoutRegistry();
    before.useStore(fileLockoutStore(file));
    const gate = acquireAuthGate('https://apis.fedex.com', { now, registry: before });
    gate.lockUntil(t + TEN_MIN);
    releaseAuthGate(gate);
    assert.deepEqual(file.read(), { 'https://apis.fedex.com': t + TEN_MIN });

    // a new process: a fresh registry reading the same file
    const after = new LockoutRegistry();
    after.useStore(fileLockoutStore(file));
    t += 5 * 60_000;
    const again = acquireAuthGate('https://apis.fedex.com', { now, registry: after });
    try {
      assert.equal(again.lockedUntil, t + 5 * 60_000);
    } finally {
      releaseAuthGate(again);
    }
    after.clear();
    assert.equal(fs.existsSync(file.path), false, 'no file while no lockout runs');
  });

  it('keeps only running lockouts (one entry per locked-out host at most)', () => {
    const saved: Array<Record<string, number>> = [];
    const store: LockoutStore = { load: () => ({}), save: (e) => void saved.push({ ...e }) };
    const registry = new LockoutRegistry();
    registry.useStore(store);
    for (let i = 0; i < 50; i++) {
      registry.record(`https://host-${i}.example`, t + 1000, t);
      t += 2000; // each has ended before the next one starts
    }
    assert.deepEqual(Object.keys(saved[saved.length - 1]), ['https://host-49.example']);
    assert.equal(registry.endOf('https://host-48.example', t), undefined);
    // a later end wins, an earlier one never shortens it
    registry.record('https://a.example', t + 5000, t);
    registry.record('https://a.example', t + 1000, t);
    assert.equal(registry.endOf('https://a.example', t), t + 5000);
  });
});

const createTestLimiter = () => createRateLimiter(DEFAULT_TOKEN_RATE);

describe('fedex/auth-gate gate', () => {
  let clock: sinon.SinonFakeTimers;
  let t = 0;
  const now = (): number => t;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    t = Date.UTC(2026, 0, 5, 12);
  });
  afterEach(() => clock.restore());

  /** Advances the gate's clock and the timers together. */
  const advance = async (ms: number): Promise<void> => {
    t += ms;
    await clock.tickAsync(ms);
  };

  it('one gate per FedEx host, shared by its clients and disposed with the last of them', () => {
    const registry = new LockoutRegistry();
    const a = acquireAuthGate('https://apis-sandbox.fedex.com', { now, registry });
    const b = acquireAuthGate('https://apis-sandbox.fedex.com/oauth/token', { now, registry });
    const other = acquireAuthGate('https://apis.fedex.com', { now, registry });
    try {
      assert.equal(b, a, 'the same host: one gate');
      assert.equal(b.tokenLimiter, a.tokenLimiter, 'and one token-request limiter');
      assert.equal(a.refs, 2);
      assert.notEqual(other, a);
      assert.equal(other.origin, 'https://apis.fedex.com');
      // a lockout of one host does not shut another
      a.lockUntil(t + TEN_MIN);
      assert.equal(b.lockedUntil, t + TEN_MIN);
      assert.equal(other.lockedUntil, undefined);

      releaseAuthGate(b);
      assert.equal(a.refs, 1);
      const again = acquireAuthGate('https://apis-sandbox.fedex.com', { now, registry });
      assert.equal(again, a, 'still in use: the same gate');
      releaseAuthGate(again);
    } finally {
      releaseAuthGate(a);
      releaseAuthGate(other);
    }
    const next = acquireAuthGate('https://apis-sandbox.fedex.com', { now, registry });
    try {
      assert.notEqual(next, a, 'released by its last client: a new gate');
      assert.equal(next.lockedUntil, t + TEN_MIN, 'which starts shut: the lockout outlived the old gate');
    } finally {
      releaseAuthGate(next);
    }
  });

  it('tells every client of a lockout and of its end; a later end extends it, an earlier one changes nothing', async () => {
    const gate = new AuthGate('https://apis.fedex.com', createTestLimiter(), now, new LockoutRegistry());
    const heard: Array<number | undefined> = [];
    const gone: Array<number | undefined> = [];
    gate.onChange((until) => heard.push(until));
    const unsubscribe = gate.onChange((until) => gone.push(until));
    unsubscribe();
    const start = t;
    try {
      gate.lockUntil(start + 1000);
      gate.lockUntil(start + 500);
      assert.equal(gate.lockedUntil, start + 1000);
      assert.deepEqual(heard, [start + 1000]);
      await advance(600);
      gate.lockUntil(start + 2000);
      assert.deepEqual(heard, [start + 1000, start + 2000]);
      await advance(1399);
      assert.equal(gate.lockedUntil, start + 2000);
      assert.deepEqual(heard, [start + 1000, start + 2000], 'not open before the later end');
      await advance(1);
      assert.equal(gate.lockedUntil, undefined);
      assert.deepEqual(heard, [start + 1000, start + 2000, undefined]);
      assert.deepEqual(gone, [], 'an unsubscribed client hears nothing');
    } finally {
      gate.dispose();
    }
  });

  it('a timer that fires before the gate clock reaches the end keeps the gate shut and still reports when it opens', async () => {
    const gate = new AuthGate('https://apis.fedex.com', createTestLimiter(), now, new LockoutRegistry());
    const heard: Array<number | undefined> = [];
    gate.onChange((until) => heard.push(until));
    const end = t + 1000;
    try {
      gate.lockUntil(end);
      // the timer runs out while the gate's clock is 1 ms short of the end (timers and the
      // wall clock are different clocks)
      t += 999;
      await clock.tickAsync(1000);
      assert.equal(gate.lockedUntil, end);
      assert.deepEqual(heard, [end]);
      t += 1;
      await clock.tickAsync(1);
      assert.equal(gate.lockedUntil, undefined);
      assert.deepEqual(heard, [end, undefined], 'the clients hear that the gate opened');
    } finally {
      gate.dispose();
    }
  });

  it('wait() returns at once when open, at the (extended) end of a lockout otherwise, and rejects when aborted', async () => {
    const gate = new AuthGate('https://apis.fedex.com', createTestLimiter(), now, new LockoutRegistry());
    try {
      await gate.wait();
      const start = t;
      gate.lockUntil(start + 1000);
      let opened = false;
      const waiting = gate.wait().then(() => (opened = true));
      await advance(500);
      gate.lockUntil(start + 3000);
      await advance(500);
      assert.equal(opened, false, 'the lockout was extended while waiting');
      await advance(1999);
      assert.equal(opened, false);
      await advance(1);
      await waiting;
      assert.equal(t, start + 3000);

      gate.lockUntil(t + 1000);
      const aborter = new AbortController();
      const aborted = gate.wait(aborter.signal);
      aborter.abort(new Error('node closed'));
      await assert.rejects(aborted, /node closed/);
    } finally {
      gate.dispose();
    }
  });

  it('a lockout store that cannot be written or read does not break the gate', () => {
    const registry = new LockoutRegistry();
    registry.useStore({
      load: () => {
        throw new Error('EACCES');
      },
      save: () => {
        throw new Error('ENOSPC');
      },
    });
    assert.equal(registry.endOf('https://apis.fedex.com', t), undefined, 'an unreadable file is no lockout');
    const gate = acquireAuthGate('https://apis.fedex.com', { now, registry });
    try {
      assert.doesNotThrow(() => gate.lockUntil(t + TEN_MIN));
      assert.equal(gate.lockedUntil, t + TEN_MIN);
      assert.equal(registry.endOf('https://apis.fedex.com', t), t + TEN_MIN, 'held in this process');
    } finally {
      releaseAuthGate(gate);
    }
  });
});
